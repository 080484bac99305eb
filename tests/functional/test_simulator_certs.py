"""certconfig dialogs, listener certificate choice, and STARTTLS presenting the committed certificate."""

from __future__ import annotations

import hashlib
import re
import socket
import ssl
import xml.etree.ElementTree as ET

import pytest
from cryptography import x509

from tests.simulator.client import CLI
from tests.simulator.pki import make_chain

pytestmark = pytest.mark.usefixtures("sim_clean")
ESA1 = "esa1.example.com"
PASTE_Q = re.compile(r"\(end with '\.'\):\r\n$")
NOTHING_TO_COMMIT = "\r\nThere is no data to commit.\r\n"


@pytest.fixture
def texts(sim_settings):
    """The wordings of the session simulator's release profile (conftest_sim.RELEASE_TEXTS)."""
    return sim_settings["texts"]


@pytest.fixture(scope="module")
def chain():
    return make_chain("mail.example.com")


def to_certificate_menu(c: CLI) -> str:
    c.send("certconfig")
    c.expect_sub()
    return c.answer("CERTIFICATE")[1]


def paste_profile(c: CLI, texts: dict, name: str, cert: str, key: str, intermediates=(),
                  overwrite: bool | None = None, fqdn_check: str = "Y") -> str:
    """From the CERTIFICATE menu: PASTE; returns the text up to the next sub-prompt. After the
    intermediates, the release's Common Name question (none in 12.1) gets ``fqdn_check``."""
    c.answer("PASTE")
    if overwrite is None:
        c.send(name)
    else:
        kind, out = c.answer(name)
        assert out.endswith("\r\n" + texts["overwrite"].format(name=name))
        if not overwrite:
            return c.answer("N")[1]
        c.send("Y")
    c.expect(PASTE_Q)
    c.paste(cert)
    i, out = c.expect(PASTE_Q, re.compile(r"\[\]> $"))
    if i == 1:
        return out
    c.paste(key)
    kind, out = c.expect_any()
    if "Do you want to add an intermediate certificate?" not in out:
        return out
    for n, inter in enumerate(intermediates):
        c.send("Y")
        c.expect(PASTE_Q)
        c.paste(inter)
        kind, out = c.expect_any()
        if "another intermediate" not in out:
            return out
    kind, out = c.answer("N")
    if texts["fqdn_question"] is None:
        assert "Fully Qualified" not in out and "Choose the operation" in out
        return out
    assert out.endswith("\r\n" + texts["fqdn_question"])
    return c.answer(fqdn_check)[1]


def showconfig(c: CLI) -> ET.Element:
    c.send("showconfig")
    c.expect_sub()
    out = c.cmd("1")
    return ET.fromstring(out[out.index("<?xml"):out.index("</config>") + 9].replace("\r\n", "\n").encode("latin-1"))


def assign_certificate(c: CLI, texts: dict, profile: str, listener: str = "IncomingMail",
                       confirm_demo: str = "Y") -> str:
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    c.answer(listener)
    kind, out = c.answer("CERTIFICATE")
    assert "Choose the certificate:\r\n1. Demo\r\n" in out
    num = re.search(rf"^(\d+)\. {re.escape(profile)}\r?$", out, re.M).group(1)
    kind, out = c.answer(num)
    if profile == "Demo":
        assert out.endswith(texts["demo_question"])
        kind, out = c.answer(confirm_demo)
    c.back_to_main()
    return out


def listener_certificate(c: CLI, listener: str = "IncomingMail") -> str:
    """The certificate this session's listenerconfig shows for the listener (pending included)."""
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    _unused, out = c.answer(listener)
    c.back_to_main()
    return re.search(r"^Certificate: (\S+)\r?$", out, re.M).group(1)


# ---------------------------------------------------------------- certconfig
def test_certificate_list_and_menu(sim_cli):
    out = to_certificate_menu(sim_cli())
    assert "List of Certificates\r\nName        Common Name                        Issued By" in out
    assert re.search(r"Demo {8}Cisco Appliance Demo Certificate {3}Cisco Appliance Demo Certificate {3}Active  "
                     r"\d+ days", out)
    assert "- PASTE - Paste a certificate into the CLI\r\n" in out


def cert_profiles(root: ET.Element) -> dict:
    return {p.findtext("name"): p for p in root.find("certificates")}


