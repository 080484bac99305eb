# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cliconf plugin for Cisco AsyncOS: runs whole dialogs inside the persistent connection."""

from __future__ import annotations

DOCUMENTATION = r"""
author: mailsec.cres contributors (@mailsec-cres)
name: asyncos
short_description: Cliconf plugin for the Cisco AsyncOS (ESA) CLI over network_cli
description:
  - Runs the dialogs of the C(mailsec.cres) ESA modules inside the persistent
    C(ansible.netcommon.network_cli) connection, one RPC per dialog, with the dialog engine of
    C(plugins/module_utils/asyncos/dialog.py).
  - Every dialog starts and ends at the main prompt; the session is backed out of any sub-menu
    before each task. Documented AsyncOS error strings fail the dialog. A dropped connection,
    a timeout or an unrecognised state closes the connection and fails; the next task logs in
    again (the appliance discards uncommitted changes of the lost session).
  - The C(showconfig) read is cached per session. No public source says whether C(showconfig) shows
    uncommitted changes, so nothing depends on it. The changes a session staged are recorded from the
    change dialogs' own listings (C(HOSTACCESS) C(PRINT), the certificate list) and laid over the
    cached read; C(commit) and C(clearchanges) end that record and the cache. A run that changes
    nothing reads the configuration once per appliance.
  - A session that ran a rehearsal dialog (C(rehearse=true)) refuses to commit. Rehearsed changes are
    only ever abandoned (C(clearchanges)).
  - RPC methods (besides the standard ones) C(get_state), C(get_version), C(run_dialog),
    C(commit), C(discard_changes), C(get_counters).
  - Every CLI session (each login, including a silent re-login after an idle timeout or a drop,
    and a new persistent connection process) gets a random C(session_id), returned by every
    RPC. Uncommitted changes belong to one session; modules compare the ids to detect that
    changes staged by earlier tasks were discarded.
version_added: 0.1.0
# No options. The key is there even so: Ansible records a plugin's option definitions once per
# process only when its documentation has options, and reads this documentation again on every
# load otherwise (each task of an appliance loads the cliconf plugin).
options: {}
"""

import json
import uuid

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.ansible.netcommon.plugins.plugin_utils.cliconf_base import CliconfBase
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect, scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.config import COMMITTED, parse_commit, parse_version
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.staged import StagedChanges
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import (
    DialogEngine,
    Transport,
    TransportError,
    classify,
)

NETWORK_OS = "mailsec.cres.asyncos"
REHEARSAL_COMMIT = ("this CLI session ran rehearsal dialogs (rehearse=true): its pending changes are never "
                    "committed; they were left pending - abandon them (esa_commit with rehearse=true, or "
                    "clearchanges) before real changes")


# A pattern that matches nothing (an empty lookahead that must fail).
_NO_MATCH = "(?!)"


class _NoErrorPatterns:
    """Switch network_cli's error matching off while the engine drives the session: the engine
    reads the whole output and decides; network_cli would raise mid-dialog (paramiko: on a
    256-byte window) and leave the session in a sub-menu.

    Public hook: network_cli's documented option ``terminal_stderr_re`` (``ansible_terminal_stderr_re``),
    which it reads again at every receive in place of the terminal plugin's patterns. An empty
    list means "not set" to network_cli (it falls back to the terminal's patterns), hence one
    pattern that never matches. The option's previous value - a user's own patterns, or unset -
    is put back after each send, so ``cli_command`` and the login keep the error patterns.
    A connection without plugin options (the functional tests' network_cli emulation) matches
    no error patterns in the first place: nothing to switch off."""

    def __init__(self, connection):
        self._connection = connection if hasattr(connection, "set_option") else None
        self._saved = None

    def __enter__(self):
        if self._connection is not None:
            self._saved = self._connection.get_option("terminal_stderr_re")
            self._connection.set_option("terminal_stderr_re", [{"pattern": _NO_MATCH}])
        return self

    def __exit__(self, *exc):
        if self._connection is not None:
            self._connection.set_option("terminal_stderr_re", self._saved)
        return False


class _CliSession:
    """One CLI session (one login, one SSH shell): what its uncommitted changes, the caches and
    the session id belong to. Compared by identity."""

    def __init__(self):
        self.id = uuid.uuid4().hex


