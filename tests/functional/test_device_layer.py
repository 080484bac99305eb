"""Device layer over real SSH against the simulator (issue 4, "Done when").

Engine-level tests drive ``DialogEngine`` with the collection's scripts over the cliconf's own transport
on an emulation of network_cli (conftest_device.NetworkCliEmulation) on a real SSH shell;
playbook tests run ``mailsec.cres.esa_info`` through ``ansible.netcommon.network_cli`` and the
collection's terminal/cliconf plugins.
"""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import config as cfg
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.staged import StagedChanges
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.transcript import TranscriptWriter
from tests.functional.conftest_device import read_config

ESA1 = "esa1.example.com"
ESA2 = "esa2.example.com"


def assert_at_main(engine):
    """The session answers a plain command: it is at the main prompt."""
    result = engine.run(scripts.version())
    assert result["ok"], result
    assert result["captures"]["output"].count("Version:") == 1


# ------------------------------------------------------------------------------------------ engine level

def test_engine_reads_the_model(sim_clean, engine_session):
    engine, _t = engine_session(ESA1)
    config = read_config(engine)
    inc = config.listener("IncomingMail")
    assert inc is not None and inc.port == 25 and inc.type == "public"
    assert inc.hat.group_names(), "default HAT has sender groups"
    assert inc.hat.default_policy
    assert config.certificate("Demo") is not None
    assert not inc.hat.warnings


def _assert_cres_change(config):
    inc = config.listener("IncomingMail")
    assert inc.certificate == "cres_cert"
    assert config.certificate("cres_cert") is not None
    assert inc.hat.policy("CRES_TLS").params.get("tls") == "required"
    group = inc.hat.sender_group("CRES_SENDERS")
    assert group.senders == [".res.cisco.com", "208.90.57.0/26"] and group.policy == "CRES_TLS"
    return inc


def test_change_dialogs_then_commit(sim_clean, engine_session, sim_dump, pki_chain):
    engine, _t = engine_session(ESA1)
    before = sim_dump(ESA1)
    staged = StagedChanges()
    steps = [
        scripts.paste_certificate("cres_cert", pki_chain["leaf_pem"], pki_chain["key_pem"], [pki_chain["ca_pem"]]),
        scripts.set_listener_certificate("IncomingMail", "cres_cert"),
        scripts.create_policy("IncomingMail", "CRES_TLS", "accept", {"tls": "required"}),
        # (the contract's example names group and policy alike; the simulator refuses that: see report)
        scripts.create_sender_group("IncomingMail", "CRES_SENDERS", [".res.cisco.com", "208.90.57.0/26"],
                                    "CRES_TLS", "CRES replies over TLS"),
    ]
    results = {}
    for script in steps:
        result = engine.run(script)
        assert result["ok"], (script["name"], result["error"], result["tail"])
        assert not result["unknown_questions"], result["unknown_questions"]
        results[script["name"]] = result
        staged.record(script["stage"], result["captures"])
    # staged changes are verified in the dialogs' own listings (showconfig need not show them)
    assert "cres_cert" in cfg.listing_names(results["paste_certificate"]["captures"]["listing_after"])
    printed = cfg.parse_hat(cfg.extract_hat_print(results["create_sender_group"]["captures"]["hat_print"]))
    assert printed.sender_group("CRES_SENDERS").policy == "CRES_TLS"
    inc = _assert_cres_change(read_config(engine, staged))
    first = inc.hat.group_names()[0]
    if first != "CRES_SENDERS":
        script = scripts.move_sender_group("IncomingMail", "CRES_SENDERS", first)
        moved = engine.run(script)
        assert moved["ok"], moved
        staged.record(script["stage"], moved["captures"])
        assert read_config(engine, staged).listener("IncomingMail").hat.group_names()[0] == "CRES_SENDERS"
    assert sim_dump(ESA1) == before, "nothing is committed before commit"
    commit = engine.run(scripts.commit("device layer test"))
    assert commit["ok"] and cfg.parse_commit(commit["captures"]["output"]) == cfg.COMMITTED
    assert sim_dump(ESA1) != before
    # the committed state, read without the staged record
    assert _assert_cres_change(read_config(engine)).hat.group_names()[0] == "CRES_SENDERS"
    again = engine.run(scripts.commit("nothing"))
    assert again["ok"] and cfg.parse_commit(again["captures"]["output"]) == cfg.NOTHING_TO_COMMIT


