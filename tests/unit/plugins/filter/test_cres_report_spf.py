# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run report's SPF result per CRES sending address (spf_check results)."""
from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.filter.cres_report import (
    cres_report_domains,
    cres_report_problems,
    cres_report_table,
)

ADDRESSES = [{"host": "res.cisco.com", "address": "184.94.241.74"},
             {"host": "mxnat1.res.cisco.com", "address": "208.90.57.32"}]


def _check(results, **extra):
    return {"results": [dict({"item": {"name": "example.com"}, "changed": False,
                              "results": [{"ip": ip, "result": r, "mechanism": m, "cause": c}
                                          for ip, r, m, c in results]}, **extra)]}


def _report(spf_cres, check_mode=False):
    domains = cres_report_domains([{"name": "example.com"}], [], None, None, None, check_mode,
                                  spf_cres=spf_cres, cres_addresses=ADDRESSES)
    return {"check_mode": check_mode, "appliances": [], "domains": domains}


def test_every_address_passes():
    report = _report(_check([("184.94.241.74", "pass", "include:res.cisco.com", None),
                             ("208.90.57.32", "pass", "include:res.cisco.com", None)]))
    cres = report["domains"][0]["spf"]["cres"]
    assert cres["status"] == "pass" and cres["passed"] == 2 and cres["total"] == 2
    assert cres["addresses"][1] == {"host": "mxnat1.res.cisco.com", "address": "208.90.57.32", "result": "pass",
                                    "mechanism": "include:res.cisco.com", "cause": None}
    assert cres_report_problems(report) == []
    table = cres_report_table(report)
    assert "pass 2/2" in table and "SPF result of CRES's sending addresses" in table
    rows = [" ".join(line.split()) for line in table.splitlines()]
    assert "| example.com | mxnat1.res.cisco.com | 208.90.57.32 | pass | include:res.cisco.com |" in rows


def test_a_non_pass_is_a_problem_naming_the_address():
    report = _report(_check([("184.94.241.74", "pass", "include:res.cisco.com", None),
                             ("208.90.57.32", "fail", "-all", None)]))
    problems = cres_report_problems(report)
    assert problems == ["example.com: SPF does not pass for 1 of 2 CRES sending addresses: "
                        "208.90.57.32 (mxnat1.res.cisco.com): fail at -all"]
    assert "FAIL 1/2" in cres_report_table(report)


def test_permerror_names_the_cause_and_a_failed_check_is_a_problem():
    report = _report(_check([("184.94.241.74", "permerror", None, "more than 10 DNS lookups"),
                             ("208.90.57.32", "permerror", None, "more than 10 DNS lookups")]))
    assert "permerror (more than 10 DNS lookups)" in cres_report_problems(report)[0]
    report = _report(_check([], failed=True, msg="ip: 'x' is not an IPv4 or IPv6 address"))
    assert report["domains"][0]["spf"]["cres"]["status"] == "failed"
    assert "not an IPv4" in cres_report_problems(report)[0]


def test_kept_across_batches_and_skipped_keeps_previous():
    first = _report(_check([("184.94.241.74", "pass", "include:res.cisco.com", None)]))["domains"]
    again = cres_report_domains([{"name": "example.com"}], first, {"results": [
        {"item": {"name": "example.com"}, "changed": True, "record_after": "v=spf1 include:res.cisco.com -all"}]},
        None, None, False, spf_cres={"results": [{"item": {"name": "example.com"}, "skipped": True}]},
        cres_addresses=ADDRESSES)
    assert again[0]["spf"]["cres"]["status"] == "pass" and again[0]["spf"]["status"] == "changed"
