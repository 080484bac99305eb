"""Fault at every step: drop the SSH connection at each CLI dialog step of a full first run.

The run is the appliance part of the procedure exactly as the role does it: ``esa_certificate``,
``esa_mail_flow_policy`` (TLS required), ``esa_sender_group`` (first, CRES senders), all with
``commit: false``, then ``esa_commit`` with the CLI sessions the earlier tasks staged their
changes in (``staged_sessions``), only when something changed. A clean run on a reference
appliance counts the dialog steps S (every line or pager key the simulator consumes: each line
of a pasted certificate is a step). Then, for every k in 1..S, an appliance armed with "drop
at step k" runs the same tasks, and:

* its committed configuration (simulator dump) is either the original or the complete desired
  one (compared with the reference run's result, host-specific values normalised) - never a mix;
* the run reported failure for it, unless the drop fell after the commit and the state is the
  desired one;
* a rerun without faults converges: changed exactly when the state was still the original one,
  ending in exactly the desired state; through ansible-playbook a third run reports changed=0
  too (in-process, where every step is covered, the rerun's exact desired state makes the
  third run the converged run, tested on its own).

Two drivers run the same tasks against the same simulator:

* ``ansible-playbook`` (network_cli, persistent connections, AnsiballZ modules): the reference
  run and ``PLAYBOOK_STEPS`` steps spread over the dialog (login, each dialog part, the paste,
  the commit and after). Ansible costs ~7 s of CPU per appliance and run here, ~40 minutes for
  every step with reruns on 2 cores;
* ``tests.harness.inprocess_play`` (the same modules and real network_cli connections, minus
  Ansible's per-task process starts): **every step**. Its own clean run must count the same S
  steps and reach the same desired state as the ansible-playbook reference, which is what makes
  it a stand-in for the playbook at the steps in between.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from benchmarks import runner as brunner
from tests.harness.common import REPO_ROOT

FLEET = 60              # appliances of the simulator process = steps covered per in-process batch
PLAYBOOK_STEPS = 8      # sets the spread (4 steps) of the steps also run through ansible-playbook (9)
SENDERS = [".res.cisco.com", ".cres.iphmx.com", "208.90.57.0/26", "204.15.81.0/26"]


def _tasks(pki):
    """The appliance steps of the role (roles/cres_tls/tasks/configure.yml), as data."""
    return [
        {"name": "certificate", "module": "esa_certificate", "register": "cert", "args": {
            "name": "cres_tls", "certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
            "intermediates_path": [pki["leaf_chain"]], "ca_bundle": pki["ca_bundle"],
            "listeners": ["IncomingMail"], "commit": False}},
        {"name": "policy", "module": "esa_mail_flow_policy", "register": "policy", "args": {
            "name": "CRES_TLS_POLICY", "listener": "IncomingMail", "tls": "required", "commit": False}},
        {"name": "sender group", "module": "esa_sender_group", "register": "group", "args": {
            "name": "CRES_TLS", "listener": "IncomingMail", "policy": "CRES_TLS_POLICY", "order": 1,
            "comment": "CRES replies over TLS", "senders": SENDERS, "commit": False}},
        {"name": "commit", "module": "esa_commit", "staged_sessions": True, "when_changed": True,
         "args": {"comment": "reliability"}},
    ]


def _play(tasks):
    """The tasks as an Ansible play (register, staged_sessions and when as the role writes them)."""
    registered = [t["register"] for t in tasks if t.get("register")]
    out = []
    for task in tasks:
        args = dict(task["args"])
        if task.get("staged_sessions"):
            args["staged_sessions"] = ("{{ [%s] | selectattr('session_id', 'defined') "
                                       "| map(attribute='session_id') | list }}" % ", ".join(registered))
        entry = {"name": task["name"], f"mailsec.cres.{task['module']}": args}
        if task.get("register"):
            entry["register"] = task["register"]
        if task.get("when_changed"):
            entry["when"] = " or ".join(f"{r}.changed" for r in registered)
        out.append(entry)
    return [{"name": "appliance steps of the CRES procedure", "hosts": "all", "gather_facts": False,
             "tasks": out}]


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


class PlaybookDriver:
    """Runs the tasks with ansible-playbook: {host: "failed" | "changed" | "ok"}."""

    name = "ansible-playbook"

    def __init__(self, env, rel_ansible):
        self.env, self.rel_ansible = env, rel_ansible

    def run(self, hosts, label):
        run = self.rel_ansible(["ansible-playbook", "-i", self.env["inventory"], "-f", "8", "--limit",
                                ",".join(hosts), str(self.env["book"])], name=label, timeout=900)
        failed, changed = run.failed_hosts(), run.changed_hosts()
        out = {h: "failed" if h in failed else "changed" if h in changed else "ok" for h in hosts}
        return out, {h: run.failure_messages(h) for h in failed}


class InProcessDriver:
    """Runs the tasks with tests.harness.inprocess_play (one process, a pool of forked workers)."""

    name = "in-process"

    def __init__(self, env):
        self.env = env

    def run(self, hosts, label):
        fleet = self.env["fleet"]
        job = {"workers": 20, "tasks": self.env["tasks"],
               "hosts": [{"name": h, "host": "127.0.0.1", "port": fleet.ports[h], "user": "admin",
                          "password": fleet.password} for h in hosts]}
        job_file = self.env["work"] / f"{label}.job.json"
        job_file.write_text(json.dumps(job))
        proc = subprocess.run([sys.executable, "-m", "tests.harness.inprocess_play", str(job_file)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False)
        outputs = [self.env["work"] / f"{label}.stderr", self.env["work"] / f"{label}.results.json"]
        outputs[0].write_text(proc.stderr)
        outputs[1].write_text(proc.stdout)
        brunner.OUTPUT_FILES.extend(outputs)      # searched for secrets by test_reliability_secrets
        assert proc.returncode == 0, f"{label}: in-process runner failed:\n{proc.stderr[-3000:]}"
        results = json.loads(proc.stdout)
        out = {h: "failed" if r["failed"] else "changed" if r["changed"] else "ok" for h, r in results.items()}
        messages = {h: [t["result"].get("msg") for t in r["tasks"] if t["result"].get("failed")]
                    + ([r["error"]] if r.get("error") else [])
                    for h, r in results.items() if r["failed"]}
        return out, messages


@pytest.fixture(scope="module")
def fault_env(rel_sim_factory, rel_pki, rel_dir):
    fleet = rel_sim_factory("fault", FLEET)
    work = rel_dir / "faults"
    work.mkdir(parents=True, exist_ok=True)
    tasks = _tasks(rel_pki)
    book = work / "play.yml"
    book.write_text(yaml.safe_dump(_play(tasks), sort_keys=False))
    return {"fleet": fleet, "inventory": fleet.inventory(work / "inventory.yml"), "book": book, "work": work,
            "tasks": tasks}


def _fresh_start(fleet, hosts):
    """Original committed state, no faults, counters (the step counter included) at 0.
    Returns {host: dump of its original state}."""
    fleet.reset_state()
    original = {h: fleet.dump(h) for h in hosts}
    fleet.clear_faults()
    fleet.reset_stats()
    return original


def _clean_run(driver, fleet, label):
    """One clean run on the first appliance from the original state: (steps, desired)."""
    host = fleet.hostnames[0]
    original = _fresh_start(fleet, [host])[host]
    outcome, messages = driver.run([host], label)
    assert outcome[host] == "changed", (label, messages)
    fleet.wait_idle()
    desired = fleet.dump(host)
    assert desired != original
    return fleet.stats(host)["steps"], normalise(desired, host, fleet)


@pytest.fixture(scope="module")
def reference(fault_env, rel_ansible):
    """The ansible-playbook reference: the dialog's step count S and the desired state."""
    steps, desired = _clean_run(PlaybookDriver(fault_env, rel_ansible), fault_env["fleet"], "fault-reference")
    return {"steps": steps, "desired": desired}


