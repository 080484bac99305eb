# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 2136 dynamic update (BIND, PowerDNS, Knot, Windows/AD DNS, Infoblox, ...).

Reads go straight to the primary server; writes are one UPDATE whose value-dependent
prerequisite says "the TXT RRset at NAME is exactly what was read", so the server applies
it atomically or answers NXRRSET (a real compare-and-swap). Requests are signed with an HMAC
TSIG key, with GSS-TSIG (Kerberos, ``tsig_algorithm=gss-tsig``), or not at all.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.dns import gss_tsig
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import (
    AuthenticationError,
    Capabilities,
    ConflictError,
    DnsProvider,
    TxtChange,
    TxtRRset,
    TxtValue,
    ZoneNotFoundError,
    fqdn,
    in_zone,
    split_change,
)

with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.tsig
    import dns.tsigkeyring
    import dns.update

HMAC_ALGORITHMS = ('hmac-sha256', 'hmac-sha512', 'hmac-sha384', 'hmac-sha224', 'hmac-sha1', 'hmac-md5')
GSS_TSIG = 'gss-tsig'
TSIG_ALGORITHMS = HMAC_ALGORITHMS + (GSS_TSIG,)


def make_txt_rdata(chunks):
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, list(chunks))


class HmacTsig(object):
    """A shared-secret TSIG key."""

    def __init__(self, key_name, key_secret, algorithm):
        try:
            self.keyring = dns.tsigkeyring.from_text({key_name: (algorithm, key_secret)})
        except Exception as exc:
            raise ValueError('tsig_key_secret is not a valid base64 TSIG secret (%s); copy the "secret" of the key '
                             'from the server configuration' % exc.__class__.__name__)
        self.keyname = dns.name.from_text(key_name)
        self.algorithm = dns.name.from_text(algorithm)
        self.identity = 'TSIG key %s' % key_name

    def ready(self):
        return self


class GssTsig(object):
    """A GSS-TSIG key negotiated on first use (one TKEY exchange per provider object)."""

    def __init__(self, server, port, server_name, principal, keytab, timeout):
        self.context = gss_tsig.GssTsigContext(server, port, server_name, principal, keytab, timeout)
        self.identity = 'Kerberos principal %s' % (principal or '(from the ticket cache)')

    @property
    def keyring(self):
        return self.context.keyring

    @property
    def keyname(self):
        return self.context.keyname

    @property
    def algorithm(self):
        return dns.tsig.GSS_TSIG

    def ready(self):
        if self.context.keyring is None:
            self.context.establish()
            self.identity = 'Kerberos principal %s' % self.context.initiator
        return self


