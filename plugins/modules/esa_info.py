#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: esa_info
short_description: Read the configuration of a Cisco Secure Email Gateway (ESA, AsyncOS)
version_added: 0.1.0
description:
  - Reads an AsyncOS appliance over its SSH CLI (C(version) and C(showconfig) with masked passphrases) and
    returns a model of it - version, model, serial, cluster mode, listeners with their host access tables
    (sender groups in order, mail flow policies with TLS and other parameters, defaults), certificate profiles
    (subject, issuer, validity, fingerprints, never keys) and which certificate each listener uses.
  - The same read is the one the other ESA modules use; it is cached inside the persistent connection, so a play
    that changes nothing reads each appliance's configuration once.
requirements:
  - cryptography >= 42.0.0 (on the controller; with O(gather=all) or O(gather=certificates))
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes
  - mailsec.cres.attributes.INFO_MODULE
  - mailsec.cres.attributes.ASYNCOS
  - mailsec.cres.attributes.ACTIONGROUP_ESA
  - mailsec.cres.esa
options:
  gather:
    description:
      - Which parts to return. V(all) returns everything.
      - C(hostname) and C(pending) are always returned.
    type: list
    elements: str
    choices: [all, version, cluster, listeners, certificates]
    default: [all]
  refresh:
    description:
      - Read the configuration from the appliance even when the persistent connection holds a cached read.
    type: bool
    default: false
  listeners:
    description:
      - Only return these listeners (by name). Unknown names fail the task.
    type: list
    elements: str
seealso:
  - module: mailsec.cres.esa_certificate
  - module: mailsec.cres.esa_mail_flow_policy
  - module: mailsec.cres.esa_sender_group
"""

EXAMPLES = r"""
- name: Audit the appliance
  mailsec.cres.esa_info:
  register: esa

- name: Show the sender groups of the public listener, in evaluation order
  ansible.builtin.debug:
    msg: "{{ (esa.listeners | selectattr('name', 'equalto', 'IncomingMail') | first).hat.sender_groups | map(attribute='name') }}"

- name: Record the CLI conversation (redacted) to report a dialect mismatch
  mailsec.cres.esa_info:
    gather: [listeners]
    transcript_path: /tmp/esa1-transcript.txt
"""

RETURN = r"""
hostname:
  description: Hostname of the appliance.
  returned: always
  type: str
  sample: esa1.example.com
pending:
  description: Whether this CLI session holds uncommitted changes.
  returned: always
  type: bool
version:
  description: AsyncOS version.
  returned: when O(gather) includes V(version)
  type: str
  sample: 15.0.0-104
model:
  description: Appliance model.
  returned: when O(gather) includes V(version)
  type: str
  sample: C100V
serial:
  description: Serial number.
  returned: when O(gather) includes V(version)
  type: str
product:
  description: Product name.
  returned: when O(gather) includes V(version)
  type: str
cluster:
  description: Cluster membership and the level the CLI session works at.
  returned: when O(gather) includes V(cluster)
  type: dict
  contains:
    name:
      description: Cluster name, null when standalone.
      type: str
    mode:
      description: V(standalone), or the current cluster mode V(cluster), V(group) or V(machine).
      type: str
    level:
      description: The current level as AsyncOS prints it, for example C(Cluster cluster1); null when standalone.
      type: str
    level_name:
      description: Name part of RV(cluster.level).
      type: str
    clustered:
      description: Whether the appliance is in a cluster.
      type: bool
    groups:
      description: Cluster groups with their machines.
      type: list
      elements: dict
