# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one guard of the optional libraries (module_utils/deps.py).

A library is made missing the way Python sees it: ``sys.modules[name] = None`` makes every
``import name`` fail. Each module then fails before any work with the message naming the
library (and its minimum, the install command, the alternative), and changes nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import smtp_probe
from ansible_collections.mailsec.cres.plugins.modules import (
    certificate_check,
    dns_txt,
    esa_certificate,
    esa_info,
    smtp_tls_info,
    spf_check,
    spf_include,
)
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.module_runner import run_module
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.test_spf_include import ZONE

ROOT = Path(__file__).resolve().parents[4]
MISSING_TEXT = 'Failed to import the required Python library (%s)'


def missing(monkeypatch, *modules):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def zonefile(tmp_path):
    path = tmp_path / 'example.com.zone'
    path.write_text(ZONE)
    return path


@pytest.fixture
def no_probe(monkeypatch):
    """smtp_tls_info must not start probing when a library is missing."""
    def probe(*args, **kwargs):
        raise AssertionError('probed although a library is missing')
    monkeypatch.setattr(smtp_probe, 'probe_domain', probe)


# ---------------------------------------------------------------- the messages

@pytest.mark.parametrize('library', deps.LIBRARIES, ids=lambda lib: lib.name)
def test_a_missing_library_is_named_with_its_install_command(monkeypatch, library):
    assert library.problem() is None
    missing(monkeypatch, library.module)
    message, failure = library.diagnose()
    label = '%s >= %s' % (library.name, library.minimum) if library.minimum else library.name
    assert message.startswith(MISSING_TEXT % label)
    assert '%s -m pip install ' % sys.executable in message and library.spec in message
    assert 'ImportError' in failure or 'ModuleNotFoundError' in failure
    assert library.problem('set ca_bundle').endswith('. Or set ca_bundle.')


def test_cryptography_too_old_says_upgrade(monkeypatch):
    import cryptography
    monkeypatch.setattr(cryptography, '__version__', '41.0.7')
    message, failure = deps.CRYPTOGRAPHY.diagnose()
    assert failure is None
    assert 'cryptography 41.0.7' in message and '42.0.0 or later' in message and 'x509.verification' in message
    assert "pip install --upgrade 'cryptography>=42.0.0'" in message
    monkeypatch.setattr(cryptography, '__version__', '42.0.0')
    assert deps.CRYPTOGRAPHY.problem() is None


def test_gssapi_says_what_it_builds_against(monkeypatch):
    missing(monkeypatch, 'gssapi')
    assert 'libkrb5-dev' in deps.GSSAPI.problem()


def test_guard_keeps_an_import_error_for_the_module():
    library = deps.Library('examplelib', 'json')
    with library.guard():
        import json  # noqa: F401  pylint: disable=unused-import
        import mailsec_no_such_module  # noqa: F401  pylint: disable=unused-import,import-error
    message, failure = library.diagnose()
    assert message.startswith(MISSING_TEXT % 'examplelib') and 'mailsec_no_such_module' in failure


def test_release_numbers():
    assert deps._release('42.0.0') == (42, 0, 0) > deps._release('41.0.7')
    assert deps._release('46.0.6') > deps._release('46.0.5') > deps._release('42.0.0rc1') == (42, 0, 0)
    assert deps._release('') == ()


# ---------------------------------------------------------------- each module

def test_certificate_check(monkeypatch, tmp_path):
    missing(monkeypatch, 'cryptography')
    r = run_module(certificate_check.main, {'certificate_path': str(tmp_path / 'x.pem')}, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % 'cryptography >= 42.0.0')
    monkeypatch.undo()
    missing(monkeypatch, 'certifi')
    r = run_module(certificate_check.main, {'certificate_path': str(tmp_path / 'x.pem')}, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % 'certifi') and r['msg'].endswith('Or set ca_bundle.')
    # with ca_bundle certifi is not needed: the module goes on (and fails on the missing file)
    r = run_module(certificate_check.main, {'certificate_path': str(tmp_path / 'x.pem'),
                                            'ca_bundle': str(tmp_path / 'ca.pem')}, failed=True)
    assert r['msg'].startswith('certificate_path: cannot read')


@pytest.mark.parametrize('module_name,args,text', [
    ('dnspython', {}, MISSING_TEXT % 'dnspython'),
    ('cryptography', {}, MISSING_TEXT % 'cryptography >= 42.0.0'),
    ('requests', {}, 'Or set check_mta_sts=false.'),
    ('certifi', {}, 'Or set ca_bundle.'),
])
def test_smtp_tls_info(monkeypatch, no_probe, module_name, args, text):
    missing(monkeypatch, {'dnspython': 'dns.resolver'}.get(module_name, module_name))
    r = run_module(smtp_tls_info.main, dict({'domain': 'example.test', 'mx_hosts': ['127.0.0.1']}, **args),
                   failed=True)
    assert text in r['msg']


