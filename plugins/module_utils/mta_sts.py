# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MTA-STS (RFC 8461): the TXT record, the HTTPS policy fetch and MX pattern matching.

Public API (the policy fetch needs requests: ``deps.REQUESTS``)
    ``parse_txt(strings) -> (dict | None, error | None)``: one ``v=STSv1; id=...`` record
    ``lookup_txt(resolver, domain) -> dict``: ``{'name', 'present', 'record', 'id', 'error'}``
    ``parse_policy(text) -> (dict, [errors])``: ``{'version', 'mode', 'max_age', 'mx': [...]}``
    ``mx_pattern_matches(pattern, mx_name) -> bool`` (``*.`` covers exactly one leftmost label)
    ``policy_covers(policy, mx_name) -> bool``
    ``fetch_policy(domain, address=None, port=443, ca_bundle=None, timeout=10.0,
        max_bytes=65536) -> dict``: ``{'url', 'status', 'content_type', 'text', 'error'}``.
        No redirects; certificate must be valid for ``mta-sts.DOMAIN``; with ``address`` the
        connection goes to that IP while SNI, Host and certificate checks use the name.
    ``check_mta_sts(domain, mx_names, resolver, addresses_for=None, port=443, ca_bundle=None,
        timeout=10.0) -> dict`` (the report of smtp_tls_info's ``mta_sts``)
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import mx as _mx

# The base of _PinnedHostAdapter while requests is missing (smtp_tls_info then requires
# check_mta_sts=false, and nothing here runs).
HTTPAdapter = object
with deps.REQUESTS.guard():
    import requests
    from requests.adapters import HTTPAdapter

MAX_AGE_LIMIT = 31557600
POLICY_PATH = "/.well-known/mta-sts.txt"
_ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")


def parse_txt(strings):
    """strings: the TXT records' texts at _mta-sts.DOMAIN (each already joined)."""
    sts = [s for s in strings if s.strip().startswith("v=STSv1")]
    if not sts:
        return None, "no TXT record starting with v=STSv1"
    if len(sts) > 1:
        return None, "%d v=STSv1 TXT records (exactly one is allowed)" % len(sts)
    fields = {}
    for part in sts[0].split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            return None, "malformed field %r in %r" % (part, sts[0])
        fields[key.strip()] = value.strip()
    if fields.get("v") != "STSv1":
        return None, "v=STSv1 must be the first field"
    if not _ID_RE.match(fields.get("id", "")):
        return None, "id missing or not 1-32 alphanumeric characters in %r" % sts[0]
    return {"record": sts[0], "id": fields["id"]}, None


def lookup_txt(resolver, domain):
    name = "_mta-sts.%s" % domain.rstrip(".")
    out = {"name": name, "present": False, "record": None, "id": None, "error": None}
    answer, err, _ad = _mx.query(resolver, name, "TXT")
    if answer is None:
        if err and not ("NXDOMAIN" in err or err.startswith("no ")):
            out["error"] = err
        return out
    texts = [b"".join(rr.strings).decode("utf-8", "replace") for rr in answer]
    parsed, perr = parse_txt(texts)
    if parsed is None:
        out["error"] = perr
        out["present"] = any(t.startswith("v=STSv1") for t in texts)
        return out
    out.update(present=True, record=parsed["record"], id=parsed["id"])
    return out


def parse_policy(text):
    policy = {"version": None, "mode": None, "max_age": None, "mx": []}
    errors = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            errors.append("malformed line %r" % line)
            continue
        key, value = key.strip(), value.strip()
        if key == "version":
            policy["version"] = value
        elif key == "mode":
            policy["mode"] = value
        elif key == "max_age":
            try:
                policy["max_age"] = int(value)
            except ValueError:
                errors.append("max_age %r is not an integer" % value)
        elif key == "mx":
            policy["mx"].append(value.lower())
    if policy["version"] != "STSv1":
        errors.append("version must be STSv1 (got %r)" % policy["version"])
    if policy["mode"] not in ("enforce", "testing", "none"):
        errors.append("mode must be enforce, testing or none (got %r)" % policy["mode"])
    max_age = policy["max_age"]
    if max_age is None:
        errors.append("max_age is missing")
    elif not 0 <= max_age <= MAX_AGE_LIMIT:
        errors.append("max_age %s is outside 0..%d" % (max_age, MAX_AGE_LIMIT))
    if policy["mode"] in ("enforce", "testing") and not policy["mx"]:
        errors.append("no mx patterns in a policy with mode %s" % policy["mode"])
    return policy, errors


def mx_pattern_matches(pattern, mx_name):
    pattern = pattern.strip().rstrip(".").lower()
    mx_name = mx_name.strip().rstrip(".").lower()
    if pattern.startswith("*."):
        head, dot, rest = mx_name.partition(".")
        return bool(head) and bool(dot) and rest == pattern[2:]
    return pattern == mx_name


def policy_covers(policy, mx_name):
    return any(mx_pattern_matches(p, mx_name) for p in policy.get("mx", []))


class _PinnedHostAdapter(HTTPAdapter):
    """Connect to an address but use hostname for SNI and certificate checks."""

    def __init__(self, hostname, **kwargs):
        self._hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def fetch_policy(domain, address=None, port=443, ca_bundle=None, timeout=10.0, max_bytes=65536):
    host = "mta-sts.%s" % domain.rstrip(".")
    netloc_host = host
    if address:
        try:
            netloc_host = "[%s]" % address if ipaddress.ip_address(address).version == 6 else address
        except ValueError:
            netloc_host = address
    portpart = "" if int(port) == 443 else ":%d" % int(port)
    url = "https://%s%s%s" % (netloc_host, portpart, POLICY_PATH)
    out = {"url": "https://%s%s%s" % (host, portpart, POLICY_PATH), "address": address, "status": None,
           "content_type": None, "text": None, "error": None}
    session = requests.Session()
    session.trust_env = False
    if address:
        session.mount("https://", _PinnedHostAdapter(host))
    verify = ca_bundle if ca_bundle else True
    try:
        with session.get(url, headers={"Host": host + portpart, "User-Agent": "mailsec.cres smtp_tls_info"},
                         timeout=timeout, allow_redirects=False, stream=True, verify=verify) as resp:
            out["status"] = resp.status_code
            out["content_type"] = resp.headers.get("Content-Type")
            if 300 <= resp.status_code < 400:
                out["error"] = "policy fetch answered a redirect (%d to %s); redirects are not followed" % (
                    resp.status_code, resp.headers.get("Location"))
                return out
            if resp.status_code != 200:
                out["error"] = "policy fetch answered HTTP %d" % resp.status_code
                return out
            ctype = (out["content_type"] or "").split(";", maxsplit=1)[0].strip().lower()
            if ctype != "text/plain":
                out["error"] = "policy Content-Type is %r, not text/plain" % out["content_type"]
                return out
            body = b""
            for chunk in resp.iter_content(8192):
                body += chunk
                if len(body) > max_bytes:
                    out["error"] = "policy is larger than %d bytes" % max_bytes
                    return out
            out["text"] = body.decode("utf-8", "replace")
    except requests.exceptions.SSLError as exc:
        out["error"] = "TLS error fetching the policy (the certificate must be valid for %s): %s" % (host, exc)
    except requests.exceptions.RequestException as exc:
        out["error"] = "cannot fetch the policy: %s" % exc
    finally:
        session.close()
    return out


def check_mta_sts(domain, mx_names, resolver, addresses_for=None, port=443, ca_bundle=None, timeout=10.0):
    """TXT + policy + MX matching. addresses_for(name) -> [addr] pins the HTTPS connection
    (used when the module resolves names itself); None lets requests resolve the name."""
    report = {"txt": None, "policy": None, "policy_errors": [], "fetch": None, "mode": None,
              "mx_matches": {}, "unmatched_mx": [], "enabled": False, "valid": False, "reason": ""}
    txt = lookup_txt(resolver, domain)
    report["txt"] = txt
    if not txt["present"]:
        report["reason"] = txt["error"] or "no MTA-STS TXT record at %s" % txt["name"]
        return report
    if txt["error"]:
        report["reason"] = "invalid MTA-STS TXT record: %s" % txt["error"]
        return report
    address = None
    if addresses_for is not None:
        addrs, err = addresses_for("mta-sts.%s" % domain.rstrip("."))
        if not addrs:
            report["reason"] = "cannot resolve mta-sts.%s: %s" % (domain, err)
            return report
        address = addrs[0]
    fetch = fetch_policy(domain, address=address, port=port, ca_bundle=ca_bundle, timeout=timeout)
    report["fetch"] = {k: v for k, v in fetch.items() if k != "text"}
    if fetch["error"]:
        report["reason"] = fetch["error"]
        return report
    policy, errors = parse_policy(fetch["text"])
    report["policy"] = policy
    report["policy_errors"] = errors
    report["mode"] = policy["mode"]
    if errors:
        report["reason"] = "invalid policy: %s" % "; ".join(errors)
        return report
    report["enabled"] = policy["mode"] in ("enforce", "testing")
    for name in mx_names:
        report["mx_matches"][name] = policy_covers(policy, name)
    report["unmatched_mx"] = [n for n, ok in report["mx_matches"].items() if not ok]
    report["valid"] = not report["unmatched_mx"]
    if report["unmatched_mx"]:
        report["reason"] = "MX host(s) %s match no mx pattern of the policy %s" % (
            ", ".join(report["unmatched_mx"]), policy["mx"])
    else:
        report["reason"] = "policy mode %s; every MX matches a pattern" % policy["mode"]
    return report
