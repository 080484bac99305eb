# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dialog engine: runs a script (see ``scripts``) over a transport, one step per send.

It runs inside the persistent connection (the cliconf plugin gives it a transport over
``network_cli``); unit tests give it a scripted fake transport. Guarantees:

* each step waits for a prompt; questions are recognised by key phrases (case- and
  whitespace-insensitive), menu items are chosen by text, never by a fixed number;
* a step the public record places but whose wording it does not show may be recognised by
  its place (``by_position``) - the wording the appliance used is then reported as "differed";
* a yes/no question the script does not know is answered with the default of its ``[X]>``
  bracket and reported (``unknown_questions``); any other unknown prompt (free text, a list)
  abandons the dialog: back to the main prompt, failure naming the question and the last
  known step;
* PEM is pasted one line per send without waiting, ended by ``.``; the pager is answered;
  lines the terminal wrapped are joined again; documented error strings fail the dialog;
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
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

TAIL_ENTRIES = 12
MAX_PAGES = 5000
_PROMPTS = d.prompt_regexes()
_ERRORS = d.error_regexes()
_SUB_PROMPT = re.compile(d.SUB_PROMPT_RE)
_MENU_ITEM_RE = re.compile(d.MENU_ITEM_RE)
_PAGER_ERASE = re.compile(d.PAGER_ERASE_RE)

# Step statuses reported per dialog (the rehearsal report reads them).
MATCHED = "matched"      # recognised by its key phrases
DIFFERED = "differed"    # recognised by its place; the appliance's wording differs from ours
ABSENT = "absent"        # an optional step the appliance did not ask
HANDLED = "handled"      # a question that may come at any point (handler)
DEFAULTED = "defaulted"  # an unknown yes/no question, answered with its bracketed default


class TransportError(MailsecError):
    """The session is gone (dropped, timed out, closed); the transport is closed."""


class DialogError(MailsecError):
    def __init__(self, message, kind="unexpected"):
        super(DialogError, self).__init__(message)
        self.kind = kind


class _RetryAtCluster(MailsecError):
    """Run the command again at cluster level; ``message`` is the level the session was at."""


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

    def wrap_width(self):
        """The width at which the appliance wraps lines in this session (None: it does not)."""
        return None


# ------------------------------------------------------------------------------ text helpers

# Characters that open something a line must close: a row that leaves one open continues.
_OPENERS = (("(", ")"), ("<", ">"), ("{", "}"))


def _continues(row, following):
    """Whether a row of exactly the terminal width continues on the following row.

    The appliance wraps a longer line by writing CRLF after every ``width`` characters, and
    writes CRLF after a line of exactly ``width`` characters too: the two look alike. Read by
    the shape of what the appliance prints (docs/asyncos-dialect.md section 8): a row that
    leaves a parenthesis, angle bracket, brace or double quote open continues; otherwise an
    empty or indented following row is a new line (every HAT, XML and listing line the
    collection reads starts with its indentation or at the left margin with a non-blank, and a
    sender or certificate name has no blank to be cut at), any other row continues. A wrong
    reading can only make the read-back differ from what was staged, which the verification
    refuses: it never makes a wrong configuration look right.
    """
    if not following:
        return False
    if row.count('"') % 2 or any(row.count(o) > row.count(c) for o, c in _OPENERS):
        return True
    return not following[0].isspace()


def unwrap(text, width):
    """Join the lines a terminal of ``width`` columns split (see ``_continues``)."""
    if not width or not text:
        return text
    rows = text.split("\n")
    out = []
    pending = ""
    for index, line in enumerate(rows):
        bare = line[:-1] if line.endswith("\r") else line
        if len(bare) == width and index + 1 < len(rows):
            following = rows[index + 1]
            if _continues(pending + bare, following[:-1] if following.endswith("\r") else following):
                pending += bare
                continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def clean(text, width=None):
    """Received text as the engine reads it: pager erasures removed, wrapped lines joined."""
    if not text:
        return text
    return unwrap(_PAGER_ERASE.sub("", text), width)


def classify(block):
    """Kind of the prompt that ends ``block``: main, yesno, sub, paste, pager or None."""
    text = block or ""
    for kind, regex in _PROMPTS:
        match = regex.search(text)
        if match:
            if kind == "sub" and _bracket(match.group(1)) in d.YESNO_DEFAULTS:
                return "yesno"
            return kind
    return None


def _bracket(raw):
    return re.sub(r"[\r\n]", "", raw or "").strip()


