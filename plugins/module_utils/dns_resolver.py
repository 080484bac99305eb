# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one resolver helper of the collection: every module that looks names up (SPF evaluation,
the MX / TLS checks, the propagation check of DNS providers) builds its resolver here.

Public API (needs dnspython: ``deps.DNSPYTHON``)
    ``ARGUMENT_SPEC``: the resolver options (``nameservers``, ``nameserver_port``), documented
        by the doc fragment ``mailsec.cres.dns_resolver``.
    ``DnsConfigError(message, field)``: the options are unusable; ``field`` names the option.
    ``make_resolver(nameservers=None, port=53, timeout=5.0) -> dns.resolver.Resolver``
        nameservers: IP addresses or host names (names are resolved once with the system
        resolver); None or empty uses the system configuration. The resolver asks for DNSSEC
        (DO bit, AD flag) so callers can report the AD bit; nothing is validated here.
    ``Lookup(resolver)``: ``query(name, rdtype) -> (status, values)`` with status ``ok``,
        ``void`` (NXDOMAIN or no answer: a "void lookup" of RFC 7208 4.6.4) or ``error``
        (timeout, SERVFAIL, refused, unusable name; values is then one message). Values: TXT
        as bytes (character-strings joined, RFC 7208 3.3), MX exchange names (``.`` for a null
        MX), A/AAAA addresses, PTR/NS/CNAME target names (no trailing dot).
    ``lookup(nameservers=None, port=53, timeout=5.0) -> Lookup``: both at once.
"""

from __future__ import annotations

import socket

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.flags
    import dns.name
    import dns.rdatatype
    import dns.resolver

ARGUMENT_SPEC = dict(
    nameservers=dict(type='list', elements='str'),
    nameserver_port=dict(type='int', default=53),
)


class DnsConfigError(MailsecError):
    """The resolver configuration is unusable; field names the option."""


def make_resolver(nameservers=None, port=53, timeout=5.0):
    """A dnspython stub resolver for the resolver options (see the module docstring)."""
    if port is None or not 0 < int(port) < 65536:
        raise DnsConfigError('nameserver_port must be a port number between 1 and 65535, got %r' % port,
                             'nameserver_port')
    if timeout is None or float(timeout) <= 0:
        raise DnsConfigError('timeout must be a positive number of seconds, got %r' % timeout, 'timeout')
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        addrs = []
        for ns in nameservers:
            if not isinstance(ns, str) or not ns.strip():
                raise DnsConfigError('nameservers: %r is not an IP address or host name' % (ns,), 'nameservers')
            try:
                infos = socket.getaddrinfo(ns.strip(), None, proto=socket.IPPROTO_UDP)
            except socket.gaierror as exc:
                raise DnsConfigError('nameservers: cannot resolve %r (%s); give IP addresses' % (ns, exc),
                                     'nameservers')
            addrs.append(infos[0][4][0])
        resolver.nameservers = addrs
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise DnsConfigError('no system resolver is configured: set nameservers', 'nameservers')
    resolver.port = int(port)
    resolver.timeout = float(timeout)
    resolver.lifetime = float(timeout) * 2
    resolver.cache = None
    resolver.use_edns(0, dns.flags.DO, 1232)
    resolver.flags = dns.flags.RD | dns.flags.AD
    # Names under test may exist only on these servers: other lookups (MTA-STS host) must use them.
    resolver._mailsec_custom = bool(nameservers)  # pylint: disable=protected-access
    return resolver


def to_name(text):
    """dns.name.Name of a domain given as text, label by label: SPF macro expansion can produce
    labels with characters (spaces, backslashes) that the presentation format would escape."""
    labels = [label.encode('utf-8', 'surrogateescape') for label in text.rstrip('.').split('.')]
    if labels == [b'']:
        return dns.name.root
    return dns.name.Name(labels + [b''])


def _value(rdtype, rdata):
    if rdtype == 'TXT':
        return b''.join(rdata.strings)
    if rdtype == 'MX':
        return '.' if rdata.exchange == dns.name.root else rdata.exchange.to_text(omit_final_dot=True)
    if rdtype in ('A', 'AAAA'):
        return rdata.address
    if rdtype in ('PTR', 'NS', 'CNAME'):
        return rdata.target.to_text(omit_final_dot=True)
    return rdata.to_text()


class Lookup(object):
    """Classified queries over a dnspython resolver (see the module docstring)."""

    def __init__(self, resolver):
        self.resolver = resolver

    def query(self, name, rdtype):
        try:
            qname = to_name(name)
        except dns.exception.DNSException as exc:
            return 'error', ['%s is not a usable DNS name: %s' % (name, exc)]
        try:
            answer = self.resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return 'void', []
        except dns.resolver.NoAnswer:
            return 'void', []
        except dns.resolver.NoNameservers:
            return 'error', ['no name server answered %s %s (SERVFAIL or refused)' % (name, rdtype)]
        except dns.exception.Timeout:
            return 'error', ['DNS timeout looking up %s %s' % (name, rdtype)]
        except dns.exception.DNSException as exc:
            return 'error', ['DNS error looking up %s %s: %s' % (name, rdtype, exc)]
        if answer.rrset is None:
            return 'void', []
        return 'ok', [_value(rdtype, rdata) for rdata in answer.rrset]


def lookup(nameservers=None, port=53, timeout=5.0):
    """A Lookup over make_resolver(nameservers, port, timeout)."""
    return Lookup(make_resolver(nameservers, port, timeout))
