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


class _ParamikoLikeChannel:
    def __init__(self):
        self.sizes = []

    def resize_pty(self, width, height):
        self.sizes.append((width, height))


class _LibsshLikeChannel:
    """ansible-pylibssh 1.4's Channel: no window-change request."""

    def request_pty_size(self, terminal, col, row):
        raise AssertionError("asks for a new PTY and shell: never on an open shell")


class _Cliconf:
    def __init__(self):
        self.events = []

    def _cli_session_opened(self):
        self.events.append("opened")

    def _cli_session_closed(self):
        self.events.append("closed")


class _Connection:
    def __init__(self, channel, cliconf=None):
        self._ssh_shell = channel
        if cliconf is not None:
            self.cliconf = cliconf


def test_open_shell_widens_a_paramiko_channel_and_announces_the_session():
    from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect

    channel, cliconf = _ParamikoLikeChannel(), _Cliconf()
    terminal = TerminalModule(_Connection(channel, cliconf))
    terminal.on_open_shell()
    terminal.on_close_shell()
    assert channel.sizes == [(dialect.TERMINAL_WIDTH, dialect.TERMINAL_HEIGHT)]
    assert cliconf.events == ["opened", "closed"]


def test_open_shell_keeps_a_libssh_channel_at_its_size():
    cliconf = _Cliconf()
    TerminalModule(_Connection(_LibsshLikeChannel(), cliconf)).on_open_shell()
    assert cliconf.events == ["opened"]


def test_a_refused_window_change_and_a_connection_without_cliconf_are_not_errors():
    class Refusing:
        def resize_pty(self, width, height):
            raise EOFError("refused")

    TerminalModule(_Connection(Refusing())).on_open_shell()
    TerminalModule(_Connection(None)).on_close_shell()
