# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The socket of a host's persistent connection, as Ansible's task executor finds it.

For every task on a ``network_cli`` host Ansible starts an ``ansible-connection`` process
whose only job, once the persistent connection runs, is to compute its socket path and hand
it back. The collection's action plugins compute the same path themselves (the same inputs,
the same ``ssh._create_control_path`` function) and start the connection through the task
executor's own ``start_connection`` only when the socket is not there (the first task of a
host, or after the connection's idle timeout). None of this is public API: it mirrors
ansible-core 2.19 - 2.21 (``executor/task_executor.py``, ``cli/scripts/
ansible_connection_cli_stub.py``); the integration targets run on both.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.loader import connection_loader
from ansible.utils.path import unfrackpath


def _connection_name(action, task_vars):
    value = task_vars.get("ansible_connection")
    return action._templar.template(value) if value is not None else action._task.connection


def socket_path(play_context, connection):
    """Where the persistent connection of (address, port, user, connection) listens."""
    ssh = connection_loader.get("ssh", class_only=True)
    control = ssh._create_control_path(play_context.remote_addr, play_context.port, play_context.remote_user,
                                       connection, to_text(os.getppid()))
    return unfrackpath(control % dict(directory=unfrackpath(C.PERSISTENT_CONTROL_PATH_DIR)))


def persistent_socket(action, task_vars):
    """The socket path of this host's persistent connection, started when missing."""
    connection = _connection_name(action, task_vars)
    path = socket_path(action._play_context, connection)
    if os.path.exists(path):
        return path
    # Start it the way the task executor does: the connection plugin with this task's options.
    from ansible.executor.task_executor import start_connection

    play_context = action._play_context.copy()
    play_context.connection = connection
    conn = connection_loader.get(connection, play_context, "/dev/null", task_uuid=action._task._uuid,
                                 ansible_playbook_pid=to_text(os.getppid()))
    task_keys = action._task.dump_attrs()
    task_keys["timeout"] = play_context.timeout
    if play_context.password:
        task_keys["password"] = play_context.password
    task_keys.pop("retries", None)
    conn.set_options(task_keys=task_keys, var_options=conn._resolve_option_variables(task_vars, action._templar))
    play_context.timeout = conn.get_option("persistent_command_timeout")
    return start_connection(play_context, conn.get_options(), action._task._uuid)
