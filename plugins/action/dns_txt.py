# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs mailsec.cres.dns_txt in the controller process, without a module process
(plugins/plugin_utils/controller_module.py)."""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.modules import dns_txt
from ansible_collections.mailsec.cres.plugins.plugin_utils.controller_module import ModuleAction


class ActionModule(ModuleAction):
    MODULE = dns_txt
