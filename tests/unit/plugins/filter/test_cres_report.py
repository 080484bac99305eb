# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run report filters of the cres_tls role."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.filter.cres_report import (
    FilterModule,
    cres_report_domains,
    cres_report_problems,
    cres_report_step,
    cres_report_table,
    cres_report_tls,
    cres_report_verdict_ok,
)


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "cres_report_step", "cres_report_verdict_ok", "cres_report_tls",
        "cres_report_domains", "cres_report_problems", "cres_report_table", "cres_report_dialect",
        "cres_report_certificate", "cres_report_appliance", "cres_report_appliances",
    }


@pytest.mark.parametrize("result, check_mode, expected", [
    ({"changed": True}, False, "changed"),
    ({"changed": True}, True, "would change"),
    ({"changed": False}, False, "ok"),
    ({"changed": False, "skipped": True}, False, "skipped"),
    ({"failed": True, "changed": True}, False, "failed"),
    ({}, False, "skipped"),
    (None, False, "skipped"),
])
def test_step(result, check_mode, expected):
    assert cres_report_step(result, check_mode) == expected


@pytest.mark.parametrize("verdict, minimum, expected", [
    ("verified", "verified", True),
    ("unverified", "verified", False),
    ("unverified", "unverified", True),
    ("verified", "unverified", True),
    ("no_starttls", "unverified", False),
    ("dns_error", "dns_error", True),
    ("unreachable", "no_starttls", False),
    (None, "dns_error", False),
    ("bogus", "dns_error", False),
])
def test_verdict_ok(verdict, minimum, expected):
    assert cres_report_verdict_ok(verdict, minimum) is expected


def test_verdict_ok_rejects_unknown_minimum():
    with pytest.raises(AnsibleFilterError, match="minimum must be one of"):
        cres_report_verdict_ok("verified", "great")


def test_tls_flattens_hosts_and_addresses():
    result = {
        "changed": False,
        "verdict": "unverified",
        "hosts": [
            {"host": "mx1.example.com", "preference": 10, "addresses": [
                {"address": "127.0.0.2", "port": 25, "verdict": "verified"},
                {"address": "127.0.0.3", "port": 25, "verdict": "unverified",
                 "verification": {"reason": "unable to get local issuer certificate"}},
            ]},
            {"host": "mx2.example.com", "verdict": "unreachable", "reason": "connection refused"},
        ],
    }
    tls = cres_report_tls(result)
    assert tls["verdict"] == "unverified"
    assert [(h["host"], h["address"], h["verdict"]) for h in tls["hosts"]] == [
        ("mx1.example.com", "127.0.0.2", "verified"),
        ("mx1.example.com", "127.0.0.3", "unverified"),
        ("mx2.example.com", "", "unreachable"),
    ]
    assert tls["hosts"][1]["reason"] == "unable to get local issuer certificate"
    assert tls["hosts"][2]["reason"] == "connection refused"
    assert tls["error"] == ""


def test_tls_smtp_tls_info_shape():
    """The shape mailsec.cres.smtp_tls_info returns: mx[*].addresses[*], reasons lists."""
    result = {
        "changed": False, "domain": "example.com", "verdict": "unverified",
        "reasons": ["mx1.example.com: certificate verify failed"],
        "mx": [{"name": "mx1.example.com", "preference": 10, "verdict": "unverified",
                "reasons": ["certificate verify failed"],
                "addresses": [{"address": "127.0.0.21", "port": 2525, "verdict": "unverified",
                               "reasons": ["unable to get local issuer certificate", "demo certificate"]}]}],
    }
    tls = cres_report_tls(result)
    assert tls == {"verdict": "unverified", "error": "", "hosts": [
        {"host": "mx1.example.com", "address": "127.0.0.21", "port": 2525, "verdict": "unverified",
         "reason": "unable to get local issuer certificate; demo certificate"}]}


def test_tls_dns_error_without_hosts_keeps_reason():
    tls = cres_report_tls({"verdict": "dns_error", "mx": [], "reasons": ["NXDOMAIN for example.invalid"]})
    assert tls["verdict"] == "dns_error"
    assert tls["error"] == ""
    assert tls["reason"] == "NXDOMAIN for example.invalid"
    report = {"min_verdict": "verified", "domains": [{"name": "example.invalid", "spf": {}, "tls": tls}]}
    assert cres_report_problems(report) == [
        "example.invalid: TLS verdict dns_error is below verified (NXDOMAIN for example.invalid)"]
    assert "NXDOMAIN for example.invalid" in cres_report_table(report)


