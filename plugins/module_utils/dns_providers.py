# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS providers behind one interface, for editing one TXT record safely.

Every provider class offers:

* ``discover_zone(domain)`` -> zone name (no trailing dot),
* ``read_txt(zone, domain)`` -> ``TxtRRset`` (every TXT value at the name, as stored),
* ``write_spf(zone, domain, before, old, new_chunks, ttl)``: compare-and-swap. Replace the
  value ``old`` (or add one when ``old`` is None) by ``new_chunks`` *only if* the TXT RRset
  is still ``before``; every other value is kept exactly. Raises ``ConflictError`` when the
  RRset changed in between (the caller re-reads and retries, bounded),
* ``nameservers(zone)`` -> ``[(ns_name, [addresses])]`` (addresses may be empty),
* ``propagation_port`` -> the DNS port its authoritative servers answer on (or None).

``RFC2136Provider`` uses a value-dependent prerequisite (the server applies the update
atomically or answers NXRRSET); ``PowerDNSProvider`` re-reads just before the write and
verifies after it (the HTTP API has no precondition); ``ZoneFileProvider`` locks the file,
checks it did not change since it was read, bumps the SOA serial and renames a temp file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile

from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    SpfError,
    is_spf,
    join_txt,
    normalize_domain,
    quote_txt,
    unquote_txt,
)

try:
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
    import dns.zone
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

TSIG_ALGORITHMS = ('hmac-sha256', 'hmac-sha512', 'hmac-sha384', 'hmac-sha224', 'hmac-sha1', 'hmac-md5')


class DnsProviderError(Exception):
    """A clear, user-facing error from a provider."""


class ConflictError(DnsProviderError):
    """The TXT RRset changed between read and write (compare-and-swap failed)."""


class TxtValue(object):
    """One TXT record: its character-strings (bytes) and the provider's native form."""

    __slots__ = ('chunks', 'native', 'disabled')

    def __init__(self, chunks, native=None, disabled=False):
        self.chunks = tuple(bytes(c) for c in chunks)
        self.native = native
        self.disabled = disabled

    @property
    def text(self):
        return join_txt(self.chunks)

    @property
    def is_spf(self):
        return not self.disabled and is_spf(self.text)

    def __repr__(self):
        return 'TxtValue(%r)' % (self.chunks,)


class TxtRRset(object):
    __slots__ = ('name', 'ttl', 'values')

    def __init__(self, name, ttl=None, values=None):
        self.name = name
        self.ttl = ttl
        self.values = list(values or [])

    def spf_values(self):
        return [v for v in self.values if v.is_spf]

    def texts(self):
        return [v.text for v in self.values]


def _fqdn(name):
    return normalize_domain(name) + '.'


def in_zone(domain, zone):
    domain = normalize_domain(domain)
    zone = normalize_domain(zone)
    return domain == zone or domain.endswith('.' + zone)


def make_txt_rdata(chunks):
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, list(chunks))


def query_txt_at(address, port, domain, timeout=3.0):
    """TXT texts at domain as served by one authoritative server (no recursion)."""
    query = dns.message.make_query(_fqdn(domain), dns.rdatatype.TXT)
    query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=port, timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, address, port=port, timeout=timeout)
    except dns.exception.Timeout:
        raise DnsProviderError('no answer within %ss' % timeout)
    except (OSError, dns.exception.DNSException) as exc:
        raise DnsProviderError(str(exc) or exc.__class__.__name__)
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return []
    if rcode != dns.rcode.NOERROR:
        raise DnsProviderError('answered %s' % dns.rcode.to_text(rcode))
    if not response.flags & dns.flags.AA:
        raise DnsProviderError('answer is not authoritative (server does not serve the zone)')
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            return [b''.join(r.strings).decode('utf-8', 'replace') for r in rrset]
    return []


# ---------------------------------------------------------------------------------------
# RFC 2136


