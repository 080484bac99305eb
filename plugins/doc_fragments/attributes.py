# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute fragments shared by every module of the collection."""

from __future__ import annotations


class ModuleDocFragment:
    # Every module: check mode and diff are honest.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

    # Read-only modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: This module never changes anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module never changes anything.
"""

    # Modules that run on the controller only.
    CONTROLLER = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: controller
"""

    # Modules that talk to an appliance through ansible.netcommon.network_cli.
    ASYNCOS = r"""
options: {}
attributes:
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: mailsec.cres.asyncos
"""

    ACTIONGROUP_ESA = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailsec.cres.esa) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailsec.cres.esa
"""

    ACTIONGROUP_DNS = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailsec.cres.dns) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailsec.cres.dns
"""

    ACTIONGROUP_SPF = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailsec.cres.spf) in C(module_defaults) to set defaults (the resolver options) for this module.
    support: full
    membership:
      - mailsec.cres.spf
"""

    ACTIONGROUP_TLS = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailsec.cres.tls) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailsec.cres.tls
"""
