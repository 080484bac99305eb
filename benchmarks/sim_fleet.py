"""A fleet of simulated appliances in one simulator process, for the benchmark and the tests.

    fleet = SimFleet(run_dir, count=20, prefix="esa", domain="fleet.test")
    fleet.start()                       # python -m tests.simulator serve --data ... --state-dir ...
    fleet.inventory(path, forks=5)      # Ansible inventory, one host per appliance, own ansible_port
    fleet.stats("esa1.fleet.test")      # counters the simulator keeps per appliance
    fleet.dump("esa1.fleet.test")       # byte-stable JSON of the committed configuration
    fleet.set_faults("esa1.fleet.test", drop_at_step=7)
    fleet.restart(reset=True)           # back to the data file's state
    fleet.stop()

The data file follows tests/simulator's documented schema: one standalone appliance per host,
user ``admin``, listener ``IncomingMail`` with the appliance's hostname and an SMTP port of its
own on 127.0.0.1, the demo certificate.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path

import yaml

from tests.harness.common import REPO_ROOT, free_port, start_process, stop_pidfile


class SimFleet:
    def __init__(self, run_dir: Path, count: int, prefix: str = "esa", domain: str = "fleet.test",
                 password: str | None = None, page_lines: int = 40, extra: dict | None = None,
                 code_root: Path = REPO_ROOT):
        self.run_dir = Path(run_dir).resolve()
        # The checkout whose tests/simulator runs (an earlier release runs against its own).
        self.code_root = Path(code_root)
        self.count = count
        self.domain = domain
        self.password = password or "Sim-" + secrets.token_urlsafe(12)
        self.hostnames = [f"{prefix}{i}.{domain}" for i in range(1, count + 1)]
        self.page_lines = page_lines
        self.extra = extra or {}
        self.data_path = self.run_dir / "appliances.yml"
        self.state_dir = self.run_dir / "state"
        self.proc = None
        self.ready: dict = {}
        self.ports: dict = {}
        self.smtp_ports: dict = {}

    # ------------------------------------------------------------------ data file
    def write_data(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        appliances = []
        used = set()

        def port():
            while True:
                p = free_port()
                if p not in used:
                    used.add(p)
                    return p

        for host in self.hostnames:
            self.ports[host] = port()
            self.smtp_ports[host] = port()
            appliances.append({
                "hostname": host,
                "ssh_port": self.ports[host],
                "users": [{"name": "admin", "password": self.password}],
                "config": {
                    "certificates": [{"name": "Demo", "demo": True}],
                    "listeners": [{"name": "IncomingMail", "hostname": host, "smtp_address": "127.0.0.1",
                                   "hat_defaults": {"tls": "preferred"},
                                   "smtp_port": self.smtp_ports[host]}],
                },
                **self.extra,
            })
        data = {"page_lines": self.page_lines, "appliances": appliances}
        self.data_path.write_text(yaml.safe_dump(data, sort_keys=False))
        return self.data_path

    # ------------------------------------------------------------------ process
    def start(self, reset: bool = True, timeout: float = 120.0) -> None:
        """Start the simulator. Its ports were free when write_data picked them; when another
        program took one in between, pick new ones and start again (up to 3 times)."""
        for attempt in range(3):
            try:
                return self._start(reset, timeout)
            except RuntimeError as exc:
                if "address already in use" not in str(exc) or attempt == 2:
                    raise
                self.write_data()

    def _start(self, reset: bool, timeout: float) -> None:
        if not self.data_path.exists():
            self.write_data()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "ready.json").unlink(missing_ok=True)
        (self.state_dir / "control.json").unlink(missing_ok=True)
        if reset:
            (self.state_dir / "state.json").unlink(missing_ok=True)
        env = dict(os.environ, PYTHONPATH=str(self.code_root))
        args = [sys.executable, "-m", "tests.simulator", "serve", "--data", str(self.data_path),
                "--state-dir", str(self.state_dir)]
        self.proc = start_process(args, self.run_dir / "simulator.log", self.run_dir / "simulator.pid",
                                  env=env, cwd=self.code_root)
        deadline = time.monotonic() + timeout
        ready = self.state_dir / "ready.json"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"simulator exited with {self.proc.returncode}: "
                                   + (self.run_dir / "simulator.log").read_text()[-2000:])
            if ready.exists():
                try:
                    self.ready = json.loads(ready.read_text())
                    break
                except ValueError:
                    pass
            time.sleep(0.1)
        else:
            self.stop()
            raise TimeoutError(f"simulator not ready after {timeout}s")
        for host, info in self.ready.get("appliances", {}).items():
            self.ports[host] = info.get("ssh_port", self.ports.get(host))

    def stop(self) -> None:
        stop_pidfile(self.run_dir / "simulator.pid")
        self.proc = None

    def restart(self, reset: bool = True) -> None:
        self.stop()
        self.start(reset=reset)

    def trust(self, home: Path) -> None:
        """Write this fleet's host keys for its ports into HOME/.ssh/known_hosts (see
        tests.simulator.known_hosts: network_cli records and checks host keys there)."""
        from tests.simulator import known_hosts
        known_hosts.trust(Path(home) / ".ssh" / "known_hosts", [
            {"host": "127.0.0.1", "port": self.ports[h],
             "host_key_file": self.state_dir / "hostkeys" / f"{h}.key.pub"} for h in self.hostnames])

    # ------------------------------------------------------------------ inventory
    def host_vars(self, host: str) -> dict:
        return {
            "ansible_host": "127.0.0.1",
            "ansible_port": self.ports[host],
            "ansible_user": "admin",
            "ansible_password": self.password,
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "mailsec.cres.asyncos",
            "cres_tls_verify_host": host,
            "cres_tls_verify_port": self.smtp_ports.get(host, 25),
        }

    def inventory(self, path: Path, hosts: list | None = None, group_vars: dict | None = None) -> Path:
        hosts = hosts or self.hostnames
        inv = {"all": {"children": {"esa": {"hosts": {h: self.host_vars(h) for h in hosts},
                                            "vars": group_vars or {}}}}}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(inv, sort_keys=False))
        return path

    def targets(self) -> list:
        """For benchmarks.floor."""
        return [{"name": h, "host": "127.0.0.1", "port": self.ports[h], "username": "admin",
                 "password": self.password} for h in self.hostnames]

    # ------------------------------------------------------------------ state, counters, faults
    def _data(self) -> dict:
        from tests.simulator import model
        return model.load_data(self.data_path)

    def dump(self, host: str | None = None) -> str:
        from tests.simulator import model
        return model.dump_text(self.state_dir / "state.json", host, self._data() if host else None)

    def dump_all(self) -> dict:
        data = self._data()
        from tests.simulator import model
        return {h: model.dump_text(self.state_dir / "state.json", h, data) for h in self.hostnames}

    def stats(self, host: str) -> dict:
        from tests.simulator import control
        return control.read_stats(self.state_dir, host)

    def all_stats(self) -> dict:
        return {h: self.stats(h) for h in self.hostnames}

    def reset_stats(self) -> None:
        from tests.simulator import control
        control.reset_stats(self.state_dir, "*")

    def set_faults(self, host: str = "*", **faults) -> None:
        from tests.simulator import control
        control.set_faults(self.state_dir, host, **faults)

    def clear_faults(self, host: str | None = None) -> None:
        from tests.simulator import control
        control.clear_faults(self.state_dir, host)

    def reset_state(self) -> None:
        """Committed state back to what the server started with (restart if unsupported)."""
        from tests.simulator import control
        if hasattr(control, "reset_state"):
            control.reset_state(self.state_dir)
        else:
            self.restart(reset=True)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until no session is open on any appliance (connections closed after a run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(not self.stats(h).get("sessions_open") for h in self.hostnames):
                return
            time.sleep(0.1)
