# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 7208 check_host(): the SPF result a receiver computes, on the model of spf.py.

Two entry points, one evaluator:

``check_host(resolver, ip, domain, sender=None, helo=None, record=None)``
    The result for a connection from ``ip`` (IPv4 or IPv6; IPv4-mapped IPv6 is IPv4) with MAIL
    FROM ``sender`` (default ``postmaster@domain``): record selection (4.3-4.5), every
    mechanism and modifier (5, 6), macros (7), the limits (4.6.4: 10 lookups, 10 MX / PTR names,
    2 void lookups), the explanation of a fail (6.2).

``evaluate_domain(resolver, domain, record=None)``
    The counting mode used before a record is written: the record evaluated for ``domain`` and
    a sender that none of its mechanisms lists, which is the path that costs every lookup a
    receiver can make. Macros that do not depend on the sender (``%{d}``, ``%{o}``) are expanded
    and followed; a term whose target depends on the sender (``%{i}``, ``%{l}``, ``%{p}``, ...,
    and every ``ptr``) costs its one lookup, is listed in ``sender_dependent`` and is not
    followed; an ``exists`` of that kind is counted as void (what it gives for the senders it
    does not describe). Every problem is collected instead of stopping at the first, and the
    lookups are counted to the end, so a record over the limit reports its full cost.

``record`` evaluates that text as the SPF record of ``domain`` instead of looking it up.

Both return an ``SpfEvaluation``: ``result`` (none, neutral, pass, fail, softfail, temperror,
permerror), the deciding ``term`` and the ``domain`` whose record holds it, ``cause`` and RFC
``section`` for errors, ``explanation``, ``lookups``, ``void_lookups``, ``trace`` (every term
evaluated), ``terms`` (cost of each term of the top record), ``sender_dependent``,
``problems``.

The resolver is anything with ``query(name, rdtype) -> (status, values)`` (dns_resolver.Lookup;
status ``ok``, ``void`` or ``error``), so the evaluator itself has no DNS code.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import quote as _url_quote

from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError
from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    MACRO_LETTERS,
    QUALIFIER_NAMES,
    SpfError,
    SpfRecord,
    parse_macro_string,
)

RESULTS = ('none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror')
MAX_LOOKUPS = 10
MAX_VOID_LOOKUPS = 2
MAX_NAMES = 10          # MX names of one mx, PTR names of one ptr or %{p} (4.6.4)
MAX_DOMAIN_LENGTH = 253
# A bound on the queries of one counting run (it goes on past the 10-lookup limit to report the
# full cost; this stops pathological records).
MAX_COUNTING_QUERIES = 120
# Macro letters whose value the counting mode knows: the domain and the sender's domain.
SENDER_INDEPENDENT_LETTERS = 'do'

_LOOKUP_TERMS = ('include', 'a', 'mx', 'ptr', 'exists')


class _Stop(MailsecError):
    """Ends check_host() with temperror or permerror; ``message`` is the cause."""

    def __init__(self, result, cause, section, term=None, domain=None):
        super(_Stop, self).__init__(cause)
        self.result = result
        self.cause = cause
        self.section = section
        self.term = term
        self.domain = domain


class _SenderDependent(MailsecError):
    """A macro needs a value the counting mode does not have (the sender, its address)."""


class _Verdict(object):
    __slots__ = ('result', 'term', 'domain', 'cause', 'section', 'explanation', 'path')

    def __init__(self, result, term=None, domain=None, cause=None, section=None, explanation=None, path=None):
        self.result = result
        self.term = term
        self.domain = domain
        self.cause = cause
        self.section = section
        self.explanation = explanation
        self.path = path or []