def prompt_default(block):
    """The default shown in the ``[X]> `` bracket that ends ``block`` ('' when empty or none)."""
    match = _SUB_PROMPT.search(block or "")
    return _bracket(match.group(1)) if match else ""


def prompt_line(block):
    """The last line of a block (the prompt)."""
    text = (block or "").rstrip("\r\n")
    return text.replace("\r", "\n").split("\n")[-1]


def menu_items(block):
    """Numbered items ``N. TEXT`` of a block, in order: [(number, text)]."""
    items = []
    for line in (block or "").replace("\r", "\n").split("\n"):
        match = _MENU_ITEM_RE.match(line)
        if match and match.group(2):
            items.append((match.group(1), match.group(2)))
    return items


def sub_kind(block):
    """For a sub-prompt block: "menu" (operation menu), "list" (numbered items) or "text"."""
    if d.MENU_OPERATION.found_in(block):
        return "menu"
    if menu_items(block):
        return "list"
    return "text"


def _word_re(word):
    return re.compile(r"(?<![A-Za-z0-9_.$-])%s(?![A-Za-z0-9_.-])" % re.escape(d.normalize(word)))


def item_matches(text, matcher):
    """Does a list item's text match ``matcher``: {"first": NAME} (the item's first word, as
    listings of listeners, groups, policies and profiles print names), {"word": NAME} (a whole
    word), {"contains": [phrases]} (any phrase) or {"exact": TEXT}; all case- and
    whitespace-insensitive."""
    flat = d.normalize(text)
    if "first" in matcher:
        return flat.split(" ", 1)[0] == d.normalize(matcher["first"])
    if "exact" in matcher:
        return flat == d.normalize(matcher["exact"])
    if "word" in matcher:
        return bool(_word_re(matcher["word"]).search(flat))
    if "contains" in matcher:
        return any(p in flat for p in matcher["contains"])
    raise ValueError("unknown item matcher %r" % (matcher,))


def find_item(items, matcher):
    """Number of the one item matching ``matcher``, or None. Several matches: an exact
    (normalised) text match wins, else the choice is ambiguous and refused."""
    found = [(number, text) for number, text in items if item_matches(text, matcher)]
    if not found:
        return None
    if len(found) > 1:
        name = matcher.get("first") or matcher.get("word") or matcher.get("exact")
        exact = [n for n, t in found if name is not None and d.normalize(t) == d.normalize(name)]
        if len(exact) == 1:
            return exact[0]
        raise DialogError("more than one item matches %s: %s" % (_describe(matcher), ", ".join(
            '"%s"' % t for _n, t in found)), kind="menu")
    return found[0][0]


def _describe(matcher):
    for key in ("first", "word", "exact"):
        if key in matcher:
            return '"%s"' % matcher[key]
    return " or ".join('"%s"' % p for p in matcher.get("contains", []))


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


def _found(phrases, block):
    if not phrases:
        return True
    flat = d.normalize(block)
    return any(p in flat for p in phrases)


