# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that decide the ACME work of the mailsec.cres.cres_tls role (pure, no I/O).

- ``cres_acme_installed(esa_info, listener, names, renew_days, now=None)``: the certificate the
  listener presents, as the appliance reports it (``mailsec.cres.esa_info`` with
  ``certificates`` and ``listeners``), and whether it must be renewed::

      {"names": [...], "due": true, "reason": "does not cover mail.example.com",
       "installed": {"profile", "subject", "issuer", "not_after", "days_left", "san",
                     "fingerprint_sha256", "demo"} or null}

- ``cres_acme_plan(entries, issued=None)``: from every appliance's entry
  (``{"host", "cluster", "names", "due", ...}`` as above plus the host and its cluster name)
  the names each appliance needs (a cluster's members share one certificate, so they need the
  union of their names) and the ACME orders of this run, one per distinct set of names that
  some appliance needs renewed and that this run has not obtained yet (``issued``, keyed by
  ``cres_acme_key(names)``)::

      {"hosts": {"esa1": {"names": [...], "key": "mail.example.com", "due": true}},
       "orders": [{"key": "mail.example.com", "names": ["mail.example.com"],
                   "hosts": ["esa1", "esa2"], "challenges": ["_acme-challenge.mail.example.com"]}]}

- ``cres_acme_key(names)``: the key of a set of names (sorted, comma-joined).
- ``cres_acme_challenges(orders_created)``: the looped results of
  ``community.crypto.acme_certificate_order_create`` merged into ``{record: [values]}`` (two
  orders may need the same record name, with different values).
- ``cres_acme_issued(orders, keys, certificates, checks, renew_days=30)``: the certificates
  obtained, ``{key: {names, hosts, certificate, chain, full_chain, private_key, facts}}``.
