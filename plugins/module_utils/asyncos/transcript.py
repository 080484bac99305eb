# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction, and the opt-in transcript of the CLI conversation.

Redaction happens where the conversation is recorded (inside the persistent connection):
answers marked secret are replaced before they are stored; every received text goes
through ``redact_text`` (PEM bodies, private keys, secret XML elements, passphrases).
``TranscriptWriter`` appends the already-redacted entries to the file the user named,
redacting once more on the way out (defence in depth).
"""

from __future__ import annotations

import datetime
import json
import os
import re

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect

REDACTED = "********"
PEM_REDACTED = "[PEM body redacted]"

_PEM_RE = re.compile(r"(-----BEGIN ([A-Z0-9 ]+)-----)(.*?)(-----END \2-----)", re.DOTALL)
_PEM_OPEN_RE = re.compile(r"(-----BEGIN ([A-Z0-9 ]+)-----)(?:(?!-----END ).)*\Z", re.DOTALL)
_SECRET_XML_RE = re.compile(
    r"(<(%s)(?:\s[^>]*)?>)(.*?)(</\2>)" % "|".join(re.escape(t) for t in dialect.XML_SECRET_ELEMENTS),
    re.DOTALL | re.IGNORECASE)
_SECRET_WORDS_RE = re.compile(r"((?:passphrase|password|secret)\s*[:=]\s*)(\S+)", re.IGNORECASE)


def redact_text(text):
    """Remove PEM bodies (certificates too), secret XML element texts and
    ``password: X``-like values from ``text``."""
    if not text:
        return text
    text = _PEM_RE.sub(lambda m: "%s\n%s\n%s" % (m.group(1), PEM_REDACTED, m.group(4)), text)
    # a PEM block cut by the end of the text (e.g. a pager stop)
    text = _PEM_OPEN_RE.sub(lambda m: "%s\n%s\n" % (m.group(1), PEM_REDACTED), text)
    text = _SECRET_XML_RE.sub(lambda m: "%s%s%s" % (m.group(1), REDACTED, m.group(4)), text)
    text = _SECRET_WORDS_RE.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_entries(entries):
    out = []
    for entry in entries or []:
        item = dict(entry)
        for key in ("send", "recv"):
            if item.get(key):
                item[key] = redact_text(item[key])
        out.append(item)
    return out


class TranscriptWriter:
    """Appends redacted dialog transcripts to ``path`` (created with mode 0600)."""

    def __init__(self, path):
        self.path = path

    def write(self, name, entries):
        entries = redact_entries(entries)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines = ["### %s dialog %s" % (stamp, name)]
        for entry in entries:
            if "send" in entry:
                lines.append(">>> " + json.dumps(entry["send"]))
            if entry.get("recv"):
                lines.append(entry["recv"])
            if entry.get("note"):
                lines.append("# " + entry["note"])
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.write("\n".join(lines) + "\n\n")
