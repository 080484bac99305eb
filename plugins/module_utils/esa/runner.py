# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a resource: plan, apply, verify, commit (or rehearse), and esa_commit.

:func:`execute` applies a resource's plan (in check mode the device sends nothing and records
the CLI lines it would type), verifies the staged change in the appliance's own listings, then

* commits and verifies the committed configuration read with ``showconfig`` (``commit=true``),
* or leaves the change staged in the CLI session (``commit=false``; ``esa_commit`` commits and
  verifies every staged resource from their ``expected`` states),
* or, rehearsing, abandons it (``clearchanges``) and reports dialog by dialog whether every
  step matched the dialect and which questions were new or differed.

When anything fails after the first change was sent, the pending changes are abandoned.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialog as dlg
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.argspec import (
    COMMIT_COMMENT_DEFAULT,
    esa_argument_spec,
)
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.device import AsyncOSDevice, AsyncOSError
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError, TaskFailure
from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import EsaError
from ansible_collections.mailsec.cres.plugins.module_utils.esa.certificate import CertificateResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.mail_flow_policy import MailFlowPolicyResource
from ansible_collections.mailsec.cres.plugins.module_utils.esa.sender_group import SenderGroupResource

# esa_commit(verify=...): the expected states the resource modules return, by their type.
RESOURCE_TYPES = dict((cls.expected_type, cls)
                      for cls in (SenderGroupResource, MailFlowPolicyResource, CertificateResource))
CLEARED = 'cleared'
NOTHING_PENDING = 'nothing pending'
LEFT_FOR_COMMIT = 'left pending in this CLI session (rehearsal: esa_commit with rehearse=true abandons it)'


class EsaFailure(TaskFailure):
    """Raised by :func:`execute`: the module must fail with ``message`` and ``result``."""


class _CommittedMismatch(MailsecError):
    """The committed configuration read back does not show the change; ``message`` says how."""


def _planned(device):
    return list(device.planned)


def abandon(device):
    """Clear the pending changes after a failure; returns what happened, never raises."""
    try:
        return CLEARED if device.clear_changes() else NOTHING_PENDING
    except MailsecError as exc:
        return 'clearchanges failed: %s' % exc


def dialect_findings(device):
    """Questions the dialect did not know (answered with their bracketed default) and steps
    recognised by their place whose wording differed, as module warnings."""
    out = []
    for question in device.unknown_questions:
        out.append('the appliance asked a question the collection does not know; it was answered with its '
                   'default [%s]: "%s" (dialog %s, after step %s). Run with rehearse=true and transcript_path '
                   'and report it' % (question.get('answer'), question.get('question'), question.get('dialog'),
                                      question.get('after_step') or 'none'))
    for item in device.dialogs:
        for step in item['steps']:
            if step['status'] == dlg.DIFFERED:
                out.append('the appliance asked "%s" where the collection expected step %s of dialog %s (recognised '
                           'by its place; the wording differs from docs/asyncos-dialect.md)'
                           % (step.get('shown'), step['step'], item['name']))
    return out


def rehearsal_report(device, verified, pending_changes):
    """Dialog by dialog: did every step match; every question that was new or differed."""
    dialogs = []
    questions = []
    for item in device.dialogs:
        steps = item['steps']
        matched = item['ok'] and all(s['status'] in (dlg.MATCHED, dlg.ABSENT, dlg.HANDLED) for s in steps)
        dialogs.append({'name': item['name'], 'ok': item['ok'], 'matched': matched, 'steps': steps,
                        'error': item.get('error')})
        for step in steps:
            if step['status'] == dlg.DIFFERED:
                questions.append({'dialog': item['name'], 'step': step['step'], 'status': 'differed',
                                  'question': step.get('shown')})
        for question in item['unknown_questions']:
            questions.append({'dialog': item['name'], 'step': question.get('after_step'), 'status': 'new',
                              'question': question.get('question'), 'answer': question.get('answer')})
    return {'dialogs': dialogs, 'questions': questions, 'verified': bool(verified),
            'matched': bool(verified) and all(x['matched'] for x in dialogs) and not questions,
            'pending_changes': pending_changes}


