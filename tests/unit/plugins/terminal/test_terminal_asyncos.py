# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prompt and error patterns of the terminal plugin."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.terminal.asyncos import TerminalModule


def _prompt(data):
    return any(r.search(data) for r in TerminalModule.terminal_stdout_re)


def _error(data):
    return any(r.search(data) for r in TerminalModule.terminal_stderr_re)


@pytest.mark.parametrize("data", [
    b"\r\nesa1.example.com> ", b"esa1> ", b"\n(Cluster cluster1)> ", b"\n(Machine esa2.example.com)> ",
    b"\n(Group Main_Group)> ", b"question\n[]> ", b"x [Y]> ", b"[10M]> ", b"text\n-Press Any Key For More-",
    b"Paste private key in PEM format (end with '.'):",
])
def test_prompts(data):
    assert _prompt(data)


@pytest.mark.parametrize("data", [
    b"<banner>220 mail ESMTP> </banner>\n<more>", b"220 mail.example.com ESMTP> \n", b"esa1> more output",
    b"[]> trailing", b"Enter the hosts to add.", b"line ESMTP> ",
])
def test_not_prompts(data):
    assert not _prompt(data)


def test_errors_anchored_at_line_start():
    assert _error(b"x\nUnknown command: foo\nesa1> ")
    assert _error(b"key does not sign certificate\n[]> ")
    assert not _error(b"the text Unknown command: inside a line")
