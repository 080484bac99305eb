# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builders of the dialog scripts every device operation runs.

A script is plain JSON-able data, executed by ``dialog.DialogEngine`` inside the
persistent connection (one RPC per dialog)::

    {"name": "...", "command": "listenerconfig", "changes": True,
     "steps": [STEP, ...], "handlers": [HANDLER, ...], "stage": {...}}

STEP keys:
  id           name of the step (messages, the rehearsal report)
  expect       key phrases (normalised, see ``dialect.normalize``); the block must hold one
  expect_items list of item matchers that must each find an item of the block's list
  prompt       "main" | "menu" (operation menu) | "list" (numbered items) | "text" (free text)
               | "sub" (any of those) | "yesno" | "paste" | "any"
  by_position  the public record places this prompt here without showing its wording: a
               prompt of the right kind is taken even when the phrases differ ("differed")
  optional     the appliance may not ask it
  answer       text to type (then Enter);  keep: true = keep what the appliance shows
  choose       item matcher ({"first": NAME}, {"word": W}, {"contains": [...]}, {"exact": T});
               the engine types the item's number. from: choose from a captured block
               when the current block lists nothing
  paste        list of lines sent one by one without waiting, then "." (wait)
  walk         {"questions": [...], "until": [...]}: the policy parameter sequence
  capture      store the block under this name in the result
  secret       redact the answer in transcripts and plans ("pem": PEM body)
HANDLER keys (questions that may come at any point): id, expect, prompt, answer|choose,
error (answer, finish the dialog, then fail with this message).

