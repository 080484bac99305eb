"""BIND 9 for the tests: RFC 2136 with a TSIG key, fixtures for the SPF cases, CRES's SPF.

Zones (all on 127.0.0.1, one free port, TCP and UDP):

* ``example.test`` - dynamic updates with the TSIG key; the SPF fixtures (``FIXTURES``),
  include targets ``_spf1.._spf3``, hosts ``h1..h8``, and the test mail domain
  ``mail.example.test`` (MX -> ``mx1..mx4.mail.example.test`` = 127.0.0.11..14).
* ``lame.test`` - like example.test but with a second NS (127.0.0.2) where nothing answers,
  for the propagation check.
* ``res.cisco.com`` / ``cres.iphmx.com`` - CRES's published SPF and its MX, so lookups are
  evaluated offline.

Also writes ``zonefile.test.zone`` (the same fixtures) for the zonefile provider's tests.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from pathlib import Path

from tests.harness.common import free_port, start_process, stop_pidfile, wait_tcp

KEY_NAME = "mailsec-tsig"
KEY_ALGORITHM = "hmac-sha256"
ZONE = "example.test"
LAME_ZONE = "lame.test"
ZONEFILE_ZONE = "zonefile.test"
MAIL_DOMAIN = "mail.example.test"

CRES_SPF = "v=spf1 mx:res.cisco.com exists:%{i}.spf.res.cisco.com -all"
# CRES's sending hosts and addresses (the seed's table; the role's default cres_tls_cres_spf_addresses).
# The zone publishes %{i}.spf.res.cisco.com for each, so CRES_SPF's exists: matches them.
CRES_SENDERS = [("res.cisco.com", "184.94.241.74")] + [
    (f"mxnat{i}.res.cisco.com", a) for i, a in enumerate(
        ["208.90.57.32", "208.90.57.33", "184.94.241.96", "184.94.241.97",
         "184.94.241.98", "184.94.241.99", "208.90.57.34", "208.90.57.35"], start=1)]
LONG_SPF_CHUNKS = [
    # 300+ bytes, split inside a term on purpose: evaluators glue the strings as they are.
    "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 ip4:192.0.2.6 "
    "ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 ip4:192.0.2.11 ip4:192.0.2.12 "
    "ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 ip4:192.0.2.16 ip4:19",
    "2.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 ip4:192.0.2.20 ip6:2001:db8::1 ip6:2001:db8::2 mx:mail.example.test -all",
]

# Relative owner name -> TXT values; each value is a list of character-strings.
# The names are the same in every provider's zone; targets are absolute example.test names
# so the lookups can be evaluated through this BIND whatever zone holds the record.
FIXTURES = {
    "nospf": [["google-site-verification=abc123"]],
    "nospf-create": [["google-site-verification=create123"]],
    "nothing": [],
    "dashall": [["v=spf1 mx:mail.example.test ip4:192.0.2.1 -all"], ["site-verification=keep-me"]],
    "tildeall": [["v=spf1 a:h1.example.test ~all"]],
    "noall": [["v=spf1 ip4:192.0.2.1 include:_spf1.example.test"]],
    "redirect": [["v=spf1 ip4:192.0.2.1 redirect=_spf2.example.test"]],
    "long": [LONG_SPF_CHUNKS],
    "siblings": [
        ["v=spf1 ip4:192.0.2.1 -all"],
        ["ms=ms12345678"],
        ['quoted "value"; with=semicolons\\and backslash'],
        ["k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "second-string-of-the-same-record"],
    ],
    "present": [["v=spf1 mx:mail.example.test include:res.cisco.com -all"]],
    "presenttilde": [["v=spf1 mx:mail.example.test ~include:res.cisco.com -all"]],
    "twospf": [["v=spf1 mx:mail.example.test -all"], ["v=spf1 a:h1.example.test -all"]],
    "eight": [["v=spf1 a:h1.example.test a:h2.example.test a:h3.example.test a:h4.example.test "
               "a:h5.example.test a:h6.example.test a:h7.example.test a:h8.example.test -all"]],
    "absent": [["v=spf1 mx:mail.example.test include:res.cisco.com include:_spf1.example.test -all"],
               ["other=kept"]],
    "checkmode": [["v=spf1 ip4:192.0.2.1 -all"]],
    "diff": [["v=spf1 ip4:192.0.2.1 -all"]],
    "idem": [["v=spf1 ip4:192.0.2.1 ?all"]],
    "race": [["v=spf1 ip4:192.0.2.1 -all"]],
    "propagation": [["v=spf1 ip4:192.0.2.1 -all"]],
}

SUPPORT_RECORDS = [
    "_spf1 TXT \"v=spf1 ip4:192.0.2.101 -all\"",
    "_spf2 TXT \"v=spf1 ip4:192.0.2.102 -all\"",
    "_spf3 TXT \"v=spf1 ip4:192.0.2.103 -all\"",
] + [f"h{i} A 192.0.2.{i}" for i in range(1, 9)] + [
    f"{MAIL_DOMAIN}. MX {10 * i} mx{i}.{MAIL_DOMAIN}." for i in range(1, 5)
] + [f"mx{i}.mail A 127.0.0.{10 + i}" for i in range(1, 5)] + [
    # race test: includes the concurrent writers add
] + [f"_race{i} TXT \"v=spf1 ip4:198.51.100.{i} -all\"" for i in range(1, 9)] + [
    # spf_include's permerror cases: an MX set of 11 names (RFC 7208 4.6.4 allows 10)
] + [f"manymx MX {i} mx1.mail" for i in range(11)]


def quote(chunk: str) -> str:
    return '"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fixture_lines(fixtures: dict | None = None) -> list[str]:
    fixtures = FIXTURES if fixtures is None else fixtures
    lines = []
    for name, values in fixtures.items():
        for value in values:
            lines.append(f"{name} 300 TXT " + " ".join(quote(c) for c in value))
    return lines


def zone_text(origin: str, ns: list[tuple[str, str]], extra: list[str]) -> str:
    head = [
        f"$ORIGIN {origin}.",
        "$TTL 300",
        f"@ SOA ns1.{origin}. hostmaster.{origin}. 2024010101 3600 600 86400 60",
    ]
    for host, addr in ns:
        head.append(f"@ NS {host}.{origin}.")
        head.append(f"{host} A {addr}")
    return "\n".join(head + extra) + "\n"


def write_zonefile_fixture(path: Path) -> None:
    path.write_text(zone_text(ZONEFILE_ZONE, [("ns1", "127.0.0.1")], fixture_lines()))


def cres_zones() -> dict[str, str]:
    """CRES's own zones as Cisco publishes them (so SPF lookups of the include work offline)."""
    return {
        "res.cisco.com": zone_text("res.cisco.com", [("ns1", "127.0.0.1")], [
            "@ TXT " + quote(CRES_SPF),
        ] + [f"@ MX 10 esa{i}.cres.iphmx.com." for i in range(1, 5)]
          + [f"{host}. A {addr}" for host, addr in CRES_SENDERS]
          + [f"{addr}.spf A 127.0.0.2" for _host, addr in CRES_SENDERS]),
        "cres.iphmx.com": zone_text("cres.iphmx.com", [("ns1", "127.0.0.1")], [
            f"esa{i} A {a}" for i, a in enumerate(
                ["68.232.140.79", "68.232.140.57", "68.232.135.234", "68.232.135.235"], start=1)]),
    }


