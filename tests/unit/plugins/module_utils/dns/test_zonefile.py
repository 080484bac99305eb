# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zone file provider edits in place: only the TXT line(s) of the name and the SOA serial change."""
from __future__ import annotations

import difflib

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import (
    ConflictError,
    DnsProviderError,
    TxtValue,
    UnsafeEditError,
)
from ansible_collections.mailsec.cres.plugins.module_utils.dns.zonefile import ZoneFileProvider

ZONE = """; example.com, kept in Git
$ORIGIN example.com.
$TTL 3600
@   IN SOA ns1 hostmaster (
        2024010101 ; serial
        3600 600 86400 60 )
    IN NS ns1
ns1 IN A 192.0.2.53

; mail
@   IN MX 10 mx1
    IN TXT "v=spf1 mx -all" ; SPF
    IN TXT "google-site-verification=abc"
mx1 IN A 192.0.2.25
$ORIGIN sub.example.com.
www 300 IN TXT ( "v=spf1 a -all" )
multi   IN TXT ( "v=spf1 ip4:192.0.2.9"
                 " -all" )
"""


@pytest.fixture
def zonefile(tmp_path):
    path = tmp_path / 'example.com.zone'
    path.write_bytes(ZONE.encode())
    return path


def replace(provider, name, fn, zone='example.com', ttl=300):
    rrset = provider.read_txt(zone, name)
    return provider.replace_txt(zone, name, rrset, fn(rrset.values), ttl)


def changed_lines(before, after):
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm='', n=0)
            if line[:1] in '+-' and not line.startswith(('+++', '---'))]


def spf_edit(values):
    return [TxtValue.from_text(v.text.replace(' -all', ' include:res.cisco.com -all')) if 'spf1' in v.text else v
            for v in values]


def test_replaces_only_the_txt_line_and_the_serial(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    change = replace(provider, 'example.com', spf_edit)
    after = zonefile.read_text()
    assert changed_lines(ZONE, after) == [
        '-        2024010101 ; serial',
        '+        2024010102 ; serial',
        '-    IN TXT "v=spf1 mx -all" ; SPF',
        '+    IN TXT "v=spf1 mx include:res.cisco.com -all" ; SPF',
    ]
    assert change.details == {'serial': 2024010102}
    assert [v.text for v in change.added] == ['v=spf1 mx include:res.cisco.com -all']


def test_relative_name_after_origin_and_parentheses_on_one_line(zonefile):
    provider = ZoneFileProvider(str(zonefile), zone='example.com')
    replace(provider, 'www.sub.example.com', spf_edit)
    assert changed_lines(ZONE, zonefile.read_text())[-1] == \
        '+www 300 IN TXT ( "v=spf1 a include:res.cisco.com -all" )'


def test_txt_over_several_lines_is_refused_and_file_untouched(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    with pytest.raises(UnsafeEditError, match='several lines in parentheses') as exc:
        replace(provider, 'multi.sub.example.com', spf_edit)
    assert 'provider zonefile' in str(exc.value) and 'zone example.com' in str(exc.value)
    assert 'name multi.sub.example.com' in str(exc.value)
    assert zonefile.read_text() == ZONE


def test_new_value_goes_right_after_the_names_records(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    replace(provider, 'mx1.example.com', lambda values: values + [TxtValue.from_text('hello "world"')])
    lines = zonefile.read_text().splitlines()
    assert lines[lines.index('mx1 IN A 192.0.2.25') + 1] == 'mx1 300 IN TXT "hello \\"world\\""'
    replace(provider, 'fresh.example.com', lambda values: [TxtValue.from_text('x' * 300)])
    last = zonefile.read_text().splitlines()[-1]
    assert last == 'fresh.example.com. 300 IN TXT "%s" "%s"' % ('x' * 255, 'x' * 45)


def test_second_value_copies_the_prefix_of_the_first(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    replace(provider, 'example.com', lambda values: values + [TxtValue.from_text('ms=ms123')])
    text = zonefile.read_text()
    assert '    IN TXT "google-site-verification=abc"\n    IN TXT "ms=ms123"\nmx1' in text


def test_removed_value_loses_its_line(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    replace(provider, 'example.com', lambda values: [v for v in values if 'google' not in v.text])
    assert changed_lines(ZONE, zonefile.read_text())[-1] == '-    IN TXT "google-site-verification=abc"'


def test_removing_a_line_whose_owner_later_lines_inherit_is_refused(tmp_path):
    path = tmp_path / 'z.zone'
    text = ('$ORIGIN example.com.\n@ SOA ns1 hostmaster 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n'
            'foo TXT "bye"\n    A 192.0.2.7\n')
    path.write_text(text)
    provider = ZoneFileProvider(str(path))
    with pytest.raises(UnsafeEditError, match='inherits'):
        replace(provider, 'foo.example.com', lambda values: [])
    assert path.read_text() == text


def test_crlf_and_bytes_that_are_not_utf8_survive(tmp_path):
    path = tmp_path / 'z.zone'
    raw = (b'; caf\xe9 (latin-1 comment)\r\n$ORIGIN example.com.\r\n@ 300 SOA ns1 hostmaster 7 2 3 4 5\r\n'
           b'@ 300 NS ns1\r\nns1 300 A 192.0.2.1\r\n@ 300 TXT "v=spf1 -all"\r\n')
    path.write_bytes(raw)
    provider = ZoneFileProvider(str(path))
    replace(provider, 'example.com', spf_edit)
    assert path.read_bytes() == raw.replace(b'"v=spf1 -all"', b'"v=spf1 include:res.cisco.com -all"').replace(
        b'hostmaster 7 ', b'hostmaster 8 ')


def test_value_in_an_include_file_is_refused(tmp_path):
    (tmp_path / 'part.zone').write_text('inc TXT "v=spf1 -all"\n')
    path = tmp_path / 'z.zone'
    path.write_text('$ORIGIN example.com.\n@ SOA ns1 hostmaster 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n'
                    '$INCLUDE part.zone\n')
    provider = ZoneFileProvider(str(path))
    assert provider.read_txt('example.com', 'inc.example.com').texts() == ['v=spf1 -all']
    with pytest.raises(UnsafeEditError, match=r'\$INCLUDE'):
        replace(provider, 'inc.example.com', spf_edit)


def test_changed_since_read_is_a_conflict(zonefile):
    provider = ZoneFileProvider(str(zonefile))
    rrset = provider.read_txt('example.com', 'example.com')
    zonefile.write_text(ZONE + 'late IN TXT "x"\n')
    with pytest.raises(ConflictError):
        provider.replace_txt('example.com', 'example.com', rrset, spf_edit(rrset.values), 300)


def test_discovers_origin_and_reports_missing_file(zonefile, tmp_path):
    assert ZoneFileProvider(str(zonefile)).discover_zone('www.example.com') == 'example.com'
    with pytest.raises(DnsProviderError, match='does not exist; check path'):
        ZoneFileProvider(str(tmp_path / 'nope.zone')).read_txt('example.com', 'example.com')


def test_capabilities():
    caps = ZoneFileProvider('/x').capabilities
    assert caps.atomic_precondition and not caps.served_live
    assert ZoneFileProvider('/x').propagation_port is None
