# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probe SMTP gateways the way a careful sending MTA does (STARTTLS, chain, names, policy).

The dialogue is written on a plain socket (not smtplib) so the probe connects to an *address*
while using the *MX name* for SNI and verification. The handshake itself does not verify; the
presented chain is then verified with ``certificates.verify_chain`` (same roots and reasons as
``certificate_check``), so a failing chain is still retrieved and explained.

Public API
    ``VERDICTS = ('verified', 'unverified', 'no_starttls', 'unreachable', 'dns_error')`` (best
    to worst); ``worst_verdict(verdicts) -> str``
    ``probe_address(address, port=25, mx_name=None, domain=None, roots=None, timeout=10.0,
        ehlo_name='localhost', now=None) -> dict``: one connection; keys ``address``, ``port``,
        ``connected``, ``banner``, ``ehlo_keywords``, ``starttls_advertised``, ``starttls_reply``,
        ``tls`` (``{'established', 'protocol', 'cipher', 'cipher_bits', 'sni', 'error'}``),
        ``presented_chain`` (summaries), ``chain_in_order``, ``certificate`` (facts),
        ``verification`` (``{'trusted', 'code', 'reason', 'chain'}``), ``hostname_match``
        (``{'mx': bool, 'domain': bool}``), ``self_signed``, ``demo_certificate``, ``verdict``,
        ``reasons`` (list), ``error``, ``duration``; and the private ``_chain_der`` (DER list,
        leaf first; dropped by ``probe_domain`` after DANE matching).
    ``probe_domain(domain, mx_hosts=None, port=25, resolver=None, host_addresses=None,
        roots=None, timeout=10.0, ehlo_name='localhost', max_workers=8, check_mta_sts=True,
        check_dane=True, mta_sts_port=443, mta_sts_ca_bundle=None, now=None) -> dict``: MX
        resolution, concurrent probing of every address of every MX, MTA-STS and DANE; keys
        ``domain``, ``verdict``, ``reasons``, ``mx`` (per host: ``name``, ``preference``,
        ``addresses`` (per-address results), ``dane``, ``verdict``, ``error``), ``mx_lookup``,
        ``mta_sts``, ``duration``.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
import ssl
import time

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as _certs
from ansible_collections.mailsec.cres.plugins.module_utils import dane as _dane
from ansible_collections.mailsec.cres.plugins.module_utils import mta_sts as _sts
from ansible_collections.mailsec.cres.plugins.module_utils import mx as _mx
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

VERDICTS = ("verified", "unverified", "no_starttls", "unreachable", "dns_error")
_MAX_REPLY_LINES = 100
_MAX_LINE = 4096


class SmtpProtocolError(MailsecError):
    """The server's SMTP replies do not follow the protocol (reported in the probe's verdict)."""


def worst_verdict(verdicts):
    verdicts = list(verdicts)
    if not verdicts:
        return "dns_error"
    return max(verdicts, key=VERDICTS.index)


