"""Fault at every step: drop the SSH connection at each CLI dialog step of a full first run.

The run is the appliance part of the procedure, as the role does it: ``esa_certificate``,
``esa_mail_flow_policy`` (TLS required), ``esa_sender_group`` (first, CRES senders), all with
``commit: false``, then one ``esa_commit``. A clean run on a reference appliance counts the
dialog steps S (every line or pager key the simulator consumes). Then, for each step k, an
appliance armed with "drop at step k" runs the same play, and:

* its committed configuration (simulator dump) is either the original or the complete desired
  one (compared with the reference run's result, host-specific values normalised) - never a mix;
* the run reported failure for it, unless the drop fell after the commit and the state is the
  desired one;
* a rerun without faults converges: changed exactly when the state was still the original one,
  then a third run reports changed=0.

Steps are spread over the appliances of one simulator process (24), one ansible-playbook run
per batch of 24 steps. ``MAILSEC_RELIABILITY_EXHAUSTIVE=1`` covers every step of the dialog
(about 15-20 minutes on 2 cores); the default covers 24 steps in one batch (a few minutes): the
first three, the last eight (commit and after) and the rest spread evenly over the dialog.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.functional.conftest_reliability import EXHAUSTIVE

BATCH = 24          # appliances of the simulator process = steps per ansible-playbook run
FAST_STEPS = 24     # steps covered by default (one batch)


def _play(pki, hosts="all"):
    return [{
        "name": "appliance steps of the CRES procedure",
        "hosts": hosts,
        "gather_facts": False,
        "tasks": [
            {"name": "certificate", "mailsec.cres.esa_certificate": {
                "name": "cres_tls", "certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
                "intermediates_path": [pki["leaf_chain"]], "ca_bundle": pki["ca_bundle"],
                "listeners": ["IncomingMail"], "commit": False}},
            {"name": "policy", "mailsec.cres.esa_mail_flow_policy": {
                "name": "CRES_TLS_POLICY", "listener": "IncomingMail", "tls": "required", "commit": False}},
            {"name": "sender group", "mailsec.cres.esa_sender_group": {
                "name": "CRES_TLS", "listener": "IncomingMail", "policy": "CRES_TLS_POLICY", "order": 1,
                "comment": "CRES replies over TLS",
                "senders": [".res.cisco.com", ".cres.iphmx.com", "208.90.57.0/26", "204.15.81.0/26"],
                "commit": False}},
            {"name": "commit", "mailsec.cres.esa_commit": {"comment": "reliability"}},
        ],
    }]


def normalise(dump: str, host: str, fleet) -> dict:
    """The dump without what differs between appliances (names, ports, the demo certificate)."""
    obj = json.loads(dump)
    obj.pop("hostname", None)
    for prof in obj.get("certificates") or []:
        if prof.get("name") == "Demo":
            for key in list(prof):
                if key != "name":
                    prof[key] = "<demo>"
    for listener in obj.get("listeners") or []:
        if listener.get("smtp_port") == fleet.smtp_ports.get(host):
            listener["smtp_port"] = "<smtp_port>"
    text = json.dumps(obj, sort_keys=True)
    return json.loads(text.replace(host, "<host>"))


@pytest.fixture(scope="module")
def fault_env(rel_sim_factory, rel_pki, rel_dir):
    fleet = rel_sim_factory("fault", BATCH)
    work = rel_dir / "faults"
    work.mkdir(parents=True, exist_ok=True)
    inv = fleet.inventory(work / "inventory.yml")
    book = work / "play.yml"
    book.write_text(yaml.safe_dump(_play(rel_pki), sort_keys=False))
    return {"fleet": fleet, "inventory": inv, "book": book, "work": work}


def _run(rel_ansible, env, name, limit=None):
    args = ["ansible-playbook", "-i", env["inventory"], "-f", "8", str(env["book"])]
    if limit:
        args[1:1] = ["--limit", limit]
    return rel_ansible(args, name=name, timeout=600)


@pytest.fixture(scope="module")
def reference(fault_env, rel_ansible):
    """A clean run on the first appliance: the dialog's step count and the desired state."""
    fleet = fault_env["fleet"]
    host = fleet.hostnames[0]
    fleet.reset_state()
    original = fleet.dump(host)
    fleet.clear_faults()             # re-arms: step counters restart at 0
    run = _run(rel_ansible, fault_env, "fault-reference", limit=host)
    assert run.rc == 0, run.describe()
    fleet.wait_idle()
    steps = fleet.stats(host)["steps"]
    desired = fleet.dump(host)
    assert desired != original
    # Where the commit happens: the step at which "commit" is typed is the last dialog part.
    return {"steps": steps, "desired": normalise(desired, host, fleet),
            "original": normalise(original, host, fleet), "run": run}


