# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aggregate callback used by the benchmark and the reliability suite (not part of the collection).

Writes one JSON object per task result, and one with the play recap, to the file named by the
environment variable MAILSEC_RECORD_FILE. Results are what Ansible hands to callbacks, so
``no_log`` censoring has already been applied.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: mailsec_record
type: aggregate
short_description: JSON lines of every task result (test and benchmark helper)
description:
  - Writes every task result and the recap as JSON lines to E(MAILSEC_RECORD_FILE).
requirements:
  - enable in configuration (ANSIBLE_CALLBACKS_ENABLED=mailsec_record)
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _jsonable(obj):
    try:
        json.dumps(obj)
        return obj
    except (TypeError, ValueError):
        if isinstance(obj, dict):
            return {str(k): _jsonable(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple, set)):
            return [_jsonable(v) for v in obj]
        return str(obj)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'mailsec_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._path = os.environ.get('MAILSEC_RECORD_FILE')
        self._start = {}

    def _write(self, obj):
        if not self._path:
            return
        with open(self._path, 'a') as fh:
            fh.write(json.dumps(_jsonable(obj), sort_keys=True) + '\n')

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self._start[task._uuid] = time.time()

    def _record(self, status, result):
        task = result._task
        res = dict(result._result)
        res.pop('invocation', None)
        self._write({
            'type': 'task',
            'status': status,
            'host': result._host.get_name(),
            'task': task.get_name(),
            'action': task.action,
            'changed': bool(res.get('changed')),
            'msg': res.get('msg'),
            'start': self._start.get(task._uuid),
            'end': time.time(),
            'result': res,
        })

    def v2_runner_on_ok(self, result):
        self._record('changed' if result._result.get('changed') else 'ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('ignored' if ignore_errors else 'failed', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write({'type': 'stats', 'hosts': {h: stats.summarize(h) for h in hosts}})
