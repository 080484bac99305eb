"""Harness service: the AsyncOS simulator (tests/simulator), default data with free ports.

start(run_dir) copies tests/simulator/data/default.yml into run_dir with free SSH and SMTP
ports, starts `python -m tests.simulator serve --reset`, waits until it is ready and returns
the variables tests need (flattened by services.py as sim_<key>).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.harness.common import REPO_ROOT, free_port, start_process, stop_pidfile, wait_tcp
from tests.simulator import known_hosts

DEFAULT_DATA = REPO_ROOT / "tests" / "simulator" / "data" / "default.yml"
_PROCS: dict = {}   # run_dir -> Popen, when started from this process (lets stop() reap it)


def short(hostname: str) -> str:
    return hostname.split(".", 1)[0]


def variant_settings(env=None) -> dict:
    """Top-level data-file keys chosen by the environment, so one suite runs on several releases
    and behaviours: MAILSEC_SIM_PROFILE (12.1 | 14.0 | 16.0), MAILSEC_SIM_SHOWCONFIG_PENDING
    (true | false: does showconfig show uncommitted changes), MAILSEC_SIM_TERMINAL (COLSxROWS: a
    fixed terminal that ignores the client's window size, e.g. 80x24), MAILSEC_SIM_VARIANTS (JSON
    object of other variant switches, tests/simulator/profiles.py)."""
    env = os.environ if env is None else env
    out: dict = {}
    if env.get("MAILSEC_SIM_PROFILE"):
        out["profile"] = env["MAILSEC_SIM_PROFILE"]
    if env.get("MAILSEC_SIM_SHOWCONFIG_PENDING"):
        out["showconfig_pending"] = env["MAILSEC_SIM_SHOWCONFIG_PENDING"].lower() in ("1", "true", "yes")
    if env.get("MAILSEC_SIM_TERMINAL"):
        cols, _x, rows = env["MAILSEC_SIM_TERMINAL"].lower().partition("x")
        out["terminal_width"], out["terminal_height"] = int(cols), int(rows)
    if env.get("MAILSEC_SIM_VARIANTS"):
        out.update(json.loads(env["MAILSEC_SIM_VARIANTS"]))
    return out


def prepare_data(src: Path, dst: Path, settings: dict | None = None) -> dict:
    """Copy a data file, giving every SSH and SMTP endpoint a free port, with the variant
    ``settings`` (default: from the environment, see variant_settings)."""
    data = yaml.safe_load(src.read_text())
    settings = variant_settings() if settings is None else settings
    data.update(settings)
    if "terminal_height" in settings:
        data.pop("page_lines", None)   # the fixed terminal's rows decide the pages
    for a in data.get("appliances", []):
        a["ssh_port"] = free_port(a.get("ssh_address", "127.0.0.1"))
        for spec in (a.get("smtp") or {}).values():
            spec["port"] = free_port(spec.get("address", "127.0.0.1"))
    dst.write_text(yaml.safe_dump(data, sort_keys=False))
    return data


def start(run_dir: Path, data_file: Path | None = None, timeout: float = 60.0, settings: dict | None = None) -> dict:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state_dir = run_dir / "state"
    data_path = run_dir / "data.yml"
    data = prepare_data(Path(data_file or DEFAULT_DATA), data_path, settings)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = start_process([sys.executable, "-m", "tests.simulator", "serve", "--data", str(data_path),
                          "--state-dir", str(state_dir), "--reset"],
                         run_dir / "sim.log", run_dir / "sim.pid", env=env, cwd=REPO_ROOT)
    _PROCS[str(run_dir)] = proc
    ready = state_dir / "ready.json"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"simulator exited with {proc.returncode}; see {run_dir / 'sim.log'}")
        if ready.exists():
            try:
                info = json.loads(ready.read_text())
                if info.get("pid") == proc.pid:
                    break
            except json.JSONDecodeError:
                pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"simulator not ready after {timeout}s; see {run_dir / 'sim.log'}")
        time.sleep(0.1)

    out: dict = {"state_dir": str(state_dir), "data_file": str(data_path), "log": str(run_dir / "sim.log"),
                 "pid": proc.pid, "appliances": {}, "profile": data.get("profile", "16.0"),
                 "showconfig_pending": data.get("showconfig_pending", True),
                 # network_cli's SSH transport for the tests' Ansible (sim_ssh_type): ansible-test does
                 # not pass the environment on to the integration targets, their inventories read it here.
                 "ssh_type": os.environ.get("ANSIBLE_NETWORK_CLI_SSH_TYPE") or "auto"}
    for a in data["appliances"]:
        host = a["hostname"]
        addr = a.get("ssh_address", "127.0.0.1")
        wait_tcp(addr, a["ssh_port"], proc=proc)
        user = a["users"][0]
        smtp = next(iter((a.get("smtp") or {}).values()), {})
        key = state_dir / "client_keys" / f"{host}-{user['name']}"
        entry = {
            "hostname": host, "ssh_host": addr, "ssh_port": a["ssh_port"], "username": user["name"],
            "password": user.get("password"), "key_file": str(key) if user.get("generate_key") else None,
            "host_key_file": str(state_dir / "hostkeys" / f"{host}.key.pub"),
            "smtp_address": smtp.get("address"), "smtp_port": smtp.get("port"), "cluster": a.get("cluster"),
        }
        out["appliances"][host] = entry
        for k, v in entry.items():          # flat keys for integration targets: sim_esa1_ssh_port ...
            out[f"{short(host)}_{k}"] = v
    # The integration targets and functional tests run Ansible with the user's HOME.
    known_hosts.trust(Path.home() / ".ssh" / "known_hosts", list(out["appliances"].values()))
    return out


def stop(run_dir: Path) -> None:
    proc = _PROCS.pop(str(Path(run_dir)), None)
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    stop_pidfile(Path(run_dir) / "sim.pid")
