"""The dialog framework: line input (CR / LF / CRLF, echo), paged and wrapped output, prompts, menus.

One Terminal per interactive session. Output is buffered and sent when the session waits for
input (one "reply"), so a configured delay applies once per reply. Every line (or pager key)
consumed is one *step*: the on_step callback may raise Dropped (fault injection).

Like a real appliance on a terminal of ``width`` columns: a line longer than the width is
wrapped by writing CRLF after every ``width`` characters (a line of exactly ``width``
characters is not), the pager counts screen rows, and after the pager key the pager text is
erased with CR, spaces, CR.
"""

from __future__ import annotations

import asyncio
from typing import Callable

PAGER = "-Press Any Key For More-"
MAX_LINE = 65536


class SessionEnd(Exception):
    """The session ends (EOF, idle timeout, exit)."""


class IdleTimeout(SessionEnd):
    pass


class Dropped(Exception):
    """Fault injection: drop the connection now."""


class Interrupted(Exception):
    """Ctrl-C: abandon the command, back to the main prompt."""


class Terminal:
    def __init__(self, send: Callable[[str], None], *, page_lines: Callable[[], int],
                 idle_timeout: Callable[[], float], delay: Callable[[], float],
                 on_step: Callable[[], None], width: Callable[[], int | None] = lambda: None):
        self._send = send
        self._page_lines = page_lines
        self._width = width
        self._idle_timeout = idle_timeout
        self._delay = delay
        self._on_step = on_step
        self._in = ""
        self._event = asyncio.Event()
        self._eof = False
        self._skip_lf = False
        self._out: list[str] = []
        self._lines = 0          # screen rows completed since the last input
        self._at_start = True    # the cursor is at the start of a line
        self._col = 0            # the cursor's column
        self.last_empty = False  # the last choose() was answered with an empty line
        self.paging = True

    # ------------------------------------------------------------ input side
    def feed(self, data: str) -> None:
        self._in += data
        self._event.set()

    def feed_eof(self) -> None:
        self._eof = True
        self._event.set()

    async def flush(self) -> None:
        if self._out:
            d = self._delay()
            if d > 0:
                await asyncio.sleep(d)
            text, self._out = "".join(self._out), []
            self._send(text)

    async def _next_char(self) -> str:
        while True:
            while self._in:
                ch, self._in = self._in[0], self._in[1:]
                if self._skip_lf:
                    self._skip_lf = False
                    if ch == "\n":
                        continue
                return ch
            if self._eof:
                raise SessionEnd("eof")
            await self.flush()
            self._event.clear()
            if self._in or self._eof:
                continue
            try:
                await asyncio.wait_for(self._event.wait(), timeout=self._idle_timeout())
            except asyncio.TimeoutError:
                raise IdleTimeout("idle") from None

    async def read_line(self, echo: bool = True) -> str:
        line: list[str] = []
        while True:
            ch = await self._next_char()
            if ch in "\r\n":
                if ch == "\r":
                    self._skip_lf = True
                break
            if ch in "\x7f\x08":
                if line:
                    line.pop()
                    if echo:
                        self._out.append("\b \b")
            elif ch == "\x03":
                self._out.append("^C\r\n")
                self._lines, self._at_start, self._col = 0, True, 0
                raise Interrupted()
            elif ch == "\x15":
                if echo and line:
                    self._out.append("\b \b" * len(line))
                line.clear()
            elif ch >= " " or ch == "\t":
                if len(line) < MAX_LINE:
                    line.append(ch)
                    if echo:
                        self._put(ch)
        if echo:
            self._out.append("\r\n")
        self._lines, self._at_start, self._col = 0, True, 0
        self._on_step()
        return "".join(line)

    async def _pager(self) -> None:
        self._out.append(PAGER)
        ch = await self._next_char()
        if ch == "\r":
            self._skip_lf = True
        # The key is not echoed; the pager text is erased (CR, spaces, CR) as real appliances do.
        self._out.append("\r" + " " * len(PAGER) + "\r")
        self._lines, self._at_start, self._col = 0, True, 0
        self._on_step()

    # ------------------------------------------------------------ output side
    async def _line_start(self) -> None:
        if self.paging and self._at_start and self._lines >= max(2, self._page_lines()):
            await self._pager()

    def _put(self, text: str) -> None:
        """Characters of one line at the cursor, wrapped at the terminal width."""
        width = self._width()
        if not width:
            self._out.append(text)
            self._col += len(text)
            return
        while text:
            if self._col >= width:
                self._out.append("\r\n")
                self._lines += 1
                self._col = 0
            room = width - self._col
            self._out.append(text[:room])
            self._col += len(text[:room])
            text = text[room:]

    async def write(self, text: str) -> None:
        parts = text.replace("\r\n", "\n").split("\n")
        for i, part in enumerate(parts):
            if i > 0:
                await self._line_start()
                self._out.append("\r\n")
                self._lines += 1
                self._at_start = True
                self._col = 0
            if part:
                await self._line_start()
                self._put(part)
                self._at_start = False

    def reset_page(self) -> None:
        """Start a new page count here (after the login banner)."""
        self._lines = 0

    async def line(self, text: str = "") -> None:
        await self.write(text + "\n")

    # ------------------------------------------------------------ questions
    async def ask(self, question: str, default: str = "", blank: bool = True) -> str:
        """question lines, then `[default]> `; returns the stripped answer (empty = empty)."""
        if blank:
            await self.write("\n")
        await self.write(question + "\n" if question else "")
        await self.write(f"[{default}]> ")
        return (await self.read_line()).strip()

    async def yesno(self, question: str, default: bool, blank: bool = True) -> bool:
        d = "Y" if default else "N"
        first = True
        while True:
            if blank and first:
                await self.write("\n")
            first = False
            await self.write(f"{question} [{d}]> ")
            a = (await self.read_line()).strip().lower()
            if not a:
                return default
            if a in ("y", "yes"):
                return True
            if a in ("n", "no"):
                return False
            await self.line('You must enter a "Y" or an "N".')

    async def choose(self, title: str | None, items: list[str], default: int | None = None,
                     blank: bool = True, names: list[str] | None = None, question: str | None = None,
                     ) -> int | None:
        """A numbered list; returns the 0-based index, or None for an empty answer without default.

        names: optional names accepted instead of numbers (case-sensitive, then case-insensitive).
        question: a line printed after the list, before the `[...]> ` prompt.
        """
        first = True
        while True:
            if blank and first:
                await self.write("\n")
            first = False
            if title:
                await self.line(title)
            for i, item in enumerate(items, 1):
                await self.line(f"{i}. {item}")
            if question:
                await self.line(question)
            a = (await self.ask("", "" if default is None else str(default + 1), blank=False))
            self.last_empty = not a
            if not a:
                return default
            if a.isdigit():
                n = int(a)
                if 1 <= n <= len(items):
                    return n - 1
                await self.line(f"Value must be an integer from 1 to {len(items)}.")
                continue
            if names is not None:
                if a in names:
                    return names.index(a)
                low = [n.lower() for n in names]
                if a.lower() in low:
                    return low.index(a.lower())
                return -1  # caller prints its own "does not exist"
            await self.line(f"You must enter a number from 1 to {len(items)}.")

    async def menu(self, ops: list[tuple[str, str]], title: str = "Choose the operation you want to perform:",
                   blank: bool = True) -> str:
        """`- NAME - text.` operations; returns the chosen NAME (upper case) or '' (go up)."""
        valid = [o for o, _unused in ops]
        first = True
        while True:
            if blank and first:
                await self.write("\n")
            first = False
            await self.line(title)
            for name, text in ops:
                await self.line(f"- {name} - {text}")
            typed = await self.ask("", "", blank=False)
            a = typed.upper()
            if not a or a in valid:
                return a
            await self.line(f"Unknown option: {typed}")
            await self.write("\n")
