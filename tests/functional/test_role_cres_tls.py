"""End to end: the cres_tls role and playbook against three simulated appliances.

esa1 is standalone, esa2/esa3 form cluster1 (sessions start at machine level, the settings live
at cluster level). The playbook runs through ``ansible-playbook mailsec.cres.cres_tls`` with
network_cli, the inventory's password and private key come from an Ansible Vault file, SPF is
edited in zone files and its lookups are evaluated through a real BIND.

Order matters (one environment per module): check mode on fresh appliances, the real run,
a second run with zero changes, the front-gateway mode, then a rollout in batches stopped by a
failed verification (fresh appliances again).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.harness.common import REPO_ROOT, free_port
from tests.functional import conftest_role as role
# The fixture role_env comes from conftest_role.py through conftest.py.

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "plugins" / "modules" / "esa_info.py").exists(),
                                reason="the ESA modules are not there yet")


def _zone_spf(env, domain):
    return [line for line in Path(env["zones"][domain]).read_text().splitlines() if "v=spf1" in line][0]


def _apps(report):
    return {a["name"]: a for a in report["appliances"]}


def test_check_mode_reports_everything_and_changes_nothing(role_env):
    zones_before = {d: Path(p).read_text() for d, p in role_env["zones"].items()}
    rc, out = role.run_playbook(role_env, "--check")
    assert rc == 0, out
    report = role.report(role_env)
    assert report["check_mode"] is True
    apps = _apps(report)
    assert set(apps) == {"esa1.example.com", "esa2.example.com", "esa3.example.com"}
    for name in ("esa1.example.com", "esa2.example.com"):
        assert apps[name]["role"] == "configures"
        assert set(apps[name]["steps"].values()) == {"would change"}, apps[name]
    # one member of the cluster configures; the other only reads and is verified
    assert apps["esa3.example.com"]["role"].startswith("cluster member")
    assert apps["esa3.example.com"]["cluster"] == "cluster1"
    # the TLS check before the change: the demo certificate fails
    assert {a["tls"]["verdict"] for a in apps.values()} == {"unverified"}
    doms = {d["name"]: d for d in report["domains"]}
    assert {d["spf"]["status"] for d in doms.values()} == {"would change"}
    assert "include:res.cisco.com" in doms["example.com"]["spf"]["record_after"]
    assert {d["tls"]["verdict"] for d in doms.values()} == {"unverified"}
    # SPF before the change: CRES's addresses do not pass yet (the include is missing)
    assert {d["spf"]["cres"]["status"] for d in doms.values()} == {"fail"}
    assert any("SPF does not pass for 9 of 9 CRES sending addresses" in p for p in report["problems"])
    assert "CHECK MODE" in out and "Findings now" in out
    # nothing written
    assert {d: Path(p).read_text() for d, p in role_env["zones"].items()} == zones_before


def _committed(env):
    from tests.simulator import model
    return model.dump_text(Path(env["sim"]["state_dir"]) / "state.json")


def test_rehearsal_runs_every_dialog_and_changes_nothing(role_env):
    committed = _committed(role_env)
    zones_before = {d: Path(p).read_text() for d, p in role_env["zones"].items()}
    transcript = Path(role_env["dir"]) / "rehearsal-transcript.log"
    rc, out = role.run_playbook(role_env, "-e", "cres_tls_rehearse=true", "-e",
                                "cres_tls_transcript_path=%s" % transcript)
    assert rc == 0, out
    report = role.report(role_env)
    assert report["rehearsal"] is True
    apps = _apps(report)
    for name in ("esa1.example.com", "esa2.example.com"):
        steps = apps[name]["steps"]
        assert steps["certificate"] == steps["policy"] == steps["sender_group"] == "rehearsed, would change", steps
        assert steps["commit"] == "abandoned", steps
        dialect = apps[name]["dialect"]
        assert dialect["rehearsal"] and dialect["matched"] and dialect["dialogs"] >= 4, dialect
    assert "rehearsed" in out and "dialogs matched" in out
    # byte-identical committed configuration, DNS untouched, and the transcript names every dialog
    assert _committed(role_env) == committed
    assert {d: Path(p).read_text() for d, p in role_env["zones"].items()} == zones_before
    text = transcript.read_text()
    assert "create_sender_group" in text and "clearchanges" in text and "PRIVATE KEY-----\n" not in text


def test_apply_then_second_run_changes_nothing(role_env):
    rc, out = role.run_playbook(role_env)
    assert rc == 0, out
    recap = role.recap(out)
    assert recap["esa1.example.com"]["changed"] > 0 and recap["esa2.example.com"]["changed"] > 0
    assert recap["esa3.example.com"]["changed"] == 0      # configured once, at cluster level
    report = role.report(role_env)
    apps = _apps(report)
    assert set(apps["esa1.example.com"]["steps"].values()) == {"changed"}
    assert set(apps["esa2.example.com"]["steps"].values()) == {"changed"}
    assert {a["tls"]["verdict"] for a in apps.values()} == {"verified"}
    doms = {d["name"]: d for d in report["domains"]}
    assert {d["spf"]["status"] for d in doms.values()} == {"changed"}
    assert {d["spf"]["recheck"] for d in doms.values()} == {"ok"}
    assert {d["tls"]["verdict"] for d in doms.values()} == {"verified"}
    assert doms["example.com"]["spf"]["lookups"] == 3
    # the proof of the SPF step: every CRES sending address passes each domain's SPF
    for dom in doms.values():
        cres = dom["spf"]["cres"]
        assert (cres["status"], cres["passed"], cres["total"]) == ("pass", 9, 9), cres
        assert {a["mechanism"] for a in cres["addresses"]} == {"include:res.cisco.com"}
    assert "SPF result of CRES's sending addresses" in out
    assert report["problems"] == []
    assert "include:res.cisco.com" in _zone_spf(role_env, "example.com")
    assert "RESULT: all checks passed." in (Path(role_env["report_dir"]) / "cres_tls_report.txt").read_text()
    assert "RESULT: all checks passed." in out

    rc, out = role.run_playbook(role_env)
    assert rc == 0, out
    recap = role.recap(out)
    assert recap and all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), recap
    report = role.report(role_env)
    assert {s for a in report["appliances"] for s in a["steps"].values()} <= {"ok", "skipped"}
    assert {d["spf"]["status"] for d in report["domains"]} == {"ok"}


def test_front_gateway_only_spf_and_tls_check(role_env):
    rc, out = role.run_playbook(role_env, "-e", "cres_tls_hosts=localhost", "-e", "cres_tls_front_gateway=true")
    assert rc == 0, out
    recap = role.recap(out)
    assert set(recap) == {"localhost"}, recap
    assert recap["localhost"]["changed"] == 0
    assert "esa_certificate" not in out and "Appliance | 1." not in out
    report = role.report(role_env)
    assert report["front_gateway"] is True
    assert report["appliances"] == []
    assert {d["tls"]["verdict"] for d in report["domains"]} == {"verified"}


def test_rollout_stops_at_the_batch_whose_verification_fails(role_env):
    env = role.restart_sim(role_env)      # fresh appliances with their demo certificates
    host_vars = Path(env["inventory"]) / "host_vars"
    host_vars.mkdir(exist_ok=True)
    # esa2's listener cannot be reached from the controller (a firewall, say): its check fails.
    (host_vars / "esa2.example.com.yml").write_text(f"cres_tls_verify_port: {free_port('127.0.0.3')}\n")
    try:
        rc, out = role.run_playbook(env, "-e", "cres_tls_serial=1")
    finally:
        (host_vars / "esa2.example.com.yml").unlink()
    assert rc != 0, out
    recap = role.recap(out)
    assert recap["esa1.example.com"]["failed"] == 0 and recap["esa1.example.com"]["changed"] > 0
    assert recap["esa2.example.com"]["failed"] == 1
    assert recap["esa3.example.com"]["changed"] == 0 and recap["esa3.example.com"]["failed"] == 0
    assert "The rollout stops here" in out
    report = role.report(env)
    apps = _apps(report)
    assert set(apps) == {"esa1.example.com", "esa2.example.com"}     # esa3's batch never ran
    assert apps["esa1.example.com"]["tls"]["verdict"] == "verified"
    assert apps["esa2.example.com"]["tls"]["verdict"] == "unreachable"
    assert any("esa2.example.com: TLS verdict unreachable" in p for p in report["problems"])
    # SPF was done once, in the first batch; the domain checks (last batch) never ran
    assert {d["spf"]["status"] for d in report["domains"]} == {"changed"}
    assert report["complete"] is False


@pytest.mark.parametrize("extra, needles", [
    (["-e", "cres_tls_sender_grup_name=X"],
     ["Unknown variable(s) cres_tls_sender_grup_name", "Misspelt?"]),
    (["-e", "cres_tls_listener=NoSuchListener"],
     ["Listener 'NoSuchListener' (cres_tls_listener) does not exist on esa1.example.com", "IncomingMail"]),
    (["-e", "cres_tls_sender_group_name=SAME", "-e", "cres_tls_policy_name=SAME"],
     ["cres_tls_sender_group_name and cres_tls_policy_name are both SAME", "one name space"]),
    (["-e", '{"cres_tls_senders": ["208.90.57.0/33"]}'], ["cres_tls_senders", "208.90.57.0/33"]),
], ids=["misspelt-variable", "no-such-listener", "name-clash", "bad-sender"])
def test_preflight_refuses_bad_input_before_any_change(role_env, extra, needles):
    committed = _committed(role_env)
    zones_before = {d: Path(p).read_text() for d, p in role_env["zones"].items()}
    rc, out = role.run_playbook(role_env, *extra)
    assert rc != 0, out
    for needle in needles:
        assert needle in out, (needle, out[-3000:])
    assert "Nothing was changed." in out
    assert _committed(role_env) == committed
    assert {d: Path(p).read_text() for d, p in role_env["zones"].items()} == zones_before


def test_a_limited_rollout_is_one_complete_batch(role_env):
    """--limit: the play's hosts are the limited ones, so with serial its only batch is both the
    first and the last (the domain checks run), and the report holds only that appliance. Only
    esa1's domain (example.com), so that the test does not depend on whether an earlier test
    configured esa2, example.net's appliance."""
    domains = yaml.safe_load((Path(role_env["inventory"]) / "group_vars" / "all" / "vars.yml").read_text())
    only = {"cres_tls_domains": [d for d in domains["cres_tls_domains"] if d["name"] == "example.com"]}
    rc, out = role.run_playbook(role_env, "--limit", "esa1.example.com", "-e", "cres_tls_serial=1",
                                "-e", json.dumps(only))
    assert rc == 0, out
    report = role.report(role_env)
    assert [a["name"] for a in report["appliances"]] == ["esa1.example.com"]
    assert report["complete"] is True
    doms = {d["name"]: d for d in report["domains"]}
    assert doms["example.com"]["tls"]["verdict"] == "verified"      # esa1 receives example.com's mail
    assert doms["example.com"]["spf"]["recheck"] == "ok"
