#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: smtp_tls_info
short_description: Test a domain's inbound mail gateways for STARTTLS the way a careful sender does
version_added: 0.1.0
description:
  - Resolves the MX hosts of O(domain) (or takes O(mx_hosts)), and connects to B(every address of every MX
    host) on O(port), like Cisco Secure Email Encryption Service (CRES) does before it switches replies to TLS.
  - For each connection - banner, EHLO keywords, whether STARTTLS is advertised, the handshake's protocol and
    cipher, the presented certificate chain, its verification against O(ca_bundle) with the reason on failure,
    whether the certificate covers the MX host name and the email domain (C(subjectAltName) only, no CN
    fallback), certificate facts, and demo / self-signed detection.
  - Verdict per address, per MX host and for the domain (the worst host), from best to worst -
    V(verified) (STARTTLS, trusted chain, valid, name matches the MX host or the email domain),
    V(unverified) (TLS works but the certificate would be rejected), V(no_starttls),
    V(unreachable) (no connection or no 220 banner; port 25 is often blocked from controllers),
    V(dns_error) (no MX, no address, null MX).
  - MX hosts and addresses are probed concurrently with at most O(max_workers) connections, so a domain with
    four MX hosts takes about as long as its slowest host.
  - With O(check_mta_sts), the C(_mta-sts) TXT record is read and the policy is fetched from
    C(https://mta-sts.DOMAIN/.well-known/mta-sts.txt) (no redirects, size cap, certificate valid for the
    name); every MX host is matched against the policy's C(mx) patterns.
  - With O(check_dane), TLSA records at C(_PORT._tcp.MXHOST) are matched against the presented chain (usages
    DANE-TA and DANE-EE). DNSSEC is not validated here - the result reports whether the resolver set the
    AD bit, which is meaningful only with a trusted validating resolver.
  - Read-only; C(changed) is always V(false). The module does not fail on a bad verdict; use RV(verdict) in
    a later task.
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes.INFO_MODULE
  - mailsec.cres.attributes.CONTROLLER
  - mailsec.cres.attributes.ACTIONGROUP_TLS
requirements:
  - cryptography >= 42.0.0
  - dnspython >= 2.3
  - requests (for O(check_mta_sts))
  - certifi (when O(ca_bundle) is not set)
options:
  domain:
    description:
      - The email domain, for example V(example.com).
    type: str
    required: true
  mx_hosts:
    description:
      - MX host names to probe instead of looking up the MX records of O(domain), in order of preference
        (they get preferences 10, 20, ...). IP addresses are accepted.
      - Their addresses are still looked up in DNS unless O(host_addresses) gives them.
    type: list
    elements: str
  host_addresses:
    description:
      - Addresses to use for host names instead of A/AAAA lookups, as a mapping of name to a list of
        addresses (or one address). Also used for C(mta-sts.DOMAIN).
      - 'Example: V({"mx1.example.com": ["192.0.2.10"]}).'
    type: dict
  port:
    description:
      - SMTP port to probe.
    type: int
    default: 25
  nameservers:
    description:
      - DNS servers (IP addresses or names) for the MX, address, TXT and TLSA lookups. Default is the
        controller's resolver configuration.
      - When set, the MTA-STS host is resolved through them too.
    type: list
    elements: str
  nameserver_port:
    description:
      - Port of O(nameservers).
    type: int
    default: 53
  ca_bundle:
    description:
      - PEM file with the trusted root certificates for the SMTP servers' chains.
      - Default is the public roots of C(certifi).
    type: path
  timeout:
    description:
      - Timeout in seconds for each network step (connect, each SMTP reply, handshake, DNS query, HTTPS).
      - One connection takes at most three times this value.
    type: float
    default: 10
  ehlo_name:
    description:
      - Name sent with EHLO. Default is the controller's fully qualified host name.
    type: str
  check_mta_sts:
    description:
      - Look up and evaluate the domain's MTA-STS policy.
    type: bool
    default: true
  check_dane:
    description:
      - Look up TLSA records of every MX host and match them against the presented chains.
    type: bool
    default: true
  mta_sts_port:
    description:
      - HTTPS port of the MTA-STS policy server. Only for tests; the standard is 443.
    type: int
    default: 443
  mta_sts_ca_bundle:
    description:
      - PEM file with the roots trusted for the MTA-STS policy server. Default is O(ca_bundle), then the
        C(certifi) roots.
    type: path
  max_workers:
    description:
      - Largest number of concurrent connections and lookups.
    type: int
    default: 8
