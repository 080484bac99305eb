# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for AsyncOSDevice for planning tests: the real configuration model
(asyncos/model.py), changed in memory by the device's change methods."""

from __future__ import annotations

import copy

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.device import AsyncOSDevice, AsyncOSError
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.model import (
    HAT,
    ApplianceConfig,
    Certificate,
    Listener,
    Policy,
    SenderGroup,
)


def policy(name, behaviour='accept', **params):
    return Policy(name, behaviour, params)


def group(name, senders, pol, comment=''):
    return SenderGroup(name, senders, pol, comment)


def listener(name='IncomingMail', certificate='Demo', hostname='mail.example.com', policies=None, groups=None):
    pols = policies if policies is not None else [policy('ACCEPTED'), policy('BLOCKED', 'reject'),
                                                  policy('TRUSTED', max_rcpts_per_hour='-1')]
    grps = groups if groups is not None else [group('BLOCKLIST', ['sbrs[-10.0:-3.0]'], 'BLOCKED', 'Spammers')]
    return Listener(name, type='public', interface='Data 1', ip='192.0.2.10', port=25, hostname=hostname,
                    certificate=certificate, hat=HAT(pols, grps, 'ACCEPTED'),
                    hat_defaults={'tls': 'off', 'max_message_size': '10M', 'max_concurrency': '10',
                                  'max_rcpts_per_hour': '-1'})


def profile(name, fingerprint, intermediates=(), subject='CN=x', issuer='CN=y', not_after='2030-01-01T00:00:00Z'):
    return Certificate(name, subject=subject, issuer=issuer, not_after=not_after, fingerprint_sha256=fingerprint,
                       intermediates=list(intermediates))


def appliance(listeners=None, certificates=None):
    lsts = listeners if listeners is not None else [listener()]
    certs = certificates if certificates is not None else [
        profile('Demo', 'DE:MO', subject='CN=Cisco Appliance Demo Certificate',
                issuer='CN=Cisco Appliance Demo Certificate')]
    return ApplianceConfig(listeners=lsts, certificates=certs)


def _same(a, b):
    return a.to_dict() == b.to_dict()


