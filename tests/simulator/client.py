"""A small expect-style client for the simulator (tests and manual poking), over paramiko.

    with CLI("127.0.0.1", 22021, "admin", "ironport") as c:
        print(c.cmd("version"))
        c.send("listenerconfig"); c.expect_sub(); ...

Prompts are matched at the end of the buffer, as the device layer does.
"""

from __future__ import annotations

import re
import socket
import time

import paramiko

MAIN_RE = re.compile(r"(?:^|\n)(\((?:Cluster|Group|Machine) [^)\r\n]+\)|[A-Za-z0-9._-]+)> $")
SUB_RE = re.compile(r"\[[^\]\r\n]*\]> $")
PAGER = "-Press Any Key For More-"
PAGER_ERASE = "\r" + " " * len(PAGER) + "\r"


class Closed(Exception):
    pass


class CLI:
    def __init__(self, host: str, port: int, username: str, password: str | None = None,
                 key_filename: str | None = None, timeout: float = 10.0, eol: str = "\r", auto_page: bool = True):
        self.timeout = timeout
        self.eol = eol
        self.auto_page = auto_page
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(host, port=port, username=username, password=password, key_filename=key_filename,
                            look_for_keys=False, allow_agent=False, timeout=timeout, banner_timeout=timeout,
                            auth_timeout=timeout)
        self.chan = self.client.invoke_shell(width=200, height=1000)
        self.chan.settimeout(0.1)
        self.buf = ""
        self.transcript = ""
        self.banner = self.expect_main()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass

    @property
    def host_key(self):
        return self.client.get_transport().get_remote_server_key()

    def send(self, text: str, eol: str | None = None) -> None:
        self.chan.send(text + (self.eol if eol is None else eol))

    def _read(self) -> bool:
        try:
            data = self.chan.recv(65536)
        except socket.timeout:
            return False
        if not data:
            raise Closed(f"connection closed; buffer: {self.buf[-500:]!r}")
        text = data.decode("utf-8", "replace")
        self.buf += text
        self.transcript += text
        if self.auto_page and PAGER_ERASE in self.buf:
            # what the appliance writes after the pager key; removing it restores the output
            self.buf = self.buf.replace(PAGER_ERASE, "")
        return True

    def expect(self, *patterns: re.Pattern, timeout: float | None = None) -> tuple[int, str]:
        """Wait until one pattern matches the end of the buffer; returns (index, text consumed)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, p in enumerate(patterns):
                if p.search(self.buf):
                    out, self.buf = self.buf, ""
                    return i, out
            if self.auto_page and self.buf.endswith(PAGER):
                self.chan.send("\r")
                self.buf = self.buf[: -len(PAGER)]
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(f"no prompt; buffer ends with {self.buf[-300:]!r}")
            self._read()

    def expect_main(self, timeout=None) -> str:
        return self.expect(MAIN_RE, timeout=timeout)[1]

    def expect_sub(self, timeout=None) -> str:
        return self.expect(SUB_RE, timeout=timeout)[1]

    def expect_any(self, timeout=None) -> tuple[str, str]:
        i, out = self.expect(MAIN_RE, SUB_RE, timeout=timeout)
        return ("main" if i == 0 else "sub"), out

    def cmd(self, line: str, timeout=None) -> str:
        """Send a line and wait for the main prompt; returns the text (echo and prompt included)."""
        self.send(line)
        return self.expect_main(timeout)

    def answer(self, line: str, timeout=None) -> tuple[str, str]:
        """Send a line and wait for any prompt."""
        self.send(line)
        return self.expect_any(timeout)

    def dialog(self, *answers: str, timeout=None) -> str:
        """Send answers one per prompt; returns all text; the last answer must lead to the main prompt."""
        out = ""
        for a in answers:
            kind, text = self.answer(a, timeout)
            out += text
        if kind != "main":
            raise AssertionError(f"dialog did not end at the main prompt: {out[-400:]!r}")
        return out

    def back_to_main(self, limit: int = 20) -> str:
        out = ""
        for _unused in range(limit):
            kind, text = self.answer("")
            out += text
            if kind == "main":
                return out
        raise AssertionError("could not reach the main prompt")

    def paste(self, pem: str) -> None:
        for line in pem.strip().splitlines():
            self.send(line)
        self.send(".")

    @property
    def prompt(self) -> str:
        return self.transcript.rsplit("\n", 1)[-1]
