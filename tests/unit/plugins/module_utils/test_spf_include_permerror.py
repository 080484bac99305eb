# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""spf_include decides on the RFC 7208 evaluation: a record that every receiver evaluates as
permerror is never written; one that already is, is left alone unless allow_permerror."""
from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import spf_include_core as core

from .spf_fake_dns import CRES, FakeResolver
from .test_spf_include_core import FakeProvider, params


def resolver(**extra):
    return FakeResolver({**CRES, **{tuple(k.split('|')): v for k, v in extra.items()}})


def test_change_that_breaks_the_record_is_refused():
    # Two void lookups are fine; the include's exists: (void for most senders) makes three.
    prov = FakeProvider(['v=spf1 a:v1.example.com a:v2.example.com -all'])
    with pytest.raises(core.SpfIncludeFailure) as exc:
        core.ensure_spf_include(prov, resolver(), params())
    msg = exc.value.message
    assert 'would break it' in msg and 'permerror' in msg and 'void lookups' in msg and '4.6.4' in msg
    assert 'exists:%{i}.spf.res.cisco.com' in msg and 'nothing was written' in msg
    assert prov.writes == 0 and exc.value.result['evaluation']['result'] == 'permerror'
    assert 'evaluation_before' not in exc.value.result


@pytest.mark.parametrize('record, cause', [
    ('v=spf1 include:loop-a.example.com -all', 'loop'),
    ('v=spf1 include:nothing.example.com -all', 'no SPF record'),
    ('v=spf1 mx:many.example.com -all', 'MX records'),
    ('v=spf1 ip4:192.0.2.1/33 -all', 'CIDR'),
])
def test_record_already_broken_is_left_alone(record, cause):
    res = resolver(**{'loop-a.example.com|TXT': ['v=spf1 include:loop-b.example.com -all'],
                      'loop-b.example.com|TXT': ['v=spf1 include:loop-a.example.com -all'],
                      'many.example.com|MX': ['mx%d.example.com' % i for i in range(11)]})
    prov = FakeProvider([record])
    with pytest.raises(core.SpfIncludeFailure) as exc:
        core.ensure_spf_include(prov, res, params())
    assert 'already broken' in exc.value.message and cause in exc.value.message and 'allow_permerror' in exc.value.message
    assert exc.value.result['evaluation_before']['result'] == 'permerror'
    assert prov.writes == 0
    done = core.ensure_spf_include(prov, res, params(allow_permerror=True))
    assert done['changed'] and prov.writes == 1
    assert any('stays broken' in w for w in done['warnings'])


def test_sender_independent_macro_counts_what_it_includes():
    inner = 'v=spf1 ' + ' '.join('a:h%d.example.com' % i for i in range(8)) + ' -all'
    extra = {'_spf.example.com|TXT': [inner]}
    extra.update({'h%d.example.com|A' % i: ['192.0.2.%d' % i] for i in range(8)})
    prov = FakeProvider(['v=spf1 include:_spf.%{d} -all'])
    with pytest.raises(core.SpfIncludeFailure) as exc:
        core.ensure_spf_include(prov, resolver(**extra), params())
    assert 'include:_spf.%{d} (9)' in exc.value.message and 'include:res.cisco.com (3)' in exc.value.message
    assert prov.writes == 0


def test_after_all_terms_do_not_count():
    prov = FakeProvider(['v=spf1 mx -all ' + ' '.join('a:h%d.example.com' % i for i in range(9))])
    res = core.ensure_spf_include(prov, resolver(**{'example.com|MX': ['mx.example.com']}), params())
    assert res['changed'] and res['lookups']['total'] == 4
    assert res['lookups']['sender_dependent'] == [{'domain': 'res.cisco.com',
                                                   'term': 'exists:%{i}.spf.res.cisco.com'}]
    assert res['evaluation']['result'] == 'fail' and res['evaluation']['mechanism'] == '-all'


def test_dns_failure_is_refused():
    prov = FakeProvider(['v=spf1 include:x.example.com -all'])
    with pytest.raises(core.SpfIncludeFailure, match='cannot evaluate'):
        core.ensure_spf_include(prov, resolver(**{'x.example.com|TXT': 'ERROR'}), params())
    assert prov.writes == 0


def test_unchanged_broken_record_is_reported():
    prov = FakeProvider(['v=spf1 include:res.cisco.com include:nothing.example.com -all'])
    res = core.ensure_spf_include(prov, resolver(), params(evaluate_lookups='always'))
    assert not res['changed'] and res['evaluation']['result'] == 'permerror'
    assert any('does not work' in w for w in res['warnings'])
