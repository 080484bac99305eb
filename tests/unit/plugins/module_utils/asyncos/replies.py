# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replies transcribed from docs/asyncos-dialect.md (the contract) and the public record."""

from __future__ import annotations

MAIN = "\nesa1.example.com> "

LISTENERCONFIG = """
Currently configured listeners:
1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public
2. OutgoingMail (on Data 2, 192.0.2.11) SMTP TCP Port 587 Private

Choose the operation you want to perform:
- NEW - Create a new listener.
- EDIT - Modify a listener.
- DELETE - Remove a listener.
- SETUP - Change global settings.
[]> """

EDIT_Q = """
Enter the name or number of the listener you wish to edit.
[]> """

LISTENER_MENU = """
Name: IncomingMail
Type: Public
Interface: Data 1 (192.0.2.10/24) TCP Port 25
Protocol: SMTP
Certificate: Demo

Choose the operation you want to perform:
- NAME - Change the name of the listener.
- INTERFACE - Change the interface.
- CERTIFICATE - Choose the certificate.
- LIMITS - Change the injection limits.
- SETUP - Configure general options.
- HOSTACCESS - Modify the Host Access Table.
- RCPTACCESS - Modify the Recipient Access Table.
[]> """

HOSTACCESS = """
Default Policy Parameters
==========================
Maximum Message Size: 10M
Maximum Number Of Concurrent Connections From A Single IP: 10
TLS Support: No

There are currently 4 policies defined.
There are currently 3 sender groups.

Choose the operation you want to perform:
- NEW - Create a new entry.
- EDIT - Modify an entry.
- DELETE - Remove an entry.
- MOVE - Move an entry.
- DEFAULT - Set the defaults.
- PRINT - Display the table.
- IMPORT - Import a table from a file.
- EXPORT - Export the table to a file.
- RESET - Remove senders and set policies to system default.
[]> """

NEW_MENU = """
1. New Sender Group
2. New Policy
[1]> """

SG_NAME_Q = """
Enter a name for this sender group. (optional)
[]> """

HOSTS_Q = """
Enter the hosts to add.  CIDR addresses such as 10.1.1.0/24 are allowed.  IP address ranges
such as 10.1.1.10-20 are allowed.  IP subnets such as 10.2.3. are allowed.  Hostnames such as
crm.example.com are allowed.  Partial hostnames such as .example.com are allowed.
Ranges of SenderBase Reputation scores such as SBRS[7.5:10.0] are allowed.
Separate multiple hosts with commas
[]> """

BEHAVIOUR = """
Select a behavior for this entry.
1. Accept
2. Relay
3. Reject
4. TCP Refuse
5. Continue
6. Policy: ACCEPTED
7. Policy: BLOCKED
8. Policy: CRES_TLS
9. Policy: TRUSTED
[1]> """

SG_COMMENT_Q = """
Enter a comment for this sender group.
[]> """

CERTCONFIG = """
Choose the operation you want to perform:
- CERTIFICATE - Import, Create a request, Edit or Remove Certificate Profiles
- CERTAUTHORITY - Manage System and Customized Authorities
- CRL - Manage Certificate Revocation Lists
[]> """

CERT_MENU = """
List of Certificates
Name        Common Name                        Issued By                          Status  Remaining
----------  ---------------------------------  ---------------------------------  ------  ---------
Demo        Cisco Appliance Demo Certificate   Cisco Appliance Demo Certificate   Active  3650 days

Choose the operation you want to perform:
- IMPORT - Import a certificate from a local PKCS#12 file
- PASTE - Paste a certificate into the CLI
- NEW - Create a self-signed certificate and CSR
- EDIT - Update certificate or view the signing request
- EXPORT - Export a certificate
- DELETE - Remove a certificate
- PRINT - View certificates assigned to services
[]> """

CERT_NAME_Q = """
Enter a name for this certificate profile:
[]> """

PASTE_CERT = "\nPaste public certificate in PEM format (end with '.'):"
PASTE_KEY = "\nPaste private key in PEM format (end with '.'):"
ADD_INTER = "\nDo you want to add an intermediate certificate? [N]> "
# 14.0 (IAF-C14) and 16.0.3 (esa_deploy.py) wordings; 12.1 asks nothing.
CN_FQDN = "\nDo you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format? [N]> "
CN_FQDN_16 = ("\nDo you want to check if Common Name or SAN:dNSName or both are in Fully Qualified Domain "
              "Name(FQDN) format ? [N]> ")
OVERWRITE_16 = '\nCertificate profile "cres_cert" already exists. Do you want to overwrite with this new one? [N]> '

EDIT_TYPE = """
1. Edit Sender Group
2. Edit Policy
[1]> """
POLICY_LIST = """
HAT policies:
1. ACCEPTED
2. CRES_TLS
Enter the policy number or name you wish to edit.
[]> """
TLS_Q = """
Do you want to allow encrypted TLS connections?
1. No
2. Preferred
3. Required
4. Preferred - Verify
5. Required - Verify
[1]> """
CHANGE_PARAMS = "\nWould you like to change the policy parameters? [N]> "
HAT_PRINT = """
$CRES_TLS
    ACCEPT {
        tls = "required"
    }

ALL
    $ACCEPTED
""" + HOSTACCESS

CLUSTER_NOTICE = """
NOTICE: This configuration command has not yet been configured for the current cluster mode (Machine esa2.example.com).

What would you like to do?
1. Switch modes to edit at mode "Cluster cluster1".
2. Start a new, empty configuration at the current mode (Machine esa2.example.com).
3. Copy settings from another cluster mode to the current mode.
[1]> """

CLUSTER_NOTICE_YESNO = """
NOTICE: This configuration command has not yet been configured for the current cluster mode (Machine esa2.example.com).
Do you want to start a new, empty configuration at the current mode (Machine esa2.example.com)? [N]> """

MACHINE_PROMPT = "\n(Machine esa2.example.com)> "
CLUSTER_PROMPT = "\n(Cluster cluster1)> "

SHOWCONFIG_MENU = """
Choose the passphrase option:
1. Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig command)
2. Encrypt passphrases
3. Plain passphrases
[1]> """
