# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure SPF model, parser and editor (RFC 7208). No DNS access, no third-party library.

The editor works on the record text and only ever inserts or removes one term, so every
other byte of the record (spacing, case, order of the other terms) stays as it was.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

MECHANISMS = ('all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists')
LOOKUP_MECHANISMS = ('include', 'a', 'mx', 'ptr', 'exists')
QUALIFIERS = '+-~?'
QUALIFIER_NAMES = {
    '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral',
}
# all_qualifier option values -> qualifier character ('~' alone is YAML null, so names too).
ALL_QUALIFIER_CHOICES = {
    '-': '-', 'fail': '-',
    '~': '~', 'softfail': '~',
    '?': '?', 'neutral': '?',
}
MAX_STRING = 255

_MODIFIER_RE = re.compile(r'^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$', re.S)
_MECHANISM_RE = re.compile(r'^([+\-~?]?)([A-Za-z0-9]+)([:/].*)?$', re.S)
_DOMAIN_RE = re.compile(r'^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*'
                        r'[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$')


class SpfError(MailsecError):
    """The SPF text cannot be parsed or edited as asked.

    ``section`` is the RFC 7208 section the text violates, ``term`` the term at fault (when known).
    """

    def __init__(self, message, section=None, term=None):
        super(SpfError, self).__init__(message)
        self.section = section
        self.term = term


# ---------------------------------------------------------------------------------------
# Macro strings (RFC 7208 section 7.1)

MACRO_LETTERS = 'slodiphcrtv'
# c, r and t may only appear in explanation text (section 7.2).
EXPLANATION_ONLY_LETTERS = 'crt'
DOMAIN_MACRO_LETTERS = 'slodiphv'
MACRO_DELIMITERS = '.-+,/_='
# %% %_ %- stand for a percent sign, a space and a URL-encoded space.
MACRO_ESCAPES = {'%': '%', '_': ' ', '-': '%20'}
_MACRO_RE = re.compile(r'%\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}')
_TOPLABEL_RE = re.compile(r'^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\Z')
_DOMAIN_END_RE = re.compile(r'\.([^.]+)\.?\Z')


class Macro(object):
    """One %{...} macro: letter (lower case), url_escape (upper-case letter), keep (the number
    of right-hand parts, or None), reverse, delimiters (default '.')."""

    __slots__ = ('raw', 'letter', 'url_escape', 'keep', 'reverse', 'delimiters')

    def __init__(self, raw, letter, keep, reverse, delimiters):
        self.raw = raw
        self.letter = letter.lower()
        self.url_escape = letter.isupper()
        self.keep = keep
        self.reverse = reverse
        self.delimiters = delimiters or '.'

    def __repr__(self):
        return 'Macro(%r)' % self.raw


class MacroString(object):
    """A parsed macro-string: ``tokens`` is a list of literal strings and Macro objects.

    The %% %_ %- escapes are literal text here, but ``ends_with_macro`` knows they count as a
    macro-expand for the domain-end rule.
    """

    __slots__ = ('raw', 'tokens', 'ends_with_macro')

    def __init__(self, raw, tokens, ends_with_macro):
        self.raw = raw
        self.tokens = tokens
        self.ends_with_macro = ends_with_macro

    @property
    def macros(self):
        return [t for t in self.tokens if isinstance(t, Macro)]

    @property
    def letters(self):
        return set(m.letter for m in self.macros)


