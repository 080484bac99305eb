# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted fake transport: a list of (expected line, reply) pairs."""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import Transport, TransportError

DROP = object()


class ScriptedTransport(Transport):
    def __init__(self, pairs, prompt="esa1.example.com> "):
        self.pairs = list(pairs)
        self.sent = []
        self.pasted = []
        self.closed = False
        self._last = "\n" + prompt

    def send(self, line):
        if self.closed:
            raise TransportError("closed")
        self.sent.append(line)
        assert self.pairs, "unexpected send %r (script exhausted)" % (line,)
        expected, reply = self.pairs.pop(0)
        assert expected == line, "sent %r, expected %r" % (line, expected)
        if reply is DROP:
            self.close()
            raise TransportError("connection lost")
        self._last = reply
        return reply

    def send_only(self, line):
        self.pasted.append(line)

    def last_prompt(self):
        return self._last

    def close(self):
        self.closed = True
