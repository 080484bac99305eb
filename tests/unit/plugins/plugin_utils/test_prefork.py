# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/prefork.py loads, in Ansible's main process, what every worker of an appliance
task would load again: each plugin's module and its option definitions."""

from __future__ import annotations

import sys

from ansible import constants as C
from ansible.plugins.loader import get_plugin_class

from ansible_collections.mailsec.cres.plugins.plugin_utils import prefork


def test_every_plugin_is_loaded_with_its_option_definitions():
    prefork.load_before_fork()
    names = [name for _loader, name in prefork.plugins()]
    assert "ansible.netcommon.network_cli" in names and "mailsec.cres.asyncos" in names
    assert "mailsec.cres.cres_preflight_problems" in names      # the collection's filters, from their files
    for loader, name in prefork.plugins():
        plugin, context = loader.get_with_context(name, class_only=True)
        assert plugin is not None, (loader.type, name)
        assert context.resolved, (loader.type, name)
        assert context._python_module_name in sys.modules, (loader.type, name)
        plugin_type = get_plugin_class(loader.class_name)
        if plugin_type in C.CONFIGURABLE_PLUGINS:
            # recorded once: no worker reads the plugin's documentation again
            assert C.config.has_configuration_definition(plugin_type, context.plugin_resolved_name), (plugin_type, name)
