# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    SpfError,
    SpfRecord,
    add_include,
    is_spf,
    join_txt,
    new_record,
    quote_txt,
    remove_include,
    split_txt,
    txt_wire_size,
    unquote_txt,
)


@pytest.mark.parametrize('text, expected', [
    ('v=spf1 -all', True),
    ('v=spf1', True),
    ('V=SPF1 mx', True),
    ('v=spf10 mx', False),
    ('v=spf1x', False),
    ('google-site-verification=x', False),
    ('', False),
    (None, False),
])
def test_is_spf(text, expected):
    assert is_spf(text) is expected


@pytest.mark.parametrize('before, after', [
    ('v=spf1 mx ip4:1.2.3.4 -all', 'v=spf1 mx ip4:1.2.3.4 include:res.cisco.com -all'),
    ('v=spf1 mx ~all', 'v=spf1 mx include:res.cisco.com ~all'),
    ('v=spf1 mx ?all', 'v=spf1 mx include:res.cisco.com ?all'),
    ('v=spf1 mx +all', 'v=spf1 mx include:res.cisco.com +all'),
    ('v=spf1 mx all', 'v=spf1 mx include:res.cisco.com all'),
    ('v=spf1 -all', 'v=spf1 include:res.cisco.com -all'),
    ('v=spf1 mx', 'v=spf1 mx include:res.cisco.com'),
    ('v=spf1', 'v=spf1 include:res.cisco.com'),
    ('v=spf1 mx redirect=_spf.example.com', 'v=spf1 mx include:res.cisco.com redirect=_spf.example.com'),
    ('v=spf1 redirect=_spf.example.com', 'v=spf1 include:res.cisco.com redirect=_spf.example.com'),
    ('v=spf1 mx exp=explain.example.com redirect=x.example.com',
     'v=spf1 mx include:res.cisco.com exp=explain.example.com redirect=x.example.com'),
    # modifier before mechanisms: after the last mechanism
    ('v=spf1 exp=e.example.com mx a', 'v=spf1 exp=e.example.com mx a include:res.cisco.com'),
    # first all wins; later terms untouched
    ('v=spf1 mx -all ip4:1.2.3.4', 'v=spf1 mx include:res.cisco.com -all ip4:1.2.3.4'),
    # spacing preserved byte for byte
    ('v=spf1  mx   -all', 'v=spf1  mx   include:res.cisco.com -all'),
    ('v=spf1 mx ', 'v=spf1 mx include:res.cisco.com '),
    # case of other terms kept
    ('v=spf1 MX -ALL', 'v=spf1 MX include:res.cisco.com -ALL'),
    ('v=spf1 mx:sampleorg1.com ip4:1.2.3.4 -all', 'v=spf1 mx:sampleorg1.com ip4:1.2.3.4 include:res.cisco.com -all'),
])
def test_add_include_insertion(before, after):
    result = add_include(before, 'res.cisco.com')
    assert result.after == after
    assert result.action == 'added'
    assert result.changed


def test_add_never_adds_all():
    result = add_include('v=spf1 redirect=_spf.example.com')
    assert 'all' not in result.after


@pytest.mark.parametrize('text', [
    'v=spf1 include:res.cisco.com -all',
    'v=spf1 +include:res.cisco.com -all',
    'v=spf1 include:RES.Cisco.com. -all',
    'v=spf1 ~include:res.cisco.com include:res.cisco.com -all',
])
def test_add_already_present(text):
    result = add_include(text)
    assert not result.changed
    assert result.action == 'present'


@pytest.mark.parametrize('qual', ['-', '~', '?'])
def test_add_present_with_other_qualifier_is_reported(qual):
    text = 'v=spf1 mx %sinclude:res.cisco.com -all' % qual
    result = add_include(text)
    assert not result.changed
    assert result.action == 'present_qualified'
    assert result.qualifier == qual


def test_add_different_include_not_confused():
    result = add_include('v=spf1 include:res.cisco.com.evil.example -all')
    assert result.action == 'added'


def test_missing_record_needs_create():
    with pytest.raises(SpfError, match='create=true'):
        add_include(None)
    with pytest.raises(SpfError, match='create=true'):
        add_include('')


