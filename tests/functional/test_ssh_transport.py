"""The collection over both SSH transports of network_cli: libssh (ansible-pylibssh) and paramiko.

Each test runs ``ansible-playbook`` against a simulator of its own (window changes honoured,
or a fixed 80x24 terminal switched on at run time) with ``ansible_network_cli_ssh_type`` set,
and checks what an administrator relies on, the same on both transports:

* the same configuration read on either transport and terminal size (libssh cannot widen the
  terminal: lines wrapped at 80 columns and a pager every 23 lines, joined and answered);
* host keys: the right key in known_hosts connects; a changed key fails before the login and
  says so; an unknown key is added by paramiko (trust on first use) and refused by libssh
  (documented in docs/device-layer.md);
* a wrong password, a command timeout and a dropped connection fail the task with a clear
  message, and the next run works.

The whole suite also runs on both transports (scripts/test.sh); this file pins down where the
transports differ and that the collection hides the difference where it can.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.harness import sim as sim_service
from tests.harness.common import REPO_ROOT
from tests.simulator import control, known_hosts

TRANSPORTS = ("libssh", "paramiko")
HOST = "esa1.example.com"
# Where both transports read known_hosts: paramiko from $HOME, libssh from the passwd entry's
# home whatever $HOME says (libssh's ssh_get_user_home_dir); the runs use the passwd home.
USER_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)
KNOWN_HOSTS = USER_HOME / ".ssh" / "known_hosts"


def _libssh_missing():
    try:
        import pylibsshext.session  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        return "ansible-pylibssh is not installed (scripts/bootstrap.sh installs it)"
    return None


pytestmark = pytest.mark.skipif(_libssh_missing() is not None, reason=str(_libssh_missing()))


@pytest.fixture(scope="module")
def appliance(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("sim-transport")
    info = sim_service.start(run_dir, settings={})
    appliance = dict(info["appliances"][HOST], state_dir=info["state_dir"])
    try:
        yield appliance
    finally:
        sim_service.stop(run_dir)
        _write_key(appliance, None)      # its port is free again


@pytest.fixture
def ctl(appliance):
    state = Path(appliance["state_dir"])
    control.clear_faults(state)
    known_hosts.trust(KNOWN_HOSTS, [appliance])
    yield state
    control.clear_faults(state)
    known_hosts.trust(KNOWN_HOSTS, [appliance])     # the right key again


PLAY = """
- hosts: esa
  gather_facts: false
  tasks:
    - name: read
      mailsec.cres.esa_info:
        refresh: true
      register: info
    - name: keep the read
      ansible.builtin.copy:
        content: "{{ info | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
      delegate_to: localhost
"""


def run(appliance, transport, work, *, password=None, checking=True, extra_vars=None):
    """ansible-playbook PLAY on the appliance, in the new directory work; (rc, output, esa_info result or None)."""
    work.mkdir(parents=True)
    # persistent connection sockets: a short path (AF_UNIX paths end at 107 bytes), a new one per
    # run so that no run reuses another run's connection (the socket name ignores the transport)
    control_dir = Path(tempfile.mkdtemp(prefix="mailsec-pc-", dir="/tmp"))
    out = work / "info.json"
    values = dict(appliance, password=password or appliance["password"], transport=transport)
    (work / "inventory").write_text(
        "[esa]\nesa1 ansible_host={ssh_host} ansible_port={ssh_port} ansible_user={username} "
        "ansible_password={password}\n[esa:vars]\nansible_connection=ansible.netcommon.network_cli\n"
        "ansible_network_os=mailsec.cres.asyncos\nansible_network_cli_ssh_type={transport}\n"
        "ansible_command_timeout=20\n".format(**values))
    (work / "play.yml").write_text(PLAY)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(USER_HOME), ANSIBLE_COLLECTIONS_PATH=str(REPO_ROOT / ".collections"),
               ANSIBLE_HOST_KEY_CHECKING=str(checking), ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=str(control_dir),
               ANSIBLE_PERSISTENT_CONNECT_TIMEOUT="5", ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
               ANSIBLE_LOG_PATH=str(work / "ansible.log"), ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="False",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-vvv", "-i", "inventory", "play.yml",
           "-e", json.dumps(dict(extra_vars or {}, out=str(out)))]
    try:
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False)
    finally:
        shutil.rmtree(control_dir, ignore_errors=True)
    log = (work / "ansible.log").read_text(errors="replace") if (work / "ansible.log").exists() else ""
    output = proc.stdout + proc.stderr + log
    return proc.returncode, output, json.loads(out.read_text()) if out.exists() else None


def _model(info):
    return {k: info[k] for k in ("hostname", "listeners", "certificates", "cluster")}


def _used(output, transport):
    # netcommon's libssh plugin logs its pylibssh version when it connects; paramiko's path does not
    return ("USING PYLIBSSH VERSION" in output) == (transport == "libssh")


def test_same_read_on_both_transports_and_any_terminal(appliance, ctl, tmp_path):
    """With host key checking on and the right key: the read is the same whatever the transport
    and whether the appliance honours the window change (paramiko sends one, libssh cannot) or
    keeps an 80x24 terminal (wrapped lines, a pager every 23 lines)."""
    reads = {}
    for terminal in ("honoured", "80x24"):
        if terminal == "80x24":
            control.set_faults(ctl, HOST, terminal_width=80, terminal_height=24, page_lines=23)
        for transport in TRANSPORTS:
            rc, output, info = run(appliance, transport, tmp_path / f"{terminal}-{transport}")
            assert rc == 0, output[-3000:]
            assert _used(output, transport), f"{transport} was not the transport used"
            reads[(terminal, transport)] = _model(info)
    first = next(iter(reads.values()))
    assert all(read == first for read in reads.values()), sorted(reads)
    assert first["listeners"] and first["certificates"]


def _write_key(appliance, key):
    """known_hosts entry of the appliance's port: its real key, another key, or none."""
    known_hosts.replace(KNOWN_HOSTS, {known_hosts.entry_name(appliance["ssh_host"], appliance["ssh_port"]): key})


