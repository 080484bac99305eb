"""The official RFC 7208 test suite (openspf release 2014.04, ``rfc7208-tests.yml``, BSD
licence) and the DNS it needs.

The suite ships in pyspf's source distribution on PyPI. ``suite_path()`` downloads that pinned
sdist once with pip (hash-checked: ``--require-hashes``) into ``.cache/`` and extracts the
YAML file. ``load()`` returns its scenarios; each has its own zone data, in the suite's
format: per name a list of records (``A``, ``AAAA``, ``MX: [pref, name]``, ``PTR``, ``CNAME``,
``TXT``/``SPF``: a string or a list of character-strings, ``TXT: NONE``) and the special entry
``TIMEOUT``.

The zone data is served by a real BIND (``start_scenario_servers``): one named per scenario,
authoritative for the root zone holding every name of the scenario, so every other name is a
real NXDOMAIN. Two behaviours BIND cannot serve come from the same zone data through
``SuiteResolver``, which wraps the resolver of that BIND:

* ``TIMEOUT``: the query times out (for the types that have no record listed before it),
* a TXT record with no character-string at all (``SPF: []``, illegal on the wire, which BIND
  refuses to load; the suite checks that an evaluator survives it).

As the suite's README says, a name with ``SPF`` records and no ``TXT`` entry also gets them
as TXT records (RFC 7208 dropped type SPF; the suite relies on that duplication).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

from tests.harness import bind
from tests.harness.common import REPO_ROOT

SDIST = "pyspf==2.0.14"
SDIST_FILE = "pyspf-2.0.14.tar.gz"
SDIST_SHA256 = "57a7ef01bda090173aafb6af0106251686ed73f03db4e911fcd34c57fc347186"
SUITE_MEMBER = "pyspf-2.0.14/test/rfc7208-tests.yml"
SUITE_NAME = "openspf RFC 7208 test suite, release 2014.04"
CACHE = REPO_ROOT / ".cache" / "rfc7208"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def suite_path(cache: Path = CACHE) -> Path:
    """The suite's YAML file, downloading and verifying the pinned sdist when needed."""
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "rfc7208-tests.yml"
    sdist = cache / SDIST_FILE
    if target.exists() and sdist.exists() and _sha256(sdist) == SDIST_SHA256:
        return target
    requirements = cache / "requirements.txt"
    requirements.write_text(f"{SDIST} --hash=sha256:{SDIST_SHA256}\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    "--require-hashes", "-r", str(requirements), "-d", str(cache)], check=True)
    if _sha256(sdist) != SDIST_SHA256:
        raise RuntimeError(f"{sdist} does not have the pinned sha256 {SDIST_SHA256}")
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(SUITE_MEMBER)
        if member is None:
            raise RuntimeError(f"{SUITE_MEMBER} is not in {sdist}")
        target.write_bytes(member.read())
    return target


class Scenario:
    """One YAML document of the suite: description, tests (name -> dict), zone data."""

    def __init__(self, index: int, data: dict):
        self.index = index
        self.description = data.get("description", f"scenario {index}")
        self.tests = data.get("tests") or {}
        self.zone = ZoneData(data.get("zonedata") or {})


def load(path: Path | None = None) -> list[Scenario]:
    import yaml

    with open(path or suite_path(), "rb") as handle:
        return [Scenario(i, doc) for i, doc in enumerate(yaml.safe_load_all(handle)) if doc]


def _txt(value) -> list[bytes]:
    strings = [value] if isinstance(value, str) else list(value)
    # The suite's own driver encodes its (YAML unicode) strings as UTF-8.
    return [s.encode("utf-8") for s in strings]


class ZoneData:
    """The zone data of one scenario, normalized: records, TIMEOUT rules, null TXT records."""

    def __init__(self, zonedata: dict):
        self.records: dict[str, list[tuple[str, object]]] = {}
        self.owner: dict[str, str] = {}
        self.timeout: dict[str, set[str]] = {}   # name -> the types that do not time out
        self.null_txt: set[str] = set()
        for name, entries in zonedata.items():
            key = name.lower().rstrip(".")
            self.owner[key] = name.rstrip(".")
            records, spf, has_txt, seen = [], [], False, set()
            for entry in entries:
                if entry == "TIMEOUT":
                    # The suite's driver: a query of a type with no record before TIMEOUT times out.
                    self.timeout[key] = seen
                    break
                (rtype, value), = entry.items()
                if rtype == "TXT":
                    has_txt = True
                    if value == "NONE":
                        continue
                seen = seen | {rtype}
                if rtype in ("TXT", "SPF"):
                    chunks = _txt(value)
                    if rtype == "SPF":
                        spf.append(chunks)
                    else:
                        records.append(("TXT", chunks))
                    continue
                records.append((rtype, value))
            if not has_txt:
                records.extend(("TXT", chunks) for chunks in spf)
            records.extend(("SPF", chunks) for chunks in spf)
            for rtype, chunks in records:
                if rtype == "TXT" and not chunks:
                    self.null_txt.add(key)
            self.records[key] = [r for r in records if not (r[0] in ("TXT", "SPF") and not r[1])]

    def times_out(self, name: str, rdtype: str) -> bool:
        key = name.lower().rstrip(".")
        return key in self.timeout and rdtype not in self.timeout[key]

    def zone_text(self) -> str:
        """The root zone holding every name of the scenario, in BIND's master file format."""
        import dns.name

        lines = ["$TTL 300", ". SOA ns.suite.invalid. hostmaster.suite.invalid. 1 3600 600 86400 60",
                 ". NS ns.suite.invalid.", "ns.suite.invalid. A 127.0.0.1"]
        for key, records in self.records.items():
            owner = dns.name.Name([label.encode() for label in self.owner[key].split(".")] + [b""]).to_text()
            for rtype, value in records:
                if rtype in ("TXT", "SPF"):
                    data = " ".join(_quote(c) for c in value)
                elif rtype == "MX":
                    pref, host = value
                    data = f"{pref} {_absolute(host)}"
                elif rtype in ("PTR", "CNAME"):
                    data = _absolute(value)
                else:
                    data = str(value)
                lines.append(f"{owner} 300 {rtype} {data}")
        return "\n".join(lines) + "\n"


def _absolute(name: str) -> str:
    import dns.name

    name = name.rstrip(".")
    if not name:
        return "."
    return dns.name.Name([label.encode() for label in name.split(".")] + [b""]).to_text()


def _quote(chunk: bytes) -> str:
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append("\\%03d" % byte)
    return '"' + "".join(out) + '"'


class SuiteResolver:
    """The resolver of a scenario's BIND plus what BIND cannot serve (see the module docstring)."""

    def __init__(self, lookup, zone: ZoneData):
        self.lookup = lookup
        self.zone = zone
        self.queries: list[tuple[str, str]] = []

    def query(self, name, rdtype):
        self.queries.append((name, rdtype))
        if self.zone.times_out(name, rdtype):
            return "error", [f"DNS timeout looking up {name} {rdtype} (zone data: TIMEOUT)"]
        status, values = self.lookup.query(name, rdtype)
        if rdtype == "TXT" and name.lower().rstrip(".") in self.zone.null_txt:
            return "ok", list(values) + [b""]
        return status, values


# BIND's checks of names and data are for real zones; the suite's zone data is deliberately odd.
NAMED_OPTIONS = ("check-names primary ignore; check-integrity no; check-mx ignore; check-mx-cname ignore; "
                 "check-srv-cname ignore; check-sibling no; check-wildcard no;")


def start_scenario_servers(run_dir: Path, scenarios: list[Scenario]) -> dict[int, int]:
    """One named per scenario (root zone = its zone data); returns scenario index -> port."""
    ports = {}
    try:
        for scenario in scenarios:
            sub = run_dir / f"scenario{scenario.index}"
            sub.mkdir(parents=True, exist_ok=True)
            ports[scenario.index], _secret = bind.run_named(
                sub, {".": scenario.zone.zone_text()}, dynamic=(), extra_options=NAMED_OPTIONS)
    except Exception:
        stop_scenario_servers(run_dir, scenarios)
        raise
    return ports


def stop_scenario_servers(run_dir: Path, scenarios: list[Scenario]) -> None:
    for scenario in scenarios:
        bind.stop(run_dir / f"scenario{scenario.index}")


def identities(test: dict) -> tuple[str, str, str]:
    """(domain, sender, helo) of a test: MAIL FROM, or the HELO identity when it is empty (RFC 7208 2.3)."""
    helo = str(test.get("helo") or "")
    mailfrom = str(test.get("mailfrom") or "")
    if not mailfrom:
        return helo, f"postmaster@{helo}", helo
    return mailfrom.rpartition("@")[2], mailfrom, helo


def expected_results(test: dict) -> list[str]:
    result = test["result"]
    return [result] if isinstance(result, str) else list(result)
