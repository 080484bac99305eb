# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dialog engine against a scripted fake transport (replies from the contract)."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import (
    DialogEngine,
    classify,
    clean,
    find_error,
    find_item,
    menu_items,
    unwrap,
)
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos import replies as f
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos.fake import DROP, ScriptedTransport


def _hostaccess():
    return [
        ("listenerconfig", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q),
        ("1", f.LISTENER_MENU),
        ("HOSTACCESS", f.HOSTACCESS),
    ]


def _print_and_back_out():
    return [("PRINT", f.HAT_PRINT)] + _backout_from_hostaccess()


def _backout_from_hostaccess():
    return [("", f.LISTENER_MENU), ("", f.LISTENERCONFIG), ("", f.MAIN)]


def run(pairs, script, **kwargs):
    transport = ScriptedTransport(pairs)
    result = DialogEngine(transport, **kwargs).run(script)
    return transport, result


def statuses(result):
    return dict((s["step"], s["status"]) for s in result["steps"])


@pytest.mark.parametrize("block,kind", [
    ("\nesa1.example.com> ", "main"),
    ("\n(Cluster cluster1)> ", "main"),
    ("\n(Machine esa2.example.com)> ", "main"),
    ("\n(Group Main_Group)> ", "main"),
    ("text\n[]> ", "sub"),
    ("text\n[10M]> ", "sub"),
    ("Question? [Y]> ", "yesno"),
    ("Question? [N]> ", "yesno"),
    ("line\n-Press Any Key For More-", "pager"),
    ("Paste private key in PEM format (end with '.'):", "paste"),
    ("<banner>ESMTP> and more text", None),
    ("220 mail ESMTP> \nmore", None),
    ("Enter the hosts", None),
])
def test_classify(block, kind):
    assert classify(block) == kind


def test_menu_items_and_choice_by_text():
    items = menu_items(f.BEHAVIOUR)
    assert items[0] == ("1", "Accept")
    assert find_item(items, {"word": "CRES_TLS"}) == "8"
    assert find_item(items, {"word": "tcp  refuse"}) == "4"          # case and blanks do not matter
    assert find_item(items, {"word": "accept"}) == "1"               # not "Policy: ACCEPTED"
    assert find_item(items, {"word": "NOPE"}) is None
    assert find_item(menu_items(f.CLUSTER_NOTICE), {"contains": ["switch modes"]}) == "1"
    assert find_item(menu_items(f.LISTENERCONFIG), {"first": "incomingmail"}) == "1"


def test_find_error_is_anchored_at_line_start():
    assert find_error("x\nValue must be an integer\n[]> ") == "Value must be an integer"
    assert find_error("The text says Value must be nothing\n[]> ") is None
    assert find_error('Listener "X" does not exist.\n[]> ') == 'Listener "X" does not exist.'
    assert find_error("Unknown command or missing feature key: foo\n") == "Unknown command or missing feature key: foo"


def test_unwrap_joins_lines_split_at_the_terminal_width():
    line = "1. Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig command)"
    wrapped = "\n".join(line[i:i + 80] for i in range(0, len(line), 80)) + "\n2. Encrypt\n[1]> "
    assert unwrap(wrapped, 80).splitlines()[0] == line
    assert clean("a\r" + " " * 24 + "\rb") == "ab"


def _wrap(lines, width=80):
    """What the appliance sends: CRLF after every ``width`` characters of a longer line."""
    rows = []
    for line in lines:
        rows += [line[i:i + width] for i in range(0, len(line), width)] or [""]
    return "\r\n".join(rows)


@pytest.mark.parametrize("lines", [
    # a sender of exactly 80 columns with its indent, then the group's policy line
    ["CRES:", "    10.0.0.1", "    ." + "a" * 63 + ".example.com", "    $ACCEPTED (c)", ""],
    # a line of exactly 80 columns, then an empty line
    ["x" * 80, "", "$CRES_TLS"],
    # a comment cut at a blank: the open parenthesis says the line goes on
    ["    $CRES_TLS (" + "replies over TLS for CRES " * 2 + "and more words for the test)", "ALL"],
    # a value cut at a blank inside its quotes
    ['        comment = "' + "w " * 40 + '"', "    }"],
    # a line two rows long whose second row is exactly 80 columns
    ["    " + "s" * 156, "    next"],
])
def test_unwrap_reads_rows_of_exactly_the_width_by_their_shape(lines):
    assert unwrap(_wrap(lines), 80).split("\r\n") == lines


