# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state logic of the ESA resource modules.

``esa_certificate``, ``esa_mail_flow_policy``, ``esa_sender_group`` and ``esa_commit`` are thin:
they build one resource object from their options and hand it to :func:`execute`. A resource

* validates its input without touching the appliance (constructor),
* reads the appliance model and plans the operations (``plan(cfg)`` -> :class:`Plan`), each
  operation being one call of an ``AsyncOSDevice`` change method,
* checks a fresh read of the configuration after the change (``verify(cfg)`` -> problems).

:func:`execute` applies the plan (in check mode the device sends nothing and records the CLI
lines it would type), reads the configuration back, commits when asked, and abandons the
pending changes (``clearchanges``) when anything fails after the first change was sent.

This module knows no AsyncOS string: the device layer (``module_utils/asyncos``) does.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.plugins.module_utils.senders import (
    SenderError,
    cres_coverage,
    normalize_senders,
    parse_sender,
    validate_senders,
)

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.argspec import esa_argument_spec
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.device import (
    AsyncOSDevice,
    AsyncOSError,
)


DEFAULT_COMMIT_COMMENT = 'mailsec.cres: %s'
DEMO_PROFILE = 'Demo'

# Mail flow policy option name -> device parameter key (docs/asyncos-dialect.md section 4).
POLICY_PARAM_OPTIONS = (
    ('max_message_size', 'max_message_size'),
    ('max_concurrent_connections', 'max_concurrency'),
    ('max_messages_per_connection', 'max_msgs_per_session'),
    ('max_recipients_per_message', 'max_rcpts_per_msg'),
    ('max_recipients_per_hour', 'max_rcpts_per_hour'),
    ('smtp_auth', 'smtp_auth'),
)
POLICY_KEY_TO_OPTION = dict((key, opt) for opt, key in POLICY_PARAM_OPTIONS)
POLICY_KEY_TO_OPTION['tls'] = 'tls'
BEHAVIOURS = ('accept', 'relay', 'reject', 'tcprefuse', 'continue')
TLS_REQUIRING = ('required', 'required_verify')

_NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$')
_PROFILE_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$')


class EsaError(Exception):
    """Bad input or an unexpected state. ``field`` names the option to fix."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class EsaFailure(Exception):
    """Raised by :func:`execute`: the module must fail with ``msg`` and ``result``."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


Op = namedtuple('Op', ['method', 'args', 'kwargs', 'summary'])


class Plan(object):
    def __init__(self):
        self.ops = []
        self.before = None
        self.after = None
        self.warnings = []
        self.result = {}

    def add(self, summary, method, *args, **kwargs):
        self.ops.append(Op(method, args, kwargs, summary))


# ------------------------------------------------------------------ model access
# The one place that knows the shape of the device layer's configuration model.

def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def strip_policy(name):
    if name is None:
        return None
    name = str(name).strip()
    return name[1:] if name.startswith('$') else name


def listeners_of(cfg):
    listeners = _get(cfg, 'listeners') or {}
    if isinstance(listeners, dict):
        return listeners
    return dict((_get(item, 'name'), item) for item in listeners)


def find_listener(cfg, name, field='listener'):
    listeners = listeners_of(cfg)
    if name in listeners:
        return listeners[name]
    raise EsaError('%s: no listener named %r on this appliance (listeners: %s)'
                   % (field, name, ', '.join(sorted(listeners)) or 'none'), field)


def hat_of(listener):
    return _get(listener, 'hat')


def policies_of(listener):
    policies = _get(hat_of(listener), 'policies') or {}
    if isinstance(policies, dict):
        return dict((strip_policy(k), v) for k, v in policies.items())
    return dict((strip_policy(_get(p, 'name')), p) for p in policies)


def groups_of(listener):
    return list(_get(hat_of(listener), 'sender_groups') or [])


def group_names(listener):
    return [_get(g, 'name') for g in groups_of(listener)]


def find_group(listener, name):
    for index, group in enumerate(groups_of(listener)):
        if _get(group, 'name') == name:
            return index, group
    return None, None


def certificates_of(cfg):
    certs = _get(cfg, 'certificates') or {}
    if isinstance(certs, dict):
        return certs
    return dict((_get(c, 'name'), c) for c in certs)


def norm_fingerprint(value):
    if value is None:
        return None
    return re.sub(r'[^0-9a-f]', '', str(value).lower())


def norm_behaviour(value):
    if value is None:
        return None
    return re.sub(r'[\s_-]+', '', str(value).strip().lower())


def is_demo_profile(cfg, profile_name):
    """True when the listener's certificate profile is the appliance's demo certificate."""
    if not profile_name:
        return True  # no profile: the appliance presents its demo certificate (device layer's view too)
    if str(profile_name).lower() == DEMO_PROFILE.lower():
        return True
    profile = certificates_of(cfg).get(profile_name)
    text = ' '.join(str(_get(profile, key) or '') for key in ('subject', 'issuer'))
    return bool(re.search(r'demo\s+cert|appliance\s+demo', text, re.I))


