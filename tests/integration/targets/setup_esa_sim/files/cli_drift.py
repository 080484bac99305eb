#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Play "someone edited the appliance by hand": type a CLI dialog over SSH, then commit.

    cli_drift.py HOST PORT USER PASSWORD ANSWER... [--no-commit]

Each ANSWER is typed after the next prompt. ``@TEXT`` chooses the numbered menu item whose
text is TEXT; ``''`` is an empty answer. After the last answer the session must be back at
the main prompt; then ``commit`` runs (unless --no-commit). Exit status 0 on success.
"""

from __future__ import annotations

import re
import sys
import time

import paramiko

MAIN_RE = re.compile(r"(?:^|\n)(\((?:Cluster|Group|Machine) [^)\r\n]+\)|[A-Za-z0-9._-]+)> $")
SUB_RE = re.compile(r"\[[^\]\r\n]*\]> $")
PAGER = "-Press Any Key For More-"


class Session(object):
    def __init__(self, host, port, user, password):
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(host, port=int(port), username=user, password=password, look_for_keys=False,
                            allow_agent=False, timeout=15)
        self.chan = self.client.invoke_shell(width=200, height=1000)
        self.chan.settimeout(0.2)
        self.buf = ''

    def wait(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                data = self.chan.recv(65536)
                if not data:
                    raise SystemExit('connection closed: %r' % self.buf[-300:])
                self.buf += data.decode('utf-8', 'replace').replace('\r\n', '\n')
            except OSError:
                pass
            if self.buf.endswith(PAGER) or self.buf.rstrip(' ').endswith(PAGER):
                self.buf = self.buf[:self.buf.rfind(PAGER)]
                self.chan.send('\r')
                continue
            if MAIN_RE.search(self.buf):
                return 'main'
            if SUB_RE.search(self.buf):
                return 'sub'
        raise SystemExit('no prompt after %ss: %r' % (timeout, self.buf[-300:]))

    def answer(self, text):
        if text.startswith('@'):
            want = text[1:]
            items = re.findall(r'^\s*(\d+)\.\s+(.+?)\s*$', self.buf, re.M)
            found = [num for num, label in items if label == want]
            if not found:
                raise SystemExit('no menu item %r in %r' % (want, self.buf[-500:]))
            text = found[-1]
        self.buf = ''
        self.chan.send(text + '\r')
        return self.wait()


def main(argv):
    commit = '--no-commit' not in argv
    args = [a for a in argv if a != '--no-commit']
    host, port, user, password = args[:4]
    session = Session(host, port, user, password)
    kind = session.wait()
    for text in args[4:]:
        kind = session.answer(text)
        sys.stdout.write(session.buf)
    if kind != 'main':
        raise SystemExit('dialog did not end at the main prompt: %r' % session.buf[-400:])
    if commit:
        kind = session.answer('commit')
        answers = ['manual change (drift test)']
        while kind != 'main':
            kind = session.answer(answers.pop(0) if answers else '')
        sys.stdout.write(session.buf)
        if 'no data to commit' in session.buf.lower() or 'failed' in session.buf.lower():
            raise SystemExit('commit did not commit: %r' % session.buf[-300:])
    session.client.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