class SpfEvaluation(object):
    """The outcome of one evaluation (see the module docstring)."""

    def __init__(self, verdict, ctx, domain, record_text):
        self.result = verdict.result
        self.term = verdict.term
        self.domain = verdict.domain
        self.cause = verdict.cause
        self.section = verdict.section
        self.explanation = verdict.explanation
        self.path = verdict.path
        self.evaluated_domain = domain
        self.record = ctx.record if ctx.record is not None else record_text
        self.lookups = ctx.lookups
        self.void_lookups = ctx.void
        self.trace = ctx.trace
        self.terms = ctx.top_terms
        self.sender_dependent = ctx.dependent
        self.problems = ctx.problems
        self.sender = ctx.sender
        self.ip = str(ctx.ip) if ctx.ip is not None else None

    @property
    def is_error(self):
        return self.result in ('permerror', 'temperror')

    def describe(self):
        """One sentence: the result, and for errors the term, the cause and the section."""
        if self.result in ('permerror', 'temperror'):
            where = ''
            if self.term:
                where = ' at %s' % self.term
                if self.domain and self.domain != self.evaluated_domain:
                    where += ' (in the record of %s)' % self.domain
            return '%s%s: %s (RFC 7208 section %s)' % (self.result, where, self.cause, self.section)
        if self.term:
            return '%s (%s%s)' % (self.result, self.term,
                                  '' if self.domain == self.evaluated_domain else ' in the record of %s' % self.domain)
        return '%s (%s)' % (self.result, self.cause or 'no mechanism matched')

    def describe_costs(self):
        """'mx (1), include:res.cisco.com (3)' for messages."""
        return ', '.join('%s (%d)' % (t['term'], t['cost']) for t in self.terms if t['cost'])

    def as_dict(self):
        return {
            'ip': self.ip,
            'sender': self.sender,
            'result': self.result,
            'mechanism': self.term,
            'domain': self.domain,
            'cause': self.cause,
            'section': self.section,
            'explanation': self.explanation,
            'matched_path': list(self.path),
            'lookups': self.lookups,
            'void_lookups': self.void_lookups,
            'sender_dependent': list(self.sender_dependent),
            'problems': list(self.problems),
            'trace': list(self.trace),
        }


class _Context(object):
    """State of one top-level evaluation: the connection, the counters, the trace."""

    def __init__(self, resolver, ip, sender, helo, receiver, counting):
        self.resolver = resolver
        self.ip = ip
        self.sender = sender
        self.local, _at, self.sender_domain = sender.rpartition('@')
        if not self.local:
            self.local = 'postmaster'  # 4.3
        self.helo = helo if helo else self.sender_domain
        self.receiver = receiver or 'unknown'
        self.counting = counting
        self.lookups = 0
        self.void = 0
        self.queries = 0
        self.trace = []
        self.top_terms = []
        self.dependent = []
        self.problems = []
        self.first_error = None
        self.record = None
        self._validated_name = None

    # -- DNS -------------------------------------------------------------------------------

    def query(self, name, rdtype):
        self.queries += 1
        if self.counting and self.queries > MAX_COUNTING_QUERIES:
            raise _Stop('permerror', 'more than %d DNS queries while counting the lookups; stopped (the record '
                        'needs far more than %d lookups)' % (MAX_COUNTING_QUERIES, MAX_LOOKUPS), '4.6.4')
        return self.resolver.query(name, rdtype)

    # -- errors ----------------------------------------------------------------------------

    def fail(self, result, cause, section, term, domain):
        """A temperror/permerror: raised when evaluating for a sender; in the counting mode
        recorded (the first one decides) and the evaluation goes on."""
        stop = _Stop(result, cause, section, term, domain)
        if not self.counting:
            raise stop
        self.problems.append('%s: %s%s: %s (RFC 7208 section %s)' % (
            result, '%s in the record of ' % term if term else 'the record of ', domain, cause, section))
        if self.first_error is None:
            self.first_error = stop

    def count_lookup(self, term, domain):
        self.lookups += 1
        if self.lookups == MAX_LOOKUPS + 1:
            self.fail('permerror', 'more than %d DNS lookups (include, a, mx, ptr, exists, redirect, counted '
                      'through includes and redirects)' % MAX_LOOKUPS, '4.6.4', term, domain)

    def count_void(self, term, domain):
        self.void += 1
        if self.void == MAX_VOID_LOOKUPS + 1:
            self.fail('permerror', 'more than %d void lookups (no answer or NXDOMAIN)' % MAX_VOID_LOOKUPS,
                      '4.6.4', term, domain)

    # -- macros (section 7) ----------------------------------------------------------------

    def macro_value(self, letter, domain):
        if self.counting and letter not in SENDER_INDEPENDENT_LETTERS:
            raise _SenderDependent(letter)
        if letter == 's':
            return '%s@%s' % (self.local, self.sender_domain)
        if letter == 'l':
            return self.local
        if letter == 'o':
            return self.sender_domain
        if letter == 'd':
            return domain
        if letter == 'i':
            if self.ip.version == 4:
                return str(self.ip)
            return '.'.join(self.ip.exploded.replace(':', '').upper())
        if letter == 'c':
            return str(self.ip)
        if letter == 'v':
            return 'in-addr' if self.ip.version == 4 else 'ip6'
        if letter == 'h':
            return self.helo
        if letter == 'p':
            return self.validated_name(domain)
        if letter == 'r':
            return self.receiver
        if letter == 't':
            return str(int(time.time()))
        raise SpfError('unknown macro letter %r' % letter, '7.1')  # the parser refuses these first

    def expand(self, spec, domain):
        out = []
        for token in spec.tokens:
            if isinstance(token, str):
                out.append(token)
                continue
            value = self.macro_value(token.letter, domain)
            if token.keep is not None or token.reverse or token.delimiters != '.':
                parts = [value]
                for delimiter in token.delimiters:
                    parts = [piece for part in parts for piece in part.split(delimiter)]
                if token.reverse:
                    parts.reverse()
                if token.keep is not None:
                    parts = parts[-token.keep:]
                value = '.'.join(parts)
            if token.url_escape:
                value = _url_quote(value, safe='~')
            out.append(value)
        return ''.join(out)

    def target(self, spec, domain):
        """The target-name of a domain-spec: expanded, trailing dot dropped, cut to 253 (7.3)."""
        name = self.expand(spec, domain)
        if name.endswith('.'):
            name = name[:-1]
        while len(name) > MAX_DOMAIN_LENGTH and '.' in name:
            name = name.split('.', 1)[1]
        return name

    def validated_name(self, domain):
        """%{p}: a validated name of the client address, preferring domain or a subdomain (7.3)."""
        if self._validated_name is None:
            names = self.validated_names()
            domain_l = domain.lower()
            preferred = [n for n in names if n.lower() == domain_l or n.lower().endswith('.' + domain_l)]
            self._validated_name = (preferred or names or ['unknown'])[0]
        return self._validated_name

    def validated_names(self, ptr=None):
        """PTR names of the client address whose A/AAAA lookup gives it back (5.5); ptr is the
        (status, names) of the PTR lookup when the caller made it."""
        status, names = ptr or self.query(self.ip.reverse_pointer, 'PTR')
        if status != 'ok':
            return []
        out = []
        rdtype = 'A' if self.ip.version == 4 else 'AAAA'
        for name in names[:MAX_NAMES]:
            status, addresses = self.query(name, rdtype)
            if status == 'ok' and any(_same_address(a, self.ip) for a in addresses):
                out.append(name)
        return out