def _validate_name(value, field, kind):
    if not value or not _NAME_RE.match(value) or value.upper() == 'ALL':
        raise EsaError('%s: %r is not a valid %s name (letters, digits, "_", "-", "."; no blanks; '
                       'not ALL; at most 60 characters)' % (field, value, kind), field)


# ------------------------------------------------------------------ sender group

def group_facts(listener, group, index):
    if group is None:
        return None
    return {
        'name': _get(group, 'name'),
        'senders': normalize_senders(_get(group, 'senders')),
        'policy': strip_policy(_get(group, 'policy')),
        'comment': _get(group, 'comment') or '',
        'order': index + 1,
        'listener': _get(listener, 'name'),
    }


class SenderGroupResource(object):
    kind = 'sender group'

    def __init__(self, params, check_mode=False):
        self.check_mode = check_mode
        self.listener = params['listener']
        self.name = params['name']
        self.state = params.get('state') or 'present'
        self.mode = params.get('senders_mode') or 'exact'
        self.policy = strip_policy(params.get('policy'))
        self.comment = params.get('comment')
        self.order = params.get('order')
        if self.order is None:
            self.order = 1
        _validate_name(self.name, 'name', 'sender group')
        if self.policy is not None:
            _validate_name(self.policy, 'policy', 'mail flow policy')
        if self.order < 1:
            raise EsaError('order: must be 1 (first) or more, got %d' % self.order, 'order')
        if self.comment is not None and ('\n' in self.comment or '(' in self.comment or ')' in self.comment):
            raise EsaError('comment: must be one line without parentheses', 'comment')
        senders = params.get('senders')
        try:
            self.senders = validate_senders(senders, 'senders') if senders is not None else None
        except SenderError as exc:
            raise EsaError(str(exc), 'senders')
        if self.senders is not None and not self.senders and self.state == 'present':
            raise EsaError('senders: an empty list would leave the group without senders; '
                           'give at least one sender, or use state=absent', 'senders')
        self.expected = None
        self.target_order = None

    def describe(self):
        return 'sender group %s on listener %s' % (self.name, self.listener)

    def plan(self, cfg):
        plan = Plan()
        listener = find_listener(cfg, self.listener)
        policies = policies_of(listener)
        if self.name in policies:
            raise EsaError('name: %r is already the name of a mail flow policy on listener %s; sender groups '
                           'and policies share one name space: choose another name'
                           % (self.name, self.listener), 'name')
        index, group = find_group(listener, self.name)
        names = group_names(listener)
        plan.before = group_facts(listener, group, index) if group is not None else None
        if self.state == 'absent':
            if group is not None:
                plan.add('delete sender group %s' % self.name, 'delete_sender_group', self.listener, self.name)
            plan.after = None
            self.expected = None
            return plan

        if self.policy is not None and self.policy not in policies:
            msg = ('policy: no mail flow policy named %r on listener %s (policies: %s); create it first with '
                   'mailsec.cres.esa_mail_flow_policy' % (self.policy, self.listener, ', '.join(sorted(policies)) or 'none'))
            if not self.check_mode:
                raise EsaError(msg, 'policy')
            plan.warnings.append(msg + ' (check mode: assuming an earlier task would create it)')

        if group is None:
            if not self.senders:
                raise EsaError('senders: required to create sender group %s' % self.name, 'senders')
            if self.policy is None:
                raise EsaError('policy: required to create sender group %s' % self.name, 'policy')
            senders = [s.value for s in self.senders]
            policy = self.policy
            comment = self.comment or ''
            plan.add('create sender group %s with %s, policy %s' % (self.name, ', '.join(senders), policy),
                     'create_sender_group', self.listener, self.name, senders, policy, comment)
            position = len(names) + 1
            others = list(names)
        else:
            current = normalize_senders(_get(group, 'senders'))
            if self.senders is None:
                senders = list(current)
            else:
                wanted = [s.value for s in self.senders]
                add = [s for s in wanted if s not in current]
                remove = [s for s in current if s not in wanted] if self.mode == 'exact' else []
                if add:
                    plan.add('add senders %s' % ', '.join(add), 'add_senders', self.listener, self.name, add)
                if remove:
                    # Remove what is on the box, in the form the box printed it.
                    raw = [r for r in (_get(group, 'senders') or []) if parse_sender(r).value in remove]
                    plan.add('remove senders %s' % ', '.join(remove), 'remove_senders', self.listener,
                             self.name, raw or remove)
                senders = wanted if self.mode == 'exact' else current + [s for s in add if s not in current]
            cur_policy = strip_policy(_get(group, 'policy'))
            cur_comment = _get(group, 'comment') or ''
            policy = self.policy if self.policy is not None else cur_policy
            comment = self.comment if self.comment is not None else cur_comment
            if policy != cur_policy or comment != cur_comment:
                what = []
                if policy != cur_policy:
                    what.append('policy %s -> %s' % (cur_policy, policy))
                if comment != cur_comment:
                    what.append('comment %r -> %r' % (cur_comment, comment))
                plan.add('set %s' % ', '.join(what), 'set_sender_group_policy', self.listener, self.name, policy,
                         comment=comment)
            position = index + 1
            others = [n for n in names if n != self.name]

        target = min(self.order, len(others) + 1)
        if position != target:
            if target - 1 < len(others):
                before = others[target - 1]
                plan.add('move sender group %s from position %d to %d (before %s)'
                         % (self.name, position, target, before),
                         'move_sender_group', self.listener, self.name, before)
            else:
                # MOVE only inserts before another group: to make this group last, move each
                # group that follows it in front of it (their relative order is kept).
                for other in others[position - 1:]:
                    plan.add('move sender group %s before %s (to make %s last, position %d)'
                             % (other, self.name, self.name, target),
                             'move_sender_group', self.listener, other, self.name)
        self.expected = {'senders': senders, 'policy': policy, 'comment': comment}
        self.target_order = target
        plan.after = {'name': self.name, 'senders': list(senders), 'policy': policy, 'comment': comment,
                      'order': target, 'listener': self.listener}
        # Senders that another group of this listener already lists: the first group wins.
        for other_index, other in enumerate(groups_of(listener)):
            if _get(other, 'name') == self.name:
                continue
            shared = [s for s in normalize_senders(_get(other, 'senders')) if s in senders]
            if shared:
                where = 'above' if other_index + 1 < target or (other_index + 1 == target and position > target) else 'below'
                plan.warnings.append('senders %s are also listed in sender group %s (%s this group); the first '
                                     'matching group in HAT order decides the policy'
                                     % (', '.join(shared), _get(other, 'name'), where))
        plan.result['cres_coverage'] = cres_coverage(senders)
        return plan

    def verify(self, cfg):
        listener = find_listener(cfg, self.listener)
        index, group = find_group(listener, self.name)
        if self.state == 'absent':
            return ['sender group %s is still present' % self.name] if group is not None else []
        if group is None:
            return ['sender group %s is not present' % self.name]
        facts = group_facts(listener, group, index)
        problems = []
        if set(facts['senders']) != set(self.expected['senders']):
            problems.append('senders are %s, expected %s' % (facts['senders'], self.expected['senders']))
        if facts['policy'] != self.expected['policy']:
            problems.append('policy is %s, expected %s' % (facts['policy'], self.expected['policy']))
        if (facts['comment'] or '') != (self.expected['comment'] or ''):
            problems.append('comment is %r, expected %r' % (facts['comment'], self.expected['comment']))
        if facts['order'] != self.target_order:
            problems.append('order is %d, expected %d' % (facts['order'], self.target_order))
        return problems

    def final_facts(self, cfg):
        try:
            listener = find_listener(cfg, self.listener)
        except EsaError:
            return {}
        index, group = find_group(listener, self.name)
        facts = group_facts(listener, group, index)
        return {'sender_group': facts}


