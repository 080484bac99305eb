# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificates module_utils: loaders, facts and every named check, with the test PKI."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as c
from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki, shared_pki_dir

HOSTS = ["mx1.example.test", "mx2.example.test"]


@pytest.fixture(scope="module")
def pki():
    # Shared across forked test processes: generating RSA keys for every test is slow.
    return make_pki(shared_pki_dir("unit-tls"), hostnames=HOSTS)


@pytest.fixture(scope="module")
def roots(pki):
    return c.load_ca_bundle(pki["ca_bundle"])


def text(path):
    return Path(path).read_text()


def by_name(result):
    return {x["name"]: x for x in result["checks"]}


def failed(result):
    return sorted(p["check"] for p in result["problems"])


# ------------------------------------------------------------------ hostname matching

@pytest.mark.parametrize("pattern,host,expected", [
    ("mx1.example.test", "mx1.example.test", True),
    ("MX1.Example.Test", "mx1.example.test.", True),
    ("*.example.test", "mx1.example.test", True),
    ("*.example.test", "a.b.example.test", False),
    ("*.example.test", "example.test", False),
    ("mx*.example.test", "mx1.example.test", False),
    ("*.test", "example.test", False),
    ("*.*.example.test", "a.b.example.test", False),
    ("mx1.example.test", "mx2.example.test", False),
    ("", "mx1.example.test", False),
])
def test_hostname_matches(pattern, host, expected):
    assert c.hostname_matches(pattern, host) is expected


def test_ip_san(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "192.0.2.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=9))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("192.0.2.1"))]), False)
            .sign(key, hashes.SHA256()))
    assert c.certificate_covers(cert, "192.0.2.1")
    assert not c.certificate_covers(cert, "192.0.2.2")
    # The CN alone never counts.
    assert not c.certificate_covers(cert, "mx1.example.test")


# ------------------------------------------------------------------ validation

def test_valid_chain(pki, roots):
    r = c.validate_certificate(text(pki["leaf_cert"]), text(pki["leaf_key"]), [text(pki["leaf_chain"])],
                               hostnames=HOSTS, roots=roots)
    assert r["valid"], r["problems"]
    assert r["chain_code"] == "ok"
    assert [x["status"] for x in r["checks"]] == ["passed"] * 8
    assert [x["name"] for x in r["checks"]] == list(c.CHECK_NAMES)
    assert len(r["chain"]) == 3
    assert r["chain"][-1]["subject"].startswith("CN=Mailsec Test Root CA")
    facts = r["certificate"]
    assert facts["san"] == HOSTS
    assert facts["key_type"] == "RSA" and facts["key_size"] == 2048
    assert facts["days_remaining"] >= 360
    assert len(facts["fingerprint_sha256"].split(":")) == 32
    assert facts["extended_key_usage"] == ["serverAuth"]


def test_fullchain_in_certificate_and_ca_bundle_path(pki):
    r = c.validate_certificate(text(pki["leaf_fullchain"]), hostnames=["mx2.example.test"], ca_bundle=pki["ca_bundle"])
    assert r["valid"], r["problems"]
    assert by_name(r)["key_match"]["status"] == "skipped"


def test_missing_intermediate(pki, roots):
    r = c.validate_certificate(text(pki["leaf_cert"]), text(pki["leaf_key"]), hostnames=HOSTS, roots=roots)
    assert failed(r) == ["chain"]
    assert r["chain_code"] == "missing_intermediate"
    assert "missing intermediate" in by_name(r)["chain"]["reason"]
    assert "Mailsec Test Intermediate CA" in by_name(r)["chain"]["reason"]


def test_junk_and_root_in_chain_are_fine(pki, roots):
    junk = [text(pki["unknown_root_cert"]), text(pki["root_cert"]), text(pki["intermediate_cert"])]
    r = c.validate_certificate(text(pki["leaf_cert"]), chain_pems=junk, roots=roots)
    assert r["valid"], r["problems"]


