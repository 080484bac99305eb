# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""smtp_probe against tiny in-process SMTP servers (threads, loopback), plus MTA-STS / DANE logic."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as c
from ansible_collections.mailsec.cres.plugins.module_utils import dane
from ansible_collections.mailsec.cres.plugins.module_utils import mta_sts
from ansible_collections.mailsec.cres.plugins.module_utils import smtp_probe as sp
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki, shared_pki_dir

HOSTS = ["mx1.example.test", "mx2.example.test"]


@pytest.fixture(scope="module")
def pki():
    # Shared across forked test processes: generating RSA keys for every test is slow.
    return make_pki(shared_pki_dir("unit-tls"), hostnames=HOSTS)


@pytest.fixture(scope="module")
def roots(pki):
    return c.load_ca_bundle(pki["ca_bundle"])


class FakeSmtp:
    """One-connection-at-a-time SMTP server: banner, EHLO (multi-line), STARTTLS, QUIT."""

    def __init__(self, cert=None, key=None, starttls=True, banner="220 fake.example.test ESMTP",
                 starttls_reply="220 2.0.0 Ready to start TLS", delay=0.0, host="127.0.0.1", port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
        self.starttls = starttls
        self.banner = banner
        self.starttls_reply = starttls_reply
        self.delay = delay
        self.sni = []
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                conn, _peer = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        try:
            conn.settimeout(5)
            f = conn.makefile("rwb")
            time.sleep(self.delay)
            f.write(self.banner.encode() + b"\r\n")
            f.flush()
            tls = False
            while True:
                line = f.readline().decode().strip().upper()
                if not line:
                    return
                if line.startswith("EHLO"):
                    ext = ["250-fake.example.test", "250-PIPELINING", "250-SIZE 10240000"]
                    if self.starttls and not tls:
                        ext.append("250-STARTTLS")
                    ext.append("250 8BITMIME")
                    f.write(("\r\n".join(ext) + "\r\n").encode())
                elif line == "STARTTLS":
                    f.write(self.starttls_reply.encode() + b"\r\n")
                    f.flush()
                    if not self.starttls_reply.startswith("220"):
                        continue
                    self.ctx.sni_callback = lambda s, name, ctx: self.sni.append(name)
                    conn = self.ctx.wrap_socket(conn, server_side=True)
                    f = conn.makefile("rwb")
                    tls = True
                    continue
                elif line == "QUIT":
                    f.write(b"221 bye\r\n")
                    f.flush()
                    return
                else:
                    f.write(b"502 no\r\n")
                f.flush()
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def server(pki):
    made = []

    def make(**kw):
        srv = FakeSmtp(**kw)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.close()


def test_verified(server, pki, roots):
    srv = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"])
    r = sp.probe_address("127.0.0.1", srv.port, "mx1.example.test", "example.test", roots, timeout=5)
    assert r["verdict"] == "verified", r["reasons"]
    assert r["banner"]["code"] == 220
    assert "STARTTLS" in r["ehlo_keywords"] and "SIZE 10240000" in r["ehlo_keywords"]
    assert r["starttls_advertised"] and r["starttls_reply"]["code"] == 220
    assert r["tls"]["established"] and r["tls"]["protocol"].startswith("TLS")
    assert r["tls"]["sni"] == "mx1.example.test" and srv.sni == ["mx1.example.test"]
    assert len(r["presented_chain"]) == 2 and r["chain_in_order"]
    assert r["hostname_match"] == {"mx": True, "domain": False}
    assert r["verification"]["trusted"] and len(r["verification"]["chain"]) == 3
    assert len(r["_chain_der"]) == 2


def test_missing_intermediate(server, pki, roots):
    srv = server(cert=pki["leaf_cert"], key=pki["leaf_key"])
    r = sp.probe_address("127.0.0.1", srv.port, "mx1.example.test", "example.test", roots, timeout=5)
    assert r["verdict"] == "unverified"
    assert r["verification"]["code"] == "missing_intermediate"
    assert any("missing intermediate" in x for x in r["reasons"])


def test_name_mismatch(server, pki, roots):
    srv = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"])
    r = sp.probe_address("127.0.0.1", srv.port, "gw.other.test", "other.test", roots, timeout=5)
    assert r["verdict"] == "unverified"
    assert r["hostname_match"] == {"mx": False, "domain": False}
    assert any("does not cover" in x for x in r["reasons"])


def test_domain_match_is_enough(server, pki, roots):
    srv = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"])
    r = sp.probe_address("127.0.0.1", srv.port, "gw.other.test", "mx2.example.test", roots, timeout=5)
    assert r["verdict"] == "verified"
    assert r["hostname_match"] == {"mx": False, "domain": True}


def test_no_starttls(server, roots):
    srv = server(starttls=False)
    r = sp.probe_address("127.0.0.1", srv.port, "mx1.example.test", None, roots, timeout=5)
    assert r["verdict"] == "no_starttls"
    assert not r["starttls_advertised"]


def test_starttls_refused(server, pki, roots):
    srv = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"], starttls_reply="454 4.7.0 TLS not available")
    r = sp.probe_address("127.0.0.1", srv.port, "mx1.example.test", None, roots, timeout=5)
    assert r["verdict"] == "no_starttls"
    assert r["starttls_reply"]["code"] == 454


def test_refusing_banner(server, roots):
    srv = server(banner="554 5.3.2 go away")
    r = sp.probe_address("127.0.0.1", srv.port, "mx1.example.test", None, roots, timeout=5)
    assert r["verdict"] == "unreachable" and r["connected"]
    assert "554" in r["error"]


def test_nothing_listening(roots):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = sp.probe_address("127.0.0.1", port, "mx1.example.test", None, roots, timeout=2)
    assert r["verdict"] == "unreachable" and not r["connected"]
    assert "cannot connect" in r["error"]


def test_silent_server_times_out(roots):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        started = time.monotonic()
        r = sp.probe_address("127.0.0.1", s.getsockname()[1], "mx1.example.test", None, roots, timeout=0.5)
    assert r["verdict"] == "unreachable"
    assert time.monotonic() - started < 3


def test_probe_domain_concurrent(server, pki, roots):
    """4 MX hosts that each take 0.8 s: the domain takes about 0.8 s, not 3.2 s."""
    first = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"], delay=0.8, host="127.0.0.101")
    for i in (102, 103, 104):
        server(cert=pki["leaf_fullchain"], key=pki["leaf_key"], delay=0.8, host="127.0.0.%d" % i, port=first.port)
    names = ["mx%d.example.test" % i for i in range(1, 5)]
    addrs = {n: "127.0.0.%d" % (101 + i) for i, n in enumerate(names)}
    started = time.monotonic()
    r = sp.probe_domain("example.test", mx_hosts=names, port=first.port, host_addresses=addrs, roots=roots,
                        timeout=5, check_mta_sts=False, check_dane=False, max_workers=4)
    elapsed = time.monotonic() - started
    assert r["verdict"] == "unverified"  # mx3/mx4 are not in the leaf's SAN
    assert [h["verdict"] for h in r["mx"]] == ["verified", "verified", "unverified", "unverified"]
    assert all(a["duration"] >= 0.8 for h in r["mx"] for a in h["addresses"])
    assert elapsed < 2.0, elapsed
    # With one worker the same probe is sequential.
    started = time.monotonic()
    sp.probe_domain("example.test", mx_hosts=names, port=first.port, host_addresses=addrs, roots=roots,
                    timeout=5, check_mta_sts=False, check_dane=False, max_workers=1)
    assert time.monotonic() - started >= 3.2


def test_probe_domain_with_mx_hosts(server, pki, roots, monkeypatch):
    srv = server(cert=pki["leaf_fullchain"], key=pki["leaf_key"])
    r = sp.probe_domain("example.test", mx_hosts=["mx1.example.test", "mx2.example.test", "nowhere.example.test"],
                        port=srv.port, resolver=None,
                        host_addresses={"mx1.example.test": "127.0.0.1", "mx2.example.test": ["127.0.0.1"]},
                        roots=roots, timeout=5, check_mta_sts=False, check_dane=False)
    verdicts = {h["name"]: h["verdict"] for h in r["mx"]}
    assert verdicts == {"mx1.example.test": "verified", "mx2.example.test": "verified",
                        "nowhere.example.test": "dns_error"}
    assert r["verdict"] == "dns_error"
    assert [h["preference"] for h in r["mx"]] == [10, 20, 30]
    assert all("_chain_der" not in a for h in r["mx"] for a in h["addresses"])


def test_worst_verdict():
    assert sp.worst_verdict(["verified", "no_starttls", "unverified"]) == "no_starttls"
    assert sp.worst_verdict(["verified"]) == "verified"
    assert sp.worst_verdict([]) == "dns_error"


# ------------------------------------------------------------------ MTA-STS

def test_sts_txt():
    ok, err = mta_sts.parse_txt(["v=STSv1; id=20240101T000000;"])
    assert err is None and ok["id"] == "20240101T000000"
    assert mta_sts.parse_txt(["v=spf1 -all"])[1].startswith("no TXT")
    assert "exactly one" in mta_sts.parse_txt(["v=STSv1; id=1", "v=STSv1; id=2"])[1]
    assert "id" in mta_sts.parse_txt(["v=STSv1; id=bad-id!"])[1]


def test_sts_policy():
    policy, errors = mta_sts.parse_policy("version: STSv1\r\nmode: enforce\r\nmx: *.example.test\r\n"
                                          "mx: mail.example.org\r\nmax_age: 604800\r\n")
    assert errors == []
    assert policy == {"version": "STSv1", "mode": "enforce", "max_age": 604800,
                      "mx": ["*.example.test", "mail.example.org"]}
    assert mta_sts.policy_covers(policy, "mx1.example.test")
    assert not mta_sts.policy_covers(policy, "a.b.example.test")
    assert not mta_sts.policy_covers(policy, "example.test")
    assert mta_sts.policy_covers(policy, "MAIL.example.org.")
    _p, errors = mta_sts.parse_policy("version: STSv1\nmode: strict\nmax_age: 99999999999\n")
    assert len(errors) == 2


# ------------------------------------------------------------------ DANE

def _der(path):
    return x509.load_pem_x509_certificate(Path(path).read_bytes()).public_bytes(serialization.Encoding.DER)


def test_dane_matching(pki):
    leaf, inter = _der(pki["leaf_cert"]), _der(pki["intermediate_cert"])
    spki = x509.load_der_x509_certificate(leaf).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ee = {"usage": 3, "selector": 1, "matching_type": 1, "data": hashlib.sha256(spki).hexdigest()}
    ta = {"usage": 2, "selector": 0, "matching_type": 2, "data": hashlib.sha512(inter).hexdigest()}
    pkix = {"usage": 1, "selector": 1, "matching_type": 1, "data": hashlib.sha256(spki).hexdigest()}
    wrong = {"usage": 3, "selector": 1, "matching_type": 1, "data": "00" * 32}
    assert dane.match_tlsa([ee], [leaf, inter])["matched"]
    assert dane.match_tlsa([ta], [leaf, inter], name_matches=True)["matched"]
    assert not dane.match_tlsa([ta], [leaf, inter], name_matches=False)["matched"]
    r = dane.match_tlsa([pkix], [leaf, inter])
    assert not r["matched"] and r["usable"] == 0
    r = dane.match_tlsa([wrong], [leaf, inter])
    assert not r["matched"] and r["usable"] == 1 and "none of 1" in r["reason"]
    # DANE-EE ignores names and dates: the expired leaf still matches its own record.
    exp = _der(pki["expired_cert"])
    rec = {"usage": 3, "selector": 0, "matching_type": 0, "data": exp.hex()}
    assert dane.match_tlsa([rec], [exp])["matched"]