# ------------------------------------------------------------------ mail flow policy

def _size_bytes(value, field):
    text = str(value).strip()
    match = re.match(r'^(\d+)\s*([kKmM]?)$', text)
    if not match:
        raise EsaError('%s: %r is not a size; use bytes (10485760) or a number followed by k or M (10M)'
                       % (field, value), field)
    number = int(match.group(1))
    unit = match.group(2).lower()
    return number * {'': 1, 'k': 1024, 'm': 1024 * 1024}[unit]


def _norm_param(key, value):
    """Comparable form of a policy parameter value (None stays None)."""
    if value is None:
        return None
    text = str(value).strip()
    if key == 'max_message_size':
        try:
            return _size_bytes(text, key)
        except EsaError:
            return text.lower()
    if key == 'max_rcpts_per_hour' and text.lower() in ('unlimited', '-1'):
        return -1
    if re.match(r'^-?\d+$', text):
        return int(text)
    return text.lower().replace(' ', '_').replace('-', '_').replace('__', '_')


def policy_facts(name, policy):
    if policy is None:
        return None
    params = dict(_get(policy, 'params') or {})
    return {'name': name, 'behaviour': norm_behaviour(_get(policy, 'behaviour')),
            'params': dict((k, str(v)) for k, v in sorted(params.items()))}


