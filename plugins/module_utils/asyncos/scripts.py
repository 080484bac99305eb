# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builders of the dialog scripts every device operation runs.

A script is plain JSON-able data, executed by ``dialog.DialogEngine`` inside the
persistent connection (one RPC per dialog)::

    {"name": "...", "command": "listenerconfig", "changes": True,
     "steps": [STEP, ...], "handlers": [HANDLER, ...]}

STEP keys:
  expect     substring (or list: any of) that must be in the output block ending at the
             current prompt; omitted = any block
  prompt     "main" | "sub" | "paste" | "any" (default "any" = any sub-prompt; a block
             ending at the main prompt only satisfies a step with prompt "main")
  answer     text to type (then Enter)
  choose     text of a numbered menu item; the engine types its number
  match_mode how ``choose`` compares: "exact" (default), "prefix", "word"
  paste      list of lines sent one by one without waiting, then "." (wait)
  questions  list of {"match": text, "answer"|"choose": ...}: answer prompts until a block
             contains ``until``; prompts matching no question are answered with an empty
             line (keep) and reported in ``unknown_questions`` (``unknown: "fail"`` fails)
  capture    store the block under this name in the result
  optional   skip the step when its ``expect`` does not match
  secret     redact the answer in transcripts and plans
A step without answer/choose/paste/questions only checks (and captures) the block; the
next step examines the same block.

HANDLER keys (questions that may come at any point): match, answer|choose, secret,
error (answer, finish the dialog, then fail with this message).
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect as d

SECRET_MARK = "********"


def _step(expect=None, **kwargs):
    step = {} if expect is None else {"expect": expect}
    step.update(kwargs)
    return step


def _script(name, command, steps, handlers=None, changes=True):
    return {"name": name, "command": command, "steps": steps, "handlers": handlers or [],
            "changes": changes}


# ---------------------------------------------------------------------------- read-only

def showconfig():
    return _script("showconfig", d.CMD_SHOWCONFIG, [
        _step(prompt="main", capture="output"),
    ], handlers=[
        {"match": d.SHOWCONFIG_PASSPHRASE_MENU, "choose": d.SHOWCONFIG_MASK_ITEM, "match_mode": "prefix"},
        {"match": d.SHOWCONFIG_MASK_YESNO, "answer": d.YES},
    ], changes=False)


def version():
    return _script("version", d.CMD_VERSION, [_step(prompt="main", capture="output")], changes=False)


def showchanges():
    return _script("showchanges", d.CMD_SHOWCHANGES, [_step(prompt="main", capture="output")],
                   changes=False)


def clustermode(level, name=None):
    return _script("clustermode", d.level_command(level, name), [_step(prompt="main", capture="output")],
                   changes=False)


# ---------------------------------------------------------------------------- commit

def commit(comment, save_for_rollback=True):
    return _script("commit", d.CMD_COMMIT, [
        _step(d.COMMIT_COMMENT_Q, answer=comment or "", optional=True),
        _step(d.COMMIT_ROLLBACK_Q, answer=d.YES if save_for_rollback else d.NO, optional=True),
        _step(prompt="main", capture="output"),
    ])


def clearchanges():
    return _script("clearchanges", d.CMD_CLEARCHANGES, [
        _step(d.CLEAR_Q, answer=d.YES, optional=True),
        _step(prompt="main", capture="output"),
    ])


# ---------------------------------------------------------------------------- certconfig

def _paste_block(pem):
    return [line.rstrip("\r") for line in (pem or "").strip().splitlines() if line.strip()]


def paste_certificate(name, cert_pem, key_pem, intermediates=(), overwrite=False):
    intermediates = list(intermediates or ())
    steps = [
        _step(d.MENU_OPERATION, answer=d.OP_CERTIFICATE),
        _step(d.MENU_OPERATION, answer=d.OP_PASTE),
        _step(d.CERT_NAME_Q, answer=name),
    ]
    if overwrite:
        steps.append(_step(d.CERT_OVERWRITE_Q, answer=d.YES, optional=True))
    steps += [
        _step(d.PASTE_CERT_Q, paste=_paste_block(cert_pem), secret="pem"),
        _step(d.PASTE_KEY_Q, paste=_paste_block(key_pem), secret=True),
    ]
    for index, pem in enumerate(intermediates):
        question = d.ADD_INTERMEDIATE_Q if index == 0 else d.ADD_ANOTHER_INTERMEDIATE_Q
        steps.append(_step(question, answer=d.YES))
        steps.append(_step(d.PASTE_INTERMEDIATE_Q, paste=_paste_block(pem), secret="pem"))
    steps.append(_step(d.ADD_ANOTHER_INTERMEDIATE_Q if intermediates else d.ADD_INTERMEDIATE_Q,
                       answer=d.NO))
    steps.append(_step(d.CN_FQDN_Q, answer=d.YES, optional=True))
    steps.append(_step(d.MENU_OPERATION))
    handlers = []
    if not overwrite:
        handlers.append({"match": d.CERT_OVERWRITE_Q, "answer": d.NO,
                         "error": "certificate profile %s already exists (overwrite not allowed)" % name})
    return _script("paste_certificate", d.CMD_CERTCONFIG, steps, handlers)


