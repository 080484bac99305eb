# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.dns import base as providers
from ansible_collections.mailsec.cres.plugins.module_utils import spf_include_core as core
from ansible_collections.mailsec.cres.plugins.module_utils.spf import split_txt

from .spf_fake_dns import CRES, FakeResolver


class FakeProvider(providers.DnsProvider):
    """In-memory provider with real compare-and-swap semantics and optional injected races."""

    name = 'fake'
    capabilities = providers.Capabilities(atomic_precondition=True, served_live=False)

    def __init__(self, values, race=0):
        self.values = [tuple(split_txt(v)) for v in values]
        self.race = race  # this many writes are preceded by a concurrent change
        self.writes = 0

    @classmethod
    def from_params(cls, params):
        return cls([])

    def discover_zone(self, name):
        return 'example.com'

    def read_txt(self, zone, name):
        return providers.TxtRRset(name, 300, [providers.TxtValue(v, native=v) for v in self.values])

    def replace_txt(self, zone, name, old, new_values, ttl):
        if self.race:
            self.race -= 1
            self.values.append((b'concurrent=%d' % self.race,))
        if sorted(v.native for v in old.values) != sorted(self.values):
            raise self.error('changed', zone, name, cls=providers.ConflictError)
        kept, removed, added = providers.split_change(old.values, new_values)
        self.values = [v.chunks for v in kept + added]
        self.writes += 1
        return providers.TxtChange(removed, added)


def params(**kw):
    p = {k: v.get('default') for k, v in core.ARGUMENT_SPEC.items()}
    p.update(domain='example.com', provider='zonefile', path='/unused')
    p.update(kw)
    return p


def test_adds_and_keeps_siblings():
    prov = FakeProvider(['v=spf1 mx -all', 'site=keep'])
    res = core.ensure_spf_include(prov, FakeResolver(CRES), params())
    assert res['changed']
    assert res['record_after'] == 'v=spf1 mx include:res.cisco.com -all'
    assert (b'site=keep',) in prov.values
    assert res['lookups']['total'] == 4
    assert res['diff']['after'] == 'v=spf1 mx include:res.cisco.com -all\n'
    assert res['propagation'] is None


def test_second_run_unchanged():
    prov = FakeProvider(['v=spf1 mx include:res.cisco.com -all'])
    res = core.ensure_spf_include(prov, FakeResolver(CRES), params())
    assert not res['changed']
    assert prov.writes == 0


class CountingProvider(FakeProvider):
    def __init__(self, values, **kw):
        super(CountingProvider, self).__init__(values, **kw)
        self.reads = 0

    def read_txt(self, zone, name):
        self.reads += 1
        return super(CountingProvider, self).read_txt(zone, name)


@pytest.mark.parametrize('state, record', [
    ('present', 'v=spf1 mx include:res.cisco.com -all'),
    ('absent', 'v=spf1 mx -all'),
])
def test_unchanged_on_change_does_not_evaluate_lookups(state, record):
    # Idempotent check: one read of the TXT RRset, no recursive lookup evaluation at all.
    prov = CountingProvider([record])
    resolver = FakeResolver(CRES)
    res = core.ensure_spf_include(prov, resolver, params(state=state))
    assert not res['changed']
    assert resolver.calls == []
    assert prov.reads == 1 and prov.writes == 0
    assert res['lookups'] is None and res['void_lookups'] is None and res['problems'] is None
    assert res['size']['record'] == len(record)
    assert res['record_before'] == record and res['record_after'] == record
    assert res['diff']['before'] == res['diff']['after'] == record + '\n'


def test_unchanged_on_change_does_not_evaluate_in_check_mode():
    resolver = FakeResolver(CRES)
    res = core.ensure_spf_include(FakeProvider(['v=spf1 include:res.cisco.com -all']), resolver,
                                  params(), check_mode=True)
    assert not res['changed'] and resolver.calls == [] and res['lookups'] is None


def test_unchanged_always_evaluates_lookups():
    prov = CountingProvider(['v=spf1 mx include:res.cisco.com -all'])
    resolver = FakeResolver(CRES)
    res = core.ensure_spf_include(prov, resolver, params(evaluate_lookups='always'))
    assert not res['changed']
    assert resolver.calls  # the recursive evaluation ran
    assert res['lookups']['total'] == 4
    assert res['void_lookups'] == 2  # mx of example.com and the exists: of res.cisco.com
    assert isinstance(res['problems'], list)


def test_change_evaluates_lookups_with_on_change():
    resolver = FakeResolver(CRES)
    res = core.ensure_spf_include(FakeProvider(['v=spf1 mx -all']), resolver, params(evaluate_lookups='on_change'))
    assert res['changed'] and resolver.calls
    assert res['lookups']['total'] == 4 and res['void_lookups'] == 2


def test_evaluate_lookups_defaults_to_on_change():
    assert core.ARGUMENT_SPEC['evaluate_lookups']['default'] == 'on_change'
    assert core.ARGUMENT_SPEC['evaluate_lookups']['choices'] == ['on_change', 'always']


def test_check_mode_writes_nothing():
    prov = FakeProvider(['v=spf1 mx -all'])
    res = core.ensure_spf_include(prov, FakeResolver(CRES), params(), check_mode=True)
    assert res['changed']
    assert prov.writes == 0
    assert prov.values == [(b'v=spf1 mx -all',)]


