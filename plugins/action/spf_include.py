# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mailsec.cres.spf_include in the controller process, without a module process
(plugins/plugin_utils/controller_module.py)."""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.modules import spf_include
from ansible_collections.mailsec.cres.plugins.plugin_utils.controller_module import ModuleAction


class ActionModule(ModuleAction):
    MODULE = spf_include