def execute(device, resource, commit=True, commit_comment=None, diff=False, rehearse=False):
    """Plan, apply, verify and commit (or rehearse). Returns the module result or raises EsaFailure.
    Check mode is the device's (it sends nothing); a rehearsal runs the dialogs even in check mode."""
    result = {'changed': False, 'commands': [], 'changes': [], 'warnings': [], 'committed': False}
    comment = commit_comment or COMMIT_COMMENT_DEFAULT
    try:
        cfg = device.config()
        plan = resource.plan(cfg, device)
    except EsaError as exc:
        result['field'] = exc.field
        raise EsaFailure(exc.message, result)
    except AsyncOSError as exc:
        raise EsaFailure('reading the appliance configuration failed: %s' % exc.message, result)
    result['warnings'] = plan.warnings
    result.update(plan.result)
    result['changes'] = [op.summary for op in plan.ops]
    result['changed'] = bool(plan.ops) and not rehearse
    if diff:
        result['diff'] = {'before': plan.before or {}, 'after': plan.after or {},
                          'before_header': resource.describe(), 'after_header': resource.describe()}
    if not plan.ops:
        result.update(resource.final_facts(cfg))
        result['expected'] = resource.expected_state()
        if rehearse:
            result['rehearsal'] = rehearsal_report(device, True, NOTHING_PENDING)
        return result
    done = []
    try:
        for op in plan.ops:
            op.apply()
            done.append(op.summary)
        if device.check_mode:
            if commit:
                device.commit(comment)  # only recorded in check mode
            result['commands'] = _planned(device)
            result[resource.result_key] = plan.after
            result['expected'] = resource.expected_state()
            return result
        # The staged change as the appliance's own listings show it (see asyncos/staged.py).
        cfg = device.config()
        problems = resource.verify(cfg)
        if problems:
            raise EsaError('after the change, the appliance does not show %s as requested: %s. The device layer may '
                           'not match this appliance (see docs/asyncos-dialect.md); run with rehearse=true and '
                           'transcript_path and report it' % (resource.describe(), '; '.join(problems)))
        result['expected'] = resource.expected_state()
        if rehearse:
            pending = abandon(device) if commit else LEFT_FOR_COMMIT
            result['rehearsal'] = rehearsal_report(device, True, pending)
            result['commands'] = _planned(device)
            result.update(resource.final_facts(cfg))
            return result
        facts = resource.final_facts(cfg)
        if commit:
            result['committed'] = bool(device.commit(comment))
            cfg = device.config(refresh=True)
            problems = resource.verify(cfg)
            if problems:
                raise _CommittedMismatch('; '.join(problems))
            facts = resource.final_facts(cfg)
        elif device.session_id:
            # Staged only: the changes live in this CLI session; esa_commit(staged_sessions) checks it.
            result['session_id'] = device.session_id
        result.update(facts)
    except _CommittedMismatch as exc:
        result['commands'] = _planned(device)
        raise EsaFailure('%s was committed, but the committed configuration read back does not show it as '
                         'requested: %s. The appliance keeps what was committed; see docs/asyncos-dialect.md'
                         % (resource.describe(), exc), result)
    except (AsyncOSError, EsaError) as exc:
        result['commands'] = _planned(device)
        if getattr(exc, 'dialog', None):
            result['dialog'] = exc.dialog
        if device.check_mode:
            raise EsaFailure('planning %s failed: %s' % (resource.describe(), exc.message), result)
        result['pending_changes'] = abandon(device)
        result['completed_steps'] = done
        if rehearse:
            result['rehearsal'] = rehearsal_report(device, False, result['pending_changes'])
        # Abandoned: nothing changed, unless clearchanges itself failed.
        result['changed'] = result['pending_changes'] not in (CLEARED, NOTHING_PENDING) and not rehearse
        raise EsaFailure('%s%s failed%s: %s; pending changes: %s' % (
            'rehearsal of ' if rehearse else '', resource.describe(),
            ' after: %s' % '; '.join(done) if done else '', exc.message, result['pending_changes']), result)
    result['commands'] = _planned(device)
    return result


SESSION_LOST = ('the CLI session was re-established since earlier tasks staged changes with commit=false '
                '(persistent connection idle timeout, appliance idle timeout or a dropped connection): the appliance '
                'discarded those changes. Nothing was committed, the changes pending in the new session were '
                'abandoned (%s), and the appliance keeps its previous committed configuration; rerunning the play '
                'converges. For long plays or large fleets raise ansible_connect_timeout (persistent idle timeout)')


def lost_sessions(current, staged_sessions):
    """The staged session ids (empty values ignored) that differ from the current session."""
    staged = [s for s in (staged_sessions or []) if s]
    return sorted(set(s for s in staged if s != current)) if staged else []


def expected_resources(verify):
    """Resources rebuilt from the ``expected`` states of esa_commit's ``verify`` option."""
    out = []
    for index, data in enumerate(verify or []):
        if not isinstance(data, dict) or data.get('type') not in RESOURCE_TYPES:
            raise EsaError('verify[%d]: expected the "expected" result of mailsec.cres.esa_certificate, '
                           'esa_mail_flow_policy or esa_sender_group (a dict with "type" one of %s)'
                           % (index, ', '.join(sorted(RESOURCE_TYPES))), 'verify')
        try:
            out.append(RESOURCE_TYPES[data['type']].from_expected(data))
        except (KeyError, TypeError) as exc:
            raise EsaError('verify[%d]: incomplete expected state (%s)' % (index, exc), 'verify')
    return out


