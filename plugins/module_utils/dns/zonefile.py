# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A zone file (for example kept in Git and deployed to the servers), edited in place.

Only the TXT line(s) of the name and the SOA serial change; every other byte of the file
(comments, blank lines, ``$ORIGIN``/``$TTL``/``$INCLUDE``, relative names, record order, a
multi-line SOA) stays as it was. A changed value replaces the text of its record on the same
line; a new value is a new line right after the name's other records; a removed value's line
goes. Where that cannot be done safely (a TXT record spread over several lines in
parentheses, a record in an ``$INCLUDE`` file, a line whose owner name later lines inherit)
the edit is refused with a clear error: the file is never rewritten as a whole.

Before the file is replaced, the edited text is parsed again and compared with the original:
every record other than the name's TXT RRset and the SOA serial must be identical, and the
TXT RRset must be exactly the one asked for.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import (
    Capabilities,
    ConflictError,
    DnsProvider,
    TxtChange,
    TxtRRset,
    TxtValue,
    UnsafeEditError,
    fqdn,
    split_change,
)
from ansible_collections.mailsec.cres.plugins.module_utils.spf import normalize_domain, quote_txt

with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.name
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.ttl
    import dns.zone

ENCODING = 'utf-8'
_INCLUDE_RE = re.compile(r'^(\$INCLUDE[ \t]+)("[^"]*"|[^ \t\r\n;]+)', re.M | re.I)
# Keep every byte, even ones that are not UTF-8 (they round-trip unchanged).
ERRORS = 'surrogateescape'


class Token(object):
    __slots__ = ('line', 'start', 'end', 'text')

    def __init__(self, line, start, end, text):
        self.line = line
        self.start = start
        self.end = end
        self.text = text


class Entry(object):
    """One record (or directive) of the file: its physical lines and tokens."""

    __slots__ = ('first', 'last', 'tokens', 'blank_owner', 'owner', 'rdtype', 'rdata_index', 'origin')

    def __init__(self, first, last, tokens, blank_owner):
        self.first = first
        self.last = last
        self.tokens = tokens
        self.blank_owner = blank_owner
        self.owner = None
        self.rdtype = None
        self.rdata_index = None
        self.origin = None

    @property
    def rdata_tokens(self):
        return self.tokens[self.rdata_index:]

    @property
    def single_line(self):
        return self.first == self.last


class ZoneScanError(MailsecError):
    """The zone file has a construct the in-place editor does not handle."""


def _split_records(lines):
    """Group physical lines into entries (a record in parentheses spans several lines)."""
    entries = []
    depth = 0
    current = None
    for index, line in enumerate(lines):
        body = line.rstrip('\r\n')
        i = 0
        n = len(body)
        tokens = current.tokens if current is not None else []
        starts_blank = bool(body[:1]) and body[:1] in ' \t'
        while i < n:
            ch = body[i]
            if ch in ' \t':
                i += 1
            elif ch == ';':
                break
            elif ch == '(':
                depth += 1
                i += 1
            elif ch == ')':
                depth -= 1
                if depth < 0:
                    raise ZoneScanError('line %d: ")" without "("' % (index + 1))
                i += 1
            else:
                start = i
                if ch == '"':
                    i += 1
                    while i < n and body[i] != '"':
                        i += 2 if body[i] == '\\' else 1
                    if i >= n:
                        raise ZoneScanError('line %d: unterminated quoted string' % (index + 1))
                    i += 1
                else:
                    while i < n and body[i] not in ' \t;()"':
                        i += 2 if body[i] == '\\' else 1
                tokens.append(Token(index, start, min(i, n), body[start:min(i, n)]))
        if current is None:
            if tokens:
                current = Entry(index, index, tokens, starts_blank)
        if current is not None:
            current.last = index
            if depth == 0:
                entries.append(current)
                current = None
    if current is not None:
        raise ZoneScanError('line %d: "(" never closed' % (current.first + 1))
    return entries


def _is_ttl(text):
    try:
        dns.ttl.from_text(text)
        return True
    except Exception:  # pylint: disable=broad-except
        return False


def _is_class(text):
    try:
        dns.rdataclass.from_text(text)
        return not text.isdigit()
    except Exception:  # pylint: disable=broad-except
        return False


