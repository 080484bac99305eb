# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""smtp_tls_info module: option validation and a closed port as a verdict, not a crash."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.mailsec.cres.plugins.modules import smtp_tls_info
from ansible_collections.mailsec.cres.tests.unit.plugins.modules.module_runner import run_module


def run(args, failed=False):
    return run_module(smtp_tls_info.main, args, failed=failed)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_is_a_verdict():
    r = run({"domain": "example.test", "mx_hosts": ["127.0.0.1"], "port": closed_port(), "timeout": 2,
             "check_mta_sts": False, "check_dane": False, "_ansible_check_mode": True})
    assert r["changed"] is False
    assert r["verdict"] == "unreachable"
    assert r["mx"][0]["addresses"][0]["connected"] is False


def test_host_addresses_override():
    r = run({"domain": "example.test", "mx_hosts": ["mx1.example.test"], "port": closed_port(), "timeout": 2,
             "host_addresses": {"mx1.example.test": "127.0.0.1"}, "check_mta_sts": False, "check_dane": False})
    assert r["mx"][0]["addresses"][0]["address"] == "127.0.0.1"


@pytest.mark.parametrize("args,text", [
    ({"port": 0}, "port must be"),
    ({"timeout": 0}, "timeout"),
    ({"max_workers": 0}, "max_workers"),
    ({"host_addresses": {"mx1.example.test": []}}, "host_addresses"),
    ({"ca_bundle": "/nonexistent.pem"}, "ca_bundle"),
])
def test_bad_options(args, text):
    r = run(dict({"domain": "example.test", "mx_hosts": ["127.0.0.1"]}, **args), failed=True)
    assert text in r["msg"]
