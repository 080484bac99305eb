# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rollout filters: the place of a batch, who configures a cluster, what stops a batch before any change."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailsec.cres.plugins.filter.cres_rollout import (
    FilterModule, cres_preflight_problems, cres_rollout_batch, cres_rollout_configurers)

HOSTS = ["esa1", "esa2", "esa3", "esa4", "esa5"]


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"cres_rollout_batch", "cres_rollout_configurers", "cres_preflight_problems"}


@pytest.mark.parametrize("batch, first, last", [
    (HOSTS, True, True),                     # no serial: one batch
    (["esa1"], True, False),                 # canary
    (["esa2", "esa3"], False, False),
    (["esa4", "esa5"], False, True),
])
def test_batch_place(batch, first, last):
    place = cres_rollout_batch(batch, HOSTS)
    assert (place["first"], place["last"]) == (first, last)
    assert place["done"] == HOSTS[:HOSTS.index(batch[-1]) + 1]


def test_hosts_out_of_the_play_do_not_count():
    # esa1 failed (tolerated by max_fail_percentage): the next batch is not the first, and a
    # failed host inside the batch's range does not break it
    place = cres_rollout_batch(["esa2", "esa4"], HOSTS, live=["esa2", "esa4", "esa5"])
    assert place == {"first": True, "last": False, "done": ["esa1", "esa2", "esa3", "esa4"]}
    # every later host failed: this is the last batch
    assert cres_rollout_batch(["esa3"], HOSTS, live=["esa1", "esa2", "esa3"])["last"] is True
    # the earlier batch's hosts are still in the play: not the first
    assert cres_rollout_batch(["esa3"], HOSTS, live=HOSTS)["first"] is False


@pytest.mark.parametrize("batch", [["esa1", "esa3"], ["esa3", "esa2"]])
def test_a_batch_out_of_inventory_order_is_refused(batch):
    with pytest.raises(AnsibleFilterError, match="order"):
        cres_rollout_batch(batch, HOSTS)


def test_bad_input():
    with pytest.raises(AnsibleFilterError, match="not in the play"):
        cres_rollout_batch(["other"], HOSTS)
    with pytest.raises(AnsibleFilterError, match="^cres_rollout_batch: the batch must be a list of host names"):
        cres_rollout_batch("esa1", HOSTS)
    # each filter names itself in its messages
    with pytest.raises(AnsibleFilterError, match="^cres_rollout_configurers: the batch must be a list of host names"):
        cres_rollout_configurers("esa1", [])
    assert cres_rollout_batch([], HOSTS) == {"first": False, "last": False, "done": []}


def test_configurers():
    hosts = ["esa1", "esa2", "esa3", "esa4", "esa5"]
    appliances = [{"cluster": ""}, {"cluster": "c1"}, {"cluster": "c1"},
                  {"cluster": "c2", "configurer": "esa5"}, {"cluster": "c2", "configurer": "esa5"}]
    assert cres_rollout_configurers(hosts, appliances) == {
        "esa1": True, "esa2": True, "esa3": False, "esa4": False, "esa5": True}


def test_configurer_outside_the_batch_means_no_member_configures():
    assert cres_rollout_configurers(["esa2", "esa3"], [{"cluster": "c1", "configurer": "esa9"}] * 2) == {
        "esa2": False, "esa3": False}


def test_configurers_refuse_appliances_the_preflight_did_not_read():
    with pytest.raises(AnsibleFilterError, match="esa2: not read by the preflight.*cres_tls_preflight"):
        cres_rollout_configurers(["esa1", "esa2"], [{"cluster": ""}, None])
    with pytest.raises(AnsibleFilterError, match="2 hosts but 1"):
        cres_rollout_configurers(["esa1", "esa2"], [{"cluster": ""}])


def _appliance(name, problems=(), listener_info=True):
    return {"name": name, "problems": list(problems), "listener": "IncomingMail",
            "listener_info": {"name": "IncomingMail"} if listener_info else {},
            "listeners": ["IncomingMail", "OutgoingMail"] if listener_info else ["OutgoingMail"]}


def test_preflight_problems_none():
    assert cres_preflight_problems([_appliance("esa1"), _appliance("esa2")]) == []


def test_preflight_problems_each_once_with_the_appliances_it_concerns():
    problems = cres_preflight_problems([
        _appliance("esa1", ["cres_tls_senders: 10.0.0.0/33 is not valid"]),
        _appliance("esa2", ["cres_tls_senders: 10.0.0.0/33 is not valid", "Unknown variable(s) cres_tls_x"]),
        _appliance("esa3", listener_info=False),
    ])
    assert problems == [
        "cres_tls_senders: 10.0.0.0/33 is not valid (esa1, esa2)",
        "Unknown variable(s) cres_tls_x (esa2)",
        "Listener 'IncomingMail' (cres_tls_listener) does not exist on esa3, whose listeners are OutgoingMail",
    ]


def test_preflight_problems_bad_input():
    with pytest.raises(AnsibleFilterError, match="^cres_preflight_problems: expected a list of appliances"):
        cres_preflight_problems({"name": "esa1"})
    with pytest.raises(AnsibleFilterError, match="^cres_preflight_problems: expected an appliance"):
        cres_preflight_problems(["esa1"])
