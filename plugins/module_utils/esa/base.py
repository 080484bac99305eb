# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every ESA resource shares: the Resource base class, the plan, input errors.

A resource

* validates its input without touching the appliance (constructor; raises ``EsaError``),
* reads the configuration model (``asyncos.model.ApplianceConfig``) and plans the operations
  (``plan(cfg, device)`` -> :class:`Plan`), each one a call of one of that device's change
  methods (``AsyncOSDevice``),
* checks a configuration read after the change (``verify(cfg)`` -> problems): the staged view
  (the appliance's own listings laid over the read) before the commit, and ``showconfig``
  after it,
* describes what it expects (``expected_state()``), so ``esa_commit`` can verify the committed
  configuration of changes staged by several tasks.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

# Names of sender groups, policies and certificate profiles the modules accept (assumed limits).
NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,59}$')


class EsaError(MailsecError):
    """Bad input or an unexpected state. ``field`` names the option to fix."""


class Operation(object):
    """One change: ``method`` is a change method bound to the device the plan was made for
    (``device.create_policy``), so a plan can only name methods that exist, and a device
    subclass (a test double, a device that records instead of sending) runs its own."""

    __slots__ = ('summary', 'method', 'args', 'kwargs')

    def __init__(self, summary, method, args, kwargs):
        self.summary = summary
        self.method = method
        self.args = args
        self.kwargs = kwargs

    def apply(self):
        return self.method(*self.args, **self.kwargs)


class Plan(object):
    def __init__(self):
        self.ops = []
        self.before = None
        self.after = None
        self.warnings = []
        self.result = {}

    def add(self, summary, method, *args, **kwargs):
        self.ops.append(Operation(summary, method, args, kwargs))


class Resource(object):
    """Base of the three resources. Subclasses set ``noun`` (for messages), ``result_key``
    (the module's return key for the resource's facts) and ``expected_type``."""

    noun = None
    result_key = None
    expected_type = None
    secrets = ()

    def __init__(self, params, check_mode=False):
        self.check_mode = check_mode
        self.params = params

    @staticmethod
    def libraries(params):
        """The ``deps`` libraries the resource needs with these options (``deps.require``)."""
        return []

    def describe(self):  # pragma: no cover - interface
        raise NotImplementedError

    def plan(self, cfg, device):  # pragma: no cover - interface
        """The operations that bring ``cfg`` to the wanted state, as calls of ``device``'s methods."""
        raise NotImplementedError

    def verify(self, cfg):  # pragma: no cover - interface
        raise NotImplementedError

    def final_facts(self, cfg):
        """{result_key: facts} read from ``cfg`` after the run."""
        return {self.result_key: self.facts(cfg)}

    def facts(self, cfg):  # pragma: no cover - interface
        raise NotImplementedError

    def expected_state(self):
        """What ``verify`` checks, as JSON (``esa_commit`` verify); None when nothing is expected."""
        return None

    @classmethod
    def from_expected(cls, data):  # pragma: no cover - interface
        """A resource that verifies ``data`` (an ``expected_state()``)."""
        raise NotImplementedError


def strip_policy(name):
    if name is None:
        return None
    name = str(name).strip()
    return name[1:] if name.startswith(dialect.HAT_POLICY_SIGIL) else name


def validate_name(value, field, kind):
    if not value or not NAME_RE.match(value) or value.upper() == dialect.HAT_ALL:
        raise EsaError('%s: %r is not a valid %s name (letters, digits, "_", "-", "."; no blanks; '
                       'not ALL; at most 60 characters)' % (field, value, kind), field)


def find_listener(cfg, name, field='listener'):
    listener = cfg.listener(name)
    if listener is None:
        raise EsaError('%s: no listener named %r on this appliance (listeners: %s)'
                       % (field, name, ', '.join(sorted(cfg.listeners)) or 'none'), field)
    return listener


def norm_fingerprint(value):
    if value is None:
        return None
    return re.sub(r'[^0-9a-f]', '', str(value).lower())


def fmt_fingerprint(value):
    """Fingerprints are shown as certificate_check shows them: AA:BB:..."""
    norm = norm_fingerprint(value)
    if not norm:
        return None
    return ':'.join(norm[i:i + 2] for i in range(0, len(norm), 2)).upper()


def norm_behaviour(value):
    if value is None:
        return None
    return re.sub(r'[\s_-]+', '', str(value).strip().lower())
