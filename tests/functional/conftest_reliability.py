"""Fixtures of the reliability suite (tests/functional/test_reliability_*.py).

Everything runs on instances of its own, in a directory of its own (``REL_DIR``, below), on
free loopback ports:

* ``rel_dns``: a BIND 9 of our own (``benchmarks/dns_server.py``) with a query log and TSIG
  zone transfers, so a test can dump a zone before and after a step (``rel_zone_dump``);
* ``rel_pki``: the test PKI (``tests/harness/pki.py``) for the listener hostnames;
* ``rel_sim_factory``: AsyncOS simulator processes with several appliances (``SimFleet``): data
  file, start/stop, committed-state dump per appliance, counters, fault arming, reset; their
  host keys written to the known_hosts of ``rel_ansible``'s HOME;
* ``rel_ansible``: runs ``ansible-playbook`` / ``ansible`` (``benchmarks/runner.py``) with
  every output kept for the secret scan (``benchmarks.runner.OUTPUT_FILES``);
* ``rel_secrets``: every secret the suite uses, registered by the fixtures that create them.

Environment:
* ``MAILSEC_RELIABILITY_ROUNDS``: rounds of the SPF race (default 20).
* ``MAILSEC_REL_DIR`` (default ``.run-rel``): base directory; each pytest process works in
  ``session-PID`` below it, removed at the end unless ``MAILSEC_REL_KEEP=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import dns_server
from benchmarks import runner as brunner
from tests.harness.common import REPO_ROOT

# One directory per pytest process: several runs of the suite (a developer's and CI's, or two
# developers' on one machine) never share servers, pid files or state.
REL_BASE = Path(os.environ.get("MAILSEC_REL_DIR", REPO_ROOT / ".run-rel"))
REL_DIR = REL_BASE / f"session-{os.getpid()}"
KEEP = os.environ.get("MAILSEC_REL_KEEP", "") not in ("", "0")
ROUNDS = int(os.environ.get("MAILSEC_RELIABILITY_ROUNDS", "20"))


def _chunks(text: str, size: int = 255) -> list:
    return [text[i:i + size] for i in range(0, len(text), size)]


# Zone of the SPF cases: owner names for the race and the bad-input table.
REL_ZONE = "rel.test"
REL_ZONE_RECORDS = [
    'spf TXT "v=spf1 ip4:192.0.2.1 -all"',
    'spf TXT "site-verification=keep-me"',
    'twospf TXT "v=spf1 ip4:192.0.2.1 -all"',
    'twospf TXT "v=spf1 ip4:192.0.2.2 -all"',
    'nospf TXT "google-site-verification=abc"',
    # 8 lookups: the include costs 2 more (mx + exists of res.cisco.com) -> over 10... and 9.
    'eight TXT "v=spf1 a:h1.example.test a:h2.example.test a:h3.example.test a:h4.example.test '
    'a:h5.example.test a:h6.example.test a:h7.example.test a:h8.example.test -all"',
    # Close to 512 bytes of TXT data at the name: adding an include goes over 512.
    'big TXT ' + " ".join('"%s"' % c for c in _chunks(
        "v=spf1 " + " ".join(f"ip4:198.51.100.{i}" for i in range(1, 25)) + " -all")),
    'big TXT "' + "x" * 63 + '"',
    'h1 A 127.0.0.1',
    'mx1 A 127.0.0.1',
] + [f'_w{i} TXT "v=spf1 ip4:198.51.100.{i} -all"' for i in range(1, 9)]


@pytest.fixture(scope="session")
def rel_secrets() -> dict:
    """name -> secret value; fixtures add what they create, the secrets test scans for all."""
    return {}


@pytest.fixture(scope="session")
def rel_dir():
    REL_DIR.mkdir(parents=True, exist_ok=True)
    yield REL_DIR
    if not KEEP:
        import shutil
        shutil.rmtree(REL_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def rel_dns(rel_dir, rel_secrets):
    run = rel_dir / "bind"
    try:
        info = dns_server.start(run, extra_zones={REL_ZONE: REL_ZONE_RECORDS}, dynamic=[REL_ZONE])
    except (OSError, RuntimeError, TimeoutError) as exc:
        pytest.skip(f"BIND 9 (named) could not start: {exc}")
    info["zone"] = REL_ZONE
    rel_secrets["tsig_secret"] = info["tsig_secret"]
    yield info
    dns_server.stop(run)


@pytest.fixture(scope="session")
def rel_zone_dump(rel_dns):
    def dump(zone: str = REL_ZONE) -> str:
        return dns_server.zone_dump(rel_dns, zone)
    return dump


@pytest.fixture(scope="session")
def rel_ansible(rel_dir):
    """Call as rel_ansible(["ansible-playbook", ...], name=...) -> benchmarks.runner.Run."""
    # Batches of up to 24 appliances on 2 cores: keep the persistent connections (and their
    # pending changes) alive between the tasks of one host (Ansible's default idle timeout is 30 s).
    base = {"ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "300", "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "120"}
    # benchmarks.runner starts from a clean ANSIBLE_* environment: keep the SSH transport the
    # suite runs on (scripts/test.sh sets it per leg).
    if os.environ.get("ANSIBLE_NETWORK_CLI_SSH_TYPE"):
        base["ANSIBLE_NETWORK_CLI_SSH_TYPE"] = os.environ["ANSIBLE_NETWORK_CLI_SSH_TYPE"]

    def run(args, name=None, env=None, timeout=900):
        return brunner.run_ansible(args, rel_dir / "ansible", name=name, env_extra={**base, **(env or {})},
                                   timeout=timeout)
    return run


# ---------------------------------------------------------------------------- PKI, simulator
REL_DOMAIN = "rel.test"


@pytest.fixture(scope="session")
def rel_pki(rel_dir, rel_secrets):
    from tests.harness.pki import make_pki

    pki = make_pki(rel_dir / "pki", hostnames=[f"*.{REL_DOMAIN}", f"mx1.{REL_DOMAIN}"])
    for key in ("leaf_key", "expired_key", "demo_key", "other_key", "weak_key"):
        rel_secrets[key] = Path(pki[key]).read_text()
    rel_secrets["p12_passphrase"] = pki["p12_passphrase"]
    return pki


def _simulator_missing() -> str | None:
    if not (REPO_ROOT / "tests" / "simulator" / "__main__.py").exists():
        return "AsyncOS simulator entry point (tests/simulator/__main__.py) not available yet"
    modules = REPO_ROOT / "plugins" / "modules"
    for name in ("esa_certificate", "esa_mail_flow_policy", "esa_sender_group", "esa_commit"):
        if not (modules / f"{name}.py").exists():
            return f"module mailsec.cres.{name} not available yet"
    if not (REPO_ROOT / "plugins" / "cliconf" / "asyncos.py").exists():
        return "cliconf plugin mailsec.cres.asyncos not available yet"
    return None


@pytest.fixture(scope="session")
def rel_sim_factory(rel_dir, rel_secrets):
    """rel_sim_factory(name, count) -> a started SimFleet (stopped at the end of the session)."""
    missing = _simulator_missing()
    if missing:
        pytest.skip(missing)
    from benchmarks.sim_fleet import SimFleet

    fleets = []

    def make(name: str, count: int, **kw) -> SimFleet:
        fleet = SimFleet(rel_dir / f"sim-{name}", count, prefix=f"{name}-esa", domain=REL_DOMAIN, **kw)
        fleet.write_data()
        fleet.start(reset=True)
        fleet.trust(rel_dir / "ansible" / "home")     # the HOME of rel_ansible's runs
        fleets.append(fleet)
        rel_secrets[f"ssh_password_{name}"] = fleet.password
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop()
