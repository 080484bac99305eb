# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esa_sender_group: a HAT sender group with its senders, policy, comment and place."""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import (
    EsaError,
    Plan,
    Resource,
    find_listener,
    strip_policy,
    validate_name,
)
from ansible_collections.mailsec.cres.plugins.module_utils.senders import (
    SenderError,
    cres_coverage,
    normalize_senders,
    parse_sender,
    validate_senders,
)


def group_facts(listener, name):
    index = listener.hat.group_index(name)
    if index is None:
        return None
    group = listener.hat.sender_groups[index]
    return {
        'name': group.name,
        'senders': normalize_senders(group.senders),
        'policy': group.policy,
        'comment': group.comment or '',
        'order': index + 1,
        'listener': listener.name,
    }


class SenderGroupResource(Resource):
    noun = 'sender group'
    result_key = 'sender_group'
    expected_type = 'sender_group'

    def __init__(self, params, check_mode=False):
        super(SenderGroupResource, self).__init__(params, check_mode)
        self.listener = params['listener']
        self.name = params['name']
        self.state = params.get('state') or 'present'
        self.mode = params.get('senders_mode') or 'exact'
        self.policy = strip_policy(params.get('policy'))
        self.comment = params.get('comment')
        self.order = params.get('order')
        if self.order is None:
            self.order = 1
        validate_name(self.name, 'name', 'sender group')
        if self.policy is not None:
            validate_name(self.policy, 'policy', 'mail flow policy')
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

    def plan(self, cfg, device):
        plan = Plan()
        listener = find_listener(cfg, self.listener)
        hat = listener.hat
        if hat.policy(self.name) is not None:
            raise EsaError('name: %r is already the name of a mail flow policy on listener %s; sender groups '
                           'and policies share one name space: choose another name'
                           % (self.name, self.listener), 'name')
        group = hat.sender_group(self.name)
        index = hat.group_index(self.name)
        names = hat.group_names()
        plan.before = group_facts(listener, self.name)
        if self.state == 'absent':
            if group is not None:
                plan.add('delete sender group %s' % self.name, device.delete_sender_group,
                         self.listener, self.name)
            plan.after = None
            self.expected = None
            return plan

        if self.policy is not None and hat.policy(self.policy) is None:
            msg = ('policy: no mail flow policy named %r on listener %s (policies: %s); create it first with '
                   'mailsec.cres.esa_mail_flow_policy' % (self.policy, self.listener,
                                                          ', '.join(sorted(hat.policies)) or 'none'))
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
                     device.create_sender_group, self.listener, self.name, senders, policy, comment)
            position = len(names) + 1
            others = list(names)
        else:
            current = normalize_senders(group.senders)
            if self.senders is None:
                senders = list(current)
            else:
                wanted = [s.value for s in self.senders]
                add = [s for s in wanted if s not in current]
                remove = [s for s in current if s not in wanted] if self.mode == 'exact' else []
                if add:
                    plan.add('add senders %s' % ', '.join(add), device.add_senders, self.listener,
                             self.name, add)
                if remove:
                    # Remove what is on the box, in the form the box printed it.
                    raw = [r for r in group.senders if parse_sender(r).value in remove]
                    plan.add('remove senders %s' % ', '.join(remove), device.remove_senders, self.listener,
                             self.name, raw or remove)
                senders = wanted if self.mode == 'exact' else current + [s for s in add if s not in current]
            cur_policy = group.policy
            cur_comment = group.comment or ''
            policy = self.policy if self.policy is not None else cur_policy
            comment = self.comment if self.comment is not None else cur_comment
            if policy != cur_policy or comment != cur_comment:
                what = []
                if policy != cur_policy:
                    what.append('policy %s -> %s' % (cur_policy, policy))
                if comment != cur_comment:
                    what.append('comment %r -> %r' % (cur_comment, comment))
                plan.add('set %s' % ', '.join(what), device.set_sender_group_policy, self.listener, self.name,
                         policy, comment=comment)
            position = index + 1
            others = [n for n in names if n != self.name]

        target = min(self.order, len(others) + 1)
        if position != target:
            if target - 1 < len(others):
                before = others[target - 1]
                plan.add('move sender group %s from position %d to %d (before %s)'
                         % (self.name, position, target, before),
                         device.move_sender_group, self.listener, self.name, before)
            else:
                # MOVE only inserts before another group: to make this group last, move each
                # group that follows it in front of it (their relative order is kept).
                for other in others[position - 1:]:
                    plan.add('move sender group %s before %s (to make %s last, position %d)'
                             % (other, self.name, self.name, target),
                             device.move_sender_group, self.listener, other, self.name)
        self.expected = {'senders': senders, 'policy': policy, 'comment': comment}
        self.target_order = target
        plan.after = {'name': self.name, 'senders': list(senders), 'policy': policy, 'comment': comment,
                      'order': target, 'listener': self.listener}
        # Senders that another group of this listener already lists: the first group wins.
        for other_index, other in enumerate(hat.sender_groups):
            if other.name == self.name:
                continue
            shared = [s for s in normalize_senders(other.senders) if s in senders]
            if shared:
                where = 'above' if other_index + 1 < target or (other_index + 1 == target and position > target) \
                    else 'below'
                plan.warnings.append('senders %s are also listed in sender group %s (%s this group); the first '
                                     'matching group in HAT order decides the policy'
                                     % (', '.join(shared), other.name, where))
        plan.result['cres_coverage'] = cres_coverage(senders)
        return plan

    def verify(self, cfg):
        listener = find_listener(cfg, self.listener)
        facts = group_facts(listener, self.name)
        if self.state == 'absent':
            return ['sender group %s is still present' % self.name] if facts is not None else []
        if facts is None:
            return ['sender group %s is not present' % self.name]
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

    def facts(self, cfg):
        listener = cfg.listener(self.listener)
        return None if listener is None else group_facts(listener, self.name)

    def expected_state(self):
        out = {'type': self.expected_type, 'listener': self.listener, 'name': self.name, 'state': self.state}
        if self.state == 'present':
            out.update(self.expected, order=self.target_order)
        return out

    @classmethod
    def from_expected(cls, data):
        resource = cls({'listener': data['listener'], 'name': data['name'], 'state': data.get('state'),
                        'order': data.get('order') or 1})
        if resource.state == 'present':
            resource.expected = {'senders': list(data.get('senders') or []), 'policy': data.get('policy'),
                                 'comment': data.get('comment') or ''}
            resource.target_order = data.get('order')
        return resource