def test_untrusted_root(pki, roots):
    r = c.validate_certificate(text(pki["unknown_leaf_fullchain"]), roots=roots)
    assert r["chain_code"] == "untrusted_root"
    assert "not among the trusted roots" in by_name(r)["chain"]["reason"]


def test_key_mismatch(pki, roots):
    r = c.validate_certificate(text(pki["leaf_fullchain"]), text(pki["other_key"]), roots=roots)
    assert failed(r) == ["key_match"]
    assert "does not belong" in by_name(r)["key_match"]["reason"]


def test_expired(pki, roots):
    r = c.validate_certificate(text(pki["expired_fullchain"]), roots=roots)
    # Reported once, by validity: the chain itself is fine at the leaf's last valid moment.
    assert failed(r) == ["validity"]
    assert "expired on" in by_name(r)["validity"]["reason"]
    assert r["certificate"]["expired"] is True
    assert r["certificate"]["days_remaining"] < 0


def test_expiring_soon(pki, roots):
    r = c.validate_certificate(text(pki["expiring_fullchain"]), roots=roots)
    assert failed(r) == ["validity"]
    assert "min_days_remaining=30" in by_name(r)["validity"]["reason"]
    r = c.validate_certificate(text(pki["expiring_fullchain"]), roots=roots, min_days_remaining=5)
    assert r["valid"]


def test_now_parameter(pki, roots):
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=400)
    r = c.validate_certificate(text(pki["leaf_fullchain"]), roots=roots, now=later)
    assert "validity" in failed(r)


def test_self_signed(pki, roots):
    r = c.validate_certificate(text(pki["selfsigned_cert"]), text(pki["selfsigned_key"]), roots=roots)
    assert failed(r) == ["chain", "self_signed"]
    assert r["chain_code"] == "self_signed"
    assert r["certificate"]["self_signed"]


def test_demo_certificate(pki, roots):
    r = c.validate_certificate(text(pki["demo_cert"]), roots=roots)
    assert "demo_certificate" in failed(r)
    assert "Cisco Appliance Demo Certificate" in by_name(r)["demo_certificate"]["reason"]
    assert c.is_demo_certificate(c.load_certificate(text(pki["demo_cert"])))
    assert not c.is_demo_certificate(c.load_certificate(text(pki["leaf_cert"])))


def test_hostname_not_covered(pki, roots):
    r = c.validate_certificate(text(pki["wronghost_fullchain"]), hostnames=["mx1.example.test"], roots=roots)
    assert failed(r) == ["hostnames"]
    assert "mx1.example.test" in by_name(r)["hostnames"]["reason"]
    r = c.validate_certificate(text(pki["leaf_fullchain"]), hostnames=["mx1.example.test", "other.example.test"],
                               roots=roots)
    assert "other.example.test" in by_name(r)["hostnames"]["reason"]
    assert "mx1.example.test," not in by_name(r)["hostnames"]["reason"]


def test_weak_key(pki, roots):
    r = c.validate_certificate(text(pki["weak_fullchain"]), roots=roots)
    # The verifier accepts an RSA-1024 *leaf*; only our own check catches it.
    assert failed(r) == ["key_strength"]
    assert "1024" in by_name(r)["key_strength"]["reason"]
    r = c.validate_certificate(text(pki["weak_fullchain"]), roots=roots, min_key_bits=1024)
    assert r["valid"]


def test_eku_client_only(pki, roots):
    r = c.validate_certificate(text(pki["clientonly_fullchain"]), roots=roots)
    assert "eku" in failed(r)
    assert "serverAuth" in by_name(r)["eku"]["reason"]


def test_no_roots_given_uses_certifi(pki):
    r = c.validate_certificate(text(pki["leaf_fullchain"]))
    assert r["chain_code"] in ("untrusted_root", "missing_intermediate")


# ------------------------------------------------------------------ loaders and errors