def delete_certificate(name):
    return _script("delete_certificate", d.CMD_CERTCONFIG, [
        _step(d.MENU_OPERATION, answer=d.OP_CERTIFICATE),
        _step(d.MENU_OPERATION, answer=d.OP_DELETE),
        _step(d.CERT_DELETE_Q, choose=name, match_mode="word"),
        _step(d.MENU_OPERATION),
    ])


# ---------------------------------------------------------------------------- listenerconfig

def _listener(listener):
    return [
        _step(d.MENU_OPERATION, answer=d.OP_EDIT),
        _step(d.LISTENER_EDIT_Q, answer=listener),
        _step(d.MENU_OPERATION),
    ]


def _hostaccess(listener):
    return _listener(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_HOSTACCESS),
        _step(d.MENU_OPERATION),
    ]


def _demo_handler(listener, allow_demo):
    handler = {"match": d.DEMO_CERT_Q, "answer": d.YES if allow_demo else d.NO}
    if not allow_demo:
        handler["error"] = ("listener %s uses the demo certificate; the appliance asked to confirm "
                            "using it for TLS and the answer was no (TLS left unchanged). Install "
                            "and assign a real certificate first, or allow the demo certificate"
                            % listener)
    return handler


def _add_anyway_handler():
    return {"match": d.HOST_ADD_ANYWAY_Q, "answer": d.YES}


def set_listener_certificate(listener, profile, allow_demo=False):
    steps = _listener(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_CERTIFICATE),
        _step(d.LISTENER_CERT_Q, choose=profile, match_mode="exact"),
        _step(d.MENU_OPERATION),
    ]
    return _script("set_listener_certificate", d.CMD_LISTENERCONFIG, steps,
                   [_demo_handler(listener, allow_demo)])


def _param_questions(params):
    questions = []
    for key, value in (params or {}).items():
        if key not in d.PARAM_QUESTIONS:
            raise ValueError("unknown policy parameter %r (known: %s)" % (key, ", ".join(sorted(d.PARAM_QUESTIONS))))
        if value is None:
            continue
        value = str(value)
        if key == "tls":
            items = d.TLS_MENU_ITEMS
        elif key == "smtp_auth":
            items = d.SMTP_AUTH_MENU_ITEMS
        else:
            items = None
        if items is not None:
            if value not in items:
                raise ValueError("invalid value %r for policy parameter %s (valid: %s)"
                                 % (value, key, ", ".join(items)))
            questions.append({"match": d.PARAM_QUESTIONS[key], "choose": items[value], "key": key})
        else:
            questions.append({"match": d.PARAM_QUESTIONS[key],
                              "answer": d.PARAM_DEFAULT_ANSWER if value == "default" else value,
                              "key": key})
    return questions


def _behaviour_item(behaviour):
    if behaviour not in d.BEHAVIOUR_MENU_ITEMS:
        raise ValueError("invalid behaviour %r (valid: %s)" % (behaviour, ", ".join(d.BEHAVIOUR_MENU_ITEMS)))
    return d.BEHAVIOUR_MENU_ITEMS[behaviour]


def _params_steps(params):
    if not params:
        return [_step(d.CHANGE_PARAMS_Q, answer=d.NO, optional=True)]
    return [
        _step(d.CHANGE_PARAMS_Q, answer=d.YES),
        _step(questions=_param_questions(params), until=d.MENU_OPERATION),
    ]


def create_policy(listener, name, behaviour="accept", params=None, allow_demo=False):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_NEW),
        _step(d.HAT_NEW_POLICY_ITEM, choose=d.HAT_NEW_POLICY_ITEM),
        _step(d.POLICY_NAME_Q, answer=name),
        _step(d.BEHAVIOUR_Q, choose=_behaviour_item(behaviour)),
    ] + _params_steps(params) + [_step(d.MENU_OPERATION)]
    return _script("create_policy", d.CMD_LISTENERCONFIG, steps, [_demo_handler(listener, allow_demo)])


def update_policy(listener, name, behaviour=None, params=None, allow_demo=False):
    behaviour_step = (_step(d.BEHAVIOUR_Q, choose=_behaviour_item(behaviour)) if behaviour
                      else _step(d.BEHAVIOUR_Q, answer=""))
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_EDIT),
        _step(d.HAT_EDIT_POLICY_ITEM, choose=d.HAT_EDIT_POLICY_ITEM),
        _step(d.POLICY_EDIT_Q, answer=name),
        _step(d.MENU_OPERATION, answer=d.OP_POLICY),
        behaviour_step,
    ] + _params_steps(params) + [_step(d.MENU_OPERATION)]
    return _script("update_policy", d.CMD_LISTENERCONFIG, steps, [_demo_handler(listener, allow_demo)])


