"""Run the collection's network modules in-process over real network_cli connections.

    python -m tests.harness.inprocess_play JOB.json > RESULTS.json

What ``ansible-playbook`` does for a network module, minus the per-task process starts: for
each host a real ``ansible.netcommon.network_cli`` connection (SSH to the appliance over the
transport ``ANSIBLE_NETWORK_CLI_SSH_TYPE`` selects, libssh or paramiko; our ``mailsec.cres.asyncos``
terminal and cliconf plugins) behind Ansible's own JSON-RPC server
(``JsonRpcServer``, as in ``ansible-connection``), and each task's module ``main()`` run with
its arguments, its JSON-RPC requests handed to that server directly instead of through the
persistent connection's socket. Everything the appliance sees, and everything our code does,
is the same; what is skipped is Ansible's task executor, the ``ansible-connection`` process per
task and the AnsiballZ subprocess per module (about 1.7 s of CPU per task here), which is what
makes "drop the connection at every one of ~160 dialog steps" affordable in the test suite.

JOB: ``{"hosts": [{"name", "host", "port", "user", "password"}], "tasks": [TASK...],
"workers": 8}``. TASK: ``{"name", "module", "args"}``; optional ``"staged_sessions": true``
(the task gets ``staged_sessions`` = the session ids the earlier tasks returned, as the role
passes them) and ``"when_changed": true`` (run only when an earlier task changed something).
Like a linear play, a host stops at its first failed task. Hosts run in a pool of forked
worker processes (module arguments and stdout are process-wide, so one module per process).

RESULTS: ``{host name: {"failed": bool, "changed": bool, "tasks": [{"name", "result"}]}}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO_ROOT / ".collections"
NETWORK_CLI = "ansible.netcommon.network_cli"
NETWORK_OS = "mailsec.cres.asyncos"

_SERVERS: dict = {}     # fake socket path -> JsonRpcServer (one per host, in this process)


def _setup() -> None:
    """Collection loader for this checkout, and module RPCs dispatched in-process."""
    from ansible.module_utils import connection as module_connection
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    _AnsibleCollectionFinder(paths=[str(COLLECTIONS)])._install()

    def send(self, data):
        return _SERVERS[self.socket_path].handle_request(data)

    module_connection.Connection.send = send


def _open(host: dict, sockdir: str):
    """A network_cli connection as ansible-connection builds it (it logs in on first use)."""
    from ansible.playbook.play_context import PlayContext
    from ansible.plugins.loader import connection_loader
    from ansible.utils.jsonrpc import JsonRpcServer

    context = PlayContext()
    context.connection = NETWORK_CLI
    context.network_os = NETWORK_OS
    context.remote_addr, context.port = host["host"], int(host["port"])
    context.remote_user, context.password = host["user"], host["password"]
    conn = connection_loader.get(NETWORK_CLI, context, "/dev/null", task_uuid=host["name"],
                                 ansible_playbook_pid=str(os.getpid()))
    conn.set_options(direct={
        "host": host["host"], "port": int(host["port"]), "remote_user": host["user"],
        "password": host["password"], "network_os": NETWORK_OS, "host_key_checking": False,
        "persistent_command_timeout": 60, "persistent_connect_timeout": 60,
    })
    # The module side checks that the socket path exists before each request.
    path = os.path.join(sockdir, host["name"])
    Path(path).touch()
    conn._socket_path = path
    # network_cli's paramiko layer and netcommon's libssh plugin cache SSH sessions per process
    # by address and user, not port (harmless in ansible-connection: one process per host). A
    # worker here serves several appliances on 127.0.0.1 one after the other: each must get its own.
    from ansible_collections.ansible.netcommon.plugins.connection import libssh

    nc_module = sys.modules[type(conn).__module__]
    nc_module._PARAMIKO_SSH_CONNECTION_CACHE.clear()
    libssh.SSH_CONNECTION_CACHE.clear()
    server = JsonRpcServer()
    # JsonRpcServer keeps its registered objects in a class attribute (ansible-connection has
    # one per process); each host here needs its own.
    server._objects = set()
    server.register(conn)
    _SERVERS[path] = server
    return conn, path


def _run_module(module: str, args: dict, socket_path: str) -> dict:
    from importlib import import_module

    from ansible.module_utils.testing import patch_module_args

    main = import_module(f"ansible_collections.mailsec.cres.plugins.modules.{module}").main
    out = io.StringIO()
    with patch_module_args(dict(args, _ansible_socket=socket_path)), contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit:
            pass
    text = out.getvalue()
    try:
        return json.loads(text)
    except ValueError:
        return {"failed": True, "msg": f"module {module} printed no JSON result: {text[-500:]!r}"}


def run_host(host: dict, tasks: list) -> dict:
    """One host's play: the tasks in order, stopping at the first failure."""
    results, sessions, changed, failed = [], [], False, False
    with tempfile.TemporaryDirectory(prefix="inproc-") as sockdir:
        conn, path = _open(host, sockdir)
        try:
            for task in tasks:
                if task.get("when_changed") and not changed:
                    continue
                args = dict(task["args"])
                if task.get("staged_sessions"):
                    args["staged_sessions"] = list(sessions)
                result = _run_module(task["module"], args, path)
                results.append({"name": task["name"], "result": result})
                if result.get("session_id"):
                    sessions.append(result["session_id"])
                changed = changed or bool(result.get("changed"))
                if result.get("failed"):
                    failed = True
                    break
        finally:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - the appliance may have dropped us; nothing to close
                pass
            _SERVERS.pop(path, None)
    return {"failed": failed, "changed": changed, "tasks": results}


def _run_host_safely(host: dict, tasks: list) -> dict:
    try:
        return run_host(host, tasks)
    except Exception as exc:  # noqa: BLE001 - reported as the host's failure, like an Ansible crash
        return {"failed": True, "changed": False, "tasks": [], "error": f"{type(exc).__name__}: {exc}"}


def run_job(job: dict) -> dict:
    hosts, tasks = job["hosts"], job["tasks"]
    workers = max(1, min(int(job.get("workers", 8)), len(hosts)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {h["name"]: pool.submit(_run_host_safely, h, tasks) for h in hosts}
        return {name: fut.result() for name, fut in futures.items()}


def main(argv: list) -> int:
    job = json.loads(Path(argv[0]).read_text())
    _setup()
    json.dump(run_job(job), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
