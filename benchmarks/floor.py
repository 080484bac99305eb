"""The floor: the least any tool can do to read every appliance once.

    python -m benchmarks.floor --targets targets.json --forks 5 [--out floor.json]

``targets.json`` is a list of ``{"host", "port", "username", "password"}``. With a thread pool
of ``--forks`` workers (the same parallelism as Ansible's forks), each worker logs in over SSH
(paramiko), waits for the main prompt, runs ``showconfig`` (choosing the masked passphrases,
answering the pager), waits for the main prompt again and logs out. Prints and writes the wall
time and per-host times. No Ansible, no parsing: this is what the converged run is compared to.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko

MAIN_PROMPT = re.compile(rb"(?:^|\n)(?:[A-Za-z0-9._-]+|\((?:Cluster|Group|Machine) [^)\n]+\))> $")
SUB_PROMPT = re.compile(rb"\[[^\]\n]*\]> $")
PAGER = re.compile(rb"-Press Any Key For More-\s*$")


class FloorError(RuntimeError):
    pass


def _read_until(chan, patterns, timeout: float) -> tuple[bytes, int]:
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if chan.recv_ready():
            data = chan.recv(65536)
            if not data:
                raise FloorError("connection closed")
            buf += data
            tail = buf[-512:]
            for i, pat in enumerate(patterns):
                if pat.search(tail):
                    return buf, i
            continue
        if chan.closed or chan.exit_status_ready():
            raise FloorError("connection closed")
        time.sleep(0.002)
    raise FloorError(f"timeout waiting for a prompt; last output: {buf[-200:]!r}")


def read_once(target: dict, timeout: float = 60.0) -> dict:
    start = time.monotonic()
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(target["host"], port=int(target["port"]), username=target["username"],
                   password=target.get("password"), look_for_keys=False, allow_agent=False, timeout=timeout)
    try:
        chan = client.invoke_shell(width=200, height=10000)
        _read_until(chan, [MAIN_PROMPT], timeout)
        chan.send(b"showconfig\n")
        out = b""
        while True:
            buf, which = _read_until(chan, [MAIN_PROMPT, PAGER, SUB_PROMPT], timeout)
            out += buf
            if which == 0:
                break
            if which == 1:
                chan.send(b"\n")
            elif b"Mask" in buf or b"mask the passphrase" in buf:
                # The passphrase question: menu item "1. Mask passphrases" or the old [Y]/[N] form.
                chan.send(b"Y\n" if b"[Y]> " in buf[-8:] or b"[N]> " in buf[-8:] else b"1\n")
            else:
                raise FloorError(f"unexpected question: {buf[-200:]!r}")
        if b"</config>" not in out:
            raise FloorError("showconfig returned no complete configuration")
        chan.send(b"exit\n")
    finally:
        client.close()
    return {"host": target.get("name", f"{target['host']}:{target['port']}"),
            "seconds": round(time.monotonic() - start, 3), "bytes": len(out)}


def run_floor(targets: list, forks: int) -> dict:
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=forks) as pool:
        results = list(pool.map(read_once, targets))
    wall = time.monotonic() - start
    return {"wall_s": round(wall, 3), "forks": forks, "appliances": len(targets), "hosts": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=Path, required=True)
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    res = run_floor(json.loads(args.targets.read_text()), args.forks)
    text = json.dumps(res, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(f"floor: {res['appliances']} appliances, forks {res['forks']}: {res['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