def test_tls_worst_host_when_no_domain_verdict():
    tls = cres_report_tls({"hosts": [{"host": "a", "verdict": "verified"},
                                     {"host": "b", "verdict": "no_starttls"}]})
    assert tls["verdict"] == "no_starttls"


def test_tls_hosts_as_mapping():
    tls = cres_report_tls({"hosts": {"a.example": {"verdict": "verified"}}})
    assert tls["hosts"][0]["host"] == "a.example"
    assert tls["verdict"] == "verified"


def test_tls_skipped_and_failed():
    assert cres_report_tls({"skipped": True}) == {"verdict": None, "hosts": [], "error": ""}
    assert cres_report_tls({}) == {"verdict": None, "hosts": [], "error": ""}
    failed = cres_report_tls({"failed": True, "msg": "bad option"})
    assert failed["error"] == "bad option"


DOMAINS = [{"name": "example.com"}, {"name": "example.net", "mx_hosts": ["mx.example.net"]}]


def _loop(*results):
    return {"results": list(results), "changed": any(r.get("changed") for r in results)}


def test_domains_first_batch_then_last_batch():
    spf = _loop(
        {"item": DOMAINS[0], "changed": True, "record_before": "v=spf1 -all",
         "record_after": "v=spf1 include:res.cisco.com -all",
         "lookups": {"total": 3, "terms": {"include:res.cisco.com": 3}}, "void_lookups": 0},
        {"item": DOMAINS[1], "changed": False, "skipped": True},
    )
    first = cres_report_domains(DOMAINS, [], spf, {"results": [
        {"item": DOMAINS[0], "skipped": True}, {"item": DOMAINS[1], "skipped": True}]}, {})
    assert first[0]["spf"] == {"status": "changed", "record_before": "v=spf1 -all",
                               "record_after": "v=spf1 include:res.cisco.com -all",
                               "lookups": 3, "void_lookups": 0}
    assert first[1]["spf"] == {"status": "skipped"}
    assert first[0]["tls"]["verdict"] is None

    # last batch: SPF task skipped (first batch only), TLS and re-check ran
    tls = _loop({"item": DOMAINS[0], "verdict": "verified",
                 "hosts": [{"host": "esa1.example.com", "verdict": "verified"}]},
                {"item": DOMAINS[1], "verdict": "unverified",
                 "hosts": [{"host": "mx.example.net", "verdict": "unverified", "reason": "self-signed"}]})
    recheck = _loop({"item": DOMAINS[0], "changed": False, "lookups": 3,
                     "record_after": "v=spf1 include:res.cisco.com -all"},
                    {"item": DOMAINS[1], "changed": True})
    last = cres_report_domains(DOMAINS, first, _loop({"item": DOMAINS[0], "skipped": True}), tls, recheck)
    assert last[0]["spf"]["status"] == "changed"  # kept from the first batch
    assert last[0]["spf"]["recheck"] == "ok"
    assert last[0]["tls"]["verdict"] == "verified"
    assert last[1]["spf"]["recheck"] == "include missing"
    assert last[1]["tls"]["hosts"][0]["reason"] == "self-signed"


def test_domains_spf_failure_and_check_mode():
    spf = _loop({"item": DOMAINS[0], "failed": True, "msg": "lookup limit exceeded"},
                {"item": DOMAINS[1], "changed": True, "lookups": 2})
    out = cres_report_domains(DOMAINS, None, spf, None, None, True)
    assert out[0]["spf"] == {"status": "failed", "error": "lookup limit exceeded"}
    assert out[1]["spf"]["status"] == "would change"
    assert out[1]["spf"]["lookups"] == 2


def test_domains_rejects_non_list():
    with pytest.raises(AnsibleFilterError):
        cres_report_domains("example.com")


