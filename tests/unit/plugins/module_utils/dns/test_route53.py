# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route 53: the change batch is a compare-and-swap, and a rejected batch is re-read and retried.

moto cannot show the compare-and-swap on its own (it accepts a stale DELETE), so the batch the
provider sends and its handling of Route 53's answers are checked here with botocore's Stubber.
"""
from __future__ import annotations

import pytest

boto3 = pytest.importorskip('boto3')
from botocore.stub import Stubber  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.mailsec.cres.plugins.module_utils import spf_include_core as core  # noqa: E402
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import (  # noqa: E402
    AuthenticationError,
    ConflictError,
    TxtChange,
    TxtValue,
    ZoneNotFoundError,
)
from ansible_collections.mailsec.cres.plugins.module_utils.dns.route53 import Route53Provider  # noqa: E402
from ansible_collections.mailsec.cres.plugins.module_utils.spf import quote_txt, unquote_txt  # noqa: E402

from ..spf_fake_dns import CRES, FakeResolver  # noqa: E402

ZONE_ID = 'Z0123456789EXAMPLE'
ZONES = {'HostedZones': [
    {'Id': '/hostedzone/' + ZONE_ID, 'Name': 'example.com.', 'CallerReference': 'a',
     'Config': {'PrivateZone': False}},
    {'Id': '/hostedzone/ZPRIVATE', 'Name': 'example.com.', 'CallerReference': 'b', 'Config': {'PrivateZone': True}},
    {'Id': '/hostedzone/ZOTHER', 'Name': 'other.org.', 'CallerReference': 'c', 'Config': {'PrivateZone': False}},
], 'IsTruncated': False, 'Marker': '', 'MaxItems': '100'}
SPF = '"v=spf1 mx -all"'
SIBLING = '"quoted \\"x\\" \\303\\251"'


def provider(**kw):
    return Route53Provider('AKIAEXAMPLE', 'secret', region='us-east-1', **kw)


def rrsets(*values, ttl=300, name='example.com.'):
    return {'ResourceRecordSets': [{'Name': name, 'Type': 'TXT', 'TTL': ttl,
                                    'ResourceRecords': [{'Value': v} for v in values]}],
            'IsTruncated': False, 'MaxItems': '10'}


def test_octal_quoting_as_route53_stores_it():
    assert quote_txt([b'a"b\\c \xc3\xa9'], 'octal') == '"a\\"b\\\\c \\303\\251"'
    assert unquote_txt(SIBLING, 'octal') == ['quoted "x" é'.encode()]
    assert unquote_txt('"%s" "%s"' % ('a' * 255, 'b'), 'octal') == [b'a' * 255, b'b']


def test_discovers_the_public_or_the_private_zone():
    for private, zone_id in ((False, ZONE_ID), (True, 'ZPRIVATE')):
        prov = provider(private_zone=private)
        with Stubber(prov.client) as stub:
            stub.add_response('list_hosted_zones', ZONES, {})
            assert prov.discover_zone('www.example.com') == 'example.com'
            assert prov._zone_id('example.com', 'www.example.com') == zone_id  # pylint: disable=protected-access


def test_zone_not_found_names_provider_and_name():
    prov = provider()
    with Stubber(prov.client) as stub:
        stub.add_response('list_hosted_zones', ZONES, {})
        with pytest.raises(ZoneNotFoundError) as exc:
            prov.discover_zone('www.nowhere.net')
    assert str(exc.value).startswith('provider route53, name www.nowhere.net: no public hosted zone')


def test_batch_deletes_exactly_what_was_read_and_creates_the_new_set():
    prov = provider(hosted_zone_id=ZONE_ID)
    with Stubber(prov.client) as stub:
        stub.add_response('list_resource_record_sets', rrsets(SPF, SIBLING, ttl=600),
                          {'HostedZoneId': ZONE_ID, 'StartRecordName': 'example.com.', 'StartRecordType': 'TXT',
                           'MaxItems': '10'})
        old = prov.read_txt('example.com', 'example.com')
        assert old.texts() == ['v=spf1 mx -all', 'quoted "x" é']
        new = [TxtValue.from_text('v=spf1 mx include:res.cisco.com -all'), old.values[1]]
        expected = {'Comment': 'mailsec.cres: TXT at example.com.', 'Changes': [
            {'Action': 'DELETE', 'ResourceRecordSet': {'Name': 'example.com.', 'Type': 'TXT', 'TTL': 600,
                                                       'ResourceRecords': [{'Value': SPF}, {'Value': SIBLING}]}},
            {'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'example.com.', 'Type': 'TXT', 'TTL': 600,
                                                       'ResourceRecords': [
                                                           {'Value': SIBLING},   # byte for byte as stored
                                                           {'Value': '"v=spf1 mx include:res.cisco.com -all"'}]}}]}
        stub.add_response('change_resource_record_sets',
                          {'ChangeInfo': {'Id': '/change/C1', 'Status': 'PENDING', 'SubmittedAt': '2026-01-01'}},
                          {'HostedZoneId': ZONE_ID, 'ChangeBatch': expected})
        change = prov.replace_txt('example.com', 'example.com', old, new, 3600)
        assert change.token == '/change/C1'


def test_rejected_batch_is_a_conflict_and_403_an_authentication_error():
    prov = provider(hosted_zone_id=ZONE_ID)
    with Stubber(prov.client) as stub:
        stub.add_response('list_resource_record_sets', rrsets(SPF), None)
        old = prov.read_txt('example.com', 'example.com')
        stub.add_client_error('change_resource_record_sets', 'InvalidChangeBatch',
                              "[Tried to delete resource record set [name='example.com.', type='TXT'] but the values "
                              'provided do not match the current values]', 400)
        with pytest.raises(ConflictError):
            prov.replace_txt('example.com', 'example.com', old, [TxtValue.from_text('x')], 300)
        stub.add_client_error('list_resource_record_sets', 'InvalidClientTokenId', 'The security token is invalid',
                              403)
        with pytest.raises(AuthenticationError, match='refused the AWS credentials'):
            prov.read_txt('example.com', 'example.com')


def test_spf_include_retries_a_rejected_batch_after_reading_again():
    prov = provider(hosted_zone_id=ZONE_ID)
    concurrent = '"v=spf1 mx include:other.example -all"'
    with Stubber(prov.client) as stub:
        stub.add_response('list_resource_record_sets', rrsets(SPF), None)
        stub.add_client_error('change_resource_record_sets', 'InvalidChangeBatch',
                              "[Tried to delete resource record set [name='example.com.', type='TXT'] but it was "
                              'not found]', 400)
        stub.add_response('list_resource_record_sets', rrsets(concurrent), None)
        stub.add_response('change_resource_record_sets', {'ChangeInfo': {
            'Id': '/change/C2', 'Status': 'PENDING', 'SubmittedAt': '2026-01-01'}}, {
            'HostedZoneId': ZONE_ID, 'ChangeBatch': {'Comment': 'mailsec.cres: TXT at example.com.', 'Changes': [
                {'Action': 'DELETE', 'ResourceRecordSet': {'Name': 'example.com.', 'Type': 'TXT', 'TTL': 300,
                                                           'ResourceRecords': [{'Value': concurrent}]}},
                {'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'example.com.', 'Type': 'TXT', 'TTL': 300,
                                                           'ResourceRecords': [{'Value': (
                                                               '"v=spf1 mx include:other.example '
                                                               'include:res.cisco.com -all"')}]}}]}})
        p = {k: v.get('default') for k, v in core.ARGUMENT_SPEC.items()}
        p.update(domain='example.com', zone='example.com', provider='route53', propagation_timeout=0,
                 evaluate_lookups='on_change', include='res.cisco.com')

        dns_data = dict(CRES)
        dns_data[('other.example', 'TXT')] = ['v=spf1 -all']
        result = core.ensure_spf_include(prov, FakeResolver(dns_data), p)
        stub.assert_no_pending_responses()
    assert result['changed'] and result['conflicts'] == 1 and result['attempts'] == 2
    assert result['record_after'] == 'v=spf1 mx include:other.example include:res.cisco.com -all'


def test_waits_for_insync():
    prov = provider(hosted_zone_id=ZONE_ID)
    with Stubber(prov.client) as stub:
        stub.add_response('get_change', {'ChangeInfo': {'Id': '/change/C1', 'Status': 'INSYNC',
                                                        'SubmittedAt': '2026-01-01'}}, {'Id': '/change/C1'})
        sync = prov.wait_committed('example.com', 'example.com', TxtChange([], [], token='/change/C1'), 5)
    assert sync['status'] == 'INSYNC' and sync['change_id'] == 'C1'