def test_smtp_tls_info_needs_no_requests_without_mta_sts(monkeypatch):
    missing(monkeypatch, 'requests')
    called = []
    monkeypatch.setattr(smtp_probe, 'probe_domain', lambda *a, **kw: called.append(kw) or {'verdict': 'verified'})
    r = run_module(smtp_tls_info.main, {'domain': 'example.test', 'mx_hosts': ['127.0.0.1'], 'check_mta_sts': False})
    assert r['verdict'] == 'verified' and called


def test_spf_check(monkeypatch):
    missing(monkeypatch, 'dns.resolver')
    r = run_module(spf_check.main, {'domain': 'example.com', 'ip': ['192.0.2.1']}, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % 'dnspython')


@pytest.mark.parametrize('main,args', [
    (spf_include.main, {'domain': 'example.com'}),
    (dns_txt.main, {'name': '_acme-challenge.example.com', 'values': ['token']}),
], ids=['spf_include', 'dns_txt'])
@pytest.mark.parametrize('module_name,provider,text', [
    ('dns.resolver', {}, 'dnspython'),
    ('boto3', {'provider': 'route53'}, 'boto3'),
    ('requests', {'provider': 'powerdns', 'api_url': 'http://127.0.0.1:1', 'api_key': 'k'}, 'requests'),
    ('gssapi', {'provider': 'rfc2136', 'server': 'ns1.example.com', 'tsig_algorithm': 'gss-tsig'}, 'gssapi'),
])
def test_dns_modules_change_nothing(monkeypatch, zonefile, main, args, module_name, provider, text):
    missing(monkeypatch, module_name)
    options = dict(args, provider='zonefile', path=str(zonefile), nameservers=['127.0.0.1'], nameserver_port=1)
    options.update(provider)
    r = run_module(main, options, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % text)
    assert not r.get('changed') and zonefile.read_text() == ZONE


def test_esa_info(monkeypatch):
    missing(monkeypatch, 'cryptography')
    r = run_module(esa_info.main, {'gather': ['certificates']}, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % 'cryptography >= 42.0.0')
    # the other facts need no library: the module goes on (to the missing connection)
    r = run_module(esa_info.main, {'gather': ['version']}, failed=True)
    assert 'persistent connection' in r['msg']


def test_esa_certificate(monkeypatch, tmp_path):
    missing(monkeypatch, 'cryptography')
    r = run_module(esa_certificate.main, {'name': 'cres_cert', 'certificate_path': str(tmp_path / 'c.pem'),
                                          'private_key_path': str(tmp_path / 'k.pem')}, failed=True)
    assert r['msg'].startswith(MISSING_TEXT % 'cryptography >= 42.0.0') and not r.get('changed')
    # deleting a profile validates nothing
    r = run_module(esa_certificate.main, {'name': 'cres_cert', 'state': 'absent'}, failed=True)
    assert 'persistent connection' in r['msg']


# ---------------------------------------------------------------- one minimum, stated alike

def _requirements_txt():
    out = {}
    for line in (ROOT / 'requirements.txt').read_text().splitlines():
        match = re.match(r'^([A-Za-z0-9_.-]+)\s*(?:>=\s*([0-9.]+))?', line)
        if match and not line.startswith('#'):
            out[match.group(1).lower()] = match.group(2)
    return out


def test_requirements_txt_states_the_guards_minimums():
    stated = _requirements_txt()
    for library in deps.LIBRARIES:
        assert library.name in stated, 'requirements.txt lacks %s' % library.name
        if library.minimum:
            assert stated[library.name] == library.minimum


def _documented_requirements():
    """(file, line) of every requirement documented by the modules and the doc fragments."""
    for folder in ('modules', 'doc_fragments'):
        for path in sorted((ROOT / 'plugins' / folder).glob('*.py')):
            text = path.read_text()
            for block in re.findall(r'(?:DOCUMENTATION|[A-Z_]+)\s*=\s*r?("""|\'\'\')(.*?)\1', text, re.S):
                try:
                    doc = yaml.safe_load(block[1])
                except yaml.YAMLError:
                    continue
                for line in (doc.get('requirements') or []) if isinstance(doc, dict) else []:
                    yield path.name, line


def _same_release(a, b):
    def bare(version):
        numbers = list(deps._release(version))
        while numbers and numbers[-1] == 0:
            numbers.pop()
        return numbers
    return bare(a) == bare(b)


def test_documentation_states_the_same_minimums():
    stated = _requirements_txt()
    lines = list(_documented_requirements())
    assert any(line.startswith('cryptography >=') for _name, line in lines)
    for where, line in lines:
        match = re.match(r'^([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)', line)
        if match:
            name, version = match.group(1).lower(), match.group(2)
            assert name in stated and _same_release(stated[name], version), (
                '%s documents %r, requirements.txt says %s' % (where, line, stated.get(name)))
