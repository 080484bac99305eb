"""PowerDNS Authoritative for the tests: gsqlite3 backend, HTTP API and RFC 2136, loopback only.

Zone ``pdns.test`` holds the same SPF fixtures as BIND's example.test (``bind.FIXTURES``),
NS ``ns1.pdns.test`` = 127.0.0.1 (answering on ``dns_port``). RFC 2136 updates are allowed
with the TSIG key returned (``tsig_key_name`` / ``tsig_secret``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.harness.bind import FIXTURES, quote
from tests.harness.common import free_port, start_process, stop_pidfile, wait_tcp

ZONE = "pdns.test"
KEY_NAME = "mailsec-pdns-tsig"
KEY_ALGORITHM = "hmac-sha256"
SCHEMA = Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")


def _api(url: str, key: str, method: str = "GET", payload: dict | None = None):
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback test server
        body = resp.read()
    return json.loads(body) if body else None


def zone_payload() -> dict:
    rrsets = [
        {"name": f"ns1.{ZONE}.", "type": "A", "ttl": 300,
         "records": [{"content": "127.0.0.1", "disabled": False}]},
    ]
    for name, values in FIXTURES.items():
        if not values:
            continue
        rrsets.append({"name": f"{name}.{ZONE}.", "type": "TXT", "ttl": 300,
                       "records": [{"content": " ".join(quote(c) for c in v), "disabled": False}
                                   for v in values]})
    return {"name": f"{ZONE}.", "kind": "Native", "nameservers": [f"ns1.{ZONE}."], "rrsets": rrsets}


def start(run_dir: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    server = shutil.which("pdns_server") or "/usr/sbin/pdns_server"
    pdnsutil = shutil.which("pdnsutil") or "/usr/bin/pdnsutil"
    dns_port = free_port()
    api_port = free_port()
    api_key = base64.b64encode(os.urandom(18)).decode()
    secret = base64.b64encode(os.urandom(32)).decode()
    db = run_dir / "pdns.sqlite3"
    db.unlink(missing_ok=True)
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA.read_text())
    (run_dir / "pdns.conf").write_text(f"""
launch=gsqlite3
gsqlite3-database={db}
local-address=127.0.0.1
local-port={dns_port}
api=yes
api-key={api_key}
webserver=yes
webserver-address=127.0.0.1
webserver-port={api_port}
webserver-allow-from=127.0.0.0/8
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
socket-dir={run_dir}
guardian=no
daemon=no
disable-syslog=yes
loglevel=4
""")
    proc = start_process([server, f"--config-dir={run_dir}"], run_dir / "pdns.log", run_dir / "harness.pid")
    api_url = f"http://127.0.0.1:{api_port}"
    try:
        wait_tcp("127.0.0.1", api_port, timeout=30, proc=proc)
        wait_tcp("127.0.0.1", dns_port, timeout=30, proc=proc)
        base = f"{api_url}/api/v1/servers/localhost"
        for _unused in range(50):
            try:
                _api(f"{base}/zones", api_key)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        _api(f"{base}/zones", api_key, "POST", zone_payload())
        util = [pdnsutil, f"--config-dir={run_dir}"]
        subprocess.run(util + ["import-tsig-key", KEY_NAME, KEY_ALGORITHM, secret], check=True,
                       capture_output=True, timeout=30)
        subprocess.run(util + ["set-meta", ZONE, "TSIG-ALLOW-DNSUPDATE", KEY_NAME], check=True,
                       capture_output=True, timeout=30)
    except Exception:
        stop(run_dir)
        raise
    return {
        "host": "127.0.0.1",
        "dns_port": dns_port,
        "api_port": api_port,
        "api_url": api_url,
        "api_key": api_key,
        "server_id": "localhost",
        "zone": ZONE,
        "tsig_key_name": KEY_NAME,
        "tsig_secret": secret,
        "tsig_algorithm": KEY_ALGORITHM,
        "log": str(run_dir / "pdns.log"),
    }


def stop(run_dir: Path) -> None:
    stop_pidfile(run_dir / "harness.pid")
