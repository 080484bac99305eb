"""One interactive CLI session: prompt, mode, the session-bound pending change set, dispatch."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from tests.simulator import model
from tests.simulator.terminal import Interrupted, SessionEnd, Terminal

if TYPE_CHECKING:
    from tests.simulator.server import ApplianceRuntime


class Session:
    def __init__(self, app: "ApplianceRuntime", term: Terminal, peer: str = "127.0.0.1"):
        self.app = app
        self.store = app.store
        self.term = term
        self.peer = peer
        self.machine = app.hostname
        self.mode = app.login_level()
        self.pending: dict[tuple[str, str], object] = {}
        self.changes: dict[str, list[str]] = {}

    # ------------------------------------------------------------ levels and pending state
    @property
    def clustered(self) -> bool:
        return self.store.cluster is not None

    def label(self, level: str) -> str:
        if not self.clustered:
            return self.machine
        return model.level_label(level, self.store.cluster_name)

    def prompt(self) -> str:
        if not self.clustered:
            return f"{self.machine}> "
        return f"({self.label(self.mode)})> "

    def get(self, level: str, section: str):
        if (level, section) in self.pending:
            return self.pending[(level, section)]
        return self.store.committed(level, section)

    def holds(self, level: str, section: str) -> bool:
        return self.get(level, section) is not None

    def holders(self, section: str) -> list[str]:
        """Levels holding section: those that apply to this machine first, then the others."""
        first = [lvl for lvl in self.store.precedence(self.mode_machine()) if self.holds(lvl, section)]
        others = ["cluster"] + [f"group:{g}" for g in self.store.groups()] + \
                 [f"machine:{m}" for m in self.store.machines()]
        return first + [lvl for lvl in others if lvl not in first and self.holds(lvl, section)]

    def mode_machine(self) -> str:
        return self.mode.split(":", 1)[1] if self.mode.startswith("machine:") else self.machine

    def effective(self, section: str):
        for lvl in self.store.precedence(self.machine):
            v = self.get(lvl, section)
            if v is not None:
                return v
        return None

    def effective_committed(self, section: str):
        """What the machine sees of ``section`` without this session's pending changes."""
        return self.store.effective_committed(self.machine, section)

    def working(self, level: str, section: str):
        """The object a command edits: this session's pending copy, or a private copy of committed."""
        if (level, section) in self.pending:
            return self.pending[(level, section)]
        return copy.deepcopy(self.store.committed(level, section))

    def mark(self, level: str, section: str, value, command: str) -> None:
        self.pending[(level, section)] = value
        cmds = self.changes.setdefault(self.label(level), [])
        if command not in cmds:
            cmds.append(command)

    def all_listener_sections(self) -> list[list]:
        out = []
        levels = set(self.store.levels) | {lvl for (lvl, _s) in self.pending}
        for lvl in sorted(levels):
            v = self.get(lvl, "listeners")
            if v:
                out.append(v)
        return out

    # ------------------------------------------------------------ main loop
    async def banner(self) -> None:
        a = self.app.cfg
        t = self.term
        await t.line(f"Last login: {time.strftime('%a %b %d %H:%M:%S %Y', time.gmtime())} from {self.peer}")
        await t.line("Copyright (c) 2001-2024, Cisco Systems, Inc. and/or Cisco affiliates.")
        await t.line(f"AsyncOS {a['version'].split('-')[0]} for Cisco {a['model']} build "
                     f"{a['version'].split('-')[-1]}")
        await t.line("")
        await t.line(f"Welcome to the {a['product']}")
        await t.line("")
        await t.line("NOTE: This session will expire if left idle for 30 minutes. Any uncommitted configuration "
                     "changes will be lost. Commit the configuration changes as soon as they are made.")

    async def run(self) -> None:
        from tests.simulator.commands import dispatch
        self.term.paging = False
        await self.banner()
        self.term.paging = True
        self.term.reset_page()
        while True:
            await self.term.write("\n" + self.prompt())
            try:
                line = await self.term.read_line()
            except Interrupted:
                continue
            words = line.strip().split()
            if not words:
                continue
            try:
                done = await dispatch(self, words[0], words[1:], line.strip())
            except Interrupted:
                continue
            self.app.flush_stats()
            if done:
                raise SessionEnd("exit")
