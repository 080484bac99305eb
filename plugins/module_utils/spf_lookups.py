# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recursive SPF lookup evaluation (RFC 7208 section 4.6.4) with dnspython.

``evaluate(text, domain, resolver)`` counts the DNS lookups a record causes, recursively
through ``include:`` and ``redirect=``, the void lookups (NXDOMAIN / no answer), and lists
problems. The resolver is any object with ``query(name, rdtype) -> (status, values)``,
where status is ``ok``, ``void`` or ``error`` and values are texts (TXT joined, MX/NS names,
addresses), so unit tests can pass a dictionary-backed fake.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    SpfError,
    SpfRecord,
    is_spf,
    normalize_domain,
)

try:
    import dns.exception
    import dns.resolver
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc

MAX_DEPTH = 10
MAX_QUERIES = 60
MAX_MX_NAMES = 10


class SpfLookupError(Exception):
    """The evaluation could not be completed (resolver failures)."""


class DnsResolver(object):
    """Stub resolver over dnspython: given nameservers (and port) or the system's."""

    def __init__(self, nameservers=None, port=53, timeout=5.0):
        if nameservers:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = list(nameservers)
            self._resolver.port = port
        else:
            self._resolver = dns.resolver.Resolver(configure=True)
        self._resolver.timeout = timeout
        self._resolver.lifetime = timeout
        self._resolver.cache = None

    def query(self, name, rdtype):
        try:
            answer = self._resolver.resolve(name, rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return 'void', []
        except dns.resolver.NoAnswer:
            return 'void', []
        except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.LifetimeTimeout) as exc:
            return 'error', [str(exc)]
        except dns.exception.DNSException as exc:
            return 'error', [str(exc)]
        if answer.rrset is None:
            return 'void', []
        values = []
        for rdata in answer.rrset:
            if rdtype == 'TXT':
                values.append(b''.join(rdata.strings).decode('utf-8', 'replace'))
            elif rdtype == 'MX':
                values.append(rdata.exchange.to_text(omit_final_dot=True))
            else:
                values.append(rdata.to_text())
        return 'ok', values


def _has_macro(spec):
    return '%' in (spec or '')