def _error_cases(pki):
    cert, key, other_key = pki["leaf_pem"], pki["key_pem"], pki["other_key_pem"]
    return [
        # the listener is chosen by number from the listing: a name it does not list is not offered
        ("unknown listener", scripts.move_sender_group("NoSuchListener", "A", "B"), "menu"),
        ("invalid host", scripts.create_sender_group("IncomingMail", "BAD", ["not a host!!"], "ACCEPTED"), "device"),
        ("policy not offered", scripts.create_sender_group("IncomingMail", "G1", ["10.9.9.9"], "NO_SUCH_POLICY"),
         "menu"),
        ("duplicate name", scripts.create_policy("IncomingMail", "ACCEPTED"), "device"),
        ("bad parameter value",
         scripts.create_policy("IncomingMail", "P1", "accept", {"max_concurrency": "lots"}), "device"),
        ("key does not sign", scripts.paste_certificate("c1", cert, other_key), "device"),
        ("invalid certificate", scripts.paste_certificate("c2", "-----BEGIN CERTIFICATE-----\nnotbase64\n"
                                                          "-----END CERTIFICATE-----", key), "device"),
        ("policy in use", scripts.delete_policy("IncomingMail", "BLOCKED"), "refused"),
        ("demo certificate refused", scripts.set_listener_certificate("IncomingMail", "Demo"), None),
        ("unknown command", dict(scripts.version(), command="nosuchcommand"), "device"),
        ("unknown sender group", scripts.delete_sender_group("IncomingMail", "NO_SUCH_GROUP"), None),
    ]


def test_every_error_path_returns_to_main_and_changes_nothing(sim_clean, engine_session, sim_dump, pki_chain):
    engine, transport = engine_session(ESA1)
    before = sim_dump(ESA1)
    seen = []
    for label, script, kind in _error_cases(pki_chain):
        result = engine.run(script)
        seen.append((label, result["ok"], result["error_kind"], result["error"]))
        if kind is not None:
            assert not result["ok"], label
            assert result["error_kind"] == kind, (label, result["error"], result["tail"])
        assert not transport.closed, label
        assert engine.last_main_prompt and engine.last_main_prompt.endswith("> "), label
        assert_at_main(engine)
    # whatever was left pending by half-done dialogs is abandoned; nothing was committed
    assert engine.run(scripts.clearchanges())["ok"]
    assert sim_dump(ESA1) == before, seen


def test_dropped_connection_mid_dialog_leaves_committed_config(sim_clean, engine_session, sim_ctl, sim_dump):
    before = sim_dump(ESA1)
    engine, _t = engine_session(ESA1)
    assert engine.run(scripts.create_policy("IncomingMail", "PENDING_ONLY"))["ok"]
    sim_ctl.set(ESA1, drop_at_step=5)
    result = engine.run(scripts.create_sender_group("IncomingMail", "DROPPED", ["10.1.2.3"], "ACCEPTED"))
    assert not result["ok"] and result["error_kind"] == "connection", result
    sim_ctl.clear(ESA1)
    assert sim_dump(ESA1) == before
    fresh, _t2 = engine_session(ESA1)
    hat = read_config(fresh).listener("IncomingMail").hat
    assert hat.policy("PENDING_ONLY") is None and hat.sender_group("DROPPED") is None


def _statuses(result):
    return {s["step"]: s["status"] for s in result["steps"]}


def _printed_hat(result):
    return cfg.parse_hat(cfg.extract_hat_print(result["captures"]["hat_print"]))


