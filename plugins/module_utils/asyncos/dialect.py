# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every AsyncOS string the device layer relies on, in one place, each with its source.

Nothing else in the collection may spell an AsyncOS prompt, menu text, question, error text,
HAT grammar token or XML element name: import it from here. ``docs/asyncos-dialect.md`` lists
the same facts for humans and ends with the step-by-step table of the role's dialogs.

Status of a fact:

* ``confirmed`` - public code that drives real appliances (or Cisco's own material) shows it;
  the ``sources`` name where (keys of :data:`SOURCES`);
* ``assumed``   - our best reading where the public record is silent. The device layer never
  depends on an assumed text alone: a question is also recognised by its place in the dialog
  where the public record shows that place, every change is read back, and a rehearsal
  (``rehearse: true``) reports every question that differed.

Questions are recognised by **key phrases**, compared case- and whitespace-insensitively
(:func:`normalize`), each question carrying every wording known across 12.x - 16.x. Defaults
are never assumed: they are read from the ``[X]>`` bracket of the prompt.
"""

from __future__ import annotations

import re

CONFIRMED = "confirmed"
ASSUMED = "assumed"

_IAF = "https://github.com/dharma412/PythonClass/blob/b79a42420e16af01d6cd3ce5fc98cce7d88d21df/csa/testlib/"
# The public record (see ../shared/reference/asyncos-public-record.md in the project workspace).
SOURCES = {
    "IAF-L12": _IAF + "phoebe1210/cli/ctor/listenerconfig.py",
    "IAF-K14": _IAF + "phoebe1400/cli/keywords/listenerconfig.py",
    "IAF-C12": _IAF + "phoebe1210/cli/ctor/certconfig.py",
    "IAF-C14": _IAF + "phoebe1400/cli/ctor/certconfig.py",
    "IAF-CO": _IAF + "phoebe1210/cli/ctor/commit.py",
    "IAF-HC": _IAF + "phoebe1210/cli/ctor/handlecluster.py",
    "IAF-CM": _IAF + "phoebe1210/cli/ctor/clustermode.py",
    "IAF-SC": _IAF + "phoebe1210/cli/ctor/showconfig.py",
    "IAF-CC": _IAF + "phoebe1210/cli/ctor/clearchanges.py",
    "IAF-SH": _IAF + "phoebe1210/cli/ctor/showchanges.py",
    "IAF-B": _IAF + "phoebe1210/cli/ctor/clictorbase.py",
    "MSA": "https://github.com/openmsa/Adapters/blob/410135a9422a955452f3338aacc618159d03d507/adapters/esa/esa_apply_conf.php",
    "NETSHOT": "https://github.com/netfishers-onl/Netshot/blob/a565b583389a3c16ce839df223c5b1f3c525a4b0/src/main/resources/drivers/Cisco_AsyncOS.js",
    "NETSIM": "Netshot's development simulator Cisco_AsyncOS.js (SMA 15.0.0-416, modelled)",
    "OXI": "https://github.com/ytti/oxidized/blob/e81eb77a4c5761ec4d107bec7f8a9458971e8afc/lib/oxidized/model/asyncos.rb "
           "and issues 1172, 1272, 2105, 2330, 3327, 3821",
    "DEPLOY": "esa_deploy.py, Cisco Sample Code 2026 (certbot deploy hook, AsyncOS 16.0.3)",
    "XSL": "Ironport Configuration Viewer XSLT for showconfig XML (public code, old releases)",
    "CLI-REF": "Cisco AsyncOS CLI reference (public material, see asyncos-cli.md)",
    "UNRECORDED": "in no public record: the collection's earlier reading, handled in case a release shows it "
                  "(a simulator variant)",
}

# Releases whose public record the simulator profiles follow (tests/simulator/profiles.py).
RELEASES = ("12.1", "14.0", "16.0")


def normalize(text):
    """Case- and whitespace-insensitive form used for every phrase comparison."""
    return re.sub(r"\s+", " ", (text or "")).strip().casefold()


class Phrase:
    """Something the appliance prints, recognised by any of its key phrases.

    :param name: id used in scripts, messages and the rehearsal report
    :param keys: key phrases; the text is recognised when it contains one of them
        (after :func:`normalize` on both sides)
    :param status: CONFIRMED or ASSUMED
    :param sources: keys of :data:`SOURCES`
    :param wordings: full texts known per release ({"12.1": "...", ...}), for the docs
    """

    __slots__ = ("name", "keys", "status", "sources", "wordings")

    def __init__(self, name, keys, status, sources=(), wordings=None):
        self.name = name
        self.keys = tuple(normalize(k) for k in ((keys,) if isinstance(keys, str) else keys))
        self.status = status
        self.sources = tuple(sources)
        self.wordings = dict(wordings or {})

    def found_in(self, text):
        flat = normalize(text)
        return any(k in flat for k in self.keys)

    def spec(self):
        """JSON-able form carried in dialog scripts: the normalised key phrases."""
        return list(self.keys)

    def __repr__(self):
        return "Phrase(%r)" % self.name


def _p(name, keys, status, sources=(), wordings=None):
    return Phrase(name, keys, status, sources, wordings)


# ======================================================================================
# Session and prompts (regular expressions; the terminal plugin compiles bytes versions)
# ======================================================================================

# Main prompt of a standalone appliance: "HOSTNAME> " at the start of a line, end of buffer.
# confirmed: OXI #1272 ("ironport.domen.ru> "), NETSHOT prompt regex.
MAIN_PROMPT_STANDALONE_RE = r"(?:\A|[\r\n])([A-Za-z0-9._-]+)> \Z"
# Main prompt in a cluster: "(Cluster NAME)> ", "(Group NAME)> ", "(Machine HOST)> ".
# confirmed: OXI #1172, #2330, #3327 ("(Machine mail01.XXXX.com)> "), NETSHOT.
MAIN_PROMPT_CLUSTER_RE = r"(?:\A|[\r\n])\((Cluster|Group|Machine) ([^()\r\n]+)\)> \Z"
# Sub-prompt: "[DEFAULT]> " at the end of the buffer (default may be empty). confirmed: IAF-B
# (_sub_prompt "(\[(.*)]> )"). A line wrapped by the terminal (CRLF inserted at the width, see
# TERMINAL_* below) may split the prompt itself: a CRLF is tolerated anywhere inside it.
_W = r"(?:\r?\n)?"
SUB_PROMPT_RE = r"\[((?:[^\[\]\r\n]|\r?\n)*)" + _W + r"\]" + _W + r">" + _W + r" \Z"
# The pager at the end of output. confirmed: IAF-B, NETSHOT, OXI #2105.
PAGER_RE = r"-Press Any Key For More-[ \t]*\Z"
PAGER_TEXT = "-Press Any Key For More-"
# What real appliances write after the pager key: CR, spaces over the pager text, CR.
# confirmed: asyncos-public-record.md section 4.6 (NETSHOT, OXI).
PAGER_ERASE_RE = r"\r[ \t]+\r"
# PEM paste instruction: "... in PEM format (end with '.'):" then a line break and no "[]> ".
# The instruction texts are confirmed (IAF-C12, IAF-C14); that it ends the receive without a
# sub-prompt is assumed (IAF waits for the exact text, then writes).
PASTE_PROMPT_RE = r"\(end with '\.'\):\s*\Z"
PASTE_END = "."  # confirmed: IAF-C12 writes "\n.\n" after the lines
YES = "Y"  # confirmed
NO = "N"  # confirmed
YESNO_DEFAULTS = (YES, NO)  # confirmed: "[Y]> " / "[N]> "

# Terminal size the connection asks for right after opening the shell. Real appliances page
# every screen and wrap lines longer than the terminal width with CRLF, also inside the
# showconfig XML (IAF-SC works around "message\r\ns>"; NETSHOT opens the PTY 0xffffff wide).
TERMINAL_WIDTH = 32767
TERMINAL_HEIGHT = 32767
# Width of the PTY network_cli opens before the resize (paramiko's default): what an appliance
# that ignores the resize keeps wrapping at.
TERMINAL_INITIAL_WIDTH = 80

# Level names as they appear in the cluster prompt. confirmed: OXI, NETSHOT.
LEVEL_CLUSTER = "Cluster"
LEVEL_GROUP = "Group"
LEVEL_MACHINE = "Machine"

# ======================================================================================
# Commands (confirmed: IAF ctor files write them; NETSHOT, OXI for showconfig/version)
# ======================================================================================
CMD_SHOWCONFIG = "showconfig"
CMD_VERSION = "version"
CMD_LISTENERCONFIG = "listenerconfig"
CMD_CERTCONFIG = "certconfig"
CMD_COMMIT = "commit"
CMD_CLEARCHANGES = "clearchanges"
CMD_SHOWCHANGES = "showchanges"
CMD_CLUSTERMODE_CLUSTER = "clustermode cluster"  # confirmed: DEPLOY (one-line form)
CMD_CLUSTERMODE_GROUP = "clustermode group {name}"  # confirmed: DEPLOY ("clustermode group NAME")
CMD_CLUSTERMODE_MACHINE = "clustermode machine {name}"  # assumed (by analogy)

# ======================================================================================
# version: "Key: value" lines. confirmed: NETSHOT parses ^Version: ^Model: ^Serial #:
# ======================================================================================
VERSION_KEY_PRODUCT = "Product"  # confirmed (NETSIM)
VERSION_KEY_MODEL = "Model"  # confirmed (NETSHOT)
VERSION_KEY_VERSION = "Version"  # confirmed (NETSHOT)
VERSION_KEY_SERIAL = "Serial #"  # confirmed (NETSHOT)
VERSION_LINE_RE = r"^\s*([A-Za-z][A-Za-z #/-]*?)\s*:\s*(.*?)\s*$"

# ======================================================================================
# Menus and lists
# ======================================================================================
# The operation menu: a title, "- NAME - text." lines, "[]> ". Operations are typed by name.
MENU_OPERATION = _p("operation_menu", "Choose the operation", CONFIRMED, ("IAF-C14", "IAF-C12", "IAF-L12"),
                    {"14.0": "Choose the operation you want to perform:"})
# A numbered item "N. TEXT" (menus, lists of listeners, groups, policies, certificates).
MENU_ITEM_RE = r"^\s*(\d+)\.\s*(.*?)\s*$"  # confirmed: IAF _select_list_item on numbered lists

# ======================================================================================
# showconfig
# ======================================================================================
SHOWCONFIG_PASSPHRASE_MENU = _p(
    "showconfig.passphrase_menu", "Choose the passphrase", CONFIRMED, ("IAF-SC", "NETSHOT", "OXI"),
    {"12.1": "Choose the passphrase option: 1. Mask passphrases ... 2. Encrypt passphrases 3. Plain passphrases",
     "14.0": "Choose the passphrase option: 1. Mask passphrases ... 2. Encrypt passphrases"})
# The item to choose: "1. Mask passphrases (Files with masked passphrases cannot be loaded ...)".
SHOWCONFIG_MASK_ITEM = _p("showconfig.mask_item", "Mask passphrases", CONFIRMED, ("OXI", "NETSHOT"))
SHOWCONFIG_MASK_YESNO = _p("showconfig.mask_yesno", "Do you want to mask the passphrase?", CONFIRMED,
                           ("IAF-SC", "OXI"))
XML_START = "<?xml version="  # confirmed: NETSIM, IAF-SC
XML_END = "</config>"  # confirmed: NETSIM

# XML element names. confirmed where a source is named, else assumed.
XML_HOSTNAME = "hostname"  # confirmed: NETSIM, NETSHOT, XSL (directly under <config>)
XML_LISTENERS = "listeners"  # confirmed: XSL
XML_LISTENER = "listener"  # confirmed: XSL
XML_LISTENER_NAME = "listener_name"  # confirmed: XSL
XML_LISTENER_TYPE = "type"  # confirmed: XSL
XML_LISTENER_PORT = "port"  # confirmed: XSL
XML_LISTENER_INTERFACE = "interface"  # assumed (XSL shows none of interface/ip/hostname/certificate)
XML_LISTENER_IP = "ip"  # assumed
XML_LISTENER_HOSTNAME = "hostname"  # assumed
XML_LISTENER_CERTIFICATE = "certificate"  # assumed (the listener's TLS profile)
XML_HAT = "hat"  # confirmed: XSL (one multi-line text element)
XML_HAT_DEFAULT_PREFIX = "hat_default_"  # confirmed: XSL (hat_default_tls, hat_default_smtpauth_allow ...)
XML_CERTIFICATES = "certificates"  # assumed (only the GUI certificate is public: XSL https_certificate)
XML_CERTIFICATE = "certificate"  # assumed
XML_CERT_NAME = "name"  # assumed
XML_CERT_PEM = "cert"  # assumed (XSL's https_certificate uses <certificate> for the PEM)
XML_CERT_INTERMEDIATES = "intermediate_certs"  # assumed
XML_CERT_KEY = "key"  # confirmed for the GUI certificate (XSL), assumed here (masked)
XML_CLUSTER = "cluster"  # assumed (nothing public; absent when standalone)
XML_CLUSTER_NAME = "cluster_name"  # assumed
XML_CLUSTER_GROUPS = "groups"  # assumed
XML_CLUSTER_GROUP = "group"  # assumed
XML_CLUSTER_GROUP_NAME = "name"  # assumed
XML_CLUSTER_MACHINES = "machines"  # assumed
XML_CLUSTER_MACHINE = "machine"  # assumed
# Elements whose text is secret even when masked; redacted in transcripts (device-layer rule).
XML_SECRET_ELEMENTS = ("key", "passphrase", "password", "private_key", "secret")

LISTENER_TYPES = ("public", "private", "blackhole")  # confirmed: IAF-L12 scopes Public/Private/Black(hole)
DEMO_CERTIFICATE = "Demo"  # confirmed: the built-in profile name (CLI-REF)

# ======================================================================================
# HAT text grammar (element "hat" and HOSTACCESS -> PRINT). assumed grammar: IAF-L12 Print()
# returns the raw text between PRINT and "Choose the operation" without showing it.
# ======================================================================================
HAT_POLICY_SIGIL = "$"  # assumed: "$NAME" defines (column 0) or references (indented) a policy
HAT_GROUP_SUFFIX = ":"  # assumed: "NAME:" starts a sender group
HAT_ALL = "ALL"  # assumed: final default entry
HAT_OPEN = "{"  # assumed
HAT_CLOSE = "}"  # assumed
HAT_COMMENT_PREFIX = "#"  # assumed
HAT_INDENT = "    "  # assumed: indentation used when rendering
HAT_BEHAVIOURS = {  # assumed keywords
    "accept": "ACCEPT",
    "relay": "RELAY",
    "reject": "REJECT",
    "tcprefuse": "TCPREFUSE",
    "continue": "CONTINUE",
}
HAT_PARAM_RE = r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'{}]+))"  # assumed
HAT_POLICY_NAME_RE = r"[A-Za-z0-9_.\-]+"  # assumed name characters
HAT_GROUP_NAME_RE = r"[A-Za-z0-9_.\-]+"  # assumed name characters

# Behaviour list after NEW / POLICY: "Accept", "Relay", "Reject", "TCP Refuse", "Continue", and
# the named policies. IAF-L12 selects the item by substring of the behaviour or policy name
# (texts not shown): items are matched as whole words, case-insensitively.
BEHAVIOUR_ITEMS = {  # assumed texts
    "accept": "Accept",
    "relay": "Relay",
    "reject": "Reject",
    "tcprefuse": "TCP Refuse",
    "continue": "Continue",
}
BEHAVIOUR_Q = _p("hat.behaviour", ("Select a behavior", "behavior for this entry"), ASSUMED, ("IAF-L12",))

# ======================================================================================
# Policy parameters: the keys the collection manages (HAT text keys = hat_default_* suffixes)
# ======================================================================================
PARAM_MAX_MESSAGE_SIZE = "max_message_size"  # confirmed as hat_default_max_message_size (XSL)
PARAM_MAX_CONCURRENCY = "max_concurrency"  # confirmed (XSL)
PARAM_MAX_MSGS_PER_SESSION = "max_msgs_per_session"  # confirmed (XSL)
PARAM_MAX_RCPTS_PER_MSG = "max_rcpts_per_msg"  # confirmed (XSL)
PARAM_MAX_RCPTS_PER_HOUR = "max_rcpts_per_hour"  # assumed (not in the XSL list)
PARAM_TLS = "tls"  # confirmed (XSL hat_default_tls)
PARAM_SMTPAUTH_ALLOW = "smtpauth_allow"  # confirmed (XSL hat_default_smtpauth_allow; IAF-L12 smtpauth_allow)
PARAM_SMTPAUTH_REQUIRETLS = "smtpauth_requiretls"  # confirmed (XSL, IAF-L12 smtpauth_requiretls)
# In question order (IAF-L12 _edit_hat_params).
PARAM_KEYS = (PARAM_MAX_MESSAGE_SIZE, PARAM_MAX_CONCURRENCY, PARAM_MAX_MSGS_PER_SESSION, PARAM_MAX_RCPTS_PER_MSG,
              PARAM_MAX_RCPTS_PER_HOUR, PARAM_TLS, PARAM_SMTPAUTH_ALLOW, PARAM_SMTPAUTH_REQUIRETLS)
PARAM_DEFAULT_ANSWER = "default"  # assumed: the answer that makes a policy inherit the listener default
UNLIMITED = "-1"  # assumed: max_rcpts_per_hour without rate limiting
# TLS list items by value. IAF-L12 answers the TLS question without showing the list; the list
# form and these texts come from Cisco's CLI reference (asyncos-cli.md section 5): assumed.
TLS_ITEMS = {
    "off": "No",
    "preferred": "Preferred",
    "required": "Required",
    "preferred_verify": "Preferred - Verify",
    "required_verify": "Required - Verify",
}
# SMTP authentication list: items documented 1 No, 2 Preferred, 3 Required (IAF-L12 input list
# index 1, IAF-K14). confirmed (order and meaning), item texts assumed.
SMTPAUTH_ITEMS = {"off": "No", "preferred": "Preferred", "required": "Required"}


class ParamQuestion(Phrase):
    """A question of the policy parameter sequence.

    :param kind: "text", "yesno" or "list"
    :param key: the managed parameter it sets (None: the collection keeps the current answer)
    :param role: how a managed yes/no relates to its key ("gate" of max_rcpts_per_hour)
    :param unanswerable: the collection cannot keep the current answer safely (a multi-line
        free text ended by an empty line): the dialog is abandoned with this reason
    """

    __slots__ = ("kind", "key", "role", "unanswerable")

    def __init__(self, name, keys, kind, status, sources, key=None, role=None, unanswerable=None, wordings=None):
        super(ParamQuestion, self).__init__(name, keys, status, sources, wordings)
        self.kind = kind
        self.key = key
        self.role = role
        self.unanswerable = unanswerable


def _q(name, keys, kind, key=None, status=CONFIRMED, sources=("IAF-L12",), **kw):
    return ParamQuestion(name, keys, kind, status, sources, key=key, **kw)


_MULTILINE = ("a custom SMTP response text is entered over several lines ended by an empty line; keeping "
              "it unchanged cannot be done safely through this dialog - change this policy's custom "
              "responses in the GUI, or remove them, and run again")

# The whole sequence, in the order of IAF-L12 ``_edit_hat_params`` (part 1 ends at "enable rate
# limiting", part 2 at "use SenderBase for", part 3 at "Default Policy Parameters" / "Choose the
# operation"). Key phrases are IAF's own matching substrings. Every question not listed here is
# "unknown": a yes/no gets its bracketed default and a warning, anything else abandons the dialog.
PARAM_SEQUENCE = (
    _q("param.max_message_size", "maximum message size.", "text", PARAM_MAX_MESSAGE_SIZE,
       wordings={"12.1": "Enter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, "
                         "or no letter for bytes."}),
    _q("param.max_concurrency", "maximum number of concurrent connections", "text", PARAM_MAX_CONCURRENCY),
    _q("param.max_msgs_per_session", "maximum number of messages per connection.", "text",
       PARAM_MAX_MSGS_PER_SESSION),
    _q("param.max_rcpts_per_msg", "maximum number of recipients per message.", "text", PARAM_MAX_RCPTS_PER_MSG),
    _q("param.override_hostname", "Do you want to override the hostname in the SMTP banner?", "yesno"),
    _q("param.override_hostname_value", "Enter the hostname to use in the SMTP banner", "text"),
    _q("param.custom_smtp_response", "Would you like to specify a custom SMTP response?", "yesno"),
    _q("param.smtp_code", ("Enter the SMTP code to use in the response", "SMTP code to use in the response"),
       "text"),
    _q("param.custom_response_text", "Enter your custom SMTP response", "text", unanswerable=_MULTILINE),
    _q("param.custom_acceptance", "Would you like to specify a custom SMTP acceptance response?", "yesno"),
    _q("param.acceptance_code", "220 is the standard code.", "text"),
    _q("param.custom_rejection", "Would you like to specify a custom SMTP rejection response?", "yesno"),
    _q("param.rejection_code", "554 is the standard code.", "text"),
    _q("param.dhap", "Directory Harvest Attack Prevention per host?", "yesno"),
    _q("param.dhap_limit", "Enter the maximum number of invalid recipients per hour from a remote host.", "text"),
    _q("param.dhap_action", "Select an action to apply when a recipient is rejected", "list"),
    _q("param.dhap_custom", "specify a custom SMTP DHAP response", "yesno"),
    _q("param.dhap_code", "550 is the standard", "text"),
    # The gate before recipients per hour: IAF-L12 matches "per host?", part 1 ends at
    # "Do you want to enable rate limiting".
    _q("param.rate_limit", ("Do you want to enable rate limiting per host", "enable rate limiting per host"),
       "yesno", PARAM_MAX_RCPTS_PER_HOUR, role="gate"),
    _q("param.max_rcpts_per_hour", "Enter the maximum number of recipients per hour from a remote host.", "text",
       PARAM_MAX_RCPTS_PER_HOUR),
    _q("param.custom_limit", "custom SMTP limit exceeded response?", "yesno"),
    _q("param.limit_code", "452 is the standard code.", "text"),
    _q("param.sender_rate_limit", "per envelope sender?", "yesno"),
    _q("param.sender_rate_limit_value", "Enter the maximum number of recipients ", "text"),
    _q("param.sender_rate_interval", "interval in minutes for Envelope Sender Rate Limiting", "text"),
    _q("param.sender_rate_exceptions", "Address List to define exceptions", "list"),
    _q("param.senderbase", "flow control by default?", "yesno"),
    _q("param.host_grouping", "group hosts by the similarity of their IP addresses?", "yesno"),
    _q("param.significant_bits", "Enter the number of bits of IP address to treat as significant", "text"),
    _q("param.trusted_relay", ("fetch the incoming address", "from a trusted relay's header?"), "yesno"),
    _q("param.trusted_relay_header", "Enter the header name containing the IP address", "text"),
    _q("param.antispam", "Would you like to enable anti-spam scanning?", "yesno"),
    _q("param.antivirus", "Would you like to enable anti-virus scanning?", "yesno"),
    # 14.0 adds these (named in IAF-K14; only some texts are shown there).
    _q("param.sdr", "Sender Domain Reputation", "yesno", status=ASSUMED, sources=("IAF-K14",)),
    _q("param.outbreak_filters", "Outbreak Filters", "yesno", status=ASSUMED, sources=("IAF-K14",)),
    _q("param.advanced_phishing", "Would you like to enable Advanced Phishing Protection", "yesno",
       sources=("IAF-K14",)),
    _q("param.graymail", "Graymail", "yesno", status=ASSUMED, sources=("IAF-K14",)),
    _q("param.content_filters", "Would you like to enable Content Filters", "yesno", sources=("IAF-K14",)),
    _q("param.message_filters", "Would you like to enable Message Filters", "yesno", sources=("IAF-K14",)),
    _q("param.tls", "Do you want to allow encrypted TLS connections?", "list", PARAM_TLS),
    _q("param.tls_address_list", "Choose address list to enforce TLS", "list"),
    _q("param.smtpauth_allow", "Do you want to allow SMTP authentication?", "list", PARAM_SMTPAUTH_ALLOW),
    _q("param.smtpauth_requiretls", "Require TLS to offer SMTP authentication?", "yesno", PARAM_SMTPAUTH_REQUIRETLS),
    _q("param.dkim_signing", ("DKIM/DomainKeys signing", "DomainKeys signing"), "yesno"),
    _q("param.smime_harvest", "S/MIME Public Key Harvesting", "yesno"),
    _q("param.smime_harvest_failure", ("harvest certificate on verification failure",
                                       "harvest certificateon verification failure"), "yesno"),
    _q("param.smime_harvest_updated", "harvest updated certificate", "yesno"),
    _q("param.smime_gateway", "S/MIME gateway decryption/verification", "yesno"),
    _q("param.smime_signature", "Select the appropriate operation for the S/MIME signature processing", "list"),
    _q("param.dkim_verification", "Would you like to enable DKIM verification?", "yesno"),
    _q("param.dkim_profile", "Select the DKIM verification profile to use", "list"),
    _q("param.spf_change", "change SPF", "yesno"),
    _q("param.spf_perform", "perform SPF", "yesno"),
    _q("param.spf_level", "What Conformance Level", "list"),
    _q("param.spf_pra", "Downgrade PRA verification result", "yesno"),
    _q("param.spf_helo", "Would you like to have the HELO check performed?", "yesno"),
    _q("param.spf_timeout", "Verification timeout", "text"),
    _q("param.spf_smtp_actions", "change SMTP actions taken as result of the SPF verification?", "yesno"),
    _q("param.dmarc", "enable DMARC verification", "yesno"),
    _q("param.dmarc_profile", "DMARC verification profile to use", "list"),
    _q("param.dmarc_reports", "send aggregate reports", "yesno"),
    _q("param.sender_verification", "Would you like to enable envelope sender verification?", "yesno"),
    _q("param.domain_exception", "Would you like to enable use of the domain exception table?", "yesno"),
    _q("param.untagged_bounces", "accept untagged bounces?", "yesno"),
    _q("param.malformed_senders", "custom SMTP response for malformed envelope senders?", "yesno"),
    _q("param.malformed_code", "553 is the standard code", "text"),
    _q("param.unresolved_domains", "envelope sender domains which do not resolve?", "yesno"),
    _q("param.nonexistent_domains", "envelope sender domains which do not exist?", "yesno"),
    _q("param.comment", "Enter a comment", "text"),
)

# ======================================================================================
# listenerconfig
# ======================================================================================
OP_NEW = "NEW"  # confirmed: IAF-L12 writes these operation names
OP_EDIT = "EDIT"
OP_DELETE = "DELETE"
OP_MOVE = "MOVE"
OP_PRINT = "PRINT"
OP_POLICY = "POLICY"
OP_HOSTACCESS = "HOSTACCESS"
OP_CERTIFICATE = "CERTIFICATE"  # confirmed: listener edit (IAF-L12) and certconfig (IAF-C12)
OP_PASTE = "PASTE"  # confirmed: IAF-C12, IAF-C14

# Listener listing: "1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public", with an
# optional IPv6 address after the IPv4 one. confirmed: IAF-L12 ListenersInfo regex.
LISTENER_LIST_RE = (r"^\s*(\d+)\.\s+(\S+)\s+\(on\s+(.+?),\s+([^,()]+?)(?:,\s+([^()]*))?\)\s+(\S+)\s+(\S+)\s+"
                    r"Port\s+(\d+)\s+(\S+)")
# After EDIT / DELETE the listener is selected from that listing (IAF-L12 _select_list_item);
# the question's text is not shown anywhere: assumed.
LISTENER_EDIT_Q = _p("listener.choose", ("listener you wish to edit", "Enter the name or number of the listener"),
                     ASSUMED, ("IAF-L12",))
LISTENER_CERT_Q = _p("listener.certificate", ("Choose the certificate", "certificate"), ASSUMED, ("IAF-L12",))
DEMO_CERT_Q = _p("listener.demo_certificate", "You may use the demo certificate to test TLS", CONFIRMED,
                 ("IAF-L12",),
                 {"12.1": "You may use the demo certificate to test TLS,but this will not be secure. "
                          "Do you really wish to use ..."})

# HOSTACCESS NEW: a list whose items contain "Sender Group" / "Policy" (IAF-K14 example
# "New Sender Group"; IAF-L12: the sender group is item 1).
HAT_GROUP_ITEM = _p("hat.item.sender_group", "Sender Group", CONFIRMED, ("IAF-K14", "IAF-L12"))
HAT_POLICY_ITEM = _p("hat.item.policy", "Policy", CONFIRMED, ("IAF-L12",))
# A NAME / POLICY menu after the policy to EDIT: the collection's earlier reading, in no public
# record (IAF-L12 goes straight to the behaviour list); recognised by its POLICY item, so that
# it is never mistaken for the HOSTACCESS menu, and left with an empty answer after the change.
HAT_POLICY_MENU = _p("hat.policy_menu", "Change the policy settings", ASSUMED, ("UNRECORDED",))
HAT_ENTRY_TYPE_Q = _p("hat.entry_type", ("New Sender Group", "Edit Sender Group", "Delete Sender Group"),
                      ASSUMED, ("IAF-K14", "IAF-L12"))
# After EDIT / DELETE the type menu is not always shown: the CLI may go straight to a list
# headed with these (IAF-L12 edit()/delete(): _query('HAT sender groups', 'HAT policies', ...)).
HAT_GROUP_LIST = _p("hat.list.sender_groups", "HAT sender groups", CONFIRMED, ("IAF-L12",))
HAT_POLICY_LIST = _p("hat.list.policies", "HAT policies", CONFIRMED, ("IAF-L12",))
SG_NAME_Q = _p("hat.sender_group.name", ("name for this sender group", "Enter a name"), ASSUMED, ("IAF-L12",))
POLICY_NAME_Q = _p("hat.policy.name", ("name for this policy", "Enter a name"), ASSUMED, ("IAF-L12",))
HOSTS_Q = _p("hat.hosts", ("hosts to add", "Enter the hosts"), ASSUMED, ("IAF-L12",))
CHANGE_PARAMS_Q = _p("hat.change_parameters", ("change the policy parameters", "policy parameters"), ASSUMED,
                     ("IAF-L12",))
SG_COMMENT_Q = _p("hat.sender_group.comment", ("comment for this sender group", "Enter a comment"), CONFIRMED,
                  ("IAF-L12",))
HAT_PICK_Q = _p("hat.pick", ("number or name you wish to", "you wish to edit", "you wish to delete",
                             "you wish to move", "insert before"), ASSUMED, ("IAF-L12",))
HOST_ADD_ANYWAY_Q = _p("hat.add_anyway", "Add anyway?", CONFIRMED, ("IAF-L12",))
POLICY_IN_USE_CONTINUE_Q = _p("hat.policy_in_use", "continue?", CONFIRMED, ("IAF-L12",))
HAT_DEFAULTS_TITLE = "Default Policy Parameters"  # confirmed: IAF-L12 (end of DEFAULT's parameter map)

# ======================================================================================
# certconfig
# ======================================================================================
CERT_NAME_Q = _p("certificate.name", "name for this certificate profile", CONFIRMED, ("IAF-C12", "DEPLOY"),
                 {"16.0": "Enter a name for this certificate profile:"})
# An existing profile: 16.0.3 asks on one line; 12.1/14.0 print "Certificate profile NAME already
# exists." (IAF treats it as an error string) and accept "Yes" at the following prompt.
CERT_OVERWRITE_Q = _p("certificate.overwrite", "already exists", CONFIRMED, ("DEPLOY", "IAF-C12", "IAF-C14"),
                      {"16.0": 'Certificate profile "NAME" already exists. Do you want to overwrite with this '
                               'new one? [N]>',
                       "12.1": "Certificate profile NAME already exists."})
PASTE_CERT_Q = _p("certificate.paste_cert", "Paste public certificate in PEM format", CONFIRMED,
                  ("IAF-C12", "IAF-C14"))
PASTE_KEY_Q = _p("certificate.paste_key", "Paste private key in PEM format", CONFIRMED, ("IAF-C12", "IAF-C14"))
PASTE_INTERMEDIATE_Q = _p("certificate.paste_intermediate", "Paste intermediate certificate in PEM format",
                          CONFIRMED, ("IAF-C12", "IAF-C14"))
# IAF-C14 answers Y / N at the next sub-prompt after the key and after each intermediate; the
# text is not shown.
ADD_INTERMEDIATE_Q = _p("certificate.add_intermediate", "intermediate certificate", ASSUMED, ("IAF-C14",))
# Absent in 12.1; 14.0 wording (IAF-C14 NEW and paste); 16.0.3 wording of the import (DEPLOY).
CN_FQDN_Q = _p("certificate.fqdn_check", ("Fully Qualified Domain Name", "check if Common Name"), CONFIRMED,
               ("IAF-C14", "DEPLOY"),
               {"14.0": "Do you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format? [N]>",
                "16.0": "Do you want to check if Common Name or SAN:dNSName or both are in Fully Qualified "
                        "Domain Name(FQDN) format ? [N]>"})
CERT_DELETE_Q = _p("certificate.delete", "certificate profile you wish to delete", CONFIRMED, ("IAF-C12", "IAF-C14"))
CERT_DELETE_CONFIRM_Q = _p("certificate.delete_confirm", "you want to delete", CONFIRMED, ("IAF-C14",))
CERT_LIST_TITLE = "List of Certificates"  # assumed (layout of the listing not public)

# ======================================================================================
# commit / clearchanges / showchanges
# ======================================================================================
COMMIT_COMMENT_Q = _p("commit.comment", "enter some comments describing your changes", CONFIRMED,
                      ("IAF-CO", "MSA", "DEPLOY", "NETSHOT"))
COMMIT_DISCARD_Q = _p("commit.discard", "Are you ready to discard all of your changes?", CONFIRMED, ("IAF-CO",))
COMMIT_ROLLBACK_Q = _p("commit.rollback", "save the current configuration for rollback", CONFIRMED,
                       ("IAF-CO", "MSA", "DEPLOY"))
COMMIT_DONE = _p("commit.done", "Changes committed", CONFIRMED, ("MSA", "DEPLOY"))
NO_DATA_TO_COMMIT = _p("commit.nothing", "no data to commit", CONFIRMED, ("MSA", "DEPLOY", "IAF-CO"),
                       {"16.0": "There is no data to commit."})
CLEAR_Q = _p("clearchanges.confirm", "Are you sure you want to clear all changes", CONFIRMED, ("NETSHOT",))
NO_CHANGES = _p("clearchanges.nothing", "No changes have been made", CONFIRMED, ("IAF-CC",))

# ======================================================================================
# Cluster levels
# ======================================================================================
CLUSTER_NOTICE = _p("cluster.notice", "has not yet been configured for the current cluster mode", CONFIRMED,
                    ("IAF-HC", "IAF-C14"))
CLUSTER_WHAT_TO_DO_Q = _p("cluster.what_to_do", "What would you like to do", CONFIRMED, ("IAF-HC", "IAF-C14"))
CLUSTER_SWITCH_ITEM = _p("cluster.switch_item", "Switch modes", CONFIRMED, ("IAF-HC", "IAF-C14"))
CLUSTER_SWITCH_ITEM_RE = r'Switch modes to edit at mode "([^"]+)"'  # confirmed: IAF-HC, IAF-C14
# Never chosen / answered N: it would create an empty override at the current level. Older
# releases omit "empty" (IAF-HC docstring: "start a new configuration at the current mode").
CLUSTER_NEW_CONFIG_Q = _p("cluster.new_configuration", ("start a new, empty configuration", "start a new configuration"),
                          CONFIRMED, ("IAF-HC",))
CLUSTER_RESTRICTED = _p("cluster.restricted", "This command is restricted to", CONFIRMED, ("IAF-HC",))
# The restricted-mode switch questions (IAF-HC): 'Would you like to switch to "X" mode?',
# 'Do you want to switch to "Machine X" mode?', 'Do you want to switch to X machine mode?'.
CLUSTER_SWITCH_Q = _p("cluster.switch", ("Would you like to switch to", "Do you want to switch to"), CONFIRMED,
                      ("IAF-HC",))
# A disconnected machine: IAF-HC refuses to choose a machine for the user; so do we.
CLUSTER_OTHER_MACHINE_Q = _p("cluster.other_machine", "switch to a different machine", CONFIRMED, ("IAF-HC",))
CLUSTER_MODE_RE = r"current cluster mode \(([^)]*)\)"  # confirmed: IAF-HC
CLUSTER_SWITCH_TARGET_RE = r'switch to "([^"]+)"'  # confirmed: IAF-HC

# ======================================================================================
# Error strings, matched at the start of a line (IAF-B global error table unless noted)
# ======================================================================================
ERROR_PREFIXES_CONFIRMED = (
    "Unknown command",  # "Unknown command:" (IAF-B) and "Unknown command or missing feature key:" (NETSIM)
    "Invalid arguments when processing:",
    "Unknown option",
    "You must enter a",
    "The value cannot",
    "The value should",
    "The value must",
    "The value may",
    "That value must",
    "That value is not valid",
    "Not a valid ",
    "Value must be ",
    "Must be a ",
    "Must be at ",
    "Must be an ",
    "Please answer ",
    "Valid characters are",
    "Invalid IP or IP range",
    "A CIDR address is an IP",
    "A hostname is ",
    "A hostname must ",
    "Invalid hostname format ",
    "You are not in the correct access group to use",
    "Traceback",
    "-- Changes not recorded",
    # listenerconfig / HOSTACCESS (IAF-L12 local error tables)
    "Please enter a value.",
    "No policies to edit.",
    "Invalid selected behavior:",
    "Invalid value.",
    "Connecting host PTR record",
    "Connecting host reverse DNS lookup",
    # certconfig (IAF-C12, IAF-C14)
    "key does not sign certificate",
    "Invalid certificate",
    "Invalid private key",
    # cluster (IAF-HC): a disconnected machine
    "cannot access this command",
)
ERROR_PATTERNS_ASSUMED = (
    r'^Listener "[^"]*" does not exist\.',
    r"^Invalid host: ",
    r'^A sender group or policy named "[^"]*" already exists\.',
    r"^Certificate profile \S+ is in use",
    r"^Commit failed:",
)
ERROR_RE_SOURCES = tuple(r"^" + re.escape(p) for p in ERROR_PREFIXES_CONFIRMED) + ERROR_PATTERNS_ASSUMED


def error_regexes(flags=re.MULTILINE):
    """Compiled (text) error patterns, anchored at the start of a line."""
    return [re.compile(src, flags) for src in ERROR_RE_SOURCES]


def prompt_regexes():
    """Compiled (text) prompt patterns, end-anchored: (kind, regex)."""
    return [
        ("main", re.compile(MAIN_PROMPT_CLUSTER_RE)),
        ("main", re.compile(MAIN_PROMPT_STANDALONE_RE)),
        ("pager", re.compile(PAGER_RE)),
        ("paste", re.compile(PASTE_PROMPT_RE)),
        ("sub", re.compile(SUB_PROMPT_RE)),
    ]


def level_command(level, name=None):
    """The one-line clustermode command that switches to a level."""
    level = (level or "").lower()
    if level == "cluster":
        return CMD_CLUSTERMODE_CLUSTER
    if level == "group":
        return CMD_CLUSTERMODE_GROUP.format(name=name)
    if level == "machine":
        return CMD_CLUSTERMODE_MACHINE.format(name=name)
    raise ValueError("unknown cluster level %r" % (level,))


def phrases():
    """Every Phrase of this module (the docs table and the tests read it)."""
    out = [v for v in globals().values() if isinstance(v, Phrase)]
    out += list(PARAM_SEQUENCE)
    return out
