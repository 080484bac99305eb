"""The simulator's SSH CLI: session, prompts, paging, showconfig, listenerconfig dialogs, pending/commit."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import paramiko
import pytest

from tests.functional.conftest_sim import FILTER_QUESTIONS
from tests.simulator.client import CLI, PAGER, PAGER_ERASE

pytestmark = pytest.mark.usefixtures("sim_clean")

ESA1 = "esa1.example.com"
CHANGE_PARAMS = "Would you like to change the policy parameters? [N]> "
COMMENT_Q = "Enter a comment for this sender group.\r\n[]> "
NOTHING_TO_COMMIT = "\r\nThere is no data to commit.\r\n"


def xml_of(text: str) -> ET.Element:
    start = text.index("<?xml")
    end = text.index("</config>") + len("</config>")
    body = text[start:end].replace("\r\n", "\n")
    return ET.fromstring(body.encode("iso-8859-1"))


def showconfig(c: CLI) -> ET.Element:
    c.send("showconfig")
    c.expect_sub()
    return xml_of(c.cmd("1"))


def hat_of(root: ET.Element, listener: str = "IncomingMail") -> str:
    for L in root.iter("listener"):
        if L.findtext("listener_name") == listener:
            return L.findtext("hat").strip()
    raise KeyError(listener)


def to_hostaccess(c: CLI, listener: str = "IncomingMail") -> str:
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    c.answer(listener)
    return c.answer("HOSTACCESS")[1]


def new_policy(c: CLI, name: str, tls_item: str | None = None):
    """From the HOSTACCESS menu: NEW policy name (Accept), optional TLS item by text."""
    c.answer("NEW")
    c.answer("2")
    c.answer(name)
    _unused, out = c.answer("1")
    assert out.endswith(CHANGE_PARAMS)
    if tls_item is None:
        return c.answer("N")
    kind, out = c.answer("Y")
    while "Do you want to allow encrypted TLS connections?" not in out:
        kind, out = c.answer("")
    num = re.search(rf"^(\d+)\. {re.escape(tls_item)}\r?$", out, re.M).group(1)
    kind, out = c.answer(num)
    if "demo certificate" in out:
        kind, out = c.answer("Y")
    while "Choose the operation" not in out:
        kind, out = c.answer("")
    return kind, out


def named_policy_params(c: CLI, out: str, answer: str = "N") -> str:
    """After a named policy was chosen as behaviour: IAF-L12 answers "change the policy
    parameters?" on one code path for every behaviour (variant change_params_after_policy,
    on by default); returns the text up to the comment question."""
    if out.endswith(CHANGE_PARAMS):
        _unused, out = c.answer(answer)
    assert re.search(r"\r\nEnter a comment for this sender group\.\r\n\[[^\]\r\n]*\]> $", out), out[-200:]
    return out


def new_group(c: CLI, name: str, hosts: str, policy: str, comment: str = ""):
    c.answer("NEW")
    c.answer("1")
    c.answer(name)
    kind, out = c.answer(hosts)
    num = re.search(rf"^(\d+)\. Policy: {re.escape(policy)}\r?$", out, re.M).group(1)
    _unused, out = c.answer(num)
    named_policy_params(c, out)
    return c.answer(comment)


# ---------------------------------------------------------------- session basics
def test_password_login_prompt_and_banner(sim_cli):
    c = sim_cli()
    assert c.banner.endswith("\r\nesa1.example.com> ")
    assert "NOTE: This session will expire if left idle" in c.banner


def test_key_login(sim, sim_cli):
    c = sim_cli(key_filename=sim["appliances"][ESA1]["key_file"])
    assert c.cmd("version").endswith("esa1.example.com> ")


def test_wrong_password_and_unknown_user_fail(sim):
    a = sim["appliances"][ESA1]
    for user, pw in (("admin", "wrong"), ("nobody", "ironport")):
        with pytest.raises(paramiko.AuthenticationException):
            CLI(a["ssh_host"], a["ssh_port"], user, pw)


def test_host_key_is_stable_and_from_state_dir(sim, sim_cli):
    a = sim["appliances"][ESA1]
    k1 = sim_cli().host_key
    k2 = sim_cli().host_key
    assert k1.asbytes() == k2.asbytes()
    pub = open(a["host_key_file"]).read().split()
    assert pub[1] == k1.get_base64()


def test_version(sim_cli, sim_settings):
    out = sim_cli().cmd("version")
    keys = dict(re.findall(r"^([A-Za-z #]+): (.*?)\r?$", out, re.M))
    assert keys["Model"] == "C100V"
    assert keys["Version"] == sim_settings["texts"]["version"]     # the release profile's version
    assert keys["Serial #"] == "4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F"
    assert keys["Product"].startswith("Cisco C100V")
    assert "Current Version\r\n===============" in out


def test_unknown_command(sim_cli, sim_settings):
    out = sim_cli().cmd("frobnicate now")
    assert out == "frobnicate now\r\n" + sim_settings["texts"]["unknown_command"].format(name="frobnicate") + \
        "\r\n\r\nesa1.example.com> "


@pytest.mark.parametrize("eol", ["\r", "\n", "\r\n"])
def test_line_endings(sim_cli, eol):
    c = sim_cli(eol=eol)
    out = c.cmd("version")
    assert out.startswith("version\r\n")     # echoed once
    time.sleep(0.3)
    c.chan.settimeout(0.3)
    try:
        extra = c.chan.recv(1000)
    except Exception:  # noqa: BLE001
        extra = b""
    assert extra == b""                      # CRLF is one Enter: no second prompt


def test_echo_and_backspace(sim_cli):
    c = sim_cli()
    c.chan.send("versiox\x7fn\r")
    out = c.expect_main()
    assert "Current Version" in out


def test_paging_every_page_lines(sim_cli, sim_ctl):
    c = sim_cli(auto_page=False)
    c.send("showconfig")
    c.expect_sub()
    c.send("1")
    pages = 0
    text = ""
    for _unused in range(200):
        i, out = c.expect(re.compile(re.escape(PAGER) + "$"), re.compile(r"esa1\.example\.com> $"))
        text += out
        if i == 1:
            break
        pages += 1
        c.chan.send("\r")
    # after each key the pager text is erased (CR, spaces, CR) before the output goes on
    assert text.count(PAGER + PAGER_ERASE) == pages == text.count(PAGER_ERASE)
    body = text.replace(PAGER, "").replace(PAGER_ERASE, "")
    lines = body.split("\r\n")
    # 40 lines per page: the pager appears after each 40 lines following the last input
    assert pages == (len(lines) - 2) // 40
    first_page = text.split(PAGER)[0]
    assert first_page.count("\r\n") == 41   # echo line + 40 lines
    # removing the pager strings and their erasures gives the exact output
    c2 = sim_cli()
    c2.send("showconfig")
    c2.expect_sub()
    paged = c2.cmd("1")
    strip_time = re.compile(r"Current Time: [^\r]*")
    assert strip_time.sub("", body) == strip_time.sub("", paged)
    xml_of(body)


def test_paging_setting_via_control(sim_cli, sim_ctl):
    sim_ctl.set(ESA1, page_lines=5)
    c = sim_cli(auto_page=False)
    c.send("version")
    i, out = c.expect(re.compile(re.escape(PAGER) + "$"))
    assert out.count("\r\n") == 6        # the echoed command line, then 5 lines
    c.chan.send("\r\n")                       # CRLF at the pager: one key
    text = ""
    for _unused in range(5):
        i, out = c.expect(re.compile(re.escape(PAGER) + "$"), re.compile(r"esa1\.example\.com> $"))
        text += out
        if i == 1:
            break
        c.chan.send("x")
    assert "Serial #:" in text and i == 1
    assert "\r\nx" not in text                 # the pager key is not echoed


def test_showconfig_xml(sim_cli, sim_settings):
    c = sim_cli()
    c.send("showconfig")
    menu = c.expect_sub()
    items = sim_settings["texts"]["passphrase_items"]
    assert "Choose the passphrase option:\r\n" + "".join(f"{i}. {t}\r\n" for i, t in enumerate(items, 1)) + \
        "[1]> " in menu
    assert menu.endswith("[1]> ")
    out = c.cmd("1")
    assert '<?xml version="1.0" encoding="ISO-8859-1"?>' in out
    root = xml_of(out)
    assert root.findtext("hostname") == ESA1
    names = [L.findtext("listener_name") for L in root.iter("listener")]
    assert names == ["IncomingMail", "OutgoingMail"]
    L = root.find("listeners/listener")
    assert L.findtext("type") == "public" and L.findtext("port") == "25"
    assert L.findtext("certificate") == "Demo"
    assert L.findtext("hat_default_tls") == "preferred"
    assert L.findtext("hat_default_max_rcpts_per_hour") == "-1"
    cert = root.find("certificates/certificate")
    assert cert.findtext("name") == "Demo"
    assert cert.findtext("key") == "*****"
    assert cert.findtext("cert").startswith("-----BEGIN CERTIFICATE-----")
    hat = hat_of(root)
    assert hat.startswith("$BLOCKED\n    REJECT {}")
    assert "BLOCKED_LIST:\n    sbrs[-10.0:-3.0]\n    $BLOCKED (Spammers are rejected)" in hat
    assert hat.endswith("ALL\n    $ACCEPTED")
    assert root.find("cluster") is None


def test_showconfig_plain_and_encrypted_passphrases(sim_cli, sim_settings):
    c = sim_cli()
    c.send("showconfig")
    c.expect_sub()
    root = xml_of(c.cmd("2"))
    key = root.find("certificates/certificate").findtext("key")
    assert key.startswith("ENCRYPTED:") and "PRIVATE KEY" not in key
    c.send("showconfig")
    c.expect_sub()
    if len(sim_settings["texts"]["passphrase_items"]) == 3:     # 12.1: plain passphrases offered
        root = xml_of(c.cmd("3"))
        assert "PRIVATE KEY" in root.find("certificates/certificate").findtext("key")
    else:                                                        # 14.0+: two items only
        _unused, out = c.answer("3")
        assert "Value must be an integer from 1 to 2." in out and out.endswith("[1]> ")
        c.back_to_main()


# ---------------------------------------------------------------- listenerconfig
def test_listener_listing_and_unknown_listener(sim_cli):
    c = sim_cli()
    c.send("listenerconfig")
    out = c.expect_sub()
    assert "Currently configured listeners:\r\n1. IncomingMail (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public\r\n" \
           "2. OutgoingMail (on Data 2, 192.0.2.11) SMTP TCP Port 587 Private" in out
    c.answer("EDIT")
    _unused, out = c.answer("Nope")
    assert 'Listener "Nope" does not exist.' in out
    assert out.endswith("Enter the name or number of the listener you wish to edit.\r\n[]> ")
    _unused, out = c.answer("1")
    assert "Name: IncomingMail" in out and "Certificate: Demo" in out
    assert c.back_to_main().endswith("esa1.example.com> ")


def test_hostaccess_menu_text(sim_cli):
    out = to_hostaccess(sim_cli())
    assert "Default Policy Parameters\r\n==========================\r\nMaximum Message Size: 10M" in out
    assert "Maximum Number Of Recipients Per Hour: Unlimited" in out
    assert "TLS Support: Preferred" in out
    assert "There are currently 4 policies defined." in out
    assert "There are currently 4 sender groups." in out
    assert "- RESET - Remove senders and set policies to system default.\r\n[]> " in out


def test_new_policy_and_sender_group_then_commit(sim_cli, sim_dump, sim_settings):
    before = sim_dump()
    c = sim_cli()
    to_hostaccess(c)
    new_policy(c, "CRES_TLS", "Required")
    _unused, out = c.answer("NEW")
    c.answer("1")
    _unused, out = c.answer("BLOCKED_LIST")
    assert 'A sender group or policy named "BLOCKED_LIST" already exists.' in out
    _unused, out = c.answer("ALL")
    assert 'A sender group or policy named "ALL" already exists.' in out
    _unused, out = c.answer("CRES_TLS")                 # groups and policies share one namespace (docs §9)
    assert 'A sender group or policy named "CRES_TLS" already exists.' in out
    _unused, out = c.answer("CRES_SENDERS")
    assert "Separate multiple hosts with commas\r\n[]> " in out
    _unused, out = c.answer(".res.cisco.com, .cres.iphmx.com, 208.90.57.0/26, 204.15.81.0/26")
    assert "Select a behavior for this entry.\r\n1. Accept\r\n2. Relay\r\n3. Reject\r\n4. TCP Refuse\r\n" \
           "5. Continue\r\n6. Policy: ACCEPTED\r\n7. Policy: BLOCKED\r\n8. Policy: CRES_TLS\r\n" \
           "9. Policy: THROTTLED\r\n10. Policy: TRUSTED\r\n[1]> " in out
    _unused, out = c.answer("8")
    if sim_settings["change_params_after_policy"]:      # asked after a named policy too (IAF-L12 new())
        assert out.endswith("\r\n" + CHANGE_PARAMS)
        _unused, out = c.answer("N")
    assert out.endswith(COMMENT_Q)
    c.answer("CRES replies over TLS")
    _unused, out = c.answer("PRINT")
    assert '$CRES_TLS\r\n    ACCEPT {\r\n        tls = "required"\r\n    }' in out
    assert "CRES_SENDERS:\r\n    .res.cisco.com\r\n    .cres.iphmx.com\r\n    208.90.57.0/26\r\n    204.15.81.0/26\r\n" \
           "    $CRES_TLS (CRES replies over TLS)\r\n\r\nALL\r\n    $ACCEPTED" in out
    c.back_to_main()
    assert sim_dump() == before                               # pending only
    assert "\r\n{'standalone': {'': {'listenerconfig': 'modified'}}}\r\n" in c.cmd("showchanges")
    c.send("commit")
    _unused, out = c.expect_any()
    assert "Please enter some comments describing your changes:\r\n[]> " in out
    _unused, out = c.answer("add CRES")
    assert out.endswith("Do you want to save the current configuration for rollback? [Y]> ")
    _unused, out = c.answer("Y")
    assert re.search(r"Changes committed: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}", out)
    assert sim_dump() != before
    hat = hat_of(showconfig(sim_cli()))
    assert '$CRES_TLS\n    ACCEPT {\n        tls = "required"\n    }' in hat
    assert hat.index("UNKNOWNLIST:") < hat.index("CRES_SENDERS:") < hat.index("ALL\n")
    assert c.cmd("commit") == "commit" + NOTHING_TO_COMMIT + "\r\nesa1.example.com> "


def test_demo_question_on_tls_keeps_tls_when_no(sim_cli, sim_settings):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("2")
    c.answer("P1")
    c.answer("1")
    kind, out = c.answer("Y")
    while "Do you want to allow encrypted TLS connections?" not in out:
        kind, out = c.answer("")
    # the five TLS items; the bracket shows what applies (the listener default, Preferred)
    assert out.endswith("Do you want to allow encrypted TLS connections?\r\n1. No\r\n2. Preferred\r\n"
                        "3. Required\r\n4. Preferred - Verify\r\n5. Required - Verify\r\n[2]> ")
    _unused, out = c.answer("3")
    assert out.endswith(sim_settings["texts"]["demo_question"])
    _unused, out = c.answer("N")
    assert out.endswith("Do you want to allow SMTP authentication?\r\n1. No\r\n2. Preferred\r\n3. Required\r\n[1]> ")
    while "Choose the operation" not in out:
        kind, out = c.answer("")
    _unused, out = c.answer("PRINT")
    assert "$P1\r\n    ACCEPT {}" in out


@pytest.mark.parametrize("host", [
    "10.1.1.0/24", "10.1.1.10-20", "10.2.3.", "10.", "192.0.2.1", "2001:db8::/32", "2001:db8::1",
    "crm.example.com", ".example.com", "SBRS[7.5:10.0]", "sbrs[-10:-3]", "localhost",
])
def test_valid_senders(sim_cli, host):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("1")
    c.answer("G")
    _unused, out = c.answer(host)
    assert "Select a behavior for this entry." in out
    _unused, out = c.answer("6")
    named_policy_params(c, out)
    c.answer("")
    _unused, out = c.answer("PRINT")
    assert "G:\r\n    " in out


@pytest.mark.parametrize("host", [
    "10.1.1.0/33", "10.1.1.5/24", "10.1.1.20-10", "10.1.1.10-300", "300.1.1.1", "10.2.3", "1.2.3.4.5",
    "exa mple.com", "-bad.example.com", "example.com.", "SBRS[11:12]", "SBRS[5:1]", "sbrs[a:b]", "2001:db8::g",
    "foo_bar.example.com", "..example.com",
])
def test_invalid_senders(sim_cli, host):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("1")
    c.answer("G")
    _unused, out = c.answer(f"10.9.9.9, {host}")
    assert f"Invalid host: {host.strip()}" in out
    assert out.endswith("Separate multiple hosts with commas\r\n[]> ")
    _unused, out = c.answer("")                      # empty: back to HOSTACCESS, nothing created
    assert "There are currently 4 sender groups." in out


def answer_until(c: CLI, text: str, limit: int = 60) -> str:
    """Keep every answer (empty lines) until a prompt whose text holds ``text``; returns that text."""
    kind, out = c.answer("")
    for _unused in range(limit):
        if text in out:
            return out
        assert kind == "sub", out[-300:]
        kind, out = c.answer("")
    raise AssertionError(f"{text!r} never asked")


def test_values_out_of_range_and_malformed(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("2")
    c.answer("P")
    c.answer("1")
    _unused, out = c.answer("Y")
    assert out.endswith("[10M]> ")
    _unused, out = c.answer("abc")
    assert "You must enter a number, optionally followed by k or M." in out and out.endswith("[10M]> ")
    _unused, out = c.answer("2048M")
    assert "Value must be between 1 and 1024M." in out
    _unused, out = c.answer("20M")
    assert out.endswith("[10]> ")
    _unused, out = c.answer("0")
    assert "Value must be an integer from 1 to 1000." in out
    _unused, out = c.answer("x")
    assert "You must enter a number." in out
    c.answer("default")
    _unused, out = c.answer("")
    assert out.endswith("Enter the maximum number of recipients per message.  Enter \"default\" to use the default."
                        "\r\n[50]> ")
    _unused, out = c.answer("")
    assert out.endswith("Do you want to override the hostname in the SMTP banner? [N]> ")
    _unused, out = c.answer("")
    assert out.endswith("Would you like to specify a custom SMTP response? [N]> ")
    out = answer_until(c, "rate limiting per host")
    # IAF-L12: recipients per hour only after the rate-limiting gate
    assert out.endswith("\r\nDo you want to enable rate limiting per host? [N]> ")
    _unused, out = c.answer("Y")
    assert out.endswith("Enter the maximum number of recipients per hour from a remote host.  Enter \"default\" to "
                        "use the default.\r\n[-1]> ")
    _unused, out = c.answer("0")
    assert "Value must be -1 (unlimited)" in out
    _unused, out = c.answer("100")
    assert out.endswith("Would you like to specify a custom SMTP limit exceeded response? [N]> ")
    out = answer_until(c, "encrypted TLS")
    _unused, out = c.answer("9")
    assert "Value must be an integer from 1 to 5." in out
    _unused, out = c.answer("zz")
    assert "You must enter a number from 1 to 5." in out
    _unused, out = c.answer("1")
    assert out.endswith("Do you want to allow SMTP authentication?\r\n1. No\r\n2. Preferred\r\n3. Required\r\n[1]> ")
    _unused, out = c.answer("2")
    assert out.endswith("Require TLS to offer SMTP authentication? [N]> ")
    _unused, out = c.answer("Y")
    answer_until(c, "Choose the operation")
    _unused, out = c.answer("PRINT")
    assert '$P\n    ACCEPT {\n        max_message_size = "20M"\n        max_rcpts_per_hour = "100"\n' \
           '        tls = "off"\n        smtpauth_allow = "preferred"\n        smtpauth_requiretls = "on"\n' \
           '    }'.replace("\n", "\r\n") in out


def test_rate_limit_gate_no_switches_the_limit_off(sim_cli, sim_ctl):
    """THROTTLED has max_rcpts_per_hour 20: its gate defaults to Y; N sets it unlimited."""
    sim_ctl.set(ESA1, policy_edit_menu=False)
    c = sim_cli()
    to_hostaccess(c)
    c.answer("EDIT")
    c.answer("2")
    _unused, out = c.answer("THROTTLED")
    assert out.endswith("5. Continue\r\n[1]> ")          # straight to the behaviour list (IAF-L12)
    _unused, out = c.answer("")                   # keep Accept
    assert out.endswith(CHANGE_PARAMS)
    c.answer("Y")
    out = answer_until(c, "rate limiting per host")
    assert out.endswith("\r\nDo you want to enable rate limiting per host? [Y]> ")
    _unused, out = c.answer("N")
    assert out.endswith("Do you want to enable rate limiting per envelope sender? [N]> ")
    answer_until(c, "Choose the operation")
    _unused, out = c.answer("PRINT")
    assert '$THROTTLED\r\n    ACCEPT {\r\n        max_concurrency = "10"\r\n        max_msgs_per_session = "10"\r\n' \
           '        max_rcpts_per_msg = "25"\r\n        max_rcpts_per_hour = "-1"\r\n    }' in out


def test_filter_questions_of_the_release(sim_cli, sim_settings):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("2")
    c.answer("F")
    c.answer("1")
    c.answer("Y")
    out = answer_until(c, "anti-virus scanning")
    asked = []
    while "encrypted TLS" not in out:
        _unused, out = c.answer("")
        asked.append(re.sub(r" \[[YN]\]> $", "", out.strip("\r\n").split("\r\n")[-1]))
    asked.pop()                                     # the TLS list
    expected = list(FILTER_QUESTIONS) if sim_settings["texts"]["filters_questions"] else []
    assert asked == expected
    c.back_to_main()


def test_edit_sender_group_operations(sim_cli, sim_settings):
    c = sim_cli()
    to_hostaccess(c)
    new_group(c, "G1", "10.0.0.1, 10.0.0.2", "ACCEPTED", "first")
    c.answer("EDIT")
    _unused, out = c.answer("1")
    assert "5. G1 (first)\r\nEnter the sender group number or name you wish to edit.\r\n[]> " in out
    _unused, out = c.answer("NOPE")
    assert 'Sender group "NOPE" does not exist.' in out
    _unused, out = c.answer("G1")
    assert "- RENAME - Rename this sender group.\r\n" in out
    assert out.endswith(sim_settings["texts"]["sender_group_last_op"] + "\r\n[]> ")     # 13.x+: COUNTRY, ...
    # NEW host already elsewhere asks "Add anyway?"
    c.answer("NEW")
    _unused, out = c.answer("sbrs[-10.0:-3.0], 10.0.0.3")
    assert out.endswith("Host sbrs[-10.0:-3.0] is already in sender group BLOCKED_LIST. Add anyway? [N]> ")
    c.answer("N")
    # DELETE one host
    c.answer("DELETE")
    c.answer("10.0.0.1")
    # MOVE 10.0.0.3 before 10.0.0.2
    c.answer("MOVE")
    c.answer("2")
    c.answer("1")
    # POLICY: empty keeps the current behaviour, then the comment question
    _unused, out = c.answer("POLICY")
    assert out.endswith("8. Policy: THROTTLED\r\n9. Policy: TRUSTED\r\n[6]> ")
    _unused, out = c.answer("")
    out = named_policy_params(c, out)
    assert out.endswith("Enter a comment for this sender group.\r\n[first]> ")
    c.answer("second")
    c.answer("RENAME")
    _unused, out = c.answer("BLOCKED_LIST")
    assert 'A sender group or policy named "BLOCKED_LIST" already exists.' in out
    c.answer("G2")
    _unused, out = c.answer("PRINT")
    assert "G2:\r\n    10.0.0.3\r\n    10.0.0.2\r\n    $ACCEPTED (second)" in out
    _unused, out = c.answer("")
    assert "Default Policy Parameters" in out
    c.back_to_main()


def test_edit_policy_goes_straight_to_the_behaviour_list(sim_cli, sim_ctl):
    sim_ctl.set(ESA1, policy_edit_menu=False)      # IAF-L12 edit('policy'), the default
    c = sim_cli()
    to_hostaccess(c)
    _unused, out = c.answer("EDIT")
    assert out.endswith("1. Edit Sender Group\r\n2. Edit Policy\r\n[1]> ")    # both kinds exist
    _unused, out = c.answer("2")
    assert out.endswith("HAT policies:\r\n1. BLOCKED\r\n2. TRUSTED\r\n3. ACCEPTED\r\n4. THROTTLED\r\n"
                        "Enter the policy number or name you wish to edit.\r\n[]> ")
    _unused, out = c.answer("3")
    assert "Choose the operation" not in out
    assert out.endswith("Select a behavior for this entry.\r\n1. Accept\r\n2. Relay\r\n3. Reject\r\n"
                        "4. TCP Refuse\r\n5. Continue\r\n[1]> ")
    _unused, out = c.answer("3")
    assert out.endswith(CHANGE_PARAMS)
    _unused, out = c.answer("N")
    assert "There are currently 4 policies defined." in out       # back at HOSTACCESS
    _unused, out = c.answer("PRINT")
    assert "$ACCEPTED\r\n    REJECT {}" in out


def test_edit_policy_rename_updates_references(sim_cli, sim_ctl):
    sim_ctl.set(ESA1, policy_edit_menu=True)       # the variant with a NAME / POLICY menu
    c = sim_cli()
    to_hostaccess(c)
    c.answer("EDIT")
    c.answer("2")
    c.answer("ACCEPTED")
    _unused, out = c.answer("NAME")
    assert out.endswith("Enter the new name for this policy.\r\n[ACCEPTED]> ")
    _unused, out = c.answer("BLOCKED")
    assert 'A sender group or policy named "BLOCKED" already exists.' in out
    c.answer("OPEN")
    c.answer("POLICY")
    c.answer("1")
    kind, out = c.answer("Y")
    while "encrypted TLS" not in out:
        kind, out = c.answer("")
    _unused, out = c.answer("2")                       # TLS Preferred -> demo question
    assert "Do you really wish to use the demo certificate? [N]> " in out
    _unused, out = c.answer("Y")
    while "- NAME - Change the name of this policy." not in out:
        kind, out = c.answer("")
    _unused, out = c.answer("")
    _unused, out = c.answer("PRINT")
    assert '$OPEN\r\n    ACCEPT {\r\n        tls = "preferred"\r\n    }' in out
    assert "    $OPEN (Reviewed but undecided" in out
    assert "ALL\r\n    $OPEN" in out


def test_delete_policy_in_use_and_group(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("DELETE")
    c.answer("2")
    _unused, out = c.answer("THROTTLED")
    assert out.endswith('The policy "THROTTLED" is used by the following sender groups: SUSPECTLIST. Those sender '
                        'groups will use the default policy. Do you want to continue? [N]> ')
    _unused, out = c.answer("N")
    assert "There are currently 4 policies defined." in out
    c.answer("DELETE")
    c.answer("2")
    c.answer("THROTTLED")
    _unused, out = c.answer("Y")
    assert "There are currently 3 policies defined." in out
    c.answer("DELETE")
    c.answer("1")
    _unused, out = c.answer("ALLOWED_LIST")
    assert "There are currently 3 sender groups." in out
    _unused, out = c.answer("PRINT")
    assert "SUSPECTLIST:\r\n    sbrs[-3.0:-1.0]\r\n    $ACCEPTED (Suspicious" in out
    assert "ALLOWED_LIST" not in out


def test_move_group_first(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    new_group(c, "CRES", ".res.cisco.com", "ACCEPTED")
    c.answer("MOVE")
    c.answer("CRES")
    _unused, out = c.answer("1")
    _unused, out = c.answer("PRINT")
    body = out[out.index("$BLOCKED"):]
    groups = re.findall(r"^([A-Z_]+):\r?$", body, re.M)
    assert groups == ["CRES", "ALLOWED_LIST", "BLOCKED_LIST", "SUSPECTLIST", "UNKNOWNLIST"]


def test_empty_answers_climb_to_main_prompt(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("EDIT")
    c.answer("1")
    c.answer("1")          # inside the sender group menu
    n = 0
    for n in range(1, 10):
        kind, out = c.answer("")
        if kind == "main":
            break
    assert out.endswith("esa1.example.com> ") and n == 4


def test_unknown_menu_option(sim_cli):
    c = sim_cli()
    c.send("listenerconfig")
    c.expect_sub()
    _unused, out = c.answer("BOGUS")
    assert "Unknown option: BOGUS" in out and out.endswith("[]> ")
    c.back_to_main()


# ---------------------------------------------------------------- pending / commit / clearchanges
def _add_group(c, name="PENDING"):
    to_hostaccess(c)
    new_group(c, name, "10.7.7.7", "ACCEPTED")
    c.back_to_main()


def printed_hat(c: CLI) -> str:
    """The HAT as this session's HOSTACCESS -> PRINT shows it (pending changes included)."""
    to_hostaccess(c)
    _unused, out = c.answer("PRINT")
    c.back_to_main()
    return out