def _playbook_steps(total: int) -> list:
    """Login, the first read, steps spread over the dialog (paste included), the commit and after."""
    spread = {1 + round(i * (total - 1) / (PLAYBOOK_STEPS - 3)) for i in range(1, PLAYBOOK_STEPS - 3)}
    return sorted({1, 2, total - 2, total - 1, total} | spread)


def _faults(driver, fleet, reference, steps, third_run=True):
    """Fault at each of steps (one appliance per step, batches of the fleet size): problems.

    third_run: after the rerun, a third run must report changed=0. The rerun already had to
    end in exactly the desired configuration, from which a run is the converged run; the
    in-process pass skips it (a third of its time), the playbook pass keeps it."""
    problems, covered = [], []
    for start in range(0, len(steps), len(fleet.hostnames)):
        batch = steps[start:start + len(fleet.hostnames)]
        hosts = fleet.hostnames[:len(batch)]
        label = f"{driver.name}-{batch[0]}-{batch[-1]}"
        original = _fresh_start(fleet, hosts)
        for host, k in zip(hosts, batch):
            fleet.set_faults(host, drop_at_step=k)
        outcome, _messages = driver.run(hosts, f"fault-{label}")
        fleet.wait_idle()
        state = {}
        for host, k in zip(hosts, batch):
            dump = fleet.dump(host)
            if dump == original[host]:
                state[host] = "original"
            elif normalise(dump, host, fleet) == reference["desired"]:
                state[host] = "desired"
            else:
                problems.append(f"{driver.name} step {k}: committed configuration is neither the original "
                                f"nor the desired one ({host})")
                continue
            if not fleet.stats(host).get("drops"):
                problems.append(f"{driver.name} step {k}: the simulator did not drop the connection ({host})")
            if outcome[host] != "failed" and state[host] != "desired":
                problems.append(f"{driver.name} step {k}: the run reported success but nothing was committed "
                                f"({host})")
            covered.append(k)
        # Rerun without faults: converges, changed exactly where the original state was left.
        fleet.clear_faults()
        rerun, messages = driver.run([h for h in hosts if h in state], f"rerun-{label}")
        for host, k in zip(hosts, batch):
            if host not in state:
                continue
            if rerun[host] == "failed":
                problems.append(f"{driver.name} step {k}: the rerun failed on {host}: {messages.get(host)}")
                continue
            if normalise(fleet.dump(host), host, fleet) != reference["desired"]:
                problems.append(f"{driver.name} step {k}: the rerun did not reach the desired configuration "
                                f"({host})")
            if (rerun[host] == "changed") != (state[host] == "original"):
                problems.append(f"{driver.name} step {k}: the rerun reported {rerun[host]} after a fault that "
                                f"left the {state[host]} configuration ({host})")
        if not third_run:
            continue
        third, _messages = driver.run([h for h in hosts if h in state], f"third-{label}")
        for host, k in zip(hosts, batch):
            if host in state and third[host] != "ok":
                problems.append(f"{driver.name} step {k}: the third run is {third[host]}, not changed=0, "
                                f"on {host}")
    return problems, covered