def test_menus_that_come_and_go(sim_clean, engine_session, sim_ctl, sim_dump):
    """IAF-L12: after EDIT / DELETE the entry-type list comes only when the listener has both
    sender groups and policies; policy EDIT goes straight to the behaviour list; "change the
    policy parameters?" after a named policy. Each also the other way (variant switches)."""
    before = sim_dump(ESA1)
    sim_ctl.set(ESA1, hat_type_menu="auto", policy_edit_menu=False, change_params_after_policy=True)
    engine, _t = engine_session(ESA1)
    deleted = engine.run(scripts.delete_sender_group("OutgoingMail", "RELAYLIST"))
    assert deleted["ok"], (deleted["error"], deleted["tail"])
    assert _statuses(deleted)["hat.entry_type"] == "matched"            # groups and policies: the list
    assert _printed_hat(deleted).group_names() == []
    # only policies left: straight to the "HAT policies:" list, then straight to the behaviour list
    updated = engine.run(scripts.update_policy("OutgoingMail", "RELAYED", "relay", {"max_rcpts_per_hour": "100"}))
    assert updated["ok"], (updated["error"], updated["tail"])
    steps = _statuses(updated)
    assert steps["hat.entry_type"] == "absent" and steps["hat.policy.menu"] == "absent"
    assert steps["param.rate_limit"] == "matched" and steps["param.max_rcpts_per_hour"] == "matched"
    assert _printed_hat(updated).policy("RELAYED").params == {"max_rcpts_per_hour": "100"}
    grouped = engine.run(scripts.create_sender_group("OutgoingMail", "G1", ["10.9.9.9"], "RELAYED", "g1"))
    assert grouped["ok"] and _statuses(grouped)["hat.change_parameters"] == "matched", grouped["steps"]
    # the other readings: the type list every time, no question after a named policy
    sim_ctl.set(ESA1, hat_type_menu="always", change_params_after_policy=False)
    again = engine.run(scripts.update_policy("OutgoingMail", "RELAYED", None, {"max_rcpts_per_hour": "-1"}))
    assert again["ok"], (again["error"], again["tail"])
    steps = _statuses(again)
    assert steps["hat.entry_type"] == "matched" and steps["hat.policy.menu"] == "absent"
    assert _printed_hat(again).policy("RELAYED").params == {"max_rcpts_per_hour": "-1"}
    grouped = engine.run(scripts.create_sender_group("OutgoingMail", "G2", ["10.9.9.8"], "RELAYED", "g2"))
    assert grouped["ok"] and _statuses(grouped)["hat.change_parameters"] == "absent", grouped["steps"]
    assert _printed_hat(grouped).group_names() == ["G1", "G2"]
    for result in (deleted, updated, again, grouped):
        assert not result["unknown_questions"], result["unknown_questions"]
    assert engine.run(scripts.clearchanges())["ok"]
    assert sim_dump(ESA1) == before


def test_update_policy_with_a_name_policy_menu(sim_clean, engine_session, sim_ctl):
    sim_ctl.set(ESA1, policy_edit_menu=True)        # the collection's earlier reading of policy EDIT
    engine, _t = engine_session(ESA1)
    result = engine.run(scripts.update_policy("IncomingMail", "THROTTLED", None, {"max_rcpts_per_hour": "-1"}))
    assert engine.run(scripts.clearchanges())["ok"]
    assert result["ok"], (result["error"], result["tail"])
    assert _statuses(result)["hat.policy.menu"] == "matched"
    assert _printed_hat(result).policy("THROTTLED").params["max_rcpts_per_hour"] == "-1"


def test_cluster_machine_level(sim_clean, engine_session):
    engine, _t = engine_session(ESA2)
    config = read_config(engine)
    assert config.cluster.mode in ("machine", "group", "cluster") and config.cluster.name
    result = engine.run(scripts.print_hat("IncomingMail"))
    assert result["ok"], result
    assert cfg.parse_hat(cfg.extract_hat_print(result["captures"]["hat_print"])).default_policy


def test_cluster_fail_mode_never_creates_an_override(sim_clean, engine_session, sim_dump):
    before = sim_dump()
    engine, _t = engine_session(ESA2, on_unconfigured_mode="fail")
    prompt = engine.run(scripts.version())["prompt"]
    result = engine.run(scripts.create_policy("IncomingMail", "X_FAIL"))
    if result["ok"]:
        pytest.skip("listenerconfig is configured at the login level of this simulator data")
    assert result["error_kind"] == "cluster_mode", result
    assert engine.last_main_prompt == prompt
    assert engine.run(scripts.clearchanges())["ok"]
    assert sim_dump() == before