@pytest.mark.parametrize('qual, expected', [
    ('softfail', '~all'), ('~', '~all'), ('fail', '-all'), ('-', '-all'), ('neutral', '?all'), ('?', '?all'),
    (None, '~all'),
])
def test_create(qual, expected):
    result = add_include(None, 'res.cisco.com', create=True, all_qualifier=qual)
    assert result.action == 'created'
    assert result.after == 'v=spf1 include:res.cisco.com ' + expected


def test_create_bad_qualifier():
    with pytest.raises(SpfError, match='all_qualifier'):
        new_record('res.cisco.com', '+')


@pytest.mark.parametrize('bad', ['', ' ', 'res.cisco.com -all', 'a..b', '%{d}.example.com', 'x' * 64 + '.com', None])
def test_bad_include(bad):
    with pytest.raises(SpfError, match='include'):
        add_include('v=spf1 -all', bad)


@pytest.mark.parametrize('text', [
    'v=spf1 foo:bar -all',
    'v=spf1 redirect=a.example redirect=b.example',
    'v=spf1 exp=a exp=b -all',
])
def test_invalid_records(text):
    with pytest.raises(SpfError):
        SpfRecord(text)


def test_not_spf():
    with pytest.raises(SpfError, match='v=spf1'):
        add_include('hello world')


@pytest.mark.parametrize('before, after', [
    ('v=spf1 mx include:res.cisco.com -all', 'v=spf1 mx -all'),
    ('v=spf1 include:res.cisco.com -all', 'v=spf1 -all'),
    ('v=spf1 mx ~include:res.cisco.com -all', 'v=spf1 mx -all'),
    ('v=spf1 mx include:res.cisco.com', 'v=spf1 mx'),
    ('v=spf1 include:res.cisco.com mx include:RES.cisco.com. -all', 'v=spf1 mx -all'),
    ('v=spf1  mx  include:res.cisco.com  -all', 'v=spf1  mx  -all'),
])
def test_remove(before, after):
    result = remove_include(before)
    assert result.after == after
    assert result.action == 'removed'


def test_remove_absent():
    assert not remove_include('v=spf1 mx -all').changed
    assert remove_include(None).action == 'absent'


def test_add_remove_round_trip():
    text = 'v=spf1 mx:example.com ip4:192.0.2.0/24 ~all'
    assert remove_include(add_include(text).after).after == text


def test_terms():
    record = SpfRecord('v=spf1 a/24 mx:m.example/24//64 ip6:2001:db8::/32 exists:%{i}.x.example redirect=r.example')
    names = [(t.kind, t.name, t.domain_spec) for t in record.terms]
    assert names[0] == ('mechanism', 'a', '')
    assert names[1] == ('mechanism', 'mx', 'm.example')
    assert names[3] == ('mechanism', 'exists', '%{i}.x.example')
    assert names[4] == ('modifier', 'redirect', 'r.example')
    assert [t.costs_lookup() for t in record.terms] == [True, True, False, True, True]


def test_split_and_join():
    text = 'v=spf1 ' + ' '.join('ip4:192.0.2.%d' % i for i in range(60)) + ' -all'
    chunks = split_txt(text)
    assert len(text) > 510
    assert all(len(c) <= 255 for c in chunks)
    assert len(chunks) == -(-len(text) // 255)
    assert join_txt(chunks) == text
    assert split_txt('') == [b'']
    assert txt_wire_size([b'ab', b'c']) == 5


def test_split_utf8_at_byte_boundaries():
    text = 'é' * 200
    chunks = split_txt(text)
    assert all(len(c) <= 255 for c in chunks)
    assert join_txt(chunks) == text


@pytest.mark.parametrize('chunks', [
    [b'v=spf1 -all'],
    [b'a "quoted" \\ back', b'second'],
    [b'\x00\xff ctl'],
    [b''],
])
def test_quote_round_trip(chunks):
    assert unquote_txt(quote_txt(chunks)) == chunks


def test_unquote():
    assert unquote_txt('"abc" "def"') == [b'abc', b'def']
    assert unquote_txt('bare words') == [b'bare', b'words']
    assert unquote_txt('"a\\065b"') == [b'aAb']
    with pytest.raises(SpfError):
        unquote_txt('"unterminated')
