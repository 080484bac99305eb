# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process and return the JSON it printed.

The result is what Ansible would receive: AnsibleModule's own exit_json/fail_json run, so
no_log filtering and JSON serialisation are part of what the tests check.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from ansible.module_utils.testing import patch_module_args


def run_module(main, args, failed=False, check_mode=False, diff=False):
    """main(): the module's entry point; failed: whether the run must fail (asserted)."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main()
    result = json.loads(out.getvalue())
    assert bool(result.get('failed')) is failed, result
    return result
