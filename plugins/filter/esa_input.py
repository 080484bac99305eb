# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline input validation of the ESA resource modules (documentation in the .yml file).

The role's preflight uses it to refuse bad values (a malformed CIDR, an invalid name, ...)
before any change anywhere, with the very validation the modules apply (their resource
constructors in module_utils/esa/, which never touch an appliance).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import EsaError
from ansible_collections.mailsec.cres.plugins.module_utils.esa.mail_flow_policy import MailFlowPolicyResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.sender_group import SenderGroupResource

RESOURCES = {
    'sender_group': ('mailsec.cres.esa_sender_group', SenderGroupResource,
                     ('listener', 'name', 'state', 'senders', 'senders_mode', 'policy', 'comment', 'order')),
    'mail_flow_policy': ('mailsec.cres.esa_mail_flow_policy', MailFlowPolicyResource,
                         ('listener', 'name', 'state', 'behaviour', 'tls', 'tls_verify_client', 'force',
                          'allow_demo_certificate', 'max_message_size', 'max_concurrent_connections',
                          'max_messages_per_connection', 'max_recipients_per_message',
                          'max_recipients_per_hour', 'smtp_auth', 'smtp_auth_require_tls')),
}


def esa_input_errors(params, resource, variables=None):
    """[] when the options ``params`` of the ESA module ``resource`` are valid, else the errors.

    ``variables`` maps option names to the names the user set them by (e.g. role variables),
    so the message names what to fix.
    """
    if resource not in RESOURCES:
        raise AnsibleFilterError('esa_input_errors: resource must be one of %s, got %r'
                                 % (', '.join(sorted(RESOURCES)), resource))
    if not isinstance(params, dict):
        raise AnsibleFilterError('esa_input_errors: expected a dictionary of module options, got %s'
                                 % type(params).__name__)
    module, cls, known = RESOURCES[resource]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise AnsibleFilterError('esa_input_errors: %s has no option(s) %s' % (module, ', '.join(unknown)))
    variables = variables or {}
    p = dict((key, None) for key in known)
    p.update(params)
    if p.get('senders') is not None and (isinstance(p['senders'], str) or not is_sequence(p['senders'])):
        return [_named('senders', 'must be a list of senders, got %r' % (p['senders'],), variables, module)]
    if p.get('order') is not None:
        try:
            p['order'] = int(p['order'])
        except (TypeError, ValueError):
            return [_named('order', 'order: %r is not an integer' % (p['order'],), variables, module)]
    try:
        cls(p, check_mode=True)
    except EsaError as exc:
        return [_named(exc.field, str(exc), variables, module)]
    except (TypeError, ValueError, AttributeError) as exc:
        return ['%s: invalid options: %s' % (module, exc)]
    return []


def _named(field, msg, variables, module):
    if field and field in variables:
        return '%s (option %s of %s): %s' % (variables[field], field, module, msg)
    return '%s: %s' % (module, msg)


class FilterModule(object):
    def filters(self):
        return {'esa_input_errors': esa_input_errors}