def _longest_match(candidates, block):
    """The candidate (a dict with "expect") whose longest key phrase occurs in ``block``."""
    flat = d.normalize(block)
    best, best_len = None, 0
    for cand in candidates:
        for phrase in cand.get("expect") or []:
            if phrase in flat and len(phrase) > best_len:
                best, best_len = cand, len(phrase)
    return best


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
        out = _PAGER_ERASE.sub("", self.transport.send(line))
        for _page in range(MAX_PAGES):
            if classify(out) != "pager":
                break
            page = out.rstrip()
            if page.endswith(d.PAGER_TEXT):
                page = page[: -len(d.PAGER_TEXT)]
            pages.append(page.rstrip(" \t"))
            out = _PAGER_ERASE.sub("", self.transport.send(""))
        else:
            raise DialogError("output did not end after %d pages" % MAX_PAGES, kind="unexpected")
        if pages:
            out = "\n".join(p.rstrip("\r\n") for p in pages) + "\n" + out.lstrip("\r\n")
        out = unwrap(out, self.transport.wrap_width())
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

    def choose(self, block, matcher, secret=False, items=None):
        items = menu_items(block) if items is None else items
        number = find_item(items, matcher)
        if number is None:
            raise DialogError(
                'the appliance did not offer %s at "%s" (offered: %s)'
                % (_describe(matcher), question_text(block, 2),
                   ", ".join('"%s"' % i for _num, i in items) or "nothing"), kind="menu")
        return self.send(number, secret=secret, note="chose %s" % _describe(matcher))

    def _act(self, spec, block, result):
        if "paste" in spec:
            return self.paste(spec["paste"], secret=bool(spec.get("secret")))
        if "choose" in spec:
            items = menu_items(block)
            if not items and spec.get("from"):
                items = menu_items(result["captures"].get(spec["from"], ""))
            return self.choose(block, spec["choose"], secret=spec.get("secret") is True, items=items)
        if spec.get("keep"):
            return self.send(self._keep_answer(block), note="kept")
        return self.send(spec.get("answer", ""), secret=bool(spec.get("secret")))

    @staticmethod
    def _keep_answer(block):
        """The answer that keeps what the appliance shows: the bracketed default of a yes/no
        question, an empty line elsewhere (which accepts the bracket)."""
        return prompt_default(block) if classify(block) == "yesno" else ""

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
            if d.CLUSTER_WHAT_TO_DO_Q.found_in(block) or d.CLUSTER_NOTICE.found_in(block):
                number = find_item(menu_items(block), {"contains": d.CLUSTER_SWITCH_ITEM.spec()})
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
        if d.CLUSTER_WHAT_TO_DO_Q.found_in(block) and d.CLUSTER_NOTICE.found_in(block):
            items = menu_items(block)
            number = find_item(items, {"contains": d.CLUSTER_SWITCH_ITEM.spec()})
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
        if classify(block) != "yesno":
            return None
        if d.CLUSTER_NEW_CONFIG_Q.found_in(block):
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
        if d.CLUSTER_OTHER_MACHINE_Q.found_in(block):
            block = self.send(d.NO, note="cluster notice: not choosing another machine")
            self.to_main(block)
            raise DialogError("the appliance asks to run this command on a different machine of the cluster "
                              "(this machine is disconnected?): %s" % question_text(block, 2), kind="cluster_mode")
        if d.CLUSTER_RESTRICTED.found_in(block) and d.CLUSTER_SWITCH_Q.found_in(block):
            if self.on_unconfigured_mode == "switch":
                match = re.search(d.CLUSTER_SWITCH_TARGET_RE, block)
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
    def _kind_ok(step, block, kind):
        wanted = step.get("prompt", "any")
        if kind == "main" or wanted == "main":
            return kind == wanted
        if wanted == "any":
            return kind is not None
        if wanted in ("paste", "yesno"):
            return kind == wanted
        if kind != "sub":
            return False
        if wanted == "sub":
            return True
        sub = sub_kind(block)
        if wanted == "list":
            return sub == "list" or bool(step.get("from"))
        if wanted == "text":
            return sub != "menu"
        return sub == wanted

    def _phrase_match(self, step, block, kind):
        if not self._kind_ok(step, block, kind):
            return False
        if step.get("expect_items"):
            items = menu_items(block)
            return all(any(item_matches(text, m) for _n, text in items) for m in step["expect_items"])
        return _found(step.get("expect"), block)

    @staticmethod
    def _handler_for(handlers, block, kind):
        for handler in handlers or []:
            if handler.get("prompt") and handler["prompt"] != kind:
                continue
            if _found(handler.get("expect"), block):
                return handler
        return None

    @staticmethod
    def _known_phrases(script):
        out = []
        for item in list(script.get("steps") or []) + list(script.get("handlers") or []):
            out.append((item.get("id"), item.get("expect") or []))
        return out

    def _known_elsewhere(self, script, step, block):
        """Does ``block`` carry the key phrase of another step or handler of the script?"""
        flat = d.normalize(block)
        for sid, phrases in self._known_phrases(script):
            if sid == step.get("id"):
                continue
            if any(p in flat for p in phrases):
                return True
        return False

    def _note(self, result, step_id, status, block):
        entry = {"step": step_id, "status": status}
        if status != ABSENT:
            entry["shown"] = redact_text(question_text(block, 2))
        result["steps"].append(entry)
        if status in (MATCHED, DIFFERED, HANDLED):
            result["_last_step"] = step_id

    def _unknown_yesno(self, block, result, where):
        default = prompt_default(block)
        text = redact_text(question_text(block, 2))
        result["unknown_questions"].append({"question": text, "answer": default, "dialog": result["name"],
                                            "after_step": result.get("_last_step")})
        self._note(result, where, DEFAULTED, block)
        return self.send(default, note="unknown question: answered its default [%s]" % default)

    def _abandon(self, block, result, reason=None):
        kind = classify(block)
        shown = question_text(block, 2)
        if kind == "main" or kind is None:
            raise DialogError("the command ended before the dialog was complete (after step %s); appliance said: %s"
                              % (result.get("_last_step") or "none", shown), kind="unexpected")
        raise DialogError(
            '%s: "%s" (last known step: %s). The dialog was abandoned and nothing was answered; the device layer '
            "may not match this appliance - run with rehearse: true and transcript_path, and report it"
            % (reason or "the appliance asked a question this collection does not know", shown,
               result.get("_last_step") or "none"), kind="unknown_prompt")

    def _walk(self, step, block, kind, result, handlers):
        """One block of a parameter walk. Returns (next block, walk finished)."""
        walk = step["walk"]
        if kind == "sub" and _found(walk["until"], block) and sub_kind(block) == "menu":
            return block, True
        if kind in ("main", None):
            self._abandon(block, result)
        handler = self._handler_for(handlers, block, kind)
        if handler is not None:
            self._note(result, handler.get("id"), HANDLED, block)
            return self._handle(handler, block, result), False
        question = _longest_match(walk["questions"], block)
        if question is not None:
            if question.get("abandon"):
                self._abandon(block, result, "%s; the appliance asked" % question["abandon"])
            self._note(result, question["id"], MATCHED, block)
            return self._act(question, block, result), False
        if kind == "yesno":
            return self._unknown_yesno(block, result, step.get("id")), False
        self._abandon(block, result)
        return block, True  # pragma: no cover - _abandon raises

    def _execute(self, script, result):
        steps = script.get("steps") or []
        handlers = script.get("handlers") or []
        block = self.send(script["command"])
        index = 0
        for _guard in range(5000):
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
            if "walk" in step:
                block, finished = self._walk(step, block, kind, result, handlers)
                if finished:
                    index += 1
                continue
            # the current step and the optional steps after it, up to the first required one
            window = [index]
            while steps[window[-1]].get("optional") and window[-1] + 1 < len(steps) \
                    and "walk" not in steps[window[-1] + 1]:
                window.append(window[-1] + 1)
            hit = next((i for i in window if self._phrase_match(steps[i], block, kind)), None)
            if hit is None:
                handler = self._handler_for(handlers, block, kind)
                if handler is not None and kind != "main":
                    self._note(result, handler.get("id"), HANDLED, block)
                    block = self._handle(handler, block, result)
                    continue
                hit = next((i for i in window if steps[i].get("by_position")
                            and self._kind_ok(steps[i], block, kind)
                            and not self._known_elsewhere(script, steps[i], block)), None)
                if hit is not None:
                    status = DIFFERED
                elif kind == "yesno":
                    block = self._unknown_yesno(block, result, steps[index].get("id"))
                    continue
                elif all(steps[i].get("optional") for i in window):
                    for i in window:
                        self._note(result, steps[i].get("id"), ABSENT, block)
                    index = window[-1] + 1
                    continue
                else:
                    self._abandon(block, result)
            else:
                status = MATCHED
            for i in range(index, hit):
                self._note(result, steps[i].get("id"), ABSENT, block)
            step = steps[hit]
            index = hit + 1
            self._note(result, step.get("id"), status, block)
            if step.get("capture"):
                result["captures"][step["capture"]] = block
            if any(k in step for k in ("answer", "choose", "paste", "keep")):
                block = self._act(step, block, result)
        raise DialogError("dialog did not finish", kind="unexpected")

    def _handle(self, handler, block, result):
        block = self._act(handler, block, result)
        if handler.get("error"):
            self.to_main(block)
            raise DialogError(handler["error"], kind="refused")
        return block

    def run(self, script):
        """Run ``script``; never raises for device or dialog errors (see the result's ok,
        error, error_kind). The session ends at the main prompt, or closed."""
        self.entries = []
        result = {"name": script.get("name", script.get("command")), "ok": True, "error": None,
                  "error_kind": None, "captures": {}, "unknown_questions": [], "steps": [],
                  "switched_level": None, "prompt": None, "changes": bool(script.get("changes", True))}
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
                    result["steps"] = []
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
        result["last_step"] = result.pop("_last_step", None)
        result["prompt"] = self.last_main_prompt
        result["tail"] = self.entries[-TAIL_ENTRIES:]
        result["transcript"] = list(self.entries) if self.record else []
        return result
