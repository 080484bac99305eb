"""Running Ansible from Python for the benchmark and the reliability suite.

* ``ansible_env(run_dir)``: the environment (collections path of this checkout, the
  ``mailsec_record`` callback writing every task result as JSON lines, isolated temp/home
  directories so runs never share persistent-connection sockets or known_hosts files).
* ``run_ansible([...], run_dir, name)``: runs ``ansible-playbook`` / ``ansible`` with stdout,
  stderr, the Ansible log and the JSON records in files under ``run_dir/logs/``; optionally
  measured by ``benchmarks.measure`` (CPU and memory of the whole process tree).
* ``OUTPUT_FILES``: every file written by a run, for the secret scanner.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CALLBACK_DIR = REPO_ROOT / "benchmarks" / "callback_plugins"

OUTPUT_FILES: list[Path] = []
_counter = itertools.count(1)
_lock = threading.Lock()


def ansible_env(run_dir: Path, extra: dict | None = None) -> dict:
    run_dir = Path(run_dir)
    home = run_dir / "home"
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("ANSIBLE_") or key == "PYTEST_CURRENT_TEST":
            env.pop(key)
    env.update({
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(home),
        "ANSIBLE_CONFIG": str(run_dir / "no-ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_DIR),
        "ANSIBLE_CALLBACKS_ENABLED": "mailsec_record",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": str(run_dir / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(run_dir / "pc"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_SYSTEM_WARNINGS": "False",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "PYTHONPATH": str(REPO_ROOT),
    })
    (run_dir / "no-ansible.cfg").write_text("[defaults]\n")
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


@dataclass
class Run:
    name: str
    cmd: list
    rc: int
    stdout: str
    stderr: str
    records: list
    wall: float
    measure: dict | None = None
    files: list = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def stats(self) -> dict:
        for rec in reversed(self.records):
            if rec.get("type") == "stats":
                return rec["hosts"]
        return {}

    def tasks(self, host: str | None = None, status: str | None = None) -> list:
        return [r for r in self.records if r.get("type") == "task"
                and (host is None or r["host"] == host) and (status is None or r["status"] == status)]

    def failed_hosts(self) -> set:
        return {h for h, s in self.stats.items() if s.get("failures") or s.get("unreachable")}

    def changed_hosts(self) -> set:
        return {h for h, s in self.stats.items() if s.get("changed")}

    def failure_messages(self, host: str | None = None) -> list:
        out = []
        for r in self.tasks(host):
            if r["status"] in ("failed", "unreachable"):
                out.append(str(r.get("msg") or r["result"].get("msg") or r["result"]))
        return out

    def describe(self) -> str:
        tail = "\n".join(self.output.splitlines()[-60:])
        return f"{self.name}: rc={self.rc} cmd={' '.join(map(str, self.cmd))}\n{tail}"


def run_ansible(args: list, run_dir: Path, name: str | None = None, env_extra: dict | None = None,
                measure: bool = False, timeout: float = 1800.0, cwd: Path | None = None) -> Run:
    """args[0] is 'ansible-playbook' or 'ansible' (looked up in this virtualenv)."""
    run_dir = Path(run_dir)
    logs = run_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with _lock:
        name = f"{next(_counter):04d}-{name or args[0]}"
    record = logs / f"{name}.records.jsonl"
    log = logs / f"{name}.ansible.log"
    out_path, err_path = logs / f"{name}.stdout", logs / f"{name}.stderr"
    # Names restart at 0001 in each process: an earlier invocation's records and Ansible log
    # (both appended to) must not be read as this run's.
    record.unlink(missing_ok=True)
    log.unlink(missing_ok=True)
    env = ansible_env(run_dir, {"MAILSEC_RECORD_FILE": record, "ANSIBLE_LOG_PATH": log, **(env_extra or {})})
    cmd = [str(VENV_BIN / args[0])] + [str(a) for a in args[1:]]
    stats_path = logs / f"{name}.measure.json"
    if measure:
        cmd = [sys.executable, "-m", "benchmarks.measure", "--out", str(stats_path), "--timeout", str(timeout),
               "--"] + cmd
        env["PYTHONPATH"] = str(REPO_ROOT)
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=str(cwd or run_dir), start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout + 120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            rc = proc.wait()
    wall = time.monotonic() - start
    records = []
    if record.exists():
        for line in record.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
    files = [p for p in (out_path, err_path, log, record) if p.exists()]
    stats = None
    if measure and stats_path.exists():
        stats = json.loads(stats_path.read_text())
        rc = stats["rc"]
    with _lock:
        OUTPUT_FILES.extend(files)
    return Run(name, cmd, rc, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
               records, wall, stats, files)


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    return path


# ------------------------------------------------------------------ secret scanning
def secret_needles(secrets: dict) -> dict:
    """name -> list of strings to look for. PEM private keys contribute every body line."""
    needles: dict = {}
    for name, value in secrets.items():
        if not value:
            continue
        value = str(value)
        items = []
        if "-----BEGIN" in value:
            for line in value.splitlines():
                line = line.strip()
                if len(line) >= 24 and not line.startswith("-----"):
                    items.append(line)
        else:
            items.append(value)
        needles[name] = sorted(set(items))
    return needles


def scan_for_secrets(paths, secrets: dict, texts: dict | None = None) -> list:
    """Every (secret name, where, context) hit of any secret in the files and texts given."""
    needles = secret_needles(secrets)
    hits = []

    def check(where, data: bytes):
        for name, items in needles.items():
            for item in items:
                b = item.encode()
                idx = data.find(b)
                if idx >= 0:
                    ctx = data[max(0, idx - 60): idx + len(b) + 20].decode("utf-8", "replace")
                    hits.append((name, str(where), ctx))
                    break

    for path in paths:
        path = Path(path)
        if path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.is_file():
                    check(sub, sub.read_bytes())
        elif path.is_file():
            check(path, path.read_bytes())
    for where, text in (texts or {}).items():
        check(where, text.encode() if isinstance(text, str) else text)
    return hits
