# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAT sender entries: validation, normalisation, and CRES coverage. Standard library only.

A sender group lists "senders": IPv4/IPv6 addresses and CIDR networks, partial hostnames
(``.example.com``: any host whose reverse-DNS name ends with ``.example.com``) and full
hostnames. User input is validated here, before anything is sent to an appliance; entries
read back from an appliance are parsed tolerantly (anything else the box accepts, such as
``sbrs[-10.0:-3.0]`` or ``10.1.1.10-20``, is kept as an opaque ``other`` entry).
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

# The published CRES hostnames and addresses (the table of the CRES technote, restated in the
# project's seed README). Cisco says they may change and not all of them are used.
CRES_PUBLISHED = (
    ('res.cisco.com', '184.94.241.74', 'A'),
    ('mxnat1.res.cisco.com', '208.90.57.32', 'A'),
    ('mxnat2.res.cisco.com', '208.90.57.33', 'A'),
    ('mxnat3.res.cisco.com', '184.94.241.96', 'A'),
    ('mxnat4.res.cisco.com', '184.94.241.97', 'A'),
    ('mxnat5.res.cisco.com', '184.94.241.98', 'A'),
    ('mxnat6.res.cisco.com', '184.94.241.99', 'A'),
    ('mxnat7.res.cisco.com', '208.90.57.34', 'A'),
    ('mxnat8.res.cisco.com', '208.90.57.35', 'A'),
    ('esa1.cres.iphmx.com', '68.232.140.79', 'MX'),
    ('esa2.cres.iphmx.com', '68.232.140.57', 'MX'),
    ('esa3.cres.iphmx.com', '68.232.135.234', 'MX'),
    ('esa4.cres.iphmx.com', '68.232.135.235', 'MX'),
)

# The senders the CRES procedure puts in the sender group.
DEFAULT_CRES_SENDERS = ('.res.cisco.com', '.cres.iphmx.com', '208.90.57.0/26', '204.15.81.0/26')

KINDS = ('ipv4', 'ipv6', 'ipv4_network', 'ipv6_network', 'domain_suffix', 'hostname', 'other')

Sender = namedtuple('Sender', ['kind', 'value', 'network'])
"""kind: one of KINDS; value: normalised text (what is sent and compared);
network: an ipaddress network for address kinds, else None."""

_LABEL = r'(?!-)[a-z0-9_-]{1,63}(?<!-)'
_HOSTNAME_RE = re.compile(r'^%s(?:\.%s)*$' % (_LABEL, _LABEL))
_IPV4_LIKE_RE = re.compile(r'^[0-9][0-9./-]*$')

ACCEPTED_FORMS = ('an IPv4 or IPv6 address (192.0.2.1, 2001:db8::1), a CIDR network '
                  '(208.90.57.0/26, 2001:db8::/32), a partial hostname (.res.cisco.com) '
                  'or a hostname (mail.example.com)')


class SenderError(MailsecError, ValueError):
    """A sender entry is not valid; the message names the entry and what is wrong. A ValueError
    too: the dialog script builders report bad input as ValueError."""


def _network_entry(text):
    """Parse an address or CIDR network; raise SenderError when it looks like one but is bad."""
    if '/' in text:
        addr, _sep, prefix = text.partition('/')
        if not prefix.isdigit():
            raise SenderError('%r: the prefix length after "/" must be a number' % text)
        try:
            host = ipaddress.ip_address(addr)
        except ValueError:
            raise SenderError('%r is not a valid CIDR network: %r is not an IP address' % (text, addr))
        try:
            net = ipaddress.ip_network('%s/%s' % (host, int(prefix)), strict=True)
        except ValueError as exc:
            if 'host bits set' in str(exc):
                suggestion = ipaddress.ip_network('%s/%s' % (host, int(prefix)), strict=False)
                raise SenderError('%r is not a valid CIDR network: it has host bits set; did you mean %s?'
                                  % (text, suggestion))
            raise SenderError('%r is not a valid CIDR network: prefix length must be 0-%d'
                              % (text, host.max_prefixlen))
        kind = 'ipv4_network' if net.version == 4 else 'ipv6_network'
        return Sender(kind, net.compressed, net)
    host = ipaddress.ip_address(text)  # ValueError handled by caller
    kind = 'ipv4' if host.version == 4 else 'ipv6'
    return Sender(kind, host.compressed, ipaddress.ip_network(host))


