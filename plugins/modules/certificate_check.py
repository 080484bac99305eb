#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_check
short_description: Validate a mail gateway's server certificate offline, before it reaches an appliance
version_added: 0.1.0
description:
  - Checks a server certificate, its private key and its intermediate certificates on the controller,
    the way a strict sending MTA such as Cisco Secure Email Encryption Service (CRES) will verify the
    gateway, and refuses a certificate that would fail there.
  - Every check is reported by name with a reason in RV(checks); failed ones are listed in RV(problems).
  - V(key_match) - the private key belongs to the certificate (skipped without a key).
  - V(chain) - a chain builds from the certificate through the given intermediates to a trusted root of
    O(ca_bundle). A missing intermediate is reported as such; so are an untrusted root, a self-signed
    certificate and an expired CA. Intermediates are never downloaded (no AIA fetching). An expired leaf is
    checked at its last valid moment, so that its expiry is reported once, by V(validity).
  - V(validity) - valid now and for at least O(min_days_remaining) more days.
  - V(hostnames) - every name of O(hostnames) is covered by a C(subjectAltName) DNS name (a C(*) wildcard only
    as the whole leftmost label, covering exactly one label). The subject CN is B(not) used.
  - V(key_strength) - RSA keys of at least O(min_key_bits) bits, EC keys on P-256, P-384 or P-521. The chain
    verifier does not check the leaf's own key.
  - V(eku) - an C(extendedKeyUsage) extension, if present, allows C(serverAuth).
  - V(self_signed) - the certificate is not self-signed.
  - V(demo_certificate) - it is not an appliance's built-in demo certificate (for example
    C(Cisco Appliance Demo Certificate)), which makes CRES verification fail.
  - Revocation (CRL, OCSP) is not checked.
  - Read-only; never returns or logs the private key or the passphrases.
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes.INFO_MODULE
  - mailsec.cres.attributes.CONTROLLER
  - mailsec.cres.attributes.ACTIONGROUP_TLS
requirements:
  - cryptography >= 42.0.0 (C(cryptography.x509.verification)); 46.0.6 or later recommended
  - certifi (when O(ca_bundle) is not set)
options:
  certificate:
    description:
      - The server certificate in PEM. Certificates after the first are used as intermediates.
      - Exactly one of O(certificate), O(certificate_path), O(pkcs12), O(pkcs12_path) is required.
    type: str
  certificate_path:
    description:
      - Path on the controller of a PEM (or DER) file with the server certificate, optionally followed by
        the intermediates.
    type: path
  private_key:
    description:
      - The certificate's private key in PEM. Optional; without it, V(key_match) is skipped.
    type: str
  private_key_path:
    description:
      - Path on the controller of the private key (PEM).
    type: path
  private_key_passphrase:
    description:
      - Passphrase of an encrypted private key.
    type: str
  chain:
    description:
      - Intermediate certificates in PEM, in any order (one or more C(BEGIN CERTIFICATE) blocks). A root
        included here is harmless; it is trusted only if it is also in O(ca_bundle).
    type: str
  chain_path:
    description:
      - Path on the controller of a PEM file with the intermediate certificates.
    type: path
  pkcs12:
    description:
      - A PKCS#12 bundle (key, certificate and intermediates) as base64 text, for example
        V("{{ lookup('file', 'gw.p12.b64') }}") or the output of C(b64encode) on binary content.
    type: str
  pkcs12_path:
    description:
      - Path on the controller of a PKCS#12 file (C(.p12), C(.pfx)).
    type: path
  pkcs12_passphrase:
    description:
      - Passphrase of the PKCS#12 bundle.
    type: str
  hostnames:
    description:
      - Names the certificate must cover, for example the listener's hostname and the MX host names.
      - IP addresses are matched against C(subjectAltName) IP entries.
    type: list
    elements: str
    default: []
  ca_bundle:
    description:
      - PEM file with the trusted root certificates.
      - Default is the public roots of the C(certifi) Python package, as used by most senders.
    type: path
  min_days_remaining:
    description:
      - The certificate must stay valid for at least this many days.
    type: int
    default: 30
  min_key_bits:
    description:
      - Smallest accepted RSA key size of the certificate.
    type: int
    default: 2048
  fail_on_problems:
    description:
      - Fail the task when any check fails. With V(false) the task succeeds and reports RV(valid) and
        RV(problems).
    type: bool
    default: true
notes:
  - Chain verification uses C(cryptography.x509.verification) (the same rules as a browser-grade verifier -
    SHA-256 or better signatures, CA constraints, name constraints). With an older C(cryptography) the module
    fails and says which version to install.
seealso:
  - module: mailsec.cres.smtp_tls_info
"""

EXAMPLES = r"""
- name: Refuse a gateway certificate that CRES would reject
  mailsec.cres.certificate_check:
    certificate_path: files/gw1.example.com.crt
    private_key_path: files/gw1.example.com.key
    chain_path: files/intermediates.pem
    hostnames:
      - gw1.example.com
      - mx1.example.com

- name: Check a PKCS#12 bundle against a private CA, report only
  mailsec.cres.certificate_check:
    pkcs12_path: files/gw1.p12
    pkcs12_passphrase: "{{ vault_p12_passphrase }}"
    ca_bundle: files/corp-root.pem
    hostnames: [mx1.example.com]
    min_days_remaining: 60
    fail_on_problems: false
  register: cert

- name: Show what is wrong
  ansible.builtin.debug:
    msg: "{{ cert.problems | map(attribute='reason') | list }}"
  when: not cert.valid
"""

RETURN = r"""
valid:
  description: Whether every check passed (skipped checks do not count).
  returned: always
  type: bool
  sample: false