def _steps_to_cover(total: int) -> list:
    if EXHAUSTIVE:
        return list(range(1, total + 1))
    # Default (fast) variant: one batch - the first steps (login, first read), the last steps
    # (commit and what follows) and steps spread evenly over the rest of the dialog.
    head = {1, 2, 3}
    tail = set(range(max(1, total - 7), total + 1))
    rest = FAST_STEPS - len(head | tail)
    spread = {1 + round(i * (total - 1) / (rest + 1)) for i in range(1, rest + 1)}
    return sorted(head | tail | spread)[:max(FAST_STEPS, 1)] if total > FAST_STEPS else list(range(1, total + 1))


def test_dialog_has_steps(reference):
    assert reference["steps"] > 10


def test_fault_at_every_step(fault_env, reference, rel_ansible):
    fleet = fault_env["fleet"]
    steps = _steps_to_cover(reference["steps"])
    problems = []
    covered = []
    for start in range(0, len(steps), BATCH):
        batch = steps[start:start + BATCH]
        hosts = fleet.hostnames[:len(batch)]
        fleet.reset_state()
        original = {h: fleet.dump(h) for h in hosts}
        fleet.clear_faults()
        for host, k in zip(hosts, batch):
            fleet.set_faults(host, drop_at_step=k)
        limit = ",".join(hosts)
        run = _run(rel_ansible, fault_env, f"fault-steps-{batch[0]}-{batch[-1]}", limit=limit)
        fleet.wait_idle()
        failed = run.failed_hosts()
        state = {}
        for host, k in zip(hosts, batch):
            drops = fleet.stats(host).get("drops", 0)
            dump = fleet.dump(host)
            norm = normalise(dump, host, fleet)
            if dump == original[host]:
                state[host] = "original"
            elif norm == reference["desired"]:
                state[host] = "desired"
            else:
                state[host] = "MIX"
                problems.append(f"step {k}: committed configuration is neither the original nor the desired one "
                                f"({host})")
                continue
            if not drops:
                problems.append(f"step {k}: the simulator did not drop the connection ({host})")
            if host not in failed and state[host] != "desired":
                problems.append(f"step {k}: the run reported success but nothing was committed ({host})")
            covered.append(k)
        # Rerun without faults: converges, changed only where the original state was left.
        fleet.clear_faults()
        rerun = _run(rel_ansible, fault_env, f"fault-rerun-{batch[0]}-{batch[-1]}", limit=limit)
        for host, k in zip(hosts, batch):
            if state.get(host) == "MIX":
                continue
            if host in rerun.failed_hosts():
                problems.append(f"step {k}: the rerun failed on {host}: {rerun.failure_messages(host)}")
                continue
            if normalise(fleet.dump(host), host, fleet) != reference["desired"]:
                problems.append(f"step {k}: the rerun did not reach the desired configuration ({host})")
            if state[host] == "original" and host not in rerun.changed_hosts():
                problems.append(f"step {k}: the rerun reported no change although nothing was committed ({host})")
        third = _run(rel_ansible, fault_env, f"fault-third-{batch[0]}-{batch[-1]}", limit=limit)
        for host, k in zip(hosts, batch):
            if host in third.failed_hosts() or host in third.changed_hosts():
                problems.append(f"step {k}: the third run is not changed=0 on {host}")
    assert not problems, "\n".join(problems)
    assert covered == [k for k in steps if k in covered] and len(covered) == len(steps)
