# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AsyncOSDevice: what ESA modules use to read and change an appliance.

Every operation is one RPC to the persistent ``network_cli`` connection, whose cliconf
plugin (``mailsec.cres.asyncos``) runs the dialog with ``dialog.DialogEngine`` and always
leaves the session at the main prompt. The ``showconfig`` read is cached inside the
persistent connection and invalidated by any configuration command, so a run that changes
nothing reads the configuration once per appliance.
"""

from __future__ import annotations

from ansible.module_utils.connection import Connection, ConnectionError  # pylint: disable=redefined-builtin

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import config as cfg
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import transcript as tr
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

ON_UNCONFIGURED_MODES = ("switch", "fail")
PARAM_KEYS = dialect.PARAM_KEYS


class AsyncOSError(MailsecError):
    """A device operation failed. ``dialog`` is the redacted tail of the conversation
    (list of {"send", "recv"}), ``kind`` one of: device (an AsyncOS error string),
    unexpected (a question the script did not expect), menu (an item not offered),
    cluster_mode (setting lives at another cluster level), connection (session lost,
    pending changes discarded by the appliance), refused (the layer refused to answer),
    unknown_prompt (a question the collection does not know; the dialog was abandoned),
    input (bad arguments, nothing sent), rpc (the persistent connection failed),
    verify (a listing after the change does not show it)."""

    def __init__(self, message, dialog=None, kind=None, result=None):
        super(AsyncOSError, self).__init__(message)
        self.dialog = dialog or []
        self.kind = kind
        self.result = result or {}

    def to_dict(self):
        return {"msg": self.message, "kind": self.kind, "dialog": self.dialog}


class AsyncOSDevice:
    """One appliance, through the persistent connection of ``module``.

    :param module: AnsibleModule run with ``connection: ansible.netcommon.network_cli``
    :param on_unconfigured_mode: "switch" (choose "Switch modes" when a command is not
        configured at the current cluster level) or "fail". "Start a new, empty
        configuration" is never chosen.
    :param transcript_path: append a redacted transcript of every dialog to this file
    :param rehearse: run the change dialogs for real (also in check mode), tagged as a rehearsal:
        the persistent connection then refuses to commit this session's changes
    """

    def __init__(self, module, on_unconfigured_mode="switch", transcript_path=None, rehearse=False):
        if on_unconfigured_mode not in ON_UNCONFIGURED_MODES:
            raise AsyncOSError("on_unconfigured_mode must be one of %s, got %r"
                               % (", ".join(ON_UNCONFIGURED_MODES), on_unconfigured_mode), kind="input")
        self.module = module
        self.on_unconfigured_mode = on_unconfigured_mode
        self.transcript_path = transcript_path
        self.rehearse = bool(rehearse)
        self.check_mode = bool(getattr(module, "check_mode", False)) and not self.rehearse
        self.planned = []
        self.changed = False
        self.results = []
        # Every dialog run: {"name", "ok", "steps": [...], "unknown_questions": [...]}; and every
        # yes/no question the dialect did not know, answered with its bracketed default.
        self.dialogs = []
        self.unknown_questions = []
        self._config = None
        self._version = None
        self._conn = None
        # Random id of the CLI session the last RPC ran in (new at each login of the persistent
        # connection); uncommitted changes belong to that session.
        self.session_id = None
        self._writer = tr.TranscriptWriter(transcript_path) if transcript_path else None

    # ---------------------------------------------------------------- plumbing

    @property
    def connection(self):
        if self._conn is None:
            socket_path = getattr(self.module, "_socket_path", None)
            if not socket_path:
                raise AsyncOSError(
                    "this module needs a persistent connection: set ansible_connection to "
                    "ansible.netcommon.network_cli and ansible_network_os to mailsec.cres.asyncos",
                    kind="rpc")
            self._conn = Connection(socket_path)
        return self._conn

    def _rpc(self, method, **kwargs):
        try:
            result = getattr(self.connection, method)(**kwargs)
        except ConnectionError as exc:
            message = tr.redact_text(str(getattr(exc, "message", None) or exc))
            raise AsyncOSError("connection to the appliance failed: %s" % message, kind="rpc")
        if isinstance(result, dict) and result.get("session_id"):
            self.session_id = result["session_id"]
        return result

    def _record(self, result):
        entries = result.get("transcript") or []
        if self._writer is not None and entries:
            self._writer.write(result.get("name", "dialog"), entries)

    def _check(self, result):
        self._record(result)
        self._note_dialog(result)
        if not result.get("ok"):
            raise AsyncOSError(result.get("error") or "dialog failed", dialog=result.get("tail"),
                               kind=result.get("error_kind"), result=result)
        return result

    def _note_dialog(self, result):
        questions = list(result.get("unknown_questions") or [])
        self.unknown_questions.extend(questions)
        if result.get("steps") or not result.get("ok"):
            self.dialogs.append({"name": result.get("name"), "ok": bool(result.get("ok")),
                                 "steps": list(result.get("steps") or []), "unknown_questions": questions,
                                 "error": result.get("error")})

    def run_dialog(self, script):
        """Run a script (see ``scripts``) as one RPC; returns the engine result dict.
        Raises AsyncOSError on failure (the session is back at the main prompt, or was
        closed when that was impossible)."""
        if self.rehearse and script.get("changes", True):
            script = dict(script, rehearsal=True)
        result = self._rpc("run_dialog", script=script, on_unconfigured_mode=self.on_unconfigured_mode,
                           transcript=self._writer is not None)
        if script.get("changes", True):
            self._config = None
        return self._check(result)

    def _change(self, script):
        self.planned.extend(scripts.plan_lines(script))
        if self.check_mode:
            return None
        result = self.run_dialog(script)
        self.changed = True
        self.results.append({"name": script["name"], "unknown_questions": result.get("unknown_questions", []),
                             "switched_level": result.get("switched_level")})
        return result

    @staticmethod
    def _build(builder, *args, **kwargs):
        try:
            return builder(*args, **kwargs)
        except ValueError as exc:
            raise AsyncOSError(str(exc), kind="input")

    # ---------------------------------------------------------------- reads

    def config(self, refresh=False):
        """The appliance's configuration (committed + this session's pending changes) as an
        ``ApplianceConfig``. Served from the persistent connection's cache unless
        ``refresh`` or a configuration command ran since the last read."""
        if self._config is not None and not refresh:
            return self._config
        state = self._rpc("get_state", refresh=bool(refresh), on_unconfigured_mode=self.on_unconfigured_mode,
                          transcript=self._writer is not None)
        self._check(state)
        try:
            self._config = cfg.build_config(state.get("xml"), version_text=state.get("version_text"),
                                            prompt=state.get("prompt"), pending=state.get("pending", False),
                                            staged=state.get("staged"))
        except cfg.ParseError as exc:
            raise AsyncOSError("cannot read the appliance configuration: %s" % exc, kind="device")
        self._version = cfg.parse_version(state.get("version_text") or "")
        return self._config

    def version(self):
        """{"product", "model", "version", "serial", plus every other "Key: value"}."""
        if self._version is None:
            state = self._rpc("get_version", transcript=self._writer is not None)
            self._check(state)
            self._version = cfg.parse_version(state.get("version_text") or "")
        return dict(self._version)

    def has_pending_changes(self):
        """True when this session has uncommitted changes (asks ``showchanges``)."""
        result = self.run_dialog(scripts.showchanges())
        return cfg.parse_showchanges(result.get("captures", {}).get("output", ""))

    def print_hat(self, listener):
        """The HAT text of a listener as ``HOSTACCESS`` → ``PRINT`` shows it."""
        result = self.run_dialog(self._build(scripts.print_hat, listener))
        return cfg.extract_hat_print(result.get("captures", {}).get("output", ""))

    # ---------------------------------------------------------------- certificates

    def paste_certificate(self, name, cert_pem, key_pem, intermediates=(), overwrite=False):
        """certconfig → CERTIFICATE → PASTE: install (or, with ``overwrite``, replace) a
        certificate profile. PEM is pasted one line at a time; the key never reaches
        transcripts or plans."""
        for label, pem in [("certificate", cert_pem), ("private key", key_pem)] + [
                ("intermediate %d" % (i + 1), p) for i, p in enumerate(intermediates or ())]:
            if not pem or "-----BEGIN " not in pem or "-----END " not in pem:
                raise AsyncOSError("%s of profile %s is not PEM text" % (label, name), kind="input")
        result = self._change(self._build(scripts.paste_certificate, name, cert_pem, key_pem,
                                          intermediates, overwrite))
        if result is not None and not cfg.listing_names(result["captures"].get("listing_after")).count(name):
            raise AsyncOSError("the certificate list after PASTE does not show profile %s" % name, kind="verify",
                               dialog=result.get("tail"), result=result)
        return result

    def delete_certificate(self, name):
        if name == dialect.DEMO_CERTIFICATE:
            raise AsyncOSError("the built-in %s profile cannot be deleted" % name, kind="input")
        return self._change(self._build(scripts.delete_certificate, name))

    def set_listener_certificate(self, listener, profile, allow_demo=False):
        if profile == dialect.DEMO_CERTIFICATE and not allow_demo:
            raise AsyncOSError("refusing to assign the demo certificate to listener %s (allow_demo is false)"
                               % listener, kind="input")
        return self._change(self._build(scripts.set_listener_certificate, listener, profile, allow_demo))

    # ---------------------------------------------------------------- HAT policies

    @staticmethod
    def _check_params(params):
        unknown = sorted(set(params or {}) - set(PARAM_KEYS))
        if unknown:
            raise AsyncOSError("unknown policy parameter(s) %s; known: %s"
                               % (", ".join(unknown), ", ".join(PARAM_KEYS)), kind="input")

    def create_policy(self, listener, name, behaviour="accept", params=None, allow_demo=False):
        """HOSTACCESS → NEW → New Policy. ``params``: {key: value}, keys in PARAM_KEYS,
        value "default" = inherit the listener default; keys not given keep the default."""
        self._check_params(params)
        return self._change(self._build(scripts.create_policy, listener, name, behaviour, params, allow_demo))

    def update_policy(self, listener, name, behaviour=None, params=None, allow_demo=False):
        """HOSTACCESS → EDIT → Edit Policy → POLICY. Only the given keys are answered;
        the others keep their current value."""
        self._check_params(params)
        return self._change(self._build(scripts.update_policy, listener, name, behaviour, params, allow_demo))

    def delete_policy(self, listener, name, force=False):
        """HOSTACCESS → DELETE → Delete Policy. Without ``force`` a policy still used by a
        sender group is not deleted (the appliance's "continue?" is answered N, then fails)."""
        return self._change(self._build(scripts.delete_policy, listener, name, force))

    # ---------------------------------------------------------------- HAT sender groups

    def create_sender_group(self, listener, name, senders, policy, comment=""):
        """HOSTACCESS → NEW → New Sender Group. Appended after the last group (use
        ``move_sender_group`` to reorder)."""
        if not senders:
            raise AsyncOSError("sender group %s needs at least one sender" % name, kind="input")
        return self._change(self._build(scripts.create_sender_group, listener, name, senders, policy, comment))

    def add_senders(self, listener, group, senders):
        if not senders:
            return None
        return self._change(self._build(scripts.add_senders, listener, group, senders))

    def remove_senders(self, listener, group, senders):
        if not senders:
            return None
        return self._change(self._build(scripts.remove_senders, listener, group, senders))

    def set_sender_group_policy(self, listener, group, policy, comment=None):
        """EDIT → sender group → POLICY. ``comment=None`` keeps the current comment."""
        return self._change(self._build(scripts.set_sender_group_policy, listener, group, policy, comment))

    def move_sender_group(self, listener, group, before):
        """MOVE ``group`` so that it sits just before the group named ``before``."""
        if group == before:
            return None
        return self._change(self._build(scripts.move_sender_group, listener, group, before))

    def delete_sender_group(self, listener, name):
        return self._change(self._build(scripts.delete_sender_group, listener, name))

    # ---------------------------------------------------------------- pending changes

    def commit(self, comment, save_for_rollback=True):
        """Commit this session's pending changes. Returns True when the appliance says
        "Changes committed", False on "There is no data to commit."; any other outcome raises."""
        script = scripts.commit(comment, save_for_rollback)
        if self.check_mode or self.rehearse:
            self.planned.extend(scripts.plan_lines(script))
            return False
        result = self.run_dialog(script)
        output = result.get("captures", {}).get("output", "")
        outcome = cfg.parse_commit(output)
        if outcome is None:
            said = (dialect.COMMIT_DONE.keys[0], dialect.NO_DATA_TO_COMMIT.keys[0], output.strip()[-300:])
            raise AsyncOSError("the outcome of the commit is unknown: the appliance printed neither \"%s\" nor "
                               "\"%s\" (it said: %s)" % said, dialog=result.get("tail"), kind="device", result=result)
        return outcome == cfg.COMMITTED

    def clear_changes(self):
        """Abandon this session's pending changes (``clearchanges``). Returns False when
        nothing was pending."""
        script = scripts.clearchanges()
        if self.check_mode:
            self.planned.extend(scripts.plan_lines(script))
            return False
        result = self.run_dialog(script)
        return cfg.parse_clearchanges(result.get("captures", {}).get("output", ""))

    def set_cluster_mode(self, level, name=None):
        """Switch the session to a cluster level: "cluster", "group" NAME, "machine" NAME."""
        return self.run_dialog(self._build(scripts.clustermode, level, name))

    def abandon(self):
        """Best effort ``clearchanges`` after a failed change; never raises."""
        if self.check_mode:
            return False
        try:
            return self.clear_changes()
        except AsyncOSError:
            return False
