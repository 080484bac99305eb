"""smtp_probe against the real servers of the harness: Postfix (happy path, missing intermediate),
aiosmtpd (per-case certificates), the DNS responder (MX, TLSA, MTA-STS TXT) and BIND."""

from __future__ import annotations

import time

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils import smtp_probe as sp


def probe(smtp, roots, addr, name=None, domain=None):
    return sp.probe_address(addr, smtp["port"], name or smtp["mx_names"][0], domain or smtp["tls_domain"],
                            roots, timeout=5, ehlo_name="functional.mailsec.test")


def test_postfix_verified(tls_smtp, tls_roots):
    r = probe(tls_smtp, tls_roots, tls_smtp["addr_good"])
    assert r["verdict"] == "verified", r["reasons"]
    assert "Postfix" in r["banner"]["text"]
    assert "STARTTLS" in r["ehlo_keywords"]
    assert r["tls"]["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert [c["subject"].split(",")[0] for c in r["verification"]["chain"]] == [
        "CN=" + tls_smtp["mx_names"][0], "CN=Mailsec Test Intermediate CA", "CN=Mailsec Test Root CA"]


def test_postfix_missing_intermediate(tls_smtp, tls_roots):
    r = probe(tls_smtp, tls_roots, tls_smtp["addr_chain_missing"])
    assert r["verdict"] == "unverified"
    assert r["verification"]["code"] == "missing_intermediate"
    assert len(r["presented_chain"]) == 1


@pytest.mark.parametrize("case,verdict,code", [
    ("expired", "unverified", "ok"),
    ("selfsigned", "unverified", "self_signed"),
    ("demo", "unverified", "self_signed"),
    ("wronghost", "unverified", "ok"),
    ("no_starttls", "no_starttls", None),
    ("closed", "unreachable", None),
])
def test_cases(tls_smtp, tls_roots, case, verdict, code):
    r = probe(tls_smtp, tls_roots, tls_smtp["addr_" + case])
    assert r["verdict"] == verdict, r["reasons"]
    if code:
        assert r["verification"]["code"] == code
    assert r["reasons"]


def test_domain_via_dns_with_dane(tls_smtp, tls_roots):
    resolver = dns_resolver.make_resolver([tls_smtp["dns_address"]], tls_smtp["dns_port"], 3)
    r = sp.probe_domain(tls_smtp["tls_domain"], port=tls_smtp["port"], resolver=resolver, roots=tls_roots,
                        timeout=5, ehlo_name="functional.mailsec.test")
    assert r["verdict"] == "verified"
    assert [h["name"] for h in r["mx"]] == tls_smtp["mx_names"]
    dane = [h["addresses"][0].get("dane") for h in r["mx"]]
    assert dane[0]["matched"] and not dane[1]["matched"] and dane[2]["matched"] and dane[3] is None
    assert r["mx"][0]["dane"]["ad"] is True


def test_mta_sts(tls_smtp, tls_roots):
    resolver = dns_resolver.make_resolver([tls_smtp["dns_address"]], tls_smtp["dns_port"], 3)
    out = {}
    for kind in ("enforce", "testing", "mismatch"):
        r = sp.probe_domain(tls_smtp["sts_%s_domain" % kind], port=tls_smtp["port"], resolver=resolver,
                            roots=tls_roots, timeout=5, check_dane=False, mta_sts_port=tls_smtp["mta_sts_port"],
                            mta_sts_ca_bundle=tls_smtp["ca_bundle"])
        out[kind] = r["mta_sts"]
    assert out["enforce"]["mode"] == "enforce" and out["enforce"]["compliant"]
    assert out["testing"]["mode"] == "testing" and out["testing"]["valid"]
    assert not out["mismatch"]["valid"] and out["mismatch"]["failing_mx"]


def test_four_slow_hosts_concurrently(tls_smtp, tls_roots):
    names = tls_smtp["mx_names"]
    addrs = dict(zip(names, tls_smtp["slow_addresses"]))
    started = time.monotonic()
    r = sp.probe_domain(tls_smtp["tls_domain"], mx_hosts=names, port=tls_smtp["port"], host_addresses=addrs,
                        roots=tls_roots, timeout=5, check_mta_sts=False, check_dane=False, max_workers=4)
    elapsed = time.monotonic() - started
    per_host = 2 * tls_smtp["slow_delay"]  # EHLO before and after STARTTLS
    assert r["verdict"] == "verified"
    assert elapsed < 2 * per_host, elapsed  # sequential would be 4 * per_host


def test_mx_through_bind(tls_smtp, tls_bind, tls_roots):
    if tls_smtp.get("mail_domain") != tls_bind["mail_domain"]:
        pytest.skip("smtp was started before bind; restart smtp so its certificate covers the BIND MX names")
    resolver = dns_resolver.make_resolver(["127.0.0.1"], tls_bind["port"], 3)
    r = sp.probe_domain(tls_bind["mail_domain"], port=tls_smtp["port"], resolver=resolver, roots=tls_roots,
                        timeout=5, check_mta_sts=False)
    assert [h["name"] for h in r["mx"]] == tls_bind["mail_mx"]
    assert r["verdict"] == "verified", r["reasons"]
