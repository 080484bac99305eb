"""Small helpers shared by the service starters of the test harness."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = Path(os.environ.get("MAILSEC_RUN_DIR", REPO_ROOT / ".run"))


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port that is free for both TCP and UDP on host right now."""
    for _attempt in range(200):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        other = socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, other) as s2:
            s2.bind((host, port))
            return port
    raise RuntimeError("no free port found")


def wait_tcp(host: str, port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on {host}:{port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def start_process(args: list[str], log_path: Path, pid_path: Path, env: dict | None = None,
                  cwd: Path | None = None) -> subprocess.Popen:
    """Start a server in its own session, output to log_path, pid to pid_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, cwd=cwd, start_new_session=True)
    pid_path.write_text(str(proc.pid))
    return proc


def stop_pidfile(pid_path: Path, timeout: float = 10.0) -> None:
    """Stop the process group whose leader's pid is in pid_path, if it still runs."""
    if not pid_path.exists():
        return
    try:
        pid = int(pid_path.read_text().strip())
    except ValueError:
        pid_path.unlink(missing_ok=True)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # A leader started by this process stays a zombie (and its group "alive") until
            # it is reaped: reap it, or the wait lasts the whole timeout.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
    pid_path.unlink(missing_ok=True)
