# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DANE TLSA for SMTP (RFC 7672): lookup and matching against a presented chain.

DNSSEC is *not* validated here: the result reports whether the resolver set the AD bit, which
is only meaningful with a trusted, validating resolver on a trusted path (label: ``trust``).

Public API
    ``lookup_tlsa(resolver, mx_name, port=25) -> dict``: ``{'name', 'present', 'ad',
        'records': [{'usage', 'selector', 'matching_type', 'data'}], 'error'}``
    ``match_tlsa(records, chain_der, name_matches=False, now=None) -> dict``: ``{'usable':
        int, 'matched': bool, 'matches': [{'record': str, 'certificate_index': int}],
        'reason': str}``; chain_der is the presented chain (leaf first), DER bytes.
    ``tlsa_digest(cert_der, selector, matching_type) -> bytes``
"""

from __future__ import annotations

import hashlib

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import mx as _mx

with deps.CRYPTOGRAPHY.guard():
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

USAGES = {0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}


def lookup_tlsa(resolver, mx_name, port=25):
    name = "_%d._tcp.%s" % (int(port), mx_name.rstrip("."))
    out = {"name": name, "present": False, "ad": False, "records": [], "error": None,
           "trust": "AD bit of the resolver (DNSSEC is not validated by this module)"}
    answer, err, ad = _mx.query(resolver, name, "TLSA")
    if answer is None:
        if err and ("NXDOMAIN" in err or err.startswith("no ")):
            return out
        out["error"] = err
        return out
    out["present"] = True
    out["ad"] = ad
    for rr in answer:
        out["records"].append({"usage": int(rr.usage), "selector": int(rr.selector),
                               "matching_type": int(rr.mtype), "data": rr.cert.hex()})
    return out


def tlsa_digest(cert_der, selector, matching_type):
    if selector == 0:
        data = cert_der
    elif selector == 1:
        cert = x509.load_der_x509_certificate(cert_der)
        data = cert.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    else:
        raise ValueError("unknown selector %r" % selector)
    if matching_type == 0:
        return data
    if matching_type == 1:
        return hashlib.sha256(data).digest()
    if matching_type == 2:
        return hashlib.sha512(data).digest()
    raise ValueError("unknown matching type %r" % matching_type)


def _describe(rec):
    return "%d %d %d %s" % (rec["usage"], rec["selector"], rec["matching_type"],
                            rec["data"][:16] + ("..." if len(rec["data"]) > 16 else ""))


def match_tlsa(records, chain_der, name_matches=False):
    """Match TLSA records against a presented chain (leaf first)."""
    out = {"usable": 0, "matched": False, "matches": [], "reason": ""}
    if not records:
        out["reason"] = "no TLSA records"
        return out
    if not chain_der:
        out["reason"] = "no certificate was presented"
        return out
    for rec in records:
        usage, sel, mt = rec["usage"], rec["selector"], rec["matching_type"]
        if usage not in (2, 3) or sel not in (0, 1) or mt not in (0, 1, 2):
            continue  # RFC 7672 3.1.3: PKIX usages 0/1 are unusable for SMTP
        out["usable"] += 1
        want = bytes.fromhex(rec["data"])
        candidates = [0] if usage == 3 else list(range(1, len(chain_der))) or []
        for idx in candidates:
            try:
                got = tlsa_digest(chain_der[idx], sel, mt)
            except ValueError:
                continue
            if got == want:
                if usage == 2 and not name_matches:
                    continue  # DANE-TA still needs the name check
                out["matches"].append({"record": _describe(rec), "certificate_index": idx,
                                       "usage": USAGES[usage]})
                break
    out["matched"] = bool(out["matches"])
    if out["matched"]:
        out["reason"] = "matched %s" % ", ".join(m["record"] for m in out["matches"])
    elif not out["usable"]:
        out["reason"] = "no usable TLSA record (only PKIX-TA/PKIX-EE or unknown parameters)"
    else:
        out["reason"] = "none of %d usable TLSA record(s) matches the presented chain" % out["usable"]
    return out