def test_prompts_survive_a_wrap_inside_the_bracket():
    assert classify("Do you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format? [\r\nN]> ") \
        == "yesno"
    assert classify("question [N]\r\n> ") == "yesno"


def test_create_sender_group_chooses_listener_and_policy_by_text():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU),
        ("1", f.SG_NAME_Q),
        ("CRES_TLS", f.HOSTS_Q),
        (".res.cisco.com, 208.90.57.0/26", f.BEHAVIOUR),
        ("8", f.CHANGE_PARAMS),             # IAF-L12: asked after the behaviour
        ("N", f.SG_COMMENT_Q),
        ("CRES replies over TLS", f.HOSTACCESS),
    ] + _print_and_back_out()
    script = scripts.create_sender_group("IncomingMail", "CRES_TLS", [".res.cisco.com", "208.90.57.0/26"],
                                         "CRES_TLS", "CRES replies over TLS")
    transport, result = run(pairs, script)
    assert result["ok"], result
    assert not transport.pairs
    assert result["prompt"] == "esa1.example.com> "
    assert "CRES_TLS" in result["captures"]["hat_print"]
    assert statuses(result)["hat.change_parameters"] == "matched"


def test_change_parameters_question_may_be_absent():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q), ("10.0.0.1", f.BEHAVIOUR),
        ("8", f.SG_COMMENT_Q), ("", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["ok"], result
    assert statuses(result)["hat.change_parameters"] == "absent"


def test_menu_numbers_are_not_fixed():
    behaviour = f.BEHAVIOUR.replace("8. Policy: CRES_TLS", "8. Policy: OTHER").replace(
        "9. Policy: TRUSTED", "9. Policy: CRES_TLS")
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU.replace("1. New Sender Group\n2. New Policy", "1. New Policy\n2. New Sender Group")),
        ("2", f.SG_NAME_Q), ("G", f.HOSTS_Q), ("10.0.0.1", behaviour),
        ("9", f.SG_COMMENT_Q), ("", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["ok"], result


def test_question_recognised_by_its_place_is_reported_as_differed():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", "\nNAME OF THE NEW GROUP?\n[]> "), ("G", f.HOSTS_Q), ("10.0.0.1", f.BEHAVIOUR),
        ("8", f.SG_COMMENT_Q), ("", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["ok"], result
    assert statuses(result)["hat.sender_group.name"] == "differed"
    assert [s["shown"] for s in result["steps"] if s["status"] == "differed"] == ["NAME OF THE NEW GROUP? / []>"]


def test_unknown_yesno_gets_its_bracketed_default_and_is_reported():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q),
        ("10.0.0.1", "\nWould you like to enable the frobnicator? [Y]> "),
        ("Y", f.BEHAVIOUR), ("8", f.SG_COMMENT_Q), ("", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["ok"], result
    assert result["unknown_questions"] == [{
        "question": "Would you like to enable the frobnicator? [Y]>", "answer": "Y", "dialog": "create_sender_group",
        "after_step": "hat.hosts"}]


def test_unknown_free_text_prompt_abandons_the_dialog():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q),
        ("10.0.0.1", "\nEnter the frobnicator level.\n[3]> "),
        ("", f.HOSTACCESS)] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["error_kind"] == "unknown_prompt"
    assert "Enter the frobnicator level." in result["error"] and "hat.hosts" in result["error"]
    assert not transport.pairs and not transport.closed


def test_missing_menu_item_fails_and_backs_out_without_accepting_default():
    # "[1]> " behaviour list: backing out must not create the group with Accept silently;
    # the engine answers empty lines (contract: empty = up one level) until the main prompt.
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q), ("10.0.0.1", f.BEHAVIOUR),
        ("", f.HOSTACCESS)] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "MISSING"))
    assert not result["ok"]
    assert result["error_kind"] == "menu"
    assert '"MISSING"' in result["error"]
    assert not transport.pairs and not transport.closed


def test_unknown_listener_fails_without_typing_anything():
    transport, result = run([("listenerconfig", f.LISTENERCONFIG), ("EDIT", f.EDIT_Q), ("", f.LISTENERCONFIG),
                             ("", f.MAIN)], scripts.move_sender_group("Nope", "A", "B"))
    assert result["error_kind"] == "menu"
    assert '"Nope"' in result["error"]
    assert not transport.pairs
    assert result["prompt"] == "esa1.example.com> "