def _report(**kw):
    report = {
        "generated_at": "2026-01-01T00:00:00Z",
        "check_mode": False,
        "front_gateway": False,
        "min_verdict": "verified",
        "appliances": [
            {"name": "esa1", "cluster": "", "role": "configures", "listener": "IncomingMail",
             "steps": {"certificate": "changed", "policy": "changed",
                       "sender_group": "changed", "commit": "changed"},
             "tls": {"verdict": "verified", "hosts": [{"host": "esa1.example.com", "verdict": "verified"}],
                     "error": ""}},
            {"name": "esa2", "cluster": "cluster1", "role": "configures", "listener": "IncomingMail",
             "steps": {"certificate": "ok", "policy": "ok", "sender_group": "changed", "commit": "changed"},
             "tls": {"verdict": "verified", "hosts": [{"host": "esa2.example.com", "verdict": "verified"}],
                     "error": ""}},
            {"name": "esa3", "cluster": "cluster1", "role": "cluster member (read, verified)",
             "listener": "IncomingMail",
             "steps": {"certificate": "skipped", "policy": "skipped", "sender_group": "skipped",
                       "commit": "skipped"},
             "tls": {"verdict": "verified", "hosts": [{"host": "esa3.example.com", "verdict": "verified"}],
                     "error": ""}},
        ],
        "domains": [
            {"name": "example.com",
             "spf": {"status": "changed", "record_after": "v=spf1 mx include:res.cisco.com -all",
                     "lookups": 4, "void_lookups": 0, "recheck": "ok"},
             "tls": {"verdict": "verified", "hosts": [{"host": "esa1.example.com", "verdict": "verified"}],
                     "error": ""}},
        ],
    }
    report.update(kw)
    return report


def test_problems_none_when_all_pass():
    assert cres_report_problems(_report()) == []


def test_problems_lists_verdicts_below_threshold_with_reasons():
    report = _report()
    report["appliances"][0]["tls"] = {"verdict": "unverified", "error": "", "hosts": [
        {"host": "esa1.example.com", "verdict": "unverified", "reason": "demo certificate"}]}
    report["domains"][0]["spf"]["recheck"] = "include missing"
    problems = cres_report_problems(report)
    assert problems == [
        "esa1: TLS verdict unverified is below verified (esa1.example.com: demo certificate)",
        "example.com: SPF re-check: include missing",
    ]
    report["min_verdict"] = "unverified"
    assert cres_report_problems(report) == ["example.com: SPF re-check: include missing"]


def test_problems_failed_steps_and_errors():
    report = _report()
    report["appliances"][1]["steps"]["policy"] = "failed"
    report["appliances"][2]["tls"] = {"verdict": None, "hosts": [], "error": "unsupported parameter"}
    report["domains"][0]["spf"] = {"status": "failed", "error": "TSIG bad"}
    assert cres_report_problems(report) == [
        "esa2: policy failed",
        "esa3: TLS check failed: unsupported parameter",
        "example.com: SPF include failed: TSIG bad",
    ]


def test_problems_rejects_non_mapping():
    with pytest.raises(AnsibleFilterError):
        cres_report_problems([])


def test_table_renders_rows_and_result():
    text = cres_report_table(_report())
    lines = text.splitlines()
    assert lines[0] == "CRES TLS run report - TLS verdict required: verified"
    assert "Appliances" in lines and "Domains" in lines
    # every table line of a table has the same width
    app_start = lines.index("Appliances") + 1
    widths = {len(line) for line in lines[app_start:app_start + 7]}
    assert len(widths) == 1
    row = next(line for line in lines if line.startswith("| esa3 "))
    assert "cluster member (read, verified)" in row and "| skipped" in row
    assert any(line.startswith("| example.com ") and "| 4 " in line and "| ok " in line for line in lines)
    assert "SPF example.com: v=spf1 mx include:res.cisco.com -all" in lines
    assert lines[-1] == "RESULT: all checks passed."


def test_table_not_done_and_check_mode():
    report = _report()
    report["appliances"][0]["tls"]["verdict"] = "unverified"
    text = cres_report_table(report)
    assert "NOT DONE:" in text
    assert "  - esa1: TLS verdict unverified is below verified" in text
    report["check_mode"] = True
    text = cres_report_table(report)
    assert "CHECK MODE" in text.splitlines()[0]
    assert "Findings now (check mode" in text
    report["problems"] = []
    assert cres_report_table(report).endswith("no problem found in what could be checked without changing anything.")


