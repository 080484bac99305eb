#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: esa_certificate
short_description: Install a certificate profile on a Cisco ESA and assign it to listeners
version_added: 0.1.0
description:
  - Installs the certificate profile O(name) (certificate, private key and intermediate certificates,
    from PEM content, PEM files or PKCS#12) on a Cisco Secure Email Gateway (ESA, AsyncOS) over the
    AsyncOS CLI, and assigns it to the O(listeners) given.
  - Runs first the same validation as M(mailsec.cres.certificate_check) (key matches certificate, chain
    to a trusted root, validity, hostnames, key strength, server-auth usage, not self-signed, not a demo
    certificate) and refuses a certificate that would fail CRES verification, naming the problem, unless
    the failed checks are listed in O(ignore_checks). A key that does not match the certificate is always refused.
  - Idempotent by fingerprint. When the profile already holds the same certificate and intermediates and
    is assigned, nothing is sent. A renewed certificate replaces the profile's content; listeners using
    the profile keep using it.
  - Never deletes a profile still used by a listener unless asked (O(force) with O(state=absent)); a
    profile replaced on the listeners is kept unless O(delete_replaced=true).
  - The private key and passphrases never reach results, diffs, logs or transcripts; diffs show fingerprints.
  - After a change the configuration is read back; the module fails with a clear message when the
    requested state is not there, and abandons the pending changes (C(clearchanges)).
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes
  - mailsec.cres.attributes.ASYNCOS
  - mailsec.cres.attributes.ACTIONGROUP_ESA
  - mailsec.cres.esa
  - mailsec.cres.esa.COMMIT
options:
  name:
    description:
      - Name of the certificate profile on the appliance. Not C(Demo).
    type: str
    required: true
  state:
    description:
      - V(present) installs the profile and assigns it; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  certificate:
    description:
      - The server certificate, PEM text. Certificates following the first one are taken as intermediates.
      - One of O(certificate), O(certificate_path), O(pkcs12) and O(pkcs12_path) is required with O(state=present).
    type: str
  certificate_path:
    description:
      - Path on the controller of a PEM file holding the certificate (optionally followed by its chain).
    type: path
  private_key:
    description:
      - The private key, PEM text (PKCS#1, SEC1 or PKCS#8, optionally encrypted).
    type: str
  private_key_path:
    description:
      - Path on the controller of the private key PEM file.
    type: path
  private_key_passphrase:
    description:
      - Passphrase of an encrypted private key. The appliance receives the key unencrypted.
    type: str
  intermediates:
    description:
      - Intermediate certificates, PEM text; each item may hold several. Self-signed roots are not installed.
    type: list
    elements: str
  intermediates_path:
    description:
      - Paths of PEM files holding intermediate certificates.
    type: list
    elements: path
  pkcs12:
    description:
      - Base64-encoded PKCS#12 data holding key, certificate and chain.
    type: str
  pkcs12_path:
    description:
      - Path on the controller of a PKCS#12 (.p12/.pfx) file holding key, certificate and chain.
    type: path
  pkcs12_passphrase:
    description:
      - Passphrase of the PKCS#12 data.
    type: str
  listeners:
    description:
      - Listeners that must present this certificate. Listeners not named here are left as they are.
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - Names the certificate must cover (subjectAltName). Default, the hostnames of the O(listeners)
        as the appliance reports them. V([]) skips the check.
    type: list
    elements: str
  ca_bundle:
    description:
      - PEM file of trusted roots for the chain check. Default, the public roots of C(certifi).
    type: path
  min_days_remaining:
    description:
      - Refuse a certificate expiring within this many days.
    type: int
    default: 30
  min_key_bits:
    description:
      - Smallest accepted RSA key size.
    type: int
    default: 2048
  ignore_checks:
    description:
      - Failed validation checks to accept anyway (explicit override); a warning names each one.
    type: list
    elements: str
    choices: [chain, validity, hostnames, key_strength, eku, self_signed, demo_certificate]
    default: []
  delete_replaced:
    description:
      - Delete the profiles this task replaced on O(listeners) when no listener uses them any more
        (never the C(Demo) profile).
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the profile even when listeners use it; they are switched to the
        C(Demo) profile first.
    type: bool
    default: false
requirements:
  - cryptography >= 42.0.0 (on the controller; with O(state=present))
  - certifi (when O(ca_bundle) is not set)
notes:
  - The key is pasted in traditional PEM form for RSA and EC keys (assumed to be what AsyncOS expects).
seealso:
  - module: mailsec.cres.certificate_check
  - module: mailsec.cres.smtp_tls_info
  - module: mailsec.cres.esa_commit
"""

EXAMPLES = r"""
- name: Install the CA-signed certificate with its chain and present it on the incoming listener
  mailsec.cres.esa_certificate:
    name: cres_cert
    certificate_path: files/mx1.example.com.crt
    private_key_path: files/mx1.example.com.key
    intermediates_path: [files/intermediate.crt]
    listeners: [IncomingMail]

- name: Same from a PKCS#12 bundle kept in a vault, without committing yet
  mailsec.cres.esa_certificate:
    name: cres_cert
    pkcs12: "{{ vault_mx1_p12_b64 }}"
    pkcs12_passphrase: "{{ vault_mx1_p12_passphrase }}"
    listeners: [IncomingMail]
    commit: false

- name: Remove an old profile no listener uses
  mailsec.cres.esa_certificate:
    name: cres_cert_2023
    state: absent
"""

RETURN = r"""
profile:
  description: The certificate profile after the run (in check mode, as it would be). Null when absent.
  returned: success
  type: dict
  contains:
    name: {description: Profile name., type: str, returned: success}
    fingerprint_sha256: {description: 'SHA-256 fingerprint of the certificate, AA:BB:...', type: str, returned: success}
    intermediates: {description: 'Fingerprints of the intermediates, leaf side first.', type: list, elements: str, returned: success}
    subject: {description: Subject., type: str, returned: success}
    issuer: {description: Issuer., type: str, returned: success}
    not_after: {description: End of validity., type: str, returned: success}
    listeners: {description: Listeners presenting this profile., type: list, elements: str, returned: success}
certificate:
  description: Facts of the given certificate, as M(mailsec.cres.certificate_check) reports them (no key material).
  returned: when state=present
  type: dict
validation:
  description: Result of the validation, C(valid), C(checks) (name, status, reason) and C(chain_code).
  returned: when state=present
  type: dict
changes:
  description: One line per operation run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
commands:
  description: The CLI dialog sent (in check mode, that would be sent); PEM bodies and keys are redacted.
  returned: always
  type: list
  elements: str
committed:
  description: Whether this task committed its changes.
  returned: always
  type: bool
field:
  description: On bad input, the option to fix.
  returned: failure
  type: str
pending_changes:
  description: After a failure mid-change, what happened to the pending changes (V(cleared) when abandoned).
  returned: failure after a change was sent
  type: str
session_id:
  description:
    - Id of the CLI session that holds the staged (uncommitted) changes. Pass it to
      O(mailsec.cres.esa_commit#module:staged_sessions) so that the commit fails, committing nothing,
      if the session was re-established in between (the appliance then discarded these changes).
  returned: when changes were staged with O(commit=false) (not in check mode)
  type: str
  sample: 3f2b8c0e9a6d4e1f8b7a6c5d4e3f2a1b
expected:
  description:
    - What the task verifies, as JSON; pass the values of the tasks that staged changes with O(commit=false) to
      O(mailsec.cres.esa_commit#module:verify), which checks them in the committed configuration.
  returned: success
  type: dict
rehearsal:
  description:
    - With O(rehearse=true), dialog by dialog whether every step matched the dialect, and every question that
      was new or differed.
    - C(dialogs) (C(name), C(ok), C(matched), C(steps) with C(step), C(status) - V(matched), V(differed), V(absent),
      V(handled), V(defaulted) - and C(shown)), C(questions) (C(dialog), C(step), C(status) V(new) or V(differed),
      C(question), C(answer)), C(verified) (the appliance's listings show the staged change), C(matched) (all of
      it matched), C(pending_changes) (what happened to the rehearsed changes).
  returned: when O(rehearse=true)
  type: dict
unknown_questions:
  description:
    - Yes/no questions the appliance asked that the collection's dialect does not know; each was answered with
      the default of its C([X]>) bracket (C(question), C(answer), C(dialog), C(after_step)). Also reported as warnings.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.esa.certificate import (
    IGNORABLE_CHECKS,
    CertificateResource,
)
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import argument_spec, run_module


ARGUMENT_SPEC = argument_spec(dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    certificate=dict(type='str'),
    certificate_path=dict(type='path'),
    private_key=dict(type='str', no_log=True),
    private_key_path=dict(type='path'),
    private_key_passphrase=dict(type='str', no_log=True),
    intermediates=dict(type='list', elements='str'),
    intermediates_path=dict(type='list', elements='path'),
    pkcs12=dict(type='str', no_log=True),
    pkcs12_path=dict(type='path'),
    pkcs12_passphrase=dict(type='str', no_log=True),
    listeners=dict(type='list', elements='str', default=[]),
    hostnames=dict(type='list', elements='str'),
    ca_bundle=dict(type='path'),
    min_days_remaining=dict(type='int', default=30),
    min_key_bits=dict(type='int', default=2048),
    ignore_checks=dict(type='list', elements='str', default=[], choices=list(IGNORABLE_CHECKS)),
    delete_replaced=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
))
MODULE_OPTIONS = dict(
    mutually_exclusive=[
        ('certificate', 'certificate_path', 'pkcs12', 'pkcs12_path'),
        ('private_key', 'private_key_path', 'pkcs12', 'pkcs12_path'),
        ('pkcs12', 'pkcs12_path'),
    ],
    required_if=[('state', 'present', ('certificate', 'certificate_path', 'pkcs12', 'pkcs12_path'), True)],
)


def run(module):
    run_module(module, CertificateResource)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