def validate_sender(value):
    """Validate one user-given sender entry and return its normalised Sender.

    Raises SenderError with a message naming the entry and the accepted forms.
    """
    if not isinstance(value, str):
        raise SenderError('%r is not a string; expected %s' % (value, ACCEPTED_FORMS))
    text = value.strip()
    if not text:
        raise SenderError('an empty entry is not a sender; expected %s' % ACCEPTED_FORMS)
    if ',' in text or any(c.isspace() for c in text):
        raise SenderError('%r holds a comma or blank; give one sender per list item' % value)
    low = text.lower()
    if ':' in low or '/' in low:
        try:
            return _network_entry(low)
        except SenderError:
            raise
        except ValueError:
            raise SenderError('%r is not a valid IP address or CIDR network' % value)
    try:
        return _network_entry(low)
    except ValueError:
        pass
    if _IPV4_LIKE_RE.match(low):
        raise SenderError('%r is not a valid IP address (ranges such as 10.1.1.10-20 and partial '
                          'subnets such as 10.2.3. are not managed by this module; use a CIDR network)'
                          % value)
    name = low.rstrip('.') if not low.startswith('.') else low
    if name.startswith('.'):
        body = name[1:].rstrip('.')
        if not body or not _HOSTNAME_RE.match(body):
            raise SenderError('%r is not a valid partial hostname; expected a form like .example.com' % value)
        return Sender('domain_suffix', '.' + body, None)
    if len(name) > 253 or not _HOSTNAME_RE.match(name) or re.match(r'^[0-9-]+$', name.rsplit('.', 1)[-1]):
        raise SenderError('%r is not a valid sender; expected %s' % (value, ACCEPTED_FORMS))
    return Sender('hostname', name, None)


def validate_senders(values, field='senders'):
    """Validate a list of user entries; return the normalised Senders, duplicates removed.

    Raises SenderError naming the field and the position of the first bad entry.
    """
    if values is None:
        return []
    out = []
    seen = set()
    for index, value in enumerate(values):
        try:
            sender = validate_sender(value)
        except SenderError as exc:
            raise SenderError('%s[%d]: %s' % (field, index, exc))
        if sender.value not in seen:
            seen.add(sender.value)
            out.append(sender)
    return out


def parse_sender(value):
    """Parse an entry read back from an appliance. Never raises: unknown forms become 'other'."""
    try:
        return validate_sender(value)
    except SenderError:
        return Sender('other', str(value).strip().lower(), None)


def normalize_senders(values):
    """Normalised values of entries read back from an appliance (order kept, duplicates removed)."""
    out = []
    for value in values or ():
        norm = parse_sender(value).value
        if norm not in out:
            out.append(norm)
    return out


def hostname_matches(sender, hostname):
    """True when a hostname sender entry matches hostname (both normalised Senders/str).

    Assumption (AsyncOS behaviour, not confirmed): ``.example.com`` matches any name that
    ends with ``.example.com`` (not ``example.com`` itself); a full hostname matches itself.
    """
    hostname = hostname.lower().rstrip('.')
    if sender.kind == 'domain_suffix':
        return hostname.endswith(sender.value)
    if sender.kind == 'hostname':
        return hostname == sender.value
    return False


def address_matches(sender, address):
    if sender.network is None:
        return False
    ip = ipaddress.ip_address(address)
    return ip.version == sender.network.version and ip in sender.network


def cres_coverage(senders, table=CRES_PUBLISHED):
    """Which published CRES addresses a list of senders covers, and how.

    senders: strings or Senders. Returns a dict:
      by_address: entries matched by an address or network sender (independent of DNS);
      by_hostname_only: entries matched only through a hostname sender, that is only when the
        appliance's reverse-DNS lookup of the connecting address returns that name;
      not_covered: entries matched by neither;
      complete_by_address: True when every published address is matched by address.
    Each entry: {host, address, record, matched_by: [sender values]}.
    """
    parsed = [s if isinstance(s, Sender) else parse_sender(s) for s in senders or ()]
    result = {'by_address': [], 'by_hostname_only': [], 'not_covered': []}
    for host, address, record in table:
        by_addr = [s.value for s in parsed if address_matches(s, address)]
        by_name = [s.value for s in parsed if hostname_matches(s, host)]
        entry = {'host': host, 'address': address, 'record': record}
        if by_addr:
            entry['matched_by'] = by_addr
            result['by_address'].append(entry)
        elif by_name:
            entry['matched_by'] = by_name
            result['by_hostname_only'].append(entry)
        else:
            entry['matched_by'] = []
            result['not_covered'].append(entry)
    result['complete_by_address'] = not result['by_hostname_only'] and not result['not_covered']
    return result
