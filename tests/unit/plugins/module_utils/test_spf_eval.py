# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RFC 7208 evaluator (spf_eval) on a dictionary-backed resolver.

The official test suite runs against BIND in tests/functional/test_spf_rfc7208_suite.py; these
are the cases of issue 15 and the counting mode spf_include relies on.
"""
from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.spf_eval import check_host, evaluate_domain

from .spf_fake_dns import CRES, CRES_ADDRESSES, FakeResolver


def zone(records, base=CRES):
    data = dict(base)
    for (name, rdtype), values in records.items():
        data[(name, rdtype)] = values
    return FakeResolver(data)


def a_hosts(count, prefix='h', domain='example.com'):
    return {('%s%d.%s' % (prefix, i, domain), 'A'): ['192.0.2.%d' % (i + 1)] for i in range(count)}


# -- counting mode: what spf_include decides on ---------------------------------------------------

def test_cres_include_costs_three_one_sender_dependent_void():
    ev = evaluate_domain(zone({}), 'example.com', 'v=spf1 include:res.cisco.com -all')
    assert ev.result == 'fail' and ev.term == '-all'
    assert ev.lookups == 3 and ev.void_lookups == 1
    assert ev.terms == [{'term': 'include:res.cisco.com', 'cost': 3, 'void': 1}]
    assert ev.sender_dependent == [{'domain': 'res.cisco.com', 'term': 'exists:%{i}.spf.res.cisco.com'}]


def test_sender_independent_macro_is_expanded_and_followed():
    # include:_spf.%{d} is the domain's own record: it costs what it contains (issue 15).
    inner = 'v=spf1 ' + ' '.join('a:h%d.example.com' % i for i in range(9)) + ' -all'
    resolver = zone({**a_hosts(9), ('_spf.example.com', 'TXT'): [inner]})
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 include:_spf.%{d} include:res.cisco.com -all')
    assert ev.lookups == 13
    assert ev.result == 'permerror' and ev.section == '4.6.4'
    assert ev.sender_dependent == [{'domain': 'res.cisco.com', 'term': 'exists:%{i}.spf.res.cisco.com'}]
    assert ('_spf.example.com', 'TXT') in resolver.calls


def test_o_macro_is_the_domain():
    resolver = zone({('_spf.example.com', 'TXT'): ['v=spf1 ip4:192.0.2.1 -all']})
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 include:_spf.%{o} -all')
    assert ev.result == 'fail' and ev.lookups == 1 and ev.sender_dependent == []


def test_terms_after_all_are_ignored():
    # A 2-lookup record with 9 lookups after "all" (issue 15: it was refused as 11).
    text = 'v=spf1 mx a -all ' + ' '.join('a:h%d.example.com' % i for i in range(9))
    ev = evaluate_domain(zone({('example.com', 'A'): ['192.0.2.1'], ('example.com', 'MX'): ['mx.example.com']}),
                         'example.com', text)
    assert ev.result == 'fail' and ev.lookups == 2
    assert ev.terms[2]['cost'] == 0 and '5.1' in ev.terms[2]['note']


def test_syntax_after_all_is_still_an_error():
    ev = evaluate_domain(zone({}), 'example.com', 'v=spf1 -all ip4:192.0.2.300')
    assert ev.result == 'permerror' and ev.section == '5.6' and ev.term == 'ip4:192.0.2.300'


def test_redirect_ignored_when_all_is_present():
    resolver = zone({('r.example.com', 'TXT'): ['v=spf1 include:i.example.com -all']})
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 ?all redirect=r.example.com')
    assert ev.lookups == 0 and ev.result == 'neutral'
    assert '6.1' in ev.terms[-1]['note']
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 redirect=r.example.com')
    assert ev.result == 'permerror' and 'i.example.com' in ev.cause  # the include target has no record


def test_include_loop_is_permerror():
    resolver = zone({('a.example.com', 'TXT'): ['v=spf1 include:b.example.com -all'],
                     ('b.example.com', 'TXT'): ['v=spf1 include:a.example.com -all']})
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 include:a.example.com -all')
    assert ev.result == 'permerror' and 'loop' in ev.cause and ev.section == '4.6.4'
    assert ev.term == 'include:a.example.com' and ev.domain == 'b.example.com'


@pytest.mark.parametrize('records, why', [
    ({}, 'no TXT records'),                                              # NXDOMAIN
    ({('x.example.com', 'TXT'): ['google-site-verification=1']}, 'no SPF record'),
])
def test_include_of_none_is_permerror(records, why):
    ev = evaluate_domain(zone(records), 'example.com', 'v=spf1 include:x.example.com -all')
    assert ev.result == 'permerror' and ev.section == '5.2' and ev.term == 'include:x.example.com'


def test_mx_over_ten_names_is_permerror():
    resolver = zone({('m.example.com', 'MX'): ['mx%d.example.com' % i for i in range(11)]})
    ev = evaluate_domain(resolver, 'example.com', 'v=spf1 mx:m.example.com -all')
    assert ev.result == 'permerror' and ev.section == '4.6.4' and '11 MX' in ev.cause


def test_void_over_two_is_permerror():
    ev = evaluate_domain(zone({}), 'example.com', 'v=spf1 a:v1.example.com a:v2.example.com a:v3.example.com -all')
    assert ev.void_lookups == 3 and ev.result == 'permerror' and ev.term == 'a:v3.example.com'


def test_over_limit_counts_everything_and_lists_costs():
    text = 'v=spf1 ' + ' '.join('a:h%d.example.com' % i for i in range(8)) + ' include:res.cisco.com -all'
    ev = evaluate_domain(zone(a_hosts(8)), 'example.com', text)
    assert ev.lookups == 11 and ev.result == 'permerror'
    assert 'include:res.cisco.com (3)' in ev.describe_costs() and 'a:h0.example.com (1)' in ev.describe_costs()
    assert 'RFC 7208 section 4.6.4' in ev.describe()


def test_dns_error_is_temperror():
    ev = evaluate_domain(zone({('x.example.com', 'TXT'): 'ERROR'}), 'example.com', 'v=spf1 include:x.example.com -all')
    assert ev.result == 'temperror'


def test_ptr_depends_on_the_sender_and_is_reported():
    ev = evaluate_domain(zone({}), 'example.com', 'v=spf1 ptr -all')
    assert ev.lookups == 1 and ev.sender_dependent == [{'domain': 'example.com', 'term': 'ptr'}]
    assert any('5.5' in p for p in ev.problems)


def test_lookup_mode_reads_the_record_when_none_given():
    resolver = zone({('example.com', 'TXT'): [b'v=spf1 include:res.cisco.com -all', b'other']})
    assert evaluate_domain(resolver, 'example.com').lookups == 3


# -- check_host for a sender ----------------------------------------------------------------------

@pytest.mark.parametrize('ip', CRES_ADDRESSES)
def test_cres_addresses_pass_through_the_include(ip):
    ev = check_host(zone({}), ip, 'example.com', record='v=spf1 mx include:res.cisco.com -all')
    assert ev.result == 'pass' and ev.term == 'include:res.cisco.com'
    assert ev.path[-1] == {'domain': 'res.cisco.com', 'term': 'exists:%{i}.spf.res.cisco.com'}


def test_other_address_fails_with_the_all_term():
    ev = check_host(zone({}), '198.51.100.7', 'example.com', record='v=spf1 include:res.cisco.com -all')
    assert ev.result == 'fail' and ev.term == '-all' and ev.void_lookups == 1  # the exists: of res.cisco.com
    assert [t['term'] for t in ev.trace] == ['include:res.cisco.com', 'mx:res.cisco.com',
                                             'exists:%{i}.spf.res.cisco.com', '-all', '-all']


def test_mx_of_cres_matches_its_gateway_address():
    ev = check_host(zone({}), '68.232.140.79', 'example.com', record='v=spf1 include:res.cisco.com -all')
    assert ev.result == 'pass' and ev.path[-1]['term'] == 'mx:res.cisco.com'


def test_ip4_mapped_ipv6_is_ipv4_and_ip6_networks():
    assert check_host(zone({}), '::ffff:192.0.2.9', 'example.com', record='v=spf1 ip4:192.0.2.0/24 -all').result == 'pass'
    assert check_host(zone({}), '2001:db8::5', 'example.com', record='v=spf1 ip6:2001:db8::/32 -all').result == 'pass'
    assert check_host(zone({}), '2001:db9::5', 'example.com', record='v=spf1 ip6:2001:db8::/32 ~all').result == \
        'softfail'


def test_macros_reverse_split_escape():
    resolver = zone({('4.3.2.1.john.user.example.com', 'A'): ['127.0.0.2'],
                     ('exp.example.com', 'TXT'): ['%{L} from %{c} via %{v}']})
    ev = check_host(resolver, '1.2.3.4', 'example.com', sender='john@example.com',
                    record='v=spf1 exists:%{ir}.%{l1r-}.user.%{d} -all')
    assert ev.result == 'pass'
    ev = check_host(resolver, '1.2.3.5', 'example.com', sender='a&b@example.com',
                    record='v=spf1 -all exp=exp.example.com')
    assert ev.result == 'fail' and ev.explanation == 'a%26b from 1.2.3.5 via in-addr'


def test_ipv6_i_macro_is_dotted_nibbles():
    name = '.'.join('20010DB8000000000000000000000001') + '.x.example.com'
    ev = check_host(zone({(name.lower(), 'A'): ['127.0.0.2']}), '2001:db8::1', 'example.com',
                    record='v=spf1 exists:%{i}.x.example.com -all')
    assert ev.result == 'pass'


def test_long_expansion_is_cut_from_the_left():
    sender = '%s@example.com' % ('x' * 60)
    resolver = FakeResolver({})
    check_host(resolver, '192.0.2.1', 'example.com', sender=sender,
               record='v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.e.example.com -all')
    name = resolver.calls[-1][0]
    assert len(name) <= 253 and name.endswith('.e.example.com')


def test_none_and_invalid_domains():
    assert check_host(FakeResolver({}), '192.0.2.1', 'nothing.example.com').result == 'none'
    assert check_host(FakeResolver({}), '192.0.2.1', 'localhost').result == 'none'
    assert check_host(FakeResolver({('example.com', 'TXT'): ['v=spf1 -all', 'v=spf1 +all']}), '192.0.2.1',
                      'example.com').result == 'permerror'


def test_bad_ip_is_a_value_error():
    with pytest.raises(ValueError):
        check_host(FakeResolver({}), '192.0.2.300', 'example.com')
