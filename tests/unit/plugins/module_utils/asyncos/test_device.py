# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AsyncOSDevice over a fake RPC connection."""

from __future__ import annotations

import pytest

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import device as devmod
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.device import AsyncOSDevice, AsyncOSError

XML = '<?xml version="1.0"?>\n<config><hostname>esa1</hostname><listeners><listener>' \
      '<listener_name>L</listener_name><type>public</type><port>25</port><certificate>Demo</certificate>' \
      '<hat>ALL\n    $ACCEPTED\n</hat></listener></listeners></config>\n'
KEY = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----"
CERT = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"


class FakeConnection:
    def __init__(self):
        self.calls = []
        self.fail = None

    def get_state(self, **kwargs):
        self.calls.append(("get_state", kwargs))
        return {"ok": True, "xml": XML, "version_text": "Version: 15.0\nModel: C100V\n", "prompt": "esa1> ",
                "pending": False, "transcript": [{"send": "showconfig", "recv": "xml"}]}

    def get_version(self, **kwargs):
        self.calls.append(("get_version", kwargs))
        return {"ok": True, "version_text": "Version: 15.0\n"}

    def run_dialog(self, script, **kwargs):
        self.calls.append(("run_dialog", script["name"]))
        if self.fail:
            return {"ok": False, "error": self.fail, "error_kind": "device", "tail": [{"send": "x", "recv": "y"}],
                    "transcript": []}
        out = {"commit": "Changes committed: now", "clearchanges": "No changes have been made",
               "showchanges": "{}"}.get(script["name"], "")
        return {"ok": True, "captures": {"output": out}, "transcript": [{"send": "********", "recv": "ok"}]}


class Module:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self._socket_path = "/nonexistent"


@pytest.fixture
def conn(monkeypatch):
    fake = FakeConnection()
    monkeypatch.setattr(devmod, "Connection", lambda path: fake)
    return fake


def test_config_is_read_once_and_parsed(conn):
    dev = AsyncOSDevice(Module())
    cfg = dev.config()
    assert cfg.listener("L").hat.default_policy == "ACCEPTED"
    assert cfg.version == "15.0" and cfg.model == "C100V"
    assert dev.config() is cfg
    assert [c[0] for c in conn.calls] == ["get_state"]
    dev.config(refresh=True)
    assert conn.calls[-1] == ("get_state", {"refresh": True, "on_unconfigured_mode": "switch", "transcript": False})


def test_check_mode_sends_nothing_and_plans(conn):
    dev = AsyncOSDevice(Module(check_mode=True))
    assert dev.paste_certificate("c", CERT, KEY) is None
    dev.create_sender_group("L", "G", ["10.0.0.1"], "P")
    assert dev.commit("x") is False
    assert not [c for c in conn.calls if c[0] == "run_dialog"]
    assert "SECRETSECRET" not in "\n".join(dev.planned)
    assert "listenerconfig" in dev.planned and "HOSTACCESS" in dev.planned


def test_change_invalidates_config_and_errors_carry_dialog(conn):
    dev = AsyncOSDevice(Module())
    dev.config()
    dev.move_sender_group("L", "A", "B")
    assert dev.changed
    dev.config()
    assert [c[0] for c in conn.calls].count("get_state") == 2
    conn.fail = 'Listener "L" does not exist.'
    with pytest.raises(AsyncOSError) as err:
        dev.delete_sender_group("L", "G")
    assert err.value.kind == "device" and err.value.dialog == [{"send": "x", "recv": "y"}]


def test_commit_and_clear(conn):
    dev = AsyncOSDevice(Module())
    assert dev.commit("c") is True
    assert dev.clear_changes() is False
    assert dev.has_pending_changes() is False


def test_input_validation(conn):
    dev = AsyncOSDevice(Module())
    with pytest.raises(AsyncOSError, match="unknown policy parameter"):
        dev.create_policy("L", "P", params={"nope": 1})
    with pytest.raises(AsyncOSError, match="invalid value"):
        dev.create_policy("L", "P", params={"tls": "sometimes"})
    with pytest.raises(AsyncOSError, match="demo certificate"):
        dev.set_listener_certificate("L", "Demo")
    with pytest.raises(AsyncOSError, match="not PEM"):
        dev.paste_certificate("c", "junk", KEY)
    with pytest.raises(AsyncOSError):
        AsyncOSDevice(Module(), on_unconfigured_mode="yes")
    assert not [c for c in conn.calls if c[0] == "run_dialog"]


def test_transcript_file(conn, tmp_path):
    path = tmp_path / "t.log"
    dev = AsyncOSDevice(Module(), transcript_path=str(path))
    dev.config()
    dev.move_sender_group("L", "A", "B")
    text = path.read_text()
    assert "showconfig" in text and "********" in text
    assert conn.calls[0][1]["transcript"] is True


def test_rpc_failure_is_asyncos_error(monkeypatch):
    from ansible.module_utils.connection import ConnectionError as CE

    class Broken:
        def get_state(self, **kwargs):
            raise CE("socket gone")

    monkeypatch.setattr(devmod, "Connection", lambda path: Broken())
    with pytest.raises(AsyncOSError) as err:
        AsyncOSDevice(Module()).config()
    assert err.value.kind == "rpc"
