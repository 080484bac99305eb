# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of the DNS provider, shared by every DNS module (plugins/module_utils/dns/options.py)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  provider:
    description:
      - Where the zone is kept and how it is edited. Every provider reads the TXT records at the name and
        replaces them from exactly what was read to the new values.
      - V(rfc2136) is dynamic DNS update (BIND, PowerDNS, Knot, Windows/Active Directory DNS, Infoblox, ...) to
        O(server), signed with an HMAC TSIG key (O(tsig_key_name), O(tsig_key_secret)) or with Kerberos
        (O(tsig_algorithm=gss-tsig)). Compare-and-swap, the UPDATE carries a prerequisite that the TXT RRset is
        exactly what was read, so the server applies it atomically or refuses it (then re-read and retried).
      - V(powerdns) is the PowerDNS Authoritative HTTP API (O(api_url), O(api_key), O(server_id)). The API has
        B(no write precondition); the records are re-read right before the write and verified after it, so a
        concurrent writer can still win in a short window. PowerDNS's own RFC 2136 endpoint (C(dnsupdate=yes))
        does enforce prerequisites; use O(provider=rfc2136) against it when concurrent edits are possible.
      - V(route53) is Amazon Route 53 through boto3. Compare-and-swap, one change batch DELETEs the TXT RRset
        exactly as read and CREATEs the new one; Route 53 rejects the whole batch when the RRset changed in between
        (then re-read and retried). Values are quoted and split into strings of at most 255 bytes the way Route 53
        stores them; comparisons use the joined text.
      - V(zonefile) edits the zone file at O(path) in place (for example in a Git repository deployed to the
        servers), where only the TXT line(s) of the name and the SOA serial change, every other byte (comments, blank
        lines, C($ORIGIN), C($TTL), C($INCLUDE), relative names, record order, a multi-line SOA) is kept. The file
        is locked, checked to be unchanged since it was read, and replaced atomically. A record that cannot be
        edited in place safely (a TXT record spread over several lines in parentheses, one in an C($INCLUDE) file)
        is an error, never a rewrite of the file.
    type: str
    choices: [powerdns, rfc2136, route53, zonefile]
    default: zonefile
  zone:
    description:
      - Zone that contains the name, for example V(example.com).
      - When omitted, it is discovered from the SOA record the server returns (V(rfc2136)), the zone list
        (V(powerdns)), the hosted zones of the AWS account (V(route53), the longest zone that contains the name,
        public or, with O(private_zone=true), private), or the C($ORIGIN) of the file (V(zonefile)).
    type: str
  timeout:
    description:
      - Timeout in seconds of one request to the provider.
    type: float
    default: 10
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_url) (V(powerdns)) or of the Route 53 endpoint (V(route53)). Only set
        to V(false) for test servers.
    type: bool
    default: true
  server:
    description:
      - Address or host name of the primary DNS server that accepts dynamic updates (V(rfc2136)); records are
        also read from it. For Active Directory, a domain controller that holds the zone.
      - Required when O(provider=rfc2136).
    type: str
  port:
    description:
      - DNS port of O(server).
    type: int
    default: 53
  tsig_key_name:
    description:
      - Name of the HMAC TSIG key that signs queries and updates (V(rfc2136)). Without it (and without
        O(tsig_algorithm=gss-tsig)), requests are unsigned.
    type: str
  tsig_key_secret:
    description:
      - Base64 secret of the TSIG key. Never returned or logged.
    type: str
  tsig_algorithm:
    description:
      - Algorithm of the TSIG key.
      - V(gss-tsig) signs with Kerberos (RFC 3645), as Active Directory DNS zones set to "Secure only" and BIND
        with C(tkey-gssapi-keytab) require. The credential is the user's Kerberos ticket cache (run C(kinit)
        first; C(KRB5CCNAME) selects the cache), or O(kerberos_principal) with O(kerberos_keytab). The key is
        negotiated with the server (TKEY) and signs every read and update, which keep their compare-and-swap
        prerequisite. The server's Kerberos service principal is C(DNS/HOST), with HOST from
        O(kerberos_server_name) or O(server). Needs the C(gssapi) Python package.
    type: str
    choices: [hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, hmac-md5, gss-tsig]
    default: hmac-sha256
  kerberos_principal:
    description:
      - Kerberos principal (for example V(ansible-dns@AD.EXAMPLE.COM)) of O(tsig_algorithm=gss-tsig). With
        O(kerberos_keytab), the principal whose key the keytab holds; alone, the principal to pick from the
        ticket cache.
    type: str
  kerberos_keytab:
    description:
      - Keytab file with the key of O(kerberos_principal). The tickets obtained with it stay in memory, the user's
        ticket cache is not touched.
    type: path
  kerberos_server_name:
    description:
      - Host name of the DNS server in its Kerberos service principal C(DNS/HOST) (for Active Directory, the
        domain controller's full host name, for example V(dc1.ad.example.com)).
      - Defaults to O(server); required when O(server) is an IP address.
    type: str
  api_url:
    description:
      - Base URL of the PowerDNS API, for example V(http://127.0.0.1:8081). C(/api/v1) is appended when missing.
      - Required when O(provider=powerdns).
    type: str
  api_key:
    description:
      - PowerDNS API key (sent as C(X-API-Key)). Never returned or logged.
    type: str
  server_id:
    description:
      - PowerDNS server id.
    type: str
    default: localhost
  aws_access_key_id:
    description:
      - AWS access key id (V(route53)). When omitted, boto3 finds credentials the standard way, in the
        C(AWS_ACCESS_KEY_ID)/C(AWS_SECRET_ACCESS_KEY)/C(AWS_SESSION_TOKEN) environment variables, the profile
        (O(aws_profile) or C(AWS_PROFILE)) of the shared credentials and config files, or the instance or
        container role.
    type: str
  aws_secret_access_key:
    description:
      - AWS secret access key, with O(aws_access_key_id). Never returned or logged.
    type: str
  aws_session_token:
    description:
      - AWS session token of temporary credentials, with O(aws_access_key_id). Never returned or logged.
    type: str
  aws_profile:
    description:
      - Profile of the shared AWS credentials and config files (V(route53)).
    type: str
    aliases: [profile]
  aws_region:
    description:
      - AWS region of the client (V(route53)). Route 53 is global; a region matters for other partitions
        together with O(endpoint_url).
    type: str
  endpoint_url:
    description:
      - Route 53 endpoint URL instead of AWS's (another partition, a VPC endpoint, or a test server).
    type: str
  private_zone:
    description:
      - Look for a private hosted zone (V(route53)) instead of a public one. A private zone is answered only
        inside its VPCs, so the propagation check only waits for Route 53 to report the change in sync.
    type: bool
    default: false
  hosted_zone_id:
    description:
      - Route 53 hosted zone id (for example V(Z0123456789ABCDEFGHIJ)), when the zone name is not unique in the
        account or to skip the discovery.
    type: str
  path:
    description:
      - Zone file to edit when O(provider=zonefile).
      - Required when O(provider=zonefile).
    type: path
requirements:
  - dnspython >= 2.3 (V(rfc2136), V(zonefile))
  - requests (V(powerdns))
  - boto3 (V(route53))
  - gssapi (V(rfc2136) with O(tsig_algorithm=gss-tsig)), which needs the Kerberos libraries (MIT krb5)
"""