def test_pending_is_per_session_and_lost_on_disconnect(sim_cli, sim_dump, sim_settings):
    before = sim_dump()
    c1 = sim_cli()
    _add_group(c1)
    assert "PENDING:" in printed_hat(c1)
    # showconfig shows this session's uncommitted change only with showconfig_pending
    assert ("PENDING:" in hat_of(showconfig(c1))) is sim_settings["showconfig_pending"]
    c2 = sim_cli()
    assert "PENDING:" not in hat_of(showconfig(c2))
    assert "PENDING:" not in printed_hat(c2)
    c1.close()
    c3 = sim_cli()
    assert "PENDING:" not in hat_of(showconfig(c3))
    assert NOTHING_TO_COMMIT in c3.cmd("commit")
    assert sim_dump() == before


@pytest.mark.parametrize("pending", [True, False])
def test_showconfig_pending_switch(sim_cli, sim_ctl, pending):
    sim_ctl.set(ESA1, showconfig_pending=pending)
    c = sim_cli()
    _add_group(c)
    assert ("PENDING:" in hat_of(showconfig(c))) is pending
    assert "PENDING:" in printed_hat(c)
    assert "Changes committed:" in c.cmd('commit "pending switch" Y')
    assert "PENDING:" in hat_of(showconfig(c))            # committed: shown either way


