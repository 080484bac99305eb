"""Fixtures of the SPF evaluation tests: the RFC 7208 test suite served by BIND, and the tally."""

from __future__ import annotations

import pytest

from tests.harness import rfc7208
from tests.harness.common import RUN_DIR

# Filled by test_spf_rfc7208_suite.py, printed at the end of the run.
RFC7208_TALLY: dict[str, list[str]] = {"passed": [], "failed": [], "excepted": []}


@pytest.fixture(scope="session")
def rfc7208_scenarios():
    """The scenarios of the pinned suite (downloaded and hash-checked on first use)."""
    return rfc7208.load()


@pytest.fixture(scope="session")
def rfc7208_servers(rfc7208_scenarios):
    """scenario index -> SuiteResolver over a BIND serving that scenario's zone data."""
    from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver

    run_dir = RUN_DIR / "rfc7208"
    ports = rfc7208.start_scenario_servers(run_dir, rfc7208_scenarios)
    try:
        yield {s.index: rfc7208.SuiteResolver(dns_resolver.lookup(["127.0.0.1"], ports[s.index], timeout=2.0), s.zone)
               for s in rfc7208_scenarios}
    finally:
        rfc7208.stop_scenario_servers(run_dir, rfc7208_scenarios)


def pytest_terminal_summary(terminalreporter):
    tally = RFC7208_TALLY
    total = sum(len(v) for v in tally.values())
    if not total:
        return
    terminalreporter.write_line(
        "%s: %d tests through the evaluator on BIND: %d passed, %d failed, %d listed exceptions "
        "(docs/spf-evaluation.md)" % (rfc7208.SUITE_NAME, total, len(tally["passed"]), len(tally["failed"]),
                                      len(tally["excepted"])))
    for name in tally["failed"]:
        terminalreporter.write_line("  failed: %s" % name)
