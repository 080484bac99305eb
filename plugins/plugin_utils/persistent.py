# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The socket of a host's persistent connection, as Ansible's task executor finds it.

For every task on a ``network_cli`` host Ansible starts an ``ansible-connection`` process
whose only job, once the persistent connection runs, is to compute its socket path and hand
it back. The collection's action plugins compute the same path themselves (the same inputs,
the same ``ssh._create_control_path`` function) and start the connection through the task
executor's own ``start_connection`` only when no connection listens there (the first task of
a host, after the connection's idle timeout, or after ``meta: reset_connection``). None of this is public API: it mirrors
ansible-core 2.19 - 2.21 (``executor/task_executor.py``, ``cli/scripts/
ansible_connection_cli_stub.py``); the integration targets run on both.
"""

from __future__ import annotations

import json
import os
import socket
import time

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.connection import recv_data, send_data
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


# The persistent connection's idle timeout when none is configured (ansible_connect_timeout,
# ANSIBLE_PERSISTENT_CONNECT_TIMEOUT, ansible.cfg [persistent_connection] connect_timeout), in
# place of Ansible's 30 s: the changes staged with commit=false live in the CLI session, and
# under the linear strategy the gap between two tasks of one appliance grows with the fleet.
IDLE_TIMEOUT_S = 600

# How long a persistent connection that stopped listening (``meta: reset_connection``, its idle
# timeout) may take to log out and remove its socket file before the file is taken as stale.
SHUTDOWN_WAIT_S = 15.0


def _serving(path):
    """Whether the persistent connection on ``path`` still serves requests: it answers one
    (an unknown method: an error reply, nothing runs). A connection that is shutting down
    (``meta: reset_connection`` a moment ago, its idle timeout) may still accept a connection
    it will never serve: it closes its socket without answering, and removes the file only
    after logging out of the appliance."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(SHUTDOWN_WAIT_S)
    try:
        probe.connect(path)
        send_data(probe, to_bytes(json.dumps({"jsonrpc": "2.0", "method": "mailsec_cres_probe", "params": [[], {}], "id": "probe"})))
        return bool(recv_data(probe))
    except OSError:
        return False
    finally:
        probe.close()


def _wait_shut_down(path):
    deadline = time.monotonic() + SHUTDOWN_WAIT_S
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.path.exists(path):
        # Nothing listens and nothing removes it (its process was killed): ansible-connection
        # would refuse to start over a file it finds, so remove it.
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def persistent_socket(action, task_vars):
    """The socket path of this host's persistent connection, started when nothing listens there."""
    path = _serving_socket(action, task_vars)
    # Where a module's task records its socket (ActionBase._update_module_args): the strategy
    # reads it from the task's arguments, and meta: reset_connection then closes this connection.
    action._task.args["_ansible_socket"] = path
    return path


def _serving_socket(action, task_vars):
    connection = _connection_name(action, task_vars)
    path = socket_path(action._play_context, connection)
    if os.path.exists(path):
        if _serving(path):
            return path
        _wait_shut_down(path)
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
    var_options = conn._resolve_option_variables(task_vars, action._templar)
    conn.set_options(task_keys=task_keys, var_options=var_options)
    if conn.get_option_and_origin("persistent_connect_timeout")[1] == "default":
        # set_options, not set_option: network_cli hands its options on to its SSH connection
        # (whose get_options the connection's own include) only there.
        conn.set_options(task_keys=task_keys, var_options=var_options,
                         direct={"persistent_connect_timeout": IDLE_TIMEOUT_S})
    play_context.timeout = conn.get_option("persistent_command_timeout")
    return start_connection(play_context, conn.get_options(), action._task._uuid)