def test_device_error_backs_out_to_main():
    pairs = [
        ("listenerconfig", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q),
        ("1", 'Listener "Nope" does not exist.\n' + f.EDIT_Q),
        ("", f.LISTENERCONFIG),
        ("", f.MAIN),
    ]
    transport, result = run(pairs, scripts.move_sender_group("IncomingMail", "A", "B"))
    assert result["error_kind"] == "device"
    assert result["error"] == 'Listener "Nope" does not exist.'
    assert not transport.pairs


CERT = "-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nSECRETKEYLINE1\nSECRETKEYLINE2\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize("release,fqdn", [("12.1", None), ("14.0", f.CN_FQDN), ("16.0", f.CN_FQDN_16)])
def test_paste_one_line_per_send_secret_redaction_and_the_fqdn_question(release, fqdn):
    pairs = [
        ("certconfig", f.CERTCONFIG),
        ("CERTIFICATE", f.CERT_MENU),
        ("PASTE", f.CERT_NAME_Q),
        ("cres_cert", f.PASTE_CERT),
        (".", f.PASTE_KEY),
        (".", f.ADD_INTER),
    ] + ([("N", fqdn), ("N", f.CERT_MENU)] if fqdn else [("N", f.CERT_MENU)]) + [
        ("", f.CERTCONFIG),
        ("", f.MAIN),
    ]
    transport = ScriptedTransport(pairs)
    result = DialogEngine(transport, record=True).run(scripts.paste_certificate("cres_cert", CERT, KEY))
    assert result["ok"], (release, result)
    assert transport.pasted == CERT.strip().splitlines() + KEY.strip().splitlines()
    text = repr(result["transcript"]) + repr(result["tail"])
    assert "SECRETKEYLINE" not in text
    assert "AAAA" not in text
    assert statuses(result)["certificate.fqdn_check"] == ("matched" if fqdn else "absent")
    assert not result["unknown_questions"]


def test_paste_error_key_does_not_sign():
    cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n"
    pairs = [
        ("certconfig", f.CERTCONFIG), ("CERTIFICATE", f.CERT_MENU), ("PASTE", f.CERT_NAME_Q),
        ("c", f.PASTE_CERT), (".", f.PASTE_KEY),
        (".", "\nkey does not sign certificate\n" + f.CERT_MENU),
        ("", f.CERTCONFIG), ("", f.MAIN),
    ]
    transport, result = run(pairs, scripts.paste_certificate("c", cert, key))
    assert result["error_kind"] == "device"
    assert result["error"] == "key does not sign certificate"
    assert not transport.pairs


@pytest.mark.parametrize("notice", [
    "\nCertificate profile cres_cert already exists.\nDo you want to overwrite it? [N]> ",
    f.OVERWRITE_16,
])
def test_existing_profile_without_overwrite_is_refused(notice):
    pairs = [
        ("certconfig", f.CERTCONFIG), ("CERTIFICATE", f.CERT_MENU), ("PASTE", f.CERT_NAME_Q),
        ("cres_cert", notice), ("N", f.CERT_MENU), ("", f.CERTCONFIG), ("", f.MAIN),
    ]
    _t, result = run(pairs, scripts.paste_certificate("cres_cert", CERT, KEY))
    assert not result["ok"]
    assert "already exists" in result["error"]


def test_existing_profile_is_overwritten_in_the_16_wording():
    pairs = [
        ("certconfig", f.CERTCONFIG), ("CERTIFICATE", f.CERT_MENU), ("PASTE", f.CERT_NAME_Q),
        ("cres_cert", f.OVERWRITE_16), ("Y", f.PASTE_CERT), (".", f.PASTE_KEY), (".", f.ADD_INTER),
        ("N", f.CN_FQDN_16), ("N", f.CERT_MENU), ("", f.CERTCONFIG), ("", f.MAIN),
    ]
    _t, result = run(pairs, scripts.paste_certificate("cres_cert", CERT, KEY, overwrite=True))
    assert result["ok"], result


