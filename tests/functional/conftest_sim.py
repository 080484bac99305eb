"""Fixtures for tests that drive the AsyncOS simulator over real SSH and SMTP.

- ``sim``: session-wide simulator (tests/harness/sim.py with the default data file) in a temp dir;
  the dict of tests.harness.sim.start() plus ``run_dir``.
- ``sim_clean``: per test: committed state back to the seed, faults cleared, counters reset.
- ``sim_cli``: factory ``sim_cli(host="esa1.example.com", **kw) -> CLI`` (closed at teardown).
- ``sim_dump``: ``sim_dump(host=None) -> str``, the byte-stable committed state.
- ``sim_ctl``: the tests.simulator.control module bound to the state dir (``sim_ctl.set(host, drop_at_step=3)``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from tests.harness import sim as sim_service
from tests.simulator import control as _control
from tests.simulator import model as _model
from tests.simulator.client import CLI


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    base = os.environ.get("MAILSEC_SIM_RUN_DIR")
    run_dir = Path(base) if base else tmp_path_factory.mktemp("sim")
    info = sim_service.start(run_dir)
    info["run_dir"] = str(run_dir)
    try:
        yield info
    finally:
        sim_service.stop(run_dir)


class _Ctl:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir

    def set(self, host: str = "*", **faults):
        return _control.set_faults(self.state_dir, host, **faults)

    def clear(self, host: str | None = None):
        return _control.clear_faults(self.state_dir, host)

    def arm(self, host: str = "*"):
        return _control.set_faults(self.state_dir, host)

    def stats(self, host: str) -> dict:
        return _control.read_stats(self.state_dir, host)

    def steps(self, host: str) -> int:
        return self.stats(host).get("steps", 0)

    def reset_stats(self, host: str = "*"):
        return _control.reset_stats(self.state_dir, host)

    def reset_state(self):
        return _control.reset_state(self.state_dir)


@pytest.fixture
def sim_ctl(sim):
    return _Ctl(Path(sim["state_dir"]))


@pytest.fixture
def sim_clean(sim, sim_ctl):
    sim_ctl.clear()
    sim_ctl.reset_state()
    sim_ctl.reset_stats()
    yield sim
    sim_ctl.clear()


@pytest.fixture
def sim_cli(sim):
    opened = []

    def connect(host: str = "esa1.example.com", **kw) -> CLI:
        a = sim["appliances"][host]
        kw.setdefault("username", a["username"])
        if "key_filename" not in kw:
            kw.setdefault("password", a["password"])
        c = CLI(a["ssh_host"], a["ssh_port"], **kw)
        opened.append(c)
        return c

    yield connect
    for c in opened:
        c.close()


@pytest.fixture
def sim_dump(sim):
    state = Path(sim["state_dir"]) / "state.json"
    data = _model.load_data(Path(sim["data_file"]))
    return functools.partial(_model.dump_text, state, data=data)