class RFC2136Provider(object):
    """Dynamic DNS update (RFC 2136) with TSIG; reads straight from the primary server."""

    name = 'rfc2136'

    def __init__(self, server, port=53, key_name=None, key_secret=None, key_algorithm='hmac-sha256',
                 timeout=10.0):
        self.server = server
        self.port = port
        self.timeout = timeout
        self.keyring = None
        self.key_name = None
        self.key_algorithm = None
        if key_name:
            if not key_secret:
                raise DnsProviderError('tsig_key_name is set but tsig_key_secret is not; give both or neither')
            try:
                self.keyring = dns.tsigkeyring.from_text({key_name: (key_algorithm, key_secret)})
            except Exception as exc:
                raise DnsProviderError('tsig_key_secret is not a valid base64 TSIG secret (%s); '
                                       'copy the "secret" of the key from the server configuration'
                                       % exc.__class__.__name__)
            self.key_name = dns.name.from_text(key_name)
            self.key_algorithm = dns.name.from_text(key_algorithm)

    @property
    def propagation_port(self):
        return self.port

    def _sign(self, message):
        if self.keyring:
            message.use_tsig(self.keyring, keyname=self.key_name, algorithm=self.key_algorithm)
        return message

    def _send(self, message, what):
        where = '%s port %s' % (self.server, self.port)
        try:
            return dns.query.tcp(message, self.server, port=self.port, timeout=self.timeout)
        except dns.tsig.PeerBadKey:
            raise DnsProviderError('%s: the server at %s does not know TSIG key %s; check tsig_key_name '
                                   'and tsig_algorithm' % (what, where, self.key_name))
        except (dns.tsig.PeerBadSignature, dns.tsig.BadSignature):
            raise DnsProviderError('%s: the server at %s rejected the TSIG signature; check tsig_key_secret '
                                   'and tsig_algorithm' % (what, where))
        except (dns.tsig.PeerBadTime, dns.tsig.PeerBadTruncation) as exc:
            raise DnsProviderError('%s: TSIG error from %s (%s); check the controller clock and tsig_algorithm'
                                   % (what, where, exc.__class__.__name__))
        except dns.tsig.PeerError as exc:
            raise DnsProviderError('%s: TSIG error from %s (%s)' % (what, where, exc.__class__.__name__))
        except dns.exception.Timeout:
            raise DnsProviderError('%s: no answer from DNS server %s within %ss; check server and port'
                                   % (what, where, self.timeout))
        except ConnectionRefusedError:
            raise DnsProviderError('%s: connection refused by %s; is the DNS server running? check server '
                                   'and port' % (what, where))
        except OSError as exc:
            raise DnsProviderError('%s: cannot reach DNS server %s: %s; check server and port' % (what, where, exc))
        except dns.exception.DNSException as exc:
            raise DnsProviderError('%s: DNS error talking to %s: %s' % (what, where, exc))

    def _check_rcode(self, response, what):
        rcode = response.rcode()
        if rcode == dns.rcode.NOTAUTH:
            raise DnsProviderError('%s: the server at %s port %s answered NOTAUTH: it is not authoritative for '
                                   'the zone or did not accept the TSIG key; check zone, server and tsig_* options'
                                   % (what, self.server, self.port))
        if rcode == dns.rcode.REFUSED:
            raise DnsProviderError('%s: the server at %s port %s answered REFUSED; the TSIG key is not allowed '
                                   'to do this or the server does not serve the zone (check tsig_key_name, the '
                                   "server's update-policy/allow-update, and zone)" % (what, self.server, self.port))
        return rcode

    def discover_zone(self, domain):
        query = self._sign(dns.message.make_query(_fqdn(domain), dns.rdatatype.SOA))
        query.flags &= ~dns.flags.RD
        response = self._send(query, 'zone discovery for %s' % domain)
        rcode = self._check_rcode(response, 'zone discovery for %s' % domain)
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsProviderError('zone discovery for %s: server answered %s; set zone'
                                   % (domain, dns.rcode.to_text(rcode)))
        for section in (response.answer, response.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.SOA:
                    return rrset.name.to_text(omit_final_dot=True).lower()
        raise DnsProviderError('zone discovery for %s: the server at %s port %s gave no SOA; it does not serve '
                               'the zone. Set server to the primary of the zone, or set zone'
                               % (domain, self.server, self.port))

    def read_txt(self, zone, domain):
        query = self._sign(dns.message.make_query(_fqdn(domain), dns.rdatatype.TXT))
        query.flags &= ~dns.flags.RD
        what = 'reading TXT at %s' % domain
        response = self._send(query, what)
        rcode = self._check_rcode(response, what)
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsProviderError('%s: server answered %s' % (what, dns.rcode.to_text(rcode)))
        if not response.flags & dns.flags.AA:
            raise DnsProviderError('%s: the server at %s port %s is not authoritative for %s; point server at '
                                   'the primary of the zone' % (what, self.server, self.port, zone))
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.TXT and rrset.name == dns.name.from_text(_fqdn(domain)):
                return TxtRRset(domain, rrset.ttl, [TxtValue(r.strings, native=r) for r in rrset])
        return TxtRRset(domain, None, [])

    def write_spf(self, zone, domain, before, old, new_chunks, ttl):
        update = dns.update.UpdateMessage(_fqdn(zone), keyring=self.keyring, keyname=self.key_name,
                                          keyalgorithm=self.key_algorithm or dns.tsig.default_algorithm)
        name = _fqdn(domain)
        if before.values:
            # value-dependent prerequisite: the TXT RRset is exactly what we read
            update.present(name, *[v.native for v in before.values])
        else:
            update.absent(name, dns.rdatatype.TXT)
        if old is not None:
            update.delete(name, old.native)
        if new_chunks is not None:
            update.add(name, before.ttl if before.values and before.ttl is not None else ttl,
                       make_txt_rdata(new_chunks))
        what = 'updating TXT at %s' % domain
        response = self._send(update, what)
        rcode = self._check_rcode(response, what)
        if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET):
            raise ConflictError('%s: the TXT RRset changed since it was read (%s)' % (what, dns.rcode.to_text(rcode)))
        if rcode != dns.rcode.NOERROR:
            raise DnsProviderError('%s: server answered %s' % (what, dns.rcode.to_text(rcode)))

    def nameservers(self, zone):
        query = self._sign(dns.message.make_query(_fqdn(zone), dns.rdatatype.NS))
        query.flags &= ~dns.flags.RD
        response = self._send(query, 'reading NS of %s' % zone)
        self._check_rcode(response, 'reading NS of %s' % zone)
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
                    q = self._sign(dns.message.make_query(_fqdn(ns), rdtype))
                    q.flags &= ~dns.flags.RD
                    resp = self._send(q, 'address of %s' % ns)
                    for rrset in resp.answer:
                        if rrset.rdtype == rdtype:
                            addrs.extend(r.address for r in rrset)
            out.append((ns, addrs))
        return out