def test_paste_with_intermediate_then_commit(sim_cli, chain, sim_dump, texts, sim_settings):
    before = sim_dump()
    c = sim_cli()
    to_certificate_menu(c)
    out = paste_profile(c, texts, "cres_cert", chain["leaf"], chain["key"], [chain["intermediate"]])
    assert "cres_cert   mail.example.com" in out                  # staged: in the certificate list
    c.back_to_main()
    assert "{'standalone': {'': {'certconfig': 'modified'}}}" in c.cmd("showchanges")
    # showconfig shows the uncommitted profile only with showconfig_pending
    assert ("cres_cert" in cert_profiles(showconfig(c))) is sim_settings["showconfig_pending"]
    assert sim_dump() == before
    assert "Changes committed:" in c.cmd("commit c Y")
    assert "cres_cert" in sim_dump()
    prof = cert_profiles(showconfig(c))["cres_cert"]
    assert prof.findtext("cert").strip() == chain["leaf"].strip()
    assert [e.text.strip() for e in prof.find("intermediate_certs")] == [chain["intermediate"].strip()]
    assert prof.findtext("key") == "*****"


def test_common_name_check_warns_about_a_short_name(sim_cli, texts):
    """The release's Common Name question (14.0+), answered Y for a leaf whose CN is no FQDN."""
    short = make_chain("mailhost")
    c = sim_cli()
    to_certificate_menu(c)
    out = paste_profile(c, texts, "short_cn", short["leaf"], short["key"])
    if texts["fqdn_question"] is None:                        # 12.1: not asked, no warning
        assert "Fully Qualified" not in out
    else:
        assert out.startswith("Y\r\nWarning: the Common Name mailhost is not in Fully Qualified Domain Name format.")
    assert "short_cn    mailhost" in out
    c.back_to_main()


def test_key_mismatch_is_refused(sim_cli, chain, sim_dump, texts):
    c = sim_cli()
    to_certificate_menu(c)
    out = paste_profile(c, texts, "bad", chain["leaf"], chain["other_key"])
    assert re.search(r"(^|\n)key does not sign certificate\r\n", out)
    assert "List of Certificates" in out and "bad " not in out.split("List of Certificates")[1]
    c.back_to_main()
    assert NOTHING_TO_COMMIT in c.cmd("commit")


def test_garbage_certificate_and_key(sim_cli, chain, texts):
    c = sim_cli()
    to_certificate_menu(c)
    out = paste_profile(c, texts, "bad", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
                        chain["key"])
    assert re.search(r"(^|\n)Invalid certificate\.\.\.discarding\r\n", out)
    out = paste_profile(c, texts, "bad", chain["leaf"],
                        "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----")
    assert re.search(r"(^|\n)Invalid private key \.\.\.discarding\r\n", out)
    out = paste_profile(c, texts, "bad", chain["leaf"], chain["key"], ["hello"])
    assert re.search(r"(^|\n)Invalid certificate\.\.\.discarding\r\n", out)
    c.back_to_main()
    assert "No changes have been made" in c.cmd("clearchanges")


def test_overwrite_question(sim_cli, chain, texts, sim_ctl):
    c = sim_cli()
    to_certificate_menu(c)
    paste_profile(c, texts, "p1", chain["leaf"], chain["key"])
    out = paste_profile(c, texts, "p1", chain["leaf"], chain["key"], overwrite=False)
    assert "List of Certificates" in out
    out = paste_profile(c, texts, "p1", chain["leaf"], chain["key"], [chain["intermediate"]], overwrite=True)
    assert out.count("p1 ") == 1
    _unused, out = c.answer("PRINT")
    assert "Name: p1\r\n" in out and out.split("Name: p1\r\n")[1].split("\r\n\r\n")[0].endswith(
        "Intermediate Certificates: 1")                            # the overwritten profile


def test_delete_profile_in_use_and_unused(sim_cli, chain, texts):
    c = sim_cli()
    to_certificate_menu(c)
    paste_profile(c, texts, "unused", chain["leaf"], chain["key"])
    _unused, out = c.answer("DELETE")
    assert "1. Demo\r\n2. unused\r\nEnter the number of the certificate profile you wish to delete.\r\n[]> " in out
    _unused, out = c.answer("1")
    assert "Certificate profile Demo is in use by listener(s): IncomingMail, OutgoingMail. Cannot delete." in out
    c.answer("DELETE")
    _unused, out = c.answer("unused")
    assert "You must enter a number from 1 to 2." in out
    # IAF-C14 delete(): the profile, then a confirmation ("you want to delete"); N keeps it
    _unused, out = c.answer("2")
    assert out.endswith("Are you sure you want to delete the certificate profile unused? [N]> ")
    _unused, out = c.answer("N")
    assert "unused      mail.example.com" in out.split("List of Certificates")[1]
    c.answer("DELETE")
    c.answer("2")
    _unused, out = c.answer("Y")
    assert "unused" not in out.split("List of Certificates")[1]
    _unused, out = c.answer("PRINT")
    assert "Listener IncomingMail: Demo" in out


