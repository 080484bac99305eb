"""Cluster mode: prompts, NOTICE dialogs, switching, the empty-override trap, shared cluster state."""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.harness import sim as sim_service
from tests.simulator.client import CLI

ESA2, ESA3 = "esa2.example.com", "esa3.example.com"
NOTICE = ("NOTICE: This configuration command has not yet been configured for the current cluster mode "
          "(Machine esa2.example.com).")


def showconfig(c: CLI) -> ET.Element:
    c.send("showconfig")
    c.expect_sub()
    out = c.cmd("1")
    return ET.fromstring(out[out.index("<?xml"):out.index("</config>") + 9].replace("\r\n", "\n").encode("latin-1"))


def listeners(c: CLI) -> list[str]:
    return [L.findtext("listener_name") for L in showconfig(c).iter("listener")]


def add_group(c: CLI, name: str):
    """From HOSTACCESS: a sender group with one host and policy ACCEPTED."""
    c.answer("NEW")
    c.answer("1")
    c.answer(name)
    _unused, out = c.answer("10.1.1.1")
    _unused, out = c.answer(re.search(r"^(\d+)\. Policy: ACCEPTED\r?$", out, re.M).group(1))
    if out.endswith("Would you like to change the policy parameters? [N]> "):   # asked after a named policy too
        _unused, out = c.answer("N")
    assert out.endswith("Enter a comment for this sender group.\r\n[]> ")
    c.answer("")


@pytest.mark.usefixtures("sim_clean")
class TestDefaultCluster:
    def test_prompt_and_showconfig_cluster_element(self, sim_cli):
        c = sim_cli(ESA2)
        assert c.banner.endswith("\r\n(Machine esa2.example.com)> ")
        root = showconfig(c)
        assert root.findtext("cluster/cluster_name") == "cluster1"
        assert [m.text for m in root.iter("machine")] == [ESA2, ESA3]
        assert root.findtext("cluster/groups/group/name") == "Main_Group"

    def test_clustermode_switching(self, sim_cli):
        c = sim_cli(ESA2)
        assert c.cmd("clustermode cluster").endswith("\r\n(Cluster cluster1)> ")
        assert c.cmd("clustermode group Main_Group").endswith("\r\n(Group Main_Group)> ")
        assert c.cmd("clustermode machine esa3.example.com").endswith("\r\n(Machine esa3.example.com)> ")
        out = c.cmd("clustermode group Nope")
        assert "Invalid arguments when processing: clustermode group Nope" in out
        c.send("clustermode")
        out = c.expect_sub()
        assert "Choose the configuration mode:\r\n1. Cluster cluster1\r\n2. Group Main_Group\r\n" \
               "3. Machine esa2.example.com\r\n4. Machine esa3.example.com\r\n[4]> " in out
        assert c.cmd("3").endswith("(Machine esa2.example.com)> ")

    def test_notice_menu_switch_and_shared_commit(self, sim_cli, sim_dump):
        c = sim_cli(ESA2)
        c.send("listenerconfig")
        out = c.expect_sub()
        assert NOTICE + "\r\n\r\nWhat would you like to do?\r\n" \
            '1. Switch modes to edit at mode "Cluster cluster1".\r\n' \
            "2. Start a new, empty configuration at the current mode (Machine esa2.example.com).\r\n" \
            "3. Copy settings from another cluster mode to the current mode.\r\n[1]> " in out
        _unused, out = c.answer("1")
        assert "Currently configured listeners:\r\n1. IncomingMail (on Data 1, 192.0.2.20)" in out
        c.answer("EDIT")
        c.answer("1")
        c.answer("HOSTACCESS")
        add_group(c, "SHARED")
        assert c.back_to_main().endswith("\r\n(Cluster cluster1)> ")
        assert "{'Cluster cluster1': {'': {'listenerconfig': 'modified'}}}" in c.cmd("showchanges")
        other = sim_cli(ESA3)
        assert "SHARED:" not in showconfig(other).findtext("listeners/listener/hat")   # pending is per session
        c.cmd("commit shared Y")
        assert "SHARED:" in showconfig(other).findtext("listeners/listener/hat")
        state = json.loads(sim_dump())
        assert list(state["cluster:cluster1"]["levels"]) == ["cluster"]

    def test_start_new_empty_configuration_creates_override(self, sim, sim_cli, sim_dump, sim_settings):
        c = sim_cli(ESA2)
        c.send("listenerconfig")
        c.expect_sub()
        _unused, out = c.answer("2")
        assert "There are no listeners configured." in out
        assert c.back_to_main().endswith("(Machine esa2.example.com)> ")
        # showconfig shows the uncommitted empty override only with showconfig_pending
        assert listeners(c) == ([] if sim_settings["showconfig_pending"] else ["IncomingMail"])
        assert "{'Machine esa2.example.com': {'': {'listenerconfig': 'modified'}}}" in c.cmd("showchanges")
        c.cmd("commit oops Y")
        state = json.loads(sim_dump())
        assert state["cluster:cluster1"]["levels"]["machine:esa2.example.com"] == {"listeners": []}
        assert listeners(sim_cli(ESA3)) == ["IncomingMail"]
        assert listeners(sim_cli(ESA2)) == []
        # the machine no longer has the listener: its SMTP endpoint says so
        a = sim["appliances"][ESA2]
        with socket.create_connection((a["smtp_address"], a["smtp_port"]), timeout=5) as s:
            assert s.makefile("rb").readline().startswith(b"421")
        # next listenerconfig at machine level edits the override without a NOTICE
        c2 = sim_cli(ESA2)
        c2.send("listenerconfig")
        assert "NOTICE" not in c2.expect_sub()

    def test_copy_settings(self, sim_cli, sim_dump):
        c = sim_cli(ESA2)
        c.send("listenerconfig")
        c.expect_sub()
        _unused, out = c.answer("3")
        assert "Choose the mode to copy from:\r\n1. Cluster cluster1\r\n[1]> " in out
        _unused, out = c.answer("1")
        assert "1. IncomingMail" in out
        c.back_to_main()
        c.cmd("commit copy Y")
        levels = json.loads(sim_dump())["cluster:cluster1"]["levels"]
        assert levels["machine:esa2.example.com"]["listeners"] == levels["cluster"]["listeners"]

    def test_certconfig_switch_and_esa3_sees_it(self, sim_cli):
        c = sim_cli(ESA2)
        c.send("certconfig")
        out = c.expect_sub()
        assert NOTICE in out
        _unused, out = c.answer("")            # default: switch
        assert "- CERTIFICATE - Import" in out
        assert c.back_to_main().endswith("(Cluster cluster1)> ")