def _same_address(text, ip):
    try:
        return ipaddress.ip_address(text) == ip
    except ValueError:
        return False


def _domain_problem(domain):
    """Why a domain cannot be evaluated (4.3), or None."""
    if not domain:
        return 'the domain is empty'
    if domain.startswith('['):
        return '%s is an address literal, not a domain' % domain
    name = domain[:-1] if domain.endswith('.') else domain
    labels = name.split('.')
    if len(labels) < 2:
        return '%s is not a multi-label domain name' % domain
    if any(not label for label in labels):
        return '%s has an empty label' % domain
    if any(len(label.encode('utf-8', 'surrogateescape')) > 63 for label in labels):
        return '%s has a label longer than 63 characters' % domain
    if len(name) > MAX_DOMAIN_LENGTH:
        return '%s is longer than %d characters' % (domain, MAX_DOMAIN_LENGTH)
    return None


def _name_problem(name):
    """Why a target-name cannot be queried (treated as a name that does not exist), or None."""
    labels = name.split('.')
    if not name or any(not label for label in labels):
        return 'empty label'
    if any(len(label.encode('utf-8', 'surrogateescape')) > 63 for label in labels):
        return 'label longer than 63 characters'
    return None


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, (list, tuple)):
        return b''.join(_as_bytes(v) for v in value)
    return value.encode('utf-8', 'surrogateescape')


def _is_spf_bytes(data):
    head = data[:7].lower()
    return head == b'v=spf1' or head == b'v=spf1 '


