"""Fixtures of the device-layer functional tests (tests/functional/test_device_*.py).

They use the session simulator of ``conftest_sim`` (``sim``, ``sim_ctl``, ``sim_dump``) and add:

- ``engine_session``: factory ``engine_session(host, **engine_kwargs) -> (DialogEngine, transport)``:
  the collection's dialog engine over a real SSH channel to the simulator (paramiko), with the
  prompt patterns of ``dialect.py`` - the same engine the cliconf plugin runs inside network_cli.
- ``run_play``: runs ``ansible-playbook`` (network_cli + ``mailsec.cres.asyncos``) against simulator
  appliances and returns (rc, output, results) where results are what the play dumped with
  ``dump_results``.
- ``pki_chain``: a CA-signed leaf certificate + key for esa1's listener (for paste dialogs).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import (
    DialogEngine,
    Transport,
    TransportError,
)
from tests.harness.common import REPO_ROOT

COLLECTIONS = REPO_ROOT / ".collections"     # on sys.path already (tests/functional/conftest.py)

_PROMPTS = [re.compile(p) for p in (
    dialect.MAIN_PROMPT_CLUSTER_RE, dialect.MAIN_PROMPT_STANDALONE_RE, dialect.SUB_PROMPT_RE, dialect.PAGER_RE,
    dialect.PASTE_PROMPT_RE)]


class SSHTransport(Transport):
    """Engine transport over a raw paramiko shell channel (no network_cli)."""

    def __init__(self, host, port, username, password, timeout=20.0):
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(host, port=port, username=username, password=password, look_for_keys=False,
                            allow_agent=False, timeout=timeout)
        self.chan = self.client.invoke_shell(width=200, height=1000)
        self.chan.settimeout(0.2)
        self.timeout = timeout
        self.closed = False
        self._last = self._receive()

    def _receive(self):
        buf = ""
        deadline = time.monotonic() + self.timeout
        while True:
            if any(p.search(buf) for p in _PROMPTS):
                # like network_cli's buffer read timeout: make sure nothing else follows
                try:
                    more = self.chan.recv(65536)
                except socket.timeout:
                    return buf.replace("\r\n", "\n").replace("\r", "")
                if not more:
                    self.close()
                    raise TransportError("connection closed")
                buf += more.decode("utf-8", "replace")
                continue
            if time.monotonic() > deadline:
                self.close()
                raise TransportError("timeout; buffer ends with %r" % buf[-200:])
            try:
                data = self.chan.recv(65536)
            except socket.timeout:
                continue
            except OSError as exc:
                self.close()
                raise TransportError(str(exc))
            if not data:
                self.close()
                raise TransportError("connection closed by the appliance")
            buf += data.decode("utf-8", "replace")

    def send(self, line):
        if self.closed:
            raise TransportError("closed")
        try:
            self.chan.send(line + "\r")
        except OSError as exc:
            self.close()
            raise TransportError(str(exc))
        self._last = self._receive()
        return self._last

    def send_only(self, line):
        try:
            self.chan.send(line + "\r")
        except OSError as exc:
            self.close()
            raise TransportError(str(exc))

    def last_prompt(self):
        return self._last

    def close(self):
        self.closed = True
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass


@pytest.fixture
def engine_session(sim):
    opened = []

    def connect(host="esa1.example.com", **kwargs):
        a = sim["appliances"][host]
        transport = SSHTransport(a["ssh_host"], a["ssh_port"], a["username"], a["password"])
        opened.append(transport)
        return DialogEngine(transport, **kwargs), transport

    yield connect
    for transport in opened:
        transport.close()


def _inventory(sim, path: Path, hosts):
    lines = ["[esa]"]
    for host in hosts:
        a = sim["appliances"][host]
        lines.append("%s ansible_host=%s ansible_port=%s ansible_user=%s ansible_password=%s"
                     % (host.split(".")[0], a["ssh_host"], a["ssh_port"], a["username"], a["password"]))
    lines += ["[esa:vars]", "ansible_connection=ansible.netcommon.network_cli",
              "ansible_network_os=mailsec.cres.asyncos", "ansible_host_key_checking=false",
              "ansible_command_timeout=60"]
    path.write_text("\n".join(lines) + "\n")


DUMP_TASK = """
    - name: dump results
      ansible.builtin.copy:
        content: "{{{{ {var} | to_json }}}}"
        dest: "{out}/{{{{ inventory_hostname }}}}-{var}.json"
        mode: "0600"
      delegate_to: localhost
"""


@pytest.fixture
def run_play(sim, tmp_path):
    def run(tasks: str, hosts=("esa1.example.com",), dump=(), extra_env=None, timeout=300):
        out_dir = tmp_path / "results"
        out_dir.mkdir(exist_ok=True)
        inv = tmp_path / "inventory"
        _inventory(sim, inv, hosts)
        body = tasks + "".join(DUMP_TASK.format(var=v, out=out_dir) for v in dump)
        play = tmp_path / "play.yml"
        play.write_text("- hosts: esa\n  gather_facts: false\n  tasks:\n" + body)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_HOST_KEY_CHECKING="False",
                   ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="False",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=str(tmp_path / "pc"),
                   PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        env.update(extra_env or {})
        proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inv), str(play)],
                              capture_output=True, text=True, check=False, env=env, timeout=timeout, cwd=str(tmp_path))
        results = {}
        for f in out_dir.glob("*.json"):
            host, var = f.stem.split("-", 1)
            results.setdefault(host, {})[var] = json.loads(f.read_text())
        return proc.returncode, proc.stdout + proc.stderr, results

    return run


@pytest.fixture(scope="session")
def pki_chain():
    from ansible_collections.mailsec.cres.tests.unit.plugins.module_utils.asyncos.certs import make

    ca, ca_key, ca_pem, _unused = make("Device Test CA", ca=True)
    _leaf, _k, leaf_pem, key_pem = make("mail.example.com", ca, ca_key, san=["mail.example.com"])
    _o, _ok, _other_pem, other_key_pem = make("other.example.com", ca, ca_key)
    return {"ca_pem": ca_pem, "leaf_pem": leaf_pem, "key_pem": key_pem, "other_key_pem": other_key_pem}
