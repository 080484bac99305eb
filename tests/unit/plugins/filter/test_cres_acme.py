# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ACME planning filters of the cres_tls role, and the certificate entry of its report."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.filter.cres_acme import (
    FilterModule,
    cres_acme_challenges,
    cres_acme_installed,
    cres_acme_issued,
    cres_acme_key,
    cres_acme_plan,
)
from ansible_collections.mailsec.cres.plugins.filter.cres_report import cres_report_certificate, cres_report_table

NOW = "2026-12-01T00:00:00Z"


def info(profile="cres_tls", san=("mail.example.com",), not_after="2027-03-01T00:00:00Z", demo=False, **extra):
    cert = {"name": profile, "subject": "CN=mail.example.com", "issuer": "CN=R11,O=Let's Encrypt", "san": list(san),
            "not_after": not_after, "fingerprint_sha256": "AA:BB", "is_demo": demo}
    cert.update(extra)
    return {"listeners": [{"name": "IncomingMail", "hostname": "mail.example.com", "certificate": profile,
                           "uses_demo_certificate": demo}],
            "certificates": [cert, {"name": "Demo", "is_demo": True, "san": []}]}


def test_registered():
    assert set(FilterModule().filters()) == {"cres_acme_installed", "cres_acme_plan", "cres_acme_key",
                                             "cres_acme_challenges", "cres_acme_issued"}


def test_a_certificate_that_covers_the_names_with_days_left_is_kept():
    entry = cres_acme_installed(info(), "IncomingMail", ["Mail.Example.com.", ""], 30, now=NOW)
    assert entry["due"] is False and entry["names"] == ["mail.example.com"]
    assert entry["installed"]["days_left"] == 90 and entry["installed"]["issuer"] == "CN=R11,O=Let's Encrypt"
    assert "90 days left" in entry["reason"]


@pytest.mark.parametrize("kwargs, names, reason", [
    ({"not_after": "2026-12-31T00:00:00Z"}, ["mail.example.com"], "30 days left, within cres_tls_renew_days (30)"),
    ({}, ["mail.example.com", "esa1.example.com"], "does not cover esa1.example.com"),
    ({"demo": True}, ["mail.example.com"], "demo certificate"),
    ({"parse_error": "bad DER"}, ["mail.example.com"], "cannot be read: bad DER"),
    ({"profile": "other"}, ["mail.example.com"], None),
])
def test_renewal_is_due(kwargs, names, reason):
    data = info(**kwargs)
    if kwargs.get("profile"):
        data["certificates"] = [c for c in data["certificates"] if c["name"] != "other"]
        reason = "presents no certificate profile"
    entry = cres_acme_installed(data, "IncomingMail", names, 30, now=NOW)
    assert entry["due"] is True
    assert reason in entry["reason"]


def test_a_wildcard_covers_one_label():
    data = info(san=["*.example.com"])
    assert cres_acme_installed(data, "IncomingMail", ["mail.example.com"], 30, now=NOW)["due"] is False
    assert cres_acme_installed(data, "IncomingMail", ["a.mail.example.com"], 30, now=NOW)["due"] is True


def test_no_names_and_unknown_listener():
    with pytest.raises(AnsibleFilterError):
        cres_acme_installed(info(), "IncomingMail", [""], 30)
    assert "not found" in cres_acme_installed(info(), "Other", ["mail.example.com"], 30)["reason"]


