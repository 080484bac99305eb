# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esa_mail_flow_policy: a HAT mail flow policy (TLS Required for CRES), defaults elsewhere."""

from __future__ import annotations

import re

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect as d
from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import (
    EsaError,
    Plan,
    Resource,
    find_listener,
    norm_behaviour,
    strip_policy,
    validate_name,
)

# Module option -> policy parameter key (the HAT text / hat_default_* names of the dialect).
PARAM_OPTIONS = (
    ('max_message_size', d.PARAM_MAX_MESSAGE_SIZE),
    ('max_concurrent_connections', d.PARAM_MAX_CONCURRENCY),
    ('max_messages_per_connection', d.PARAM_MAX_MSGS_PER_SESSION),
    ('max_recipients_per_message', d.PARAM_MAX_RCPTS_PER_MSG),
    ('max_recipients_per_hour', d.PARAM_MAX_RCPTS_PER_HOUR),
    ('smtp_auth', d.PARAM_SMTPAUTH_ALLOW),
    ('smtp_auth_require_tls', d.PARAM_SMTPAUTH_REQUIRETLS),
)
OPTION_OF_KEY = dict((key, option) for option, key in PARAM_OPTIONS)
OPTION_OF_KEY[d.PARAM_TLS] = 'tls'
# Parameters answered from a list or a yes/no: the CLI shows no "use the default" answer for
# them, so they are managed only when given (never reset to the listener default).
EXPLICIT_ONLY = (d.PARAM_SMTPAUTH_ALLOW, d.PARAM_SMTPAUTH_REQUIRETLS)
INHERIT = d.PARAM_DEFAULT_ANSWER
BEHAVIOURS = tuple(d.HAT_BEHAVIOURS)
TLS_REQUIRING = ('required', 'required_verify')


def size_bytes(value, field):
    text = str(value).strip()
    match = re.match(r'^(\d+)\s*([kKmM]?)$', text)
    if not match:
        raise EsaError('%s: %r is not a size; use bytes (10485760) or a number followed by k or M (10M)'
                       % (field, value), field)
    number = int(match.group(1))
    unit = match.group(2).lower()
    return number * {'': 1, 'k': 1024, 'm': 1024 * 1024}[unit]


def norm_param(key, value):
    """Comparable form of a policy parameter value (None stays None)."""
    if value is None:
        return None
    text = str(value).strip()
    if key == d.PARAM_MAX_MESSAGE_SIZE:
        try:
            return size_bytes(text, key)
        except EsaError:
            return text.lower()
    if key == d.PARAM_MAX_RCPTS_PER_HOUR and text.lower() in ('unlimited', d.UNLIMITED):
        return -1
    if re.match(r'^-?\d+$', text):
        return int(text)
    return text.lower().replace(' ', '_').replace('-', '_').replace('__', '_')


def policy_facts(name, policy):
    if policy is None:
        return None
    return {'name': name, 'behaviour': norm_behaviour(policy.behaviour),
            'params': dict((k, str(v)) for k, v in sorted(policy.params.items()))}