class FakeDevice(AsyncOSDevice):
    """Applies the device's change methods to an in-memory model.

    fail_on: method name that raises AsyncOSError; lie_on: method that does nothing (read-back test).
    """

    def __init__(self, cfg, check_mode=False, fail_on=None, lie_on=None, rehearse=False,  # pylint: disable=super-init-not-called
                 commit_drops=False):
        self.rehearse = rehearse
        self.commit_drops = commit_drops  # the appliance says committed but keeps its old configuration
        self.unknown_questions = []
        self.dialogs = []
        self.committed = copy.deepcopy(cfg)
        self.cfg = copy.deepcopy(cfg)
        self.check_mode = check_mode
        self.planned = []
        self.calls = []
        self.reads = 0
        self.commits = []
        self.cleared = 0
        self.fail_on = fail_on
        self.lie_on = lie_on
        self.logins = 1
        self.session_id = 'session-1'

    def relogin(self):
        """The CLI session was re-established: the appliance discarded the pending changes."""
        self.logins += 1
        self.session_id = 'session-%d' % self.logins
        self.cfg = copy.deepcopy(self.committed)

    # reads
    def config(self, refresh=False):
        self.reads += 1
        return copy.deepcopy(self.cfg)

    def has_pending_changes(self):
        return not _same(self.cfg, self.committed)

    def _apply(self, method, *args, **kwargs):
        self.calls.append((method,) + args)
        self.planned.append('%s %s' % (method, ' '.join(str(a) for a in args)))
        if method == self.fail_on:
            raise AsyncOSError('simulated failure in %s' % method)
        return self.check_mode or method == self.lie_on

    def _hat(self, listener):
        return self.cfg.listeners[listener].hat

    def paste_certificate(self, name, cert_pem, key_pem, intermediates=(), overwrite=False):
        if self._apply('paste_certificate', name):
            return
        if 'PRIVATE KEY' not in key_pem:
            raise AsyncOSError('Invalid private key ...discarding')
        fp = certlib.fingerprint_sha256(certlib.load_certificate(cert_pem))
        chain = [certlib.fingerprint_sha256(certlib.load_certificate(i)) for i in intermediates]
        self.cfg.certificates[name] = profile(name, fp, chain)

    def delete_certificate(self, name):
        if self._apply('delete_certificate', name):
            return
        del self.cfg.certificates[name]

    def set_listener_certificate(self, listener, profile, allow_demo=False):
        if self._apply('set_listener_certificate', listener, profile):
            return
        self.cfg.listeners[listener].certificate = profile

    def create_policy(self, listener, name, behaviour='accept', params=None, allow_demo=False):
        if self._apply('create_policy', listener, name, behaviour, sorted((params or {}).items())):
            return
        kept = dict((k, v) for k, v in (params or {}).items() if v != 'default')
        self._hat(listener).policies[name] = Policy(name, behaviour, kept)

    def update_policy(self, listener, name, behaviour=None, params=None, allow_demo=False):
        if self._apply('update_policy', listener, name, behaviour, sorted((params or {}).items())):
            return
        pol = self._hat(listener).policies[name]
        if behaviour:
            pol.behaviour = behaviour
        for k, v in (params or {}).items():
            if v == 'default':
                pol.params.pop(k, None)
            else:
                pol.params[k] = v

    def delete_policy(self, listener, name, force=False):
        if self._apply('delete_policy', listener, name, force):
            return
        hat = self._hat(listener)
        for g in hat.sender_groups:
            if g.policy == name:
                g.policy = hat.default_policy
        del hat.policies[name]

    def _group(self, listener, name):
        return [g for g in self._hat(listener).sender_groups if g.name == name][0]

    def create_sender_group(self, listener, name, senders, policy, comment=''):
        if self._apply('create_sender_group', listener, name, ','.join(senders), policy, comment):
            return
        self._hat(listener).sender_groups.append(SenderGroup(name, senders, policy, comment))

    def add_senders(self, listener, group, senders):
        if self._apply('add_senders', listener, group, ','.join(senders)):
            return
        self._group(listener, group).senders.extend(senders)

    def remove_senders(self, listener, group, senders):
        if self._apply('remove_senders', listener, group, ','.join(senders)):
            return
        g = self._group(listener, group)
        g.senders = [s for s in g.senders if s not in senders]

    def set_sender_group_policy(self, listener, group, policy, comment=None):
        if self._apply('set_sender_group_policy', listener, group, policy, comment):
            return
        g = self._group(listener, group)
        g.policy = policy
        if comment is not None:
            g.comment = comment

    def move_sender_group(self, listener, group, before):
        if self._apply('move_sender_group', listener, group, before):
            return
        groups = self._hat(listener).sender_groups
        g = self._group(listener, group)
        groups.remove(g)
        if before is None:
            groups.append(g)
        else:
            groups.insert([x.name for x in groups].index(before), g)

    def delete_sender_group(self, listener, name):
        if self._apply('delete_sender_group', listener, name):
            return
        hat = self._hat(listener)
        hat.sender_groups = [g for g in hat.sender_groups if g.name != name]

    def commit(self, comment, save_for_rollback=True):
        if self.check_mode:
            self.planned.append('commit')
            return False
        if self.fail_on == 'commit':
            raise AsyncOSError('Commit failed: simulated')
        if _same(self.cfg, self.committed):
            return False
        self.commits.append(comment)
        if self.commit_drops:
            self.cfg = copy.deepcopy(self.committed)
        self.committed = copy.deepcopy(self.cfg)
        return True

    def clear_changes(self):
        self.cleared += 1
        pending = not _same(self.cfg, self.committed)
        self.cfg = copy.deepcopy(self.committed)
        return pending