class _Conn:
    """Line-oriented SMTP client on a socket that can be upgraded to TLS."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""

    def _settimeout(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("overall probe timeout")
        self.sock.settimeout(left)

    def readline(self):
        while b"\n" not in self.buf:
            self._settimeout()
            data = self.sock.recv(4096)
            if not data:
                raise SmtpProtocolError("connection closed by the server")
            self.buf += data
            if len(self.buf) > _MAX_LINE and b"\n" not in self.buf:
                raise SmtpProtocolError("reply line too long")
        line, _sep, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        lines = []
        code = None
        for _count in range(_MAX_REPLY_LINES):
            line = self.readline()
            if len(line) < 3 or not line[:3].isdigit():
                raise SmtpProtocolError("malformed reply line %r" % line[:80])
            code = int(line[:3])
            lines.append(line[4:])
            if len(line) == 3 or line[3] != "-":
                return code, lines
        raise SmtpProtocolError("reply has too many lines")

    def command(self, text):
        self._settimeout()
        self.sock.sendall(text.encode("ascii") + b"\r\n")
        return self.reply()


def _ehlo_keywords(lines):
    keywords = []
    for line in lines[1:]:
        word = line.split(" ", 1)[0].strip().upper()
        if word:
            keywords.append(line.strip() if " " in line.strip() else word)
    return keywords


def _has_keyword(keywords, word):
    return any(k.split(" ", 1)[0].upper() == word for k in keywords)


def _peer_chain_der(ssock):
    """The presented chain (leaf first) as DER, on every supported Python."""
    getter = getattr(ssock, "get_unverified_chain", None)
    if getter is None and getattr(ssock, "_sslobj", None) is not None:
        getter = getattr(ssock._sslobj, "get_unverified_chain", None)
    chain = []
    if getter is not None:
        try:
            for item in getter() or []:
                if isinstance(item, bytes):
                    chain.append(item)
                else:
                    chain.append(item.public_bytes(ssl._ssl.ENCODING_DER))  # pylint: disable=protected-access
        except (AttributeError, ValueError, ssl.SSLError):
            chain = []
    if not chain:
        leaf = ssock.getpeercert(binary_form=True)
        if leaf:
            chain = [leaf]
    return chain


def _is_ip(name):
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # verified afterwards with cryptography, with reasons
    try:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # a sender negotiates; weaknesses are reported
    except (ValueError, ssl.SSLError):
        pass
    return ctx


def probe_address(address, port=25, mx_name=None, domain=None, roots=None, timeout=10.0,
                  ehlo_name="localhost", now=None):
    """One SMTP connection to address:port; see the module docstring for the result."""
    started = time.monotonic()
    mx_name = (mx_name or address).rstrip(".")
    res = {
        "address": address, "port": int(port), "connected": False, "banner": None,
        "ehlo_keywords": [], "starttls_advertised": False, "starttls_reply": None,
        "tls": {"established": False, "protocol": None, "cipher": None, "cipher_bits": None,
                "sni": None, "error": None},
        "presented_chain": [], "chain_in_order": None, "certificate": None, "verification": None,
        "hostname_match": {"mx": None, "domain": None}, "self_signed": None, "demo_certificate": None,
        "verdict": "unreachable", "reasons": [], "error": None, "duration": None, "_chain_der": [],
    }
    deadline = started + float(timeout) * 3  # connect + dialogue + handshake, each bounded
    sock = None
    try:
        try:
            sock = socket.create_connection((address, int(port)), timeout=float(timeout))
        except OSError as exc:
            res["error"] = "cannot connect to %s port %s: %s" % (address, port, exc.strerror or exc)
            res["reasons"].append(res["error"])
            return res
        res["connected"] = True
        conn = _Conn(sock, deadline)
        try:
            code, lines = conn.reply()
            res["banner"] = {"code": code, "text": "\n".join(lines)}
            if code != 220:
                res["error"] = "the server refused the connection: %d %s" % (code, " ".join(lines))
                res["reasons"].append(res["error"])
                return res
            code, lines = conn.command("EHLO %s" % ehlo_name)
            if code != 250:
                res["verdict"] = "no_starttls"
                res["reasons"].append("EHLO refused (%d %s): no ESMTP, so no STARTTLS" % (code, " ".join(lines)))
                return res
            res["ehlo_keywords"] = _ehlo_keywords(lines)
            res["starttls_advertised"] = _has_keyword(res["ehlo_keywords"], "STARTTLS")
            if not res["starttls_advertised"]:
                res["verdict"] = "no_starttls"
                res["reasons"].append("STARTTLS is not advertised in the EHLO reply")
                _quit(conn)
                return res
            code, lines = conn.command("STARTTLS")
            res["starttls_reply"] = {"code": code, "text": " ".join(lines)}
            if code != 220:
                res["verdict"] = "no_starttls"
                res["reasons"].append("STARTTLS was advertised but refused: %d %s" % (code, " ".join(lines)))
                return res
            if conn.buf:
                raise SmtpProtocolError("the server sent data after 220 to STARTTLS (response injection)")
        except (OSError, SmtpProtocolError) as exc:
            res["error"] = "SMTP dialogue failed: %s" % exc
            res["reasons"].append(res["error"])
            return res

        sni = None if _is_ip(mx_name) else mx_name
        res["tls"]["sni"] = sni
        try:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            ssock = _tls_context().wrap_socket(sock, server_hostname=sni)
            sock = ssock
        except (OSError, ssl.SSLError, ValueError) as exc:
            res["tls"]["error"] = "TLS handshake failed: %s" % exc
            res["verdict"] = "unverified"
            res["reasons"].append(res["tls"]["error"])
            return res
        res["tls"].update(established=True, protocol=ssock.version())
        cipher = ssock.cipher()
        if cipher:
            res["tls"]["cipher"], res["tls"]["cipher_bits"] = cipher[0], cipher[2]
        chain_der = _peer_chain_der(ssock)
        res["_chain_der"] = chain_der
        try:
            tconn = _Conn(ssock, deadline)
            tconn.command("EHLO %s" % ehlo_name)
            _quit(tconn)
        except (OSError, SmtpProtocolError):
            pass  # the handshake result is what counts
        _assess(res, chain_der, mx_name, domain, roots, now)
        return res
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        res["duration"] = round(time.monotonic() - started, 3)


def _quit(conn):
    try:
        conn.command("QUIT")
    except (OSError, SmtpProtocolError):
        pass


def _assess(res, chain_der, mx_name, domain, roots, now):
    if not chain_der:
        res["verdict"] = "unverified"
        res["reasons"].append("the server presented no certificate")
        return
    try:
        chain = [_certs.x509.load_der_x509_certificate(d) for d in chain_der]
    except ValueError as exc:
        res["verdict"] = "unverified"
        res["reasons"].append("the presented certificate cannot be parsed: %s" % exc)
        return
    leaf = chain[0]
    facts = _certs.certificate_facts(leaf, now)
    res["certificate"] = facts
    res["presented_chain"] = _certs.chain_summary(chain, now)
    res["chain_in_order"] = _certs.chain_in_order(chain)
    res["self_signed"] = facts["self_signed"]
    res["demo_certificate"] = facts["demo_certificate"]
    res["hostname_match"]["mx"] = _certs.certificate_covers(leaf, mx_name)
    if domain:
        res["hostname_match"]["domain"] = _certs.certificate_covers(leaf, domain)
    ver = _certs.verify_chain(leaf, chain[1:], roots or [], now)
    res["verification"] = {"trusted": ver["trusted"], "code": ver["code"], "reason": ver["reason"],
                           "chain": _certs.chain_summary(ver["chain"], now)}
    reasons = []
    if not ver["trusted"]:
        reasons.append("chain: %s" % ver["reason"])
    if facts["expired"]:
        reasons.append("certificate expired on %s" % facts["not_after"])
    elif facts["not_yet_valid"]:
        reasons.append("certificate not valid before %s" % facts["not_before"])
    if not (res["hostname_match"]["mx"] or res["hostname_match"]["domain"]):
        names = mx_name if not domain else "%s or %s" % (mx_name, domain)
        reasons.append("certificate subjectAltName %s does not cover %s (CN is not used)" % (facts["san"], names))
    if facts["demo_certificate"]:
        reasons.append(_certs.demo_certificate_reason(leaf))
    if facts["key_type"] == "RSA" and (facts["key_size"] or 0) < 2048:
        res.setdefault("warnings", []).append("RSA key of %s bits" % facts["key_size"])
    res["reasons"].extend(reasons)
    res["verdict"] = "unverified" if reasons else "verified"
    if not reasons:
        res["reasons"].append("trusted chain to '%s', name matches %s" % (
            ver["chain"][-1].subject.rfc4514_string(),
            "the MX name" if res["hostname_match"]["mx"] else "the email domain"))


def _resolve_host(resolver, name, host_addresses):
    if host_addresses and name in host_addresses:
        return list(host_addresses[name]), None
    if _is_ip(name):
        return [name], None
    if resolver is None:
        return [], "no resolver"
    return _mx.resolve_addresses(resolver, name)


def probe_domain(domain, mx_hosts=None, port=25, resolver=None, host_addresses=None, roots=None,
                 timeout=10.0, ehlo_name="localhost", max_workers=8, check_mta_sts=True,
                 check_dane=True, mta_sts_port=443, mta_sts_ca_bundle=None, now=None):
    started = time.monotonic()
    domain = domain.rstrip(".").lower()
    host_addresses = {k.rstrip(".").lower(): ([v] if isinstance(v, str) else list(v))
                      for k, v in (host_addresses or {}).items()}
    report = {"domain": domain, "verdict": None, "reasons": [], "mx": [], "mx_lookup": None,
              "mta_sts": None, "duration": None}
    if mx_hosts:
        hosts = [{"name": h.rstrip(".").lower(), "preference": (i + 1) * 10} for i, h in enumerate(mx_hosts)]
        report["mx_lookup"] = {"source": "mx_hosts", "error": None, "implicit": False, "null_mx": False}
    else:
        lookup = _mx.resolve_mx(resolver, domain)
        report["mx_lookup"] = {"source": "dns", "error": lookup["error"], "implicit": lookup["implicit"],
                               "null_mx": lookup["null_mx"], "ad": lookup["ad"]}
        hosts = lookup["hosts"]
        if lookup["error"] or not hosts:
            report["verdict"] = "dns_error"
            report["reasons"].append(lookup["error"] or "no MX host for %s" % domain)
            report["duration"] = round(time.monotonic() - started, 3)
            return report
    workers = max(1, int(max_workers))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        # Phase 1: addresses (and TLSA) of every MX host, concurrently.
        def prepare(host):
            entry = {"name": host["name"], "preference": host["preference"], "addresses": [],
                     "dane": None, "verdict": None, "error": None, "reasons": []}
            addrs, err = _resolve_host(resolver, host["name"], host_addresses)
            entry["_addrs"] = addrs
            if not addrs:
                entry["error"] = err
            if check_dane and resolver is not None and not _is_ip(host["name"]):
                entry["dane"] = _dane.lookup_tlsa(resolver, host["name"], port)
            return entry

        entries = list(pool.map(prepare, hosts))
        sts_future = None
        if check_mta_sts and resolver is not None:
            def addresses_for(name):
                return _resolve_host(resolver, name, host_addresses)
            pin = addresses_for if (host_addresses or _custom_resolver(resolver)) else None
            sts_future = pool.submit(_sts.check_mta_sts, domain, [h["name"] for h in hosts], resolver,
                                     pin, mta_sts_port, mta_sts_ca_bundle, timeout)
        # Phase 2: every address of every host, concurrently.
        jobs = []
        for entry in entries:
            for addr in entry["_addrs"]:
                jobs.append((entry, pool.submit(probe_address, addr, port, entry["name"], domain, roots,
                                                timeout, ehlo_name, now)))
        for entry, fut in jobs:
            entry["addresses"].append(fut.result())
        if sts_future is not None:
            report["mta_sts"] = sts_future.result()

    for entry in entries:
        del entry["_addrs"]
        if entry["error"]:
            entry["verdict"] = "dns_error"
            entry["reasons"].append(entry["error"])
        else:
            entry["verdict"] = worst_verdict(a["verdict"] for a in entry["addresses"])
            for a in entry["addresses"]:
                entry["reasons"].extend("%s: %s" % (a["address"], r) for r in a["reasons"]
                                        if a["verdict"] != "verified")
        if entry["dane"] is not None:
            for a in entry["addresses"]:
                a["dane"] = _dane.match_tlsa(entry["dane"]["records"], a["_chain_der"],
                                             name_matches=bool(a["hostname_match"]["mx"])) \
                    if entry["dane"]["present"] else None
        for a in entry["addresses"]:
            a.pop("_chain_der", None)
    report["mx"] = entries
    if report["mta_sts"] is not None:
        _mta_sts_per_host(report)
    report["verdict"] = worst_verdict(e["verdict"] for e in entries)
    for e in entries:
        if e["verdict"] != "verified":
            report["reasons"].append("%s: %s" % (e["name"], e["verdict"]))
    if not report["reasons"]:
        report["reasons"].append("every MX host offers STARTTLS with a trusted certificate for its name")
    report["duration"] = round(time.monotonic() - started, 3)
    return report


def _custom_resolver(resolver):
    return getattr(resolver, "port", 53) != 53 or getattr(resolver, "_mailsec_custom", False)


def _mta_sts_per_host(report):
    sts = report["mta_sts"]
    if not sts.get("policy") or sts.get("policy_errors"):
        return
    failures = []
    for entry in report["mx"]:
        matched = sts["mx_matches"].get(entry["name"], False)
        valid = bool(entry["addresses"]) and all(
            a["verdict"] == "verified" and a["hostname_match"]["mx"] for a in entry["addresses"])
        entry["mta_sts"] = {"pattern_match": matched, "valid": matched and valid}
        if not (matched and valid):
            failures.append(entry["name"])
    sts["compliant"] = not failures
    sts["failing_mx"] = failures