def test_dialog_has_steps(reference):
    assert reference["steps"] > 10


def test_in_process_run_is_the_playbook_run(fault_env, reference):
    """Same dialog (step count) and same resulting configuration as the ansible-playbook run."""
    steps, desired = _clean_run(InProcessDriver(fault_env), fault_env["fleet"], "inprocess-reference")
    assert steps == reference["steps"]
    assert desired == reference["desired"]


def test_fault_at_spread_steps_through_ansible_playbook(fault_env, reference, rel_ansible):
    steps = _playbook_steps(reference["steps"])
    problems, covered = _faults(PlaybookDriver(fault_env, rel_ansible), fault_env["fleet"], reference, steps)
    assert not problems, "\n".join(problems)
    assert covered == steps


def test_fault_at_every_step(fault_env, reference):
    steps = list(range(1, reference["steps"] + 1))
    if os.environ.get("MAILSEC_FAULT_STEPS"):       # to look at a few steps: "9,12,155"
        steps = [int(k) for k in os.environ["MAILSEC_FAULT_STEPS"].split(",")]
    problems, covered = _faults(InProcessDriver(fault_env), fault_env["fleet"], reference, steps, third_run=False)
    assert not problems, "\n".join(problems)
    assert covered == steps


def _rehearsal(tasks):
    """The same appliance steps as a rehearsal: every module with rehearse=true, and esa_commit
    (always run) abandoning the rehearsed changes instead of committing them."""
    out = []
    for task in tasks:
        task = dict(task, args=dict(task["args"], rehearse=True))
        task.pop("when_changed", None)
        out.append(task)
    return out


def test_rehearsal_with_a_drop_at_every_step_changes_nothing(fault_env, reference):
    """A rehearsal leaves the committed configuration byte-identical, also when the connection
    drops at any of its steps; a real run afterwards still changes what it should."""
    fleet = fault_env["fleet"]
    driver = InProcessDriver(dict(fault_env, tasks=_rehearsal(fault_env["tasks"])))
    host = fleet.hostnames[0]
    original = _fresh_start(fleet, [host])[host]
    outcome, messages = driver.run([host], "rehearsal-clean")
    assert outcome[host] == "ok", messages          # changed=false: nothing was changed
    fleet.wait_idle()
    assert fleet.dump(host) == original
    steps = list(range(1, fleet.stats(host)["steps"] + 1))
    assert len(steps) > 10
    problems = []
    for start in range(0, len(steps), len(fleet.hostnames)):
        batch = steps[start:start + len(fleet.hostnames)]
        hosts = fleet.hostnames[:len(batch)]
        before = _fresh_start(fleet, hosts)
        for h, k in zip(hosts, batch):
            fleet.set_faults(h, drop_at_step=k)
        driver.run(hosts, f"rehearsal-fault-{batch[0]}-{batch[-1]}")
        fleet.wait_idle()
        problems += [f"rehearsal, drop at step {k}: the committed configuration changed ({h})"
                     for h, k in zip(hosts, batch) if fleet.dump(h) != before[h]]
        fleet.clear_faults()
    assert not problems, "\n".join(problems)
    # afterwards a real run changes what it should
    real, messages = InProcessDriver(fault_env).run(fleet.hostnames[:3], "after-rehearsals")
    assert set(real.values()) == {"changed"}, messages
    fleet.wait_idle()
    assert all(normalise(fleet.dump(h), h, fleet) == reference["desired"] for h in fleet.hostnames[:3])
