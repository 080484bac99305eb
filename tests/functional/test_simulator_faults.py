"""Fault injection, counters, idle timeout and dump stability of the simulator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import paramiko
import pytest

from tests.harness.common import REPO_ROOT
from tests.simulator.client import CLI, Closed

pytestmark = pytest.mark.usefixtures("sim_clean")
ESA1 = "esa1.example.com"


def full_dialog(c: CLI) -> None:
    """listenerconfig -> new sender group -> back -> commit (interactive)."""
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    c.answer("IncomingMail")
    c.answer("HOSTACCESS")
    c.answer("NEW")
    c.answer("1")
    c.answer("STEPS")
    _unused, out = c.answer("10.5.5.5")
    _unused, out = c.answer(re.search(r"^(\d+)\. Policy: ACCEPTED\r?$", out, re.M).group(1))
    if out.endswith("Would you like to change the policy parameters? [N]> "):   # variant change_params_after_policy
        _unused, out = c.answer("N")
    assert out.endswith("Enter a comment for this sender group.\r\n[]> ")
    c.answer("a comment")
    c.back_to_main()
    c.send("commit")
    c.expect_sub()
    c.answer("comment")
    kind, out = c.answer("Y")
    assert "Changes committed:" in out and kind == "main"


def test_drop_at_every_step_leaves_committed_state_untouched(sim_cli, sim_ctl, sim_dump, sim_settings):
    before = sim_dump()
    sim_ctl.arm(ESA1)
    full_dialog(sim_cli())
    total = sim_ctl.steps(ESA1)
    # 13 lines to the main prompt (14 with "change the policy parameters?" after the named policy), 3 for the commit
    assert total == 16 + int(bool(sim_settings["change_params_after_policy"]))
    assert sim_dump() != before
    for n in range(1, total + 1):
        sim_ctl.reset_state()
        sim_ctl.set(ESA1, drop_at_step=n)
        c = sim_cli()
        with pytest.raises((Closed, OSError, EOFError)):
            full_dialog(c)
        assert sim_ctl.steps(ESA1) == n
        assert sim_ctl.stats(ESA1)["drops"] >= 1
        assert sim_dump() == before, f"committed state changed when dropped at step {n}"
        c.close()
    sim_ctl.clear(ESA1)
    full_dialog(sim_cli())                    # after the faults: works again
    assert sim_dump() != before


def test_slow_replies(sim_cli, sim_ctl):
    c = sim_cli()
    t = time.monotonic()
    c.cmd("version")
    fast = time.monotonic() - t
    sim_ctl.set(ESA1, delay_ms=400)
    t = time.monotonic()
    c.cmd("version")
    assert time.monotonic() - t >= 0.4
    sim_ctl.set(ESA1, delay_ms=0)
    t = time.monotonic()
    c.cmd("version")
    assert time.monotonic() - t < 0.4 + fast


def test_refuse_login(sim, sim_ctl):
    a = sim["appliances"][ESA1]
    sim_ctl.set(ESA1, refuse_login=True)
    with pytest.raises(paramiko.AuthenticationException):
        CLI(a["ssh_host"], a["ssh_port"], "admin", "ironport")
    with pytest.raises(paramiko.AuthenticationException):
        CLI(a["ssh_host"], a["ssh_port"], "admin", key_filename=a["key_file"])
    assert sim_ctl.stats(ESA1)["login_failures"] >= 1
    assert sim_ctl.stats(ESA1)["logins"] == 0
    sim_ctl.set(ESA1, refuse_login=False)
    CLI(a["ssh_host"], a["ssh_port"], "admin", "ironport").close()


def test_fail_commit(sim_cli, sim_ctl, sim_dump):
    before = sim_dump()
    sim_ctl.set(ESA1, fail_commit="disk full")
    c = sim_cli()
    with pytest.raises(AssertionError):
        full_dialog(c)
    assert "Commit failed: disk full" in c.transcript
    assert sim_dump() == before
    assert "{'standalone': {'': {'listenerconfig': 'modified'}}}" in c.cmd("showchanges")    # still pending
    assert sim_ctl.stats(ESA1)["commit_failures"] == 1
    sim_ctl.clear(ESA1)
    assert "Changes committed:" in c.cmd("commit again Y")
    assert sim_dump() != before


def test_idle_timeout_closes_session_and_drops_pending(sim_cli, sim_ctl, sim_dump):
    before = sim_dump()
    sim_ctl.set(ESA1, idle_timeout=1)
    c = sim_cli()
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    time.sleep(1.5)
    with pytest.raises(Closed):
        for _unused in range(40):
            c._read()
    assert "Session timed out." in c.transcript
    assert sim_ctl.stats(ESA1)["idle_timeouts"] == 1
    assert sim_dump() == before


def test_counters_and_reset(sim, sim_cli, sim_ctl):
    c = sim_cli()
    c.cmd("version")
    c.send("showconfig")
    c.expect_sub()
    c.cmd("1")
    c.cmd("commit")
    c.cmd("nonsense")
    st = sim_ctl.stats(ESA1)
    assert st["logins"] == 1
    assert st["commands"] == {"version": 1, "showconfig": 1, "commit": 1, "unknown": 1}
    assert st["commands_total"] == 4
    assert st["showconfig"] == 1
    assert st["commits"] == 0                       # "There is no data to commit." is not a commit
    assert st["bytes_in"] > 20 and st["bytes_out"] > 1000
    assert st["sessions_open"] == 1
    full_dialog(c)
    assert sim_ctl.stats(ESA1)["commits"] == 1
    sim_ctl.reset_stats(ESA1)
    st = sim_ctl.stats(ESA1)
    assert st["logins"] == 0 and st["commands"] == {} and st["commits"] == 0 and st["steps"] == 0
    assert sim_ctl.stats("esa2.example.com")["logins"] == 0


def test_dump_is_byte_stable(sim, sim_cli, sim_dump):
    d1 = sim_dump()
    assert d1 == sim_dump()
    c = sim_cli()
    c.send("showconfig")
    c.expect_sub()
    c.cmd("1")
    c.cmd("commit")
    c.close()
    assert sim_dump() == d1
    assert json.dumps(json.loads(d1), sort_keys=True, indent=2) + "\n" == d1
    cli = subprocess.run([sys.executable, "-m", "tests.simulator", "dump", "--state-dir", sim["state_dir"]],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert cli.stdout == d1
    view = json.loads(sim_dump(ESA1))
    assert view["hostname"] == ESA1 and [L["name"] for L in view["listeners"]] == ["IncomingMail", "OutgoingMail"]
    view2 = json.loads(sim_dump("esa3.example.com"))
    assert [L["name"] for L in view2["listeners"]] == ["IncomingMail"]


def test_ctl_and_stats_commands(sim, sim_cli, sim_ctl):
    def run(sub, *args):
        return subprocess.run([sys.executable, "-m", "tests.simulator", sub, "--state-dir", sim["state_dir"], *args],
                              cwd=REPO_ROOT, capture_output=True, text=True, check=True)

    run("ctl", "--appliance", ESA1, "set", "delay_ms=250", "fail_commit=nope")
    shown = json.loads(run("ctl", "show").stdout)
    assert shown["faults"][ESA1]["delay_ms"] == 250 and shown["faults"][ESA1]["fail_commit"] == "nope"
    c = sim_cli()
    t = time.monotonic()
    c.cmd("version")
    assert time.monotonic() - t >= 0.25
    run("ctl", "--appliance", ESA1, "clear")
    stats = json.loads(run("stats", "--appliance", ESA1).stdout)
    assert stats[ESA1]["commands"]["version"] == 1
    stats = json.loads(run("stats", "--reset").stdout)
    assert set(stats) == {ESA1, "esa2.example.com", "esa3.example.com"}
    assert stats[ESA1]["commands"] == {}


def test_restart_keeps_committed_state_and_host_key(tmp_path):
    """serve without --reset reuses state.json and the host keys; SIGTERM stops it cleanly."""
    import signal

    import yaml

    from tests.harness import sim as sim_service
    from tests.harness.common import wait_tcp

    data = yaml.safe_load(sim_service.DEFAULT_DATA.read_text())
    data["appliances"] = data["appliances"][:1]
    data["clusters"] = []
    data_file = tmp_path / "data.yml"
    state = tmp_path / "state"

    def serve():
        d = sim_service.prepare_data(sim_service.DEFAULT_DATA, tmp_path / "unused.yml")
        port = d["appliances"][0]["ssh_port"]
        data["appliances"][0]["ssh_port"] = port
        data["appliances"][0]["smtp"]["IncomingMail"]["port"] = d["appliances"][0]["smtp"]["IncomingMail"]["port"]
        data_file.write_text(yaml.safe_dump(data))
        proc = subprocess.Popen([sys.executable, "-m", "tests.simulator", "serve", "--data", str(data_file),
                                 "--state-dir", str(state)], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wait_tcp("127.0.0.1", port, proc=proc)
        for _unused in range(100):
            if (state / "ready.json").exists():
                break
            time.sleep(0.05)
        return proc, port

    proc, port = serve()
    try:
        with CLI("127.0.0.1", port, "admin", "ironport") as c:
            key1 = c.host_key.asbytes()
            c.send("listenerconfig")
            c.expect_sub()
            c.answer("EDIT")
            c.answer("IncomingMail")
            c.answer("HOSTACCESS")
            c.answer("DELETE")
            c.answer("1")
            c.answer("ALLOWED_LIST")
            c.back_to_main()
            c.cmd("commit x Y")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert not (state / "ready.json").exists()
    # same data file, no --reset: the committed state and the host key are kept
    proc = subprocess.Popen([sys.executable, "-m", "tests.simulator", "serve", "--data", str(data_file),
                             "--state-dir", str(state)], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_tcp("127.0.0.1", port, proc=proc)
        with CLI("127.0.0.1", port, "admin", "ironport") as c:
            assert c.host_key.asbytes() == key1
            c.send("showconfig")
            c.expect_sub()
            assert "ALLOWED_LIST" not in c.cmd("1")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
