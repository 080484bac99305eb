# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's modules run in the controller (plugin_utils/controller_module.py) give the
result AnsibleModule gives: the same validation messages, check mode, no_log masking."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from ansible_collections.mailsec.cres.plugins.modules import certificate_check
from ansible_collections.mailsec.cres.plugins.plugin_utils.controller_module import (
    ControllerModule, ModuleExit, run_in_controller)
from ansible_collections.mailsec.cres.tests.harness.pki import make_pki, shared_pki_dir
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.module_runner import run_module

PLUGINS = Path(__file__).resolve().parents[4] / "plugins"
HOSTS = ["mx1.example.test", "mx2.example.test"]  # the names of every user of shared_pki_dir("unit-tls")


@pytest.fixture(scope="module")
def pki():
    return make_pki(shared_pki_dir("unit-tls"), hostnames=HOSTS)


def both(module_file, args, failed=False, check_mode=False):
    """(AnsibleModule result, controller result) of the same arguments, without invocation."""
    real = run_module(module_file.main, args, failed=failed, check_mode=check_mode)
    here = json.loads(json.dumps(run_in_controller(module_file, args, check_mode=check_mode, name="basic.py")))
    assert bool(here.get("failed")) is failed, here
    for result in (real, here):
        result.pop("invocation", None)
    return real, here


def test_every_action_plugin_runs_its_module():
    actions = sorted(p.stem for p in (PLUGINS / "action").glob("*.py") if p.stem != "__init__")
    assert actions, "no action plugins"
    for name in actions:
        plugin = importlib.import_module("ansible_collections.mailsec.cres.plugins.action." + name)
        module_file = plugin.ActionModule.MODULE
        assert module_file.__name__.endswith(".modules." + name), (name, module_file.__name__)
        assert hasattr(module_file, "ARGUMENT_SPEC") and hasattr(module_file, "run"), name
        # a module that drives an appliance gets the persistent connection, the others do not
        assert plugin.ActionModule.PERSISTENT is name.startswith("esa_"), name


def test_modules_without_an_action_plugin_are_none_of_the_controller_modules():
    actions = {p.stem for p in (PLUGINS / "action").glob("*.py")}
    for path in (PLUGINS / "modules").glob("*.py"):
        if "\nARGUMENT_SPEC" in path.read_text():
            assert path.stem in actions, "%s has ARGUMENT_SPEC/run but no action plugin" % path.stem


def test_same_result_as_ansible_module(pki):
    args = {"certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
            "chain_path": pki["leaf_chain"], "ca_bundle": pki["ca_bundle"], "hostnames": HOSTS}
    real, here = both(certificate_check, args)
    assert here == real
    assert here["valid"] is True


@pytest.mark.parametrize("args, needle", [
    ({"certificate_path": "/x", "certificate": "y"}, "mutually exclusive"),
    ({"certificate_path": "/x", "no_such_option": 1}, "no_such_option"),
    ({"certificate_path": "/x", "min_days_remaining": "soon"}, "min_days_remaining"),
])
def test_same_validation_messages(args, needle):
    real, here = both(certificate_check, args, failed=True)
    assert here["msg"] == real["msg"]
    assert needle in here["msg"]


def test_no_log_values_masked_like_ansible_module(pki):
    passphrase = "S3cret-passphrase-value"
    args = {"certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
            "private_key_passphrase": passphrase, "chain_path": pki["leaf_chain"], "ca_bundle": pki["ca_bundle"]}
    here = run_in_controller(certificate_check, args)
    text = json.dumps(here)
    assert passphrase not in text
    assert here["invocation"]["module_args"]["private_key_passphrase"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_check_mode_and_diff_reach_the_module():
    module = ControllerModule({"name": {"type": "str"}}, {"name": "x"}, check_mode=True, diff=True)
    assert module.check_mode is True and module._diff is True
    assert module.params == {"name": "x"}


def test_unsupported_check_mode_is_skipped():
    with pytest.raises(ModuleExit) as done:
        ControllerModule({}, {}, check_mode=True, supports_check_mode=False)
    assert done.value.result["skipped"] is True


def test_warnings_and_deprecations_are_returned():
    module = ControllerModule({"name": {"type": "str"}}, {"name": "x"})
    module.warn("first")
    module.deprecate("old", version="2.0.0", collection_name="mailsec.cres")
    with pytest.raises(ModuleExit) as done:
        module.exit_json(changed=True, warnings=["from the module"])
    result = done.value.result
    assert result["changed"] is True
    assert result["warnings"] == ["from the module", "first"]
    assert result["deprecations"][0]["msg"] == "old"


def test_module_exit_is_not_caught_by_a_broad_except():
    module = ControllerModule({}, {})
    with pytest.raises(ModuleExit):
        try:
            module.fail_json(msg="stop")
        except Exception:  # noqa: BLE001 - what a module's own error handling looks like
            pytest.fail("fail_json was caught by except Exception")
