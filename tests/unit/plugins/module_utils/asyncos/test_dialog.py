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
    find_error,
    find_item,
    menu_items,
)
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos import replies as f
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos.fake import DROP, ScriptedTransport


def _hostaccess():
    return [
        ("listenerconfig", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q),
        ("IncomingMail", f.LISTENER_MENU),
        ("HOSTACCESS", f.HOSTACCESS),
    ]


def _backout_from_hostaccess():
    return [("", f.LISTENER_MENU), ("", f.LISTENERCONFIG), ("", f.MAIN)]


def run(pairs, script, **kwargs):
    transport = ScriptedTransport(pairs)
    result = DialogEngine(transport, **kwargs).run(script)
    return transport, result


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
    assert find_item(items, "Policy: CRES_TLS") == "8"
    assert find_item(items, "TCP Refuse") == "4"
    assert find_item(items, "Policy: NOPE") is None
    assert find_item(menu_items(f.CLUSTER_NOTICE), "Switch modes", "prefix") == "1"


def test_find_error_is_anchored_at_line_start():
    assert find_error("x\nValue must be an integer\n[]> ") == "Value must be an integer"
    assert find_error("The text says Value must be nothing\n[]> ") is None
    assert find_error('Listener "X" does not exist.\n[]> ') == 'Listener "X" does not exist.'


def test_create_sender_group_chooses_policy_by_text():
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU),
        ("1", f.SG_NAME_Q),
        ("CRES_TLS", f.HOSTS_Q),
        (".res.cisco.com, 208.90.57.0/26", f.BEHAVIOUR),
        ("8", f.SG_COMMENT_Q),
        ("CRES replies over TLS", f.HOSTACCESS),
    ] + _backout_from_hostaccess()
    script = scripts.create_sender_group("IncomingMail", "CRES_TLS", [".res.cisco.com", "208.90.57.0/26"],
                                         "CRES_TLS", "CRES replies over TLS")
    transport, result = run(pairs, script)
    assert result["ok"], result
    assert not transport.pairs
    assert result["prompt"] == "esa1.example.com> "


def test_menu_numbers_are_not_fixed():
    behaviour = f.BEHAVIOUR.replace("8. Policy: CRES_TLS", "8. Policy: OTHER").replace(
        "9. Policy: TRUSTED", "9. Policy: CRES_TLS")
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q), ("10.0.0.1", behaviour),
        ("9", f.SG_COMMENT_Q), ("", f.HOSTACCESS)] + _backout_from_hostaccess()
    _t, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "CRES_TLS"))
    assert result["ok"], result


def test_missing_menu_item_fails_and_backs_out_without_accepting_default():
    # "[1]> " behaviour list: backing out must not create the group with Accept silently;
    # the engine answers empty lines (contract: empty = up one level) until the main prompt.
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("1", f.SG_NAME_Q), ("G", f.HOSTS_Q), ("10.0.0.1", f.BEHAVIOUR),
        ("", f.HOSTACCESS)] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.create_sender_group("IncomingMail", "G", ["10.0.0.1"], "MISSING"))
    assert not result["ok"]
    assert result["error_kind"] == "menu"
    assert "Policy: MISSING" in result["error"]
    assert not transport.pairs and not transport.closed


def test_unknown_listener_error_backs_out_to_main():
    pairs = [
        ("listenerconfig", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q),
        ("Nope", 'Listener "Nope" does not exist.\n' + f.EDIT_Q),
        ("", f.LISTENERCONFIG),
        ("", f.MAIN),
    ]
    transport, result = run(pairs, scripts.move_sender_group("Nope", "A", "B"))
    assert result["error_kind"] == "device"
    assert result["error"] == 'Listener "Nope" does not exist.'
    assert not transport.pairs
    assert result["prompt"] == "esa1.example.com> "


