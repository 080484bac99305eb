# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import dns_txt_core as core
from ansible_collections.mailsec.cres.plugins.module_utils.dns import base as providers

from .test_spf_include_core import FakeProvider


def params(**kw):
    p = {k: v.get('default') for k, v in core.ARGUMENT_SPEC.items()}
    p.update(name='_acme-challenge.mail.example.com', values=['token'], provider='zonefile', path='/unused')
    p.update(kw)
    return p


def rrset(*values, disabled=()):
    return providers.TxtRRset('n', 300, [providers.TxtValue.from_text(v) for v in values]
                              + [providers.TxtValue([v.encode()], disabled=True) for v in disabled])


@pytest.mark.parametrize('before,values,state,mode,after,added,removed', [
    (['a'], ['b'], 'present', 'append', ['a', 'b'], ['b'], []),
    (['a', 'b'], ['b'], 'present', 'append', ['a', 'b'], [], []),
    (['a', 'b', 'c'], ['c', 'd'], 'present', 'exact', ['c', 'd'], ['d'], ['a', 'b']),
    (['a', 'b'], ['b', 'x'], 'absent', 'append', ['a'], [], ['b']),
    (['a', 'b'], [], 'absent', 'exact', [], [], ['a', 'b']),
    ([], ['a'], 'absent', 'append', [], [], []),
    ([], [], 'absent', 'exact', [], [], []),
])
def test_plan(before, values, state, mode, after, added, removed):
    decision = core.plan(rrset(*before), values, state, mode)
    assert [v.text for v in decision.new_values] == after
    assert [v.text for v in decision.added] == added
    assert [v.text for v in decision.removed] == removed
    assert decision.changed == bool(added or removed)


def test_plan_keeps_values_as_read_and_compares_joined_text():
    stored = providers.TxtValue([b'split-', b'in-two'], native='as-stored')
    decision = core.plan(providers.TxtRRset('n', 300, [stored]), ['split-in-two'], 'present', 'exact')
    assert not decision.changed
    assert decision.new_values[0] is stored


def test_plan_a_disabled_value_is_not_served():
    decision = core.plan(rrset('other', disabled=['token']), ['token'], 'present', 'append')
    assert [v.text for v in decision.removed] == ['token'] and decision.removed[0].disabled
    assert [v.text for v in decision.added] == ['token'] and not decision.added[0].disabled
    assert [v.text for v in decision.new_values] == ['other', 'token']


@pytest.mark.parametrize('served,values,state,mode,ok', [
    (['a', 'other'], ['a'], 'present', 'append', True),
    (['other'], ['a'], 'present', 'append', False),
    (['a', 'other'], ['a'], 'present', 'exact', False),
    (['a'], ['a'], 'present', 'exact', True),
    (['other'], ['a'], 'absent', 'append', True),
    (['a'], ['a'], 'absent', 'append', False),
    ([], [], 'absent', 'exact', True),
    (['x'], [], 'absent', 'exact', False),
])
def test_served_as_wanted(served, values, state, mode, ok):
    assert core.served_as_wanted(served, values, state, mode) is ok


def test_ensure_check_mode_writes_nothing():
    prov = FakeProvider(['other'])
    res = core.ensure_txt(prov, None, params(), check_mode=True)
    assert res['changed'] and res['added'] == ['token'] and prov.writes == 0
    assert res['diff'] == {'before_header': '_acme-challenge.mail.example.com TXT',
                           'after_header': '_acme-challenge.mail.example.com TXT',
                           'before': '"other"\n', 'after': '"other"\n"token"\n'}


def test_ensure_retries_after_a_lost_compare_and_swap_and_keeps_the_other_writers_value():
    prov = FakeProvider(['other'], race=2)
    res = core.ensure_txt(prov, None, params())
    assert res['changed'] and res['attempts'] == 3 and res['conflicts'] == 2
    assert sorted(prov.values) == sorted([(b'other',), (b'concurrent=1',), (b'concurrent=0',), (b'token',)])
    assert res['propagation'] is None      # the fake is not served live


def test_ensure_gives_up_after_retries():
    prov = FakeProvider(['other'], race=10)
    with pytest.raises(core.DnsTxtFailure) as exc:
        core.ensure_txt(prov, None, params(retries=2))
    assert 'gave up after 3 attempts' in exc.value.message and not exc.value.result['changed']


def test_second_run_unchanged():
    prov = FakeProvider(['token', 'other'])
    res = core.ensure_txt(prov, None, params())
    assert not res['changed'] and prov.writes == 0 and res['propagation'] == []


@pytest.mark.parametrize('kw,message', [
    (dict(values=[]), 'give at least one TXT value'),
    (dict(values=['x'], state='absent', mode='exact'), 'takes no values'),
    (dict(values=[None]), 'null'),
    (dict(name='a..b'), 'name must be a DNS name'),
    (dict(name='x' * 64 + '.example.com'), 'name must be a DNS name'),
    (dict(zone='example.org'), 'not inside zone'),
    (dict(ttl=-1), 'ttl must be between'),
    (dict(retries=99), 'retries must be between'),
    (dict(propagation_timeout=4000), 'propagation_timeout must be between'),
    (dict(authoritative_port=0), 'authoritative_port must be a port number'),
])
def test_bad_input_names_the_option(kw, message):
    with pytest.raises(core.DnsTxtFailure) as exc:
        core.validate_settings(params(**kw))
    assert message in exc.value.message


def test_duplicate_values_are_one_record():
    assert core.validate_settings(params(values=['a', 'a', 'b']))[1] == ['a', 'b']
