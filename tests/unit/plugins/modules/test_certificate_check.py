# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificate_check module: options, failures, no secrets in the result."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.mailsec.cres.plugins.module_utils import certificates
from ansible_collections.mailsec.cres.plugins.modules import certificate_check
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki, shared_pki_dir

HOSTS = ["mx1.example.test", "mx2.example.test"]


class Exit(Exception):
    pass


class Fail(Exception):
    pass


@pytest.fixture(autouse=True)
def patched(monkeypatch):
    def exit_json(self, **kw):
        raise Exit(kw)

    def fail_json(self, **kw):
        raise Fail(kw)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


@pytest.fixture(scope="module")
def pki():
    # Shared across forked test processes: generating RSA keys for every test is slow.
    return make_pki(shared_pki_dir("unit-tls"), hostnames=HOSTS)


def run(args, expect=Exit):
    with patch_module_args(args), pytest.raises(expect) as err:
        certificate_check.main()
    return err.value.args[0]


def test_valid_paths(pki):
    r = run({"certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
             "chain_path": pki["leaf_chain"], "ca_bundle": pki["ca_bundle"], "hostnames": HOSTS})
    assert r["changed"] is False and r["valid"] is True
    assert r["problems"] == []
    assert r["certificate"]["san"] == HOSTS
    assert len(r["chain"]) == 3


def test_valid_content_check_mode(pki):
    r = run({"certificate": Path(pki["leaf_cert"]).read_text(), "private_key": Path(pki["leaf_key"]).read_text(),
             "chain": Path(pki["leaf_chain"]).read_text(), "ca_bundle": pki["ca_bundle"], "_ansible_check_mode": True})
    assert r["valid"] and not r["changed"]
    assert "PRIVATE KEY" not in json.dumps(r)


def test_missing_intermediate_fails(pki):
    r = run({"certificate_path": pki["leaf_cert"], "ca_bundle": pki["ca_bundle"]}, Fail)
    assert "missing intermediate" in r["msg"]
    assert r["problems"][0]["check"] == "chain"
    assert r["chain_code"] == "missing_intermediate"


def test_fail_on_problems_false(pki):
    r = run({"certificate_path": pki["demo_cert"], "ca_bundle": pki["ca_bundle"], "fail_on_problems": False})
    assert r["valid"] is False
    assert {"chain", "self_signed", "demo_certificate"} <= {p["check"] for p in r["problems"]}


def test_key_mismatch(pki):
    r = run({"certificate_path": pki["leaf_fullchain"], "private_key_path": pki["other_key"],
             "ca_bundle": pki["ca_bundle"]}, Fail)
    assert r["problems"] == [{"check": "key_match", "reason": r["problems"][0]["reason"]}]
    assert "does not belong" in r["msg"]


def test_pkcs12_path_and_content(pki):
    r = run({"pkcs12_path": pki["leaf_p12"], "pkcs12_passphrase": pki["p12_passphrase"],
             "ca_bundle": pki["ca_bundle"], "hostnames": HOSTS})
    assert r["valid"]
    assert [c["status"] for c in r["checks"]][0] == "passed"  # key_match from the bundle
    b64 = base64.b64encode(Path(pki["leaf_p12_legacy"]).read_bytes()).decode()
    r = run({"pkcs12": b64, "pkcs12_passphrase": pki["p12_passphrase"], "ca_bundle": pki["ca_bundle"]})
    assert r["valid"]


def test_pkcs12_wrong_passphrase(pki):
    r = run({"pkcs12_path": pki["leaf_p12"], "pkcs12_passphrase": "wrong", "ca_bundle": pki["ca_bundle"]}, Fail)
    assert "pkcs12_passphrase is wrong" in r["msg"]
    assert "wrong" not in json.dumps({k: v for k, v in r.items() if k != "msg"})


def test_errors_name_the_option(pki, tmp_path):
    r = run({"certificate_path": str(tmp_path / "missing.pem")}, Fail)
    assert r["msg"].startswith("certificate_path: cannot read")
    r = run({"certificate": "garbage"}, Fail)
    assert r["msg"].startswith("certificate:")
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing")
    r = run({"certificate_path": pki["leaf_cert"], "chain_path": str(bad), "ca_bundle": pki["ca_bundle"]}, Fail)
    assert r["msg"].startswith("chain_path:")
    r = run({"certificate_path": pki["leaf_cert"], "private_key_path": str(bad), "ca_bundle": pki["ca_bundle"]}, Fail)
    assert r["msg"].startswith("private_key_path")
    r = run({"certificate_path": pki["leaf_cert"], "ca_bundle": str(bad)}, Fail)
    assert r["msg"].startswith("ca_bundle:")


def test_option_rules(pki):
    r = run({}, Fail)
    assert "one of the following is required" in r["msg"]
    r = run({"certificate_path": pki["leaf_cert"], "pkcs12_path": pki["leaf_p12"]}, Fail)
    assert "mutually exclusive" in r["msg"]
    r = run({"certificate_path": pki["leaf_cert"], "min_days_remaining": -1}, Fail)
    assert "min_days_remaining" in r["msg"]


def test_old_cryptography(pki, monkeypatch):
    monkeypatch.setattr(certificates, "_verification", None)
    r = run({"certificate_path": pki["leaf_cert"]}, Fail)
    assert "upgrade" in r["msg"] and "x509.verification" in r["msg"]


def test_secrets_are_no_log():
    spec = certificate_check.ARGUMENT_SPEC
    for name in ("private_key", "private_key_passphrase", "pkcs12", "pkcs12_passphrase"):
        assert spec[name]["no_log"] is True
