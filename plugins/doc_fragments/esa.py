# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options shared by the ESA (AsyncOS) modules."""

from __future__ import annotations


class ModuleDocFragment:
    # transcript_path, on_unconfigured_mode (every ESA module, esa_info included).
    DOCUMENTATION = r"""
options:
  transcript_path:
    description:
      - Append a redacted transcript of the whole CLI conversation of this task to this file on
        the controller (created with mode 0600).
      - Passwords, private keys, passphrases and PEM bodies are replaced before anything is written.
      - Meant for reporting a mismatch between a real appliance and the dialect this collection assumes
        (see C(docs/asyncos-dialect.md)).
    type: path
  on_unconfigured_mode:
    description:
      - What to do when, in a cluster, AsyncOS says the command is not yet configured at the current
        cluster mode (level).
      - V(switch) chooses "Switch modes" and edits the setting at the level that holds it.
      - V(fail) stops with a message naming that level; nothing is changed.
      - "The answer \"start a new, empty configuration at the current mode\" is never given: it would
        silently create an empty machine- or group-level override."
    type: str
    choices: [switch, fail]
    default: switch
notes:
  - Requires C(ansible_connection=ansible.netcommon.network_cli) and C(ansible_network_os=mailsec.cres.asyncos).
  - The configuration read (C(showconfig), passphrases masked) is cached inside the persistent connection and
    invalidated by any configuration command, so tasks that change nothing read the configuration once per appliance.
  - The persistent connection these modules start has an idle timeout of 600 seconds unless one is configured
    (C(ansible_connect_timeout), C(ANSIBLE_PERSISTENT_CONNECT_TIMEOUT), C([persistent_connection] connect_timeout)),
    instead of Ansible's 30, because changes staged with C(commit=false) live in the CLI session and, on a large
    fleet, the gap between two tasks of one appliance can be longer than 30 seconds. (A task that runs a module the
    usual way on the same host, such as one of another collection, gives the connection its own options again.)
"""

    # commit, commit_comment (modules that change the appliance).
    COMMIT = r"""
options:
  commit:
    description:
      - Commit the pending changes at the end of the task (C(commit) with O(commit_comment)).
      - Set to V(false) to collect changes of several tasks and commit them once with M(mailsec.cres.esa_commit).
        Pending changes belong to the CLI session and are lost when it ends.
      - When the task fails after it started changing the appliance, its pending changes are abandoned
        (C(clearchanges)) whatever this option says.
    type: bool
    default: true
  commit_comment:
    description:
      - Comment recorded with the commit.
    type: str
    default: Changed by Ansible (mailsec.cres)
  rehearse:
    description:
      - Rehearse the change on the appliance without committing anything, the first thing to run on a real
        appliance (with O(transcript_path)).
      - Every dialog of the change runs for real in this task's CLI session (also in check mode), the
        appliance's own listings are checked for the staged change (C(HOSTACCESS PRINT), the certificate
        list), then the changes are abandoned with C(clearchanges). The committed configuration is untouched;
        the result reports C(changed=false) and, in RV(rehearsal), dialog by dialog whether every step
        matched the dialect of C(docs/asyncos-dialect.md) and every question that was new or differed.
      - With O(commit=false) the rehearsed changes stay pending for the next tasks of the play (for example
        the role's other steps) and are abandoned by M(mailsec.cres.esa_commit) with O(mailsec.cres.esa_commit#module:rehearse=true);
        the CLI session then refuses any real commit.
    type: bool
    default: false
"""