class RFC2136Provider(DnsProvider):
    """Dynamic DNS update (RFC 2136) with TSIG or GSS-TSIG; reads straight from the primary server."""

    name = 'rfc2136'
    capabilities = Capabilities(atomic_precondition=True, served_live=True)

    def __init__(self, server, port=53, key_name=None, key_secret=None, key_algorithm='hmac-sha256',
                 timeout=10.0, kerberos_principal=None, kerberos_keytab=None, kerberos_server_name=None):
        self.server = server
        self.port = port
        self.timeout = timeout
        self.auth = None
        if key_algorithm == GSS_TSIG:
            if key_name or key_secret:
                raise self.error('tsig_key_name and tsig_key_secret are for HMAC keys; with tsig_algorithm=gss-tsig '
                                 'the key is negotiated with Kerberos, remove them')
            if kerberos_keytab and not kerberos_principal:
                raise self.error('kerberos_keytab needs kerberos_principal (the principal whose key it holds)')
            server_name = kerberos_server_name or server
            if _is_address(server_name):
                raise self.error('server %s is an address; GSS-TSIG needs the DNS server host name of its Kerberos '
                                 'principal DNS/HOST: set kerberos_server_name (or server) to it' % server)
            self.auth = GssTsig(server, port, server_name.rstrip('.'), kerberos_principal, kerberos_keytab, timeout)
        elif kerberos_principal or kerberos_keytab:
            raise self.error('kerberos_principal and kerberos_keytab need tsig_algorithm=gss-tsig')
        elif key_name:
            if not key_secret:
                raise self.error('tsig_key_name is set but tsig_key_secret is not; give both or neither')
            try:
                self.auth = HmacTsig(key_name, key_secret, key_algorithm)
            except ValueError as exc:
                raise self.error(str(exc))

    @classmethod
    def from_params(cls, params):
        p = params
        return cls(p['server'], p['port'], p['tsig_key_name'], p['tsig_key_secret'], p['tsig_algorithm'],
                   timeout=p['timeout'], kerberos_principal=p['kerberos_principal'],
                   kerberos_keytab=p['kerberos_keytab'], kerberos_server_name=p['kerberos_server_name'])

    @staticmethod
    def libraries(params):
        return [deps.DNSPYTHON] + ([deps.GSSAPI] if params.get('tsig_algorithm') == GSS_TSIG else [])

    @property
    def propagation_port(self):
        return self.port

    # -------------------------------------------------------------------- transport

    def _sign(self, message, zone, name):
        if self.auth:
            auth = self._ready(zone, name)
            message.use_tsig(auth.keyring, keyname=auth.keyname, algorithm=auth.algorithm)
        return message

    def _ready(self, zone, name):
        try:
            return self.auth.ready()
        except gss_tsig.GssTsigFailure as exc:
            raise self.error('%s (server %s port %s)' % (exc, self.server, self.port), zone, name,
                             cls=AuthenticationError)
        except dns.tsig.BadTime:
            raise self.error('Kerberos negotiation (TKEY) with %s port %s: the server\'s signed answer is outside '
                             'the allowed time window; %s' % (self.server, self.port, gss_tsig.CLOCK_HINT), zone, name,
                             cls=AuthenticationError)
        except dns.exception.Timeout:
            raise self.error('Kerberos negotiation (TKEY): no answer from %s port %s within %ss'
                             % (self.server, self.port, self.timeout), zone, name)
        except (OSError, dns.exception.DNSException) as exc:
            raise self.error('Kerberos negotiation (TKEY) with %s port %s failed: %s'
                             % (self.server, self.port, exc or exc.__class__.__name__), zone, name,
                             cls=AuthenticationError)

    def _send(self, message, what, zone, name):
        where = '%s port %s' % (self.server, self.port)
        identity = self.auth.identity if self.auth else 'unsigned requests'
        try:
            return dns.query.tcp(message, self.server, port=self.port, timeout=self.timeout)
        except dns.tsig.PeerBadKey:
            raise self.error('%s: the server at %s does not know the key of %s; check tsig_key_name and '
                             'tsig_algorithm' % (what, where, identity), zone, name, cls=AuthenticationError)
        except (dns.tsig.PeerBadSignature, dns.tsig.BadSignature):
            raise self.error('%s: the server at %s rejected the TSIG signature (%s); check tsig_key_secret and '
                             'tsig_algorithm' % (what, where, identity), zone, name, cls=AuthenticationError)
        except (dns.tsig.PeerBadTime, dns.tsig.BadTime):
            raise self.error('%s: the server at %s says the request time is off (BADTIME); %s'
                             % (what, where, gss_tsig.CLOCK_HINT), zone, name, cls=AuthenticationError)
        except dns.tsig.PeerError as exc:
            raise self.error('%s: TSIG error from %s (%s)' % (what, where, exc.__class__.__name__), zone, name,
                             cls=AuthenticationError)
        except dns.exception.Timeout:
            raise self.error('%s: no answer from DNS server %s within %ss; check server and port'
                             % (what, where, self.timeout), zone, name)
        except ConnectionRefusedError:
            raise self.error('%s: connection refused by %s; is the DNS server running? check server and port'
                             % (what, where), zone, name)
        except OSError as exc:
            raise self.error('%s: cannot reach DNS server %s: %s; check server and port' % (what, where, exc),
                             zone, name)
        except dns.exception.DNSException as exc:
            raise self.error('%s: DNS error talking to %s: %s' % (what, where, exc), zone, name)

    def _check_rcode(self, response, what, zone, name):
        rcode = response.rcode()
        identity = self.auth.identity if self.auth else 'unsigned requests'
        if rcode == dns.rcode.NOTAUTH:
            raise self.error('%s: the server at %s port %s answered NOTAUTH: it is not authoritative for the zone or '
                             'did not accept %s; check zone, server and the tsig_*/kerberos_* options'
                             % (what, self.server, self.port, identity), zone, name, cls=AuthenticationError)
        if rcode == dns.rcode.REFUSED:
            raise self.error('%s: the server at %s port %s answered REFUSED: %s is not allowed to do this, or the '
                             "server does not serve the zone (check the server's update-policy/allow-update or "
                             'the zone\'s security settings, and zone)' % (what, self.server, self.port, identity),
                             zone, name, cls=AuthenticationError)
        return rcode

    def _query(self, qname, rdtype, what, zone, name):
        query = dns.message.make_query(fqdn(qname), rdtype)
        query.flags &= ~dns.flags.RD
        self._sign(query, zone, name)
        response = self._send(query, what, zone, name)
        return response, self._check_rcode(response, what, zone, name)

    # -------------------------------------------------------------------- interface

    def discover_zone(self, name):
        what = 'zone discovery'
        response, rcode = self._query(name, dns.rdatatype.SOA, what, None, name)
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise self.error('%s: server answered %s; set zone' % (what, dns.rcode.to_text(rcode)), None, name)
        for section in (response.answer, response.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.SOA:
                    return rrset.name.to_text(omit_final_dot=True).lower()
        raise self.error('%s: the server at %s port %s gave no SOA; it does not serve the zone. Set server to the '
                         'primary of the zone, or set zone' % (what, self.server, self.port), None, name,
                         cls=ZoneNotFoundError)

    def read_txt(self, zone, name):
        what = 'reading TXT'
        response, rcode = self._query(name, dns.rdatatype.TXT, what, zone, name)
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise self.error('%s: server answered %s' % (what, dns.rcode.to_text(rcode)), zone, name)
        if not response.flags & dns.flags.AA:
            raise self.error('%s: the server at %s port %s is not authoritative for the zone; point server at the '
                             'primary of the zone' % (what, self.server, self.port), zone, name)
        owner = dns.name.from_text(fqdn(name))
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.TXT and rrset.name == owner:
                return TxtRRset(name, rrset.ttl, [TxtValue(r.strings, native=r) for r in rrset])
        return TxtRRset(name, None, [])

    def replace_txt(self, zone, name, old, new_values, ttl):
        kept, removed, added = split_change(old.values, new_values)
        auth = self._ready(zone, name) if self.auth else None
        update = dns.update.UpdateMessage(fqdn(zone), keyring=auth.keyring if auth else None,
                                          keyname=auth.keyname if auth else None,
                                          keyalgorithm=auth.algorithm if auth else dns.tsig.default_algorithm)
        owner = fqdn(name)
        if old.values:
            # Value-dependent prerequisite: the TXT RRset is exactly what was read. The rdatas
            # read are reused (their chunking is what the server compares), never an rdataset
            # (its TTL would make the server answer FORMERR).
            update.present(owner, *[v.native for v in old.values])
        else:
            update.absent(owner, dns.rdatatype.TXT)
        for value in removed:
            update.delete(owner, value.native)
        new_ttl = old.ttl if old.values and old.ttl is not None else ttl
        for value in added:
            update.add(owner, new_ttl, make_txt_rdata(value.chunks))
        what = 'updating TXT'
        response = self._send(update, what, zone, name)
        rcode = self._check_rcode(response, what, zone, name)
        if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET):
            raise self.error('%s: the TXT RRset changed since it was read (%s)' % (what, dns.rcode.to_text(rcode)),
                             zone, name, cls=ConflictError)
        if rcode != dns.rcode.NOERROR:
            raise self.error('%s: server answered %s' % (what, dns.rcode.to_text(rcode)), zone, name)
        return TxtChange(removed, added)

    def nameservers(self, zone):
        response, _rcode = self._query(zone, dns.rdatatype.NS, 'reading NS', zone, None)
        names = []
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.NS:
                names.extend(r.target.to_text(omit_final_dot=True).lower() for r in rrset)
        glue = {}
        for rrset in response.additional:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                glue.setdefault(rrset.name.to_text(omit_final_dot=True).lower(), []).extend(
                    r.address for r in rrset)
        out = []
        for ns in sorted(set(names)):
            addrs = glue.get(ns, [])
            if not addrs and in_zone(ns, zone):
                for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    resp, _rcode = self._query(ns, rdtype, 'address of %s' % ns, zone, None)
                    for rrset in resp.answer:
                        if rrset.rdtype == rdtype:
                            addrs.extend(r.address for r in rrset)
            out.append((ns, addrs))
        return out


def _is_address(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
