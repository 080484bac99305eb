"""The collection's modules run in the controller through their action plugins
(plugins/plugin_utils): they find the same persistent connection Ansible itself starts and
finds (one login across both kinds of task), and they start it the way Ansible does.

The "plain" module is esa_info without its action plugin: a copy of the module in the
playbook's library/ that Ansible runs the usual way (ansible-connection, AnsiballZ)."""

from __future__ import annotations

from pathlib import Path

ESA1 = "esa1.example.com"
MODULE_SOURCE = Path(__file__).resolve().parents[2] / "plugins" / "modules" / "esa_info.py"

OURS = """
    - name: read through the action plugin
      mailsec.cres.esa_info:
        gather: [listeners]
      register: ours
"""

PLAIN = """
    - name: read the usual way (ansible-connection, AnsiballZ)
      plain_esa_info:
        gather: [listeners]
      register: plain
"""


def _library(run_play_dir):
    lib = run_play_dir / "library"
    lib.mkdir(exist_ok=True)
    (lib / "plain_esa_info.py").write_text(MODULE_SOURCE.read_text())


def _same_read(results):
    ours, plain = results["esa1"]["ours"], results["esa1"]["plain"]
    assert ours["listeners"] == plain["listeners"]


def test_action_plugin_finds_the_connection_ansible_started(sim_clean, run_play, sim_ctl, tmp_path):
    _library(tmp_path)
    rc, out, results = run_play(PLAIN + OURS, dump=["ours", "plain"])
    assert rc == 0, out
    _same_read(results)
    assert sim_ctl.stats(ESA1)["logins"] == 1


def test_ansible_finds_the_connection_the_action_plugin_started(sim_clean, run_play, sim_ctl, tmp_path):
    _library(tmp_path)
    rc, out, results = run_play(OURS + PLAIN, dump=["ours", "plain"])
    assert rc == 0, out
    _same_read(results)
    assert sim_ctl.stats(ESA1)["logins"] == 1


def test_action_plugin_reports_bad_options_like_a_module(sim_clean, run_play, sim_ctl):
    rc, out, _results = run_play("""
    - name: a misspelt option
      mailsec.cres.esa_info:
        gater: [listeners]
""")
    assert rc != 0
    assert "Unsupported parameters for (mailsec.cres.esa_info) module: gater" in out
    # nothing was sent to the appliance: validation comes before the connection
    assert sim_ctl.stats(ESA1).get("logins", 0) == 0


def test_a_task_with_environment_runs_its_module_in_the_same_session(sim_clean, run_play, sim_ctl):
    """A task with ``environment`` runs its module as a process (native libraries read the
    environment when they load), over the same persistent connection: one login."""
    rc, out, results = run_play("""
    - name: read through the action plugin
      mailsec.cres.esa_info:
        gather: [listeners]
      register: ours
    - name: read with an environment (a module process)
      mailsec.cres.esa_info:
        gather: [listeners]
      environment:
        MAILSEC_CRES_TEST: "1"
      register: plain
""", dump=["ours", "plain"])
    assert rc == 0, out
    _same_read(results)
    assert sim_ctl.stats(ESA1)["logins"] == 1


def test_reset_connection_closes_the_session_the_action_plugins_use(sim_clean, run_play, sim_ctl):
    """meta: reset_connection right after an ESA task: the next task logs in again (a new CLI
    session), instead of reaching the closing connection or keeping the old session."""
    rc, out, results = run_play("""
    - name: first session
      mailsec.cres.esa_info:
        gather: [listeners]
      register: ours
    - name: reset
      ansible.builtin.meta: reset_connection
    - name: second session
      mailsec.cres.esa_info:
        gather: [listeners]
      register: plain
""", dump=["ours", "plain"])
    assert rc == 0, out
    _same_read(results)
    assert sim_ctl.stats(ESA1)["logins"] == 2


# A task that asks the connection for its option itself (a module run the usual way would set
# the connection's options to its own task's first: ansible-connection does that for every task).
IDLE_TIMEOUT_ACTION = """
from ansible.module_utils.connection import Connection
from ansible.plugins.action import ActionBase

from ansible_collections.mailsec.cres.plugins.plugin_utils.persistent import persistent_socket


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        connection = Connection(persistent_socket(self, task_vars))
        result["idle_timeout"] = connection.get_option("persistent_connect_timeout")
        return result
"""

IDLE_TIMEOUT_PLAY = OURS + """
    - name: the idle timeout of the connection the action plugin started
      idle_timeout:
      register: idle
"""


def test_the_connection_the_modules_start_idles_600_s_unless_configured(sim_clean, run_play, tmp_path):
    """Changes staged with commit: false live in the CLI session: the action plugins start the
    persistent connection with a 600 s idle timeout instead of Ansible's 30 s, unless one is
    configured (here the environment; a host variable or ansible.cfg are configured the same way)."""
    plugins = tmp_path / "action_plugins"
    plugins.mkdir(exist_ok=True)
    (plugins / "idle_timeout.py").write_text(IDLE_TIMEOUT_ACTION)
    rc, out, results = run_play(IDLE_TIMEOUT_PLAY, dump=["idle"])
    assert rc == 0, out
    assert results["esa1"]["idle"]["idle_timeout"] == 600
    rc, out, results = run_play(IDLE_TIMEOUT_PLAY, dump=["idle"], extra_env={"ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "45"})
    assert rc == 0, out
    assert results["esa1"]["idle"]["idle_timeout"] == 45