def parse_macro_string(text, letters=MACRO_LETTERS, spaces=False, what='macro-string'):
    """Parse text as a macro-string (or explain-string with ``spaces``); raise SpfError."""
    tokens = []
    literal = []
    ends_with_macro = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '%':
            nxt = text[i + 1:i + 2]
            if nxt in MACRO_ESCAPES:
                literal.append(MACRO_ESCAPES[nxt])
                i += 2
                ends_with_macro = True
                continue
            match = _MACRO_RE.match(text, i)
            if not match:
                raise SpfError('%s %r: "%%" must start %%{letter...}, %%%%, %%_ or %%- (at %r)'
                               % (what, text, text[i:i + 8]), '7.1')
            letter, digits, reverse, delimiters = match.groups()
            if letter.lower() not in letters:
                raise SpfError('%s %r: macro letter %r is not allowed here (allowed: %s)'
                               % (what, text, letter, ', '.join(letters)), '7.1' if letter.lower() in MACRO_LETTERS
                               else '7.2')
            keep = int(digits) if digits else None
            if keep == 0:
                raise SpfError('%s %r: the number of parts in %s must not be 0' % (what, text, match.group(0)),
                               '7.3')
            if literal:
                tokens.append(''.join(literal))
                literal = []
            tokens.append(Macro(match.group(0), letter, keep, bool(reverse), delimiters))
            i = match.end()
            ends_with_macro = True
            continue
        code = ord(ch)
        if not (0x21 <= code <= 0x7E or (spaces and ch == ' ')):
            raise SpfError('%s %r contains the character %r, which SPF does not allow (visible ASCII only)'
                           % (what, text, ch), '7.1')
        literal.append(ch)
        ends_with_macro = False
        i += 1
    if literal:
        tokens.append(''.join(literal))
    return MacroString(text, tokens, ends_with_macro)


def parse_domain_spec(text, letters=DOMAIN_MACRO_LETTERS, what='domain-spec'):
    """Parse a domain-spec: a macro-string that ends in a macro or in "." toplabel ["."]."""
    if not text:
        raise SpfError('%s is empty' % what, '7.1')
    spec = parse_macro_string(text, letters, what=what)
    if not spec.ends_with_macro:
        tail = spec.tokens[-1] if spec.tokens and isinstance(spec.tokens[-1], str) else ''
        match = _DOMAIN_END_RE.search(tail)
        if not match or not _TOPLABEL_RE.match(match.group(1)):
            raise SpfError('%s %r must end in a macro or in a dot and a top-level label (letters, digits and '
                           'inner dashes, not all digits), as in example.com' % (what, text), '7.1')
    return spec


def is_spf(text):
    """True when text is an SPF record: starts with v=spf1 followed by a space or the end."""
    if text is None:
        return False
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    head = text[:7].lower()
    return head == 'v=spf1' or head == 'v=spf1 '


def normalize_domain(name):
    """Lower-case, no trailing dot."""
    return name.strip().rstrip('.').lower()