def test_pager_is_answered_and_pages_joined():
    xml_1 = '\n<?xml version="1.0"?>\n<config>\n  <a>1</a>\n-Press Any Key For More-'
    xml_2 = '\r' + ' ' * 24 + '\r<b>2</b>\n</config>\n' + f.MAIN
    pairs = [("showconfig", f.SHOWCONFIG_MENU), ("1", xml_1), ("", xml_2)]
    transport, result = run(pairs, scripts.showconfig())
    assert result["ok"], result
    out = result["captures"]["output"]
    assert "Press Any Key" not in out
    assert "<a>1</a>\n<b>2</b>" in out


def test_two_item_passphrase_menu_and_old_mask_question():
    two = "\nChoose the passphrase option:\n1. Mask passphrases (Files with masked ...)\n2. Encrypt passphrases\n[1]> "
    _t, result = run([("showconfig", two), ("1", '\n<?xml version="1.0"?>\n<config/>\n</config>' + f.MAIN)],
                     scripts.showconfig())
    assert result["ok"], result
    pairs = [("showconfig", "\nDo you want to mask the passphrase? [Y]> "),
             ("Y", '\n<?xml version="1.0"?>\n<config/>\n</config>' + f.MAIN)]
    _t, result = run(pairs, scripts.showconfig())
    assert result["ok"], result


def test_cluster_notice_switch_modes():
    pairs = [
        ("listenerconfig", f.CLUSTER_NOTICE),
        ("1", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q), ("1", f.LISTENER_MENU), ("HOSTACCESS", f.HOSTACCESS),
        ("MOVE", "\nHAT sender groups:\n1. A\n2. B\nEnter the sender group number or name you wish to move.\n[]> "),
        ("1", "\nEnter the sender group number or name you wish to insert before.\n[]> "),
        ("2", f.HOSTACCESS),
        ("PRINT", f.HAT_PRINT),
        ("", f.LISTENER_MENU), ("", f.LISTENERCONFIG), ("", f.CLUSTER_PROMPT),
    ]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport).run(scripts.move_sender_group("IncomingMail", "A", "B"))
    assert result["ok"], result
    assert result["switched_level"] == "Cluster cluster1"
    assert result["prompt"] == "(Cluster cluster1)> "
    assert "2. Start" not in transport.sent  # never "Start a new, empty configuration"
    assert transport.sent.count("2") == 1   # only as the group to insert before


def test_cluster_notice_fail_mode_restores_level():
    pairs = [
        ("listenerconfig", f.CLUSTER_NOTICE),
        ("1", f.LISTENERCONFIG),
        ("", f.CLUSTER_PROMPT),
        ("clustermode machine esa2.example.com", f.MACHINE_PROMPT),
    ]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport, on_unconfigured_mode="fail").run(
        scripts.move_sender_group("IncomingMail", "A", "B"))
    assert not result["ok"]
    assert result["error_kind"] == "cluster_mode"
    assert "Cluster cluster1" in result["error"]
    assert result["prompt"] == "(Machine esa2.example.com)> "
    assert not transport.pairs


@pytest.mark.parametrize("question", [
    f.CLUSTER_NOTICE_YESNO,
    # older wording without "empty" (IAF-HC docstring)
    "\nNOTICE: This configuration command has not yet been configured for the current cluster mode (Machine "
    "esa2.example.com).\nDo you want to start a new configuration at the current mode (Machine esa2.example.com)? [N]> ",
])
def test_cluster_yesno_variant_answers_no_then_retries_at_cluster_level(question):
    pairs = [
        ("certconfig", question),
        ("N", f.MACHINE_PROMPT),
        ("clustermode cluster", f.CLUSTER_PROMPT),
        ("certconfig", f.CERTCONFIG),
        ("CERTIFICATE", f.CERT_MENU),
        ("DELETE", "\n1. Demo\n2. old_cert\nEnter the number of the certificate profile you wish to delete.\n[]> "),
        ("2", "\nAre you sure you want to delete the certificate profile old_cert? [N]> "),
        ("Y", f.CERT_MENU),
        ("", f.CERTCONFIG), ("", f.CLUSTER_PROMPT),
    ]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport).run(scripts.delete_certificate("old_cert"))
    assert result["ok"], result
    assert transport.sent.count("Y") == 1   # the delete confirmation only


