# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers: HAT grammar, showconfig XML, version, showchanges, commit outputs."""

from __future__ import annotations

import os

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import config
from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos.certs import chain

HERE = os.path.dirname(__file__)


def fixture(name):
    with open(os.path.join(HERE, "fixtures", name)) as handle:
        return handle.read()


def test_hat_contract_roundtrip():
    text = fixture("hat_contract.txt")
    hat = config.parse_hat(text)
    assert list(hat.policies) == ["BLOCKED", "TRUSTED", "ACCEPTED", "CRES_TLS"]
    assert hat.policy("CRES_TLS").params == {"tls": "required"}
    assert hat.policy("BLOCKED").behaviour == "reject"
    assert hat.group_names() == ["CRES_TLS", "BLOCKLIST"]
    cres = hat.sender_group("CRES_TLS")
    assert cres.senders == [".res.cisco.com", ".cres.iphmx.com", "208.90.57.0/26", "204.15.81.0/26"]
    assert cres.policy == "CRES_TLS" and cres.comment == "CRES replies over TLS"
    assert hat.default_policy == "ACCEPTED"
    assert hat.warnings == []
    assert hat.render() == text
    assert config.parse_hat(hat.render()).to_dict() == hat.to_dict()


def test_hat_odd_spacing_comments_tabs_crlf_and_lost_indentation():
    text = (
        "# a comment\r\n"
        "$P1   \r\n"
        "\tACCEPT{tls=\"preferred\"   max_message_size = '20M'}\r\n"
        "\r\n"
        "  # indented comment\r\n"
        "$P2\r\n"
        "REJECT {\r\n"
        "}\r\n"
        "G1 :\r\n"
        "10.0.0.1,10.0.0.2   .example.com\r\n"
        "   2001:db8::/32\r\n"
        "\t$P1\r\n"
        "G2:\r\n"
        "sbrs[-10.0:-3.0]\r\n"
        "$P2(no space comment)\r\n"
        "ALL\r\n"
        "$P1\r\n"
    )
    hat = config.parse_hat(text)
    assert hat.policy("P1").params == {"tls": "preferred", "max_message_size": "20M"}
    assert hat.policy("P2").behaviour == "reject" and hat.policy("P2").params == {}
    assert hat.sender_group("G1").senders == ["10.0.0.1", "10.0.0.2", ".example.com", "2001:db8::/32"]
    assert hat.sender_group("G1").policy == "P1"
    assert hat.sender_group("G2").comment == "no space comment"
    assert hat.default_policy == "P1"
    assert hat.warnings == []


def test_hat_inline_policy_and_one_line_definition_and_domain_like_keywords():
    text = "$X ACCEPT {tls = \"required\"}\nG:\n    accept.example.com\n    ACCEPT.example.net\n    REJECT {}\nALL\n    $X\n"
    hat = config.parse_hat(text)
    assert hat.policy("X").params == {"tls": "required"}
    group = hat.sender_group("G")
    assert group.senders == ["accept.example.com", "ACCEPT.example.net"]
    assert group.policy is None and group.inline_policy.behaviour == "reject"


def test_hat_reports_what_it_cannot_place():
    hat = config.parse_hat("garbage line\nG:\n  1.2.3.4\n")
    assert any("garbage" in w for w in hat.warnings)
    assert any("no policy" in w for w in hat.warnings)


@pytest.fixture(scope="module")
def pki():
    return chain()


def showconfig_output(pki):
    xml = fixture("showconfig.xml").replace("@DEMO@", pki["demo_pem"]).replace(
        "@LEAF@", pki["leaf_pem"]).replace("@INTER@", pki["ca_pem"])
    return "\nChoose the passphrase option:\n1. Mask\n[1]> 1\n" + xml + "\n\nesa1.example.com> "


VERSION = """
Current Version
===============
Product: Cisco C100V Secure Email Gateway Virtual
Model: C100V
Version: 15.0.0-104
Build Date: 2023-10-10
Install Date: 2024-01-15 10:00:00
Serial #: 4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F
"""


