# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Amazon Route 53 through boto3.

Credentials are found the standard AWS way (the options, else the environment, the shared
config/credentials files and profile, instance/container roles). The hosted zone is
discovered from the name (the longest public, or private with ``private_zone``, zone that
contains it) unless ``hosted_zone_id`` names it.

Compare-and-swap: one ChangeBatch that DELETEs the TXT RRset exactly as it was read (values
and TTL) and CREATEs the new one. Route 53 applies a batch all-or-nothing and rejects it
(InvalidChangeBatch) when the DELETE does not match the current RRset or the CREATE meets an
existing one, which is how a concurrent change is detected; the caller re-reads and retries.
TXT values are stored the way Route 53 stores them: quoted character-strings of at most 255
bytes, ``"`` and ``\\`` escaped with a backslash, other special bytes as octal ``\\ooo``.
"""

from __future__ import annotations

import time

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

# boto3 and botocore are imported where they are used: 0.1 s of CPU that only Route 53 tasks
# pay (deps.BOTO3).

NUMERIC_ESCAPE = 'octal'
AUTH_ERROR_CODES = ('AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId', 'SignatureDoesNotMatch',
                    'UnrecognizedClientException', 'ExpiredToken', 'ExpiredTokenException', 'AuthFailure',
                    'InvalidAccessKeyId', 'MissingAuthenticationToken')
# Messages of InvalidChangeBatch that mean "the RRset is not what was read any more".
CONFLICT_MARKERS = ('not found', 'do not match', "don't match", 'already exists')
SYNC_POLL = 2.0


def _unescape_name(name):
    """Route 53 returns some characters of names as octal escapes (``\\052`` for ``*``)."""
    out = []
    i = 0
    while i < len(name):
        if name[i] == '\\' and name[i + 1:i + 4].isdigit():
            out.append(chr(int(name[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(name[i])
            i += 1
    return ''.join(out)


class Route53Provider(DnsProvider):
    """Amazon Route 53: DELETE(exact old)+CREATE(new) in one change batch."""

    name = 'route53'
    capabilities = Capabilities(atomic_precondition=True, served_live=True, reports_sync=True)

    def __init__(self, access_key_id=None, secret_access_key=None, session_token=None, profile=None,
                 region=None, endpoint_url=None, private_zone=False, hosted_zone_id=None, timeout=10.0,
                 validate_certs=True):
        if bool(access_key_id) != bool(secret_access_key):
            raise self.error('aws_access_key_id and aws_secret_access_key go together; give both or neither '
                             '(then the environment, the profile or the instance role is used)')
        self.private_zone = private_zone
        self.hosted_zone_id = hosted_zone_id.split('/')[-1] if hosted_zone_id else None
        self.endpoint_url = endpoint_url
        self._zones = {}
        import boto3.session
        import botocore.config
        import botocore.exceptions
        try:
            session = boto3.session.Session(aws_access_key_id=access_key_id or None,
                                            aws_secret_access_key=secret_access_key or None,
                                            aws_session_token=session_token or None,
                                            profile_name=profile or None)
            config = botocore.config.Config(connect_timeout=timeout, read_timeout=timeout,
                                            retries={'max_attempts': 4, 'mode': 'standard'})
            self.client = session.client('route53', region_name=region or session.region_name or 'us-east-1',
                                         endpoint_url=endpoint_url or None, config=config,
                                         verify=validate_certs)
        except botocore.exceptions.ProfileNotFound:
            raise self.error('AWS profile %s is not in the shared config/credentials files; check aws_profile'
                             % profile, cls=AuthenticationError)
        except botocore.exceptions.BotoCoreError as exc:
            raise self.error('cannot set up the Route 53 client: %s' % exc)

    @classmethod
    def from_params(cls, params):
        p = params
        return cls(p['aws_access_key_id'], p['aws_secret_access_key'], p['aws_session_token'], p['aws_profile'],
                   p['aws_region'], p['endpoint_url'], p['private_zone'], p['hosted_zone_id'], timeout=p['timeout'],
                   validate_certs=p['validate_certs'])

    @staticmethod
    def libraries(params):
        return [deps.BOTO3]

    # -------------------------------------------------------------------- transport

    def _call(self, what, zone, name, method, **kwargs):
        import botocore.exceptions
        try:
            return getattr(self.client, method)(**kwargs)
        except botocore.exceptions.NoCredentialsError:
            raise self.error('%s: no AWS credentials found; set aws_access_key_id and aws_secret_access_key, '
                             'aws_profile, or the AWS_* environment variables' % what, zone, name,
                             cls=AuthenticationError)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get('Error', {})
            status = exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode')
            code = error.get('Code', '') or 'HTTP %s' % status
            message = error.get('Message', '') or 'no details'
            if code in AUTH_ERROR_CODES or status == 403:
                raise self.error('%s: Route 53 refused the AWS credentials (%s: %s); check aws_access_key_id, '
                                 'aws_secret_access_key, aws_session_token or aws_profile, and the IAM policy '
                                 '(route53:ListHostedZones, ListResourceRecordSets, ChangeResourceRecordSets, '
                                 'GetChange)' % (what, code, message), zone, name, cls=AuthenticationError)
            if code == 'NoSuchHostedZone':
                raise self.error('%s: no such hosted zone (%s); check hosted_zone_id or zone' % (what, message),
                                 zone, name, cls=ZoneNotFoundError)
            if code == 'InvalidChangeBatch' and any(m in message.lower() for m in CONFLICT_MARKERS):
                raise self.error('%s: the TXT RRset changed since it was read (Route 53: %s)' % (what, message),
                                 zone, name, cls=ConflictError)
            raise self.error('%s: Route 53 answered %s: %s' % (what, code or 'an error', message), zone, name)
        except botocore.exceptions.EndpointConnectionError as exc:
            raise self.error('%s: cannot reach Route 53 at %s (%s); check endpoint_url and the network'
                             % (what, self.endpoint_url or 'its AWS endpoint', exc), zone, name)
        except botocore.exceptions.BotoCoreError as exc:
            raise self.error('%s: %s' % (what, exc), zone, name)

    # -------------------------------------------------------------------- zones

    def _hosted_zones(self, name):
        zones = []
        marker = {}
        while True:
            page = self._call('listing hosted zones', None, name, 'list_hosted_zones', **marker)
            zones.extend(page.get('HostedZones', []))
            if not page.get('IsTruncated'):
                return zones
            marker = {'Marker': page['NextMarker']}

    def _zone_id(self, zone, name):
        zone = normalize_domain(zone)
        if self.hosted_zone_id:
            return self.hosted_zone_id
        if zone not in self._zones:
            matches = [z for z in self._hosted_zones(name) if normalize_domain(_unescape_name(z['Name'])) == zone
                       and bool(z.get('Config', {}).get('PrivateZone')) == self.private_zone]
            if not matches:
                raise self.error('no %s hosted zone named %s in this AWS account; check zone and private_zone'
                                 % ('private' if self.private_zone else 'public', zone), zone, name,
                                 cls=ZoneNotFoundError)
            if len(matches) > 1:
                raise self.error('%d %s hosted zones are named %s (%s); set hosted_zone_id'
                                 % (len(matches), 'private' if self.private_zone else 'public', zone,
                                    ', '.join(m['Id'].split('/')[-1] for m in matches)), zone, name)
            self._zones[zone] = matches[0]['Id'].split('/')[-1]
        return self._zones[zone]

    def discover_zone(self, name):
        if self.hosted_zone_id:
            data = self._call('reading the hosted zone', None, name, 'get_hosted_zone', Id=self.hosted_zone_id)
            zone = normalize_domain(_unescape_name(data['HostedZone']['Name']))
            if not in_zone(name, zone):
                raise self.error('hosted zone %s (%s) does not contain the name; fix hosted_zone_id'
                                 % (self.hosted_zone_id, zone), zone, name, cls=ZoneNotFoundError)
            return zone
        kind = 'private' if self.private_zone else 'public'
        candidates = {}
        for z in self._hosted_zones(name):
            zone = normalize_domain(_unescape_name(z['Name']))
            if bool(z.get('Config', {}).get('PrivateZone')) == self.private_zone and in_zone(name, zone):
                candidates.setdefault(zone, []).append(z['Id'].split('/')[-1])
        if not candidates:
            raise self.error('no %s hosted zone in this AWS account contains the name%s; check the name, the '
                             'account, or set private_zone' % (kind, '' if self.private_zone else
                                                               ' (for a private zone set private_zone=true)'),
                             None, name, cls=ZoneNotFoundError)
        zone = max(candidates, key=len)
        if len(candidates[zone]) > 1:
            raise self.error('%d %s hosted zones are named %s (%s); set hosted_zone_id'
                             % (len(candidates[zone]), kind, zone, ', '.join(candidates[zone])), zone, name)
        self._zones[zone] = candidates[zone][0]
        return zone

    # -------------------------------------------------------------------- records

    def read_txt(self, zone, name):
        zone_id = self._zone_id(zone, name)
        owner = fqdn(name)
        page = self._call('reading TXT', zone, name, 'list_resource_record_sets', HostedZoneId=zone_id,
                          StartRecordName=owner, StartRecordType='TXT', MaxItems='10')
        found = [r for r in page.get('ResourceRecordSets', [])
                 if normalize_domain(_unescape_name(r['Name'])) + '.' == owner and r['Type'] == 'TXT']
        if not found:
            return TxtRRset(name, None, [])
        if len(found) > 1 or 'SetIdentifier' in found[0] or 'AliasTarget' in found[0]:
            raise self.error('the TXT records at the name use a routing policy (SetIdentifier) or an alias; this '
                             'module edits simple TXT RRsets only', zone, name)
        rrset = found[0]
        values = []
        for record in rrset.get('ResourceRecords', []):
            try:
                chunks = unquote_txt(record['Value'], NUMERIC_ESCAPE)
            except (SpfError, ValueError) as exc:
                raise self.error('TXT value %r cannot be parsed: %s' % (record['Value'], exc), zone, name)
            values.append(TxtValue(chunks, native=record['Value']))
        return TxtRRset(name, rrset.get('TTL'), values)

    def change_batch(self, name, old, new_values, ttl):
        """The ChangeBatch replacing ``old`` (exactly as read) by ``new_values``."""
        owner = fqdn(name)
        changes = []
        if old.values:
            changes.append({'Action': 'DELETE', 'ResourceRecordSet': {
                'Name': owner, 'Type': 'TXT', 'TTL': old.ttl,
                'ResourceRecords': [{'Value': v.native} for v in old.values]}})
        if new_values:
            changes.append({'Action': 'CREATE', 'ResourceRecordSet': {
                'Name': owner, 'Type': 'TXT', 'TTL': old.ttl if old.values and old.ttl is not None else ttl,
                'ResourceRecords': [{'Value': v.native if v.native is not None else
                                     quote_txt(v.chunks, NUMERIC_ESCAPE)} for v in new_values]}})
        return {'Comment': 'mailsec.cres: TXT at %s' % owner, 'Changes': changes}

    def replace_txt(self, zone, name, old, new_values, ttl):
        kept, removed, added = split_change(old.values, new_values)
        batch = self.change_batch(name, old, kept + added, ttl)
        zone_id = self._zone_id(zone, name)
        response = self._call('updating TXT', zone, name, 'change_resource_record_sets', HostedZoneId=zone_id,
                              ChangeBatch=batch)
        info = response.get('ChangeInfo', {})
        return TxtChange(removed, added, token=info.get('Id'), details={'change_id': info.get('Id'),
                                                                        'status': info.get('Status')})

    def wait_committed(self, zone, name, change, timeout):
        """Poll GetChange until the change is INSYNC (on every Route 53 server) or the timeout."""
        if not change or not change.token:
            return None
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while True:
            status = self._call('waiting for the change', zone, name, 'get_change',
                                Id=change.token)['ChangeInfo']['Status']
            if status == 'INSYNC' or time.monotonic() >= deadline:
                return {'change_id': change.token.split('/')[-1], 'status': status,
                        'seconds': round(time.monotonic() - started, 1)}
            time.sleep(min(SYNC_POLL, max(0.0, deadline - time.monotonic())))

    def nameservers(self, zone):
        if self.private_zone:
            return []   # a private zone is answered by the VPC resolver only
        data = self._call('reading the hosted zone', zone, None, 'get_hosted_zone', Id=self._zone_id(zone, None))
        names = data.get('DelegationSet', {}).get('NameServers', [])
        return [(normalize_domain(ns), []) for ns in names]
