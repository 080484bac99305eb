# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load, in Ansible's main process, the plugins that every later task of an appliance loads.

Ansible forks a worker process for each task and host, and what a worker loads dies with it.
On a ``network_cli`` host every task's worker builds the connection plugin (which loads the
terminal and cliconf plugins) and reads each plugin's documentation for its options, even for
a ``set_fact``; and a worker loads the lookup and filter plugins its templates use. Measured
on the fleet benchmark, that was about 0.15 s of controller CPU per appliance
(``docs/benchmarks.md``). What the main process has loaded before it forks, every worker
inherits.

Ansible's strategies (linear and free) import a task's action plugin in the main process (to
read its class attributes) before they fork that task's workers. The collection's action plugins import this
module, so the first of their tasks in a play (``esa_info`` in the role) loads these plugins
for every task after it.
"""

from __future__ import annotations

import importlib
import os

from ansible.plugins.loader import cliconf_loader, connection_loader, filter_loader, lookup_loader, terminal_loader

# The connection of the ESA modules, the SSH connection network_cli builds with ssh_type libssh
# (with paramiko it uses a class of its own), and the one Ansible gives a task that needs none
# (and a task delegated to the controller).
CONNECTIONS = ("ansible.netcommon.network_cli", "ansible.netcommon.libssh", "ansible.builtin.local")
NETWORK_OS = "mailsec.cres.asyncos"
# The lookups the role cres_tls uses in a task of every appliance (its preflight).
LOOKUPS = ("ansible.builtin.varnames", "ansible.builtin.file")
FILTER_PACKAGE = "ansible_collections.mailsec.cres.plugins.filter"


def _collection_filters():
    """The collection's filter names, from its filter plugin files."""
    directory = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "filter")
    for file_name in sorted(os.listdir(directory)):
        if file_name.endswith(".py") and not file_name.startswith("_"):
            module = importlib.import_module("%s.%s" % (FILTER_PACKAGE, file_name[:-3]))
            for name in module.FilterModule().filters():
                yield "mailsec.cres." + name


def plugins():
    """(loader, name) of each plugin to load."""
    return ([(connection_loader, name) for name in CONNECTIONS]
            + [(terminal_loader, NETWORK_OS), (cliconf_loader, NETWORK_OS)]
            + [(lookup_loader, name) for name in LOOKUPS]
            + [(filter_loader, name) for name in _collection_filters()])


def load_before_fork():
    """Load the plugins (module and option definitions) into this process's plugin loaders."""
    for loader, name in plugins():
        loader.get_with_context(name, class_only=True)


try:
    load_before_fork()
except Exception:  # pylint: disable=broad-exception-caught
    # Only a saving: a plugin that cannot load here fails with its own message in the task
    # that uses it.
    pass
