# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esa_certificate planning against a fake device, with the harness's test PKI."""

from __future__ import annotations

import json

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import EsaError
from ansible_collections.mailsec.cres.plugins.module_utils.esa.certificate import CertificateResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.runner import EsaFailure, execute
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.esa_fake_device import (
    FakeDevice,
    appliance,
    listener,
    profile,
)

HOSTS = ['mx1.example.test', 'mx2.example.test']


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp('pki'), hostnames=HOSTS)


def text(path):
    with open(path) as fh:
        return fh.read()


def params(pki, **kw):
    p = dict(name='cres_cert', state='present', certificate=None, certificate_path=pki['leaf_cert'],
             private_key=None, private_key_path=pki['leaf_key'], private_key_passphrase=None,
             intermediates=None, intermediates_path=[pki['leaf_chain']], pkcs12=None, pkcs12_path=None,
             pkcs12_passphrase=None, listeners=['IncomingMail'], hostnames=None, ca_bundle=pki['ca_bundle'],
             min_days_remaining=30, min_key_bits=2048, ignore_checks=[], delete_replaced=False, force=False)
    p.update(kw)
    return p


def box():
    return appliance(listeners=[listener(hostname='mx1.example.test'), listener('Other', hostname='mx2.example.test')])


def run(dev, p, check=False):
    return execute(dev, CertificateResource(p, check_mode=check), commit=True, diff=True)


def fp(path):
    return certlib.fingerprint_sha256(certlib.load_certificate(text(path)))


def test_install_assign_idempotent_no_key_in_result(pki):
    dev = FakeDevice(box())
    res = run(dev, params(pki))
    assert res['changed'] and res['committed']
    assert [c[0] for c in dev.calls] == ['paste_certificate', 'set_listener_certificate']
    assert res['profile']['fingerprint_sha256'] == fp(pki['leaf_cert'])
    assert res['profile']['intermediates'] == [fp(pki['intermediate_cert'])]
    assert res['profile']['listeners'] == ['IncomingMail']
    assert res['diff']['after']['fingerprint_sha256'] == fp(pki['leaf_cert'])
    dumped = json.dumps(res)
    assert 'PRIVATE KEY' not in dumped and 'BEGIN CERTIFICATE' not in dumped
    dev.calls = []
    res = run(dev, params(pki))
    assert res['changed'] is False and dev.calls == []


def test_fullchain_and_pkcs12_are_the_same_certificate(pki):
    dev = FakeDevice(box())
    run(dev, params(pki, certificate_path=pki['leaf_fullchain'], intermediates_path=None))
    dev.calls = []
    res = run(dev, params(pki, certificate_path=None, private_key_path=None, intermediates_path=None,
                          pkcs12_path=pki['leaf_p12'], pkcs12_passphrase=pki['p12_passphrase']))
    assert res['changed'] is False and dev.calls == []


def test_check_mode(pki):
    dev = FakeDevice(box(), check_mode=True)
    res = run(dev, params(pki), check=True)
    assert res['changed'] and res['commands'][0] == 'paste_certificate cres_cert'
    assert 'cres_cert' not in dev.cfg.certificates
    assert res['profile']['fingerprint_sha256'] == fp(pki['leaf_cert'])


def test_renewal_replaces_content_keeps_assignment(pki):
    dev = FakeDevice(box())
    run(dev, params(pki, listeners=['IncomingMail', 'Other']))
    # A "renewed" certificate: another leaf from the same CA for the same names.
    dev.cfg.certificates['cres_cert'].fingerprint_sha256 = 'OLD'
    dev.committed = dev.config()
    dev.calls = []
    res = run(dev, params(pki, listeners=['IncomingMail']))
    assert [c[0] for c in dev.calls] == ['paste_certificate']
    assert res['diff']['before']['listeners'] == ['IncomingMail', 'Other']
    assert res['profile']['listeners'] == ['IncomingMail', 'Other']
    assert any('replace certificate profile' in c for c in res['changes'])


