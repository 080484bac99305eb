"""The simulator process: appliances (SSH + SMTP fronts), control watcher, counters, shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from pathlib import Path

from tests.simulator import control as ctl
from tests.simulator import model
from tests.simulator import profiles
from tests.simulator.terminal import Dropped

log = logging.getLogger("simulator")

APPLIANCE_DEFAULTS = {
    "model": "C100V",
    "product": "Cisco C100V Secure Email Gateway Virtual",
    "build_date": "2023-10-10",
    "install_date": "2024-01-15 10:00:00",
    "serial": "4229C7A4F6D1A2B3C4D5-1A2B3C4D5E6F",
    "ssh_address": "127.0.0.1",
}
STAT_COUNTERS = ["logins", "login_failures", "commands_total", "showconfig", "commits", "commit_failures",
                 "bytes_in", "bytes_out", "drops", "idle_timeouts", "sessions"]


class ApplianceRuntime:
    """One simulated appliance: its data-file entry, its store, counters, faults."""

    def __init__(self, cfg: dict, world: model.World, data: dict, state_dir: Path, watcher: ctl.ControlWatcher):
        self.profile_name = str(cfg.get("profile") or data.get("profile") or profiles.DEFAULT_PROFILE)
        self.profile = profiles.profile(self.profile_name)
        self.cfg = {**APPLIANCE_DEFAULTS, "version": self.profile["version"], **cfg}
        self.hostname = cfg["hostname"]
        self.world = world
        self.store = world.store_for(cfg)
        self.data = data
        self.state_dir = state_dir
        self.watcher = watcher
        self.users = {u["name"]: u for u in cfg["users"]}
        self.steps = 0
        self.sessions_open = 0
        self.connections: set = set()
        self.stats = self._zero()
        self._reset_tokens: dict = {}

    def _zero(self) -> dict:
        return {**{k: 0 for k in STAT_COUNTERS}, "commands": {}}

    # ------------------------------------------------------------ cluster
    def login_level(self) -> str:
        if not self.store.cluster:
            return f"machine:{self.hostname}"
        mode = self.store.cluster.get("login_mode", "cluster")
        if mode == "machine":
            return f"machine:{self.hostname}"
        if mode == "group":
            return f"group:{self.store.group_of(self.hostname)}"
        return "cluster"

    # ------------------------------------------------------------ faults & settings
    def fault(self, key: str):
        self.watcher.check()
        return self.watcher.faults_for(self.hostname).get(key)

    def variant(self, key: str):
        """A variant switch (profiles.VARIANTS): control file, then appliance, then data file."""
        value = self.fault(key)
        if value is not None:
            return value
        if key in self.cfg:
            return self.cfg[key]
        return self.data.get(key, profiles.VARIANTS[key])

    def page_lines(self, rows: int = 0) -> int:
        """Lines per page: the data file's page_lines, else the terminal's rows minus the pager line."""
        explicit = self.fault("page_lines") or self.cfg.get("page_lines") or self.data.get("page_lines")
        if explicit:
            return int(explicit)
        return max(2, (rows or 24) - 1)

    def idle_timeout(self) -> float:
        return float(self.fault("idle_timeout") or self.cfg.get("idle_timeout") or self.data.get("idle_timeout", 1800))

    def delay(self) -> float:
        return (self.fault("delay_ms") or 0) / 1000.0

    def on_step(self) -> None:
        """One input line (or pager key) consumed by a session of this appliance."""
        self.watcher.check()
        self.steps += 1
        n = self.watcher.faults_for(self.hostname).get("drop_at_step")
        if n and self.steps == n:
            self.stats["drops"] += 1
            self.flush_stats()
            raise Dropped(f"drop at step {n}")
        self.flush_stats()

    def control_changed(self, old: dict, new: dict) -> None:
        f_old = (old.get("faults") or {})
        f_new = (new.get("faults") or {})
        if f_old.get(self.hostname, f_old.get("*")) != f_new.get(self.hostname, f_new.get("*")):
            self.steps = 0
        tokens = new.get("reset_stats") or {}
        mine = (tokens.get(self.hostname), tokens.get("*"))
        if mine != self._reset_tokens.get("last", (None, None)):
            if "last" in self._reset_tokens:
                self.stats = self._zero()
                self.steps = 0
            self._reset_tokens["last"] = mine
        self.flush_stats()

    # ------------------------------------------------------------ counters
    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def count_command(self, name: str) -> None:
        self.stats["commands_total"] += 1
        self.stats["commands"][name] = self.stats["commands"].get(name, 0) + 1
        self.flush_stats()

    def flush_stats(self) -> None:
        body = {**self.stats, "hostname": self.hostname, "steps": self.steps, "sessions_open": self.sessions_open,
                "control_serial": self.watcher.data.get("serial", 0), "updated": round(time.time(), 3)}
        model.atomic_write(ctl.stats_path(self.state_dir, self.hostname), model.canonical_json(body))


async def serve(data_path: Path, state_dir: Path, reset: bool = False) -> int:
    from tests.simulator import smtpfront, sshfront

    import faulthandler
    faulthandler.register(signal.SIGUSR1, all_threads=True)   # debugging: kill -USR1 PID dumps stacks
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    state_dir.mkdir(parents=True, exist_ok=True)
    if reset:   # a fresh run: no faults or counters left over from an earlier one
        ctl.control_path(state_dir).unlink(missing_ok=True)
        for p in state_dir.glob("*.stats.json"):
            p.unlink()
    data = model.load_data(data_path)
    world = model.World(data, state_dir, reset=reset)
    watcher = ctl.ControlWatcher(state_dir)
    apps = [ApplianceRuntime(a, world, data, state_dir, watcher) for a in data["appliances"]]

    def state_reset(old: dict, new: dict) -> None:
        if old.get("serial", 0) and old.get("reset_state") != new.get("reset_state"):
            world.restore_initial()
            log.info("committed state restored")

    watcher.listeners.append(state_reset)
    for app in apps:
        watcher.listeners.append(app.control_changed)
    watcher.check()
    for app in apps:
        app.flush_stats()

    servers = []
    ready = {"pid": os.getpid(), "data": str(data_path), "state_dir": str(state_dir), "appliances": {}}
    for app in apps:
        ssh = await sshfront.start(app)
        servers.append(ssh)
        smtp_servers, smtp_info = await smtpfront.start(app)
        servers += smtp_servers
        ready["appliances"][app.hostname] = {"ssh_address": app.cfg["ssh_address"], "ssh_port": app.cfg["ssh_port"],
                                             "smtp": smtp_info}
        log.info("appliance %s: ssh %s:%s smtp %s", app.hostname, app.cfg["ssh_address"], app.cfg["ssh_port"],
                 smtp_info)
    model.atomic_write(state_dir / "ready.json", model.canonical_json(ready))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def poll_control():
        while not stop.is_set():
            watcher.check()
            await asyncio.sleep(0.05)

    poller = asyncio.create_task(poll_control())
    print(json.dumps({"ready": True, **ready}), flush=True)
    await stop.wait()
    log.info("stopping")
    poller.cancel()
    for srv in servers:
        srv.close()
    for app in apps:
        for conn in list(app.connections):
            conn.abort()
    waits = [asyncio.ensure_future(srv.wait_closed()) for srv in servers]
    done, pending = await asyncio.wait(waits, timeout=2)
    for w in pending:
        w.cancel()
    for app in apps:
        app.flush_stats()
    (state_dir / "ready.json").unlink(missing_ok=True)
    return 0
