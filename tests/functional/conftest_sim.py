"""Fixtures for tests that drive the AsyncOS simulator over real SSH and SMTP.

- ``sim``: session-wide simulator (tests/harness/sim.py with the default data file) in a temp dir;
  the dict of tests.harness.sim.start() plus ``run_dir``.
- ``sim_clean``: per test: committed state back to the seed, faults cleared, counters reset.
- ``sim_cli``: factory ``sim_cli(host="esa1.example.com", **kw) -> CLI`` (closed at teardown).
- ``sim_dump``: ``sim_dump(host=None) -> str``, the byte-stable committed state.
- ``sim_ctl``: the tests.simulator.control module bound to the state dir (``sim_ctl.set(host, drop_at_step=3)``;
  variant switches too: ``sim_ctl.set(host, policy_edit_menu=True)``).
- ``sim_settings``: the release profile and variant switches the session simulator runs with
  (``MAILSEC_SIM_*``, tests/harness/sim.py), see ``settings_of``.

``RELEASE_TEXTS``: what the simulator must print per release profile, after the public record
(../shared/reference/asyncos-public-record.md); the tests compare against this table, never
against the simulator's own tests/simulator/profiles.py.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
import yaml

from tests.harness import sim as sim_service
from tests.simulator import control as _control
from tests.simulator import model as _model
from tests.simulator import profiles as _profiles
from tests.simulator.client import CLI

_PASSPHRASE_MASK = "Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig command)"
RELEASE_TEXTS = {
    "12.1": {
        "version": "12.1.0-071",
        # IAF-C12: no Common Name question after a paste
        "fqdn_question": None,
        # IAF-C12 treats "Certificate profile .* already exists." as an error string and answers
        # the following prompt (its text is not shown: the simulator's assumption)
        "overwrite": "Certificate profile {name} already exists.\r\nDo you want to overwrite it? [N]> ",
        "unknown_command": "Unknown command: {name}",
        "passphrase_items": [_PASSPHRASE_MASK, "Encrypt passphrases", "Plain passphrases"],
        # IAF-L12 matches 'TLS,but'
        "demo_question": "You may use the demo certificate to test TLS,but this will not be secure. "
                         "Do you really wish to use the demo certificate? [N]> ",
        "filters_questions": False,
        "sender_group_last_op": "- RENAME - Rename this sender group.",
    },
    "14.0": {
        "version": "14.0.0-698",
        # IAF-C14
        "fqdn_question": "Do you want to check if Common Name is in Fully Qualified Domain Name(FQDN) format? [N]> ",
        "overwrite": "Certificate profile {name} already exists.\r\nDo you want to overwrite it? [N]> ",
        "unknown_command": "Unknown command: {name}",
        "passphrase_items": [_PASSPHRASE_MASK, "Encrypt passphrases"],
        "demo_question": "You may use the demo certificate to test TLS, but this will not be secure. "
                         "Do you really wish to use the demo certificate? [N]> ",
        # IAF-K14: Sender Domain Reputation, Outbreak Filters, Advanced Phishing, Graymail, Content / Message Filters
        "filters_questions": True,
        "sender_group_last_op": "- EXTERNAL THREAT FEED SOURCE - Add, delete or view the external threat feed "
                                "sources.",
    },
    "16.0": {
        "version": "16.0.3-017",
        # DEPLOY (16.0.3)
        "fqdn_question": "Do you want to check if Common Name or SAN:dNSName or both are in Fully Qualified Domain "
                         "Name(FQDN) format ? [N]> ",
        "overwrite": 'Certificate profile "{name}" already exists. Do you want to overwrite with this new one? [N]> ',
        # NETSIM
        "unknown_command": "Unknown command or missing feature key: {name}",
        "passphrase_items": [_PASSPHRASE_MASK, "Encrypt passphrases"],
        "demo_question": "You may use the demo certificate to test TLS, but this will not be secure. "
                         "Do you really wish to use the demo certificate? [N]> ",
        "filters_questions": True,
        "sender_group_last_op": "- EXTERNAL THREAT FEED SOURCE - Add, delete or view the external threat feed "
                                "sources.",
    },
}
# The 14.0+ questions of the policy parameter sequence (IAF-K14), in dialog order.
FILTER_QUESTIONS = ("Would you like to enable Sender Domain Reputation Filtering?",
                    "Would you like to enable Virus Outbreak Filters?",
                    "Would you like to enable Advanced Phishing Protection scanning?",
                    "Would you like to enable Graymail Detection?",
                    "Would you like to enable Content Filters?",
                    "Would you like to enable Message Filters?")


def settings_of(info: dict) -> dict:
    """Release profile and variant switches of a simulator started by tests.harness.sim.start:
    its data file's top level over the defaults of tests/simulator/profiles.py, plus
    ``texts`` (the profile's RELEASE_TEXTS)."""
    data = yaml.safe_load(Path(info["data_file"]).read_text())
    out = dict(_profiles.VARIANTS)
    out.update({k: data[k] for k in _profiles.VARIANTS if k in data})
    out["profile"] = str(data.get("profile") or _profiles.DEFAULT_PROFILE)
    out["texts"] = RELEASE_TEXTS[out["profile"]]
    return out


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
def sim_settings(sim):
    return settings_of(sim)


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
