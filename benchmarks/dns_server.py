"""A BIND 9 instance of our own for the benchmark and the reliability suite.

Same zones as the test harness (``tests/harness/bind.py``: ``example.test`` with the SPF
fixtures, ``res.cisco.com``, ``cres.iphmx.com``) plus extra zones given by the caller, and
what the harness instance does not have:

* a query log (``querylog yes``) and an update log, so DNS traffic is *counted at the server*:
  ``QueryLog(path).mark()`` / ``.since(mark)`` return the queries received after a mark;
* zone transfers allowed with the TSIG key, so a test can dump a zone (AXFR) before and after
  a step and compare them byte for byte: ``zone_dump(info, zone)``.

    info = start(run_dir, extra_zones={"bench.test": ["@ TXT \\"v=spf1 -all\\""]},
                 dynamic=["bench.test"])
    ...
    stop(run_dir)
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.harness import bind as hbind
from tests.harness.common import stop_pidfile

KEY_NAME = hbind.KEY_NAME
KEY_ALGORITHM = hbind.KEY_ALGORITHM


def harness_zones() -> dict[str, str]:
    """Zone texts of the harness BIND (example.test and CRES's zones)."""
    zones = {hbind.ZONE: hbind.zone_text(hbind.ZONE, [("ns1", "127.0.0.1")],
                                         hbind.fixture_lines() + hbind.SUPPORT_RECORDS)}
    zones.update(hbind.cres_zones())
    return zones


def start(run_dir: Path, extra_zones: dict[str, list[str]] | None = None,
          dynamic: list[str] | None = None) -> dict:
    """Start named in run_dir. extra_zones: zone -> record lines (relative to the zone)."""
    run_dir = Path(run_dir).resolve()
    stop(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    zones = harness_zones()
    for name, lines in (extra_zones or {}).items():
        zones[name] = hbind.zone_text(name, [("ns1", "127.0.0.1")], lines)
    # with querylog on, named.log has one "query:" line per query and one line per update.
    port, secret = hbind.run_named(run_dir, zones, dynamic=set(dynamic or []) | {hbind.ZONE},
                                   query_log=True, transfers_with_key=True)
    return {
        "host": "127.0.0.1",
        "port": port,
        "tsig_key_name": KEY_NAME,
        "tsig_secret": secret,
        "tsig_algorithm": KEY_ALGORITHM,
        "zones": sorted(zones),
        "query_log": str(run_dir / "named.log"),
        "update_log": str(run_dir / "named.log"),
        "run_dir": str(run_dir),
    }


def stop(run_dir: Path) -> None:
    stop_pidfile(Path(run_dir) / "harness.pid")


_QUERY_RE = re.compile(r"query: (\S+) IN (\S+) [^\n]*")


class QueryLog:
    """Counts the queries named logged (one line per query received)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def _size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def mark(self) -> int:
        time.sleep(0.2)  # let named write the lines of what came before
        return self._size()

    def since(self, mark: int) -> list[tuple[str, str]]:
        """(name, type) of every query received after mark."""
        time.sleep(0.3)
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(mark)
            text = fh.read().decode("utf-8", "replace")
        return [(m.group(1).lower().rstrip("."), m.group(2)) for m in _QUERY_RE.finditer(text)]


def update_count(info: dict, mark: int = 0) -> int:
    """Number of UPDATE messages named logged after byte offset mark of the update log."""
    path = Path(info["update_log"])
    if not path.exists():
        return 0
    with open(path, "rb") as fh:
        fh.seek(mark)
        text = fh.read().decode("utf-8", "replace")
    return len(re.findall(r"update '[^']+' (?:approved|denied)|updating zone", text))


def zone_dump(info: dict, zone: str) -> str:
    """The zone as named serves it (AXFR signed with the TSIG key), one record per line, sorted."""
    import dns.query
    import dns.tsigkeyring
    import dns.zone

    keyring = dns.tsigkeyring.from_text({info["tsig_key_name"]: (info["tsig_algorithm"], info["tsig_secret"])})
    xfr = dns.query.xfr(info["host"], zone, port=info["port"], keyring=keyring,
                        keyname=info["tsig_key_name"], lifetime=10, relativize=False)
    z = dns.zone.from_xfr(xfr, relativize=False)
    lines = z.to_text(sorted=True, relativize=False).splitlines()
    return "\n".join(sorted(lines)) + "\n"