class _Evaluator(object):
    def __init__(self, ctx):
        self.ctx = ctx

    # -- check_host ------------------------------------------------------------------------

    def check_host(self, domain, depth, chain, record_text=None):
        ctx = self.ctx
        problem = _domain_problem(domain)
        if problem:
            return _Verdict('none', domain=domain, cause=problem, section='4.3')
        domain = domain[:-1] if domain.endswith('.') else domain
        if record_text is None:
            status, values = ctx.query(domain, 'TXT')
            if status == 'error':
                return self._error('temperror', 'the TXT lookup of %s failed: %s' % (domain, '; '.join(values)),
                                   '4.4', None, domain)
            if status == 'void':
                return _Verdict('none', domain=domain, cause='%s has no TXT records' % domain, section='4.4')
            records = [_as_bytes(v) for v in values if _is_spf_bytes(_as_bytes(v))]
            if not records:
                return _Verdict('none', domain=domain, cause='%s publishes no SPF record' % domain, section='4.5')
            if len(records) > 1:
                return self._error('permerror', '%s publishes %d SPF records; there must be one'
                                   % (domain, len(records)), '4.5', None, domain)
            try:
                record_text = records[0].decode('ascii')
            except UnicodeDecodeError:
                return self._error('permerror', 'the SPF record of %s contains non-ASCII bytes' % domain,
                                   '3.1', None, domain)
        elif any(ord(ch) > 0x7E for ch in record_text):
            return self._error('permerror', 'the SPF record contains non-ASCII characters', '3.1', None, domain)
        if depth == 0:
            ctx.record = record_text
        try:
            record = SpfRecord(record_text).validate()
        except SpfError as exc:
            return self._error('permerror', 'syntax error: %s' % exc, exc.section or '4.6', exc.term, domain)
        return self.evaluate_record(record, domain, depth, chain + (domain.lower(),))

    def _error(self, result, cause, section, term, domain):
        """An error of the record being checked: raised, or recorded in the counting mode."""
        self.ctx.fail(result, cause, section, term, domain)
        return _Verdict(result, term, domain, cause, section)

    def evaluate_record(self, record, domain, depth, chain):
        ctx = self.ctx
        has_all = record.first_all() is not None
        decided = None
        for term in record.terms:
            if term.kind != 'mechanism':
                continue
            if decided is not None:
                if depth == 0 and term.name in _LOOKUP_TERMS:
                    ctx.top_terms.append({'term': term.raw, 'cost': 0, 'void': 0,
                                          'note': 'not evaluated: after "%s" (RFC 7208 5.1)' % decided.term})
                continue
            before = (ctx.lookups, ctx.void)
            entry = {'domain': domain, 'depth': depth, 'term': term.raw}
            ctx.trace.append(entry)
            matched, inner = self.mechanism(term, domain, depth, chain, entry)
            entry['match'] = matched
            if depth == 0 and (term.name in _LOOKUP_TERMS or ctx.lookups != before[0]):
                top = {'term': term.raw, 'cost': ctx.lookups - before[0], 'void': ctx.void - before[1]}
                if entry.get('sender_dependent'):
                    top['sender_dependent'] = True
                ctx.top_terms.append(top)
            if matched:
                result = QUALIFIER_NAMES[term.qualifier or '+']
                path = [{'domain': domain, 'term': term.raw}] + (inner.path if inner else [])
                decided = _Verdict(result, term.raw, domain, path=path)
                if result == 'fail' and not ctx.counting:
                    decided.explanation = self.explanation(record, domain)
        redirect = record.redirect()
        if decided is not None:
            if depth == 0 and redirect is not None and has_all:
                ctx.top_terms.append({'term': redirect.raw, 'cost': 0, 'void': 0,
                                      'note': 'ignored: the record has an "all" (RFC 7208 6.1)'})
            return decided
        if redirect is not None:
            return self.redirect(redirect, domain, depth, chain)
        return _Verdict('neutral', None, domain, cause='no mechanism matched and there is no redirect=',
                        section='4.7')

    def redirect(self, term, domain, depth, chain):
        ctx = self.ctx
        before = (ctx.lookups, ctx.void)
        entry = {'domain': domain, 'depth': depth, 'term': term.raw}
        ctx.trace.append(entry)
        ctx.count_lookup(term.raw, domain)
        verdict = None
        try:
            target = ctx.target(term.spec, domain)
        except _SenderDependent:
            self.sender_dependent(term, domain, entry)
            verdict = _Verdict('neutral', term.raw, domain, cause='the redirect target depends on the sender',
                               section='6.1')
        else:
            entry['target'] = target
            if target.lower() in chain:
                verdict = self._error('permerror', 'redirect loop: %s -> %s never ends, receivers stop after %d '
                                      'lookups' % (' -> '.join(chain), target, MAX_LOOKUPS), '4.6.4', term.raw, domain)
            else:
                inner = self.check_host(target, depth + 1, chain)
                entry['result'] = inner.result
                if inner.result == 'none':
                    verdict = self._error('permerror', 'the redirect target %s has no SPF record (%s)'
                                          % (target, inner.cause), '6.1', term.raw, domain)
                else:
                    verdict = inner
                    verdict.path = [{'domain': domain, 'term': term.raw}] + inner.path
        if depth == 0:
            top = {'term': term.raw, 'cost': ctx.lookups - before[0], 'void': ctx.void - before[1]}
            if entry.get('sender_dependent'):
                top['sender_dependent'] = True
            ctx.top_terms.append(top)
        return verdict

    # -- mechanisms (section 5) ------------------------------------------------------------

    def sender_dependent(self, term, domain, entry):
        entry['sender_dependent'] = True
        self.ctx.dependent.append({'domain': domain, 'term': term.raw})

    def mechanism(self, term, domain, depth, chain, entry):
        """(matched, inner verdict of an include) for one mechanism."""
        ctx = self.ctx
        name = term.name
        if name == 'all':
            return True, None
        if name in ('ip4', 'ip6'):
            if ctx.ip is None:
                return False, None
            return ctx.ip.version == term.network.version and ctx.ip in term.network, None
        ctx.count_lookup(term.raw, domain)
        if name == 'ptr' and ctx.ip is None:
            self.sender_dependent(term, domain, entry)
            ctx.problems.append('%s in the record of %s: ptr should not be used (RFC 7208 5.5); it depends on '
                                'the sender and is slow' % (term.raw, domain))
            return False, None
        try:
            target = ctx.target(term.spec, domain) if term.spec is not None else domain
        except _SenderDependent:
            self.sender_dependent(term, domain, entry)
            if name == 'exists':
                # The usual answer for the senders it does not describe: NXDOMAIN.
                entry['void'] = True
                ctx.count_void(term.raw, domain)
            return False, None
        entry['target'] = target
        if name == 'include':
            return self.include(term, domain, target, depth, chain, entry)
        if _name_problem(target):
            entry['note'] = 'target %r is not a usable DNS name (%s): no match' % (target, _name_problem(target))
            return False, None
        if name == 'exists':
            status, values = self.lookup(term, domain, target, 'A', entry)
            return status == 'ok' and bool(values), None
        if name == 'a':
            rdtype = 'AAAA' if ctx.ip is not None and ctx.ip.version == 6 else 'A'
            status, values = self.lookup(term, domain, target, rdtype, entry)
            return self.addresses_match(values, term), None
        if name == 'mx':
            return self.mx(term, domain, target, entry), None
        return self.ptr(term, domain, target, entry), None

    def lookup(self, term, domain, name, rdtype, entry):
        status, values = self.ctx.query(name, rdtype)
        if status == 'error':
            self.ctx.fail('temperror', '%s %s lookup failed: %s' % (name, rdtype, '; '.join(values)), '5',
                          term.raw, domain)
            return status, []
        if status == 'void':
            entry['void'] = True
            self.ctx.count_void(term.raw, domain)
        return status, values

    def addresses_match(self, addresses, term):
        ip = self.ctx.ip
        if ip is None:
            return False
        prefix = term.cidr4 if ip.version == 4 else term.cidr6
        for text in addresses:
            try:
                net = ipaddress.ip_network('%s/%d' % (text, prefix if prefix is not None
                                                      else (32 if ip.version == 4 else 128)), strict=False)
            except ValueError:
                continue
            if net.version == ip.version and ip in net:
                return True
        return False

    def mx(self, term, domain, target, entry):
        ctx = self.ctx
        status, names = self.lookup(term, domain, target, 'MX', entry)
        if status != 'ok':
            return False
        entry['names'] = len(names)
        if len(names) > MAX_NAMES:
            ctx.fail('permerror', '%s has %d MX records; more than %d is an error' % (target, len(names), MAX_NAMES),
                     '4.6.4', term.raw, domain)
            return False
        if ctx.ip is None:
            return False
        rdtype = 'A' if ctx.ip.version == 4 else 'AAAA'
        for name in names:
            if name in ('.', ''):
                continue  # null MX (RFC 7505)
            status, addresses = ctx.query(name, rdtype)
            if status == 'error':
                ctx.fail('temperror', 'address lookup of MX host %s failed: %s' % (name, '; '.join(addresses)),
                         '5', term.raw, domain)
                return False
            if status == 'ok' and self.addresses_match(addresses, term):
                return True
        return False

    def ptr(self, term, domain, target, entry):
        # A DNS error of the PTR lookup means no match; address errors skip that name (5.5).
        ptr = self.ctx.query(self.ctx.ip.reverse_pointer, 'PTR')
        if ptr[0] == 'void':
            entry['void'] = True
            self.ctx.count_void(term.raw, domain)
        target_l = target.lower()
        for name in self.ctx.validated_names(ptr):
            name_l = name.lower()
            if name_l == target_l or name_l.endswith('.' + target_l):
                return True
        return False

    def include(self, term, domain, target, depth, chain, entry):
        if target.lower() in chain:
            self._error('permerror', 'include loop: %s -> %s never ends, receivers stop after %d lookups'
                        % (' -> '.join(chain), target, MAX_LOOKUPS), '4.6.4', term.raw, domain)
            return False, None
        inner = self.check_host(target, depth + 1, chain)
        entry['result'] = inner.result
        if inner.result == 'pass':
            return True, inner
        if inner.result == 'none':
            self._error('permerror', 'the include target %s has no SPF record (%s); "none" is an error for an '
                        'include' % (target, inner.cause), '5.2', term.raw, domain)
            return False, None
        # fail, softfail, neutral: no match. Errors were raised (or, counting, recorded) inside.
        return False, None

    # -- explanation (section 6.2) ---------------------------------------------------------

    def explanation(self, record, domain):
        """The expanded exp= text, or None: every failure here means "no explanation"."""
        exp = None
        for term in record.modifiers:
            if term.name == 'exp':
                exp = term
        if exp is None:
            return None
        ctx = self.ctx
        try:
            target = ctx.target(exp.spec, domain)
            if _name_problem(target):
                return None
            status, values = ctx.resolver.query(target, 'TXT')
            if status != 'ok' or len(values) != 1:
                return None
            text = _as_bytes(values[0]).decode('ascii')
            return ctx.expand(parse_macro_string(text, MACRO_LETTERS, spaces=True, what='explanation'), domain)
        except (SpfError, UnicodeDecodeError, _SenderDependent):
            return None