class MailFlowPolicyResource(object):
    kind = 'mail flow policy'

    def __init__(self, params, check_mode=False):
        self.check_mode = check_mode
        self.listener = params['listener']
        self.name = strip_policy(params['name'])
        self.state = params.get('state') or 'present'
        self.behaviour = norm_behaviour(params.get('behaviour') or 'accept')
        self.force = bool(params.get('force'))
        self.allow_demo = bool(params.get('allow_demo_certificate'))
        _validate_name(self.name, 'name', 'mail flow policy')
        if self.behaviour not in BEHAVIOURS:
            raise EsaError('behaviour: must be one of %s' % ', '.join(BEHAVIOURS), 'behaviour')
        tls = params.get('tls') or 'required'
        if params.get('tls_verify_client'):
            if tls == 'off':
                raise EsaError('tls_verify_client: needs tls=preferred or tls=required', 'tls_verify_client')
            tls = tls + '_verify'
        self.desired = {'tls': tls}
        for option, key in POLICY_PARAM_OPTIONS:
            value = params.get(option)
            if value is None:
                self.desired[key] = 'default'
                continue
            if option == 'max_message_size':
                _size_bytes(value, option)
                value = str(value).strip()
            elif option == 'smtp_auth':
                value = str(value)
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

    def _differences(self, current_params):
        """{key: desired value} for each parameter that must change."""
        current = dict((k, v) for k, v in (current_params or {}).items())
        changes = {}
        for key, want in self.desired.items():
            have = current.get(key)
            if want == 'default':
                if have is not None:
                    changes[key] = 'default'
            elif _norm_param(key, have) != _norm_param(key, want):
                changes[key] = want
        return changes

    def plan(self, cfg):
        plan = Plan()
        listener = find_listener(cfg, self.listener)
        policies = policies_of(listener)
        if self.name in group_names(listener):
            raise EsaError('name: %r is already the name of a sender group on listener %s; sender groups and '
                           'policies share one name space: choose another name' % (self.name, self.listener), 'name')
        policy = policies.get(self.name)
        plan.before = policy_facts(self.name, policy)
        users = [_get(g, 'name') for g in groups_of(listener) if strip_policy(_get(g, 'policy')) == self.name]
        if self.state == 'absent':
            plan.after = None
            if policy is not None:
                if users and not self.force:
                    raise EsaError('state: mail flow policy %s is used by sender group(s) %s on listener %s; change '
                                   'or remove those groups first, or set force=true (they then fall back to the '
                                   'listener default policy)' % (self.name, ', '.join(users), self.listener), 'state')
                plan.add('delete mail flow policy %s%s' % (self.name, ' (used by %s)' % ', '.join(users) if users else ''),
                         'delete_policy', self.listener, self.name, force=self.force)
            return plan

        cert = _get(listener, 'certificate')
        demo = is_demo_profile(cfg, cert)
        if policy is None:
            changes = dict((k, v) for k, v in self.desired.items() if v != 'default')
            tls_changes = True
        else:
            changes = self._differences(_get(policy, 'params'))
            tls_changes = 'tls' in changes
        if demo and self.desired['tls'] != 'off':
            why = ('listener %s presents the demo certificate (profile %s): CRES verifies the certificate of the '
                   'gateway and fails on the demo certificate, so TLS %s would make CRES replies fail'
                   % (self.listener, cert, self.desired['tls']))
            if self.desired['tls'] in TLS_REQUIRING and tls_changes and not self.allow_demo:
                raise EsaError('tls: refusing to set TLS %s: %s. Install a CA-signed certificate on the listener '
                               'first (mailsec.cres.esa_certificate), or set allow_demo_certificate=true'
                               % (self.desired['tls'], why), 'tls')
            plan.warnings.append(why)
        behaviour_change = policy is not None and norm_behaviour(_get(policy, 'behaviour')) != self.behaviour
        kwargs = {}
        if demo and tls_changes and self.desired['tls'] != 'off':
            kwargs['allow_demo'] = True
        if policy is None:
            plan.add('create mail flow policy %s (%s, %s)' % (
                self.name, self.behaviour, ', '.join('%s=%s' % kv for kv in sorted(changes.items()))),
                'create_policy', self.listener, self.name, behaviour=self.behaviour, params=changes, **kwargs)
        elif changes or behaviour_change:
            what = ['%s=%s' % kv for kv in sorted(changes.items())]
            if behaviour_change:
                what.insert(0, 'behaviour=%s' % self.behaviour)
            plan.add('update mail flow policy %s: %s' % (self.name, ', '.join(what)), 'update_policy',
                     self.listener, self.name, behaviour=self.behaviour if behaviour_change else None,
                     params=changes or None, **kwargs)
        if policy is not None:
            unmanaged = sorted(k for k in (_get(policy, 'params') or {}) if k not in self.desired)
            if unmanaged:
                plan.warnings.append('mail flow policy %s has parameters this module does not manage, left as they '
                                     'are: %s' % (self.name, ', '.join('%s=%s' % (k, _get(policy, 'params')[k])
                                                                       for k in unmanaged)))
        after = dict((k, v) for k, v in self.desired.items() if v != 'default')
        if policy is not None:
            for key, value in (_get(policy, 'params') or {}).items():
                if key not in self.desired:
                    after[key] = value
        plan.after = {'name': self.name, 'behaviour': self.behaviour,
                      'params': dict((k, str(v)) for k, v in sorted(after.items()))}
        plan.result['used_by'] = users
        return plan

    def verify(self, cfg):
        listener = find_listener(cfg, self.listener)
        policy = policies_of(listener).get(self.name)
        if self.state == 'absent':
            return ['mail flow policy %s is still present' % self.name] if policy is not None else []
        if policy is None:
            return ['mail flow policy %s is not present' % self.name]
        problems = []
        if norm_behaviour(_get(policy, 'behaviour')) != self.behaviour:
            problems.append('behaviour is %s, expected %s' % (_get(policy, 'behaviour'), self.behaviour))
        for key, want in sorted(self._differences(_get(policy, 'params')).items()):
            problems.append('%s is %s, expected %s' % (key, (_get(policy, 'params') or {}).get(key, 'default'), want))
        return problems

    def final_facts(self, cfg):
        try:
            listener = find_listener(cfg, self.listener)
        except EsaError:
            return {}
        return {'policy': policy_facts(self.name, policies_of(listener).get(self.name))}


# ------------------------------------------------------------------ certificate