def test_demo_drift_reassigned_and_old_profile_kept_or_deleted(pki):
    cfg = box()
    cfg.certificates['old_cert'] = profile('old_cert', 'AA')
    cfg.listeners['IncomingMail'].certificate = 'old_cert'
    dev = FakeDevice(cfg)
    res = run(dev, params(pki))
    assert 'old_cert' in dev.cfg.certificates
    assert any('old_cert is no longer used' in w for w in res['warnings'])
    # someone put the demo certificate back: corrected
    dev.cfg.listeners['IncomingMail'].certificate = 'Demo'
    dev.calls = []
    res = run(dev, params(pki, delete_replaced=True))
    assert [c[0] for c in dev.calls] == ['set_listener_certificate']
    dev.cfg.listeners['IncomingMail'].certificate = 'old_cert'
    dev.calls = []
    res = run(dev, params(pki, delete_replaced=True))
    assert [c[0] for c in dev.calls] == ['set_listener_certificate', 'delete_certificate']
    assert 'old_cert' not in dev.cfg.certificates


@pytest.mark.parametrize('kw, field, fragment', [
    (dict(private_key_path='other_key'), 'private_key_path', 'does not belong'),
    (dict(certificate_path='expired_cert', private_key_path='expired_key'), 'certificate', 'expired'),
    (dict(certificate_path='expiring_cert', private_key_path='expiring_key'), 'certificate', 'min_days_remaining'),
    (dict(certificate_path='wronghost_cert', private_key_path='wronghost_key'), 'hostnames', 'mx1.example.test'),
    (dict(intermediates_path=None), 'intermediates', 'chain'),
    (dict(certificate_path='demo_cert', private_key_path='demo_key', intermediates_path=None), 'certificate',
     'demo'),
    (dict(listeners=['Nope']), 'listeners', "no listener named 'Nope'"),
    (dict(pkcs12_path='leaf_p12', certificate_path=None, private_key_path=None), 'pkcs12_passphrase', 'pkcs12'),
])
def test_bad_input_changes_nothing(pki, kw, field, fragment):
    kw = dict((k, pki[v] if isinstance(v, str) and v in pki else v) for k, v in kw.items())
    dev = FakeDevice(box())
    with pytest.raises((EsaError, EsaFailure)) as err:
        run(dev, params(pki, **kw))
    exc = err.value
    assert (exc.field if isinstance(exc, EsaError) else exc.result['field']) == field
    assert fragment in str(exc)
    assert dev.calls == []


def test_ignore_checks_overrides_but_not_key_mismatch(pki):
    dev = FakeDevice(box())
    res = run(dev, params(pki, certificate_path=pki['wronghost_cert'], private_key_path=pki['wronghost_key'],
                          ignore_checks=['hostnames']))
    assert res['changed'] and any('ignored failed check hostnames' in w for w in res['warnings'])
    with pytest.raises(EsaError):
        CertificateResource(params(pki, name='Demo'))


def test_absent_in_use_refused_then_forced(pki):
    dev = FakeDevice(box())
    run(dev, params(pki))
    dev.calls = []
    p = params(pki, state='absent')
    with pytest.raises(EsaFailure) as err:
        run(dev, p)
    assert 'used by listener(s) IncomingMail' in str(err.value) and dev.calls == []
    res = run(dev, params(pki, state='absent', force=True))
    assert [c[0] for c in dev.calls] == ['set_listener_certificate', 'delete_certificate']
    assert res['changed'] and 'cres_cert' not in dev.cfg.certificates
    assert run(dev, params(pki, state='absent'))['changed'] is False


def test_failed_paste_clears(pki):
    dev = FakeDevice(box(), fail_on='set_listener_certificate')
    with pytest.raises(EsaFailure) as err:
        run(dev, params(pki))
    assert dev.cleared == 1 and 'cres_cert' not in dev.cfg.certificates
    assert 'PRIVATE KEY' not in str(err.value)