``stage`` tells the cliconf what the dialog staged once it succeeds (its overlay of this
session's pending changes, see ``cliconf/asyncos.py``).
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect as d

SECRET_MARK = "********"


def _step(sid, phrase=None, prompt="any", **kwargs):
    step = {"id": sid, "prompt": prompt}
    if phrase is not None:
        step["expect"] = phrase.spec() if isinstance(phrase, d.Phrase) else list(phrase)
    step.update(kwargs)
    return step


def _menu(sid, op=None, capture=None):
    """The operation menu ("Choose the operation ..."); ``op`` is typed, None only looks."""
    step = _step(sid, d.MENU_OPERATION, "menu")
    if op is not None:
        step["answer"] = op
    if capture:
        step["capture"] = capture
    return step


def _script(name, command, steps, handlers=None, changes=True, stage=None):
    script = {"name": name, "command": command, "steps": steps, "handlers": handlers or [],
              "changes": changes}
    if stage is not None:
        script["stage"] = stage
    return script


def _contains(phrase):
    return {"contains": phrase.spec()}


# ---------------------------------------------------------------------------- read-only

def showconfig():
    return _script("showconfig", d.CMD_SHOWCONFIG, [
        _step("showconfig.xml", prompt="main", capture="output"),
    ], handlers=[
        {"id": d.SHOWCONFIG_PASSPHRASE_MENU.name, "expect": d.SHOWCONFIG_PASSPHRASE_MENU.spec(), "prompt": "sub",
         "choose": _contains(d.SHOWCONFIG_MASK_ITEM)},
        {"id": d.SHOWCONFIG_MASK_YESNO.name, "expect": d.SHOWCONFIG_MASK_YESNO.spec(), "prompt": "yesno",
         "answer": d.YES},
    ], changes=False)


def version():
    return _script("version", d.CMD_VERSION, [_step("version.output", prompt="main", capture="output")],
                   changes=False)


def showchanges():
    return _script("showchanges", d.CMD_SHOWCHANGES, [_step("showchanges.output", prompt="main", capture="output")],
                   changes=False)


def clustermode(level, name=None):
    return _script("clustermode", d.level_command(level, name), [_step("clustermode.done", prompt="main",
                                                                       capture="output")], changes=False)


# ---------------------------------------------------------------------------- commit

def commit(comment, save_for_rollback=True):
    return _script("commit", d.CMD_COMMIT, [
        _step(d.COMMIT_COMMENT_Q.name, d.COMMIT_COMMENT_Q, "text", optional=True, answer=comment or ""),
        # IAF-CO: the question may come after the comment; N keeps the changes (and the result is
        # then read: only "Changes committed" counts as a commit).
        _step(d.COMMIT_DISCARD_Q.name, d.COMMIT_DISCARD_Q, "yesno", optional=True, answer=d.NO),
        _step(d.COMMIT_ROLLBACK_Q.name, d.COMMIT_ROLLBACK_Q, "yesno", optional=True,
              answer=d.YES if save_for_rollback else d.NO),
        _step("commit.done", prompt="main", capture="output"),
    ], stage={"kind": "commit"})


def clearchanges():
    return _script("clearchanges", d.CMD_CLEARCHANGES, [
        _step(d.CLEAR_Q.name, d.CLEAR_Q, "yesno", optional=True, answer=d.YES),
        _step("clearchanges.done", prompt="main", capture="output"),
    ], stage={"kind": "clear"})


# ---------------------------------------------------------------------------- certconfig

def _paste_block(pem):
    return [line.rstrip("\r") for line in (pem or "").strip().splitlines() if line.strip()]


def _certificate_menu(op):
    return [
        _menu("certconfig.menu", d.OP_CERTIFICATE),
        _menu("certconfig.certificate_menu", op, capture="listing_before"),
    ]


def paste_certificate(name, cert_pem, key_pem, intermediates=(), overwrite=False):
    intermediates = list(intermediates or ())
    steps = _certificate_menu(d.OP_PASTE) + [
        _step(d.CERT_NAME_Q.name, d.CERT_NAME_Q, "text", by_position=True, answer=name),
    ]
    if overwrite:
        steps.append(_step(d.CERT_OVERWRITE_Q.name, d.CERT_OVERWRITE_Q, "any", optional=True, answer=d.YES))
    steps += [
        _step(d.PASTE_CERT_Q.name, d.PASTE_CERT_Q, "paste", paste=_paste_block(cert_pem), secret="pem"),
        _step(d.PASTE_KEY_Q.name, d.PASTE_KEY_Q, "paste", paste=_paste_block(key_pem), secret=True),
    ]
    for index, pem in enumerate(intermediates):
        steps.append(_step("%s.%d" % (d.ADD_INTERMEDIATE_Q.name, index + 1), d.ADD_INTERMEDIATE_Q, "yesno",
                           by_position=True, answer=d.YES))
        steps.append(_step("%s.%d" % (d.PASTE_INTERMEDIATE_Q.name, index + 1), d.PASTE_INTERMEDIATE_Q, "paste",
                           paste=_paste_block(pem), secret="pem"))
    steps.append(_step("%s.none" % d.ADD_INTERMEDIATE_Q.name if not intermediates else
                       "%s.no_more" % d.ADD_INTERMEDIATE_Q.name, d.ADD_INTERMEDIATE_Q, "yesno", by_position=True,
                       answer=d.NO))
    # 14.0+ (absent in 12.1): our own validation already checked the names; N is the bracket's default.
    steps.append(_step(d.CN_FQDN_Q.name, d.CN_FQDN_Q, "yesno", optional=True, answer=d.NO))
    steps.append(_menu("certconfig.certificate_menu.after", capture="listing_after"))
    handlers = []
    if not overwrite:
        handlers.append({"id": d.CERT_OVERWRITE_Q.name, "expect": d.CERT_OVERWRITE_Q.spec(), "answer": d.NO,
                         "error": "certificate profile %s already exists (overwrite not allowed)" % name})
    stage = {"kind": "certificate", "name": name, "cert": cert_pem, "intermediates": intermediates}
    return _script("paste_certificate", d.CMD_CERTCONFIG, steps, handlers, stage=stage)


def delete_certificate(name):
    return _script("delete_certificate", d.CMD_CERTCONFIG, _certificate_menu(d.OP_DELETE) + [
        _step(d.CERT_DELETE_Q.name, d.CERT_DELETE_Q, "list", by_position=True, choose={"first": name}),
        _step(d.CERT_DELETE_CONFIRM_Q.name, d.CERT_DELETE_CONFIRM_Q, "yesno", optional=True, answer=d.YES),
        _menu("certconfig.certificate_menu.after", capture="listing_after"),
    ], stage={"kind": "certificate_deleted", "name": name})


# ---------------------------------------------------------------------------- listenerconfig

def _listener(listener, op):
    """listenerconfig -> EDIT -> the listener (chosen by number from the listing) -> ``op``."""
    return [
        _menu("listenerconfig.menu", d.OP_EDIT, capture="listeners"),
        _step(d.LISTENER_EDIT_Q.name, d.LISTENER_EDIT_Q, "sub", by_position=True, choose={"first": listener},
              **{"from": "listeners"}),
        _menu("listener.menu", op),
    ]


def _hostaccess(listener, op):
    return _listener(listener, d.OP_HOSTACCESS) + [_menu("hostaccess.menu", op)]


def _print_hat():
    """Back at the HOSTACCESS menu: PRINT, and capture the listing the change is verified with."""
    return [
        _menu("hostaccess.menu.print", d.OP_PRINT),
        _menu("hostaccess.menu.after", capture="hat_print"),
    ]


def _hat_stage(listener):
    return {"kind": "hat", "listener": listener}


def _demo_handler(listener, allow_demo):
    handler = {"id": d.DEMO_CERT_Q.name, "expect": d.DEMO_CERT_Q.spec(), "prompt": "yesno",
               "answer": d.YES if allow_demo else d.NO}
    if not allow_demo:
        handler["error"] = ("listener %s uses the demo certificate; the appliance asked to confirm "
                            "using it for TLS and the answer was no (TLS left unchanged). Install "
                            "and assign a real certificate first, or allow the demo certificate"
                            % listener)
    return handler


def _add_anyway_handler():
    return {"id": d.HOST_ADD_ANYWAY_Q.name, "expect": d.HOST_ADD_ANYWAY_Q.spec(), "prompt": "yesno",
            "answer": d.YES}


def set_listener_certificate(listener, profile, allow_demo=False):
    steps = _listener(listener, d.OP_CERTIFICATE) + [
        _step(d.LISTENER_CERT_Q.name, d.LISTENER_CERT_Q, "list", by_position=True, choose={"first": profile}),
        _menu("listener.menu.after"),
    ]
    return _script("set_listener_certificate", d.CMD_LISTENERCONFIG, steps, [_demo_handler(listener, allow_demo)],
                   stage={"kind": "listener_certificate", "listener": listener, "profile": profile})


def _walk_question(question, params):
    entry = {"id": question.name, "expect": question.spec(), "kind": question.kind}
    if question.unanswerable:
        entry["abandon"] = question.unanswerable
        return entry
    if question.key not in params:
        entry["keep"] = True
        return entry
    value = str(params[question.key])
    if question.role == "gate":
        entry["answer"] = d.NO if value == d.UNLIMITED else d.YES
    elif question.key == d.PARAM_TLS:
        entry["choose"] = {"exact": _item(d.TLS_ITEMS, value, question.key)}
    elif question.key == d.PARAM_SMTPAUTH_ALLOW:
        entry["choose"] = {"exact": _item(d.SMTPAUTH_ITEMS, value, question.key)}
    elif question.kind == "yesno":
        entry["answer"] = d.YES if value in ("on", "true", "yes") else d.NO
    else:
        entry["answer"] = value
    return entry


def _item(items, value, key):
    if value not in items:
        raise ValueError("invalid value %r for policy parameter %s (valid: %s)" % (value, key, ", ".join(items)))
    return items[value]


def parameter_walk(params):
    """The policy parameter sequence: managed keys answered, every other known question kept."""
    unknown = sorted(set(params or {}) - set(d.PARAM_KEYS))
    if unknown:
        raise ValueError("unknown policy parameter(s) %s (known: %s)" % (", ".join(unknown), ", ".join(d.PARAM_KEYS)))
    params = dict((k, v) for k, v in (params or {}).items() if v is not None)
    return {"questions": [_walk_question(q, params) for q in d.PARAM_SEQUENCE], "until": d.MENU_OPERATION.spec()}


def _behaviour_step(behaviour):
    if behaviour is None:
        return _step(d.BEHAVIOUR_Q.name, d.BEHAVIOUR_Q, "list", by_position=True, keep=True)
    if behaviour not in d.BEHAVIOUR_ITEMS:
        raise ValueError("invalid behaviour %r (valid: %s)" % (behaviour, ", ".join(d.BEHAVIOUR_ITEMS)))
    return _step(d.BEHAVIOUR_Q.name, d.BEHAVIOUR_Q, "list", by_position=True,
                 choose={"word": d.BEHAVIOUR_ITEMS[behaviour]})


def _policy_behaviour_step(policy):
    return _step(d.BEHAVIOUR_Q.name, d.BEHAVIOUR_Q, "list", by_position=True, choose={"word": policy})


def _params_steps(params, optional=False):
    if not params:
        return [_step(d.CHANGE_PARAMS_Q.name, d.CHANGE_PARAMS_Q, "yesno", by_position=not optional,
                      optional=optional, answer=d.NO)]
    return [
        _step(d.CHANGE_PARAMS_Q.name, d.CHANGE_PARAMS_Q, "yesno", by_position=True, answer=d.YES),
        _step("hat.parameters", walk=parameter_walk(params)),
    ]


def _entry_type(item, optional=False):
    """NEW / EDIT / DELETE: the list of entry types (sender group or policy). After EDIT and
    DELETE the CLI may skip it and list the entries at once (IAF-L12)."""
    return _step(d.HAT_ENTRY_TYPE_Q.name, prompt="list", optional=optional, by_position=not optional,
                 expect_items=[_contains(d.HAT_GROUP_ITEM), _contains(d.HAT_POLICY_ITEM)],
                 choose=_contains(item))


def _pick(sid, name, capture=None):
    step = _step(sid, d.HAT_PICK_Q, "list", by_position=True, choose={"first": name})
    if capture:
        step["capture"] = capture
    return step


def create_policy(listener, name, behaviour="accept", params=None, allow_demo=False):
    steps = _hostaccess(listener, d.OP_NEW) + [
        _entry_type(d.HAT_POLICY_ITEM),
        _step(d.POLICY_NAME_Q.name, d.POLICY_NAME_Q, "text", by_position=True, answer=name),
        _behaviour_step(behaviour),
    ] + _params_steps(params) + _print_hat()
    return _script("create_policy", d.CMD_LISTENERCONFIG, steps, [_demo_handler(listener, allow_demo)],
                   stage=_hat_stage(listener))


def update_policy(listener, name, behaviour=None, params=None, allow_demo=False):
    steps = _hostaccess(listener, d.OP_EDIT) + [
        _entry_type(d.HAT_POLICY_ITEM, optional=True),
        _pick("hat.pick.policy", name),
        # IAF-L12: after the policy the behaviour list comes at once; a NAME / POLICY menu is
        # handled too: POLICY before the change, an empty answer (up one level) after it.
        _step("hat.policy.menu", d.HAT_POLICY_MENU, "menu", optional=True, answer=d.OP_POLICY),
        _behaviour_step(behaviour),
    ] + _params_steps(params) + [
        _step("hat.policy.menu.leave", d.HAT_POLICY_MENU, "menu", optional=True, answer=""),
    ] + _print_hat()
    return _script("update_policy", d.CMD_LISTENERCONFIG, steps, [_demo_handler(listener, allow_demo)],
                   stage=_hat_stage(listener))


def delete_policy(listener, name, force=False):
    steps = _hostaccess(listener, d.OP_DELETE) + [
        _entry_type(d.HAT_POLICY_ITEM, optional=True),
        _pick("hat.pick.policy", name),
    ] + _print_hat()
    handler = {"id": d.POLICY_IN_USE_CONTINUE_Q.name, "expect": d.POLICY_IN_USE_CONTINUE_Q.spec(), "prompt": "yesno",
               "answer": d.YES if force else d.NO}
    if not force:
        handler["error"] = ("policy %s is still used by sender groups of listener %s; not deleted"
                            % (name, listener))
    return _script("delete_policy", d.CMD_LISTENERCONFIG, steps, [handler], stage=_hat_stage(listener))


def _senders_line(senders):
    return ", ".join(str(s).strip() for s in senders)


def _hosts_step(senders):
    return _step(d.HOSTS_Q.name, d.HOSTS_Q, "text", by_position=True, answer=_senders_line(senders))


def create_sender_group(listener, name, senders, policy, comment=""):
    steps = _hostaccess(listener, d.OP_NEW) + [
        _entry_type(d.HAT_GROUP_ITEM),
        _step(d.SG_NAME_Q.name, d.SG_NAME_Q, "text", by_position=True, answer=name),
        _hosts_step(senders),
        _policy_behaviour_step(policy),
        # IAF-L12 answers "change the policy parameters?" after the behaviour on one code path;
        # whether it comes after a named policy is not shown: optional.
    ] + _params_steps(None, optional=True) + [
        _step(d.SG_COMMENT_Q.name, d.SG_COMMENT_Q, "text", by_position=True, answer=comment or ""),
    ] + _print_hat()
    return _script("create_sender_group", d.CMD_LISTENERCONFIG, steps, [_add_anyway_handler()],
                   stage=_hat_stage(listener))


def _edit_group(listener, group):
    return _hostaccess(listener, d.OP_EDIT) + [
        _entry_type(d.HAT_GROUP_ITEM, optional=True),
        _pick("hat.pick.sender_group", group),
    ]


def _leave_group():
    """An empty answer at the sender group's menu goes back to the HOSTACCESS menu."""
    return [_menu("hat.sender_group.menu.leave", "")] + _print_hat()


def add_senders(listener, group, senders):
    steps = _edit_group(listener, group) + [
        _menu("hat.sender_group.menu", d.OP_NEW),
        _hosts_step(senders),
    ] + _leave_group()
    return _script("add_senders", d.CMD_LISTENERCONFIG, steps, [_add_anyway_handler()], stage=_hat_stage(listener))


def remove_senders(listener, group, senders):
    steps = _edit_group(listener, group)
    for sender in senders:
        steps += [
            _menu("hat.sender_group.menu", d.OP_DELETE),
            _pick("hat.pick.host", str(sender).strip()),
        ]
    steps += _leave_group()
    return _script("remove_senders", d.CMD_LISTENERCONFIG, steps, stage=_hat_stage(listener))


def set_sender_group_policy(listener, group, policy, comment=None):
    comment_step = _step(d.SG_COMMENT_Q.name, d.SG_COMMENT_Q, "text", optional=True, by_position=True)
    if comment is None:
        comment_step["keep"] = True
    else:
        comment_step["answer"] = comment
    steps = _edit_group(listener, group) + [
        _menu("hat.sender_group.menu", d.OP_POLICY),
        _policy_behaviour_step(policy),
    ] + _params_steps(None, optional=True) + [comment_step] + _leave_group()
    return _script("set_sender_group_policy", d.CMD_LISTENERCONFIG, steps, stage=_hat_stage(listener))


def move_sender_group(listener, group, before):
    steps = _hostaccess(listener, d.OP_MOVE) + [
        _pick("hat.pick.move", group, capture="groups"),
        dict(_pick("hat.pick.insert_before", before), **{"from": "groups"}),
    ] + _print_hat()
    return _script("move_sender_group", d.CMD_LISTENERCONFIG, steps, stage=_hat_stage(listener))


def delete_sender_group(listener, name):
    steps = _hostaccess(listener, d.OP_DELETE) + [
        _entry_type(d.HAT_GROUP_ITEM, optional=True),
        _pick("hat.pick.sender_group", name),
    ] + _print_hat()
    return _script("delete_sender_group", d.CMD_LISTENERCONFIG, steps, stage=_hat_stage(listener))


def print_hat(listener):
    steps = _hostaccess(listener, d.OP_PRINT) + [_menu("hostaccess.menu.after", capture="hat_print")]
    return _script("print_hat", d.CMD_LISTENERCONFIG, steps, changes=False)


# ---------------------------------------------------------------------------- plans

def plan_lines(script):
    """What a script would type, for check mode (secrets redacted)."""
    lines = [script["command"]]
    for step in script.get("steps", []):
        secret = step.get("secret")
        prefix = "[optional] " if step.get("optional") else ""
        if "answer" in step:
            lines.append(prefix + (SECRET_MARK if secret else (step["answer"] or "<Enter>")))
        elif step.get("keep"):
            lines.append(prefix + "<keep>")
        elif "choose" in step:
            matcher = step["choose"]
            text = matcher.get("first") or matcher.get("word") or matcher.get("exact") or " / ".join(
                matcher.get("contains", []))
            lines.append(prefix + '<choose "%s">' % text)
        elif "paste" in step:
            what = "private key" if secret is True else "PEM"
            lines.append("<paste %s, %d lines>" % (what, len(step["paste"])))
            lines.append(d.PASTE_END)
        elif "walk" in step:
            for question in step["walk"]["questions"]:
                if question.get("keep") or question.get("abandon"):
                    continue
                value = question.get("answer", (question.get("choose") or {}).get("exact"))
                lines.append('<answer "%s" with "%s">' % (question["id"], value))
    return lines
