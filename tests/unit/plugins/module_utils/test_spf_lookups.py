# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.spf_lookups import describe_costs, evaluate


class FakeResolver(object):
    """(name, rdtype) -> list of values; missing -> void; value 'ERROR' -> error."""

    def __init__(self, data):
        self.data = data
        self.calls = []

    def query(self, name, rdtype):
        self.calls.append((name, rdtype))
        value = self.data.get((name, rdtype))
        if value == 'ERROR':
            return 'error', ['timed out']
        if not value:
            return 'void', []
        return 'ok', list(value)


CRES = {
    ('res.cisco.com', 'TXT'): ['v=spf1 mx:res.cisco.com exists:%{i}.spf.res.cisco.com -all'],
    ('res.cisco.com', 'MX'): ['esa1.cres.iphmx.com'],
}


def test_cres_include_costs_three_with_one_void():
    result = evaluate('v=spf1 include:res.cisco.com -all', 'example.com', FakeResolver(CRES))
    assert result['total'] == 3
    assert result['void_lookups'] == 1
    assert result['terms'] == [{'term': 'include:res.cisco.com', 'cost': 3, 'void': 1}]
    assert not result['over_limit']


def test_free_terms():
    result = evaluate('v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all exp=e.example', 'example.com', FakeResolver({}))
    assert result['total'] == 0
    assert result['terms'] == []


def test_a_mx_ptr_exists_and_implicit_domain():
    data = {('example.com', 'A'): ['192.0.2.1'], ('example.com', 'MX'): ['mx.example.com']}
    result = evaluate('v=spf1 a mx ptr exists:x.example.com -all', 'example.com', FakeResolver(data))
    assert result['total'] == 4
    assert result['void_lookups'] == 1  # exists:x.example.com
    assert any('ptr' in p for p in result['problems'])


def test_over_limit_and_description():
    data = dict(CRES)
    text = 'v=spf1 ' + ' '.join('a:h%d.example.com' % i for i in range(8)) + ' include:res.cisco.com -all'
    for i in range(8):
        data[('h%d.example.com' % i, 'A')] = ['192.0.2.%d' % i]
    result = evaluate(text, 'example.com', FakeResolver(data))
    assert result['total'] == 11
    assert result['over_limit']
    assert 'include:res.cisco.com (3)' in describe_costs(result)
    assert 'a:h0.example.com (1)' in describe_costs(result)


def test_redirect_counted_only_without_all():
    data = {('r.example', 'TXT'): ['v=spf1 include:i.example -all'], ('i.example', 'TXT'): ['v=spf1 -all']}
    assert evaluate('v=spf1 redirect=r.example', 'example.com', FakeResolver(data))['total'] == 2
    result = evaluate('v=spf1 -all redirect=r.example', 'example.com', FakeResolver(data))
    assert result['total'] == 0


def test_loop_is_bounded_and_reported():
    data = {('a.example', 'TXT'): ['v=spf1 include:b.example -all'],
            ('b.example', 'TXT'): ['v=spf1 include:a.example -all']}
    result = evaluate('v=spf1 include:a.example -all', 'example.com', FakeResolver(data))
    assert any('loop' in p for p in result['problems'])


def test_missing_include_target_is_void_and_a_problem():
    result = evaluate('v=spf1 include:nothing.example -all', 'example.com', FakeResolver({}))
    assert result['void_lookups'] == 1
    assert any('no TXT' in p for p in result['problems'])


def test_void_over_two_is_reported():
    text = 'v=spf1 a:v1.example a:v2.example a:v3.example -all'
    result = evaluate(text, 'example.com', FakeResolver({}))
    assert result['void_lookups'] == 3
    assert any('void' in p for p in result['problems'])


def test_resolver_errors_are_reported():
    result = evaluate('v=spf1 include:x.example -all', 'example.com', FakeResolver({('x.example', 'TXT'): 'ERROR'}))
    assert result['errors']


def test_mx_over_ten_names():
    data = {('m.example', 'MX'): ['mx%d.example' % i for i in range(11)]}
    result = evaluate('v=spf1 mx:m.example -all', 'example.com', FakeResolver(data))
    assert any('11 MX names' in p for p in result['problems'])