class NetworkCliTransport(Transport):
    """Engine transport over the network_cli connection (one send = one receive)."""

    def __init__(self, cliconf):
        self._cliconf = cliconf
        self._conn = cliconf._connection
        self._last = None

    def _lost(self, message):
        self.close()
        raise TransportError(message)

    def send(self, line):
        try:
            with _NoErrorPatterns(self._conn):
                response = self._conn.send(to_bytes(line, errors="surrogate_or_strict"), strip_prompt=False)
        except TransportError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            self._lost("connection to the appliance lost or timed out (%s); the CLI session was closed and "
                       "the appliance discards its uncommitted changes" % to_text(exc).strip()[:300])
        text = None if response is None else to_text(response, errors="surrogate_then_replace")
        # network_cli strips the reply; restore the prompt's trailing space for classification.
        text = None if text is None else text.rstrip() + " "
        if text is None or text.strip() == "None" or classify(text) is None:
            self._lost("connection to the appliance lost: the reply ended without a prompt; the CLI session "
                       "was closed and the appliance discards its uncommitted changes")
        self._cliconf._observe_reply(text)
        self._last = text
        return text

    def wrap_width(self):
        return self._cliconf._wrap_width()

    def send_only(self, line):
        try:
            self._conn.send(to_bytes(line, errors="surrogate_or_strict"), sendonly=True)
        except Exception as exc:  # pylint: disable=broad-except
            self._lost("connection to the appliance lost while pasting (%s)" % type(exc).__name__)

    def last_prompt(self):
        if self._last is not None:
            return self._last
        try:
            prompt = self._conn.get_prompt()
        except Exception as exc:  # pylint: disable=broad-except
            self._lost("cannot open the CLI session: %s" % to_text(exc).strip()[:300])
        text = to_text(prompt or b"", errors="surrogate_then_replace")
        if not text.endswith(" "):
            text = text.rstrip() + " "
        return text

    def close(self):
        self._cliconf._invalidate(session=True)
        try:
            self._conn.close()
        except Exception:  # pylint: disable=broad-except
            pass


