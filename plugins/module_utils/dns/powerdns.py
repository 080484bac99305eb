# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PowerDNS Authoritative HTTP API (/api/v1).

The API has no write precondition: the RRset is re-read immediately before the PATCH and
verified after it, so a concurrent writer in the short window between can still win.
PowerDNS's RFC 2136 endpoint (``dnsupdate=yes``) does give a real compare-and-swap: use
``provider: rfc2136`` against it when that matters.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import deps
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
from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    SpfError,
    normalize_domain,
    quote_txt,
    unquote_txt,
)

# requests is imported where it is used: only PowerDNS tasks pay for it (deps.REQUESTS).


class PowerDNSProvider(DnsProvider):
    """PowerDNS Authoritative HTTP API: read-verify writes (no precondition in the API)."""

    name = 'powerdns'
    capabilities = Capabilities(atomic_precondition=False, served_live=True)

    def __init__(self, api_url, api_key, server_id='localhost', validate_certs=True, timeout=10.0,
                 propagation_port=53):
        base = api_url.rstrip('/')
        if not base.endswith('/api/v1'):
            base += '/api/v1'
        self.base = base
        self.server_id = server_id
        self.timeout = timeout
        self._propagation_port = propagation_port
        import requests
        self.session = requests.Session()
        self.session.headers.update({'X-API-Key': api_key, 'Accept': 'application/json'})
        self.session.verify = validate_certs

    @classmethod
    def from_params(cls, params):
        p = params
        return cls(p['api_url'], p['api_key'], p['server_id'], p['validate_certs'], timeout=p['timeout'],
                   propagation_port=p.get('authoritative_port') or 53)

    @staticmethod
    def libraries(params):
        return [deps.REQUESTS]

    @property
    def propagation_port(self):
        return self._propagation_port

    def _request(self, method, path, what, zone, name, payload=None):
        import requests
        url = '%s/servers/%s%s' % (self.base, self.server_id, path)
        try:
            response = self.session.request(method, url, json=payload, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise self.error('%s: TLS error talking to %s: %s (validate_certs=false skips the check)'
                             % (what, self.base, exc), zone, name)
        except requests.exceptions.Timeout:
            raise self.error('%s: no answer from the PowerDNS API at %s within %ss; check api_url'
                             % (what, self.base, self.timeout), zone, name)
        except requests.exceptions.RequestException as exc:
            raise self.error('%s: cannot reach the PowerDNS API at %s (%s); check api_url and that the server runs '
                             'with api=yes' % (what, self.base, exc.__class__.__name__), zone, name)
        if response.status_code in (401, 403):
            raise self.error('%s: the PowerDNS API rejected the api_key (HTTP %d); check api_key'
                             % (what, response.status_code), zone, name, cls=AuthenticationError)
        if response.status_code >= 400:
            detail = response.text[:300]
            try:
                detail = response.json().get('error', detail)
            except ValueError:
                pass
            if response.status_code == 404:
                raise self.error('%s: not found on the PowerDNS API (%s); check server_id and zone' % (what, detail),
                                 zone, name, cls=ZoneNotFoundError)
            raise self.error('%s: PowerDNS API answered HTTP %d: %s' % (what, response.status_code, detail),
                             zone, name)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self.error('%s: PowerDNS API answered with something that is not JSON; check api_url' % what,
                             zone, name)

    def discover_zone(self, name):
        zones = self._request('GET', '/zones', 'listing zones', None, name) or []
        names = [normalize_domain(z.get('name', '')) for z in zones]
        matches = [z for z in names if in_zone(name, z)]
        if not matches:
            raise self.error('no zone on the PowerDNS server contains the name (zones: %s); set zone or create it'
                             % (', '.join(sorted(names)) or 'none'), None, name, cls=ZoneNotFoundError)
        return max(matches, key=len)

    def _zone(self, zone, name):
        return self._request('GET', '/zones/%s' % fqdn(zone), 'reading the zone', zone, name) or {}

    def read_txt(self, zone, name):
        data = self._zone(zone, name)
        owner = fqdn(name)
        for rrset in data.get('rrsets', []):
            if rrset.get('type') == 'TXT' and rrset.get('name', '').lower() == owner:
                values = []
                for rec in rrset.get('records', []):
                    content = rec.get('content', '')
                    try:
                        chunks = unquote_txt(content)
                    except SpfError as exc:
                        raise self.error('TXT content cannot be parsed: %s' % exc, zone, name)
                    values.append(TxtValue(chunks, native=content, disabled=bool(rec.get('disabled'))))
                return TxtRRset(name, rrset.get('ttl'), values)
        return TxtRRset(name, None, [])

    @staticmethod
    def _signature(values):
        return sorted((v.text, v.disabled) for v in values)

    def replace_txt(self, zone, name, old, new_values, ttl):
        kept, removed, added = split_change(old.values, new_values)
        current = self.read_txt(zone, name)
        if self._signature(current.values) != self._signature(old.values):
            raise self.error('the TXT RRset changed since it was read', zone, name, cls=ConflictError)
        records = [{'content': v.native if v.native is not None else quote_txt(v.chunks), 'disabled': v.disabled}
                   for v in kept + added]
        if records:
            rrset = {'name': fqdn(name), 'type': 'TXT', 'changetype': 'REPLACE', 'records': records,
                     'ttl': old.ttl if old.values and old.ttl is not None else ttl}
        else:
            rrset = {'name': fqdn(name), 'type': 'TXT', 'changetype': 'DELETE'}
        self._request('PATCH', '/zones/%s' % fqdn(zone), 'updating TXT', zone, name, {'rrsets': [rrset]})
        after = self.read_txt(zone, name)
        if self._signature(after.values) != self._signature(kept + added):
            raise self.error('updating TXT: verification after the write failed, another writer changed the RRset '
                             'at the same time; TXT now: %s' % after.texts(), zone, name)
        return TxtChange(removed, added)

    def nameservers(self, zone):
        data = self._zone(zone, None)
        apex = fqdn(zone)
        names = []
        addresses = {}
        for rrset in data.get('rrsets', []):
            if rrset.get('type') == 'NS' and rrset.get('name', '').lower() == apex:
                names.extend(normalize_domain(r['content']) for r in rrset.get('records', []) if not r.get('disabled'))
            if rrset.get('type') in ('A', 'AAAA'):
                addresses.setdefault(normalize_domain(rrset.get('name', '')), []).extend(
                    r['content'] for r in rrset.get('records', []) if not r.get('disabled'))
        return [(ns, addresses.get(ns, [])) for ns in sorted(set(names))]
