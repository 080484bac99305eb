"""Fixtures for the DNS functional tests (imported by conftest.py).

``bind_server``: the BIND of the harness. Uses the one started by
``python -m tests.harness.services start`` when it answers, otherwise starts a private one
in a temporary directory for the session.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.harness import bind as bind_harness
from tests.harness.common import REPO_ROOT, RUN_DIR

# The collection is importable as ansible_collections.mailsec.cres from .collections
# (scripts/bootstrap.sh links the checkout there).
_COLLECTIONS = REPO_ROOT / ".collections"
if _COLLECTIONS.is_dir() and str(_COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(_COLLECTIONS))


def _answers(info: dict) -> bool:
    import dns.message
    import dns.query

    try:
        resp = dns.query.udp(dns.message.make_query(info["zone"] + ".", "SOA"), "127.0.0.1",
                             port=int(info["port"]), timeout=1)
        return bool(resp.answer)
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def bind_server(tmp_path_factory):
    state_file = RUN_DIR / "services.json"
    if state_file.exists():
        info = json.loads(state_file.read_text()).get("bind")
        if info and _answers(info):
            yield info
            return
    run_dir = tmp_path_factory.mktemp("bind")
    info = bind_harness.start(run_dir)
    try:
        yield info
    finally:
        bind_harness.stop(run_dir)