class _Walker(object):
    def __init__(self, resolver, limit):
        self.resolver = resolver
        self.limit = limit
        self.queries = 0
        self.void = 0
        self.problems = []
        self.errors = []

    def _query(self, name, rdtype):
        self.queries += 1
        if self.queries > MAX_QUERIES:
            raise SpfLookupError('more than %d DNS queries while evaluating the record; stopped' % MAX_QUERIES)
        return self.resolver.query(name, rdtype)

    def _fetch_spf(self, target, why):
        """SPF text of target, or None (counted as void / problem)."""
        status, values = self._query(target, 'TXT')
        if status == 'error':
            self.errors.append('%s: TXT lookup of %s failed: %s' % (why, target, '; '.join(values)))
            return None, 0
        if status == 'void':
            self.problems.append('%s: %s has no TXT record (permanent error for receivers)' % (why, target))
            return None, 1
        records = [v for v in values if is_spf(v)]
        if not records:
            self.problems.append('%s: %s has no SPF record (permanent error for receivers)' % (why, target))
            return None, 0
        if len(records) > 1:
            self.problems.append('%s: %s has %d SPF records (permanent error)' % (why, target, len(records)))
            return None, 0
        return records[0], 0

    def term_cost(self, term, domain, chain):
        """(cost, void) of one term, recursing into include/redirect."""
        if not term.costs_lookup():
            return 0, 0
        spec = term.domain_spec or domain
        label = term.raw
        if _has_macro(spec):
            # Depends on the sender; the usual outcome for senders it does not describe is
            # NXDOMAIN, i.e. a void lookup. It is not queried.
            if term.name == 'exists':
                return 1, 1
            self.problems.append('%s: target depends on the sender (macro); not evaluated' % label)
            return 1, 0
        target = normalize_domain(spec)
        if term.name in ('include', 'redirect'):
            if target in chain:
                self.problems.append('%s: include/redirect loop through %s' % (label, target))
                return 1, 0
            if len(chain) >= MAX_DEPTH:
                self.problems.append('%s: nesting deeper than %d' % (label, MAX_DEPTH))
                return 1, 0
            text, void = self._fetch_spf(target, label)
            if text is None:
                return 1, void
            try:
                nested = SpfRecord(text)
            except SpfError as exc:
                self.problems.append('%s: SPF record of %s is invalid: %s' % (label, target, exc))
                return 1, void
            cost, nested_void = self.record_cost(nested, target, chain + (target,))
            return 1 + cost, void + nested_void
        if term.name == 'ptr':
            self.problems.append('%s: ptr should not be used (RFC 7208 5.5)' % label)
            return 1, 0
        if term.name == 'exists':
            status, values = self._query(target, 'A')
            if status == 'error':
                self.errors.append('%s: A lookup of %s failed: %s' % (label, target, '; '.join(values)))
            return 1, 1 if status == 'void' else 0
        if term.name == 'a':
            status, values = self._query(target, 'A')
            if status != 'ok':
                status6, values6 = self._query(target, 'AAAA')
                if status == 'error' or status6 == 'error':
                    self.errors.append('%s: address lookup of %s failed: %s'
                                       % (label, target, '; '.join(values + values6)))
                    return 1, 0
                return 1, 1 if status6 == 'void' else 0
            return 1, 0
        if term.name == 'mx':
            status, values = self._query(target, 'MX')
            if status == 'error':
                self.errors.append('%s: MX lookup of %s failed: %s' % (label, target, '; '.join(values)))
                return 1, 0
            if status == 'void':
                return 1, 1
            if len(values) > MAX_MX_NAMES:
                self.problems.append('%s: %s has %d MX names; more than %d is a permanent error'
                                     % (label, target, len(values), MAX_MX_NAMES))
            return 1, 0
        return 1, 0

    def record_cost(self, record, domain, chain):
        total = 0
        void = 0
        has_all = record.first_all() is not None
        for term in record.terms:
            if term.kind == 'modifier' and term.name == 'redirect' and has_all:
                continue  # ignored when the record has an all
            cost, v = self.term_cost(term, domain, chain)
            total += cost
            void += v
        return total, void


def evaluate(text, domain, resolver, limit=10):
    """Evaluate an SPF record that would be published at domain.

    Returns a dict: ``total`` lookups, ``limit``, ``terms`` (one entry per term of the
    record that costs lookups: ``term``, ``cost``, ``void``), ``void_lookups``,
    ``problems`` (strings), ``errors`` (resolver failures), ``over_limit`` (bool).
    """
    record = SpfRecord(text)
    walker = _Walker(resolver, limit)
    domain = normalize_domain(domain)
    terms = []
    total = 0
    void = 0
    has_all = record.first_all() is not None
    for term in record.terms:
        if not term.costs_lookup():
            continue
        if term.kind == 'modifier' and has_all:
            terms.append({'term': term.raw, 'cost': 0, 'void': 0,
                          'note': 'ignored: the record has an all term'})
            continue
        cost, v = walker.term_cost(term, domain, (domain,))
        terms.append({'term': term.raw, 'cost': cost, 'void': v})
        total += cost
        void += v
    if void > 2:
        walker.problems.append('%d void lookups; more than 2 is a permanent error for many receivers' % void)
    return {
        'total': total,
        'limit': limit,
        'terms': terms,
        'void_lookups': void,
        'problems': walker.problems,
        'errors': walker.errors,
        'over_limit': total > limit,
    }


def describe_costs(result):
    """'include:a (1), mx (1), include:res.cisco.com (3)' for error messages."""
    return ', '.join('%s (%d)' % (t['term'], t['cost']) for t in result['terms'] if t['cost'])