def validate_include_domain(name):
    """Return the normalized include target or raise SpfError explaining what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise SpfError('include must be a domain name such as res.cisco.com')
    value = name.strip().rstrip('.')
    if '%' in value:
        # Macro-expanded targets are legal in SPF, but editing them is left to the user.
        raise SpfError('include %r contains an SPF macro; give a plain domain name' % name)
    if ' ' in value or not _DOMAIN_RE.match(value):
        raise SpfError('include %r is not a valid domain name (example: res.cisco.com)' % name)
    return value


class Term(object):
    """One term of an SPF record, with its position in the record text."""

    __slots__ = ('raw', 'start', 'end', 'kind', 'qualifier', 'name', 'value', 'spec', 'cidr4', 'cidr6',
                 'network', '_parsed')

    def __init__(self, raw, start, end):
        self.raw = raw
        self.start = start
        self.end = end
        self.spec = self.cidr4 = self.cidr6 = self.network = None
        self._parsed = False
        mod = _MODIFIER_RE.match(raw)
        if mod and ':' not in mod.group(1):
            self.kind = 'modifier'
            self.qualifier = ''
            self.name = mod.group(1).lower()
            self.value = mod.group(2)
            return
        mech = _MECHANISM_RE.match(raw)
        if not mech or mech.group(2).lower() not in MECHANISMS:
            raise SpfError('unknown SPF term %r (RFC 7208 knows %s and name=value modifiers)'
                           % (raw, ', '.join(MECHANISMS)), '4.6.1', raw)
        self.kind = 'mechanism'
        self.qualifier = mech.group(1)
        self.name = mech.group(2).lower()
        rest = mech.group(3) or ''
        self.value = rest[1:] if rest.startswith(':') else rest

    @property
    def domain_spec(self):
        """The target domain of include/exists/a/mx/ptr/redirect (without the CIDR part)."""
        if self.kind == 'modifier':
            return self.value
        value = self.value
        if self.name in ('a', 'mx') and value:
            # a:domain/24//64 or a/24
            value = re.split(r'/', value, maxsplit=1)[0] if not value.startswith('/') else ''
        return value

    def parse(self):
        """Check the term against the RFC 7208 grammar and fill ``spec`` (the MacroString of its
        domain-spec or modifier value), ``cidr4``/``cidr6`` (a, mx) and ``network`` (ip4, ip6).
        Raises SpfError naming the section. Returns self."""
        if not self._parsed:
            try:
                self._parse()
            except SpfError as exc:
                if exc.term is None:
                    exc.term = self.raw
                raise
            self._parsed = True
        return self

    def _parse(self):
        name = self.name
        if self.kind == 'modifier':
            if name in ('redirect', 'exp'):
                self.spec = parse_domain_spec(self.value, what='%s= target' % name)
            else:
                self.spec = parse_macro_string(self.value, what='value of modifier %s=' % name)
            return
        section = MECHANISM_SECTIONS[name]
        rest = self.raw[len(self.qualifier) + len(name):]
        if name == 'all':
            if rest:
                raise SpfError('"all" takes no argument: %r' % self.raw, section)
        elif name in ('include', 'exists'):
            if not rest.startswith(':'):
                raise SpfError('%s needs a domain: %s:example.com' % (name, name), section)
            self.spec = parse_domain_spec(rest[1:], what='%s target' % name)
        elif name == 'ptr':
            if rest:
                if not rest.startswith(':'):
                    raise SpfError('ptr takes an optional ":domain" and no CIDR length: %r' % self.raw, section)
                self.spec = parse_domain_spec(rest[1:], what='ptr target')
        elif name in ('a', 'mx'):
            match = _DUAL_CIDR_RE.search(rest)
            head = rest[:match.start()]
            self.cidr4 = _cidr(match.group(1), 32, self.raw)
            self.cidr6 = _cidr(match.group(2), 128, self.raw)
            if head:
                if not head.startswith(':'):
                    raise SpfError('%s takes ":domain", then "/ip4-length" and "//ip6-length": %r'
                                   % (name, self.raw), section)
                self.spec = parse_domain_spec(head[1:], what='%s target' % name)
        else:  # ip4, ip6
            if not rest.startswith(':'):
                raise SpfError('%s needs a network: %s:%s' % (name, name, '192.0.2.0/24' if name == 'ip4'
                                                              else '2001:db8::/32'), section)
            address, slash, length = rest[1:].partition('/')
            if name == 'ip4':
                if not _IP4_RE.match(address):
                    raise SpfError('ip4 network %r is not a dotted quad such as 192.0.2.0' % address, section)
                prefix = _cidr(length if slash else None, 32, self.raw)
            else:
                try:
                    if '%' in address:
                        raise ValueError(address)
                    ipaddress.IPv6Address(address)
                except ValueError:
                    raise SpfError('ip6 network %r is not an IPv6 address such as 2001:db8::' % address, section)
                prefix = _cidr(length if slash else None, 128, self.raw)
            self.network = ipaddress.ip_network('%s/%d' % (address, 32 if prefix is None and name == 'ip4'
                                                           else 128 if prefix is None else prefix), strict=False)

    def costs_lookup(self):
        if self.kind == 'mechanism':
            return self.name in LOOKUP_MECHANISMS
        return self.name == 'redirect'

    def __repr__(self):
        return 'Term(%r)' % self.raw


MECHANISM_SECTIONS = {'all': '5.1', 'include': '5.2', 'a': '5.3', 'mx': '5.4', 'ptr': '5.5',
                      'ip4': '5.6', 'ip6': '5.6', 'exists': '5.7'}
_DUAL_CIDR_RE = re.compile(r'(?:/([0-9]+))?(?://([0-9]+))?\Z')
_IP4_RE = re.compile(r'^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}'
                     r'(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z')


def _cidr(digits, maximum, raw):
    """A CIDR length of the grammar: no leading zero, at most ``maximum``; None when absent."""
    if digits is None:
        return None
    if not digits or (len(digits) > 1 and digits[0] == '0') or not digits.isdigit() or int(digits) > maximum:
        raise SpfError('CIDR length /%s in %r must be a number from 0 to %d without leading zeros'
                       % (digits, raw, maximum), '5.6')
    return int(digits)


class SpfRecord(object):
    """A parsed SPF record that keeps its original text."""

    def __init__(self, text):
        if isinstance(text, bytes):
            text = text.decode('utf-8')
        if not is_spf(text):
            raise SpfError('not an SPF record (it must start with "v=spf1"): %r' % text[:60])
        self.text = text
        self.terms = []
        for match in re.finditer(r'[^ ]+', text):
            if match.start() == 0:
                continue  # v=spf1
            self.terms.append(Term(match.group(0), match.start(), match.end()))
        self._check_modifiers()

    def _check_modifiers(self):
        for name in ('redirect', 'exp'):
            count = sum(1 for t in self.terms if t.kind == 'modifier' and t.name == name)
            if count > 1:
                raise SpfError('the SPF record has %d %s= modifiers; RFC 7208 allows one' % (count, name), '6')

    def validate(self):
        """Check every term against the grammar (RFC 7208 4.6: a syntax error anywhere in the
        record is a permanent error, even after "all"); raise SpfError. Returns self."""
        for term in self.terms:
            term.parse()
        return self

    @property
    def mechanisms(self):
        return [t for t in self.terms if t.kind == 'mechanism']

    @property
    def modifiers(self):
        return [t for t in self.terms if t.kind == 'modifier']

    def first_all(self):
        for term in self.terms:
            if term.kind == 'mechanism' and term.name == 'all':
                return term
        return None

    def redirect(self):
        for term in self.terms:
            if term.kind == 'modifier' and term.name == 'redirect':
                return term
        return None

    def find_includes(self, domain):
        target = normalize_domain(domain)
        return [t for t in self.terms
                if t.kind == 'mechanism' and t.name == 'include' and normalize_domain(t.value) == target]


def _all_char(all_qualifier):
    if all_qualifier is None:
        return '~'
    key = str(all_qualifier).strip().lower()
    if key not in ALL_QUALIFIER_CHOICES:
        raise SpfError('all_qualifier %r is not one of %s'
                       % (all_qualifier, ', '.join(sorted(ALL_QUALIFIER_CHOICES))))
    return ALL_QUALIFIER_CHOICES[key]


def new_record(include, all_qualifier='softfail'):
    """The record created when there is none: v=spf1 include:X ~all (qualifier chosen)."""
    include = validate_include_domain(include)
    qual = _all_char(all_qualifier)
    return 'v=spf1 include:%s %sall' % (include, qual)


class EditResult(object):
    """What an edit did: text after, and why."""

    __slots__ = ('before', 'after', 'action', 'qualifier')

    def __init__(self, before, after, action, qualifier=None):
        self.before = before
        self.after = after
        self.action = action  # added, created, present, present_qualified, removed, absent
        self.qualifier = qualifier

    @property
    def changed(self):
        return self.before != self.after

    def as_dict(self):
        return {'before': self.before, 'after': self.after, 'action': self.action,
                'changed': self.changed, 'qualifier': self.qualifier}


def add_include(text, include='res.cisco.com', create=False, all_qualifier='softfail'):
    """Ensure include:INCLUDE is in the SPF record text.

    Rules: an include already there with no or ``+`` qualifier -> unchanged; with ``-``, ``~``
    or ``?`` -> unchanged and reported (action ``present_qualified``); otherwise inserted just
    before the first ``all`` term, or, with no ``all``, after the last mechanism and before
    the modifiers. An ``all`` is never added to an existing record.
    ``text`` None or empty -> a new record when ``create`` is true, else SpfError.
    """
    include = validate_include_domain(include)
    if text is None or (isinstance(text, str) and not text.strip()):
        if not create:
            raise SpfError('there is no SPF record; set create=true to create one '
                           '("%s")' % new_record(include, all_qualifier))
        return EditResult(None, new_record(include, all_qualifier), 'created')
    record = SpfRecord(text)
    existing = record.find_includes(include)
    if existing:
        qualified = [t for t in existing if t.qualifier in ('-', '~', '?')]
        passing = [t for t in existing if t.qualifier in ('', '+')]
        if passing:
            return EditResult(record.text, record.text, 'present')
        return EditResult(record.text, record.text, 'present_qualified', qualified[0].qualifier)
    term = 'include:%s' % include
    anchor = record.first_all()
    if anchor is not None:
        after = record.text[:anchor.start] + term + ' ' + record.text[anchor.start:]
    elif record.mechanisms:
        last = record.mechanisms[-1]
        after = record.text[:last.end] + ' ' + term + record.text[last.end:]
    elif record.modifiers:
        first = record.modifiers[0]
        after = record.text[:first.start] + term + ' ' + record.text[first.start:]
    else:
        base = record.text.rstrip(' ')
        after = base + ' ' + term + record.text[len(base):]
    return EditResult(record.text, after, 'added')


def remove_include(text, include='res.cisco.com'):
    """Remove every include:INCLUDE term (any qualifier); nothing else changes."""
    include = validate_include_domain(include)
    if text is None or (isinstance(text, str) and not text.strip()):
        return EditResult(None, None, 'absent')
    record = SpfRecord(text)
    found = record.find_includes(include)
    if not found:
        return EditResult(record.text, record.text, 'absent')
    out = record.text
    for term in sorted(found, key=lambda t: t.start, reverse=True):
        start, end = term.start, term.end
        # remove the term and the spaces before it (there is always "v=spf1" before it)
        while start > 0 and out[start - 1] == ' ':
            start -= 1
        out = out[:start] + out[end:]
    return EditResult(record.text, out, 'removed')


# ---------------------------------------------------------------------------------------
# TXT character-strings


def split_txt(text, size=MAX_STRING):
    """Split text (str or bytes) into byte chunks of at most ``size`` bytes.

    SPF evaluators glue the strings with nothing between them, so splitting happens at
    byte boundaries; no separator is added. An empty text gives one empty string.
    """
    data = text.encode('utf-8') if isinstance(text, str) else bytes(text)
    if not data:
        return [b'']
    return [data[i:i + size] for i in range(0, len(data), size)]


def join_txt(chunks):
    """Joined text of a TXT record given as byte or str chunks."""
    parts = []
    for chunk in chunks:
        parts.append(chunk if isinstance(chunk, bytes) else chunk.encode('utf-8'))
    return b''.join(parts).decode('utf-8', 'surrogateescape')


# Numeric escapes \DDD of the TXT presentation format: decimal (RFC 1035, BIND, PowerDNS) or
# octal (Route 53, which also stores and returns values this way).
NUMERIC_ESCAPES = {'decimal': ('%03d', 10), 'octal': ('%03o', 8)}


def quote_txt(chunks, numeric_escape='decimal'):
    """Presentation format: "chunk" "chunk" with quotes, backslashes, non-printables escaped."""
    fmt = NUMERIC_ESCAPES[numeric_escape][0]
    out = []
    for chunk in chunks:
        data = chunk if isinstance(chunk, bytes) else chunk.encode('utf-8')
        buf = []
        for byte in bytearray(data):
            if byte in (0x22, 0x5C):
                buf.append('\\' + chr(byte))
            elif 0x20 <= byte < 0x7F:
                buf.append(chr(byte))
            else:
                buf.append('\\' + fmt % byte)
        out.append('"%s"' % ''.join(buf))
    return ' '.join(out)


def unquote_txt(content, numeric_escape='decimal'):
    """Parse presentation format ("a" "b" or bare words) into byte chunks."""
    base = NUMERIC_ESCAPES[numeric_escape][1]
    chunks = []
    i = 0
    n = len(content)
    while i < n:
        ch = content[i]
        if ch in ' \t':
            i += 1
            continue
        buf = bytearray()
        quoted = ch == '"'
        if quoted:
            i += 1
        while i < n:
            ch = content[i]
            if quoted and ch == '"':
                i += 1
                break
            if not quoted and ch in ' \t':
                break
            if ch == '\\' and i + 1 < n:
                nxt = content[i + 1]
                if nxt.isdigit() and i + 3 < n + 1 and content[i + 1:i + 4].isdigit():
                    buf.append(int(content[i + 1:i + 4], base))
                    i += 4
                    continue
                buf.extend(nxt.encode('utf-8'))
                i += 2
                continue
            buf.extend(ch.encode('utf-8'))
            i += 1
        else:
            if quoted:
                raise SpfError('unterminated quoted string in TXT content %r' % content[:60])
        chunks.append(bytes(buf))
    return chunks or [b'']


def txt_wire_size(chunks):
    """Bytes one TXT rdata takes on the wire (each string has a length byte)."""
    return sum(len(c if isinstance(c, bytes) else c.encode('utf-8')) + 1 for c in chunks)