class MailFlowPolicyResource(Resource):
    noun = 'mail flow policy'
    result_key = 'policy'
    expected_type = 'mail_flow_policy'

    def __init__(self, params, check_mode=False):
        super(MailFlowPolicyResource, self).__init__(params, check_mode)
        self.listener = params['listener']
        self.name = strip_policy(params['name'])
        self.state = params.get('state') or 'present'
        self.behaviour = norm_behaviour(params.get('behaviour') or 'accept')
        self.force = bool(params.get('force'))
        self.allow_demo = bool(params.get('allow_demo_certificate'))
        validate_name(self.name, 'name', 'mail flow policy')
        if self.behaviour not in BEHAVIOURS:
            raise EsaError('behaviour: must be one of %s' % ', '.join(BEHAVIOURS), 'behaviour')
        tls = params.get('tls') or 'required'
        if params.get('tls_verify_client'):
            if tls == 'off':
                raise EsaError('tls_verify_client: needs tls=preferred or tls=required', 'tls_verify_client')
            tls = tls + '_verify'
        self.desired = {d.PARAM_TLS: tls}
        for option, key in PARAM_OPTIONS:
            value = params.get(option)
            if value is None:
                if key not in EXPLICIT_ONLY:
                    self.desired[key] = INHERIT
                continue
            if option == 'max_message_size':
                size_bytes(value, option)
                value = str(value).strip()
            elif option == 'smtp_auth':
                value = str(value)
                if value not in d.SMTPAUTH_ITEMS:
                    raise EsaError('smtp_auth: must be one of %s' % ', '.join(d.SMTPAUTH_ITEMS), option)
            elif option == 'smtp_auth_require_tls':
                value = 'on' if value else 'off'
            else:
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    raise EsaError('%s: %r is not an integer' % (option, value), option)
                low = -1 if option == 'max_recipients_per_hour' else 1
                if number < low:
                    raise EsaError('%s: must be %d or more, got %d%s' % (option, low, number,
                                   ' (-1 = unlimited)' if low == -1 else ''), option)
                value = str(number)
            self.desired[key] = value

    def describe(self):
        return 'mail flow policy %s on listener %s' % (self.name, self.listener)

    def _differences(self, current_params, defaults):
        """{key: desired value} for each parameter that must change. Unlimited recipients per
        hour is one state however it is reached: the policy's rate limiting is then off
        ("Do you want to enable rate limiting per host?" no), or the policy inherits an
        unlimited listener default."""
        current = dict(current_params or {})
        changes = {}
        for key, want in self.desired.items():
            have = current.get(key)
            if want == INHERIT:
                if have is not None:
                    changes[key] = INHERIT
                continue
            if have is None and key == d.PARAM_MAX_RCPTS_PER_HOUR and want == d.UNLIMITED:
                have = (defaults or {}).get(key)
            if norm_param(key, have) != norm_param(key, want):
                changes[key] = want
        return changes

    def plan(self, cfg, device):
        plan = Plan()
        listener = find_listener(cfg, self.listener)
        hat = listener.hat
        if hat.sender_group(self.name) is not None:
            raise EsaError('name: %r is already the name of a sender group on listener %s; sender groups and '
                           'policies share one name space: choose another name' % (self.name, self.listener), 'name')
        policy = hat.policy(self.name)
        plan.before = policy_facts(self.name, policy)
        users = hat.groups_using(self.name)
        if self.state == 'absent':
            plan.after = None
            if policy is not None:
                if users and not self.force:
                    raise EsaError('state: mail flow policy %s is used by sender group(s) %s on listener %s; change '
                                   'or remove those groups first, or set force=true (they then fall back to the '
                                   'listener default policy)' % (self.name, ', '.join(users), self.listener), 'state')
                plan.add('delete mail flow policy %s%s' % (self.name, ' (used by %s)' % ', '.join(users) if users else ''),
                         device.delete_policy, self.listener, self.name, force=self.force)
            return plan

        demo = cfg.presents_demo_certificate(listener)
        if policy is None:
            changes = dict((k, v) for k, v in self.desired.items() if v != INHERIT)
            tls_changes = True
        else:
            changes = self._differences(policy.params, listener.hat_defaults)
            tls_changes = d.PARAM_TLS in changes
        tls = self.desired[d.PARAM_TLS]
        if demo and tls != 'off':
            why = ('listener %s presents the demo certificate (profile %s): CRES verifies the certificate of the '
                   'gateway and fails on the demo certificate, so TLS %s would make CRES replies fail'
                   % (self.listener, listener.certificate, tls))
            if tls in TLS_REQUIRING and tls_changes and not self.allow_demo:
                raise EsaError('tls: refusing to set TLS %s: %s. Install a CA-signed certificate on the listener '
                               'first (mailsec.cres.esa_certificate), or set allow_demo_certificate=true'
                               % (tls, why), 'tls')
            plan.warnings.append(why)
        behaviour_change = policy is not None and norm_behaviour(policy.behaviour) != self.behaviour
        kwargs = {}
        if demo and tls_changes and tls != 'off':
            kwargs['allow_demo'] = True
        if policy is None:
            plan.add('create mail flow policy %s (%s, %s)' % (
                self.name, self.behaviour, ', '.join('%s=%s' % kv for kv in sorted(changes.items()))),
                device.create_policy, self.listener, self.name, behaviour=self.behaviour, params=changes,
                **kwargs)
        elif changes or behaviour_change:
            what = ['%s=%s' % kv for kv in sorted(changes.items())]
            if behaviour_change:
                what.insert(0, 'behaviour=%s' % self.behaviour)
            plan.add('update mail flow policy %s: %s' % (self.name, ', '.join(what)), device.update_policy,
                     self.listener, self.name, behaviour=self.behaviour if behaviour_change else None,
                     params=changes or None, **kwargs)
        if policy is not None:
            unmanaged = sorted(k for k in policy.params if k not in self.desired)
            if unmanaged:
                plan.warnings.append('mail flow policy %s has parameters this module does not manage, left as they '
                                     'are: %s' % (self.name, ', '.join('%s=%s' % (k, policy.params[k])
                                                                       for k in unmanaged)))
        after = dict((k, v) for k, v in self.desired.items() if v != INHERIT)
        if policy is not None:
            for key, value in policy.params.items():
                if key not in self.desired:
                    after[key] = value
        plan.after = {'name': self.name, 'behaviour': self.behaviour,
                      'params': dict((k, str(v)) for k, v in sorted(after.items()))}
        plan.result['used_by'] = users
        return plan

    def verify(self, cfg):
        listener = find_listener(cfg, self.listener)
        policy = listener.hat.policy(self.name)
        if self.state == 'absent':
            return ['mail flow policy %s is still present' % self.name] if policy is not None else []
        if policy is None:
            return ['mail flow policy %s is not present' % self.name]
        problems = []
        if norm_behaviour(policy.behaviour) != self.behaviour:
            problems.append('behaviour is %s, expected %s' % (policy.behaviour, self.behaviour))
        for key, want in sorted(self._differences(policy.params, listener.hat_defaults).items()):
            problems.append('%s is %s, expected %s' % (key, policy.params.get(key, INHERIT), want))
        return problems

    def facts(self, cfg):
        listener = cfg.listener(self.listener)
        return None if listener is None else policy_facts(self.name, listener.hat.policy(self.name))

    def expected_state(self):
        out = {'type': self.expected_type, 'listener': self.listener, 'name': self.name, 'state': self.state}
        if self.state == 'present':
            out.update(behaviour=self.behaviour, params=dict(self.desired))
        return out

    @classmethod
    def from_expected(cls, data):
        resource = cls({'listener': data['listener'], 'name': data['name'], 'state': data.get('state'),
                        'behaviour': data.get('behaviour')})
        if resource.state == 'present':
            resource.desired = dict(data.get('params') or {})
        return resource