def test_pkcs12(pki, roots):
    blob = Path(pki["leaf_p12"]).read_bytes()
    key, cert, extra = c.load_pkcs12(blob, pki["p12_passphrase"])
    assert len(extra) == 1
    r = c.validate_certificate(cert, key, extra, hostnames=HOSTS, roots=roots)
    assert r["valid"]
    key, cert, extra = c.load_pkcs12(Path(pki["leaf_p12_legacy"]).read_bytes(), pki["p12_passphrase"])
    assert cert is not None


def test_pkcs12_wrong_passphrase(pki):
    with pytest.raises(c.CertificateError) as err:
        c.load_pkcs12(Path(pki["leaf_p12"]).read_bytes(), "wrong")
    assert err.value.field == "pkcs12_passphrase"
    assert "wrong" in str(err.value)
    assert pki["p12_passphrase"] not in str(err.value)


def test_pkcs12_base64_text(pki):
    import base64
    b64 = base64.b64encode(Path(pki["leaf_p12"]).read_bytes()).decode()
    _key, cert, _extra = c.load_pkcs12(b64, pki["p12_passphrase"])
    assert c.certificate_covers(cert, HOSTS[0])
    with pytest.raises(c.CertificateError) as err:
        c.load_pkcs12("not base64 !!", "x")
    assert err.value.field == "pkcs12"


def test_encrypted_key(pki, tmp_path):
    key = serialization.load_pem_private_key(Path(pki["leaf_key"]).read_bytes(), None)
    enc = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"s3cret"))
    assert isinstance(c.load_private_key(enc, "s3cret"), rsa.RSAPrivateKey)
    with pytest.raises(c.CertificateError) as err:
        c.load_private_key(enc)
    assert err.value.field == "private_key_passphrase"
    assert "encrypted" in str(err.value)
    with pytest.raises(c.CertificateError) as err:
        c.load_private_key(enc, "nope")
    assert err.value.field == "private_key_passphrase" and "wrong" in str(err.value)
    with pytest.raises(c.CertificateError) as err:
        c.load_private_key(Path(pki["leaf_key"]).read_bytes(), "unneeded")
    assert err.value.field == "private_key_passphrase"


def test_bad_inputs(pki):
    with pytest.raises(c.CertificateError) as err:
        c.load_certificate("hello", "certificate_path")
    assert err.value.field == "certificate_path"
    with pytest.raises(c.CertificateError) as err:
        c.load_certificate(text(pki["leaf_key"]))
    assert "private key" in str(err.value)
    # Nothing of the key may leak into the message.
    assert "MII" not in str(err.value)
    with pytest.raises(c.CertificateError) as err:
        c.load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert err.value.field == "private_key"
    with pytest.raises(c.CertificateError) as err:
        c.load_ca_bundle("/nonexistent/bundle.pem")
    assert err.value.field == "ca_bundle"
    assert c.load_certificates("") == []
    der = c.load_certificate(text(pki["leaf_cert"])).public_bytes(serialization.Encoding.DER)
    assert c.load_certificate(der).subject == c.load_certificate(text(pki["leaf_cert"])).subject


def test_validate_never_returns_key_material(pki, roots):
    r = c.validate_certificate(text(pki["leaf_fullchain"]), text(pki["leaf_key"]), roots=roots)
    assert "PRIVATE KEY" not in repr(r)


def test_old_cryptography_message(monkeypatch):
    import cryptography
    monkeypatch.setattr(cryptography, "__version__", "41.0.7")
    msg = deps.CRYPTOGRAPHY.problem()
    assert "x509.verification" in msg and "upgrade" in msg and deps.CRYPTOGRAPHY.minimum in msg and "41.0.7" in msg
    with pytest.raises(c.CertificateError):
        c.validate_certificate("x")


def test_chain_helpers(pki):
    leaf = c.load_certificate(text(pki["leaf_cert"]))
    inter = c.load_certificate(text(pki["intermediate_cert"]))
    assert c.chain_in_order([leaf, inter])
    assert not c.chain_in_order([inter, leaf])
    assert c.public_key_info(leaf)["type"] == "RSA"
    summary = c.chain_summary([leaf, inter])
    assert summary[0]["issuer"] == summary[1]["subject"]