def test_build_config(pki):
    cfg = config.build_config(showconfig_output(pki), VERSION, prompt="\n(Machine esa2.example.com)> ")
    assert cfg.hostname == "esa1.example.com"
    assert (cfg.version, cfg.model, cfg.serial) == ("15.0.0-104", "C100V", "4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F")
    assert cfg.cluster.to_dict()["mode"] == "machine"
    assert cfg.cluster.name == "cluster1" and cfg.cluster.level == "Machine esa2.example.com"
    assert cfg.cluster.groups[0]["machines"] == ["esa1.example.com", "esa2.example.com"]
    inc = cfg.listener("IncomingMail")
    assert (inc.type, inc.interface, inc.ip, inc.port, inc.hostname) == (
        "public", "Data 1", "192.0.2.10", 25, "mail.example.com")
    assert inc.certificate == "cres_cert" and not inc.uses_demo_certificate
    assert inc.hat_defaults["tls"] == "off"
    assert inc.effective_policy("CRES_TLS")["tls"] == "required"
    assert inc.effective_policy("ACCEPTED")["tls"] == "off"
    assert inc.hat.group_names() == ["CRES_TLS"]
    out = cfg.listener("OutgoingMail")
    assert out.uses_demo_certificate and out.hat.default_policy == "RELAYED"
    cert = cfg.certificate("cres_cert")
    assert cert.fingerprint_sha256 == certlib.fingerprint_sha256(certlib.load_certificate(pki["leaf_pem"])) == cert.fingerprint
    assert cert.subject == "CN=mail.example.com" and cert.issuer == "CN=Test CA"
    assert cert.san == ["mail.example.com"] and cert.not_after == "2024-12-31T00:00:00Z"
    assert cert.intermediates == [certlib.fingerprint_sha256(certlib.load_certificate(pki["ca_pem"]))]
    assert cfg.certificate("Demo").is_demo
    assert cfg.listeners_using_certificate("Demo") == ["OutgoingMail"]
    data = cfg.to_dict()
    assert "BEGIN" not in repr(data)
    assert data["listeners"][0]["hat"]["sender_groups"][0]["name"] == "CRES_TLS"
    assert set(cfg.to_dict(["listeners"])) == {"hostname", "pending", "listeners"}


def test_standalone_prompt():
    assert config.parse_prompt("\nesa1.example.com> ") == ("standalone", None, None)
    assert config.parse_prompt("(Cluster c1)>") == ("cluster", "Cluster c1", "c1")
    assert config.parse_prompt("(Group Main_Group)> ") == ("group", "Group Main_Group", "Main_Group")


def test_incomplete_xml_is_an_error():
    with pytest.raises(config.ParseError):
        config.build_config('<?xml version="1.0"?>\n<config>\n<listeners>')
    with pytest.raises(config.ParseError):
        config.build_config('<?xml version="1.0"?>\n<config><a></config>')


def test_showchanges_commit_clearchanges():
    assert config.parse_showchanges("{}\nesa1> ") is False
    assert config.parse_showchanges("{'Cluster cluster1': ['listenerconfig']}") is True
    assert config.parse_showchanges("{'standalone': {'': {'listenerconfig': 'modified'}}}") is True
    assert config.parse_commit("There is no data to commit.") == config.NOTHING_TO_COMMIT
    assert config.parse_commit("no data to commit.") == config.NOTHING_TO_COMMIT
    assert config.parse_commit("Changes committed: Mon") == config.COMMITTED
    assert config.parse_commit("Something else happened") is None
    assert config.parse_clearchanges("No changes have been made") is False
    assert config.parse_clearchanges("Changes cleared: Mon") is True


def test_extract_hat_print():
    out = "\n$A\n    ACCEPT {}\n\nALL\n    $A\n\nDefault Policy Parameters\n=====\n[]> "
    assert config.parse_hat(config.extract_hat_print(out)).default_policy == "A"


def test_staged_changes_are_laid_over_what_showconfig_printed():
    xml = ('<?xml version="1.0"?><config><listeners><listener><listener_name>L</listener_name>'
           '<certificate>Demo</certificate><hat>ALL\n    $A\n</hat></listener></listeners></config>')
    staged = {"hat": {"L": "$P\n    ACCEPT {\n        tls = \"required\"\n    }\n\nALL\n    $A\n"},
              "listener_certificates": {"L": "cres"}, "certificates": {"gone": None}}
    cfg = config.build_config(xml, staged=staged)
    listener = cfg.listener("L")
    assert listener.certificate == "cres"
    assert listener.hat.policy("P").params == {"tls": "required"}
