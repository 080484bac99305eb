# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Terminal plugin for Cisco AsyncOS (ESA / Secure Email Gateway) CLI sessions."""

from __future__ import annotations

DOCUMENTATION = r"""
author: mailsec.cres contributors (@mailsec-cres)
name: asyncos
short_description: Terminal plugin for the Cisco AsyncOS (ESA) CLI over network_cli
description:
  - Prompt and error patterns of the Cisco AsyncOS (Secure Email Gateway / ESA) SSH CLI, for
    C(ansible_connection=ansible.netcommon.network_cli) with C(ansible_network_os=mailsec.cres.asyncos).
  - Prompts are anchored to the end of the received buffer; the pager C(-Press Any Key For More-)
    and PEM paste instructions count as prompts so every receive ends at something to answer.
  - Error patterns are anchored at the start of a line. The C(mailsec.cres.asyncos) cliconf plugin
    disables them while its dialog engine runs (it detects errors itself and backs the session out
    to the main prompt).
  - Right after the shell opens, the terminal is made very wide and tall (an SSH window change) so that
    the appliance does not wrap long lines, where the transport can send one. C(ssh_type=paramiko) can;
    C(ssh_type=libssh) cannot (ansible-pylibssh 1.4 has no window-change request) and keeps the 80x24
    terminal network_cli opens. Paging cannot be switched off on AsyncOS and is answered; lines the
    appliance wraps are joined again by the dialog engine, so both transports read the same text.
  - Each shell network_cli opens or closes is announced to the C(mailsec.cres.asyncos) cliconf plugin of
    the same connection. A new shell is a new CLI session (its uncommitted changes, caches and session id).
  - The strings come from C(plugins/module_utils/asyncos/dialect.py); see C(docs/asyncos-dialect.md).
version_added: 0.1.0
"""

import re

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.ansible.netcommon.plugins.plugin_utils.terminal_base import TerminalBase
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect


class TerminalModule(TerminalBase):
    # End-anchored bytes patterns, no MULTILINE: a word followed by "> " inside output
    # (for instance "ESMTP> " in XML) must never end a receive early.
    terminal_stdout_re = [
        re.compile(to_bytes(dialect.MAIN_PROMPT_CLUSTER_RE)),
        re.compile(to_bytes(dialect.MAIN_PROMPT_STANDALONE_RE)),
        re.compile(to_bytes(dialect.SUB_PROMPT_RE)),
        re.compile(to_bytes(dialect.PAGER_RE)),
        re.compile(to_bytes(dialect.PASTE_PROMPT_RE)),
    ]

    # Anchored at the start of a line.
    terminal_stderr_re = [re.compile(to_bytes(src), re.MULTILINE) for src in dialect.ERROR_RE_SOURCES]

    ansi_re = TerminalBase.ansi_re + [
        re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]"),  # other CSI sequences
    ]

    terminal_initial_prompt = None
    terminal_initial_answer = None

    def on_open_shell(self):
        # A new shell is a new CLI session: the cliconf keys its caches, its record of staged
        # changes and its session id on it. network_cli exposes its cliconf as the public
        # attribute ``cliconf``; a connection without one (a test double) lets the cliconf
        # notice the session at its first reply instead. The cliconf's hooks start with "_":
        # ansible-connection's JSON-RPC server serves every other cliconf method to modules.
        self._widen()
        self._announce("_cli_session_opened")

    def on_close_shell(self):
        # Nothing is sent: the session may already be gone, and anything typed here could
        # answer a question. Pending changes die with the session on the appliance.
        self._announce("_cli_session_closed")

    def _announce(self, hook):
        notify = getattr(getattr(self._connection, "cliconf", None), hook, None)
        if notify is not None:
            notify()

    def _widen(self):
        """Ask for a terminal wide enough that nothing wraps (an SSH window change).

        AsyncOS has no "terminal length 0": the pager is answered as a prompt. Real appliances
        wrap lines longer than the terminal width with CRLF, also inside the XML of showconfig.
        network_cli opens the shell with its transport's default PTY (80x24 with paramiko and
        with libssh) and has no option or hook for its size, so the window change goes to the
        channel it holds in the private attribute ``_ssh_shell`` - there is no public handle to
        it. paramiko's Channel has ``resize_pty``; ansible-pylibssh's Channel (1.4) has no
        window-change request at all (its ``request_pty_size`` asks for a new PTY and shell,
        which an open shell channel refuses), so on libssh the terminal stays 80x24. Either way
        the engine reads it right: it joins the lines wrapped at 80 columns until the appliance
        prints a longer one (the cliconf's ``_observe_width``) and answers every pager prompt.
        """
        shell = getattr(self._connection, "_ssh_shell", None)
        resize = getattr(shell, "resize_pty", None)
        if resize is None:
            return
        try:
            resize(width=dialect.TERMINAL_WIDTH, height=dialect.TERMINAL_HEIGHT)
        except Exception:  # pylint: disable=broad-except
            # an appliance that refuses the request keeps its size: the engine unwraps
            pass
