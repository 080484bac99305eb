# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cliconf plugin over a fake network_cli connection: caching, invalidation, drops."""

from __future__ import annotations

import re

import pytest

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.mailsec.cres.plugins.cliconf.asyncos import Cliconf
from ansible_collections.mailsec.cres.plugins.terminal.asyncos import TerminalModule

MAIN = "\nesa1.example.com> "
SHOWCONFIG = [
    ("showconfig", "\nChoose the passphrase option:\n1. Mask passphrases\n2. Encrypt passphrases\n[1]> "),
    ("1", '\n<?xml version="1.0"?>\n<config><hostname>esa1</hostname></config>\n' + MAIN),
]
VERSION = [("version", "\nVersion: 15.0.0-104\nModel: C100V\n" + MAIN)]


class FakeNetworkCli:
    """Mimics network_cli: send returns the reply stripped (as its output cleaner does); the
    error patterns a receive would match are the ``terminal_stderr_re`` option when set, else
    the terminal plugin's (network_cli's _get_terminal_std_re); open_shell/close announce the
    shell through the terminal plugin's hooks, as network_cli's _connect/close do."""

    def __init__(self, pairs, options=None):
        self.pairs = list(pairs)
        self._options = dict(options or {})
        self._ssh_shell = None
        self._terminal = TerminalModule(self)
        self.cliconf = None
        self.closed = 0
        self.stderr_during_send = []

    def get_option(self, option):
        return self._options.get(option)

    def set_option(self, option, value):
        self._options[option] = value

    def effective_stderr_re(self):
        option = self.get_option("terminal_stderr_re")
        if option:
            return [re.compile(to_bytes(item["pattern"])) for item in option]
        return list(self._terminal.terminal_stderr_re)

    def open_shell(self):
        self._ssh_shell = object()
        self._terminal.on_open_shell()

    def send(self, command, sendonly=False, strip_prompt=True, **kwargs):
        assert strip_prompt is False or sendonly
        if self._ssh_shell is None:
            self.open_shell()  # network_cli's ensure_connect
        self.stderr_during_send.append(self.effective_stderr_re())
        if sendonly:
            return None
        expected, reply = self.pairs.pop(0)
        assert command.decode() == expected, (command, expected)
        return None if reply is None else reply.strip().encode()

    def get_prompt(self):
        return MAIN.encode()

    def close(self):
        self.closed += 1
        self._terminal.on_close_shell()
        self._ssh_shell = None

    def queue_message(self, *args):
        pass


def make(pairs, options=None):
    conn = FakeNetworkCli(pairs, options)
    conn.cliconf = Cliconf(conn)
    return conn, conn.cliconf


def test_converged_reads_cost_one_showconfig():
    conn, cli = make(SHOWCONFIG + VERSION)
    first = cli.get_state()
    second = cli.get_state()
    assert first["ok"] and second["ok"] and second["cached"] and not first["cached"]
    assert cli.get_counters()["showconfig"] == 1 and cli.get_counters()["version"] == 1
    assert not conn.pairs
    # error patterns were disabled while the engine drove the session, restored after
    error = b"x\nUnknown command: foo\nesa1> "
    assert conn.stderr_during_send and all(not any(r.search(error) for r in patterns)
                                           for patterns in conn.stderr_during_send)
    assert conn.get_option("terminal_stderr_re") is None
    assert any(r.search(error) for r in conn.effective_stderr_re())


def test_user_error_patterns_are_off_during_dialogs_and_kept_after():
    mine = [{"pattern": "^% Oops"}]
    conn, cli = make(VERSION, options={"terminal_stderr_re": mine})
    assert cli.get_version()["ok"]
    assert not any(r.search(b"% Oops") for r in conn.stderr_during_send[0])
    assert conn.get_option("terminal_stderr_re") == mine


LISTENERS = "\n1. L (on Data 1, 192.0.2.10) SMTP TCP Port 25 Public\nChoose the operation you want to perform:\n[]> "
HOSTACCESS = "\nDefault Policy Parameters\nChoose the operation you want to perform:\n[]> "
PRINTED = "\nA:\n    1.2.3.4\n    $P\n\nB:\n    5.6.7.8\n    $P\n" + HOSTACCESS
MOVE = [
    ("listenerconfig", LISTENERS),
    ("EDIT", "\nEnter the name or number of the listener you wish to edit.\n[]> "),
    ("1", "\nChoose the operation you want to perform:\n[]> "),
    ("HOSTACCESS", HOSTACCESS),
    ("MOVE", "\nHAT sender groups:\n1. B\n2. A\nEnter the sender group number or name you wish to move.\n[]> "),
    ("2", "\nEnter the sender group number or name you wish to insert before.\n[]> "),
    ("1", HOSTACCESS),
    ("PRINT", PRINTED),
    ("", "\nChoose the operation you want to perform:\n[]> "),
    ("", LISTENERS),
    ("", MAIN),
]