def _read_file(path, field, binary=False):
    try:
        with open(path, 'rb' if binary else 'r') as fh:
            return fh.read()
    except (IOError, OSError) as exc:
        raise EsaError('%s: cannot read %s (%s)' % (field, path, exc.strerror or exc), field)


def _pem(cert):
    from cryptography.hazmat.primitives import serialization
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _key_pem(key):
    """The unencrypted PEM the appliance is given (traditional format for RSA/EC; assumed)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    fmt = serialization.PrivateFormat.PKCS8
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode('ascii')


def profile_facts(name, profile, cfg=None):
    if profile is None:
        return None
    facts = {'name': name}
    for key in ('subject', 'issuer', 'not_after'):
        value = _get(profile, key)
        if value is not None:
            facts[key] = str(value)
    facts['fingerprint_sha256'] = _fmt_fp(_get(profile, 'fingerprint') or _get(profile, 'fingerprint_sha256'))
    facts['intermediates'] = [_fmt_fp(f) for f in (_get(profile, 'intermediates') or [])]
    if cfg is not None:
        facts['listeners'] = sorted(n for n, lst in listeners_of(cfg).items() if _get(lst, 'certificate') == name)
    return facts


def _fmt_fp(value):
    """Fingerprints are shown as certificate_check shows them: AA:BB:..."""
    norm = norm_fingerprint(value)
    if not norm:
        return None
    return ':'.join(norm[i:i + 2] for i in range(0, len(norm), 2)).upper()


IGNORABLE_CHECKS = ('chain', 'validity', 'hostnames', 'key_strength', 'eku', 'self_signed', 'demo_certificate')


class CertificateResource(object):
    kind = 'certificate profile'

    def __init__(self, params, check_mode=False):
        self.check_mode = check_mode
        self.name = params['name']
        self.state = params.get('state') or 'present'
        self.listeners = list(params.get('listeners') or [])
        self.force = bool(params.get('force'))
        self.delete_replaced = bool(params.get('delete_replaced'))
        self.hostnames = params.get('hostnames')
        self.ignore_checks = list(params.get('ignore_checks') or [])
        self.params = params
        if not self.name or not _PROFILE_RE.match(self.name):
            raise EsaError('name: %r is not a valid certificate profile name (letters, digits, "_", "-", "."; '
                           'no blanks)' % self.name, 'name')
        if self.state == 'present' and self.name.lower() == DEMO_PROFILE.lower():
            raise EsaError('name: %s is the built-in demo profile; choose another name' % self.name, 'name')
        self.leaf = None
        self.key = None
        self.key_pem = None
        self.secrets = []
        self.chain = []
        self.validation = None
        if self.state == 'present':
            self._load()
        self.expected = None

    # -- input
    def _load(self):
        p = self.params
        problem = certlib.cryptography_problem()
        if problem:
            raise EsaError(problem)
        try:
            extra = []
            if p.get('pkcs12_path') or p.get('pkcs12'):
                data = _read_file(p['pkcs12_path'], 'pkcs12_path', binary=True) if p.get('pkcs12_path') else p['pkcs12']
                field = 'pkcs12_path' if p.get('pkcs12_path') else 'pkcs12'
                key, leaf, extra = certlib.load_pkcs12(data, p.get('pkcs12_passphrase'), field=field)
                if key is None:
                    raise EsaError('%s: contains no private key' % field, field)
            else:
                if p.get('certificate_path'):
                    cert_text = _read_file(p['certificate_path'], 'certificate_path')
                    cert_field = 'certificate_path'
                else:
                    cert_text, cert_field = p.get('certificate'), 'certificate'
                if not cert_text:
                    raise EsaError('certificate: give certificate, certificate_path or pkcs12_path', 'certificate')
                certs = certlib.load_certificates(cert_text, cert_field)
                if not certs:
                    raise EsaError('%s: no certificate found' % cert_field, cert_field)
                leaf, extra = certs[0], certs[1:]
                if p.get('private_key_path'):
                    key_text, key_field = _read_file(p['private_key_path'], 'private_key_path'), 'private_key_path'
                else:
                    key_text, key_field = p.get('private_key'), 'private_key'
                if not key_text:
                    raise EsaError('private_key: give private_key or private_key_path', 'private_key')
                key = certlib.load_private_key(key_text, p.get('private_key_passphrase'), field=key_field)
            for index, text in enumerate(p.get('intermediates') or []):
                extra.extend(certlib.load_certificates(text, 'intermediates[%d]' % index))
            for index, path in enumerate(p.get('intermediates_path') or []):
                extra.extend(certlib.load_certificates(_read_file(path, 'intermediates_path[%d]' % index),
                                                       'intermediates_path[%d]' % index))
        except certlib.CertificateError as exc:
            raise EsaError(str(exc), exc.field)
        self.leaf, self.key = leaf, key
        self.key_pem = _key_pem(key)
        self.secrets = [self.key_pem] + [line for line in self.key_pem.splitlines() if len(line) > 16]
        self.chain = self._order_chain(leaf, extra)

    @staticmethod
    def _order_chain(leaf, extra):
        """Intermediates to install: no duplicates, no self-signed root, issuer order when possible."""
        seen = set([certlib.fingerprint_sha256(leaf)])
        pool = []
        for cert in extra:
            fp = certlib.fingerprint_sha256(cert)
            if fp in seen or certlib.is_self_signed(cert):
                continue
            seen.add(fp)
            pool.append(cert)
        ordered = []
        current = leaf
        while pool:
            nxt = [c for c in pool if c.subject == current.issuer]
            if not nxt:
                break
            ordered.append(nxt[0])
            pool.remove(nxt[0])
            current = nxt[0]
        return ordered + pool

    def describe(self):
        return 'certificate profile %s' % self.name

    def _validate(self, cfg, plan):
        hostnames = self.hostnames
        if hostnames is None:
            hostnames = []
            for lname in self.listeners:
                host = _get(listeners_of(cfg).get(lname), 'hostname')
                if host and host not in hostnames:
                    hostnames.append(host)
        p = self.params
        try:
            result = certlib.validate_certificate(
                self.leaf, self.key, self.chain, hostnames=hostnames, ca_bundle=p.get('ca_bundle'),
                min_days_remaining=p.get('min_days_remaining') if p.get('min_days_remaining') is not None else 30,
                min_key_bits=p.get('min_key_bits') or 2048)
        except certlib.CertificateError as exc:
            raise EsaError(str(exc), exc.field)
        self.validation = result
        problems = result['problems']
        mismatch = [x for x in problems if x['check'] == 'key_match']
        if mismatch:
            field = 'pkcs12' if (p.get('pkcs12') or p.get('pkcs12_path')) else (
                'private_key_path' if p.get('private_key_path') else 'private_key')
            raise EsaError('%s: %s' % (field, mismatch[0]['reason']), field)
        blocking = [x for x in problems if x['check'] not in self.ignore_checks]
        ignored = [x for x in problems if x['check'] in self.ignore_checks]
        for item in ignored:
            plan.warnings.append('ignored failed check %s (ignore_checks): %s' % (item['check'], item['reason']))
        if blocking:
            field = {'chain': 'intermediates', 'hostnames': 'hostnames'}
            rank = {'hostnames': 1, 'chain': 2}
            blocking.sort(key=lambda x: rank.get(x['check'], 0))
            first = blocking[0]
            raise EsaError('%s: the certificate would fail CRES verification: %s. Fix the certificate, or list the '
                           'check(s) %s in ignore_checks to install it anyway'
                           % (field.get(first['check'], 'certificate'),
                              '; '.join('%s: %s' % (x['check'], x['reason']) for x in blocking),
                              ', '.join(sorted(set(x['check'] for x in blocking)))),
                           field.get(first['check'], 'certificate'))
        plan.result['validation'] = {'valid': result['valid'], 'checks': result['checks'],
                                     'chain_code': result['chain_code']}
        plan.result['certificate'] = result['certificate']

    def plan(self, cfg):
        plan = Plan()
        profiles = certificates_of(cfg)
        listeners = listeners_of(cfg)
        for index, lname in enumerate(self.listeners):
            if lname not in listeners:
                raise EsaError('listeners[%d]: no listener named %r on this appliance (listeners: %s)'
                               % (index, lname, ', '.join(sorted(listeners)) or 'none'), 'listeners')
        profile = profiles.get(self.name)
        assigned = dict((n, _get(lst, 'certificate')) for n, lst in listeners.items())
        plan.before = self._facts(self.name, profile, assigned)

        if self.state == 'absent':
            users = sorted(n for n, c in assigned.items() if c == self.name)
            plan.after = None
            self.expected = {'absent': True}
            if profile is not None:
                if users and not self.force:
                    raise EsaError('state: certificate profile %s is used by listener(s) %s; assign another '
                                   'certificate to them first, or set force=true (they then use the demo '
                                   'certificate)' % (self.name, ', '.join(users)), 'state')
                for lname in users:
                    plan.add('assign %s to listener %s' % (DEMO_PROFILE, lname), 'set_listener_certificate',
                             lname, DEMO_PROFILE, allow_demo=True)
                plan.add('delete certificate profile %s' % self.name, 'delete_certificate', self.name)
            return plan

        self._validate(cfg, plan)
        leaf_fp = norm_fingerprint(certlib.fingerprint_sha256(self.leaf))
        chain_fps = [norm_fingerprint(certlib.fingerprint_sha256(c)) for c in self.chain]
        same = (profile is not None
                and norm_fingerprint(_get(profile, 'fingerprint') or _get(profile, 'fingerprint_sha256')) == leaf_fp
                and [norm_fingerprint(f) for f in (_get(profile, 'intermediates') or [])] == chain_fps)
        if not same:
            key_pem = self.key_pem
            plan.add('%s certificate profile %s (fingerprint %s, %d intermediate(s))'
                     % ('replace' if profile is not None else 'install', self.name, _fmt_fp(leaf_fp), len(chain_fps)),
                     'paste_certificate', self.name, _pem(self.leaf), key_pem,
                     intermediates=[_pem(c) for c in self.chain], overwrite=profile is not None)
        after_assigned = dict(assigned)
        for lname in self.listeners:
            if assigned.get(lname) != self.name:
                plan.add('assign certificate profile %s to listener %s (was %s)' % (self.name, lname, assigned.get(lname)),
                         'set_listener_certificate', lname, self.name)
                after_assigned[lname] = self.name
        deleted = []
        if self.delete_replaced:
            for lname in self.listeners:
                old = assigned.get(lname)
                if (old and old != self.name and old.lower() != DEMO_PROFILE.lower() and old in profiles
                        and old not in after_assigned.values() and old not in deleted):
                    deleted.append(old)
                    plan.add('delete replaced certificate profile %s' % old, 'delete_certificate', old)
        for lname in self.listeners:
            old = assigned.get(lname)
            if old and old != self.name and old not in deleted and old.lower() != DEMO_PROFILE.lower() \
                    and old not in after_assigned.values():
                plan.warnings.append('certificate profile %s is no longer used by any listener; it was kept '
                                     '(set delete_replaced=true to remove it)' % old)
        self.expected = {'fingerprint': leaf_fp, 'intermediates': chain_fps, 'assigned': after_assigned,
                         'deleted': deleted}
        plan.after = {'name': self.name, 'fingerprint_sha256': _fmt_fp(leaf_fp),
                      'intermediates': [_fmt_fp(f) for f in chain_fps],
                      'subject': self.leaf.subject.rfc4514_string(), 'issuer': self.leaf.issuer.rfc4514_string(),
                      'not_after': plan.result['certificate']['not_after'],
                      'listeners': sorted(n for n, c in after_assigned.items() if c == self.name)}
        if deleted:
            plan.after['deleted_profiles'] = deleted
        return plan

    def _facts(self, name, profile, assigned):
        if profile is None:
            return None
        facts = profile_facts(name, profile)
        facts['listeners'] = sorted(n for n, c in assigned.items() if c == name)
        return facts

    def verify(self, cfg):
        profiles = certificates_of(cfg)
        listeners = listeners_of(cfg)
        if self.state == 'absent':
            problems = []
            if self.name in profiles:
                problems.append('certificate profile %s is still present' % self.name)
            return problems
        profile = profiles.get(self.name)
        if profile is None:
            return ['certificate profile %s is not present' % self.name]
        problems = []
        fp = norm_fingerprint(_get(profile, 'fingerprint') or _get(profile, 'fingerprint_sha256'))
        if fp != self.expected['fingerprint']:
            problems.append('certificate fingerprint is %s, expected %s' % (_fmt_fp(fp), _fmt_fp(self.expected['fingerprint'])))
        chain = [norm_fingerprint(f) for f in (_get(profile, 'intermediates') or [])]
        if chain != self.expected['intermediates']:
            problems.append('intermediates are %s, expected %s' % ([_fmt_fp(f) for f in chain],
                                                                   [_fmt_fp(f) for f in self.expected['intermediates']]))
        for lname in self.listeners:
            have = _get(listeners.get(lname), 'certificate')
            if have != self.name:
                problems.append('listener %s uses certificate profile %s, expected %s' % (lname, have, self.name))
        for old in self.expected['deleted']:
            if old in profiles:
                problems.append('replaced certificate profile %s is still present' % old)
        return problems

    def final_facts(self, cfg):
        return {'profile': profile_facts(self.name, certificates_of(cfg).get(self.name), cfg)}


# ------------------------------------------------------------------ execution

def _planned(device):
    return list(getattr(device, 'planned', None) or [])


def abandon(device):
    """Clear the pending changes after a failure; returns what happened, never raises."""
    try:
        return 'cleared' if device.clear_changes() else 'nothing pending'
    except Exception as exc:  # pylint: disable=broad-except
        return 'clearchanges failed: %s' % exc


def execute(device, resource, check_mode=False, commit=True, commit_comment=None, diff=False):
    """Plan, apply, read back and commit. Returns the module result or raises EsaFailure."""
    result = {'changed': False, 'commands': [], 'changes': [], 'warnings': [], 'committed': False}
    try:
        cfg = device.config()
        plan = resource.plan(cfg)
    except EsaError as exc:
        result['field'] = exc.field
        raise EsaFailure(str(exc), result)
    except AsyncOSError as exc:
        raise EsaFailure('reading the appliance configuration failed: %s' % exc, result)
    result['warnings'] = plan.warnings
    result.update(plan.result)
    result['changes'] = [op.summary for op in plan.ops]
    result['changed'] = bool(plan.ops)
    if diff:
        result['diff'] = {'before': plan.before or {}, 'after': plan.after or {},
                          'before_header': resource.describe(), 'after_header': resource.describe()}
    if not plan.ops:
        result.update(resource.final_facts(cfg))
        return result
    done = []
    try:
        for op in plan.ops:
            getattr(device, op.method)(*op.args, **op.kwargs)
            done.append(op.summary)
        if check_mode:
            if commit:
                # The device only records the commit dialog in check mode.
                device.commit(commit_comment or DEFAULT_COMMIT_COMMENT % resource.describe())
            result['commands'] = _planned(device)
            result.update(_after_facts_check(resource, plan))
            return result
        cfg = device.config(refresh=True)
        problems = resource.verify(cfg)
        if problems:
            raise EsaError('read-back after the change: %s is not as requested: %s. The device layer may not '
                           'match this appliance (see docs/asyncos-dialect.md); record a transcript with '
                           'transcript_path and report it' % (resource.describe(), '; '.join(problems)))
        facts = resource.final_facts(cfg)
        if commit:
            result['committed'] = bool(device.commit(commit_comment or DEFAULT_COMMIT_COMMENT % resource.describe()))
        elif getattr(device, 'session_id', None):
            # Staged only: the changes live in this CLI session; esa_commit(staged_sessions) checks it.
            result['session_id'] = device.session_id
        result.update(facts)
    except (AsyncOSError, EsaError) as exc:
        result['commands'] = _planned(device)
        if getattr(exc, 'dialog', None):
            result['dialog'] = exc.dialog
        if check_mode:
            raise EsaFailure('planning %s failed: %s' % (resource.describe(), exc), result)
        result['pending_changes'] = abandon(device)
        result['completed_steps'] = done
        # Abandoned: nothing changed, unless clearchanges itself failed.
        result['changed'] = result['pending_changes'] not in ('cleared', 'nothing pending')
        raise EsaFailure('%s failed%s: %s; pending changes: %s' % (
            resource.describe(), ' after: %s' % '; '.join(done) if done else '', exc, result['pending_changes']),
            result)
    result['commands'] = _planned(device)
    return result


def _after_facts_check(resource, plan):
    key = {'sender group': 'sender_group', 'mail flow policy': 'policy', 'certificate profile': 'profile'}[resource.kind]
    return {key: plan.after}


SESSION_LOST = ('the CLI session was re-established since earlier tasks staged changes with commit=false '
                '(persistent connection idle timeout, appliance idle timeout or a dropped connection): the appliance '
                'discarded those changes. Nothing was committed, the changes pending in the new session were '
                'abandoned (%s), and the appliance keeps its previous committed configuration; rerunning the play '
                'converges. For long plays or large fleets raise ansible_connect_timeout (persistent idle timeout)')


def lost_sessions(current, staged_sessions):
    """The staged session ids (empty values ignored) that differ from the current session."""
    staged = [s for s in (staged_sessions or []) if s]
    return sorted(set(s for s in staged if s != current)) if staged else []


def execute_commit(device, check_mode=False, comment=None, save_for_rollback=True, staged_sessions=None):
    """esa_commit: commit whatever is pending in this session.

    ``staged_sessions``: session ids returned by earlier tasks that staged changes with
    commit=false. When the current session is another one, those changes were discarded with
    their session: abandon what is pending, commit nothing, fail (never a half-change)."""
    result = {'changed': False, 'committed': False, 'commands': []}
    try:
        pending = device.has_pending_changes()
        result['pending'] = bool(pending)
        current = getattr(device, 'session_id', None)
        lost = [] if check_mode else lost_sessions(current, staged_sessions)
        if lost:
            result['session_id'] = current
            result['lost_sessions'] = lost
            state = abandon(device) if pending else 'nothing pending'
            result['pending_changes'] = state
            result['changed'] = state not in ('cleared', 'nothing pending')
            result['commands'] = _planned(device)
            raise EsaFailure(SESSION_LOST % state, result)
        if not pending:
            return result
        result['changed'] = True
        if check_mode:
            device.commit(comment or 'mailsec.cres', save_for_rollback=save_for_rollback)
            result['commands'] = _planned(device)
            return result
        result['committed'] = bool(device.commit(comment or 'mailsec.cres', save_for_rollback=save_for_rollback))
        result['changed'] = result['committed']
    except AsyncOSError as exc:
        result['commands'] = _planned(device)
        raise EsaFailure('commit failed: %s (the changes are still pending in this session)' % exc, result)
    result['commands'] = _planned(device)
    return result


# ------------------------------------------------------------------ module glue

def argument_spec(own, commit=True):
    """The module's options plus the shared ESA options (mailsec.cres.esa doc fragment)."""
    return esa_argument_spec(own, commit=commit)


def make_device(module):
    try:
        return AsyncOSDevice(module, on_unconfigured_mode=module.params.get('on_unconfigured_mode') or 'switch',
                             transcript_path=module.params.get('transcript_path'))
    except AsyncOSError as exc:
        module.fail_json(msg=str(exc))


def run_module(module, resource_cls):
    """Body of the three resource modules."""
    try:
        resource = resource_cls(module.params, check_mode=module.check_mode)
    except EsaError as exc:
        module.fail_json(msg=str(exc), field=exc.field, changed=False)
    for secret in getattr(resource, 'secrets', None) or []:
        module.no_log_values.add(secret)
    device = make_device(module)
    try:
        result = execute(device, resource, check_mode=module.check_mode, commit=module.params.get('commit', True),
                         commit_comment=module.params.get('commit_comment'), diff=module._diff)
    except EsaFailure as exc:
        fail(module, str(exc), exc.result)
    finish(module, result)


def _warn(module, result):
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)


def fail(module, msg, result):
    _warn(module, result)
    module.fail_json(msg=msg, **result)


def finish(module, result):
    _warn(module, result)
    module.exit_json(**result)
