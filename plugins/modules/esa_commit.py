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
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.esa_resources import (
    EsaFailure,
    argument_spec,
    execute_commit,
    fail,
    finish,
    make_device,
)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            comment=dict(type='str', default='Changed by Ansible (mailsec.cres)'),
            save_for_rollback=dict(type='bool', default=True),
        ), commit=False),
        supports_check_mode=True,
    )
    device = make_device(module)
    try:
        result = execute_commit(device, check_mode=module.check_mode, comment=module.params['comment'],
                                save_for_rollback=module.params['save_for_rollback'])
    except EsaFailure as exc:
        fail(module, str(exc), exc.result)
    finish(module, result)


if __name__ == '__main__':
    main()