def test_table_front_gateway_without_appliances():
    report = _report(appliances=[], front_gateway=True)
    text = cres_report_table(report)
    assert "front gateway mode" in text.splitlines()[0]
    assert "Appliances" not in text.splitlines()


def test_table_empty_cells_and_errors():
    report = _report()
    report["domains"][0]["spf"] = {"status": "skipped"}
    report["domains"][0]["tls"] = {"verdict": None, "hosts": [], "error": "DNS timeout"}
    text = cres_report_table(report)
    row = next(line for line in text.splitlines() if line.startswith("| example.com "))
    assert "| skipped " in row and "| error " in row and "DNS timeout" in row and "| - " in row


def test_table_rejects_non_mapping():
    with pytest.raises(AnsibleFilterError, match="expected the report dictionary"):
        cres_report_table("nope")


def test_report_is_json_serialisable():
    json.dumps(_report())


def test_role_variable_names():
    """The role uses only its options and the playbook's names as cres_tls_*; everything it sets
    for itself is __cres_tls_* (the preflight's unknown-variable check relies on it)."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[4]
    role = root / "roles" / "cres_tls"
    spec = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    options = set(spec["main"]["options"])
    defaults = set(yaml.safe_load((role / "defaults" / "main.yml").read_text()))
    assert defaults == options, "every option has a default and every default is an option"
    public = {"cres_tls_hosts", "cres_tls_serial", "cres_tls_max_fail_percentage", "cres_tls_report"}
    assert all("'%s'" % name in (role / "vars" / "main.yml").read_text() for name in public)
    files = list((role / "tasks").glob("*.yml")) + [role / "vars" / "main.yml", root / "playbooks" / "cres_tls.yml"]
    used, set_here = set(), set()
    for path in files:
        text = path.read_text()
        used |= set(re.findall(r"(?<![\w])(cres_tls_[a-z0-9_]+)\b", text))
        set_here |= set(re.findall(r"^\s*register:\s*(\w+)", text, re.M))
    assert used <= options | public, sorted(used - options - public)
    for path in (role / "tasks").glob("*.yml"):
        for task in yaml.safe_load(path.read_text()) or []:
            for inner in [task] + task.get("block", []) + task.get("rescue", []) + task.get("always", []):
                for name in (inner.get("ansible.builtin.set_fact") or {}):
                    set_here.add(name)
                set_here |= set(inner.get("vars") or {})
    own = {name for name in set_here if not name.startswith("__cres_tls_")}
    # the result, and the inputs of step 1 when the certificate comes from the ACME CA
    assert own <= {"cres_tls_report", "cres_tls_certificate", "cres_tls_chain", "cres_tls_private_key"}, sorted(own)


def test_appliance_entry_from_the_step_results():
    from ansible_collections.mailsec.cres.plugins.filter.cres_report import cres_report_appliance

    results = {"certificate": {}, "policy": {"changed": True}, "sender_group": {"changed": False},
               "commit": {"changed": True, "committed": True},
               "tls": {"verdict": "verified", "hosts": [{"host": "esa1.example.com", "verdict": "verified"}]}}
    entry = cres_report_appliance(results, "esa1", {"cluster": "", "listener": "IncomingMail"}, configures=True)
    assert entry["name"] == "esa1" and entry["role"] == "configures" and entry["listener"] == "IncomingMail"
    assert entry["steps"] == {"certificate": "skipped", "policy": "changed", "sender_group": "ok", "commit": "changed"}
    assert entry["tls"]["verdict"] == "verified"
    assert entry["dialect"]["questions"] == [] and entry["certificate"] == {}
    # check mode: nothing is committed, the commit step would change when a step would
    checked = cres_report_appliance(dict(results, commit={}), "esa2", {"cluster": "c1"}, check_mode=True)
    assert checked["steps"]["commit"] == "would change" and checked["steps"]["policy"] == "would change"
    assert checked["role"] == "cluster member (read, verified)" and checked["cluster"] == "c1"
    with pytest.raises(AnsibleFilterError, match="step results"):
        cres_report_appliance([], "esa1")
