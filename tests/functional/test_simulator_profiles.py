"""Release profiles of the simulator (12.1, 14.0, 16.0) on a terminal fixed at 80x24.

One simulator per profile (module-scoped ``sim``, so the fixtures of conftest_sim and
conftest_device use it), driven over real SSH with tests.simulator.client.CLI and with the
collection's dialog engine (conftest_device.open_engine: the cliconf's own transport on a
network_cli emulation). Checked per release, against the public record
(conftest_sim.RELEASE_TEXTS): the Common Name question after a paste (none in 12.1), the
overwrite wordings, the passphrase menu, the unknown-command text, the 14.0+ filter questions of
the policy parameter sequence; on every release: lines longer than 80 columns wrapped with CRLF
(also inside the showconfig XML), the pager erased after its key, the engine reading the whole
configuration and completing the role's dialogs, and showconfig with or without this session's
uncommitted changes (variant showconfig_pending).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import config as cfg
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.model import certificate_from_pem
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.staged import StagedChanges
from tests.functional.conftest_device import read_config
from tests.functional.conftest_sim import FILTER_QUESTIONS
from tests.harness import sim as sim_service
from tests.simulator.client import MAIN_RE, PAGER, PAGER_ERASE
from tests.simulator.pki import make_chain

PROFILES = ("12.1", "14.0", "16.0")
WIDTH, HEIGHT = 80, 24
ESA1 = "esa1.example.com"
# Its HAT line ("    $ACCEPTED (...)") takes three rows of the terminal in the XML.
LONG_COMMENT = ("CRES replies arrive over verified TLS from the Cisco Secure Email Encryption Service senders, "
                "never as encrypted envelopes that the recipient has to open")
CRES_SENDERS = [".res.cisco.com", ".cres.iphmx.com", "208.90.57.0/26", "204.15.81.0/26"]

pytestmark = pytest.mark.usefixtures("sim_clean")


@pytest.fixture(scope="module", params=PROFILES)
def sim(request, tmp_path_factory):
    """A simulator of one release profile whose terminal is fixed at 80x24 (it ignores the
    client's PTY size, as an appliance that ignores window changes)."""
    run_dir = tmp_path_factory.mktemp("sim-%s" % request.param)
    info = sim_service.start(run_dir, settings={"profile": request.param, "showconfig_pending": True,
                                                "terminal_width": WIDTH, "terminal_height": HEIGHT})
    info["run_dir"] = str(run_dir)
    try:
        yield info
    finally:
        sim_service.stop(run_dir)


@pytest.fixture
def texts(sim_settings):
    return sim_settings["texts"]


@pytest.fixture(scope="module")
def chain():
    return make_chain("mail.example.com")


# ---------------------------------------------------------------- terminal helpers
def wrapped(text: str, width: int = WIDTH) -> str:
    """``text`` (lines separated by CRLF) as a terminal of ``width`` columns receives it: CRLF
    after every ``width`` characters of a longer line."""
    out = []
    for line in text.split("\r\n"):
        out.append("\r\n".join(line[i:i + width] for i in range(0, len(line), width)) if line else "")
    return "\r\n".join(out)


def screen_lines(raw: str, width: int = WIDTH) -> list[str]:
    """The lines the appliance meant: rows (never wider than the terminal) of exactly ``width``
    characters continue on the next row. The texts read here have no line of exactly 80."""
    rows = raw.split("\r\n")
    assert all(len(r) <= width for r in rows), [r for r in rows if len(r) > width]
    out, pending = [], ""
    for row in rows:
        if len(row) == width:
            pending += row
            continue
        out.append(pending + row)
        pending = ""
    return out + ([pending] if pending else [])


def unwrapped(raw: str) -> str:
    return "\r\n".join(screen_lines(raw))


def question_of(raw: str) -> str:
    """The question a block asks: the line before a list / "[x]> " prompt, or the yes/no line."""
    lines = [line for line in screen_lines(raw) if line.strip()]
    last = lines[-1]
    if re.fullmatch(r"\[[^\]]*\]> ", last):
        rest = [line for line in lines[:-1] if not re.match(r"\d+\. ", line)]
        return rest[-1]
    return re.sub(r" \[[YN]\]> $", "", last)


def to_hostaccess(c, listener="IncomingMail"):
    c.send("listenerconfig")
    c.expect_sub()
    c.answer("EDIT")
    c.answer(listener)
    return c.answer("HOSTACCESS")[1]


def commit_long_comment_group(sim_cli):
    """A sender group whose HAT line is wider than the terminal, committed over the CLI."""
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("1")
    c.answer("CRES_SENDERS")
    _unused, out = c.answer(", ".join(CRES_SENDERS))
    num = re.search(r"^(\d+)\. Policy: ACCEPTED\r?$", unwrapped(out), re.M).group(1)
    _unused, out = c.answer(num)
    if "change the policy parameters" in out:
        c.answer("N")
    c.answer(LONG_COMMENT)
    c.back_to_main()
    assert "Changes committed:" in c.cmd('commit "long comment" Y')
    return c


def statuses(result) -> dict:
    return {s["step"]: s["status"] for s in result["steps"]}


# ---------------------------------------------------------------- per-release wordings
def test_version_and_unknown_command(sim_cli, sim_settings, texts):
    c = sim_cli()
    assert f"\r\nVersion: {texts['version']}\r\n" in c.cmd("version")
    out = c.cmd("frobnicate now")
    unknown = texts["unknown_command"].format(name="frobnicate")
    assert out == "frobnicate now\r\n" + unknown + "\r\n\r\nesa1.example.com> "
    assert ("Unknown command or missing feature key: frobnicate" in out) is (sim_settings["profile"] == "16.0")


def test_passphrase_menu(sim_cli, sim_settings, texts):
    c = sim_cli()
    c.send("showconfig")
    raw = c.expect_sub()
    items = texts["passphrase_items"]
    assert len(items) == (3 if sim_settings["profile"] == "12.1" else 2)
    # item 1 is 92 characters: wrapped at 80 with CRLF
    assert raw.endswith("Choose the passphrase option:\r\n"
                        + "".join(wrapped(f"{i}. {t}") + "\r\n" for i, t in enumerate(items, 1)) + "[1]> ")
    assert "using loadco\r\nnfig command)" in raw
    _unused, out = c.answer(str(len(items) + 1))
    assert f"Value must be an integer from 1 to {len(items)}." in out
    c.back_to_main()


def _paste(c, name, chain, intermediates=()) -> str:
    """From the CERTIFICATE menu, PASTE a profile (no existing one); the text after the last
    "add an intermediate?" answer."""
    c.answer("PASTE")
    c.send(name)
    c.expect(re.compile(r"\(end with '\.'\):\r\n$"))
    c.paste(chain["leaf"])
    c.expect(re.compile(r"\(end with '\.'\):\r\n$"))
    c.paste(chain["key"])
    _unused, out = c.expect_any()
    for pem in intermediates:
        assert out.endswith("Do you want to add an intermediate certificate? [N]> ") or "another" in out
        c.send("Y")
        c.expect(re.compile(r"\(end with '\.'\):\r\n$"))
        c.paste(pem)
        _unused, out = c.expect_any()
    return c.answer("N")[1]


def test_paste_common_name_question_and_overwrite(sim_cli, sim_settings, texts, chain):
    c = sim_cli()
    c.send("certconfig")
    c.expect_sub()
    c.answer("CERTIFICATE")
    out = _paste(c, "p1", chain, [chain["intermediate"]])
    if sim_settings["profile"] == "12.1":          # IAF-C12: no Common Name question
        assert texts["fqdn_question"] is None
        assert "Fully Qualified" not in out and "Choose the operation" in out
    else:                                          # the release's wording, default [N]
        assert out.endswith("\r\n" + wrapped(texts["fqdn_question"]))
        assert ("SAN:dNSName" in texts["fqdn_question"]) is (sim_settings["profile"] == "16.0")
        _unused, out = c.answer("")                # the bracket's default: no check, no warning
        assert "Warning" not in out and "Choose the operation" in out
    assert re.search(r"^p1 +mail\.example\.com ", unwrapped(out), re.M)
    # the existing profile: 12.1 / 14.0 a notice then the question, 16.0 one line with the name quoted
    c.answer("PASTE")
    _unused, out = c.answer("p1")
    assert out.endswith("\r\n" + wrapped(texts["overwrite"].format(name="p1")))
    assert ('"p1" already exists. Do you want to overwrite with this new one?' in unwrapped(out)) is \
        (sim_settings["profile"] == "16.0")
    _unused, out = c.answer("N")
    assert len(re.findall(r"^p1 ", unwrapped(out), re.M)) == 1
    c.back_to_main()


def test_engine_paste_on_each_release(engine_session, texts, chain, sim_dump):
    before = sim_dump(ESA1)
    engine, _conn = engine_session(ESA1)
    first = engine.run(scripts.paste_certificate("p1", chain["leaf"], chain["key"], [chain["intermediate"]]))
    assert first["ok"], (first["error"], first["tail"])
    assert not first["unknown_questions"]
    assert statuses(first)[dialect.CN_FQDN_Q.name] == ("absent" if texts["fqdn_question"] is None else "matched")
    assert "p1" in cfg.listing_names(first["captures"]["listing_after"])        # staged: in the list
    refused = engine.run(scripts.paste_certificate("p1", chain["leaf"], chain["key"]))
    assert not refused["ok"] and refused["error_kind"] == "refused" and "already exists" in refused["error"]
    again = engine.run(scripts.paste_certificate("p1", chain["leaf"], chain["key"], overwrite=True))
    assert again["ok"], (again["error"], again["tail"])
    assert statuses(again)[dialect.CERT_OVERWRITE_Q.name] == "matched"
    assert engine.run(scripts.clearchanges())["ok"]
    assert sim_dump(ESA1) == before


# IAF-L12 _edit_hat_params order (the simulator's wordings); FILTER_QUESTIONS come after anti-virus on 14.0+.
SEQUENCE_HEAD = [
    "Enter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, or no letter for bytes.  "
    'Enter "default" to use the default.',
    'Enter the maximum number of concurrent connections allowed from a single IP address.  Enter "default" to use '
    "the default.",
    'Enter the maximum number of messages per connection.  Enter "default" to use the default.',
    'Enter the maximum number of recipients per message.  Enter "default" to use the default.',
    "Do you want to override the hostname in the SMTP banner?",
    "Would you like to specify a custom SMTP response?",
    "Would you like to specify a custom SMTP acceptance response?",
    "Do you want to enable Directory Harvest Attack Prevention per host?",
    "Do you want to enable rate limiting per host?",
    'Enter the maximum number of recipients per hour from a remote host.  Enter "default" to use the default.',
    "Would you like to specify a custom SMTP limit exceeded response?",
    "Do you want to enable rate limiting per envelope sender?",
    "Would you like to use SenderBase for flow control by default?",
    "Would you like to group hosts by the similarity of their IP addresses?",
    "Will this IronPort applicance need to fetch the incoming address (for SenderBase) from a trusted relay's header?",
    "Would you like to enable anti-spam scanning?",
    "Would you like to enable anti-virus scanning?",
]
SEQUENCE_TAIL = [
    "Do you want to allow encrypted TLS connections?",
    "You may use the demo certificate to test TLS",     # (prefix) the listener uses Demo
    "Do you want to allow SMTP authentication?",
    "Require TLS to offer SMTP authentication?",
    "Would you like to enable DKIM/DomainKeys signing?",
    "Would you like to enable S/MIME Public Key Harvesting?",
    "Would you like to enable S/MIME gateway decryption/verification?",
    "Would you like to enable DKIM verification?",
    "Would you like to change SPF/SIDF settings?",
    "Would you like to enable DMARC verification?",
    "Would you like to enable envelope sender verification?",
    "Would you like to enable use of the domain exception table?",
    "Would you like to accept untagged bounces?",
]
ANSWERS = {"Do you want to enable rate limiting per host?": "Y",
           "Enter the maximum number of recipients per hour": "100",
           "Do you want to allow encrypted TLS connections?": "3",
           "You may use the demo certificate": "Y",
           "Do you want to allow SMTP authentication?": "2",
           "Require TLS to offer SMTP authentication?": "Y"}


def test_policy_parameter_sequence(sim_cli, texts):
    c = sim_cli()
    to_hostaccess(c)
    c.answer("NEW")
    c.answer("2")
    c.answer("SEQ")
    _unused, out = c.answer("1")
    assert out.endswith("Would you like to change the policy parameters? [N]> ")
    _unused, out = c.answer("Y")
    asked = []
    for _unused in range(80):
        if "Choose the operation" in out:
            break
        question = question_of(out)
        asked.append(question)
        answer = next((a for prefix, a in ANSWERS.items() if question.startswith(prefix)), "")
        _unused, out = c.answer(answer)
    filters = list(FILTER_QUESTIONS) if texts["filters_questions"] else []
    expected = SEQUENCE_HEAD + filters + SEQUENCE_TAIL
    assert len(asked) == len(expected), asked
    for got, want in zip(asked, expected):
        assert got.startswith(want), (got, want)
    assert asked[expected.index(SEQUENCE_TAIL[1])] == texts["demo_question"][:-len(" [N]> ")]
    _unused, out = c.answer("PRINT")
    assert '$SEQ\r\n    ACCEPT {\r\n        max_rcpts_per_hour = "100"\r\n        tls = "required"\r\n' \
           '        smtpauth_allow = "preferred"\r\n        smtpauth_requiretls = "on"\r\n    }' in unwrapped(out)
    c.back_to_main()


# ---------------------------------------------------------------- 80x24: wrapping and the pager
def test_wrapping_and_pager_erase_in_showconfig(sim_cli, sim_ctl):
    commit_long_comment_group(sim_cli)
    c = sim_cli(auto_page=False)
    c.send("showconfig")
    c.expect_sub()
    c.send("1")
    chunks = []
    for _unused in range(200):
        i, out = c.expect(re.compile(re.escape(PAGER) + "$"), MAIN_RE)
        chunks.append(out)
        if i == 1:
            break
        c.chan.send(" ")                                   # any key
    assert len(chunks) > 3
    pages = []
    for n, chunk in enumerate(chunks):
        if n:
            # after the key: CR, spaces over the pager text, CR - then the output goes on
            assert chunk.startswith(PAGER_ERASE), repr(chunk[:40])
            chunk = chunk[len(PAGER_ERASE):]
        else:
            assert chunk.startswith("1\r\n")
            chunk = chunk[len("1\r\n"):]
        if n < len(chunks) - 1:
            assert chunk.endswith("\r\n" + PAGER)               # the pager at the start of a row
            chunk = chunk[:-len(PAGER)]
            rows = chunk.split("\r\n")[:-1]
            continued = sum(1 for r in rows if len(r) == WIDTH)
            # a screen of 24 rows: 23 rows of output (a wrapped line is paged at its end)
            assert HEIGHT - 1 <= len(rows) <= HEIGHT - 1 + continued, len(rows)
        pages.append(chunk)
    text = "".join(pages)
    rows = text.split("\r\n")
    assert max(len(r) for r in rows) == WIDTH
    hat_line = f"    $ACCEPTED ({LONG_COMMENT})"
    assert len(hat_line) > 2 * WIDTH and len(hat_line) % WIDTH
    assert "\r\n" + wrapped(hat_line) + "\r\n" in text                 # wrapped inside the XML
    body = unwrapped(text)
    xml = body[body.index("<?xml"):body.index("</config>") + len("</config>")]
    root = ET.fromstring(xml.replace("\r\n", "\n").encode("iso-8859-1"))
    hat = root.find("listeners/listener").findtext("hat")
    assert "CRES_SENDERS:\n    " + "\n    ".join(CRES_SENDERS) + "\n" + hat_line + "\n" in hat


def _comparable_dump(dump: dict) -> dict:
    """The simulator's committed state (dump) in the collection's model terms."""
    listeners = {}
    for L in dump["listeners"]:
        hat = L["hat"]
        listeners[L["name"]] = {
            "type": L["type"], "port": str(L["port"]), "certificate": L["certificate"],
            "hat_defaults": dict(L["hat_defaults"]),
            "policies": {p["name"]: (p["behavior"].lower(), p["params"]) for p in hat["policies"]},
            "sender_groups": [(g["name"], g["senders"], g["policy"], g["comment"]) for g in hat["sender_groups"]],
            "default_policy": hat["default_policy"],
        }
    certificates = {p["name"]: certificate_from_pem(p["name"], p["cert"], p["intermediates"]).to_dict()
                    for p in dump["certificates"]}
    return {"listeners": listeners, "certificates": certificates}


def _comparable_config(config) -> dict:
    listeners = {}
    for L in config.listeners.values():
        listeners[L.name] = {
            "type": L.type, "port": str(L.port), "certificate": L.certificate,
            "hat_defaults": dict(L.hat_defaults),
            "policies": {p.name: (p.behaviour, p.params) for p in L.hat.policies.values()},
            "sender_groups": [(g.name, g.senders, g.policy, g.comment) for g in L.hat.sender_groups],
            "default_policy": L.hat.default_policy,
        }
    return {"listeners": listeners, "certificates": {c.name: c.to_dict() for c in config.certificates.values()}}


def test_engine_reads_the_whole_showconfig_at_80x24(sim_cli, engine_session, sim_dump, chain):
    c = commit_long_comment_group(sim_cli)
    c.send("certconfig")                              # a profile with an intermediate: more PEM in the XML
    c.expect_sub()
    c.answer("CERTIFICATE")
    out = _paste(c, "cres_cert", chain, [chain["intermediate"]])
    if "Fully Qualified" in out:
        c.answer("")
    c.back_to_main()
    assert "Changes committed:" in c.cmd('commit "cert" Y')
    engine, _conn = engine_session(ESA1)
    config = read_config(engine)
    assert config.hostname == ESA1 and not config.warnings
    assert _comparable_config(config) == _comparable_dump(json.loads(sim_dump(ESA1)))
    assert config.listener("IncomingMail").hat.sender_group("CRES_SENDERS").comment == LONG_COMMENT
    assert config.certificate("cres_cert").intermediates


def test_engine_role_dialogs_and_commit_at_80x24(engine_session, sim_dump, texts):
    before = sim_dump(ESA1)
    engine, _conn = engine_session(ESA1)
    params = {"tls": "required", "max_rcpts_per_hour": "100", "smtpauth_allow": "preferred",
              "smtpauth_requiretls": "on"}
    results = {}
    for script in (scripts.create_policy("IncomingMail", "CRES_TLS", "accept", params, allow_demo=True),
                   scripts.create_sender_group("IncomingMail", "CRES_SENDERS", CRES_SENDERS, "CRES_TLS",
                                               LONG_COMMENT)):
        result = engine.run(script)
        assert result["ok"], (script["name"], result["error"], result["tail"])
        assert not result["unknown_questions"], result["unknown_questions"]
        assert "differed" not in statuses(result).values(), result["steps"]
        results[script["name"]] = result
    walked = statuses(results["create_policy"])
    # the rate-limiting gate before recipients per hour, SMTP authentication and its Require-TLS question
    for step in ("param.rate_limit", "param.max_rcpts_per_hour", "param.tls", "param.smtpauth_allow",
                 "param.smtpauth_requiretls", dialect.DEMO_CERT_Q.name):
        assert step in walked, (step, results["create_policy"]["steps"])
    assert ("param.sdr" in walked and "param.message_filters" in walked) is texts["filters_questions"]
    assert statuses(results["create_sender_group"])[dialect.CHANGE_PARAMS_Q.name] == "matched"
    printed = cfg.parse_hat(cfg.extract_hat_print(results["create_sender_group"]["captures"]["hat_print"]))
    assert printed.policy("CRES_TLS").params == params
    assert printed.sender_group("CRES_SENDERS").comment == LONG_COMMENT
    assert sim_dump(ESA1) == before
    commit = engine.run(scripts.commit("CRES over TLS"))
    assert commit["ok"] and cfg.parse_commit(commit["captures"]["output"]) == cfg.COMMITTED, commit["tail"]
    inc = read_config(engine).listener("IncomingMail")
    assert inc.hat.policy("CRES_TLS").params == params
    group = inc.hat.sender_group("CRES_SENDERS")
    assert (group.senders, group.policy, group.comment) == (CRES_SENDERS, "CRES_TLS", LONG_COMMENT)
    again = engine.run(scripts.commit("nothing"))
    assert again["ok"] and cfg.parse_commit(again["captures"]["output"]) == cfg.NOTHING_TO_COMMIT


def test_engine_reads_a_hat_line_of_exactly_80_columns(engine_session):
    host = "." + "a" * 40 + "." + "b" * 22 + ".example.com"
    assert len("    " + host) == WIDTH
    engine, _conn = engine_session(ESA1)
    result = engine.run(scripts.create_sender_group("IncomingMail", "WIDE", ["10.0.0.1", host], "ACCEPTED"))
    assert result["ok"], (result["error"], result["tail"])
    group = cfg.parse_hat(cfg.extract_hat_print(result["captures"]["hat_print"])).sender_group("WIDE")
    assert (group.senders, group.policy) == (["10.0.0.1", host], "ACCEPTED")


# ---------------------------------------------------------------- pending versus committed
@pytest.mark.parametrize("pending", [False, True])
def test_showconfig_pending_or_committed(sim_ctl, sim_cli, engine_session, sim_dump, pending):
    sim_ctl.set(ESA1, showconfig_pending=pending)
    before = sim_dump(ESA1)
    engine, _conn = engine_session(ESA1)
    staged = StagedChanges()
    script = scripts.create_policy("IncomingMail", "STAGED_ONLY")
    result = engine.run(script)
    assert result["ok"], (result["error"], result["tail"])
    staged.record(script["stage"], result["captures"])
    # showconfig shows this session's uncommitted change only when the variant says so ...
    assert (read_config(engine).listener("IncomingMail").hat.policy("STAGED_ONLY") is not None) is pending
    # ... the session's staged record (the dialog's own PRINT) shows it either way
    assert read_config(engine, staged).listener("IncomingMail").hat.policy("STAGED_ONLY") is not None
    # another session never sees it
    other = sim_cli()
    other.send("showconfig")
    other.expect_sub()
    assert "$STAGED_ONLY" not in other.cmd("1")
    assert engine.run(scripts.clearchanges())["ok"]
    assert read_config(engine).listener("IncomingMail").hat.policy("STAGED_ONLY") is None
    assert sim_dump(ESA1) == before
