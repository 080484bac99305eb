#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: esa_sender_group
short_description: Ensure a HAT sender group (such as the CRES one) on a Cisco ESA listener
version_added: 0.1.0
description:
  - Ensures the sender group O(name) in the Host Access Table (HAT) of O(listener) on a Cisco Secure
    Email Gateway (ESA, AsyncOS), with its senders, mail flow policy, comment and position, over the
    AsyncOS CLI.
  - Senders are validated before anything is sent to the appliance.
  - Keeps the group at O(order) when other groups were added above it since the last run
    (C(changed=true) when it had to be moved back).
  - Returns which of the published CRES addresses the group covers by address and which only by
    hostname, that is only through the appliance's reverse-DNS lookup of the connecting address.
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
  listener:
    description:
      - Name of the listener whose HAT holds the group, for example C(IncomingMail).
    type: str
    required: true
  name:
    description:
      - Name of the sender group. Sender groups and mail flow policies of a listener share one name
        space, so it must not be the name of a policy.
    type: str
    required: true
  state:
    description:
      - V(present) ensures the group; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  senders:
    description:
      - Senders of the group. Each item is one of an IPv4 or IPv6 address, a CIDR network
        (V(208.90.57.0/26); host bits must be zero), a partial hostname (V(.res.cisco.com), matches
        every name ending with it, not the bare domain), or a hostname (V(mail.example.com)).
      - Compared after normalisation (lower case, compressed IPv6, no trailing dot).
      - Required to create the group. When omitted for an existing group, its senders are left as they are.
      - The CRES procedure uses V(.res.cisco.com), V(.cres.iphmx.com), V(208.90.57.0/26) and V(204.15.81.0/26).
    type: list
    elements: str
  senders_mode:
    description:
      - V(exact) makes the group hold exactly O(senders) (others are removed).
      - V(append) only adds the missing ones.
    type: str
    choices: [exact, append]
    default: exact
  policy:
    description:
      - Name of the mail flow policy the group uses (see M(mailsec.cres.esa_mail_flow_policy)).
      - Required to create the group; when omitted for an existing group, its policy is kept.
      - In check mode a missing policy is a warning (an earlier task of the same play may create it); otherwise an error.
    type: str
  comment:
    description:
      - Comment of the group (one line, no parentheses). When omitted, the current comment is kept.
    type: str
  order:
    description:
      - Position of the group in the HAT, 1 being first (evaluated first). Sender groups are evaluated
        top down and the first match wins, so the CRES group belongs first.
      - A value beyond the number of groups means last.
    type: int
    default: 1
notes:
  - Whether partial hostnames match the bare domain, and the CLI dialogs used, are assumptions of
    C(docs/asyncos-dialect.md); the read-back after every change catches a mismatch.
seealso:
  - module: mailsec.cres.esa_mail_flow_policy
  - module: mailsec.cres.esa_commit
  - module: mailsec.cres.esa_info
"""

EXAMPLES = r"""
- name: CRES sender group, first in the HAT, using the TLS-Required policy
  mailsec.cres.esa_sender_group:
    listener: IncomingMail
    name: CRES_TLS
    senders:
      - .res.cisco.com
      - .cres.iphmx.com
      - 208.90.57.0/26
      - 204.15.81.0/26
    policy: CRES_TLS_REQUIRED
    comment: CRES replies over TLS
    order: 1
  register: cres_group

- name: Show the CRES addresses that depend on reverse DNS
  ansible.builtin.debug:
    msg: "{{ cres_group.cres_coverage.by_hostname_only | map(attribute='address') | list }}"

- name: Add one sender, keep the others, leave the change pending for a later esa_commit
  mailsec.cres.esa_sender_group:
    listener: IncomingMail
    name: CRES_TLS
    senders: [184.94.241.74]
    senders_mode: append
    commit: false

- name: Remove the group
  mailsec.cres.esa_sender_group:
    listener: IncomingMail
    name: CRES_TLS
    state: absent
"""

RETURN = r"""
sender_group:
  description: The group after the run (in check mode, as it would be). Null when absent.
  returned: success
  type: dict
  contains:
    name: {description: Name., type: str, returned: success}
    listener: {description: Listener., type: str, returned: success}
    senders: {description: Normalised senders., type: list, elements: str, returned: success}
    policy: {description: Mail flow policy., type: str, returned: success}
    comment: {description: Comment., type: str, returned: success}
    order: {description: 'Position in the HAT, 1 = first.', type: int, returned: success}
cres_coverage:
  description:
    - Which published CRES addresses (the table of the CRES technote) the group covers, and how.
    - Each entry has C(host), C(address), C(record) and C(matched_by) (the senders that match it).
  returned: when state=present
  type: dict
  contains:
    by_address:
      description: Entries matched by an address or network sender, independent of DNS.
      type: list
      elements: dict
      returned: when state=present
    by_hostname_only:
      description:
        - Entries matched only by a hostname sender, that is only when the appliance's reverse-DNS lookup
          of the connecting address returns that name. Add their addresses to O(senders) to stop depending on it.
      type: list
      elements: dict
      returned: when state=present
    not_covered:
      description: Entries matched by no sender.
      type: list
      elements: dict
      returned: when state=present
    complete_by_address:
      description: Whether every published address is matched by address.
      type: bool
      returned: when state=present
  sample:
    by_address: [{host: mxnat1.res.cisco.com, address: 208.90.57.32, record: A, matched_by: [208.90.57.0/26]}]
    by_hostname_only: [{host: esa1.cres.iphmx.com, address: 68.232.140.79, record: MX, matched_by: [.cres.iphmx.com]}]
    not_covered: [{host: res.cisco.com, address: 184.94.241.74, record: A, matched_by: []}]
    complete_by_address: false
changes:
  description: One line per operation run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
  sample: ["create sender group CRES_TLS with .res.cisco.com, 208.90.57.0/26, policy CRES_TLS_REQUIRED"]
commands:
  description: The CLI dialog sent (in check mode, that would be sent), one line per answer typed; secrets redacted.
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

from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import argument_spec, run_module
from ansible_collections.mailsec.cres.plugins.module_utils.esa.sender_group import SenderGroupResource


ARGUMENT_SPEC = argument_spec(dict(
    listener=dict(type='str', required=True),
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    senders=dict(type='list', elements='str'),
    senders_mode=dict(type='str', default='exact', choices=['exact', 'append']),
    policy=dict(type='str'),
    comment=dict(type='str'),
    order=dict(type='int', default=1),
))
MODULE_OPTIONS = {}


def run(module):
    run_module(module, SenderGroupResource)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
