# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's modules inside the controller's worker process.

Ansible runs a module by building an AnsiballZ payload and starting a Python process for it,
and, on a ``network_cli`` host, by starting an ``ansible-connection`` process first that finds
the persistent connection: about 0.4 s and 0.7 s of controller CPU per task here, against
0.09 s for the work itself (``docs/benchmarks.md``). The collection's modules only run on the
controller (``python_requires: controller``), so their action plugins run the module's
``run(module)`` in the worker instead, with :class:`ControllerModule` standing in for
``AnsibleModule`` (the same argument validation, check mode, diff, warnings and no_log
masking), and find the persistent connection's socket themselves (``persistent.py``).

A module file provides ``ARGUMENT_SPEC``, ``MODULE_OPTIONS`` (the AnsibleModule keywords:
mutually_exclusive, required_if, ...) and ``run(module)``; its ``main()`` runs the same
``run`` under a real AnsibleModule, so the module still works without its action plugin.
"""

from __future__ import annotations

import sys

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.mailsec.cres.plugins.plugin_utils.persistent import persistent_socket
# Imported for its effect: the plugins every later task of an appliance loads, loaded once in
# Ansible's main process before it forks the workers (see the module).
from ansible_collections.mailsec.cres.plugins.plugin_utils import prefork  # noqa: F401 pylint: disable=unused-import


class ModuleExit(BaseException):
    """A module ended (exit_json / fail_json). A BaseException, like the SystemExit it
    replaces, so that a module's broad ``except Exception`` does not catch it."""

    def __init__(self, result):
        super(ModuleExit, self).__init__("module exit")
        self.result = result


class ControllerModule(object):
    """What the collection's modules use of AnsibleModule, in the controller process."""

    def __init__(self, argument_spec, args, check_mode=False, diff=False, socket_path=None, name=None,
                 supports_check_mode=True, **constraints):
        self._name = name
        self.check_mode = bool(check_mode)
        self._diff = bool(diff)
        self._socket_path = socket_path
        self._warnings = []
        self._deprecations = []
        self.params = {}
        self.no_log_values = set()
        validator = ModuleArgumentSpecValidator(argument_spec, **constraints)
        validated = validator.validate(dict(args or {}))
        self.no_log_values = set(validated._no_log_values)
        self.params = validated.validated_parameters
        for warning in validated._warnings:
            self.warn("Both option %s and its alias %s are set." % (warning["option"], warning["alias"]))
        for deprecation in validated._deprecations:
            self._deprecations.append({"msg": "Alias '%s' is deprecated. See the module docs for more information"
                                              % deprecation["name"], "version": deprecation.get("version")})
        # The messages AnsibleModule gives (module_utils/basic.py), with the task's module name.
        if validated.errors.errors:
            msg = validated.errors.msg
            if isinstance(validated.errors.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (name, msg)
            self.fail_json(msg=msg)
        if self.check_mode and not supports_check_mode:
            raise ModuleExit({"skipped": True, "changed": False,
                              "msg": "remote module (%s) does not support check mode" % name})

    def warn(self, warning):
        self._warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        self._deprecations.append({"msg": msg, "version": version, "date": date,
                                   "collection_name": collection_name})

    def _result(self, kwargs):
        kwargs.setdefault("invocation", {"module_args": self.params})
        warnings = list(kwargs.pop("warnings", None) or []) + self._warnings
        if warnings:
            kwargs["warnings"] = warnings
        if self._deprecations:
            kwargs["deprecations"] = list(kwargs.pop("deprecations", None) or []) + self._deprecations
        return remove_values(kwargs, self.no_log_values)

    def exit_json(self, **kwargs):
        kwargs.setdefault("changed", False)
        raise ModuleExit(self._result(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs["failed"] = True
        kwargs["msg"] = msg
        kwargs.setdefault("changed", False)
        raise ModuleExit(self._result(kwargs))


def run_in_controller(module_file, args, check_mode=False, diff=False, socket_path=None, name=None):
    """The result of ``module_file.run`` with ``args``, as the module would have returned it.

    socket_path: the persistent connection's socket, or a function returning it, called only
    once the arguments are valid (bad arguments never start a connection); name: the module's
    name in messages (the task's action)."""
    try:
        module = ControllerModule(module_file.ARGUMENT_SPEC, args, check_mode=check_mode, diff=diff,
                                  name=name or module_file.__name__.rsplit(".", 1)[-1],
                                  **getattr(module_file, "MODULE_OPTIONS", {}))
        module._socket_path = socket_path() if callable(socket_path) else socket_path
        module_file.run(module)
    except ModuleExit as done:
        return done.result
    return {"failed": True, "msg": "module %s returned without a result" % module_file.__name__}


class ModuleAction(ActionBase):
    """Action plugin of a collection module that runs in the controller (see the docstring).

    Subclasses set ``MODULE`` (the module file) and ``PERSISTENT`` (the module drives an
    appliance through the persistent network_cli connection)."""

    MODULE = None
    PERSISTENT = False
    # The task needs no connection of its own: a network module finds (or starts) the
    # persistent connection's socket itself, which spares the ansible-connection process
    # Ansible would start for every task.
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ModuleAction, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        task_vars = task_vars or {}
        if self._task_environment():
            return self._run_as_module_process(result, task_vars)
        socket_path = (lambda: persistent_socket(self, task_vars)) if self.PERSISTENT else None
        result.update(run_in_controller(self.MODULE, dict(self._task.args), check_mode=self._task.check_mode,
                                        diff=self._task.diff, socket_path=socket_path,
                                        name=self._task.resolved_action or self._task.action))
        return result

    def _run_as_module_process(self, result, task_vars):
        """The module run the way Ansible runs any module, in a process of its own with the
        task's environment: native libraries read it when they load (krb5's KRB5_CONFIG and
        KRB5CCNAME, LD_PRELOAD), which setting os.environ in this process would not reach."""
        module_vars = dict(task_vars)
        # The module runs on the controller (python_requires: controller): with the controller's
        # Python, where its libraries are, unless the inventory names another one for the host
        # (an appliance host would otherwise get an interpreter discovered for it).
        module_vars.setdefault("ansible_python_interpreter", sys.executable)
        if self.PERSISTENT:
            # where ActionBase._update_module_args looks when the task has no connection of its own
            module_vars["ansible_socket"] = persistent_socket(self, task_vars)
        result.update(self._execute_module(module_name=self._task.resolved_action or self._task.action,
                                           module_args=dict(self._task.args), task_vars=module_vars))
        return result

    def _task_environment(self):
        """The task's ``environment`` (play, block and task merged, the task's last)."""
        merged = {}
        environments = self._task.environment or []
        for environment in environments if isinstance(environments, list) else [environments]:
            if not environment:
                continue
            values = self._templar.template(environment)
            if not isinstance(values, dict):
                raise AnsibleActionFail("environment must be a dictionary, received %r" % (values,))
            merged.update(values)
        return merged