def test_paste_one_line_per_send_and_secret_redaction():
    cert = "-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN PRIVATE KEY-----\nSECRETKEYLINE1\nSECRETKEYLINE2\n-----END PRIVATE KEY-----\n"
    pairs = [
        ("certconfig", f.CERTCONFIG),
        ("CERTIFICATE", f.CERT_MENU),
        ("PASTE", f.CERT_NAME_Q),
        ("cres_cert", f.PASTE_CERT),
        (".", f.PASTE_KEY),
        (".", f.ADD_INTER),
        ("N", f.CN_FQDN),
        ("Y", f.CERT_MENU),
        ("", f.CERTCONFIG),
        ("", f.MAIN),
    ]
    transport = ScriptedTransport(pairs)
    result = DialogEngine(transport, record=True).run(scripts.paste_certificate("cres_cert", cert, key))
    assert result["ok"], result
    assert transport.pasted == cert.strip().splitlines() + key.strip().splitlines()
    text = repr(result["transcript"]) + repr(result["tail"])
    assert "SECRETKEYLINE" not in text
    assert "AAAA" not in text


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


def test_existing_profile_without_overwrite_is_refused():
    pairs = [
        ("certconfig", f.CERTCONFIG), ("CERTIFICATE", f.CERT_MENU), ("PASTE", f.CERT_NAME_Q),
        ("c", "\nCertificate profile c already exists.\nDo you want to overwrite it? [N]> "),
        ("N", f.CERT_MENU), ("", f.CERTCONFIG), ("", f.MAIN),
    ]
    _t, result = run(pairs, scripts.paste_certificate("c", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
                                                      "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----"))
    assert not result["ok"]
    assert "already exists" in result["error"]


def test_pager_is_answered_and_pages_joined():
    xml_1 = '\n<?xml version="1.0"?>\n<config>\n  <a>1</a>\n-Press Any Key For More-'
    xml_2 = '<b>2</b>\n</config>\n' + f.MAIN
    pairs = [("showconfig", f.SHOWCONFIG_MENU), ("1", xml_1), ("", xml_2)]
    transport, result = run(pairs, scripts.showconfig())
    assert result["ok"], result
    out = result["captures"]["output"]
    assert "Press Any Key" not in out
    assert "<a>1</a>\n<b>2</b>" in out


def test_old_mask_question():
    pairs = [("showconfig", "\nDo you want to mask the passphrase? [Y]> "),
             ("Y", '\n<?xml version="1.0"?>\n<config/>\n</config>' + f.MAIN)]
    _t, result = run(pairs, scripts.showconfig())
    assert result["ok"], result


def test_cluster_notice_switch_modes():
    pairs = [
        ("listenerconfig", f.CLUSTER_NOTICE),
        ("1", f.LISTENERCONFIG),
        ("EDIT", f.EDIT_Q), ("IncomingMail", f.LISTENER_MENU), ("HOSTACCESS", f.HOSTACCESS),
        ("MOVE", "\nEnter the sender group number or name you wish to move.\n[]> "),
        ("A", "\nEnter the sender group number or name you wish to insert before.\n[]> "),
        ("B", f.HOSTACCESS),
        ("", f.LISTENER_MENU), ("", f.LISTENERCONFIG), ("", f.CLUSTER_PROMPT),
    ]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport).run(scripts.move_sender_group("IncomingMail", "A", "B"))
    assert result["ok"], result
    assert result["switched_level"] == "Cluster cluster1"
    assert result["prompt"] == "(Cluster cluster1)> "
    assert "2" not in transport.sent  # never "Start a new, empty configuration"


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


def test_cluster_yesno_variant_answers_no_then_retries_at_cluster_level():
    pairs = [
        ("certconfig", f.CLUSTER_NOTICE_YESNO),
        ("N", f.MACHINE_PROMPT),
        ("clustermode cluster", f.CLUSTER_PROMPT),
        ("certconfig", f.CERTCONFIG),
        ("CERTIFICATE", f.CERT_MENU),
        ("DELETE", "\n1. Demo\n2. old_cert\nEnter the number of the certificate profile you wish to delete.\n[]> "),
        ("2", f.CERT_MENU),
        ("", f.CERTCONFIG), ("", f.CLUSTER_PROMPT),
    ]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport).run(scripts.delete_certificate("old_cert"))
    assert result["ok"], result
    assert "Y" not in transport.sent