def test_plan_one_order_per_distinct_set_of_names_and_a_cluster_shares_one():
    entries = [
        {"host": "esa1", "cluster": "", "names": ["esa1.example.com", "mail.example.com"], "due": True},
        {"host": "esa2", "cluster": "c1", "names": ["mail.example.com"], "due": False},
        {"host": "esa3", "cluster": "c1", "names": ["mx.example.com"], "due": True},
        {"host": "esa4", "cluster": "", "names": ["esa1.example.com", "mail.example.com"], "due": False},
        {"host": "esa5", "cluster": "", "names": ["*.example.net"], "due": True},
    ]
    plan = cres_acme_plan(entries)
    assert plan["hosts"]["esa2"] == {"names": ["mail.example.com", "mx.example.com"],
                                     "key": "mail.example.com,mx.example.com", "due": True}
    assert plan["hosts"]["esa4"]["due"] is False
    assert [(o["key"], o["hosts"]) for o in plan["orders"]] == [
        ("*.example.net", ["esa5"]),
        ("esa1.example.com,mail.example.com", ["esa1"]),
        ("mail.example.com,mx.example.com", ["esa2", "esa3"]),
    ]
    assert plan["orders"][0]["challenges"] == ["_acme-challenge.example.net"]
    # Obtained earlier in this run (an earlier batch): no second order.
    again = cres_acme_plan(entries, {"mail.example.com,mx.example.com": {}})
    assert [o["key"] for o in again["orders"]] == ["*.example.net", "esa1.example.com,mail.example.com"]


def test_challenges_of_two_orders_for_one_name_are_merged():
    created = {"results": [
        {"challenge_data_dns": {"_acme-challenge.mail.example.com": ["v1"], "_acme-challenge.esa1.example.com": ["v2"]}},
        {"challenge_data_dns": {"_acme-challenge.Mail.example.com.": ["v3", "v1"]}},
        {"skipped": True},
    ]}
    assert cres_acme_challenges(created) == {"_acme-challenge.mail.example.com": ["v1", "v3"],
                                             "_acme-challenge.esa1.example.com": ["v2"]}
    assert cres_acme_challenges({}) == {}


def test_key():
    assert cres_acme_key(["b.example.com", "A.example.com.", "a.example.com"]) == "a.example.com,b.example.com"


def test_issued_and_the_report_entry():
    orders = [{"key": "mail.example.com", "names": ["mail.example.com"], "hosts": ["esa2", "esa3"]}]
    issued = cres_acme_issued(
        orders, {"results": [{"privatekey": "KEY"}]},
        {"results": [{"selected_chain": {"cert": "C", "chain": "I", "full_chain": "CI"}}]},
        {"results": [{"certificate": {"issuer": "CN=R11", "not_after": "2027-03-01T00:00:00Z",
                                      "days_remaining": 20, "san": ["mail.example.com"]}}]}, 30)
    entry = issued["mail.example.com"]
    assert (entry["certificate"], entry["chain"], entry["private_key"]) == ("C", "I", "KEY")
    assert entry["facts"]["renew_days_warning"] is True and "KEY" not in str(entry["facts"])
    with pytest.raises(AnsibleFilterError):
        cres_acme_issued(orders, {"results": []}, {"results": []}, {"results": []})

    state = {"names": ["mail.example.com"], "due": True, "reason": "the listener presents the demo certificate",
             "installed": {"issuer": "CN=Demo", "not_after": "2036-01-01T00:00:00Z", "days_left": 3000},
             "new": entry["facts"]}
    assert cres_report_certificate(state, {"changed": True})["status"] == "renewed"
    assert cres_report_certificate(state, {"skipped": True})["renewed"] is True      # the cluster's configurer
    would = cres_report_certificate(dict(state, new=None), {}, True)
    assert (would["status"], would["renewed"], would["issuer"]) == ("would renew", False, "CN=Demo")
    kept = cres_report_certificate(dict(state, due=False, new=None), {"skipped": True})
    assert (kept["status"], kept["days_left"]) == ("kept", 3000)
    files = cres_report_certificate({}, {"changed": True}, given={"certificate": {
        "issuer": "CN=X", "not_after": "2027-01-01T00:00:00Z", "days_remaining": 31, "san": ["a"]}})
    assert (files["source"], files["status"], files["renewed"]) == ("files", "installed", True)
    assert cres_report_certificate({}, {}) == {}
    table = cres_report_table({"appliances": [{"name": "esa2", "steps": {}, "tls": {},
                                               "certificate": cres_report_certificate(state, {"changed": True})}]})
    assert "Certificates the listeners present" in table and "| R11 " in table and "renewed" in table