notes:
  - Probing uses the MX host name for SNI and verification while connecting to each of its addresses.
  - Revocation (CRL, OCSP) is not checked.
seealso:
  - module: mailsec.cres.certificate_check
  - name: RFC 8461 (MTA-STS)
    description: SMTP MTA Strict Transport Security.
    link: https://www.rfc-editor.org/rfc/rfc8461
  - name: RFC 7672 (DANE for SMTP)
    description: SMTP security via opportunistic DANE TLS.
    link: https://www.rfc-editor.org/rfc/rfc7672
"""

EXAMPLES = r"""
- name: Check that every gateway of example.com offers verified TLS
  mailsec.cres.smtp_tls_info:
    domain: example.com
  register: tls

- name: Stop before switching CRES replies to TLS
  ansible.builtin.assert:
    that: tls.verdict == 'verified'
    fail_msg: "{{ tls.reasons }}"

- name: Probe named gateways on a submission-style port, with a private CA
  mailsec.cres.smtp_tls_info:
    domain: example.com
    mx_hosts: [esa1.example.com, esa2.example.com]
    port: 2525
    ca_bundle: /etc/pki/corp-root.pem
    check_mta_sts: false
    check_dane: false
    timeout: 5
"""

RETURN = r"""
domain:
  description: The domain probed.
  returned: always
  type: str
verdict:
  description: >-
    Worst verdict of the MX hosts - V(verified), V(unverified), V(no_starttls), V(unreachable) or
    V(dns_error).
  returned: always
  type: str
  sample: verified
reasons:
  description: Why the domain got its verdict.
  returned: always
  type: list
  elements: str
mx_lookup:
  description: How the MX hosts were found.
  returned: always
  type: dict
  contains:
    source:
      description: V(dns) or V(mx_hosts).
      type: str
    error:
      description: DNS error, if any.
      type: str
    implicit:
      description: No MX record; the domain itself is the implicit MX.
      type: bool
    null_mx:
      description: The domain publishes a null MX (accepts no mail).
      type: bool
    ad:
      description: Whether the resolver set the AD bit on the MX answer.
      type: bool
