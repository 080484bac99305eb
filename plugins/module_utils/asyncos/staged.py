# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a CLI session has staged (uncommitted), as the change dialogs' own listings showed it.

No public source says whether ``showconfig`` shows uncommitted changes. The device layer
therefore never depends on it: every HAT change ends with ``HOSTACCESS`` -> ``PRINT`` (the
appliance's own listing of the staged table), a pasted certificate is checked in the
certificate list, and the persistent connection keeps this record of the session's staged
changes, laid over the configuration read (``config.build_config(staged=...)``). The record
dies with the session, with ``commit`` and with ``clearchanges``; after the commit the
committed state is read with ``showconfig`` and verified again.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.config import extract_hat_print


class StagedChanges:
    """Staged HAT texts per listener, listener certificate assignments, certificate profiles
    (name -> {"cert", "intermediates"} of the public material pasted, or None when deleted)."""

    def __init__(self, hat=None, listener_certificates=None, certificates=None):
        self.hat = dict(hat or {})
        self.listener_certificates = dict(listener_certificates or {})
        self.certificates = dict(certificates or {})

    def __bool__(self):
        return bool(self.hat or self.listener_certificates or self.certificates)

    def record(self, stage, captures):
        """Take note of a change dialog that succeeded. ``stage`` is the script's "stage"."""
        kind = (stage or {}).get("kind")
        if kind == "hat" and captures.get("hat_print"):
            self.hat[stage["listener"]] = extract_hat_print(captures["hat_print"])
        elif kind == "listener_certificate":
            self.listener_certificates[stage["listener"]] = stage["profile"]
        elif kind == "certificate":
            self.certificates[stage["name"]] = {"cert": stage["cert"],
                                                "intermediates": list(stage.get("intermediates") or [])}
        elif kind == "certificate_deleted":
            self.certificates[stage["name"]] = None

    def to_dict(self):
        return {"hat": dict(self.hat), "listener_certificates": dict(self.listener_certificates),
                "certificates": dict(self.certificates)}

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        return cls(data.get("hat"), data.get("listener_certificates"), data.get("certificates"))