def test_conflict_is_retried():
    prov = FakeProvider(['v=spf1 mx -all'], race=2)
    res = core.ensure_spf_include(prov, FakeResolver(CRES), params())
    assert res['changed']
    assert res['conflicts'] == 2
    assert res['attempts'] == 3
    assert len(prov.values) == 3  # the two concurrent values survived


def test_conflict_gives_up_bounded():
    prov = FakeProvider(['v=spf1 mx -all'], race=100)
    with pytest.raises(core.SpfIncludeFailure, match='gave up after 3 attempts'):
        core.ensure_spf_include(prov, FakeResolver(CRES), params(retries=2))
    assert prov.writes == 0


def test_two_spf_records_refused():
    prov = FakeProvider(['v=spf1 mx -all', 'v=spf1 mx -all'])
    with pytest.raises(core.SpfIncludeFailure, match='2 SPF records'):
        core.ensure_spf_include(prov, FakeResolver(CRES), params())


def test_over_limit_refused_without_write():
    text = 'v=spf1 ' + ' '.join('a:h%d.example.com' % i for i in range(8)) + ' -all'
    prov = FakeProvider([text])
    with pytest.raises(core.SpfIncludeFailure) as exc:
        core.ensure_spf_include(prov, FakeResolver({**CRES, **{('h%d.example.com' % i, 'A'): ['192.0.2.%d' % i]
                                                               for i in range(8)}}), params())
    assert 'include:res.cisco.com (3)' in exc.value.message and 'permerror' in exc.value.message
    assert prov.writes == 0


def test_size_over_512_refused():
    prov = FakeProvider(['v=spf1 ' + ' '.join('ip4:192.0.2.%d' % i for i in range(33)) + ' -all',
                         'x' * 200])
    with pytest.raises(core.SpfIncludeFailure, match='bytes, over 512'):
        core.ensure_spf_include(prov, FakeResolver(CRES), params())
    assert prov.writes == 0


def test_resolver_error_blocks_write():
    prov = FakeProvider(['v=spf1 mx -all'])
    with pytest.raises(core.SpfIncludeFailure, match='nameservers'):
        core.ensure_spf_include(prov, FakeResolver({('res.cisco.com', 'TXT'): 'ERROR'}), params())
    assert prov.writes == 0


def test_absent_removes_only_include():
    prov = FakeProvider(['v=spf1 mx include:res.cisco.com -all', 'other'])
    res = core.ensure_spf_include(prov, FakeResolver(CRES), params(state='absent'))
    assert res['record_after'] == 'v=spf1 mx -all'
    assert sorted(prov.values) == [(b'other',), (b'v=spf1 mx -all',)]


@pytest.mark.parametrize('kw, match', [
    (dict(include='bad include'), '^include:'),
    (dict(domain='a..b'), '^domain'),
    (dict(zone='other.com'), 'not inside zone'),
    (dict(lookup_limit=0), 'lookup_limit'),
    (dict(retries=-1), 'retries'),
    (dict(propagation_timeout=-1), 'propagation_timeout'),
    (dict(port=70000), 'port'),
])
def test_bad_input_named(kw, match):
    prov = FakeProvider(['v=spf1 -all'])
    with pytest.raises(core.SpfIncludeFailure, match=match):
        core.ensure_spf_include(prov, FakeResolver(CRES), params(**kw))
    assert prov.writes == 0


def test_wait_served_reports_each_server():
    class NsProvider(FakeProvider):
        def nameservers(self, zone):
            return [('ns1.example.com', ['192.0.2.1']), ('ns2.example.com', ['192.0.2.2']), ('ns3.example.com', [])]

    def query(address, port, domain, timeout):
        if address == '192.0.2.1':
            return ['v=spf1 new -all', 'other']
        raise providers.DnsProviderError('no answer')

    out = core.wait_served(NsProvider([]), FakeResolver({}), 'example.com', 'example.com', 'v=spf1 new -all', 0, 53,
                           query=query)
    served = {(t['nameserver'], t['served']) for t in out}
    assert served == {('ns1.example.com', True), ('ns2.example.com', False), ('ns3.example.com', False)}


@pytest.mark.parametrize('served, state, ok', [
    (['v=spf1 new -all'], 'present', True),                                       # our own record
    (['v=spf1 include:res.cisco.com include:other.example -all'], 'present', True),  # a later writer's, still ours
    (['v=spf1 include:other.example -all'], 'present', False),                    # a stale copy, before our write
    (['v=spf1 ~include:res.cisco.com -all'], 'present', False),                   # include that never passes
    (['v=spf1 include:res.cisco.com -all', 'v=spf1 -all'], 'present', False),     # two SPF records
    (['v=spf1 include:res.cisco.com bogus!! -all'], 'present', False),            # malformed
    ([], 'present', False),
    ([], 'absent', True),
    (['v=spf1 include:other.example -all'], 'absent', True),
    (['v=spf1 include:res.cisco.com -all'], 'absent', False),
])
def test_propagation_accepts_any_record_with_the_desired_effect(served, state, ok):
    assert core.serves_desired_state(served, 'v=spf1 new -all', state, 'res.cisco.com') is ok


def test_wait_served_accepts_a_concurrent_writers_newer_record():
    class NsProvider(FakeProvider):
        def nameservers(self, zone):
            return [('ns1.example.com', ['192.0.2.1'])]

    def query(address, port, domain, timeout):
        return ['v=spf1 include:res.cisco.com include:later.example -all']

    out = core.wait_served(NsProvider([]), FakeResolver({}), 'example.com', 'example.com',
                           'v=spf1 include:res.cisco.com -all', 0, 53, query=query)
    assert [t['served'] for t in out] == [True]
