# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the role cres_tls's rollout: a batch's place, who configures a cluster, and what
stops the batch before any change.

Each is computed once per batch (``run_once``) from what Ansible says about the play and what
each appliance's preflight recorded, so no host needs to leave marks for the others
(documentation in the sidecar .yml files).

- ``cres_rollout_batch(batch, hosts_all, live)``: ``{first, last, done}``. With ``serial``,
  Ansible cuts the play's hosts, in inventory order, into consecutive batches; a batch is the
  first when no host that is still in the play comes before it, the last when none comes after
  it, and ``done`` is every host up to its last one (the appliances of the report so far).
- ``cres_rollout_configurers(hosts, appliances)``: ``{host: bool}``, which appliance of the
  batch configures: every standalone appliance, and per cluster the member named by its
  ``configurer`` (cres_tls_cluster_configurer) or else the first member in the batch.
- ``cres_preflight_problems(appliances)``: the messages that stop the batch before any change:
  each input problem once with the appliances it concerns, each appliance without the listener.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def _is_list(value):
    return not isinstance(value, (str, bytes, dict)) and hasattr(value, "__iter__")


def _names(value, what, filter_name):
    if not _is_list(value):
        raise AnsibleFilterError("%s: %s must be a list of host names, got %r" % (filter_name, what, value))
    return [str(v) for v in value]


def cres_rollout_batch(batch, hosts_all, live=None):
    """This batch's place in the play: ``{first, last, done}`` (see the module docstring).

    batch: ansible_play_batch; hosts_all: ansible_play_hosts_all (inventory order, --limit
    applied); live: ansible_play_hosts (the hosts not failed so far; default: all).
    """
    batch = _names(batch, "the batch", "cres_rollout_batch")
    hosts_all = _names(hosts_all, "ansible_play_hosts_all", "cres_rollout_batch")
    live = set(_names(live, "ansible_play_hosts", "cres_rollout_batch")) if live is not None else set(hosts_all)
    position = {host: index for index, host in enumerate(hosts_all)}
    unknown = [host for host in batch if host not in position]
    if unknown:
        raise AnsibleFilterError("cres_rollout_batch: %s not in the play's hosts" % ", ".join(unknown))
    if not batch:
        return {"first": False, "last": False, "done": []}
    places = [position[host] for host in batch]
    start, end = min(places), max(places)
    # Consecutive in inventory order, but for hosts already out of the play (failed). Any other
    # order (a play's `order:` keyword) would make "first" and "last" guesses: refuse.
    members = set(batch)
    stray = [h for h in hosts_all[start:end + 1] if h not in members and h in live]
    if places != sorted(places) or stray:
        raise AnsibleFilterError(
            "The hosts of this batch (%s) are not consecutive in the inventory order of the play, so the role "
            "cannot tell its first and last batch (the SPF change runs in the first, the domain checks in the "
            "last). Remove the play's `order:` keyword (the role's rollout needs the inventory order)."
            % ", ".join(batch))
    return {"first": not any(h in live for h in hosts_all[:start]),
            "last": not any(h in live for h in hosts_all[end + 1:]),
            "done": hosts_all[:end + 1]}


def cres_rollout_configurers(hosts, appliances):
    """``{host: bool}``: which appliance of the batch configures (see the module docstring).

    hosts: the batch (ansible_play_batch); appliances: for each of them, in the same order, what
    the preflight found (``cluster``, empty for a standalone appliance, and ``configurer``,
    empty for the first member), or None when it was not read.
    """
    hosts = _names(hosts, "the batch", "cres_rollout_configurers")
    if not _is_list(appliances):
        raise AnsibleFilterError("cres_rollout_configurers: expected a list of appliances, got %r" % (appliances,))
    appliances = list(appliances)
    if len(appliances) != len(hosts):
        raise AnsibleFilterError("cres_rollout_configurers: %d hosts but %d appliances" % (len(hosts), len(appliances)))
    unread = [host for host, appliance in zip(hosts, appliances) if not hasattr(appliance, "get")]
    if unread:
        raise AnsibleFilterError(
            "%s: not read by the preflight of this run, so the role cannot tell which member of a cluster "
            "configures. cres_tls_preflight is false, but no preflight ran before (playbooks/cres_tls.yml runs it "
            "in a play of its own); set cres_tls_preflight to true." % ", ".join(unread))
    first_member = {}
    out = {}
    for host, appliance in zip(hosts, appliances):
        cluster = str(appliance.get("cluster") or "")
        configurer = str(appliance.get("configurer") or "")
        if not cluster:
            out[host] = True
        elif configurer:
            out[host] = host == configurer
        else:
            out[host] = first_member.setdefault(cluster, host) == host
    return out


def cres_preflight_problems(appliances):
    """The messages that stop the batch before any change, from what each appliance's preflight
    recorded: ``name``, ``problems`` (its invalid or unknown inputs, as messages), ``listener``,
    ``listener_info`` (empty when the appliance has no such listener) and ``listeners``.

    The inputs are mostly the same variables on every appliance: each problem is given once,
    with the appliances it concerns, instead of once per appliance."""
    if not _is_list(appliances):
        raise AnsibleFilterError("cres_preflight_problems: expected a list of appliances, got %r" % (appliances,))
    concerned = {}
    missing = []
    for appliance in appliances:
        if not hasattr(appliance, "get"):
            raise AnsibleFilterError("cres_preflight_problems: expected an appliance (a dict), got %r" % (appliance,))
        name = str(appliance.get("name"))
        for problem in appliance.get("problems") or []:
            concerned.setdefault(str(problem), []).append(name)
        if not appliance.get("listener_info"):
            missing.append("Listener '%s' (cres_tls_listener) does not exist on %s, whose listeners are %s"
                           % (appliance.get("listener"), name, ", ".join(appliance.get("listeners") or []) or "none"))
    return ["%s (%s)" % (problem, ", ".join(names)) for problem, names in concerned.items()] + missing


class FilterModule(object):
    """mailsec.cres rollout filters."""

    def filters(self):
        return {
            "cres_rollout_batch": cres_rollout_batch,
            "cres_rollout_configurers": cres_rollout_configurers,
            "cres_preflight_problems": cres_preflight_problems,
        }
