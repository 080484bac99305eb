# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.senders import (
    CRES_PUBLISHED,
    DEFAULT_CRES_SENDERS,
    SenderError,
    cres_coverage,
    normalize_senders,
    parse_sender,
    validate_sender,
    validate_senders,
)


@pytest.mark.parametrize('value, kind, norm', [
    ('208.90.57.0/26', 'ipv4_network', '208.90.57.0/26'),
    (' 192.0.2.1 ', 'ipv4', '192.0.2.1'),
    ('2001:DB8:0:0::1', 'ipv6', '2001:db8::1'),
    ('2001:db8::/32', 'ipv6_network', '2001:db8::/32'),
    ('.RES.cisco.com', 'domain_suffix', '.res.cisco.com'),
    ('.cres.iphmx.com.', 'domain_suffix', '.cres.iphmx.com'),
    ('Mail.Example.COM.', 'hostname', 'mail.example.com'),
    ('mx-1.example.com', 'hostname', 'mx-1.example.com'),
    ('0.0.0.0/0', 'ipv4_network', '0.0.0.0/0'),
])
def test_valid(value, kind, norm):
    sender = validate_sender(value)
    assert sender.kind == kind
    assert sender.value == norm


@pytest.mark.parametrize('value, fragment', [
    ('208.90.57.1/26', 'did you mean 208.90.57.0/26'),
    ('208.90.57.0/33', 'prefix length must be 0-32'),
    ('208.90.57.0/x', 'must be a number'),
    ('300.1.1.1', 'not a valid IP address'),
    ('10.1.1.', 'not a valid IP address'),
    ('10.1.1.10-20', 'ranges such as'),
    ('mail.example.123', 'not a valid sender'),
    ('2001:db8::zz', 'not a valid IP address'),
    ('a, b', 'comma'),
    ('two words', 'comma or blank'),
    ('', 'empty'),
    ('.', 'partial hostname'),
    ('-bad.example.com', 'not a valid sender'),
    ('bad_$.example.com', 'not a valid sender'),
    ('.ex ample.com', 'blank'),
    (5, 'not a string'),
])
def test_invalid(value, fragment):
    with pytest.raises(SenderError) as err:
        validate_sender(value)
    assert fragment in str(err.value)


def test_list_names_position_and_dedupes():
    assert [s.value for s in validate_senders(['.A.com', '.a.com', '10.0.0.0/8'])] == ['.a.com', '10.0.0.0/8']
    with pytest.raises(SenderError) as err:
        validate_senders(['.ok.com', '1.2.3.4/40'], 'senders')
    assert str(err.value).startswith('senders[1]: ')


def test_parse_tolerant_and_normalize():
    assert parse_sender('sbrs[-10.0:-3.0]').kind == 'other'
    assert parse_sender('10.1.1.10-20').value == '10.1.1.10-20'
    assert normalize_senders(['.RES.cisco.com', '.res.cisco.com', '2001:DB8::1']) == ['.res.cisco.com', '2001:db8::1']


def test_coverage_of_the_procedure_senders():
    cov = cres_coverage(DEFAULT_CRES_SENDERS)
    by_addr = set(e['address'] for e in cov['by_address'])
    by_name = set(e['address'] for e in cov['by_hostname_only'])
    not_cov = set(e['host'] for e in cov['not_covered'])
    assert by_addr == {'208.90.57.32', '208.90.57.33', '208.90.57.34', '208.90.57.35'}
    # 184.94.241.96-99 (mxnat3-6) and the four esaN.cres.iphmx.com only through reverse DNS
    assert by_name == {'184.94.241.96', '184.94.241.97', '184.94.241.98', '184.94.241.99',
                       '68.232.140.79', '68.232.140.57', '68.232.135.234', '68.232.135.235'}
    # res.cisco.com itself is not under ".res.cisco.com"
    assert not_cov == {'res.cisco.com'}
    assert cov['complete_by_address'] is False
    assert len(cov['by_address']) + len(cov['by_hostname_only']) + len(cov['not_covered']) == len(CRES_PUBLISHED)
    entry = [e for e in cov['by_address'] if e['host'] == 'mxnat1.res.cisco.com'][0]
    assert entry['matched_by'] == ['208.90.57.0/26']


def test_coverage_complete_by_address():
    senders = list(DEFAULT_CRES_SENDERS) + ['184.94.241.64/26', '68.232.140.0/24', '68.232.135.0/24']
    cov = cres_coverage(senders)
    assert cov['complete_by_address'] is True
    assert cov['by_hostname_only'] == [] and cov['not_covered'] == []


def test_coverage_full_hostname_and_ipv6_do_not_confuse():
    cov = cres_coverage(['res.cisco.com', '2001:db8::/32'])
    assert [e['host'] for e in cov['by_hostname_only']] == ['res.cisco.com']
    assert cov['by_address'] == []