def test_listener_certificate_choice_and_demo_question(sim_cli, chain, texts, sim_settings):
    c = sim_cli()
    to_certificate_menu(c)
    paste_profile(c, texts, "cres_cert", chain["leaf"], chain["key"])
    c.back_to_main()
    shown = "cres_cert" if sim_settings["showconfig_pending"] else "Demo"     # showconfig: pending or committed
    assign_certificate(c, texts, "cres_cert")
    assert listener_certificate(c) == "cres_cert"
    assert showconfig(c).find("listeners/listener").findtext("certificate") == shown
    assign_certificate(c, texts, "Demo", confirm_demo="N")           # N keeps the previous one
    assert listener_certificate(c) == "cres_cert"
    assert showconfig(c).find("listeners/listener").findtext("certificate") == shown
    assign_certificate(c, texts, "Demo", confirm_demo="Y")
    assert listener_certificate(c) == "Demo"
    assert showconfig(c).find("listeners/listener").findtext("certificate") == "Demo"


# ---------------------------------------------------------------- SMTP / STARTTLS
def smtp_probe(addr: str, port: int, ctx: ssl.SSLContext | None = None, sni: str = "mail.example.com"):
    """(banner, ehlo lines, peer cert DER or None)."""
    with socket.create_connection((addr, port), timeout=10) as sock:
        f = sock.makefile("rb")
        banner = f.readline().decode()
        sock.sendall(b"EHLO probe.example.org\r\n")
        ehlo = []
        while True:
            line = f.readline().decode()
            ehlo.append(line.strip())
            if line[3:4] != "-":
                break
        if ctx is None or not any(x.upper().endswith("STARTTLS") for x in ehlo):
            sock.sendall(b"QUIT\r\n")
            return banner, ehlo, None
        sock.sendall(b"STARTTLS\r\n")
        assert f.readline().startswith(b"220")
        with ctx.wrap_socket(sock, server_hostname=sni) as tls:
            der = tls.getpeercert(binary_form=True)
            tls.sendall(b"QUIT\r\n")
            return banner, ehlo, der


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_starttls_presents_demo_then_committed_certificate(sim, sim_cli, chain, texts):
    a = sim["appliances"][ESA1]
    banner, ehlo, der = smtp_probe(a["smtp_address"], a["smtp_port"], insecure())
    assert banner.startswith("220 mail.example.com ESMTP")
    assert "250-STARTTLS" in ehlo
    cert = x509.load_der_x509_certificate(der)
    assert "Cisco Appliance Demo Certificate" in cert.subject.rfc4514_string()

    c = sim_cli()
    to_certificate_menu(c)
    paste_profile(c, texts, "cres_cert", chain["leaf"], chain["key"], [chain["intermediate"]])
    c.back_to_main()
    assign_certificate(c, texts, "cres_cert")
    # pending: SMTP still presents Demo
    _unused, _unused, der = smtp_probe(a["smtp_address"], a["smtp_port"], insecure())
    assert "Cisco Appliance Demo Certificate" in x509.load_der_x509_certificate(der).subject.rfc4514_string()
    assert "Changes committed:" in c.cmd("commit tls Y")
    _unused, _unused, der = smtp_probe(a["smtp_address"], a["smtp_port"], insecure())
    leaf = x509.load_pem_x509_certificate(chain["leaf"].encode())
    assert hashlib.sha256(der).digest() == leaf.fingerprint(__import__("cryptography").hazmat.primitives.hashes.SHA256())
    # the intermediate is presented too: verification against the root alone succeeds
    ctx = ssl.create_default_context(cadata=chain["root"])
    _unused, _unused, der = smtp_probe(a["smtp_address"], a["smtp_port"], ctx, sni="mail.example.com")
    assert der is not None


def test_starttls_follows_the_policy_for_the_client(sim, sim_cli):
    a = sim["appliances"][ESA1]
    c = sim_cli()
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    c.answer("IncomingMail")
    c.answer("HOSTACCESS")
    c.answer("NEW")
    c.answer("2")
    c.answer("NOTLS")
    c.answer("1")
    kind, out = c.answer("Y")
    while "encrypted TLS" not in out:
        kind, out = c.answer("")
    c.answer("1")                                   # No
    while "Choose the operation" not in out:
        kind, out = c.answer("")
    c.answer("NEW")
    c.answer("1")
    c.answer("LOCAL")
    _unused, out = c.answer("127.0.0.0/8")
    num = re.search(r"^(\d+)\. Policy: NOTLS\r?$", out, re.M).group(1)
    _unused, out = c.answer(num)
    if out.endswith("Would you like to change the policy parameters? [N]> "):   # asked after a named policy too
        _unused, out = c.answer("N")
    assert out.endswith("Enter a comment for this sender group.\r\n[]> ")
    c.answer("")
    c.back_to_main()
    assert any("STARTTLS" in x for x in smtp_probe(a["smtp_address"], a["smtp_port"])[1])   # not committed yet
    c.cmd("commit x Y")
    assert not any("STARTTLS" in x for x in smtp_probe(a["smtp_address"], a["smtp_port"])[1])
