# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dialog engine: runs a script (see ``scripts``) over a transport, one step per send.

It runs inside the persistent connection (the cliconf plugin gives it a transport over
``network_cli``); unit tests give it a scripted fake transport. Guarantees:

* each step waits for a prompt and is matched by *text*; menu items are chosen by text;
* PEM is pasted one line per send without waiting, ended by ``.`` (waited on);
* the pager is answered; documented error strings fail the dialog;
* cluster notices: "Switch modes" is chosen (or the dialog fails, as configured);
  "start a new, empty configuration" is never chosen;
* the session is ALWAYS returned to the main prompt, also on error; when that is not
  possible the transport is closed (the appliance then discards the session's pending
  changes) and the failure says so.
"""

from __future__ import annotations

import re

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect as d
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.transcript import REDACTED, redact_text

TAIL_ENTRIES = 12
MAX_PAGES = 2000
_PROMPTS = d.prompt_regexes()
_ERRORS = d.error_regexes()
_MENU_ITEM_RE = re.compile(r"^\s*(\d+)\.\s+(.*?)\s*$")


class TransportError(Exception):
    """The session is gone (dropped, timed out, closed); the transport is closed."""


class DialogError(Exception):
    def __init__(self, message, kind="unexpected"):
        super(DialogError, self).__init__(message)
        self.message = message
        self.kind = kind


class _RetryAtCluster(Exception):
    pass


class Transport:
    """What the engine needs from a session. ``send`` types ``line`` + Enter and returns
    everything printed up to and including the next prompt (main, sub-prompt, pager or
    paste instruction); it raises TransportError (after closing) when the session is lost."""

    def send(self, line):  # pragma: no cover - interface
        raise NotImplementedError

    def send_only(self, line):  # pragma: no cover - interface
        raise NotImplementedError

    def last_prompt(self):  # pragma: no cover - interface
        """The last prompt seen (text), or None when not known."""
        raise NotImplementedError

    def close(self):  # pragma: no cover - interface
        raise NotImplementedError


# ------------------------------------------------------------------------------ helpers

def classify(block):
    """Kind of the prompt that ends ``block``: main, yesno, sub, paste, pager or None."""
    text = block or ""
    for kind, regex in _PROMPTS:
        match = regex.search(text)
        if match:
            if kind == "sub" and match.group(1) in d.YESNO_DEFAULTS:
                return "yesno"
            return kind
    return None


def prompt_line(block):
    """The last line of a block (the prompt)."""
    text = (block or "").rstrip("\r\n")
    return text.replace("\r", "\n").split("\n")[-1]


def menu_items(block):
    """Numbered items ``N. TEXT`` of a block, in order: [(number, text)]."""
    items = []
    for line in (block or "").replace("\r", "\n").split("\n"):
        match = _MENU_ITEM_RE.match(line)
        if match:
            items.append((match.group(1), match.group(2)))
    return items


def find_item(items, text, mode="exact"):
    """Number of the item matching ``text`` (exact / prefix / word), or None."""
    found = []
    for number, item in items:
        if mode == "exact":
            ok = item == text
        elif mode == "prefix":
            ok = item.startswith(text)
        elif mode == "word":
            ok = item == text or item.startswith(text + " ") or item.startswith(text + "\t")
        else:
            raise ValueError("unknown match mode %r" % mode)
        if ok:
            found.append(number)
    if not found:
        return None
    if mode == "exact" and len(found) > 1:
        raise DialogError("menu item %r is offered more than once" % text, kind="menu")
    return found[0]


def find_error(block):
    for regex in _ERRORS:
        match = regex.search(block or "")
        if match:
            start = match.start()
            end = (block or "").find("\n", start)
            return (block[start:] if end < 0 else block[start:end]).strip()
    return None


def question_text(block, lines=3):
    """The last few non-empty lines before the prompt, for messages."""
    rows = [r.strip() for r in (block or "").replace("\r", "\n").split("\n") if r.strip()]
    return " / ".join(rows[-lines:])


def _expects(step):
    expect = step.get("expect")
    if expect is None:
        return []
    return list(expect) if isinstance(expect, (list, tuple)) else [expect]


# ------------------------------------------------------------------------------ engine

class DialogEngine:
    """Runs scripts over ``transport``.

    :param on_unconfigured_mode: "switch" or "fail" (cluster level notices)
    :param record: keep the whole redacted transcript in results (else only the tail)
    """

    def __init__(self, transport, on_unconfigured_mode="switch", record=False, max_backout=60):
        self.transport = transport
        self.on_unconfigured_mode = on_unconfigured_mode
        self.record = record
        self.max_backout = max_backout
        self.entries = []
        self.last_main_prompt = None

    # -------------------------------------------------------------- low level

    def _log(self, sent, block, secret=False, note=None):
        entry = {"send": REDACTED if secret and sent else sent, "recv": redact_text(block)}
        if note:
            entry["note"] = note
        self.entries.append(entry)

    def send(self, line, secret=False, note=None):
        """Type ``line``; answer the pager; return the whole block up to the next prompt."""
        pages = []
        out = self.transport.send(line)
        for _page in range(MAX_PAGES):
            if classify(out) != "pager":
                break
            page = out.rstrip()
            if page.endswith(d.PAGER_TEXT):
                page = page[: -len(d.PAGER_TEXT)]
            pages.append(page.rstrip(" \t"))
            out = self.transport.send("")
        else:
            raise DialogError("output did not end after %d pages" % MAX_PAGES, kind="unexpected")
        if pages:
            out = "\n".join(p.rstrip("\n") for p in pages) + "\n" + out.lstrip("\r\n")
        self._log(line, out, secret=secret, note=note)
        if classify(out) == "main":
            self.last_main_prompt = prompt_line(out)
        return out

    def paste(self, lines, secret=True):
        """Paste lines one per send (no waiting), then ``.`` and wait for the next prompt."""
        for line in lines:
            self.transport.send_only(line)
        note = "%d lines pasted" % len(lines)
        return self.send(d.PASTE_END, note=note if secret else None)

    def choose(self, block, text, mode="exact", secret=False):
        items = menu_items(block)
        number = find_item(items, text, mode)
        if number is None:
            raise DialogError(
                'the appliance did not offer "%s" at "%s" (offered: %s)'
                % (text, question_text(block, 2), ", ".join('"%s"' % i for _num, i in items) or "nothing"),
                kind="menu")
        return self.send(number, secret=secret, note='chose "%s"' % text)

    def _act(self, spec, block):
        if "paste" in spec:
            return self.paste(spec["paste"], secret=bool(spec.get("secret")))
        if "choose" in spec:
            return self.choose(block, spec["choose"], spec.get("match_mode") or "exact",
                               secret=spec.get("secret") is True)
        return self.send(spec.get("answer", ""), secret=bool(spec.get("secret")))

    # -------------------------------------------------------------- back out

    def to_main(self, block=None):
        """Answer until the main prompt: empty lines at menus, N at yes/no questions, "."
        at paste instructions, "Switch modes" at the cluster notice (never "start new")."""
        if block is None:
            block = self.transport.last_prompt()
        for _answer in range(self.max_backout):
            kind = classify(block)
            if kind == "main":
                self.last_main_prompt = prompt_line(block)
                return block
            if kind is None:
                break
            if d.CLUSTER_WHAT_TO_DO_Q in block or d.CLUSTER_NOTICE in block:
                number = find_item(menu_items(block), d.CLUSTER_SWITCH_ITEM, "prefix")
                if number is None:
                    break
                block = self.send(number, note="back out: switch modes")
            elif kind == "yesno":
                block = self.send(d.NO, note="back out")
            elif kind == "paste":
                block = self.send(d.PASTE_END, note="back out")
            else:
                block = self.send("", note="back out")
        self.transport.close()
        raise TransportError(
            "could not return the CLI session to the main prompt (last prompt: %r); the session "
            "was closed, so the appliance discards its uncommitted changes" % prompt_line(block))

    # -------------------------------------------------------------- cluster notices

    def _cluster(self, block, result):
        """Handle cluster-level notices in ``block``. Returns the next block, or None when
        the block holds no notice."""
        if d.CLUSTER_WHAT_TO_DO_Q in block and d.CLUSTER_NOTICE in block:
            items = menu_items(block)
            number = find_item(items, d.CLUSTER_SWITCH_ITEM, "prefix")
            current = re.search(d.CLUSTER_MODE_RE, block)
            current = current.group(1) if current else None
            target = None
            for num, text in items:
                if num == number:
                    match = re.search(d.CLUSTER_SWITCH_ITEM_RE, text)
                    target = match.group(1) if match else text
            if number is None:
                raise DialogError("the appliance says this setting is not configured at the current cluster "
                                  "level (%s) and offers no way to switch modes; refusing to start an empty "
                                  "configuration there" % current, kind="cluster_mode")
            if self.on_unconfigured_mode == "switch":
                result["switched_level"] = target
                return self.send(number, note="cluster notice: switch modes to %s" % target)
            # fail: switching is harmless (creates nothing); back out and return to the level
            block = self.send(number, note="cluster notice: switch modes (to back out)")
            self.to_main(block)
            self._restore_level(current)
            raise DialogError(
                'this setting is configured at cluster level "%s", not at the current level "%s"; '
                "on_unconfigured_mode=fail, so nothing was changed (use on_unconfigured_mode=switch, or "
                "switch the session to that level first)" % (target, current), kind="cluster_mode")
        if d.CLUSTER_NEW_EMPTY_YESNO in block:
            current = re.search(d.CLUSTER_MODE_RE, block)
            current = current.group(1) if current else None
            block = self.send(d.NO, note="cluster notice: never start an empty configuration")
            if self.on_unconfigured_mode == "switch" and not result.get("_retried"):
                self.to_main(block)
                raise _RetryAtCluster(current)
            self.to_main(block)
            raise DialogError(
                "this setting is not configured at the current cluster level (%s); the appliance asked to "
                "start a new, empty configuration there and the answer was no%s"
                % (current, "" if self.on_unconfigured_mode == "fail" else
                   " (switching to the cluster level did not help)"), kind="cluster_mode")
        if d.CLUSTER_RESTRICTED_SWITCH_Q in block and classify(block) == "yesno":
            if self.on_unconfigured_mode == "switch":
                match = re.search(r'switch to "([^"]+)"', block)
                result["switched_level"] = match.group(1) if match else "required mode"
                return self.send(d.YES, note="cluster notice: switch to the required mode")
            block = self.send(d.NO)
            self.to_main(block)
            raise DialogError("this command is restricted to another cluster mode (%s); on_unconfigured_mode=fail"
                              % question_text(block, 1), kind="cluster_mode")
        return None

    def _restore_level(self, level):
        if not level:
            return
        kind, _sep, name = level.partition(" ")
        try:
            command = d.level_command(kind, name)
        except ValueError:
            return
        block = self.send(command, note="restore cluster level")
        self.to_main(block)

    # -------------------------------------------------------------- script execution

    @staticmethod
    def _step_matches(step, block, kind):
        wanted = step.get("prompt", "any")
        if wanted == "main":
            if kind != "main":
                return False
        elif kind == "main":
            return False
        elif wanted == "paste" and kind != "paste":
            return False
        expects = _expects(step)
        if expects and not any(e in block for e in expects):
            return False
        if step.get("expect_re") and not re.search(step["expect_re"], block, re.MULTILINE):
            return False
        return True

    @staticmethod
    def _handler_for(handlers, block):
        for handler in handlers or []:
            if handler.get("match") and handler["match"] in block:
                return handler
        return None

    def _execute(self, script, result):
        steps = script.get("steps") or []
        handlers = script.get("handlers") or []
        block = self.send(script["command"])
        index = 0
        guard = 0
        while True:
            guard += 1
            if guard > 5000:
                raise DialogError("dialog did not finish", kind="unexpected")
            error = find_error(block)
            if error:
                raise DialogError(error, kind="device")
            nxt = self._cluster(block, result)
            if nxt is not None:
                block = nxt
                continue
            kind = classify(block)
            if index >= len(steps):
                return block
            step = steps[index]

            if "questions" in step:
                until = step.get("until")
                if until and until in block and kind != "main":
                    index += 1
                    continue
                question = None
                for item in step["questions"]:
                    if item["match"] in block:
                        question = item
                        break
                if question is not None and kind != "main":
                    block = self._act(question, block)
                    continue
                handler = self._handler_for(handlers, block)
                if handler is not None and kind != "main":
                    block = self._handle(handler, block)
                    continue
                if kind == "main" or kind is None:
                    raise DialogError("the command ended while answering questions (expected %r); appliance "
                                      "said: %s" % (until, question_text(block)), kind="unexpected")
                asked = question_text(block, 2)
                if step.get("unknown") == "fail":
                    raise DialogError("unexpected question: %s" % asked, kind="unexpected")
                result["unknown_questions"].append(asked)
                block = self.send("" if kind != "paste" else d.PASTE_END, note="unknown question: kept")
                continue

            if self._step_matches(step, block, kind):
                if step.get("capture"):
                    result["captures"][step["capture"]] = block
                index += 1
                if any(k in step for k in ("answer", "choose", "paste")):
                    block = self._act(step, block)
                continue
            if step.get("optional"):
                index += 1
                continue
            handler = self._handler_for(handlers, block)
            if handler is not None and kind != "main":
                block = self._handle(handler, block)
                continue
            expected = " or ".join('"%s"' % e for e in _expects(step)) or ("the main prompt" if step.get(
                "prompt") == "main" else "a question")
            if kind == "main":
                raise DialogError("the command ended before the dialog was complete (expected %s); appliance "
                                  "said: %s" % (expected, question_text(block)), kind="unexpected")
            raise DialogError("unexpected question (expected %s): %s" % (expected, question_text(block)),
                              kind="unexpected")

    def _handle(self, handler, block):
        block = self._act(handler, block)
        if handler.get("error"):
            self.to_main(block)
            raise DialogError(handler["error"], kind="refused")
        return block

    def run(self, script):
        """Run ``script``; never raises for device or dialog errors (see the result's ok,
        error, error_kind). The session ends at the main prompt, or closed."""
        self.entries = []
        result = {"name": script.get("name", script.get("command")), "ok": True, "error": None,
                  "error_kind": None, "captures": {}, "unknown_questions": [], "switched_level": None,
                  "prompt": None, "changes": bool(script.get("changes", True))}
        try:
            self.to_main()
            while True:
                try:
                    block = self._execute(script, result)
                    self.to_main(block)
                    break
                except _RetryAtCluster:
                    result["_retried"] = True
                    result["switched_level"] = "%s (retry)" % d.CMD_CLUSTERMODE_CLUSTER
                    self.to_main(self.send(d.CMD_CLUSTERMODE_CLUSTER, note="retry at cluster level"))
                    result["captures"] = {}
        except TransportError as exc:
            result.update(ok=False, error=str(exc), error_kind="connection")
        except DialogError as exc:
            result.update(ok=False, error=exc.message, error_kind=exc.kind)
            try:
                self.to_main()
            except TransportError as exc2:
                result["error"] = "%s; %s" % (exc.message, exc2)
            except DialogError as exc2:  # pragma: no cover - defensive
                result["error"] = "%s; %s" % (exc.message, exc2.message)
        result.pop("_retried", None)
        result["prompt"] = self.last_main_prompt
        result["tail"] = self.entries[-TAIL_ENTRIES:]
        result["transcript"] = list(self.entries) if self.record else []
        return result