def _is_ttl_or_class(text):
    return _is_ttl(text) or _is_class(text)


def scan(text, origin):
    """Entries of the records of this file (not of $INCLUDE files), with owner, type, origin."""
    lines = text.splitlines(True)
    entries = _split_records(lines)
    origin_name = dns.name.from_text(fqdn(origin))
    owner = None
    records = []
    includes = []
    for entry in entries:
        first = entry.tokens[0]
        if not entry.blank_owner and first.text.startswith('$'):
            directive = first.text.upper()
            if directive == '$ORIGIN' and len(entry.tokens) > 1:
                origin_name = dns.name.from_text(entry.tokens[1].text, origin_name)
            elif directive == '$INCLUDE':
                includes.append(entry)
            continue
        index = 0
        if not entry.blank_owner:
            name_text = first.text
            owner = origin_name if name_text == '@' else dns.name.from_text(name_text, origin_name)
            index = 1
        if owner is None:
            raise ZoneScanError('line %d: a record without owner name before any named record' % (entry.first + 1))
        while index < len(entry.tokens) - 1 and _is_ttl_or_class(entry.tokens[index].text):
            index += 1
        try:
            rdtype = dns.rdatatype.from_text(entry.tokens[index].text)
        except Exception:  # pylint: disable=broad-except
            raise ZoneScanError('line %d: no record type found' % (entry.first + 1))
        entry.owner = owner
        entry.rdtype = rdtype
        entry.rdata_index = index + 1
        entry.origin = origin_name
        records.append(entry)
    return lines, records, includes


def _rdata_text(lines, entry):
    return ' '.join(t.text for t in entry.rdata_tokens)


