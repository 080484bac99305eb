# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared provider options, the provider interface and its one exception family."""
from __future__ import annotations

import sys

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.dns import options
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import (
    AuthenticationError,
    ConflictError,
    DnsProvider,
    DnsProviderError,
    TxtValue,
    split_change,
)
from ansible_collections.mailsec.cres.plugins.module_utils.dns.rfc2136 import RFC2136Provider


def params(**kw):
    p = {k: v.get('default') for k, v in options.argument_spec().items()}
    p.update(kw)
    return p


def test_every_provider_implements_the_interface():
    assert sorted(options.PROVIDERS) == ['powerdns', 'rfc2136', 'route53', 'zonefile']
    for name, cls in options.PROVIDERS.items():
        assert issubclass(cls, DnsProvider) and cls.name == name
        assert cls.capabilities.served_live in (True, False)
    caps = {n: c.capabilities.as_dict() for n, c in options.PROVIDERS.items()}
    assert caps['rfc2136'] == {'atomic_precondition': True, 'served_live': True, 'reports_sync': False}
    assert caps['route53'] == {'atomic_precondition': True, 'served_live': True, 'reports_sync': True}
    assert caps['powerdns']['atomic_precondition'] is False
    assert caps['zonefile']['served_live'] is False


def test_secrets_are_no_log_and_spec_is_a_fresh_copy():
    spec = options.argument_spec()
    for key in ('tsig_key_secret', 'api_key', 'aws_secret_access_key', 'aws_session_token', 'aws_access_key_id'):
        assert spec[key]['no_log'] is True
    assert 'gss-tsig' in spec['tsig_algorithm']['choices']
    spec['provider']['choices'].append('bogus')
    assert 'bogus' not in options.argument_spec()['provider']['choices']


@pytest.mark.parametrize('kw, match', [
    (dict(tsig_algorithm='gss-tsig', tsig_key_name='k', tsig_key_secret='c2VjcmV0'), 'remove them'),
    (dict(tsig_algorithm='gss-tsig', kerberos_server_name='ns1.example.com', kerberos_keytab='/k'),
     'needs kerberos_principal'),
    (dict(tsig_algorithm='gss-tsig'), 'set kerberos_server_name'),
    (dict(kerberos_principal='a@B'), 'need tsig_algorithm=gss-tsig'),
    (dict(tsig_key_name='k', tsig_key_secret='not base64 !!'), 'not a valid base64'),
    (dict(port=0), 'port must be'),
])
def test_rfc2136_bad_options_are_named(kw, match):
    with pytest.raises(DnsProviderError, match=match) as exc:
        options.build_provider(params(provider='rfc2136', server='192.0.2.53', **kw))
    assert 'provider rfc2136' in str(exc.value)


def test_gss_tsig_takes_the_host_name_from_server():
    prov = options.build_provider(params(provider='rfc2136', server='dc1.ad.example.com', tsig_algorithm='gss-tsig'))
    assert isinstance(prov, RFC2136Provider)
    assert prov.auth.context.server_name == 'dc1.ad.example.com'


def test_libraries_are_declared_per_provider():
    assert options.libraries(params(provider='rfc2136', tsig_algorithm='gss-tsig')) == [deps.DNSPYTHON, deps.GSSAPI]
    assert options.libraries(params(provider='rfc2136')) == [deps.DNSPYTHON]
    assert options.libraries(params(provider='route53')) == [deps.BOTO3]
    assert options.libraries(params(provider='powerdns')) == [deps.REQUESTS]
    assert options.libraries(params(provider='zonefile')) == [deps.DNSPYTHON]


def test_missing_library_is_reported_per_provider(monkeypatch):
    monkeypatch.setitem(sys.modules, 'gssapi', None)
    monkeypatch.setitem(sys.modules, 'boto3', None)
    gss = [lib.problem() for lib in options.libraries(params(provider='rfc2136', tsig_algorithm='gss-tsig'))]
    assert gss[0] is None and '(gssapi)' in gss[1] and 'libkrb5-dev' in gss[1]
    assert [lib.problem() for lib in options.libraries(params(provider='rfc2136'))] == [None]
    assert '(boto3)' in options.libraries(params(provider='route53'))[0].problem()


def test_error_messages_name_provider_zone_and_name():
    err = ConflictError('changed', provider='route53', zone='example.com', name='www.example.com')
    assert str(err) == 'provider route53, zone example.com, name www.example.com: changed'
    assert isinstance(err, DnsProviderError) and not isinstance(err, AuthenticationError)
    assert str(DnsProviderError('plain')) == 'plain'


def test_split_change_keeps_values_as_read():
    old = [TxtValue([b'a'], native='A'), TxtValue([b'b', b'c'], native='BC'), TxtValue([b'd'], native='D')]
    same_chunks = TxtValue([b'b', b'c'])
    kept, removed, added = split_change(old, [old[0], same_chunks, TxtValue([b'new'])])
    assert kept == [old[0], old[1]]          # the stored object (native form), not the new copy
    assert removed == [old[2]]
    assert [v.chunks for v in added] == [(b'new',)]