def delete_policy(listener, name, force=False):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_DELETE),
        _step(d.HAT_DELETE_POLICY_ITEM, choose=d.HAT_DELETE_POLICY_ITEM),
        _step(d.POLICY_DELETE_Q, answer=name),
        _step(d.MENU_OPERATION),
    ]
    handler = {"match": d.POLICY_IN_USE_CONTINUE_Q, "answer": d.YES if force else d.NO}
    if not force:
        handler["error"] = ("policy %s is still used by sender groups of listener %s; not deleted"
                            % (name, listener))
    return _script("delete_policy", d.CMD_LISTENERCONFIG, steps, [handler])


def _senders_line(senders):
    return ", ".join(str(s).strip() for s in senders)


def create_sender_group(listener, name, senders, policy, comment=""):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_NEW),
        _step(d.HAT_NEW_GROUP_ITEM, choose=d.HAT_NEW_GROUP_ITEM),
        _step(d.SG_NAME_Q, answer=name),
        _step(d.HOSTS_Q, answer=_senders_line(senders)),
        _step(d.BEHAVIOUR_Q, choose=d.BEHAVIOUR_POLICY_ITEM.format(name=policy)),
        _step(d.SG_COMMENT_Q, answer=comment or ""),
        _step(d.MENU_OPERATION),
    ]
    return _script("create_sender_group", d.CMD_LISTENERCONFIG, steps, [_add_anyway_handler()])


def _edit_group(listener, group):
    return _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_EDIT),
        _step(d.HAT_EDIT_GROUP_ITEM, choose=d.HAT_EDIT_GROUP_ITEM),
        _step(d.SG_EDIT_Q, answer=group),
        _step(d.MENU_OPERATION),
    ]


def add_senders(listener, group, senders):
    steps = _edit_group(listener, group) + [
        _step(d.MENU_OPERATION, answer=d.OP_NEW),
        _step(d.HOSTS_Q, answer=_senders_line(senders)),
        _step(d.MENU_OPERATION),
    ]
    return _script("add_senders", d.CMD_LISTENERCONFIG, steps, [_add_anyway_handler()])


def remove_senders(listener, group, senders):
    steps = _edit_group(listener, group)
    for sender in senders:
        steps += [
            _step(d.MENU_OPERATION, answer=d.OP_DELETE),
            _step(d.HOST_DELETE_Q, answer=str(sender).strip()),
            _step(d.MENU_OPERATION),
        ]
    return _script("remove_senders", d.CMD_LISTENERCONFIG, steps)


def set_sender_group_policy(listener, group, policy, comment=None):
    steps = _edit_group(listener, group) + [
        _step(d.MENU_OPERATION, answer=d.OP_POLICY),
        _step(d.BEHAVIOUR_Q, choose=d.BEHAVIOUR_POLICY_ITEM.format(name=policy)),
        _step(d.CHANGE_PARAMS_Q, answer=d.NO, optional=True),
        _step(d.SG_COMMENT_Q, answer="" if comment is None else comment),
        _step(d.MENU_OPERATION),
    ]
    return _script("set_sender_group_policy", d.CMD_LISTENERCONFIG, steps)


def move_sender_group(listener, group, before):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_MOVE),
        _step(d.SG_MOVE_Q, answer=group),
        _step(d.SG_MOVE_BEFORE_Q, answer=before),
        _step(d.MENU_OPERATION),
    ]
    return _script("move_sender_group", d.CMD_LISTENERCONFIG, steps)


def delete_sender_group(listener, name):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_DELETE),
        _step(d.HAT_DELETE_GROUP_ITEM, choose=d.HAT_DELETE_GROUP_ITEM),
        _step(d.SG_DELETE_Q, answer=name),
        _step(d.MENU_OPERATION),
    ]
    return _script("delete_sender_group", d.CMD_LISTENERCONFIG, steps)


def print_hat(listener):
    steps = _hostaccess(listener) + [
        _step(d.MENU_OPERATION, answer=d.OP_PRINT),
        _step(d.MENU_OPERATION, capture="output"),
    ]
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
        elif "choose" in step:
            lines.append(prefix + '<choose "%s">' % step["choose"])
        elif "paste" in step:
            what = "private key" if secret is True else "PEM"
            lines.append("<paste %s, %d lines>" % (what, len(step["paste"])))
            lines.append(d.PASTE_END)
        elif "questions" in step:
            for question in step["questions"]:
                value = question.get("answer", question.get("choose"))
                lines.append('<answer "%s" with "%s">' % (question["match"], value))
    return lines