def run_named(run_dir: Path, zones: dict[str, str], dynamic, query_log: bool = False,
              transfers_with_key: bool = False, extra_options: str = "", extra_grants: str = "",
              env: dict | None = None) -> tuple[int, str]:
    """Write the zones and a named.conf into run_dir, start named -g, wait for every zone.

    dynamic: zones that accept RFC 2136 updates signed with the TSIG key. query_log: one
    "query:" line per query in named.log (so tests can count queries at the server).
    transfers_with_key: allow AXFR with the key (to dump a zone). extra_options: more
    statements for the options block; extra_grants: more update-policy rules of the dynamic
    zones; env: environment of named (e.g. KRB5_CONFIG). Returns (port, secret).
    """
    named = shutil.which("named") or "/usr/sbin/named"
    port = free_port()
    secret = base64.b64encode(os.urandom(32)).decode()
    zone_conf = []
    for name, text in zones.items():
        (run_dir / f"{name}.zone").write_text(text)
        (run_dir / f"{name}.zone.jnl").unlink(missing_ok=True)
        policy = f"update-policy {{ grant {KEY_NAME} zonesub ANY; {extra_grants} }};" if name in dynamic else ""
        zone_conf.append(f'zone "{name}" {{ type primary; file "{run_dir}/{name}.zone"; {policy} }};')
    # named -g logs to stderr (named.log) and ignores a logging statement.
    (run_dir / "named.log").unlink(missing_ok=True)
    conf = run_dir / "named.conf"
    conf.write_text(f"""
key "{KEY_NAME}" {{ algorithm {KEY_ALGORITHM}; secret "{secret}"; }};
options {{
    directory "{run_dir}";
    pid-file "{run_dir}/named.pid";
    session-keyfile "{run_dir}/session.key";
    managed-keys-directory "{run_dir}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    dnssec-validation no;
    querylog {"yes" if query_log else "no"};
    allow-transfer {{ {f"key {KEY_NAME};" if transfers_with_key else "none;"} }};
    {extra_options}
}};
controls {{ }};
{chr(10).join(zone_conf)}
""")
    proc = start_process([named, "-g", "-c", str(conf)], run_dir / "named.log", run_dir / "harness.pid", env=env)
    try:
        wait_tcp("127.0.0.1", port, timeout=30, proc=proc)
        for zone in zones:
            _wait_zone(port, zone, proc)
    except Exception:
        stop(run_dir)
        raise
    return port, secret