# ---------------------------------------------------------------------------------------
# PowerDNS HTTP API


class PowerDNSProvider(object):
    """PowerDNS Authoritative HTTP API (/api/v1).

    The API has no write precondition: this re-reads the RRset immediately before the
    PATCH and verifies it after; a concurrent writer in the small window between can still
    win. PowerDNS's RFC 2136 endpoint (``dnsupdate=yes``) does give a real compare-and-swap:
    use ``provider: rfc2136`` against it when that matters.
    """

    name = 'powerdns'

    def __init__(self, api_url, api_key, server_id='localhost', validate_certs=True, timeout=10.0,
                 propagation_port=53):
        base = api_url.rstrip('/')
        if not base.endswith('/api/v1'):
            base += '/api/v1'
        self.base = base
        self.server_id = server_id
        self.timeout = timeout
        self.propagation_port = propagation_port
        self.session = requests.Session()
        self.session.headers.update({'X-API-Key': api_key, 'Accept': 'application/json'})
        self.session.verify = validate_certs
        self._zone_cache = {}

    def _request(self, method, path, what, payload=None):
        url = '%s/servers/%s%s' % (self.base, self.server_id, path)
        try:
            response = self.session.request(method, url, json=payload, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise DnsProviderError('%s: TLS error talking to %s: %s (validate_certs=false skips the check)'
                                   % (what, self.base, exc))
        except requests.exceptions.Timeout:
            raise DnsProviderError('%s: no answer from the PowerDNS API at %s within %ss; check api_url'
                                   % (what, self.base, self.timeout))
        except requests.exceptions.RequestException as exc:
            raise DnsProviderError('%s: cannot reach the PowerDNS API at %s (%s); check api_url and that the '
                                   'server runs with api=yes' % (what, self.base, exc.__class__.__name__))
        if response.status_code in (401, 403):
            raise DnsProviderError('%s: the PowerDNS API rejected the api_key (HTTP %d); check api_key'
                                   % (what, response.status_code))
        if response.status_code >= 400:
            detail = response.text[:300]
            try:
                detail = response.json().get('error', detail)
            except ValueError:
                pass
            if response.status_code == 404:
                raise DnsProviderError('%s: not found on the PowerDNS API (%s); check server_id and zone'
                                       % (what, detail))
            raise DnsProviderError('%s: PowerDNS API answered HTTP %d: %s' % (what, response.status_code, detail))
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise DnsProviderError('%s: PowerDNS API answered with something that is not JSON; check api_url'
                                   % what)

    def discover_zone(self, domain):
        zones = self._request('GET', '/zones', 'listing zones') or []
        names = [normalize_domain(z.get('name', '')) for z in zones]
        matches = [z for z in names if in_zone(domain, z)]
        if not matches:
            raise DnsProviderError('no zone on the PowerDNS server contains %s (zones: %s); set zone or create it'
                                   % (domain, ', '.join(sorted(names)) or 'none'))
        return max(matches, key=len)

    def _zone(self, zone):
        data = self._request('GET', '/zones/%s' % _fqdn(zone), 'reading zone %s' % zone)
        return data or {}

    def read_txt(self, zone, domain):
        data = self._zone(zone)
        name = _fqdn(domain)
        for rrset in data.get('rrsets', []):
            if rrset.get('type') == 'TXT' and rrset.get('name', '').lower() == name:
                values = []
                for rec in rrset.get('records', []):
                    content = rec.get('content', '')
                    try:
                        chunks = unquote_txt(content)
                    except SpfError as exc:
                        raise DnsProviderError('TXT content at %s cannot be parsed: %s' % (domain, exc))
                    values.append(TxtValue(chunks, native=content, disabled=bool(rec.get('disabled'))))
                return TxtRRset(domain, rrset.get('ttl'), values)
        return TxtRRset(domain, None, [])

    @staticmethod
    def _signature(rrset):
        return sorted((v.native, v.disabled) for v in rrset.values)

    def write_spf(self, zone, domain, before, old, new_chunks, ttl):
        current = self.read_txt(zone, domain)
        if self._signature(current) != self._signature(before):
            raise ConflictError('TXT RRset at %s changed since it was read' % domain)
        records = []
        skipped = False
        for value in before.values:
            if old is not None and not skipped and value is old:
                skipped = True
                continue
            records.append({'content': value.native, 'disabled': value.disabled})
        new_content = None
        if new_chunks is not None:
            new_content = quote_txt(new_chunks)
            records.append({'content': new_content, 'disabled': False})
        rrset = {'name': _fqdn(domain), 'type': 'TXT',
                 'ttl': before.ttl if before.values and before.ttl is not None else ttl}
        if records:
            rrset.update({'changetype': 'REPLACE', 'records': records})
        else:
            rrset = {'name': _fqdn(domain), 'type': 'TXT', 'changetype': 'DELETE'}
        self._request('PATCH', '/zones/%s' % _fqdn(zone), 'updating TXT at %s' % domain, {'rrsets': [rrset]})
        after = self.read_txt(zone, domain)
        want = sorted(join_txt(unquote_txt(r['content'])) for r in records)
        got = sorted(v.text for v in after.values)
        if want != got:
            raise DnsProviderError('updating TXT at %s: verification after the write failed, another writer '
                                   'changed the RRset at the same time; TXT now: %s' % (domain, got))

    def nameservers(self, zone):
        data = self._zone(zone)
        apex = _fqdn(zone)
        names = []
        addresses = {}
        for rrset in data.get('rrsets', []):
            if rrset.get('type') == 'NS' and rrset.get('name', '').lower() == apex:
                names.extend(normalize_domain(r['content']) for r in rrset.get('records', [])
                             if not r.get('disabled'))
            if rrset.get('type') in ('A', 'AAAA'):
                addresses.setdefault(normalize_domain(rrset.get('name', '')), []).extend(
                    r['content'] for r in rrset.get('records', []) if not r.get('disabled'))
        return [(ns, addresses.get(ns, [])) for ns in sorted(set(names))]


# ---------------------------------------------------------------------------------------
# Zone file


class ZoneFileProvider(object):
    """A zone file (for example kept in a Git repository): rewritten atomically, serial bumped.

    The file is parsed and written by dnspython: the records are kept exactly, but comments
    and layout are rewritten in dnspython's format.
    """

    name = 'zonefile'
    propagation_port = None

    def __init__(self, path, zone=None):
        self.path = path
        self.zone_name = normalize_domain(zone) if zone else None
        self._digest = None

    def _read_bytes(self):
        try:
            with open(self.path, 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            raise DnsProviderError('zone file %s does not exist; check path' % self.path)
        except OSError as exc:
            raise DnsProviderError('cannot read zone file %s: %s' % (self.path, exc))

    def _parse(self, data, zone):
        origin = _fqdn(zone) if zone else None
        try:
            return dns.zone.from_text(data.decode('utf-8'), origin=origin, relativize=False,
                                      filename=self.path, check_origin=True)
        except dns.zone.UnknownOrigin:
            raise DnsProviderError('zone file %s has no $ORIGIN; set zone' % self.path)
        except (dns.exception.DNSException, UnicodeDecodeError) as exc:
            raise DnsProviderError('cannot parse zone file %s: %s' % (self.path, exc))

    def discover_zone(self, domain):
        if self.zone_name:
            return self.zone_name
        zone = self._parse(self._read_bytes(), None)
        return zone.origin.to_text(omit_final_dot=True).lower()

    def read_txt(self, zone, domain):
        data = self._read_bytes()
        self._digest = hashlib.sha256(data).hexdigest()
        parsed = self._parse(data, zone)
        rdataset = parsed.get_rdataset(_fqdn(domain), dns.rdatatype.TXT)
        if rdataset is None:
            return TxtRRset(domain, None, [])
        return TxtRRset(domain, rdataset.ttl, [TxtValue(r.strings, native=r) for r in rdataset])

    @staticmethod
    def _bump(serial):
        return (serial + 1) % (2 ** 32) or 1

    def write_spf(self, zone, domain, before, old, new_chunks, ttl):
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            lock = open(self.path, 'rb')
        except OSError as exc:
            raise DnsProviderError('cannot open zone file %s: %s' % (self.path, exc))
        with lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            data = self._read_bytes()
            if hashlib.sha256(data).hexdigest() != self._digest:
                raise ConflictError('zone file %s changed since it was read' % self.path)
            parsed = self._parse(data, zone)
            name = dns.name.from_text(_fqdn(domain))
            node = parsed.find_node(name, create=True)
            rdataset = node.find_rdataset(dns.rdataclass.IN, dns.rdatatype.TXT, create=True)
            kept = [r for r in rdataset if old is None or r != old.native]
            new_ttl = rdataset.ttl if len(rdataset) else ttl
            rdataset.clear()
            rdataset.update_ttl(new_ttl)
            for rdata in kept:
                rdataset.add(rdata, new_ttl)
            if new_chunks is not None:
                rdataset.add(make_txt_rdata(new_chunks), new_ttl)
            if not len(rdataset):
                node.delete_rdataset(dns.rdataclass.IN, dns.rdatatype.TXT)
            soa_set = parsed.find_rdataset(parsed.origin, dns.rdatatype.SOA)
            soa = soa_set[0]
            soa_set.clear()
            soa_set.add(soa.replace(serial=self._bump(soa.serial)), soa_set.ttl)
            mode = os.stat(self.path).st_mode & 0o7777
            fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path), dir=directory)
            try:
                with os.fdopen(fd, 'w') as out:
                    parsed.to_file(out, relativize=True, want_origin=True)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, mode)
                os.replace(tmp, self.path)
            except OSError as exc:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise DnsProviderError('cannot write zone file %s: %s' % (self.path, exc))
            self._digest = None

    def nameservers(self, zone):
        return []
