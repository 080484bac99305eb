# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec shared by the ESA modules (documented by the ``mailsec.cres.esa`` doc fragment)."""

from __future__ import annotations

import copy

# transcript_path and on_unconfigured_mode: every ESA module (esa_info too).
ESA_CONNECTION_ARGUMENT_SPEC = {
    "transcript_path": {"type": "path"},
    "on_unconfigured_mode": {"type": "str", "default": "switch", "choices": ["switch", "fail"]},
}

COMMIT_COMMENT_DEFAULT = "Changed by Ansible (mailsec.cres)"

# rehearse: modules that change the appliance, and esa_commit.
ESA_REHEARSE_ARGUMENT_SPEC = {
    "rehearse": {"type": "bool", "default": False},
}

# commit, commit_comment, rehearse: modules that change the appliance.
ESA_COMMIT_ARGUMENT_SPEC = dict({
    "commit": {"type": "bool", "default": True},
    "commit_comment": {"type": "str", "default": COMMIT_COMMENT_DEFAULT},
}, **ESA_REHEARSE_ARGUMENT_SPEC)

ESA_COMMON_ARGUMENT_SPEC = dict(ESA_CONNECTION_ARGUMENT_SPEC, **ESA_COMMIT_ARGUMENT_SPEC)


def esa_argument_spec(extra=None, commit=True):
    """A module's argument spec: the shared ESA options plus ``extra``."""
    spec = copy.deepcopy(ESA_COMMON_ARGUMENT_SPEC if commit else ESA_CONNECTION_ARGUMENT_SPEC)
    spec.update(copy.deepcopy(extra or {}))
    return spec