def _verify_committed(device, resources):
    if not resources:
        return []
    cfg = device.config(refresh=True)
    problems = []
    for resource in resources:
        problems += ['%s: %s' % (resource.describe(), p) for p in resource.verify(cfg)]
    return problems


def execute_commit(device, check_mode=False, comment=None, save_for_rollback=True, staged_sessions=None,
                   verify=None, rehearse=False):
    """esa_commit: commit whatever is pending in this session, then verify the committed state.

    ``staged_sessions``: session ids returned by earlier tasks that staged changes with
    commit=false. When the current session is another one, those changes were discarded with
    their session: abandon what is pending, commit nothing, fail (never a half-change).
    ``verify``: the ``expected`` results of those tasks, checked in the committed configuration.
    ``rehearse``: abandon (clearchanges) instead of committing."""
    result = {'changed': False, 'committed': False, 'commands': []}
    try:
        resources = expected_resources(verify)
    except EsaError as exc:
        result['field'] = exc.field
        raise EsaFailure(exc.message, result)
    try:
        pending = device.has_pending_changes()
        result['pending'] = bool(pending)
        current = device.session_id
        lost = [] if check_mode else lost_sessions(current, staged_sessions)
        if lost:
            result['session_id'] = current
            result['lost_sessions'] = lost
            state = abandon(device) if pending else NOTHING_PENDING
            result['pending_changes'] = state
            result['changed'] = state not in (CLEARED, NOTHING_PENDING)
            result['commands'] = _planned(device)
            raise EsaFailure(SESSION_LOST % state, result)
        if rehearse:
            result['pending_changes'] = abandon(device) if pending and not check_mode else NOTHING_PENDING
            result['commands'] = _planned(device)
            return result
        if not pending:
            result['commands'] = _planned(device)
            return result
        result['changed'] = True
        if check_mode:
            device.commit(comment or COMMIT_COMMENT_DEFAULT, save_for_rollback=save_for_rollback)
            result['commands'] = _planned(device)
            return result
        result['committed'] = bool(device.commit(comment or COMMIT_COMMENT_DEFAULT,
                                                 save_for_rollback=save_for_rollback))
        result['changed'] = result['committed']
        problems = _verify_committed(device, resources) if result['committed'] else []
    except AsyncOSError as exc:
        result['commands'] = _planned(device)
        raise EsaFailure('commit failed: %s (the changes are still pending in this session)' % exc.message, result)
    result['commands'] = _planned(device)
    if problems:
        raise EsaFailure('the changes were committed, but the committed configuration read back does not show them '
                         'as requested: %s. The appliance keeps what was committed; see docs/asyncos-dialect.md'
                         % '; '.join(problems), result)
    return result


# ------------------------------------------------------------------ module glue

def argument_spec(own, commit=True):
    """The module's options plus the shared ESA options (mailsec.cres.esa doc fragment)."""
    return esa_argument_spec(own, commit=commit)


def make_device(module, rehearse=False):
    try:
        return AsyncOSDevice(module, on_unconfigured_mode=module.params.get('on_unconfigured_mode') or 'switch',
                             transcript_path=module.params.get('transcript_path'), rehearse=rehearse)
    except AsyncOSError as exc:
        module.fail_json(msg=exc.message)


def run_module(module, resource_cls):
    """Body of the three resource modules."""
    deps.require(module, *resource_cls.libraries(module.params))
    rehearse = bool(module.params.get('rehearse'))
    try:
        resource = resource_cls(module.params, check_mode=module.check_mode and not rehearse)
    except EsaError as exc:
        module.fail_json(msg=exc.message, field=exc.field, changed=False)
    for secret in resource.secrets:
        module.no_log_values.add(secret)
    device = make_device(module, rehearse=rehearse)
    try:
        result = execute(device, resource, commit=module.params.get('commit', True),
                         commit_comment=module.params.get('commit_comment'), diff=module._diff, rehearse=rehearse)
    except EsaFailure as exc:
        fail(module, device, exc.message, exc.result)
    finish(module, device, result)


def _report_dialect(module, device, result):
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    for warning in dialect_findings(device):
        module.warn(warning)
    result['unknown_questions'] = list(device.unknown_questions)


def fail(module, device, msg, result):
    _report_dialect(module, device, result)
    module.fail_json(msg=msg, **result)


def finish(module, device, result):
    _report_dialect(module, device, result)
    module.exit_json(**result)