def test_clearchanges_and_showchanges(sim_cli, sim_dump):
    before = sim_dump()
    c = sim_cli()
    assert "\r\n{}\r\n" in c.cmd("showchanges")
    assert "No changes have been made" in c.cmd("clearchanges")
    _add_group(c)
    # IAF-SH reads the literal as b['standalone']['']
    assert c.cmd("showchanges") == "showchanges\r\n{'standalone': {'': {'listenerconfig': 'modified'}}}\r\n" \
                                   "\r\nesa1.example.com> "
    c.send("clearchanges")
    out = c.expect_sub()
    assert out.endswith("Are you sure you want to clear all changes since the last commit? [Y]> ")
    assert "Changes cleared: " in c.cmd("")
    assert "PENDING:" not in hat_of(showconfig(c))
    assert "PENDING:" not in printed_hat(c)
    assert "\r\n{}\r\n" in c.cmd("showchanges")
    assert NOTHING_TO_COMMIT in c.cmd("commit")
    assert sim_dump() == before


def test_one_line_commit(sim_cli, sim_dump):
    before = sim_dump()
    c = sim_cli()
    _add_group(c)
    assert "Changes committed:" in c.cmd('commit "one line" Y')
    assert sim_dump() != before


def test_exit_closes_session(sim_cli):
    c = sim_cli()
    c.send("exit")
    with pytest.raises(Exception):  # noqa: B017
        for _unused in range(50):
            c._read()
            time.sleep(0.05)