mx:
  description: One entry per MX host, by preference.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: MX host name.
      type: str
    preference:
      description: MX preference.
      type: int
    verdict:
      description: Worst verdict of the host's addresses (V(dns_error) when it has none).
      type: str
    reasons:
      description: Reasons of the non-verified addresses.
      type: list
      elements: str
    error:
      description: Address lookup error.
      type: str
    dane:
      description: TLSA lookup (V(null) when O(check_dane=false)).
      type: dict
      contains:
        name:
          description: TLSA owner name.
          type: str
        present:
          description: Whether TLSA records exist.
          type: bool
        ad:
          description: Whether the resolver set the AD bit (DNSSEC-validated by the resolver).
          type: bool
        records:
          description: The records (usage, selector, matching_type, data).
          type: list
          elements: dict
        error:
          description: Lookup error.
          type: str
    mta_sts:
      description: Whether the host matches a policy pattern and validates (with an MTA-STS policy only).
      type: dict
    addresses:
      description: One probe per address.
      type: list
      elements: dict
      contains:
        address:
          description: IP address probed.
          type: str
        port:
          description: Port probed.
          type: int
        connected:
          description: Whether the TCP connection was made.
          type: bool
        banner:
          description: Greeting code and text.
          type: dict
        ehlo_keywords:
          description: EHLO keywords before STARTTLS.
          type: list
          elements: str
        starttls_advertised:
          description: Whether STARTTLS is in the EHLO reply.
          type: bool
        starttls_reply:
          description: Reply to STARTTLS.
          type: dict
        tls:
          description: Handshake result - established, protocol, cipher, cipher_bits, sni, error.
          type: dict
        presented_chain:
          description: Certificates as sent by the server (subject, issuer, not_after, fingerprint_sha256).
          type: list
          elements: dict
        chain_in_order:
          description: Whether each presented certificate is issued by the next one.
          type: bool
        certificate:
          description: Facts of the server certificate (same keys as RV(mailsec.cres.certificate_check#module:certificate)).
          type: dict
        verification:
          description: >-
            trusted (bool), code (V(ok), V(missing_intermediate), V(untrusted_root), V(self_signed),
            V(expired_ca), V(no_usable_name), V(rejected)), reason, and the built chain.
          type: dict
        hostname_match:
          description: Whether the certificate covers the MX host name (C(mx)) and the email domain (C(domain)).
          type: dict
        self_signed:
          description: Whether the certificate is self-signed.
          type: bool
        demo_certificate:
          description: Whether it looks like an appliance demo certificate.
          type: bool
        dane:
          description: TLSA matching against the presented chain (usable, matched, matches, reason).
          type: dict
        verdict:
          description: Verdict of this address.
          type: str
        reasons:
          description: Why.
          type: list
          elements: str
        error:
          description: Connection or dialogue error.
          type: str
        duration:
          description: Seconds spent on this address.
          type: float
mta_sts:
  description: MTA-STS evaluation (V(null) when O(check_mta_sts=false)).
  returned: always
  type: dict
  contains:
    txt:
      description: The C(_mta-sts) TXT lookup (present, record, id, error).
      type: dict
    fetch:
      description: The policy fetch (url, address, status, content_type, error).
      type: dict
    policy:
      description: The parsed policy (version, mode, max_age, mx).
      type: dict
    policy_errors:
      description: Policy syntax errors.
      type: list
      elements: str
    mode:
      description: V(enforce), V(testing) or V(none).
      type: str
    enabled:
      description: Whether a policy in mode enforce or testing is published.
      type: bool
    valid:
      description: Whether the policy was fetched, parsed, and every MX matches one of its patterns.
      type: bool
    compliant:
      description: Whether every MX matches a pattern and offers verified TLS for its own name.
      type: bool
    mx_matches:
      description: MX name to whether it matches a pattern.
      type: dict
    unmatched_mx:
      description: MX names no pattern covers.
      type: list
      elements: str
    failing_mx:
      description: MX names that do not match or do not validate.
      type: list
      elements: str
    reason:
      description: Summary.
      type: str
duration:
  description: Seconds the whole check took.
  returned: always
  type: float
"""

import socket
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certs
from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils import smtp_probe
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

ARGUMENT_SPEC = dict(
    domain=dict(type="str", required=True),
    mx_hosts=dict(type="list", elements="str"),
    host_addresses=dict(type="dict"),
    port=dict(type="int", default=25),
    nameservers=dict(type="list", elements="str"),
    nameserver_port=dict(type="int", default=53),
    ca_bundle=dict(type="path"),
    timeout=dict(type="float", default=10),
    ehlo_name=dict(type="str"),
    check_mta_sts=dict(type="bool", default=True),
    check_dane=dict(type="bool", default=True),
    mta_sts_port=dict(type="int", default=443),
    mta_sts_ca_bundle=dict(type="path"),
    max_workers=dict(type="int", default=8),
)


def _validate(module):
    p = module.params
    for name in ("port", "nameserver_port", "mta_sts_port"):
        if not 1 <= p[name] <= 65535:
            module.fail_json(msg="%s must be a port number from 1 to 65535, not %s" % (name, p[name]))
    if p["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds")
    if not 1 <= p["max_workers"] <= 64:
        module.fail_json(msg="max_workers must be from 1 to 64")
    if not p["domain"].strip().strip("."):
        module.fail_json(msg="domain must not be empty")
    addrs = {}
    for name, value in (p["host_addresses"] or {}).items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            module.fail_json(msg="host_addresses: %s needs an address or a list of addresses" % name)
        addrs[name] = values
    return addrs


def run(module):
    p = module.params
    deps.require(module, *certs.libraries(p["ca_bundle"]), deps.DNSPYTHON,
                 deps.REQUESTS.needed(unless="set check_mta_sts=false") if p["check_mta_sts"] else None)
    host_addresses = _validate(module)
    ehlo = p["ehlo_name"] or socket.getfqdn() or "localhost"
    try:
        roots = certs.load_ca_bundle(p["ca_bundle"])
        resolver = dns_resolver.make_resolver(p["nameservers"], p["nameserver_port"], p["timeout"])
        report = smtp_probe.probe_domain(
            p["domain"], mx_hosts=p["mx_hosts"], port=p["port"], resolver=resolver,
            host_addresses=host_addresses, roots=roots, timeout=p["timeout"], ehlo_name=ehlo,
            max_workers=p["max_workers"], check_mta_sts=p["check_mta_sts"], check_dane=p["check_dane"],
            mta_sts_port=p["mta_sts_port"], mta_sts_ca_bundle=p["mta_sts_ca_bundle"] or p["ca_bundle"])
    except MailsecError as exc:
        module.fail_json(msg=exc.message)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        module.fail_json(msg="unexpected error while probing %s: %s" % (p["domain"], exc),
                         exception=traceback.format_exc())
    report["changed"] = False
    module.exit_json(**report)


MODULE_OPTIONS = {}


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == "__main__":
    main()
