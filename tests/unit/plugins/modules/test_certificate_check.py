# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificate_check module: options, failures, no secrets in the result."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import cryptography
import pytest

from ansible_collections.mailsec.cres.plugins.modules import certificate_check
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki, shared_pki_dir
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.module_runner import run_module

HOSTS = ["mx1.example.test", "mx2.example.test"]


@pytest.fixture(scope="module")
def pki():
    # Shared across forked test processes: generating RSA keys for every test is slow.
    return make_pki(shared_pki_dir("unit-tls"), hostnames=HOSTS)


def run(args, failed=False):
    return run_module(certificate_check.main, args, failed=failed)


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
    r = run({"certificate_path": pki["leaf_cert"], "ca_bundle": pki["ca_bundle"]}, failed=True)
    assert "missing intermediate" in r["msg"]
    assert r["problems"][0]["check"] == "chain"
    assert r["chain_code"] == "missing_intermediate"


def test_fail_on_problems_false(pki):
    r = run({"certificate_path": pki["demo_cert"], "ca_bundle": pki["ca_bundle"], "fail_on_problems": False})
    assert r["valid"] is False
    assert {"chain", "self_signed", "demo_certificate"} <= {p["check"] for p in r["problems"]}


def test_key_mismatch(pki):
    r = run({"certificate_path": pki["leaf_fullchain"], "private_key_path": pki["other_key"],
             "ca_bundle": pki["ca_bundle"]}, failed=True)
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
    r = run({"pkcs12_path": pki["leaf_p12"], "pkcs12_passphrase": "Not-The-Passphrase-42", "ca_bundle": pki["ca_bundle"]},
            failed=True)
    assert "pkcs12_passphrase is wrong" in r["msg"]
    assert "Not-The-Passphrase-42" not in json.dumps(r)


def test_errors_name_the_option(pki, tmp_path):
    r = run({"certificate_path": str(tmp_path / "missing.pem")}, failed=True)
    assert r["msg"].startswith("certificate_path: cannot read")
    r = run({"certificate": "garbage"}, failed=True)
    assert r["msg"].startswith("certificate:")
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing")
    r = run({"certificate_path": pki["leaf_cert"], "chain_path": str(bad), "ca_bundle": pki["ca_bundle"]}, failed=True)
    assert r["msg"].startswith("chain_path:")
    r = run({"certificate_path": pki["leaf_cert"], "private_key_path": str(bad), "ca_bundle": pki["ca_bundle"]}, failed=True)
    assert r["msg"].startswith("private_key_path")
    r = run({"certificate_path": pki["leaf_cert"], "ca_bundle": str(bad)}, failed=True)
    assert r["msg"].startswith("ca_bundle:")


def test_option_rules(pki):
    r = run({}, failed=True)
    assert "one of the following is required" in r["msg"]
    r = run({"certificate_path": pki["leaf_cert"], "pkcs12_path": pki["leaf_p12"]}, failed=True)
    assert "mutually exclusive" in r["msg"]
    r = run({"certificate_path": pki["leaf_cert"], "min_days_remaining": -1}, failed=True)
    assert "min_days_remaining" in r["msg"]


def test_old_cryptography(pki, monkeypatch):
    monkeypatch.setattr(cryptography, "__version__", "41.0.7")
    r = run({"certificate_path": pki["leaf_cert"]}, failed=True)
    assert "upgrade" in r["msg"] and "x509.verification" in r["msg"]


def test_secrets_are_no_log():
    spec = certificate_check.ARGUMENT_SPEC
    for name in ("private_key", "private_key_passphrase", "pkcs12", "pkcs12_passphrase"):
        assert spec[name]["no_log"] is True
