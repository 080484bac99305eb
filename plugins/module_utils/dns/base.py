# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one interface every DNS provider of the collection implements, for TXT RRsets at a name.

A module never talks to a provider's API: it reads the TXT RRset at a name
(``read_txt``), computes the values it wants, and asks the provider to replace the RRset
*from exactly what it read* to the new values (``replace_txt``). Providers whose server can
check that precondition atomically (RFC 2136 prerequisites, a Route 53 change batch, a
locked zone file) do so; the others re-read right before the write and verify after it.
``capabilities`` says which, and whether the provider's changes are served live by
authoritative nameservers (so a propagation check applies).

Errors are ``DnsProviderError`` or a subclass; every message names the provider, the zone and
the name it was working on.
"""

from __future__ import annotations

import abc

from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError
from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    join_txt,
    normalize_domain,
    split_txt,
    txt_wire_size,
)


class DnsProviderError(MailsecError):
    """A clear, user-facing error from a DNS provider; ``message`` starts with where it happened
    (``provider route53, zone example.com, name www.example.com: ...``)."""

    def __init__(self, msg, provider=None, zone=None, name=None):
        where = ', '.join('%s %s' % (k, v) for k, v in (('provider', provider), ('zone', zone), ('name', name)) if v)
        super(DnsProviderError, self).__init__('%s: %s' % (where, msg) if where else msg)
        self.provider = provider
        self.zone = zone
        self.name = name


class ConflictError(DnsProviderError):
    """The TXT RRset changed between read and write (the compare-and-swap lost a race)."""


class ZoneNotFoundError(DnsProviderError):
    """No zone of the provider contains the name."""


class AuthenticationError(DnsProviderError):
    """The provider refused the credentials (or none could be found)."""


class UnsafeEditError(DnsProviderError):
    """The change cannot be made without rewriting what the user keeps by hand."""


class Capabilities(object):
    """What a provider can promise; modules adapt their behaviour and documentation to it."""

    __slots__ = ('atomic_precondition', 'served_live', 'reports_sync')

    def __init__(self, atomic_precondition, served_live, reports_sync=False):
        # The server itself refuses a write whose "from" RRset is no longer current.
        self.atomic_precondition = atomic_precondition
        # A written change is answered by the zone's authoritative nameservers (soon), so
        # asking them is a meaningful propagation check (not so for a file deployed later).
        self.served_live = served_live
        # The provider says when a change is live on all its servers (wait_committed); asking
        # the nameservers afterwards is a confirmation where they are reachable, not a must.
        self.reports_sync = reports_sync

    def as_dict(self):
        return {'atomic_precondition': self.atomic_precondition, 'served_live': self.served_live,
                'reports_sync': self.reports_sync}


class TxtValue(object):
    """One TXT record: its character-strings (bytes) as stored, and the provider's native form."""

    __slots__ = ('chunks', 'native', 'disabled')

    def __init__(self, chunks, native=None, disabled=False):
        self.chunks = tuple(bytes(c) for c in chunks)
        self.native = native
        self.disabled = disabled

    @classmethod
    def from_text(cls, text):
        """A new value from its text, split into strings of at most 255 bytes."""
        return cls(split_txt(text))

    @property
    def text(self):
        """Joined text: what SPF evaluators and most readers of TXT see."""
        return join_txt(self.chunks)

    @property
    def wire_size(self):
        return txt_wire_size(self.chunks)

    def same_as(self, other):
        """Stored the same way (same strings and chunking, same disabled state)."""
        return self.chunks == other.chunks and self.disabled == other.disabled

    def __repr__(self):
        return 'TxtValue(%r)' % (self.chunks,)


class TxtRRset(object):
    """Every TXT value at one name as read from the provider (``ttl`` None when there is none)."""

    __slots__ = ('name', 'ttl', 'values', 'version')

    def __init__(self, name, ttl=None, values=None, version=None):
        self.name = name
        self.ttl = ttl
        self.values = list(values or [])
        # Provider-private token of what was read (e.g. a digest of the zone file).
        self.version = version

    def texts(self):
        return [v.text for v in self.values]

    def __len__(self):
        return len(self.values)


class TxtChange(object):
    """What ``replace_txt`` did: the values removed and added, and a provider token to wait on."""

    __slots__ = ('removed', 'added', 'token', 'details')

    def __init__(self, removed, added, token=None, details=None):
        self.removed = removed
        self.added = added
        self.token = token
        self.details = details or {}


def fqdn(name):
    """Absolute name with the final dot, lower case."""
    return normalize_domain(name) + '.'


def in_zone(name, zone):
    name = normalize_domain(name)
    zone = normalize_domain(zone)
    return name == zone or name.endswith('.' + zone)


def split_change(old_values, new_values):
    """(kept, removed, added): values of ``new`` already stored in ``old`` are kept as read."""
    remaining = list(old_values)
    kept, added = [], []
    for value in new_values:
        match = next((o for o in remaining if o is value), None) or \
            next((o for o in remaining if o.same_as(value)), None)
        if match is None:
            added.append(value)
        else:
            remaining.remove(match)
            kept.append(match)
    return kept, remaining, added


class DnsProvider(abc.ABC):
    """A DNS provider that can read and replace the TXT RRset at a name.

    Subclasses set ``name`` (the value of the ``provider`` option) and ``capabilities``.
    """

    name = None
    capabilities = None

    @classmethod
    @abc.abstractmethod
    def from_params(cls, params):
        """The provider configured by the module options (see ``dns.options``)."""

    @staticmethod
    def libraries(params):
        """The ``deps`` libraries this provider needs with these options (``deps.require``)."""
        return []

    def error(self, msg, zone=None, name=None, cls=DnsProviderError):
        """An exception of the family that names this provider, the zone and the name."""
        return cls(msg, provider=self.name, zone=normalize_domain(zone) if zone else None,
                   name=normalize_domain(name) if name else None)

    @abc.abstractmethod
    def discover_zone(self, name):
        """The zone (no trailing dot) that holds ``name``; ZoneNotFoundError when there is none."""

    @abc.abstractmethod
    def read_txt(self, zone, name):
        """The TXT RRset at ``name`` (a ``TxtRRset``, empty when there is none), as stored."""

    @abc.abstractmethod
    def replace_txt(self, zone, name, old, new_values, ttl):
        """Replace the TXT RRset at ``name`` from exactly ``old`` (as read) to ``new_values``.

        ``new_values`` is the complete list of values wanted; values that are in ``old``
        should be passed as the objects read, and are kept exactly as stored (strings,
        chunking, native form). An empty list removes the RRset. ``ttl`` is used when ``old``
        is empty; otherwise the RRset keeps its TTL. Raises ``ConflictError`` when the RRset
        is no longer ``old`` (the caller re-reads and retries, bounded). Returns a
        ``TxtChange``.
        """

    def nameservers(self, zone):
        """``[(ns_name, [addresses])]`` of the zone's authoritative servers (addresses may be empty)."""
        return []

    @property
    def propagation_port(self):
        """DNS port on which the authoritative servers answer (None: no propagation check)."""
        return 53 if self.capabilities.served_live else None

    def wait_committed(self, zone, name, change, timeout):
        """Wait until the provider reports ``change`` applied on its side (Route 53: INSYNC).

        Returns a dict for the module's result, or None when the provider has no such state.
        """
        return None