def test_change_dialog_stages_its_listing_and_keeps_the_cached_read():
    from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
    conn, cli = make(SHOWCONFIG + VERSION + MOVE)
    assert cli.get_state()["pending"] is False
    assert cli.run_dialog(scripts.move_sender_group("L", "A", "B"))["ok"]
    state = cli.get_state()
    # no second showconfig: the staged HAT is the appliance's own PRINT listing
    assert state["cached"] is True and state["pending"] is True
    assert state["staged"]["hat"]["L"].startswith("A:")
    assert cli.get_counters()["showconfig"] == 1 and cli.get_counters()["version"] == 1


def test_commit_ends_the_staged_record_and_the_cache():
    from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
    commit = [("commit", "\nPlease enter some comments describing your changes:\n[]> "),
              ("c", "\nDo you want to save the current configuration for rollback? [Y]> "),
              ("Y", "\nChanges committed: Mon Jan 01 00:00:00 2024\n" + MAIN)]
    conn, cli = make(SHOWCONFIG + VERSION + MOVE + commit + SHOWCONFIG)
    cli.get_state()
    cli.run_dialog(scripts.move_sender_group("L", "A", "B"))
    assert cli.commit("c")["ok"]
    state = cli.get_state()
    assert state["cached"] is False and state["pending"] is False and not state["staged"]


def test_a_rehearsal_session_refuses_to_commit():
    from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
    conn, cli = make(MOVE + [("clearchanges", "\nAre you sure you want to clear all changes since the last commit? "
                                              "[Y]> "), ("Y", "\nChanges cleared\n" + MAIN)])
    script = dict(scripts.move_sender_group("L", "A", "B"), rehearsal=True)
    assert cli.run_dialog(script)["ok"]
    refused = cli.run_dialog(scripts.commit("c"))
    assert not refused["ok"] and refused["error_kind"] == "refused" and "rehearsal" in refused["error"]
    assert cli.discard_changes()["ok"]
    assert cli._rehearsal_session is None


def test_a_rehearsal_as_the_first_dialog_tags_the_session_it_ran_in():
    """The first dialog of a new connection logs in during the run (on_open_shell): the tag
    belongs to that session, not to the none before it."""
    from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
    conn, cli = make(MOVE)
    assert cli._session_id() is None
    assert cli.run_dialog(dict(scripts.move_sender_group("L", "A", "B"), rehearsal=True))["ok"]
    refused = cli.run_dialog(scripts.commit("c"))
    assert refused["error_kind"] == "refused"


def test_wrap_width_follows_what_the_appliance_printed():
    conn, cli = make([])
    assert cli._wrap_width() == 80
    cli._observe_reply("short\n" + "x" * 81)
    assert cli._wrap_width() > 1000


def test_dropped_connection_closes_and_invalidates():
    conn, cli = make(SHOWCONFIG + VERSION + [("showconfig", None)])
    cli.get_state()
    result = cli.get_state(refresh=True)
    assert not result["ok"] and result["error_kind"] == "connection"
    assert conn.closed == 1
    assert cli._config_cache is None and cli._version_cache is None


def test_none_string_reply_is_a_drop():
    conn, cli = make([("version", "None")])
    result = cli.get_version()
    assert result["error_kind"] == "connection" and conn.closed == 1


def test_exception_in_send_is_a_drop():
    conn, cli = make([])

    def boom(*args, **kwargs):
        raise OSError("Socket is closed")

    conn.send = boom
    result = cli.get_version()
    assert result["error_kind"] == "connection" and conn.closed == 1


def test_edit_config_is_not_supported():
    _conn, cli = make([])
    with pytest.raises(Exception, match="not supported"):
        cli.edit_config(["x"])
    assert "run_dialog" in cli.get_capabilities()


def test_session_id_per_login():
    conn, cli = make(SHOWCONFIG + VERSION + [("showconfig", None)] + SHOWCONFIG + VERSION)
    first = cli.get_state()["session_id"]
    assert first and cli.get_state()["session_id"] == first  # cached read, same session
    assert not cli.get_state(refresh=True)["ok"]  # drop: closed
    second = cli.get_state()["session_id"]  # network_cli logs in again (a new shell)
    assert second and second != first
    # a new persistent connection process (idle exit) has a new id too
    other = make(VERSION)[1].get_version()["session_id"]
    assert other not in (None, first, second)


def test_a_new_shell_is_a_new_session():
    """A silent re-login that the cliconf never saw fail (the appliance's idle timeout, then
    network_cli's reconnect): the terminal plugin's on_open_shell announces the new shell."""
    conn, cli = make(SHOWCONFIG + VERSION + SHOWCONFIG + VERSION)
    first = cli.get_state()
    conn.open_shell()
    second = cli.get_state()
    assert second["session_id"] != first["session_id"] and second["cached"] is False
    assert cli.get_counters()["showconfig"] == 2


def test_a_connection_without_the_hooks_gets_a_session_at_its_first_reply():
    """A connection that announces no shells (no ``cliconf`` attribute): one session, from the first reply."""
    conn = FakeNetworkCli(SHOWCONFIG + VERSION)
    conn._ssh_shell = object()
    cli = Cliconf(conn)
    assert cli._session_id() is None
    state = cli.get_state()
    assert state["ok"] and state["session_id"] and cli.get_state()["session_id"] == state["session_id"]
