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
    the appliance does not wrap long lines; paging cannot be switched off on AsyncOS and is answered.
    Lines an appliance still wraps are joined again by the dialog engine.
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
        # AsyncOS has no "terminal length 0"; the pager is answered as a prompt instead. Real
        # appliances wrap lines longer than the terminal width with CRLF, also inside the XML of
        # showconfig: ask for a terminal wide enough that nothing wraps. network_cli opens the
        # shell with its transport's default size and offers no option for it, so the window
        # change goes to the channel it holds (_ssh_shell: paramiko's Channel.resize_pty; a
        # channel without it keeps its size and the engine unwraps).
        shell = getattr(self._connection, "_ssh_shell", None)
        resize = getattr(shell, "resize_pty", None)
        if resize is not None:
            try:
                resize(width=dialect.TERMINAL_WIDTH, height=dialect.TERMINAL_HEIGHT)
            except Exception:  # pylint: disable=broad-except
                pass

    def on_close_shell(self):
        # Nothing is sent: the session may already be gone, and anything typed here could
        # answer a question. Pending changes die with the session on the appliance.
        pass
