"""Fixtures of the device-layer functional tests (tests/functional/test_device_*.py).

They use the session simulator of ``conftest_sim`` (``sim``, ``sim_ctl``, ``sim_dump``) and add:

- ``engine_session``: factory ``engine_session(host, **engine_kwargs) -> (DialogEngine, connection)``:
  the collection's dialog engine and the cliconf plugin's own transport over an emulation of
  network_cli on a real SSH shell (``NetworkCliEmulation``: PTY size, window change, prompt
  matching and reply sanitizing as network_cli does); ``connection.closed`` tells a closed session.
  ``open_engine(appliance)`` does the same for any simulator of tests.harness.sim.start();
  ``read_config(engine, staged=None)`` reads and parses showconfig through it.
- ``run_play``: runs ``ansible-playbook`` (network_cli + ``mailsec.cres.asyncos``) against simulator
  appliances and returns (rc, output, results) where results are what the play dumped with
  ``dump_results``.
- ``pki_chain``: a CA-signed leaf certificate + key for esa1's listener (for paste dialogs).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.mailsec.cres.plugins.cliconf.asyncos import Cliconf, NetworkCliTransport
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import config, scripts
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.dialog import DialogEngine
from ansible_collections.mailsec.cres.plugins.terminal.asyncos import TerminalModule
from tests.harness.common import REPO_ROOT

COLLECTIONS = REPO_ROOT / ".collections"     # on sys.path already (tests/functional/conftest.py)


class NetworkCliEmulation:
    """The parts of ansible.netcommon's network_cli (paramiko) the collection's cliconf relies on,
    over a real SSH shell, so that the engine tests run the cliconf's own transport
    (``NetworkCliTransport`` of plugins/cliconf/asyncos.py) without a persistent connection:

    - the shell is opened with paramiko's default size (80x24), then the collection's terminal
      plugin runs ``on_open_shell`` (its window change), as network_cli does after the login prompt;
    - a receive ends when a ``terminal_stdout_re`` pattern of the terminal plugin matches the end
      of the last 256-byte window (ANSI removed with its ``ansi_re``) and nothing more arrives
      within the buffer read timeout;
    - the reply is sanitized as network_cli does: split at every line break (CR, LF, CRLF), lines
      equal to the command dropped, joined with LF, stripped.

    Error patterns are not applied: the cliconf switches them off while its engine runs.
    """

    BUFFER_READ_TIMEOUT = 0.1  # network_cli's default ansible_buffer_read_timeout
    WINDOW = 256  # network_cli reads and matches 256-byte windows

    def __init__(self, host, port, username, password, timeout=20.0):
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.client.connect(host, port=port, username=username, password=password, look_for_keys=False,
                            allow_agent=False, timeout=timeout)
        self._ssh_shell = self.client.invoke_shell()
        self._ssh_shell.settimeout(0.02)
        self._terminal = TerminalModule(self)
        self.timeout = timeout
        self.closed = False
        self._matched_prompt = b""
        self._receive(b"")
        self._terminal.on_open_shell()

    def _prompt_in(self, window):
        for regex in self._terminal.terminal_stdout_re:
            match = regex.search(window)
            if match:
                return match.group()
        return None

    def _receive(self, command):
        buf = b""
        deadline = time.monotonic() + self.timeout
        quiet_until = None
        while True:
            try:
                data = self._ssh_shell.recv(self.WINDOW)
            except socket.timeout:
                if quiet_until is not None and time.monotonic() >= quiet_until:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("command timeout; buffer ends with %r" % buf[-200:])
                continue
            if not data:
                return None                                   # network_cli: the stream closed
            buf += data
            window = buf[-self.WINDOW:]
            for regex in self._terminal.ansi_re:
                window = regex.sub(b"", window)
            prompt = self._prompt_in(window)
            if prompt is not None:
                self._matched_prompt = prompt
                quiet_until = time.monotonic() + self.BUFFER_READ_TIMEOUT
            else:
                quiet_until = None
        for regex in self._terminal.ansi_re:
            buf = regex.sub(b"", buf)
        lines = [line for line in buf.splitlines() if not (command and line.strip() == command.strip())]
        return b"\n".join(lines).strip()

    def send(self, command, sendonly=False, strip_prompt=True, **_kwargs):
        if self.closed:
            raise OSError("the connection is closed")
        self._ssh_shell.sendall(command + b"\r")
        if sendonly:
            return None
        return to_text(self._receive(command), errors="surrogate_then_replace")

    def get_prompt(self):
        return self._matched_prompt

    def close(self):
        self.closed = True
        self._ssh_shell = None
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass


def read_config(engine, staged=None):
    """showconfig through ``engine``, parsed with config.build_config, with ``staged`` (a
    StagedChanges of this session's dialogs) laid over it as the cliconf does."""
    state = engine.run(scripts.showconfig())
    assert state["ok"], state
    return config.build_config(state["captures"]["output"], prompt=state["prompt"],
                               staged=staged.to_dict() if staged else None)


def open_engine(appliance: dict, **engine_kwargs):
    """(DialogEngine, connection): the collection's engine over the cliconf's own transport on a
    network_cli emulation to one appliance of tests.harness.sim.start()."""
    conn = NetworkCliEmulation(appliance["ssh_host"], appliance["ssh_port"], appliance["username"],
                               appliance["password"])
    return DialogEngine(NetworkCliTransport(Cliconf(conn)), **engine_kwargs), conn


@pytest.fixture
def engine_session(sim):
    opened = []

    def connect(host="esa1.example.com", **kwargs):
        engine, conn = open_engine(sim["appliances"][host], **kwargs)
        opened.append(conn)
        return engine, conn

    yield connect
    for conn in opened:
        conn.close()


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
