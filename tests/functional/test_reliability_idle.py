"""A persistent connection that idles out between tasks must not lead to a half-change.

The appliance steps stage their changes with ``commit: false`` and commit once at the end;
pending changes belong to the CLI session. With many appliances and the linear strategy, the
gap between two tasks of one appliance grows with the fleet (every other host runs the task
first). When it exceeds the persistent connection's idle timeout (Ansible's default 30 s,
``ANSIBLE_PERSISTENT_CONNECT_TIMEOUT``), network_cli logs in again transparently and the changes
staged by the earlier tasks are gone - the fleet benchmark hit this at 100 appliances.

This test makes the gap happen on one appliance (a 25 s pause, a 10 s idle timeout) in the
renewal case (a valid certificate is already installed, so nothing later refuses to run): a new
certificate, the TLS-required policy and the sender group, then the commit. The committed
configuration must be the original or the complete desired one - never "new policy and group,
old certificate".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.functional.conftest_reliability import REL_DOMAIN


@pytest.fixture(scope="module")
def renewal_fleet(rel_sim_factory, rel_pki, rel_dir):
    host = f"idle-esa1.{REL_DOMAIN}"
    config = {
        "certificates": [
            {"name": "Demo", "demo": True},
            {"name": "cres_tls", "cert": Path(rel_pki["https_cert"]).read_text(),
             "key": Path(rel_pki["https_key"]).read_text(),
             "intermediates": [Path(rel_pki["intermediate_cert"]).read_text()]},
        ],
        "listeners": [{"name": "IncomingMail", "hostname": host, "certificate": "cres_tls"}],
    }
    return rel_sim_factory("idle", 1, extra={"config": config})


def test_idle_gap_between_tasks_never_commits_half(renewal_fleet, rel_pki, rel_dir, rel_ansible):
    fleet = renewal_fleet
    host = fleet.hostnames[0]
    work = rel_dir / "idle"
    work.mkdir(parents=True, exist_ok=True)
    inv = fleet.inventory(work / "inventory.yml")
    play = [{"name": "renewal with an idle gap", "hosts": "all", "gather_facts": False, "tasks": [
        {"name": "certificate (renewed)", "mailsec.cres.esa_certificate": {
            "name": "cres_tls", "certificate_path": rel_pki["leaf_cert"], "private_key_path": rel_pki["leaf_key"],
            "intermediates_path": [rel_pki["leaf_chain"]], "ca_bundle": rel_pki["ca_bundle"],
            "listeners": ["IncomingMail"], "commit": False},
         "register": "r_cert"},
        {"name": "the other appliances' turn", "ansible.builtin.pause": {"seconds": 25}},
        {"name": "policy", "mailsec.cres.esa_mail_flow_policy": {
            "name": "CRES_TLS_POLICY", "listener": "IncomingMail", "tls": "required", "commit": False},
         "register": "r_policy"},
        {"name": "sender group", "mailsec.cres.esa_sender_group": {
            "name": "CRES_TLS", "listener": "IncomingMail", "policy": "CRES_TLS_POLICY",
            "senders": [".res.cisco.com", "208.90.57.0/26"], "commit": False},
         "register": "r_group"},
        # as roles/cres_tls/tasks/appliance.yml does: name the sessions that staged the changes
        {"name": "commit", "mailsec.cres.esa_commit": {
            "comment": "idle", "staged_sessions": "{{ [r_cert, r_policy, r_group] | selectattr('session_id', "
            "'defined') | map(attribute='session_id') | list }}"}},
    ]}]
    book = work / "play.yml"
    book.write_text(yaml.safe_dump(play, sort_keys=False))
    original = json.loads(fleet.dump(host))
    fleet.reset_stats()
    run = rel_ansible(["ansible-playbook", "-i", inv, str(book)], name="idle-gap",
                      env={"ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "10", "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "30"})
    after = json.loads(fleet.dump(host))
    logins = fleet.stats(host).get("logins")

    def parts(state):
        listener = state["listeners"][0]
        cert = next(c for c in state["certificates"] if c["name"] == "cres_tls")
        return {"certificate": cert["cert"], "hat": json.dumps(listener.get("hat"), sort_keys=True)}

    before_p, after_p = parts(original), parts(after)
    changed = {k for k in before_p if before_p[k] != after_p[k]}
    assert changed in (set(), {"certificate", "hat"}), (
        f"half-change committed after an idle re-login ({logins} logins): changed {sorted(changed)}, unchanged "
        f"{sorted(set(before_p) - changed)}; run rc={run.rc}, failures: {run.failure_messages()}")
    if not changed:
        assert run.rc != 0, "nothing was committed but the run reported success"
        # ... and it failed for the right reason (esa_commit's staged_sessions check), not earlier
        assert any("re-established" in m for m in run.failure_messages()), run.failure_messages()