"""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.module_utils.certificates import hostname_matches


def _is_mapping(value):
    return hasattr(value, "get") and hasattr(value, "keys")


def _norm(name):
    return str(name).strip().rstrip(".").lower()


def _names(names):
    out = []
    for name in names or []:
        if name is None or not str(name).strip():
            continue
        name = _norm(name)
        if name not in out:
            out.append(name)
    return sorted(out)


def cres_acme_key(names):
    """Key of a set of names: the sorted names, comma-joined."""
    return ",".join(_names(names))


def _parse_time(text):
    text = str(text).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def _now(now):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    return _parse_time(now) if not isinstance(now, datetime.datetime) else now


def challenge_record(name):
    """The DNS-01 record of a name (RFC 8555 8.4; a wildcard is validated at its base name)."""
    name = _norm(name)
    if name.startswith("*."):
        name = name[2:]
    return "_acme-challenge." + name


def cres_acme_installed(esa_info, listener, names, renew_days=30, now=None):
    """The listener's certificate as read from the appliance, and whether it must be renewed."""
    if not _is_mapping(esa_info):
        raise AnsibleFilterError("cres_acme_installed: expected the result of mailsec.cres.esa_info")
    names = _names(names)
    if not names:
        raise AnsibleFilterError("cres_acme_installed: no names for the certificate (the listener has no hostname "
                                 "and cres_tls_certificate_hostnames is empty)")
    entry = {"names": names, "installed": None, "due": True, "reason": ""}
    found = [item for item in esa_info.get("listeners") or [] if _is_mapping(item) and item.get("name") == listener]
    if not found:
        entry["reason"] = "listener %s not found" % listener
        return entry
    profile = found[0].get("certificate")
    certs = [c for c in esa_info.get("certificates") or [] if _is_mapping(c) and c.get("name") == profile]
    if not profile or not certs:
        entry["reason"] = "the listener presents no certificate profile the appliance lists (%s)" % (profile or "none")
        return entry
    cert = certs[0]
    if cert.get("parse_error"):
        entry["reason"] = "the installed certificate (profile %s) cannot be read: %s" % (profile, cert["parse_error"])
        return entry
    days_left = None
    if cert.get("not_after"):
        days_left = int((_parse_time(cert["not_after"]) - _now(now)).total_seconds() // 86400)
    san = [str(s) for s in cert.get("san") or []]
    entry["installed"] = {
        "profile": profile, "subject": cert.get("subject"), "issuer": cert.get("issuer"),
        "not_after": cert.get("not_after"), "days_left": days_left, "san": san,
        "fingerprint_sha256": cert.get("fingerprint_sha256"),
        "demo": bool(cert.get("is_demo") or found[0].get("uses_demo_certificate")),
    }
    missing = [n for n in names if not any(hostname_matches(p, n) for p in san)]
    if entry["installed"]["demo"]:
        entry["reason"] = "the listener presents the demo certificate"
    elif missing:
        entry["reason"] = "the installed certificate does not cover %s" % ", ".join(missing)
    elif days_left is None:
        entry["reason"] = "the installed certificate has no readable expiry date"
    elif days_left <= int(renew_days):
        entry["reason"] = "%d days left, within cres_tls_renew_days (%d)" % (days_left, int(renew_days))
    else:
        entry["due"] = False
        entry["reason"] = "covers the names, %d days left (more than cres_tls_renew_days %d)" % (
            days_left, int(renew_days))
    return entry


def cres_acme_plan(entries, issued=None):
    """The names of each appliance and the ACME orders of this run (see the module docstring)."""
    if not isinstance(entries, list):
        raise AnsibleFilterError("cres_acme_plan: expected a list of appliance entries")
    issued = issued if _is_mapping(issued) else {}
    by_cluster = {}
    for entry in entries:
        if entry.get("cluster"):
            by_cluster.setdefault(entry["cluster"], []).append(entry)
    hosts = {}
    orders = {}
    for entry in entries:
        members = by_cluster.get(entry.get("cluster")) if entry.get("cluster") else [entry]
        names = _names([n for member in members for n in member.get("names") or []])
        # A cluster holds one certificate: renew for all when any member needs it.
        due = any(member.get("due") for member in members)
        key = cres_acme_key(names)
        hosts[entry["host"]] = {"names": names, "key": key, "due": due}
        if due and key not in issued:
            order = orders.setdefault(key, {"key": key, "names": names, "hosts": [],
                                            "challenges": sorted({challenge_record(n) for n in names})})
            order["hosts"].append(entry["host"])
    return {"hosts": hosts, "orders": [orders[k] for k in sorted(orders)]}


def cres_acme_challenges(orders_created):
    """{record: [values]} of every order created (looped register of acme_certificate_order_create)."""
    out = {}
    results = orders_created.get("results") if _is_mapping(orders_created) else orders_created
    for res in results or []:
        if not _is_mapping(res):
            continue
        for record, values in (res.get("challenge_data_dns") or {}).items():
            merged = out.setdefault(_norm(record), [])
            for value in values or []:
                if value not in merged:
                    merged.append(value)
    return out


def _results(loop_result):
    return list(loop_result.get("results") or []) if _is_mapping(loop_result) else list(loop_result or [])


def cres_acme_issued(orders, keys, certificates, checks, renew_days=30):
    """{key: certificate obtained} from the looped results of the ACME steps, in the order of ``orders``.

    Each entry holds ``names``, ``hosts``, ``certificate`` (leaf PEM), ``chain`` (intermediates),
    ``full_chain``, ``private_key`` and ``facts`` (issuer, subject, not_after, days_left, san,
    fingerprint_sha256, renew_days_warning), the public part the report shows.
    """
    keys, certificates, checks = _results(keys), _results(certificates), _results(checks)
    if not (len(orders) == len(keys) == len(certificates) == len(checks)):
        raise AnsibleFilterError("cres_acme_issued: expected one key, certificate and check per order")
    out = {}
    for order, key, cert, check in zip(orders, keys, certificates, checks):
        chain = cert.get("selected_chain") or {}
        facts = (check.get("certificate") or {}) if _is_mapping(check) else {}
        days_left = facts.get("days_remaining")
        out[order["key"]] = {
            "names": order["names"], "hosts": order.get("hosts", []),
            "certificate": chain.get("cert"), "chain": chain.get("chain"), "full_chain": chain.get("full_chain"),
            "private_key": key.get("privatekey"),
            "facts": {"issuer": facts.get("issuer"), "subject": facts.get("subject"),
                      "not_after": facts.get("not_after"), "days_left": days_left, "san": facts.get("san"),
                      "fingerprint_sha256": facts.get("fingerprint_sha256"),
                      # A CA whose certificates live no longer than renew_days makes every run renew.
                      "renew_days_warning": days_left is not None and days_left <= int(renew_days)},
        }
    return out


class FilterModule:
    """mailsec.cres ACME planning filters."""

    def filters(self):
        return {
            "cres_acme_installed": cres_acme_installed,
            "cres_acme_plan": cres_acme_plan,
            "cres_acme_key": cres_acme_key,
            "cres_acme_challenges": cres_acme_challenges,
            "cres_acme_issued": cres_acme_issued,
        }