def test_transcript_of_a_paste_holds_no_secret(sim_clean, engine_session, pki_chain, tmp_path):
    engine, _t = engine_session(ESA1, record=True)
    result = engine.run(scripts.paste_certificate("t_cert", pki_chain["leaf_pem"], pki_chain["key_pem"],
                                                  [pki_chain["ca_pem"]]))
    assert result["ok"], result
    path = tmp_path / "transcript.txt"
    TranscriptWriter(str(path)).write(result["name"], result["transcript"])
    text = path.read_text() + repr(result)
    for pem in (pki_chain["key_pem"], pki_chain["leaf_pem"], pki_chain["ca_pem"]):
        for line in pem.strip().splitlines()[1:-1]:
            assert line not in text
    assert "lines pasted" in text
    engine.run(scripts.clearchanges())


# ------------------------------------------------------------------------------------------ through Ansible

ESA_INFO = """
    - name: read
      mailsec.cres.esa_info:
        transcript_path: "{{ playbook_dir }}/{{ inventory_hostname }}.transcript"
      register: info
"""


def test_esa_info_returns_the_model(sim_clean, run_play, sim, sim_settings):
    rc, out, results = run_play(ESA_INFO, hosts=(ESA1, ESA2), dump=["info"])
    assert rc == 0, out
    esa1 = results["esa1"]["info"]
    assert esa1["hostname"] == ESA1 and esa1["model"] == "C100V"
    assert esa1["version"] == sim_settings["texts"]["version"]          # the release profile's version
    assert esa1["serial"] == "4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F"
    assert esa1["cluster"]["mode"] == "standalone"
    names = [lst["name"] for lst in esa1["listeners"]]
    assert names == ["IncomingMail", "OutgoingMail"]
    inc = esa1["listeners"][0]
    assert inc["certificate"] == "Demo" and inc["uses_demo_certificate"]
    assert inc["hat"]["sender_groups"] and inc["hat"]["default_policy"]
    assert inc["hat_defaults"]["tls"] == "preferred"
    assert [c["name"] for c in esa1["certificates"]] == ["Demo"]
    esa2 = results["esa2"]["info"]
    assert esa2["cluster"]["clustered"] and esa2["cluster"]["name"] == "cluster1"
    assert esa2["cluster"]["mode"] == "machine" and esa2["model"] == "C300V"


def test_converged_read_costs_one_showconfig_per_appliance(sim_clean, run_play, sim_ctl):
    tasks = ESA_INFO + ESA_INFO.replace("name: read", "name: read again") + """
    - name: read listeners only
      mailsec.cres.esa_info:
        gather: [listeners]
"""
    rc, out, _r = run_play(tasks, hosts=(ESA1, ESA2))
    assert rc == 0, out
    for host in (ESA1, ESA2):
        stats = sim_ctl.stats(host)
        assert stats["showconfig"] == 1, (host, stats)
        assert stats["logins"] == 1, (host, stats)


def test_transcripts_contain_no_secret(sim_clean, run_play, sim, tmp_path):
    rc, out, _r = run_play(ESA_INFO, hosts=(ESA1,))
    assert rc == 0, out
    text = (tmp_path / "esa1.transcript").read_text()
    assert "showconfig" in text and "[PEM body redacted]" in text
    assert sim["appliances"][ESA1]["password"] not in text
    for line in text.splitlines():
        assert not (len(line) > 40 and line.isalnum()), "base64-looking line in transcript: %r" % line


def test_dropped_connection_fails_the_task_and_the_next_task_reconnects(sim_clean, run_play, sim_ctl):
    sim_ctl.set(ESA1, drop_at_step=2)
    tasks = """
    - name: dropped
      mailsec.cres.esa_info:
      register: dropped
      ignore_errors: true
    - name: disarm the fault
      ansible.builtin.command: "{python} -m tests.simulator ctl --state-dir {state} --appliance {host} clear"
      args:
        chdir: "{root}"
      delegate_to: localhost
    - name: next task
      mailsec.cres.esa_info:
        refresh: true
      register: next
""".format(python=__import__("sys").executable, state=sim_ctl.state_dir, host=ESA1,
           root=__import__("tests.harness.common", fromlist=["REPO_ROOT"]).REPO_ROOT)
    rc, out, results = run_play(tasks, hosts=(ESA1,), dump=["dropped", "next"])
    assert rc == 0, out
    dropped = results["esa1"]["dropped"]
    assert dropped.get("failed"), dropped
    assert "lost" in dropped["msg"] or "closed" in dropped["msg"], dropped["msg"]
    assert results["esa1"]["next"]["listeners"]
