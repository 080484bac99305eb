# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters exposing the pure SPF edit of mailsec.cres.spf_include (documentation in the .yml files)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    SpfError,
    add_include,
    remove_include,
)


def _text(value, name):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode('utf-8')
    if isinstance(value, (list, tuple)):
        # character-strings of one TXT record, glued without separators
        return ''.join(_text(v, name) or '' for v in value)
    if not isinstance(value, str):
        raise AnsibleFilterError('%s: expected the SPF record as a string, got %s' % (name, type(value).__name__))
    return value


def spf_add_include(record, include='res.cisco.com', create=False, all_qualifier='softfail'):
    """Old SPF text in, new SPF text out, with include:INCLUDE ensured."""
    try:
        return add_include(_text(record, 'spf_add_include'), include, create, all_qualifier).after
    except SpfError as exc:
        raise AnsibleFilterError('spf_add_include: %s' % exc)


def spf_remove_include(record, include='res.cisco.com'):
    """Old SPF text in, new SPF text out, without any include:INCLUDE term."""
    try:
        return remove_include(_text(record, 'spf_remove_include'), include).after
    except SpfError as exc:
        raise AnsibleFilterError('spf_remove_include: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {
            'spf_add_include': spf_add_include,
            'spf_remove_include': spf_remove_include,
        }
