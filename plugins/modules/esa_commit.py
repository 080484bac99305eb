#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: esa_commit
short_description: Commit the pending configuration changes of a Cisco ESA session
version_added: 0.1.0
description:
  - Commits the changes pending in this play's CLI session on a Cisco Secure Email Gateway (ESA,
    AsyncOS), with a comment, optionally saving the configuration for rollback.
  - Meant for a handler after M(mailsec.cres.esa_certificate), M(mailsec.cres.esa_mail_flow_policy) and
    M(mailsec.cres.esa_sender_group) ran with C(commit=false). Pending changes live in the session; they
    are lost when the persistent connection closes (end of play, idle timeout).
  - C(changed) is true exactly when something was pending (and committed).
  - A re-established CLI session (the persistent connection idled out between tasks, the appliance's
    own idle timeout, a dropped connection) silently discards the changes staged before it. Pass the
    C(session_id) values returned by the staging tasks in O(staged_sessions) so that such a play fails
    with nothing committed instead of committing only the changes staged after the re-login.
  - After the commit, the committed configuration is read again (C(showconfig)) and checked against the
    C(expected) results of the staging tasks given in O(verify); the module fails, naming what differs,
    when the appliance does not show them.
  - Only C(Changes committed) counts as a commit; C(There is no data to commit.) means nothing was pending;
    any other answer fails the task (the outcome is unknown).
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes
  - mailsec.cres.attributes.ASYNCOS
  - mailsec.cres.attributes.ACTIONGROUP_ESA
  - mailsec.cres.esa
options:
  comment:
    description:
      - Comment recorded with the commit.
    type: str
    default: Changed by Ansible (mailsec.cres)
  save_for_rollback:
    description:
      - Save the configuration for rollback when the appliance offers it.
    type: bool
    default: true
  staged_sessions:
    description:
      - Session ids (the C(session_id) return value) of earlier tasks that staged changes with C(commit=false).
        Empty values are ignored (e.g. from tasks that changed nothing or were skipped).
      - If the current CLI session differs from any of them, those changes were discarded by the appliance
        when their session ended (persistent connection idle timeout, appliance idle timeout or a drop);
        the module abandons what is pending in the current session (C(clearchanges)), commits nothing and
        fails, saying that the session was re-established and nothing was committed. Rerunning the play
        converges; for long plays or large fleets raise C(ansible_connect_timeout) (the persistent
        connection's idle timeout).
      - Not checked in check mode (nothing is staged). Without this option the pending changes of the
        current session are committed, whatever session staged them.
    type: list
    elements: str
  verify:
    description:
      - The C(expected) return values of the M(mailsec.cres.esa_certificate), M(mailsec.cres.esa_mail_flow_policy)
        and M(mailsec.cres.esa_sender_group) tasks that staged the changes with C(commit=false) (tasks that changed
        nothing return theirs too). After the commit each is verified in the committed configuration.
    type: list
    elements: dict
  rehearse:
    description:
      - End a rehearsal, after staging tasks that ran with C(rehearse=true) and C(commit=false). The pending
        changes are abandoned with C(clearchanges) instead of committed. Nothing is committed; C(changed) is false.
    type: bool
    default: false
seealso:
  - module: mailsec.cres.esa_sender_group
  - module: mailsec.cres.esa_mail_flow_policy
  - module: mailsec.cres.esa_certificate
"""

EXAMPLES = r"""
# handlers/main.yml of a role
- name: Commit ESA changes
  mailsec.cres.esa_commit:
    comment: CRES replies over TLS (mailsec.cres)

# Stage in several tasks, commit once; fail (committing nothing) if the session was re-established
- name: Stage the sender group
  mailsec.cres.esa_sender_group:
    name: CRES_TLS
    listener: IncomingMail
    senders: [.res.cisco.com, 208.90.57.0/26]
    policy: CRES_TLS_POLICY
    commit: false
  register: esa_group

- name: Commit what the earlier tasks staged
  mailsec.cres.esa_commit:
    comment: CRES replies over TLS (mailsec.cres)
    staged_sessions: "{{ [esa_policy, esa_group] | selectattr('session_id', 'defined') | map(attribute='session_id') | list }}"
"""

RETURN = r"""
pending:
  description: Whether changes were pending before the task.
  returned: success
  type: bool
committed:
  description: Whether the task committed (false in check mode).
  returned: always
  type: bool
commands:
  description: The CLI dialog sent (in check mode, that would be sent).
  returned: always
  type: list
  elements: str
session_id:
  description: Id of the current CLI session.
  returned: when O(staged_sessions) named another session
  type: str
lost_sessions:
  description: The staged session ids that are no longer the current session (their changes were discarded).
  returned: when O(staged_sessions) named another session
  type: list
  elements: str
pending_changes:
  description: What happened to the changes pending in the current session (C(cleared), C(nothing pending)).
  returned: when O(staged_sessions) named another session, and with O(rehearse=true)
  type: str
unknown_questions:
  description:
    - Yes/no questions the appliance asked that the collection's dialect does not know; each was answered with
      the default of its C([X]>) bracket (C(question), C(answer), C(dialog), C(after_step)). Also reported as warnings.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.argspec import (
    COMMIT_COMMENT_DEFAULT,
    ESA_REHEARSE_ARGUMENT_SPEC,
)
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import (
    EsaFailure,
    argument_spec,
    execute_commit,
    fail,
    finish,
    make_device,
)


ARGUMENT_SPEC = argument_spec(dict(
    comment=dict(type='str', default=COMMIT_COMMENT_DEFAULT),
    save_for_rollback=dict(type='bool', default=True),
    staged_sessions=dict(type='list', elements='str'),
    verify=dict(type='list', elements='dict'),
    **ESA_REHEARSE_ARGUMENT_SPEC
), commit=False)
MODULE_OPTIONS = {}


def run(module):
    device = make_device(module)
    try:
        result = execute_commit(device, check_mode=module.check_mode, comment=module.params['comment'],
                                save_for_rollback=module.params['save_for_rollback'],
                                staged_sessions=module.params['staged_sessions'], verify=module.params['verify'],
                                rehearse=module.params['rehearse'])
    except EsaFailure as exc:
        fail(module, device, exc.message, exc.result)
    finish(module, device, result)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