def _other_key(tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    return " ".join((tmp_path / "other.pub").read_text().split()[:2])


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_changed_host_key_fails_before_login(appliance, ctl, tmp_path, transport):
    _write_key(appliance, _other_key(tmp_path))
    logins = control.read_stats(ctl, HOST).get("logins", 0)
    rc, output, info = run(appliance, transport, tmp_path / "run")
    assert rc != 0 and info is None
    expected = "host key mismatch" if transport == "paramiko" else "Host key for server has changed"
    assert expected in output
    assert control.read_stats(ctl, HOST).get("logins", 0) == logins      # no password was sent


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unknown_host_key(appliance, ctl, tmp_path, transport):
    """paramiko's path adds an unknown key (trust on first use, netcommon's host_key_auto_add);
    libssh refuses it: the persistent connection cannot ask (add the key first: ssh-keyscan)."""
    _write_key(appliance, None)
    rc, output, _info = run(appliance, transport, tmp_path / "run")
    if transport == "paramiko":
        assert rc == 0, output[-3000:]
    else:
        assert rc != 0 and "can't be established" in output and "Host is unknown" in output


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_password(appliance, ctl, tmp_path, transport):
    rc, output, info = run(appliance, transport, tmp_path / "run", password="not-the-password")
    assert rc != 0 and info is None
    assert "uthenticat" in output          # paramiko: "Authentication failed"; libssh: "...authenticate..."
    assert "not-the-password" not in output


# fault -> (simulator faults, extra vars, what the failed task says)
FAULTS = {
    # an appliance that does not answer within ansible_command_timeout: ansible-connection's
    # alarm, the same on both transports
    "command-timeout": ({"delay_ms": 8000}, {"ansible_command_timeout": 3},
                        "command timeout triggered, timeout value is 3 secs"),
    "dropped-connection": ({"drop_at_step": 2}, {}, "connection to the appliance lost"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_fault_then_recovery(appliance, ctl, tmp_path, transport, fault):
    """The task fails saying what happened; once the appliance behaves the next run works."""
    faults, extra_vars, says = FAULTS[fault]
    control.set_faults(ctl, HOST, **faults)
    rc, output, info = run(appliance, transport, tmp_path / "fault", extra_vars=extra_vars)
    assert rc != 0 and info is None
    assert says in output
    control.clear_faults(ctl, HOST)
    rc, output, info = run(appliance, transport, tmp_path / "again")
    assert rc == 0 and info, output[-3000:]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_host_key_checking_off_with_a_changed_key(appliance, ctl, tmp_path, transport):
    """ansible_host_key_checking=false: libssh checks nothing (a changed key connects); netcommon's
    paramiko path ignores the setting and still refuses it. Keep checking on."""
    _write_key(appliance, _other_key(tmp_path))
    rc, output, _info = run(appliance, transport, tmp_path / "run", checking=False)
    if transport == "libssh":
        assert rc == 0, output[-3000:]
    else:
        assert rc != 0 and "host key mismatch" in output