@pytest.fixture(scope="module")
def yesno_sim(tmp_path_factory):
    """A second simulator: certconfig at group level with the yes/no NOTICE, login in cluster mode."""
    run_dir = tmp_path_factory.mktemp("simyn")
    data = yaml.safe_load(sim_service.DEFAULT_DATA.read_text())
    cl = data["clusters"][0]
    cl["login_mode"] = "cluster"
    cl["commands"]["certconfig"] = {"level": "group:Main_Group", "notice": "yesno"}
    for a in data["appliances"]:
        a["showconfig_prompt"] = "yesno"
    data["appliances"] = [a for a in data["appliances"] if a.get("cluster")]
    src = run_dir / "src.yml"
    src.write_text(yaml.safe_dump(data))
    info = sim_service.start(run_dir / "run", data_file=src)
    try:
        yield info
    finally:
        sim_service.stop(run_dir / "run")


def test_yesno_notice_variant(yesno_sim):
    a = yesno_sim["appliances"][ESA2]
    with CLI(a["ssh_host"], a["ssh_port"], a["username"], a["password"]) as c:
        assert c.banner.endswith("(Cluster cluster1)> ")
        c.send("certconfig")
        out = c.expect_sub()
        assert out.endswith("NOTICE: This configuration command has not yet been configured for the current cluster "
                            "mode (Cluster cluster1).\r\n\r\nDo you want to start a new, empty configuration at the "
                            "current mode (Cluster cluster1)? [N]> ")
        out = c.cmd("")                  # default N: the command ends
        assert out.endswith("\r\n(Cluster cluster1)> ")
        assert "{}" in c.cmd("showchanges")
        c.cmd("clustermode group Main_Group")
        c.send("certconfig")
        assert "NOTICE" not in c.expect_sub()
        c.back_to_main()
        # Y really creates an (empty) override at cluster level
        c.cmd("clustermode cluster")
        c.send("certconfig")
        c.expect_sub()
        _unused, out = c.answer("Y")
        assert "- CERTIFICATE" in out
        c.back_to_main()
        assert "{'Cluster cluster1': {'': {'certconfig': 'modified'}}}" in c.cmd("showchanges")
        c.cmd("commit y Y")
    state = json.loads((Path(yesno_sim["state_dir"]) / "state.json").read_text())
    levels = state["stores"]["cluster:cluster1"]["levels"]
    assert [p["name"] for p in levels["cluster"]["certificates"]] == ["Demo"]
    assert "certificates" in levels["group:Main_Group"]


def test_older_showconfig_mask_question(yesno_sim):
    a = yesno_sim["appliances"][ESA3]
    with CLI(a["ssh_host"], a["ssh_port"], a["username"], a["password"]) as c:
        c.send("showconfig")
        out = c.expect_sub()
        assert out.endswith("\r\nDo you want to mask the passphrase? [Y]> ")
        out = c.cmd("Y")
        assert "<key>*****</key>" in out and "<?xml version=" in out