def test_default_parameters(sim_cli, sim_settings):
    c = sim_cli()
    to_hostaccess(c)
    _unused, out = c.answer("DEFAULT")
    assert out.endswith("Enter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, or no "
                        "letter for bytes.\r\n[10M]> ")
    _unused, out = c.answer("default")
    assert "You must enter a number, optionally followed by k or M." in out
    c.answer("20M")
    c.answer("")
    c.answer("")
    _unused, out = c.answer("")
    assert out.endswith("\r\nDo you want to enable rate limiting per host? [N]> ")
    _unused, out = c.answer("Y")
    assert out.endswith("Enter the maximum number of recipients per hour from a remote host.\r\n[-1]> ")
    _unused, out = c.answer("500")
    assert "5. Required - Verify\r\n[2]> " in out and "Use the default" not in out
    _unused, out = c.answer("1")
    assert out.endswith("Do you want to allow SMTP authentication?\r\n1. No\r\n2. Preferred\r\n3. Required\r\n[1]> ")
    _unused, out = c.answer("")
    assert "Maximum Message Size: 20M" in out and "TLS Support: No" in out
    assert "Maximum Number Of Recipients Per Hour: 500" in out and "SMTP Authentication: No" in out
    c.back_to_main()
    L = showconfig(c).find("listeners/listener")
    if sim_settings["showconfig_pending"]:
        assert L.findtext("hat_default_tls") == "off" and L.findtext("hat_default_max_message_size") == "20M"
    else:
        assert L.findtext("hat_default_tls") == "preferred" and L.findtext("hat_default_max_message_size") == "10M"
        assert "Changes committed:" in c.cmd("commit defaults Y")
        L = showconfig(c).find("listeners/listener")
        assert L.findtext("hat_default_tls") == "off" and L.findtext("hat_default_max_message_size") == "20M"
    assert L.findtext("hat_default_max_rcpts_per_hour") == "500"


def test_inline_behaviour_group(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("1")
    c.answer("INLINE")
    c.answer("10.3.3.0/24")
    _unused, out = c.answer("3")                               # Reject
    assert out.endswith("Would you like to change the policy parameters? [N]> ")
    _unused, out = c.answer("N")
    assert out.endswith("Enter a comment for this sender group.\r\n[]> ")
    c.answer("inline")
    _unused, out = c.answer("PRINT")
    assert "INLINE:\r\n    10.3.3.0/24\r\n    REJECT {} (inline)" in out


def test_ctrl_c_abandons_the_command(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.chan.send("\x03")
    assert c.expect_main().endswith("esa1.example.com> ")
    assert "{}" in c.cmd("showchanges")


def test_exec_requests_are_refused(sim):
    a = sim["appliances"][ESA1]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(a["ssh_host"], port=a["ssh_port"], username="admin", password="ironport",
                   look_for_keys=False, allow_agent=False)
    try:
        with pytest.raises(paramiko.SSHException):
            client.exec_command("version")
    finally:
        client.close()
