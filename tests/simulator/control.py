"""Fault injection control file and per-appliance counters (both in the state dir).

control.json (written by `python -m tests.simulator ctl`, re-read by the server when it changes):

    {"serial": 7,
     "faults": {"esa1.example.com": {"drop_at_step": 5, "delay_ms": 0, "refuse_login": false,
                                     "fail_commit": "disk full", "idle_timeout": 2, "page_lines": 40,
                                     "arm": 3},
                "*": {...applies to appliances without their own entry...}},
     "reset_stats": {"esa1.example.com": 2, "*": 1},
     "reset_state": 3}

Changing an appliance's fault entry (any field, `arm` included) re-arms it: its step counter
restarts at 0. The server acknowledges a control file by writing its serial as
`control_serial` into every `<hostname>.stats.json`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.simulator.model import atomic_write, canonical_json
from tests.simulator.profiles import VARIANTS

FAULT_KEYS = {"drop_at_step": int, "delay_ms": int, "refuse_login": bool, "fail_commit": str,
              "idle_timeout": float, "page_lines": int, "arm": int}
# The variant switches (profiles.VARIANTS; the terminal size ones take a number) can be set
# here too, at run time: the server reads them control file first. False is a value for them
# (it overrides the data file), while a fault set to False is removed.
VARIANT_KEYS = {k: int if v is None else type(v) for k, v in VARIANTS.items()}
CONTROL_KEYS = {**FAULT_KEYS, **VARIANT_KEYS}


def control_path(state_dir: Path) -> Path:
    return Path(state_dir) / "control.json"


def stats_path(state_dir: Path, hostname: str) -> Path:
    return Path(state_dir) / f"{hostname}.stats.json"


def read_control(state_dir: Path) -> dict:
    p = control_path(state_dir)
    if not p.exists():
        return {"serial": 0, "faults": {}, "reset_stats": {}}
    try:
        c = json.loads(p.read_text() or "{}")
    except json.JSONDecodeError:
        return {"serial": 0, "faults": {}, "reset_stats": {}}
    c.setdefault("serial", 0)
    c.setdefault("faults", {})
    c.setdefault("reset_stats", {})
    return c


def write_control(state_dir: Path, c: dict) -> int:
    c["serial"] = int(c.get("serial", 0)) + 1
    atomic_write(control_path(state_dir), canonical_json(c))
    return c["serial"]


def read_stats(state_dir: Path, hostname: str) -> dict:
    p = stats_path(state_dir, hostname)
    return json.loads(p.read_text()) if p.exists() else {}


def hostnames(state_dir: Path) -> list[str]:
    ready = Path(state_dir) / "ready.json"
    if ready.exists():
        return sorted(json.loads(ready.read_text())["appliances"])
    return sorted(p.name[:-len(".stats.json")] for p in Path(state_dir).glob("*.stats.json"))


def wait_ack(state_dir: Path, serial: int, timeout: float = 10.0) -> None:
    """Wait until every running appliance has applied control serial (or raise TimeoutError)."""
    deadline = time.monotonic() + timeout
    names = hostnames(state_dir)
    while time.monotonic() < deadline:
        if all(read_stats(state_dir, h).get("control_serial", 0) >= serial for h in names):
            return
        time.sleep(0.02)
    raise TimeoutError(f"simulator did not apply control serial {serial} within {timeout}s")


def _coerce(key: str, value):
    kind = CONTROL_KEYS[key]
    if value is None:
        return None
    if kind is bool and isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "y", "on")
    if kind is str and isinstance(value, bool):
        return "the configuration could not be saved" if value else None
    return kind(value)


def set_faults(state_dir: Path, hostname: str = "*", wait: bool = True, replace: bool = False, **faults) -> int:
    """Set (merge, or replace) the fault entry of one appliance ('*' = all); re-arms its step counter."""
    c = read_control(state_dir)
    entry = {} if replace else dict(c["faults"].get(hostname, {}))
    for k, v in faults.items():
        if k not in CONTROL_KEYS:
            raise KeyError(f"unknown fault {k}; known: {', '.join(sorted(CONTROL_KEYS))}")
        v = _coerce(k, v)
        if v is None or (v is False and k not in VARIANT_KEYS):
            entry.pop(k, None)
        else:
            entry[k] = v
    entry["arm"] = int(entry.get("arm", 0)) + 1
    c["faults"][hostname] = entry
    serial = write_control(state_dir, c)
    if wait:
        wait_ack(state_dir, serial)
    return serial


def clear_faults(state_dir: Path, hostname: str | None = None, wait: bool = True) -> int:
    """Remove the fault entry of one appliance, or all entries; re-arms (steps restart at 0)."""
    c = read_control(state_dir)
    if hostname is None:
        arms = {h: int(e.get("arm", 0)) + 1 for h, e in c["faults"].items()}
        c["faults"] = {h: {"arm": a} for h, a in arms.items()}
    else:
        c["faults"][hostname] = {"arm": int(c["faults"].get(hostname, {}).get("arm", 0)) + 1}
    serial = write_control(state_dir, c)
    if wait:
        wait_ack(state_dir, serial)
    return serial


def reset_state(state_dir: Path, wait: bool = True) -> int:
    """Restore the committed state the server started with (open sessions keep their pending changes)."""
    c = read_control(state_dir)
    c["reset_state"] = int(c.get("reset_state", 0)) + 1
    serial = write_control(state_dir, c)
    if wait:
        wait_ack(state_dir, serial)
    return serial


def reset_stats(state_dir: Path, hostname: str = "*", wait: bool = True) -> int:
    c = read_control(state_dir)
    c["reset_stats"][hostname] = int(c["reset_stats"].get(hostname, 0)) + 1
    serial = write_control(state_dir, c)
    if wait:
        wait_ack(state_dir, serial)
    return serial


class ControlWatcher:
    """Server side: re-reads control.json when its (inode, mtime, size) changes."""

    def __init__(self, state_dir: Path):
        self.path = control_path(state_dir)
        self._sig = None
        self.data = {"serial": 0, "faults": {}, "reset_stats": {}}
        self.listeners = []   # callables(old, new)

    def check(self) -> None:
        try:
            st = os.stat(self.path)
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            sig = None
        if sig == self._sig:
            return
        self._sig = sig
        old = self.data
        self.data = read_control(self.path.parent)
        for cb in self.listeners:
            cb(old, self.data)

    def faults_for(self, hostname: str) -> dict:
        f = self.data.get("faults", {})
        return f.get(hostname, f.get("*", {}))
