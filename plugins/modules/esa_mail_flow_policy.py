#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: esa_mail_flow_policy
short_description: Ensure a HAT mail flow policy (such as TLS Required for CRES) on a Cisco ESA listener
version_added: 0.1.0
description:
  - Ensures the mail flow policy O(name) in the Host Access Table (HAT) of O(listener) on a Cisco
    Secure Email Gateway (ESA, AsyncOS), over the AsyncOS CLI.
  - The policy gets behaviour O(behaviour) (Accept by default) and TLS O(tls) (Required by default).
    Every other parameter is left at the listener default unless set here; a parameter someone set on
    the policy is reset to the default (drift correction).
  - Refuses to set TLS Required while the listener still presents the appliance's demo certificate,
    unless O(allow_demo_certificate=true), because CRES verifies the gateway certificate and would fail.
  - O(state=absent) removes the policy, refusing while a sender group still uses it unless O(force=true).
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
      - Name of the listener whose HAT holds the policy, for example C(IncomingMail).
    type: str
    required: true
  name:
    description:
      - Name of the policy (without the C($) the HAT text shows). It must not be the name of a sender group.
    type: str
    required: true
  state:
    description:
      - V(present) ensures the policy; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  behaviour:
    description:
      - What the policy does with a connection.
    type: str
    choices: [accept, relay, reject, tcprefuse, continue]
    default: accept
  tls:
    description:
      - TLS on connections of senders using this policy. V(required) refuses mail without TLS.
    type: str
    choices: ['off', preferred, required]
    default: required
  tls_verify_client:
    description:
      - Also verify the client certificate (AsyncOS "Preferred - Verify" / "Required - Verify"), where the appliance offers it.
      - CRES does not need it.
    type: bool
    default: false
  max_message_size:
    description:
      - Maximum message size, in bytes or with a C(k)/C(M) suffix (V(10M)). Omitted = listener default.
    type: str
  max_concurrent_connections:
    description:
      - Maximum concurrent connections from one IP address. Omitted = listener default.
    type: int
  max_messages_per_connection:
    description:
      - Maximum messages per connection. Omitted = listener default.
    type: int
  max_recipients_per_message:
    description:
      - Maximum recipients per message. Omitted = listener default.
    type: int
  max_recipients_per_hour:
    description:
      - Rate limiting, maximum recipients per hour from one remote host; V(-1) = unlimited. Omitted = listener default.
    type: int
  smtp_auth:
    description:
      - SMTP authentication (AsyncOS "Do you want to allow SMTP authentication?"). Omitted = left as it is
        (the CLI offers no "use the default" answer for it).
    type: str
    choices: ['off', preferred, required]
  smtp_auth_require_tls:
    description:
      - Require TLS before SMTP authentication is offered (AsyncOS "Require TLS to offer SMTP authentication?",
        asked when SMTP authentication is allowed). Omitted = left as it is.
    type: bool
  allow_demo_certificate:
    description:
      - Set TLS even though the listener presents the demo certificate (and answer yes when the
        appliance asks to confirm the demo certificate). CRES verification fails with it.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the policy even when sender groups use it (they fall back to the
        listener's default policy).
    type: bool
    default: false
notes:
  - Parameters this module does not manage (anti-spam, SenderBase, DKIM ...) are left as they are, with a
    warning when the policy sets them. The parameter dialog keeps every question it does not manage at the
    answer the appliance shows; a policy with a custom multi-line SMTP response cannot be edited through it
    (the task fails, naming the question, and changes nothing).
  - The CLI dialogs used are assumptions of C(docs/asyncos-dialect.md); the read-back after every change
    catches a mismatch.
seealso:
  - module: mailsec.cres.esa_certificate
  - module: mailsec.cres.esa_sender_group
  - module: mailsec.cres.esa_commit
"""

EXAMPLES = r"""
- name: TLS-Required policy for CRES replies, everything else at the defaults
  mailsec.cres.esa_mail_flow_policy:
    listener: IncomingMail
    name: CRES_TLS_REQUIRED

- name: Same, with a larger message size, left pending for the handler that commits
  mailsec.cres.esa_mail_flow_policy:
    listener: IncomingMail
    name: CRES_TLS_REQUIRED
    max_message_size: 20M
    commit: false

- name: Remove it even though a sender group still uses it
  mailsec.cres.esa_mail_flow_policy:
    listener: IncomingMail
    name: CRES_TLS_REQUIRED
    state: absent
    force: true
"""

RETURN = r"""
policy:
  description:
    - The policy after the run (in check mode, as it would be). Null when absent.
    - C(params) holds only the parameters set on the policy; the others inherit the listener defaults.
  returned: success
  type: dict
  sample: {name: CRES_TLS_REQUIRED, behaviour: accept, params: {tls: required}}
used_by:
  description: Sender groups of the listener that use the policy.
  returned: when state=present
  type: list
  elements: str
changes:
  description: One line per operation run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
  sample: ["update mail flow policy CRES_TLS_REQUIRED: max_concurrency=default, tls=required"]
commands:
  description: The CLI dialog sent (in check mode, that would be sent), one line per answer typed.
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

from ansible_collections.mailsec.cres.plugins.module_utils.esa.mail_flow_policy import MailFlowPolicyResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import argument_spec, run_module


ARGUMENT_SPEC = argument_spec(dict(
    listener=dict(type='str', required=True),
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    behaviour=dict(type='str', default='accept', choices=['accept', 'relay', 'reject', 'tcprefuse', 'continue']),
    tls=dict(type='str', default='required', choices=['off', 'preferred', 'required']),
    tls_verify_client=dict(type='bool', default=False),
    max_message_size=dict(type='str'),
    max_concurrent_connections=dict(type='int'),
    max_messages_per_connection=dict(type='int'),
    max_recipients_per_message=dict(type='int'),
    max_recipients_per_hour=dict(type='int'),
    smtp_auth=dict(type='str', choices=['off', 'preferred', 'required']),
    smtp_auth_require_tls=dict(type='bool'),
    allow_demo_certificate=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
))
MODULE_OPTIONS = {}


def run(module):
    run_module(module, MailFlowPolicyResource)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