class Cliconf(CliconfBase):
    __rpc__ = CliconfBase.__rpc__ + [
        "get_state",
        "get_version",
        "run_dialog",
        "commit",
        "discard_changes",
        "get_counters",
    ]

    def __init__(self, *args, **kwargs):
        super(Cliconf, self).__init__(*args, **kwargs)
        self._config_cache = None  # {"output", "prompt", "session"}
        self._version_cache = None  # {"output", "session"}
        self._pending = False
        self._pending_session = None
        self._session = None  # _CliSession: the CLI session open now, None when none is
        self._staged = StagedChanges()  # what the current session staged (see module_utils/asyncos/staged.py)
        self._staged_session = None
        self._rehearsal_session = None  # the session ran rehearsal dialogs: it never commits
        self._wide_session = None  # the session printed a line wider than the initial terminal
        self._counters = {"showconfig": 0, "version": 0, "dialogs": 0, "cache_hits": 0, "reconnects": 0}

    # ------------------------------------------------------------------ CLI sessions
    # The terminal plugin announces every shell network_cli opens or closes (its public
    # on_open_shell / on_close_shell hooks). A new persistent connection process has a new
    # cliconf, hence new sessions too.

    def _cli_session_opened(self):
        """A new shell (a login, also a silent re-login after an idle timeout or a drop)."""
        self._session = _CliSession()

    def _cli_session_closed(self):
        self._session = None

    def _session_id(self):
        """Random id of the current CLI session; None when no session is open."""
        return None if self._session is None else self._session.id

    def _invalidate(self, session=False):
        self._config_cache = None
        if session:
            self._session = None  # lost: network_cli opens a new one at the next send
            self._version_cache = None
            self._pending = False
            self._pending_session = None
            self._staged = StagedChanges()
            self._rehearsal_session = None
            self._counters["reconnects"] += 1

    def _observe_reply(self, text):
        """A reply arrived: a session is open (one the terminal plugin did not announce is a
        connection without the hook - it gets its identity now)."""
        if self._session is None:
            self._session = _CliSession()
        self._observe_width(text)

    def _observe_width(self, text):
        """A line wider than the PTY network_cli opened shows that the appliance honoured the
        window change of the terminal plugin: from then on it does not wrap at that width."""
        if self._wide_session is not self._session and any(
                len(line.rstrip("\r")) > dialect.TERMINAL_INITIAL_WIDTH for line in text.split("\n")):
            self._wide_session = self._session

    def _wrap_width(self):
        if self._wide_session is not None and self._wide_session is self._session:
            return dialect.TERMINAL_WIDTH
        return dialect.TERMINAL_INITIAL_WIDTH

    def _staged_now(self):
        """The staged record of the current session (a new, empty one after a re-login)."""
        if self._staged_session is not self._session:
            self._staged = StagedChanges()
            self._staged_session = self._session
        return self._staged

    def _end_pending(self):
        self._config_cache = None
        self._pending = False
        self._staged = StagedChanges()
        self._rehearsal_session = None

    def _engine(self, on_unconfigured_mode="switch", transcript=False):
        return DialogEngine(NetworkCliTransport(self), on_unconfigured_mode=on_unconfigured_mode,
                            record=bool(transcript))

    def _run(self, script, on_unconfigured_mode="switch", transcript=False):
        stage = script.get("stage") or {}
        if stage.get("kind") == "commit" and self._rehearsal_session is not None \
                and self._rehearsal_session is self._session:
            return {"ok": False, "name": script.get("name"), "error": REHEARSAL_COMMIT, "error_kind": "refused",
                    "captures": {}, "unknown_questions": [], "steps": [], "session_id": self._session_id()}
        engine = self._engine(on_unconfigured_mode, transcript)
        self._counters["dialogs"] += 1
        if script.get("command") == dialect.CMD_SHOWCONFIG:
            self._counters["showconfig"] += 1
        result = engine.run(script)
        if script.get("rehearsal"):
            # the session that ran it (network_cli may have logged in during the run)
            self._rehearsal_session = self._session
        if result.get("switched_level"):
            self._config_cache = None  # another level may show another configuration
        if stage.get("kind") == "commit":
            if result.get("ok") and parse_commit(result["captures"].get("output", "")) == COMMITTED:
                self._end_pending()
        elif stage.get("kind") == "clear":
            if result.get("ok"):
                self._end_pending()
        elif script.get("changes", True):
            # a change dialog, even a failed one, may have left pending changes
            self._pending = True
            self._pending_session = self._session
            if result.get("ok"):
                self._staged_now().record(stage, result.get("captures") or {})
        result["session_id"] = self._session_id()
        return result

    # ------------------------------------------------------------------ RPCs

    def set_cli_prompt_context(self):
        """Before each task: back out of any sub-menu to the main prompt."""
        try:
            self._engine().to_main()
        except TransportError as exc:
            raise AnsibleConnectionFailure(str(exc))

    def run_dialog(self, script, on_unconfigured_mode="switch", transcript=False):
        """Run one dialog script (see module_utils/asyncos/scripts.py); returns the engine result."""
        return self._run(script, on_unconfigured_mode, transcript)

    def get_version(self, refresh=False, transcript=False):
        entries = []
        if refresh or not self._version_cache or self._version_cache["session"] is not self._session:
            result = self._run(scripts.version(), transcript=transcript)
            entries += result.get("transcript", [])
            if not result["ok"]:
                return result
            self._counters["version"] += 1
            self._version_cache = {"output": result["captures"].get("output", ""), "session": self._session}
        return {"ok": True, "name": "version", "version_text": self._version_cache["output"],
                "session_id": self._session_id(), "transcript": entries}

    def get_state(self, refresh=False, on_unconfigured_mode="switch", transcript=False):
        """showconfig (cached per session until a configuration command) + version."""
        entries = []
        questions = []
        cached = True
        cache = self._config_cache
        if refresh or cache is None or cache["session"] is not self._session or self._session is None:
            cached = False
            result = self._run(scripts.showconfig(), on_unconfigured_mode, transcript)
            entries += result.get("transcript", [])
            questions = result.get("unknown_questions") or []
            if not result["ok"]:
                return result
            cache = self._config_cache = {"output": result["captures"].get("output", ""),
                                          "prompt": result.get("prompt"), "session": self._session}
        else:
            self._counters["cache_hits"] += 1
        version = self.get_version(transcript=transcript)
        if not version.get("ok"):
            return version
        entries += version.get("transcript", [])
        pending = self._pending and self._pending_session is self._session
        staged = self._staged_now()
        return {"ok": True, "name": "get_state", "xml": cache["output"], "prompt": cache["prompt"],
                "version_text": version["version_text"], "pending": pending, "cached": cached,
                "staged": staged.to_dict() if staged else None, "unknown_questions": questions,
                "session_id": self._session_id(), "transcript": entries}

    def get_config(self, source="running", flags=None, format=None, refresh=False):
        state = self.get_state(refresh=refresh)
        if not state.get("ok"):
            raise AnsibleConnectionFailure(state.get("error") or "showconfig failed")
        return state["xml"]

    def edit_config(self, candidate=None, commit=True, replace=None, diff=False, comment=None):
        raise AnsibleConnectionFailure("edit_config is not supported by %s: AsyncOS is configured through "
                                       "dialogs (use the mailsec.cres ESA modules)" % NETWORK_OS)

    def commit(self, comment=None, save_for_rollback=True):
        return self._run(scripts.commit(comment or "", save_for_rollback))

    def discard_changes(self):
        return self._run(scripts.clearchanges())

    def get_counters(self):
        return dict(self._counters)

    def get_device_info(self):
        info = {"network_os": NETWORK_OS}
        if self._version_cache:
            version = parse_version(self._version_cache["output"])
            info["network_os_version"] = version.get("version")
            info["network_os_model"] = version.get("model")
        return info

    def get_capabilities(self):
        result = super(Cliconf, self).get_capabilities()
        result["device_operations"] = {
            "supports_diff_replace": False,
            "supports_commit": True,
            "supports_rollback": False,
            "supports_defaults": False,
            "supports_onbox_diff": False,
            "supports_commit_comment": True,
            "supports_multiline_delimiter": False,
            "supports_diff_match": False,
            "supports_diff_ignore_lines": False,
            "supports_generate_diff": False,
            "supports_replace": False,
        }
        result["format"] = ["xml"]
        return json.dumps(result)
