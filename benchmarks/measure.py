"""Run one command and measure what it cost on the controller.

    python -m benchmarks.measure --out stats.json -- COMMAND [ARGS...]

Prints nothing itself; writes a JSON object with ``rc``, ``wall_s``, ``cpu_user_s``,
``cpu_sys_s``, ``cpu_s``, ``max_rss_mib`` (largest single process of the tree),
``peak_tree_rss_mib`` (largest sum of the resident sizes of every process of the tree, sampled
every 0.1 s: pages shared between processes count once per process) and
``peak_tree_pss_mib`` (largest sum of the proportional set sizes, sampled every second: each
shared page counted once over the tree, i.e. the memory the tree really holds), with
``peak_pss_connections_mib`` and ``peak_pss_connections`` (the part of that peak held by
Ansible's persistent connection processes, the ``ansible-connection`` daemons, and how many).

This process makes itself a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``) so
that the daemons Ansible forks for persistent connections (``ansible-connection`` detaches
from its parent) are re-parented here and reaped here: their CPU time is then part of
``resource.getrusage(RUSAGE_CHILDREN)`` instead of being lost to init.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
    return parents


def _descendants(root: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every process whose parent chain leads to root (root included)."""
    out, frontier = [], [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in (_parents() if parents is None else parents).items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        pid = frontier.pop()
        out.append(pid)
        frontier.extend(children.get(pid, []))
    return out


def _proc_kib(pid: int, name: str, field: str) -> int:
    """The kB figure of ``field`` in /proc/PID/NAME (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kib(pid: int) -> int:
    return _proc_kib(pid, "status", "VmRSS:")


def _pss_kib(pid: int) -> int:
    return _proc_kib(pid, "smaps_rollup", "Pss:")


# A persistent connection process: the daemon ansible-connection's script forks, detached (its
# parent is then this subreaper; the script itself, while it starts one, is a worker's child).
CONNECTION_PROCESS = b"ansible_connection_cli_stub"


def _is_connection(pid: int) -> bool:
    try:
        return CONNECTION_PROCESS in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--reap-timeout", type=float, default=60.0,
                        help="how long to wait for detached descendants after the command ends")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    subreaper = _set_subreaper()
    me = os.getpid()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0]
    peak_pss = [0]
    peak_connections = [0, 0]  # PSS kB and count of the connection processes at the PSS peak
    stop = threading.Event()

    def sample() -> None:
        rounds = 0
        while not stop.is_set():
            parents = _parents()
            tree = [p for p in _descendants(me, parents) if p != me]
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in tree))
            if rounds % 10 == 0:  # smaps_rollup walks the page tables: once a second is enough
                pss = {p: _pss_kib(p) for p in tree}
                if sum(pss.values()) > peak_pss[0]:
                    peak_pss[0] = sum(pss.values())
                    connections = [kib for p, kib in pss.items() if parents.get(p) == me and _is_connection(p)]
                    peak_connections[:] = [sum(connections), len(connections)]
            rounds += 1
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd)
    sampler.start()
    timed_out = False
    try:
        rc = proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        rc = proc.wait()
    wall = time.monotonic() - start
    # Reap detached descendants (persistent connection daemons) that were re-parented here.
    deadline = time.monotonic() + args.reap_timeout
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                for p in _descendants(me):
                    if p != me:
                        try:
                            os.kill(p, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                deadline = time.monotonic() + 5
            time.sleep(0.05)
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    stats = {
        "rc": rc if not timed_out else -1,
        "timed_out": timed_out,
        "wall_s": round(wall, 3),
        "wall_incl_reap_s": round(time.monotonic() - start, 3),
        "cpu_user_s": round(user, 3),
        "cpu_sys_s": round(system, 3),
        "cpu_s": round(user + system, 3),
        "max_rss_mib": round(after.ru_maxrss / 1024, 1),
        "peak_tree_rss_mib": round(peak[0] / 1024, 1),
        "peak_tree_pss_mib": round(peak_pss[0] / 1024, 1),
        "peak_pss_connections_mib": round(peak_connections[0] / 1024, 1),
        "peak_pss_connections": peak_connections[1],
        "subreaper": subreaper,
    }
    args.out.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