class ZoneFileProvider(DnsProvider):
    """A zone file: locked, edited in place (TXT lines and SOA serial only), replaced atomically."""

    name = 'zonefile'
    capabilities = Capabilities(atomic_precondition=True, served_live=False)

    def __init__(self, path, zone=None):
        self.path = path
        self.zone_name = normalize_domain(zone) if zone else None

    @classmethod
    def from_params(cls, params):
        p = params
        return cls(p['path'], p['zone'])

    @staticmethod
    def libraries(params):
        return [deps.DNSPYTHON]

    # -------------------------------------------------------------------- reading

    def _read_bytes(self, zone=None, name=None):
        try:
            with open(self.path, 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            raise self.error('zone file %s does not exist; check path' % self.path, zone, name)
        except OSError as exc:
            raise self.error('cannot read zone file %s: %s' % (self.path, exc), zone, name)

    def _absolute_includes(self, text):
        """The text with relative $INCLUDE paths made relative to the zone file (as servers read them)."""
        directory = os.path.dirname(os.path.abspath(self.path))

        def absolute(match):
            target = match.group(2)
            quoted = target.startswith('"')
            bare = target.strip('"')
            if os.path.isabs(bare):
                return match.group(0)
            full = os.path.join(directory, bare)
            return match.group(1) + ('"%s"' % full if quoted else full)
        return _INCLUDE_RE.sub(absolute, text)

    def _parse(self, text, zone, name):
        origin = fqdn(zone) if zone else None
        text = self._absolute_includes(text)
        try:
            return dns.zone.from_text(text, origin=origin, relativize=False, filename=self.path,
                                      allow_include=True, check_origin=True)
        except dns.zone.UnknownOrigin:
            raise self.error('zone file %s has no $ORIGIN; set zone' % self.path, zone, name)
        except (dns.exception.DNSException, OSError, UnicodeError) as exc:
            raise self.error('cannot parse zone file %s: %s' % (self.path, exc), zone, name)

    @staticmethod
    def _decode(data):
        return data.decode(ENCODING, ERRORS)

    def discover_zone(self, name):
        if self.zone_name:
            return self.zone_name
        parsed = self._parse(self._decode(self._read_bytes(None, name)), None, name)
        return parsed.origin.to_text(omit_final_dot=True).lower()

    def read_txt(self, zone, name):
        data = self._read_bytes(zone, name)
        parsed = self._parse(self._decode(data), zone, name)
        rdataset = parsed.get_rdataset(fqdn(name), dns.rdatatype.TXT)
        version = hashlib.sha256(data).hexdigest()
        if rdataset is None:
            return TxtRRset(name, None, [], version=version)
        return TxtRRset(name, rdataset.ttl, [TxtValue(r.strings, native=r) for r in rdataset], version=version)

    # -------------------------------------------------------------------- editing

    @staticmethod
    def _bump(serial):
        return (serial + 1) % (2 ** 32) or 1

    def edit_text(self, text, zone, name, removed, added, ttl):
        """The file text with ``removed`` TXT values of name replaced/removed and ``added`` ones added.

        Pure function of the text (no I/O), raising UnsafeEditError where an in-place edit is
        not safe.
        """
        def unsafe(msg):
            return self.error(msg, zone, name, cls=UnsafeEditError)

        try:
            lines, records, includes = scan(text, zone)
        except ZoneScanError as exc:
            raise unsafe('cannot edit zone file %s in place: %s' % (self.path, exc))
        owner = dns.name.from_text(fqdn(name))
        txt_entries = []
        for entry in records:
            if entry.owner == owner and entry.rdtype == dns.rdatatype.TXT:
                try:
                    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT,
                                                _rdata_text(lines, entry), entry.origin)
                except dns.exception.DNSException as exc:
                    raise unsafe('line %d: cannot read the TXT record: %s' % (entry.first + 1, exc))
                txt_entries.append((entry, rdata))
        located = []
        for value in removed:
            match = next((pair for pair in txt_entries if pair[1] == value.native and pair not in located), None)
            if match is None:
                where = ' (the zone file has $INCLUDE: edit the included file by hand)' if includes else ''
                raise unsafe('the TXT value %r is not written in %s itself%s' % (value.text, self.path, where))
            located.append(match)
        replacements = []   # (line, start, end, new text)
        deletions = []      # entries
        insertions = []     # (after line, text)
        for index, (entry, _rdata) in enumerate(located):
            if index < len(added):
                if not entry.single_line:
                    raise unsafe('the TXT record on lines %d-%d of %s is spread over several lines in parentheses, '
                                 'so it cannot be edited in place without rewriting it; put it on one line by hand '
                                 'and run again' % (entry.first + 1, entry.last + 1, self.path))
                tokens = entry.rdata_tokens
                replacements.append((entry.first, tokens[0].start, tokens[-1].end, quote_txt(added[index].chunks)))
            else:
                deletions.append(entry)
        for entry in deletions:
            following = next((r for r in records if r.first > entry.last), None)
            if not entry.blank_owner and following is not None and following.blank_owner:
                raise unsafe('line %d of %s names the owner that the record on line %d inherits, so its line cannot '
                             'be removed in place; write the owner on line %d by hand and run again'
                             % (entry.first + 1, self.path, following.first + 1, following.first + 1))
        extra = added[len(located):]
        if extra:
            same_owner = [r for r in records if r.owner == owner]
            remaining_txt = [e for e, _r in txt_entries if e not in deletions]
            anchor = remaining_txt[-1] if remaining_txt else (same_owner[-1] if same_owner else None)
            newline = _newline(lines)
            for value in reversed(extra):
                if anchor is not None:
                    first_line = lines[anchor.first].rstrip('\r\n')
                    if anchor.rdtype == dns.rdatatype.TXT and anchor.single_line:
                        prefix = first_line[:anchor.rdata_tokens[0].start]
                    else:
                        owner_field = first_line[:anchor.tokens[0].end] if not anchor.blank_owner else \
                            first_line[:len(first_line) - len(first_line.lstrip(' \t'))]
                        prefix = '%s %d IN TXT ' % (owner_field, ttl)
                    insertions.append((anchor.last, prefix + quote_txt(value.chunks) + newline))
                else:
                    insertions.append((len(lines) - 1, '%s %d IN TXT %s%s' % (
                        fqdn(name), ttl, quote_txt(value.chunks), newline)))
        # SOA serial: only the digits of the serial change.
        soa = next((r for r in records if r.rdtype == dns.rdatatype.SOA), None)
        if soa is None or len(soa.rdata_tokens) < 3 or not soa.rdata_tokens[2].text.isdigit():
            raise unsafe('no SOA record with a numeric serial in %s itself; cannot bump the serial' % self.path)
        serial_token = soa.rdata_tokens[2]
        replacements.append((serial_token.line, serial_token.start, serial_token.end,
                             str(self._bump(int(serial_token.text)))))
        out = list(lines)
        if out and not out[-1].endswith(('\n', '\r')) and insertions:
            out[-1] += _newline(lines)
        for line, start, end, new in sorted(replacements, key=lambda r: (r[0], r[1]), reverse=True):
            out[line] = out[line][:start] + new + out[line][end:]
        drop = set()
        for entry in deletions:
            drop.update(range(entry.first, entry.last + 1))
        for after, new in sorted(insertions, key=lambda i: i[0], reverse=True):
            out.insert(after + 1, new)
            drop = set(d + 1 if d > after else d for d in drop)
        return ''.join(line for i, line in enumerate(out) if i not in drop), int(serial_token.text)

    def _verify(self, before_text, after_text, zone, name, expected_values, old_serial):
        """The edited file holds exactly the original records, the wanted TXT RRset and a bumped serial."""
        before = self._parse(before_text, zone, name)
        after = self._parse(after_text, zone, name)
        owner = dns.name.from_text(fqdn(name))

        def rrsets(parsed):
            out = {}
            for node_name, node in parsed.nodes.items():
                for rdataset in node.rdatasets:
                    out[(node_name, rdataset.rdtype, rdataset.covers)] = rdataset
            return out
        old_sets = rrsets(before)
        new_sets = rrsets(after)
        txt_key = (owner, dns.rdatatype.TXT, dns.rdatatype.NONE)
        soa_key = (after.origin, dns.rdatatype.SOA, dns.rdatatype.NONE)
        problems = []
        for key in set(old_sets) | set(new_sets):
            if key in (txt_key, soa_key):
                continue
            old, new = old_sets.get(key), new_sets.get(key)
            if old is None or new is None or old != new or old.ttl != new.ttl:
                problems.append('%s %s' % (key[0], dns.rdatatype.to_text(key[1])))
        got = sorted(tuple(r.strings) for r in new_sets.get(txt_key, []))
        if got != sorted(v.chunks for v in expected_values):
            problems.append('%s TXT' % owner)
        soa_old, soa_new = old_sets.get(soa_key), new_sets.get(soa_key)
        if soa_new is None or soa_old is None or \
                soa_new[0] != soa_old[0].replace(serial=self._bump(old_serial)):
            problems.append('SOA')
        if problems:
            raise self.error('editing zone file %s in place would change more than the TXT records of the name and '
                             'the serial (%s); nothing was written. Please report this with the file'
                             % (self.path, ', '.join(sorted(problems))), zone, name, cls=UnsafeEditError)

    def replace_txt(self, zone, name, old, new_values, ttl):
        kept, removed, added = split_change(old.values, new_values)
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            lock = open(self.path, 'rb')
        except OSError as exc:
            raise self.error('cannot open zone file %s: %s' % (self.path, exc), zone, name)
        with lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            data = self._read_bytes(zone, name)
            if old.version is not None and hashlib.sha256(data).hexdigest() != old.version:
                raise self.error('zone file %s changed since it was read' % self.path, zone, name, cls=ConflictError)
            text = self._decode(data)
            new_text, old_serial = self.edit_text(text, zone, name, removed, added,
                                                  old.ttl if old.values and old.ttl is not None else ttl)
            self._verify(text, new_text, zone, name, kept + added, old_serial)
            mode = os.stat(self.path).st_mode & 0o7777
            fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), dir=directory)
            try:
                with os.fdopen(fd, 'wb') as out:
                    out.write(new_text.encode(ENCODING, ERRORS))
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, mode)
                os.replace(tmp, self.path)
            except OSError as exc:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise self.error('cannot write zone file %s: %s' % (self.path, exc), zone, name)
        return TxtChange(removed, added, details={'serial': self._bump(old_serial)})


def _newline(lines):
    for line in lines:
        match = re.search(r'\r?\n$', line)
        if match:
            return match.group(0)
    return '\n'