def start(run_dir: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    zones = {
        ZONE: zone_text(ZONE, [("ns1", "127.0.0.1")], fixture_lines() + SUPPORT_RECORDS),
        LAME_ZONE: zone_text(LAME_ZONE, [("ns1", "127.0.0.1"), ("ns2", "127.0.0.2")], fixture_lines()),
    }
    zones.update(cres_zones())
    write_zonefile_fixture(run_dir / f"{ZONEFILE_ZONE}.zone.fixture")
    port, secret = run_named(run_dir, zones, dynamic=(ZONE, LAME_ZONE))
    return {
        "host": "127.0.0.1",
        "port": port,
        "tsig_key_name": KEY_NAME,
        "tsig_secret": secret,
        "tsig_algorithm": KEY_ALGORITHM,
        "zone": ZONE,
        "lame_zone": LAME_ZONE,
        "zonefile_zone": ZONEFILE_ZONE,
        "zonefile_fixture": str(run_dir / f"{ZONEFILE_ZONE}.zone.fixture"),
        "mail_domain": MAIL_DOMAIN,
        "mail_mx": [f"mx{i}.{MAIL_DOMAIN}" for i in range(1, 5)],
        "cres_zone": "res.cisco.com",
        "fixtures": FIXTURES,
        "log": str(run_dir / "named.log"),
    }


def _wait_zone(port: int, zone: str, proc, timeout: float = 20.0) -> None:
    """Wait until named answers authoritatively for zone (zones load after the socket opens)."""
    import dns.flags
    import dns.message
    import dns.query

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"named exited with {proc.returncode}")
        try:
            resp = dns.query.udp(dns.message.make_query(zone.rstrip(".") + ".", "SOA"), "127.0.0.1", port=port,
                                 timeout=1)
            if resp.flags & dns.flags.AA and resp.answer:
                return
        except Exception:  # noqa: BLE001 - not ready yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"named does not serve {zone} after {timeout}s")


def stop(run_dir: Path) -> None:
    stop_pidfile(run_dir / "harness.pid")
