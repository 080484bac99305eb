# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction and the transcript file."""

from __future__ import annotations

import os
import stat

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.transcript import (
    TranscriptWriter,
    redact_entries,
    redact_text,
)

KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
CERT = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----"


def test_pem_bodies_and_secret_xml_are_redacted():
    text = "<key>%s</key>\n<cert>%s</cert>\n<passphrase>hunter2</passphrase>\npassword: hunter3" % (KEY, CERT)
    out = redact_text(text)
    for secret in ("MIIEvQ", "MIIDdz", "hunter2", "hunter3"):
        assert secret not in out
    assert "-----BEGIN CERTIFICATE-----" in out


def test_pem_cut_by_a_pager_stop_is_redacted():
    assert "MIIEvQ" not in redact_text("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg")


def test_writer(tmp_path):
    path = tmp_path / "sub" / "t.txt"
    TranscriptWriter(str(path)).write("x", [{"send": "hello", "recv": KEY}, {"send": "********", "recv": ""}])
    data = path.read_text()
    assert "MIIEvQ" not in data and ">>> \"hello\"" in data
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_plan_lines_never_hold_the_key():
    lines = scripts.plan_lines(scripts.paste_certificate("c", CERT, KEY, [CERT], overwrite=True))
    joined = "\n".join(lines)
    assert "MIIEvQ" not in joined and "MIIDdz" not in joined
    assert "<paste private key, 3 lines>" in joined
    assert lines[0] == "certconfig"


def test_redact_entries_keeps_structure():
    out = redact_entries([{"send": KEY, "recv": CERT, "note": "n"}])
    assert out[0]["note"] == "n" and "MIIEvQ" not in out[0]["send"]