problems:
  description: The failed checks.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: Name of the check.
      type: str
      sample: chain
    reason:
      description: Why it failed and what to do.
      type: str
      sample: "missing intermediate: no certificate for issuer 'CN=Example CA' of the certificate was given ..."
checks:
  description: Every check in order, with V(passed), V(failed) or V(skipped) and the reason.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: >-
        V(key_match), V(chain), V(validity), V(hostnames), V(key_strength), V(eku), V(self_signed) or
        V(demo_certificate).
      type: str
    status:
      description: V(passed), V(failed) or V(skipped).
      type: str
    reason:
      description: Explanation.
      type: str
certificate:
  description: Parsed facts of the server certificate.
  returned: always
  type: dict
  contains:
    subject:
      description: Subject DN (RFC 4514).
      type: str
    subject_cn:
      description: Subject common name (informational; not used for name matching).
      type: str
    issuer:
      description: Issuer DN (RFC 4514).
      type: str
    issuer_cn:
      description: Issuer common name.
      type: str
    san:
      description: C(subjectAltName) DNS names.
      type: list
      elements: str
    san_ip:
      description: C(subjectAltName) IP addresses.
      type: list
      elements: str
    serial_number:
      description: Serial number, hexadecimal.
      type: str
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
      sample: "2027-01-31T23:59:59Z"
    days_remaining:
      description: Whole days until RV(certificate.not_after); negative when expired.
      type: int
    expired:
      description: Whether the certificate has expired.
      type: bool
    not_yet_valid:
      description: Whether the certificate is not valid yet.
      type: bool
    fingerprint_sha256:
      description: SHA-256 fingerprint, colon-separated hex.
      type: str
    key_type:
      description: V(RSA), V(EC), V(Ed25519), V(Ed448) or V(DSA).
      type: str
    key_size:
      description: Key size in bits.
      type: int
    key_curve:
      description: Curve name for EC keys.
      type: str
    signature_algorithm:
      description: Signature algorithm.
      type: str
    extended_key_usage:
      description: Extended key usages, or V(null) without the extension.
      type: list
      elements: str
    is_ca:
      description: Whether basic constraints say CA.
      type: bool
    self_signed:
      description: Whether the certificate is self-signed.
      type: bool
    demo_certificate:
      description: Whether it looks like an appliance demo certificate.
      type: bool
chain:
  description: >-
    The chain built by the verifier, leaf first, ending at the trust anchor; when verification fails, the
    longest path that could be built.
  returned: always
  type: list
  elements: dict
  contains:
    subject:
      description: Subject DN.
      type: str
    issuer:
      description: Issuer DN.
      type: str
    not_after:
      description: End of validity.
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint.
      type: str
    self_signed:
      description: Whether this certificate is self-signed.
      type: bool
chain_code:
  description: >-
    Short code of the chain result - V(ok), V(missing_intermediate), V(untrusted_root), V(self_signed),
    V(expired_ca), V(no_usable_name) or V(rejected).
  returned: always
  type: str
  sample: missing_intermediate
"""

import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certs
from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

ARGUMENT_SPEC = dict(
    certificate=dict(type="str"),
    certificate_path=dict(type="path"),
    private_key=dict(type="str", no_log=True),
    private_key_path=dict(type="path", no_log=False),
    private_key_passphrase=dict(type="str", no_log=True),
    chain=dict(type="str"),
    chain_path=dict(type="path"),
    pkcs12=dict(type="str", no_log=True),
    pkcs12_path=dict(type="path"),
    pkcs12_passphrase=dict(type="str", no_log=True),
    hostnames=dict(type="list", elements="str", default=[]),
    ca_bundle=dict(type="path"),
    min_days_remaining=dict(type="int", default=30),
    min_key_bits=dict(type="int", default=2048, no_log=False),
    fail_on_problems=dict(type="bool", default=True),
)
MUTUALLY_EXCLUSIVE = [
    ("certificate", "certificate_path", "pkcs12", "pkcs12_path"),
    ("private_key", "private_key_path", "pkcs12", "pkcs12_path"),
    ("chain", "chain_path"),
    ("pkcs12", "pkcs12_path"),
]
REQUIRED_ONE_OF = [("certificate", "certificate_path", "pkcs12", "pkcs12_path")]
MODULE_OPTIONS = dict(mutually_exclusive=MUTUALLY_EXCLUSIVE, required_one_of=REQUIRED_ONE_OF)


def run(module):
    p = module.params
    deps.require(module, *certs.libraries(p["ca_bundle"]))
    if p["min_days_remaining"] < 0:
        module.fail_json(msg="min_days_remaining must be 0 or more")
    if p["min_key_bits"] < 1:
        module.fail_json(msg="min_key_bits must be a positive number of bits")
    try:
        leaf, key, intermediates = certs.load_inputs(p)
        roots = certs.load_ca_bundle(p["ca_bundle"])
        result = certs.validate_certificate(leaf, key_pem=key, chain_pems=intermediates,
                                            hostnames=p["hostnames"], min_days_remaining=p["min_days_remaining"],
                                            min_key_bits=p["min_key_bits"], roots=roots)
    except MailsecError as exc:
        module.fail_json(msg=exc.message)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        module.fail_json(msg="unexpected error while checking the certificate: %s" % exc,
                         exception=traceback.format_exc())
    result["changed"] = False
    if result["problems"] and p["fail_on_problems"]:
        msg = "certificate check failed: " + "; ".join("%s: %s" % (x["check"], x["reason"]) for x in result["problems"])
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == "__main__":
    main()