def test_cluster_yesno_variant_fail_mode():
    pairs = [("certconfig", f.CLUSTER_NOTICE_YESNO), ("N", f.MACHINE_PROMPT)]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport, on_unconfigured_mode="fail").run(scripts.delete_certificate("x"))
    assert result["error_kind"] == "cluster_mode"
    assert "Y" not in transport.sent


def test_machine_mode_switch_question_is_answered_yes():
    question = ('\nThis command is restricted to run in machine mode of the machine you are logged in to.  Do you '
                'want to switch to "Machine esa2.example.com" mode? [Y]> ')
    pairs = [("version", question), ("Y", "\nVersion: 16.0.3-017\n" + f.MACHINE_PROMPT)]
    transport = ScriptedTransport(pairs, prompt="(Cluster cluster1)> ")
    result = DialogEngine(transport).run(scripts.version())
    assert result["ok"], result
    assert result["switched_level"] == "Machine esa2.example.com"


def _policy_edit_start(with_menu=True):
    pairs = _hostaccess() + [("EDIT", f.EDIT_TYPE), ("2", f.POLICY_LIST)]
    if with_menu:
        pairs.append(("2", "\nChoose the operation you want to perform:\n- NAME - Change the name of this policy.\n"
                           "- POLICY - Change the policy settings and options.\n[]> "))
        pairs.append(("POLICY", f.BEHAVIOUR.replace("[1]> ", "[1]> ")))
    else:
        pairs.append(("2", f.BEHAVIOUR))
    return pairs


@pytest.mark.parametrize("with_menu", [False, True])
def test_policy_edit_goes_straight_to_the_behaviour_list_or_through_a_menu(with_menu):
    pairs = _policy_edit_start(with_menu) + [
        ("", f.CHANGE_PARAMS), ("Y", f.TLS_Q), ("3", f.HOSTACCESS)] + _print_and_back_out()
    transport, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS", params={"tls": "required"}))
    assert result["ok"], result
    assert statuses(result)["hat.policy.menu"] == ("matched" if with_menu else "absent")


def test_type_menu_not_shown_after_edit():
    pairs = _hostaccess() + [("EDIT", f.POLICY_LIST), ("2", f.BEHAVIOUR), ("", f.CHANGE_PARAMS),
                             ("Y", f.TLS_Q), ("3", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS", params={"tls": "required"}))
    assert result["ok"], result
    assert statuses(result)["hat.entry_type"] == "absent"


def test_value_error_in_parameters_backs_out_keeping_values():
    pq = "\nEnter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, or no letter " \
         "for bytes.  Enter \"default\" to use the default.\n[10M]> "
    pairs = _policy_edit_start(False) + [
        ("", f.CHANGE_PARAMS),
        ("Y", pq),
        ("lots", "Value must be a number\n" + pq),
        ("", f.TLS_Q),
        ("", f.HOSTACCESS),
    ] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS",
                                                         params={"max_message_size": "lots"}))
    assert result["error_kind"] == "device"
    assert result["error"].startswith("Value must be")
    assert not transport.pairs and not transport.closed