def test_cluster_yesno_variant_fail_mode():
    pairs = [("certconfig", f.CLUSTER_NOTICE_YESNO), ("N", f.MACHINE_PROMPT)]
    transport = ScriptedTransport(pairs, prompt="(Machine esa2.example.com)> ")
    result = DialogEngine(transport, on_unconfigured_mode="fail").run(scripts.delete_certificate("x"))
    assert result["error_kind"] == "cluster_mode"
    assert "Y" not in transport.sent


def test_value_error_in_parameters_backs_out_keeping_values():
    pq = "\nEnter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, or no letter " \
         "for bytes.  Enter \"default\" to use the default.\n[10M]> "
    pairs = _hostaccess() + [
        ("EDIT", "\n1. Edit Sender Group\n2. Edit Policy\n[1]> "),
        ("2", "\n1. ACCEPTED\n2. CRES_TLS\nEnter the policy number or name you wish to edit.\n[]> "),
        ("CRES_TLS", "\nChoose the operation you want to perform:\n- NAME - Change the name of this policy.\n"
                     "- POLICY - Change the policy settings and options.\n[]> "),
        ("POLICY", f.BEHAVIOUR.replace("[1]> ", "[1]> ")),
        ("", "\nWould you like to change the policy parameters? [N]> "),
        ("Y", pq),
        ("lots", "Value must be a number\n" + pq),
        ("", "\nWould you like to allow SMTP Authentication?\n1. No\n2. Preferred\n3. Required\n"
             "4. Use the default\n[1]> "),
        ("", f.HOSTACCESS),
    ] + _backout_from_hostaccess()
    transport, result = run(pairs, scripts.update_policy("IncomingMail", "CRES_TLS",
                                                         params={"max_message_size": "lots"}))
    assert result["error_kind"] == "device"
    assert result["error"].startswith("Value must be")
    assert not transport.pairs and not transport.closed


def test_unknown_questions_in_parameter_walk_are_kept_and_reported():
    tls_q = ("\nDo you want to allow encrypted TLS connections?\n1. No\n2. Preferred\n3. Required\n"
             "4. Preferred - Verify\n5. Required - Verify\n6. Use the default\n[1]> ")
    pairs = _hostaccess() + [
        ("NEW", f.NEW_MENU), ("2", "\nEnter a name for this policy.\n[]> "),
        ("P", "\nSelect a behavior for this entry.\n1. Accept\n2. Relay\n3. Reject\n4. TCP Refuse\n"
              "5. Continue\n[1]> "),
        ("1", "\nWould you like to change the policy parameters? [N]> "),
        ("Y", "\nWould you like to use SenderBase for flow control by default? [Y]> "),
        ("", tls_q),
        ("3", "\nWould you like to enable DKIM/DomainKeys signing? [N]> "),
        ("", f.HOSTACCESS),
    ] + _backout_from_hostaccess()
    _t, result = run(pairs, scripts.create_policy("IncomingMail", "P", params={"tls": "required"}))
    assert result["ok"], result
    assert len(result["unknown_questions"]) == 2


def test_demo_certificate_question_is_refused():
    tls_q = ("\nDo you want to allow encrypted TLS connections?\n1. No\n2. Preferred\n3. Required\n[1]> ")
    demo = ("\nYou may use the demo certificate to test TLS, but this will not be secure. Do you really wish "
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
    pairs = _hostaccess()[:2] + [("IncomingMail", DROP)]
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
    _t, result = run([("commit", "\nno data to commit.\n" + f.MAIN)], scripts.commit("x"))
    assert result["ok"] and "no data to commit." in result["captures"]["output"]


def test_unknown_command_is_an_error():
    _t, result = run([("version", "\nUnknown command: version\n" + f.MAIN)], scripts.version())
    assert result["error_kind"] == "device"
