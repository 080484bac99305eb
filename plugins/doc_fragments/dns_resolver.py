# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The resolver options (plugins/module_utils/dns_resolver.py ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  nameservers:
    description:
      - Resolvers for the module's DNS lookups (SPF records and what they include, MX and address records),
        as IP addresses or host names (a name is resolved once with the controller's resolver).
      - Defaults to the controller's resolver configuration (C(/etc/resolv.conf)).
      - Queries ask for recursion, so give recursive resolvers, or an authoritative server that serves every
        name the lookups need (as the test servers of this collection do).
    type: list
    elements: str
  nameserver_port:
    description:
      - UDP and TCP port of O(nameservers).
    type: int
    default: 53
"""