listeners:
  description: Listeners with their host access table (HAT).
  returned: when O(gather) includes V(listeners)
  type: list
  elements: dict
  contains:
    name:
      description: Listener name.
      type: str
    type:
      description: V(public), V(private) or V(blackhole).
      type: str
    interface:
      description: Interface name.
      type: str
    ip:
      description: Address of the interface.
      type: str
    port:
      description: TCP port.
      type: int
    hostname:
      description: SMTP hostname of the listener.
      type: str
    certificate:
      description: Name of the certificate profile the listener presents for TLS.
      type: str
    uses_demo_certificate:
      description: Whether that is the built-in demo certificate.
      type: bool
    hat_defaults:
      description: Default policy parameters (C(hat_default_*) without the prefix), for example C(tls).
      type: dict
    hat:
      description: The host access table.
      type: dict
      contains:
        policies:
          description: Mail flow policies - name, behaviour, params (only those set on the policy) and effective
            (defaults overlaid with params).
          type: list
          elements: dict
        sender_groups:
          description: Sender groups in evaluation order - name, senders, policy, comment.
          type: list
          elements: dict
        default_policy:
          description: Policy of the final C(ALL) entry.
          type: str
        warnings:
          description: HAT lines the parser could not place.
          type: list
          elements: str
certificates:
  description: Certificate profiles (public material only).
  returned: when O(gather) includes V(certificates)
  type: list
  elements: dict
  contains:
    name:
      description: Profile name.
      type: str
    subject:
      description: Subject (RFC 4514).
      type: str
    issuer:
      description: Issuer (RFC 4514).
      type: str
    not_before:
      description: Start of validity (UTC, ISO 8601).
      type: str
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate, C(AA:BB:...).
      type: str
    san:
      description: DNS names and IP addresses of the subject alternative name extension.
      type: list
      elements: str
    intermediates:
      description: SHA-256 fingerprints of the intermediate certificates of the profile.
      type: list
      elements: str
    self_signed:
      description: Whether subject and issuer are the same.
      type: bool
    is_demo:
      description: Whether this is the built-in demo profile.
      type: bool
    serial_number:
      description: Serial number (hex).
      type: str
    parse_error:
      description: Why the certificate could not be read, if it could not.
      type: str
warnings_model:
  description: Parts of the configuration the parser could not interpret (reported, never dropped silently).
  returned: when there are any
  type: list
  elements: str
unknown_questions:
  description:
    - Yes/no questions the appliance asked that the collection's dialect does not know; each was answered with
      the default of its C([X]>) bracket (C(question), C(answer), C(dialog), C(after_step)). Also reported as warnings.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.argspec import esa_argument_spec
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.device import AsyncOSDevice, AsyncOSError
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import dialect_findings


ARGUMENT_SPEC = esa_argument_spec({
    "gather": {"type": "list", "elements": "str", "default": ["all"],
               "choices": ["all", "version", "cluster", "listeners", "certificates"]},
    "refresh": {"type": "bool", "default": False},
    "listeners": {"type": "list", "elements": "str"},
}, commit=False)
MODULE_OPTIONS = {}


def run(module):
    gather = set(module.params["gather"])
    # Certificate facts are parsed with cryptography; the other facts need no library.
    deps.require(module, deps.CRYPTOGRAPHY if gather & {"certificates", "all"} else None)
    try:
        device = AsyncOSDevice(module, on_unconfigured_mode=module.params["on_unconfigured_mode"],
                               transcript_path=module.params["transcript_path"])
        config = device.config(refresh=module.params["refresh"])
    except AsyncOSError as exc:
        module.fail_json(msg=exc.message, error_kind=exc.kind, dialog=exc.dialog)

    result = config.to_dict(gather)
    wanted = module.params["listeners"]
    if wanted and "listeners" in result:
        unknown = sorted(set(wanted) - set(config.listeners))
        if unknown:
            module.fail_json(msg="unknown listener(s) %s; the appliance has: %s"
                             % (", ".join(unknown), ", ".join(config.listeners) or "none"))
        result["listeners"] = [lst for lst in result["listeners"] if lst["name"] in wanted]
    model_warnings = result.pop("warnings", None)
    if model_warnings:
        result["warnings_model"] = model_warnings
    for warning in dialect_findings(device):
        module.warn(warning)
    result["unknown_questions"] = list(device.unknown_questions)
    module.exit_json(changed=False, **result)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == "__main__":
    main()