def test_parameter_walk_rate_limit_gate_and_smtp_authentication():
    gate = "\nDo you want to enable rate limiting per host? [N]> "
    rph = "\nEnter the maximum number of recipients per hour from a remote host.  Enter \"default\" to use the " \
          "default.\n[-1]> "
    auth = "\nDo you want to allow SMTP authentication?\n1. No\n2. Preferred\n3. Required\n[1]> "
    pairs = _policy_edit_start(False) + [
        ("", f.CHANGE_PARAMS),
        ("Y", "\nWould you like to use SenderBase for flow control by default? [Y]> "),
        ("Y", gate), ("Y", rph), ("500", "\nWould you like to specify a custom SMTP limit exceeded response? [N]> "),
        ("N", f.TLS_Q), ("3", auth), ("2", "\nRequire TLS to offer SMTP authentication? [N]> "),
        ("Y", "\nWould you like to enable DKIM/DomainKeys signing? [N]> "),
        ("N", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.update_policy(
        "IncomingMail", "CRES_TLS", params={"tls": "required", "max_rcpts_per_hour": "500",
                                            "smtpauth_allow": "preferred", "smtpauth_requiretls": "on"}))
    assert result["ok"], result
    assert not result["unknown_questions"]   # every question of the sequence is known


def test_unknown_yesno_in_the_parameter_walk_is_defaulted_and_reported():
    pairs = _policy_edit_start(False) + [
        ("", f.CHANGE_PARAMS),
        ("Y", "\nWould you like to enable the frobnicator? [N]> "),
        ("N", f.TLS_Q), ("3", f.HOSTACCESS)] + _print_and_back_out()
    _t, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS", params={"tls": "required"}))
    assert result["ok"], result
    assert [q["answer"] for q in result["unknown_questions"]] == ["N"]


def test_multiline_custom_response_abandons_the_walk():
    pairs = _policy_edit_start(False) + [
        ("", f.CHANGE_PARAMS),
        ("Y", "\nWould you like to specify a custom SMTP response? [Y]> "),
        ("Y", "\nEnter the SMTP code to use in the response.  220 is the standard code.\n[220]> "),
        ("", "\nEnter your custom SMTP response.  Press Enter on a blank line to finish.\n[]> "),
        ("", f.HOSTACCESS)] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS", params={"tls": "required"}))
    assert result["error_kind"] == "unknown_prompt"
    assert "custom SMTP response" in result["error"]


def test_demo_certificate_question_is_refused():
    tls_q = ("\nDo you want to allow encrypted TLS connections?\n1. No\n2. Preferred\n3. Required\n[1]> ")
    demo = ("\nYou may use the demo certificate to test TLS,but this will not be secure. Do you really wish "
            "to use the demo certificate? [N]> ")
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("2", "\nEnter a name for this policy.\n[]> "),
        ("P", "\nSelect a behavior for this entry.\n1. Accept\n[1]> "),
        ("1", "\nWould you like to change the policy parameters? [N]> "),
        ("Y", tls_q), ("3", demo), ("N", f.HOSTACCESS),
    ] + _backout_from_hostaccess()
    _t, result = run(pairs, scripts.create_policy("IncomingMail", "P", params={"tls": "required"}))
    assert result["error_kind"] == "refused"
    assert "demo certificate" in result["error"]


def test_dropped_connection_mid_dialog():
    pairs = _hostaccess()[:2] + [("1", DROP)]
    transport, result = run(pairs, scripts.move_sender_group("IncomingMail", "A", "B"))
    assert result["error_kind"] == "connection"
    assert transport.closed


def test_starts_by_backing_out_of_a_left_over_submenu():
    pairs = [("N", f.HOSTACCESS), ("", f.LISTENER_MENU), ("", f.LISTENERCONFIG), ("", f.MAIN),
             ("version", "\nVersion: 15.0.0-104\n" + f.MAIN)]
    transport = ScriptedTransport(pairs)
    transport._last = "\nDo you want to continue? [N]> "
    result = DialogEngine(transport).run(scripts.version())
    assert result["ok"], result
    assert "15.0.0-104" in result["captures"]["output"]


def test_unrecoverable_state_closes_the_session():
    pairs = [("", "\n[]> ")] * 100
    transport = ScriptedTransport(pairs)
    transport._last = "\n[]> "
    result = DialogEngine(transport, max_backout=5).run(scripts.version())
    assert result["error_kind"] == "connection"
    assert transport.closed
    assert "uncommitted changes" in result["error"]


def test_commit_and_no_data():
    pairs = [("commit", "\nPlease enter some comments describing your changes:\n[]> "),
             ("my comment", "\nDo you want to save the current configuration for rollback? [Y]> "),
             ("Y", "\nChanges committed: Mon Jan 01 00:00:00 2024\n" + f.MAIN)]
    _t, result = run(pairs, scripts.commit("my comment"))
    assert result["ok"] and "Changes committed" in result["captures"]["output"]
    _t, result = run([("commit", "\nThere is no data to commit.\n" + f.MAIN)], scripts.commit("x"))
    assert result["ok"] and "There is no data to commit." in result["captures"]["output"]


def test_commit_discard_question_is_answered_no():
    pairs = [("commit", "\nPlease enter some comments describing your changes:\n[]> "),
             ("c", "\nAre you ready to discard all of your changes? [N]> "),
             ("N", "\n" + f.MAIN)]
    _t, result = run(pairs, scripts.commit("c"))
    assert result["ok"], result


@pytest.mark.parametrize("text", ["Unknown command: version", "Unknown command or missing feature key: version"])
def test_unknown_command_is_an_error(text):
    _t, result = run([("version", "\n%s\n" % text + f.MAIN)], scripts.version())
    assert result["error_kind"] == "device"
