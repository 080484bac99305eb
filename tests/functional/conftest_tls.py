"""Fixtures for the TLS tests: the smtp service of tests/harness (and bind, when it runs)."""

from __future__ import annotations

import json

import pytest

from tests.harness.common import RUN_DIR


def _state() -> dict:
    path = RUN_DIR / "services.json"
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture(scope="session")
def tls_smtp() -> dict:
    """The smtp service's variables (ports, addresses, PKI paths); skips when it is not running."""
    info = _state().get("smtp")
    if not info:
        pytest.skip("smtp service not running: python -m tests.harness.services start --only smtp")
    return info


@pytest.fixture(scope="session")
def tls_bind() -> dict:
    info = _state().get("bind")
    if not info:
        pytest.skip("bind service not running: python -m tests.harness.services start --only bind")
    return info


@pytest.fixture(scope="session")
def tls_roots(tls_smtp):
    from ansible_collections.mailsec.cres.plugins.module_utils import certificates

    return certificates.load_ca_bundle(tls_smtp["ca_bundle"])
