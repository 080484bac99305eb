"""The simulator's SSH CLI: session, prompts, paging, showconfig, listenerconfig dialogs, pending/commit."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import paramiko
import pytest

from tests.simulator.client import CLI, PAGER

pytestmark = pytest.mark.usefixtures("sim_clean")

ESA1 = "esa1.example.com"


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
    c.answer("1")
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


def new_group(c: CLI, name: str, hosts: str, policy: str, comment: str = ""):
    c.answer("NEW")
    c.answer("1")
    c.answer(name)
    kind, out = c.answer(hosts)
    num = re.search(rf"^(\d+)\. Policy: {re.escape(policy)}\r?$", out, re.M).group(1)
    c.answer(num)
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


def test_version(sim_cli):
    out = sim_cli().cmd("version")
    keys = dict(re.findall(r"^([A-Za-z #]+): (.*?)\r?$", out, re.M))
    assert keys["Model"] == "C100V"
    assert keys["Version"] == "15.0.0-104"
    assert keys["Serial #"] == "4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F"
    assert keys["Product"].startswith("Cisco C100V")
    assert "Current Version\r\n===============" in out


def test_unknown_command(sim_cli):
    out = sim_cli().cmd("frobnicate now")
    assert "\r\nUnknown command: frobnicate\r\n" in out


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
    body = text.replace(PAGER, "")
    lines = body.split("\r\n")
    # 40 lines per page: the pager appears after each 40 lines following the last input
    assert pages == (len(lines) - 2) // 40
    first_page = text.split(PAGER)[0]
    assert first_page.count("\r\n") == 41   # echo line + 40 lines
    xml_of(body)                              # removing the pager string gives the exact output


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


def test_showconfig_xml(sim_cli):
    c = sim_cli()
    c.send("showconfig")
    menu = c.expect_sub()
    assert "Choose the passphrase option:\r\n1. Mask passphrases" in menu
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


def test_showconfig_plain_passphrases(sim_cli):
    c = sim_cli()
    c.send("showconfig")
    c.expect_sub()
    root = xml_of(c.cmd("3"))
    assert "PRIVATE KEY" in root.find("certificates/certificate").findtext("key")


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


def test_new_policy_and_sender_group_then_commit(sim_cli, sim_dump):
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
    assert out.endswith("Enter a comment for this sender group.\r\n[]> ")
    c.answer("CRES replies over TLS")
    _unused, out = c.answer("PRINT")
    assert '$CRES_TLS\r\n    ACCEPT {\r\n        tls = "required"\r\n    }' in out
    assert "CRES_SENDERS:\r\n    .res.cisco.com\r\n    .cres.iphmx.com\r\n    208.90.57.0/26\r\n    204.15.81.0/26\r\n" \
           "    $CRES_TLS (CRES replies over TLS)\r\n\r\nALL\r\n    $ACCEPTED" in out
    c.back_to_main()
    assert sim_dump() == before                               # pending only
    assert c.cmd("showchanges").count("{'esa1.example.com': ['listenerconfig']}") == 1
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
    assert "no data to commit." in c.cmd("commit")


def test_demo_question_on_tls_keeps_tls_when_no(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("2")
    c.answer("P1")
    c.answer("1")
    kind, out = c.answer("Y")
    while "Do you want to allow encrypted TLS connections?" not in out:
        kind, out = c.answer("")
    assert out.endswith("6. Use the default\r\n[6]> ")
    _unused, out = c.answer("3")
    assert out.endswith("You may use the demo certificate to test TLS, but this will not be secure. "
                        "Do you really wish to use the demo certificate? [N]> ")
    _unused, out = c.answer("N")
    assert "Would you like to allow SMTP Authentication?" in out
    c.back_to_main()
    hat = hat_of(showconfig(c))
    assert "$P1\n    ACCEPT {}" in hat


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
    c.answer("6")
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
    c.answer("")
    _unused, out = c.answer("")
    assert "custom SMTP response" in out
    _unused, out = c.answer("")
    _unused, out = c.answer("0")
    assert "Value must be -1 (unlimited)" in out
    _unused, out = c.answer("100")
    for _unused in range(3):
        _unused, out = c.answer("")
    assert "encrypted TLS" in out
    _unused, out = c.answer("9")
    assert "Value must be an integer from 1 to 6." in out
    _unused, out = c.answer("zz")
    assert "You must enter a number from 1 to 6." in out
    c.answer("1")
    _unused, out = c.answer("")
    for _unused in range(3):
        kind, out = c.answer("")
    _unused, out = c.answer("PRINT")
    assert '$P\n    ACCEPT {\n        max_message_size = "20M"\n        max_rcpts_per_hour = "100"\n' \
           '        tls = "off"\n    }'.replace("\n", "\r\n") in out


def test_edit_sender_group_operations(sim_cli):
    c = sim_cli()
    to_hostaccess(c)
    new_group(c, "G1", "10.0.0.1, 10.0.0.2", "ACCEPTED", "first")
    c.answer("EDIT")
    _unused, out = c.answer("1")
    assert "5. G1 (first)\r\nEnter the sender group number or name you wish to edit.\r\n[]> " in out
    _unused, out = c.answer("NOPE")
    assert 'Sender group "NOPE" does not exist.' in out
    _unused, out = c.answer("G1")
    assert "- RENAME - Rename this sender group.\r\n[]> " in out
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


def test_edit_policy_rename_updates_references(sim_cli):
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


def test_pending_is_per_session_and_lost_on_disconnect(sim_cli, sim_dump):
    before = sim_dump()
    c1 = sim_cli()
    _add_group(c1)
    assert "PENDING:" in hat_of(showconfig(c1))
    c2 = sim_cli()
    assert "PENDING:" not in hat_of(showconfig(c2))
    c1.close()
    c3 = sim_cli()
    assert "PENDING:" not in hat_of(showconfig(c3))
    assert "no data to commit." in c3.cmd("commit")
    assert sim_dump() == before


def test_clearchanges_and_showchanges(sim_cli, sim_dump):
    before = sim_dump()
    c = sim_cli()
    assert "\r\n{}\r\n" in c.cmd("showchanges")
    assert "No changes have been made" in c.cmd("clearchanges")
    _add_group(c)
    assert "{'esa1.example.com': ['listenerconfig']}" in c.cmd("showchanges")
    c.send("clearchanges")
    out = c.expect_sub()
    assert out.endswith("Are you sure you want to clear all changes since the last commit? [Y]> ")
    assert "Changes cleared: " in c.cmd("")
    assert "PENDING:" not in hat_of(showconfig(c))
    assert "no data to commit." in c.cmd("commit")
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


def test_default_parameters(sim_cli):
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
    assert out.endswith("Enter -1 for unlimited.\r\n[-1]> ")
    _unused, out = c.answer("")
    assert "5. Required - Verify\r\n[2]> " in out and "Use the default" not in out
    _unused, out = c.answer("1")
    assert out.endswith("3. Required\r\n[1]> ")
    _unused, out = c.answer("")
    assert "Maximum Message Size: 20M" in out and "TLS Support: No" in out
    c.back_to_main()
    L = showconfig(c).find("listeners/listener")
    assert L.findtext("hat_default_tls") == "off" and L.findtext("hat_default_max_message_size") == "20M"


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