def client_address(ip):
    if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        address = ip
    else:
        try:
            address = ipaddress.ip_address(str(ip).strip())
        except ValueError:
            raise ValueError('%r is not an IPv4 or IPv6 address' % (ip,))
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # RFC 7208 5: IPv4-mapped IPv6 is IPv4
    return address


def _run(ctx, domain, record):
    evaluator = _Evaluator(ctx)
    try:
        verdict = evaluator.check_host(domain, 0, (), record)
    except _Stop as stop:
        verdict = _Verdict(stop.result, stop.term, stop.domain, stop.cause, stop.section)
    if ctx.counting and ctx.first_error is not None:
        first = ctx.first_error
        verdict = _Verdict(first.result, first.term, first.domain, first.cause, first.section)
    return SpfEvaluation(verdict, ctx, domain.rstrip('.') if domain else domain, record)


def check_host(resolver, ip, domain, sender=None, helo=None, record=None, receiver=None):
    """The SPF result for a connection from ip with MAIL FROM sender (see the module docstring).

    Raises ValueError when ip is not an address."""
    address = client_address(ip)
    sender = sender or 'postmaster@%s' % (domain or '').rstrip('.')
    ctx = _Context(resolver, address, sender, helo, receiver, counting=False)
    return _run(ctx, domain or '', record)


def evaluate_domain(resolver, domain, record=None):
    """The counting mode: the record of domain for a sender it does not list."""
    ctx = _Context(resolver, None, 'postmaster@%s' % (domain or '').rstrip('.'), None, None, counting=True)
    return _run(ctx, domain or '', record)
