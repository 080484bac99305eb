# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module end to end with the zonefile provider and a fake resolver (no network)."""
from __future__ import annotations

import json

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import spf_include_core as core
from ansible_collections.mailsec.cres.plugins.modules import spf_include
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.module_runner import run_module

CRES = {
    ('res.cisco.com', 'TXT'): ['v=spf1 mx:res.cisco.com exists:%{i}.spf.res.cisco.com -all'],
    ('res.cisco.com', 'MX'): ['esa1.cres.iphmx.com'],
}

ZONE = """$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 2024010101 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.53
@ TXT "v=spf1 mx -all"
@ TXT "google-site-verification=abc"
"""


class Resolver(object):
    def __init__(self, *args, **kwargs):
        pass

    def query(self, name, rdtype):
        value = CRES.get((name, rdtype))
        return ('ok', value) if value else ('void', [])


def run(monkeypatch, args, check_mode=False, diff=False, failed=False):
    monkeypatch.setattr(core.dns_resolver, 'lookup', Resolver)
    return run_module(spf_include.main, args, failed=failed, check_mode=check_mode, diff=diff)


@pytest.fixture
def zonefile(tmp_path):
    path = tmp_path / 'example.com.zone'
    path.write_text(ZONE)
    return path


def test_zonefile_add_idempotent_serial(monkeypatch, zonefile):
    args = {'domain': 'example.com', 'provider': 'zonefile', 'path': str(zonefile)}
    res = run(monkeypatch, dict(args), diff=True)
    assert res['changed'] is True
    assert res['record_after'] == 'v=spf1 mx include:res.cisco.com -all'
    assert res['diff']['before'] == 'v=spf1 mx -all\n'
    text = zonefile.read_text()
    assert '2024010102' in text
    assert 'google-site-verification=abc' in text
    res = run(monkeypatch, dict(args))
    assert res['changed'] is False
    assert 'diff' not in res
    assert '2024010102' in zonefile.read_text()
    # unchanged with the default evaluate_lookups=on_change: lookups not evaluated
    assert res['lookups'] is None and res['void_lookups'] is None
    assert res['size']['record'] == len('v=spf1 mx include:res.cisco.com -all')


def test_unchanged_evaluate_lookups(monkeypatch, zonefile):
    calls = []

    class CountingResolver(Resolver):
        def query(self, name, rdtype):
            calls.append((name, rdtype))
            return Resolver.query(self, name, rdtype)

    args = {'domain': 'example.com', 'provider': 'zonefile', 'path': str(zonefile)}
    assert run(monkeypatch, dict(args))['changed'] is True
    monkeypatch.setattr(core.dns_resolver, 'lookup', CountingResolver)
    del calls[:]
    res = run_module(spf_include.main, args)
    assert res['changed'] is False and res['lookups'] is None and calls == []
    res = run_module(spf_include.main, dict(args, evaluate_lookups='always'))
    assert res['changed'] is False
    assert res['lookups']['total'] == 4 and res['void_lookups'] == 2  # mx of example.com and exists:
    assert calls


def test_check_mode_leaves_file(monkeypatch, zonefile):
    before = zonefile.read_bytes()
    res = run(monkeypatch, {'domain': 'example.com', 'path': str(zonefile)}, check_mode=True)
    assert res['changed'] is True
    assert zonefile.read_bytes() == before


def test_missing_path_is_clear(monkeypatch):
    res = run(monkeypatch, {'domain': 'example.com', 'provider': 'rfc2136'}, failed=True)
    assert 'server' in res['msg']


def test_secrets_not_returned(monkeypatch):
    res = run(monkeypatch, {'domain': 'example.com', 'provider': 'rfc2136', 'server': '127.0.0.1',
                            'port': 1, 'timeout': 1, 'tsig_key_name': 'k',
                            'tsig_key_secret': 'c2VjcmV0c2VjcmV0c2VjcmV0'}, failed=True)
    assert 'c2VjcmV0c2VjcmV0c2VjcmV0' not in json.dumps(res)
