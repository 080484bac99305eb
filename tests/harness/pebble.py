"""pebble (Let's Encrypt's ACME test server, Debian package) for the tests and the demo.

    from tests.harness import pebble
    info = pebble.start(run_dir, dns_server=("127.0.0.1", bind_port))

pebble listens on 127.0.0.1 (ACME directory ``directory``, management interface
``management_url``) and validates DNS-01 challenges by asking ``dns_server`` (default: the
BIND of the harness, from ``services.json`` beside run_dir), so a challenge record written
through one of the collection's DNS providers is what pebble sees. Its HTTPS certificate is
signed by a CA made here (``https_ca``); the CA that signs the certificates it issues is
regenerated at every start and fetched from the management interface (``issuer_root``).
``ca_bundle`` holds both: the trust a client of this private ACME CA needs (directory over
HTTPS, and the chains it issues).

Identifiers under ``BLOCKED_DOMAIN`` are refused (``rejectedIdentifier``), for the case "the
ACME server refuses the order". ``requests(info)`` lists the ACME requests pebble served so
far (its log has one line per request), so a test can prove that a run made none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import time
import urllib.request
from pathlib import Path

from tests.harness.common import free_port, start_process, stop_pidfile, wait_tcp
from tests.harness.pki import _ca, _key, _leaf, _name, _pem

BLOCKED_DOMAIN = "blocked.example.test"
# pebble logs one line per ACME request it handles: "GET /dir -> calling handler()".
_REQUEST_LINE = re.compile(r"\b(?:GET|HEAD|POST) (/\S*) -> calling handler")
# ... and one line per order it creates. Not every POST /order-plz creates one: pebble rejects 5 %
# of good nonces (badNonce) to exercise the clients' retry, and the client then posts the order again.
_ORDER_ADDED = re.compile(r'\bAdded order "[^"]+" to the db')


def _https_material(run_dir: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1/localhost (pebble's HTTPS listeners)."""
    ca_key = _key()
    ca = _ca(_name("Mailsec Test ACME HTTPS CA"), ca_key)
    key = _key()
    cert = _leaf(["localhost", "127.0.0.1"], key, ca, ca_key)
    ca_path, cert_path, key_path = run_dir / "https-ca.pem", run_dir / "https-cert.pem", run_dir / "https-key.pem"
    ca_path.write_bytes(_pem(ca))
    cert_path.write_bytes(_pem(cert))
    key_path.write_bytes(_pem(key))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


def _default_dns_server(run_dir: Path) -> tuple[str, int]:
    state_file = run_dir.parent / "services.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if "bind" not in state:
        raise RuntimeError("pebble validates DNS-01 against the harness BIND: start bind first (or give dns_server)")
    return state["bind"]["host"], int(state["bind"]["port"])


def _fetch(url: str, ca_file: Path, timeout: float = 10.0) -> str:
    context = ssl.create_default_context(cafile=str(ca_file))
    with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:  # noqa: S310 - loopback server
        return resp.read().decode()


def start(run_dir: Path, dns_server: tuple[str, int] | None = None, blocked=(BLOCKED_DOMAIN,),
          validity_seconds: int | None = None, authz_reuse: int = 0) -> dict:
    """Start pebble; see the module docstring. authz_reuse: percentage of orders that reuse a
    valid authorization (pebble's default is 50; 0 makes every order solve its challenges)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("pebble") or "/usr/bin/pebble"
    if not Path(binary).exists():
        raise RuntimeError("pebble is not installed (Debian package pebble; scripts/bootstrap.sh installs it)")
    dns_host, dns_port = dns_server or _default_dns_server(run_dir)
    https_ca, cert, key = _https_material(run_dir)
    port, mgmt_port = free_port(), free_port()
    config = {"pebble": {
        "listenAddress": f"127.0.0.1:{port}",
        "managementListenAddress": f"127.0.0.1:{mgmt_port}",
        "certificate": str(cert),
        "privateKey": str(key),
        # HTTP-01 / TLS-ALPN-01 are not used (DNS-01 only); free ports keep them out of the way.
        "httpPort": free_port(),
        "tlsPort": free_port(),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
        "domainBlocklist": list(blocked),
    }}
    if validity_seconds:
        config["pebble"]["certificateValidityPeriod"] = int(validity_seconds)
    (run_dir / "pebble-config.json").write_text(json.dumps(config, indent=2))
    env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_AUTHZREUSE=str(authz_reuse))
    log = run_dir / "pebble.log"
    log.unlink(missing_ok=True)
    proc = start_process([binary, "-config", str(run_dir / "pebble-config.json"), "-strict",
                          "-dnsserver", f"{dns_host}:{dns_port}"], log, run_dir / "harness.pid", env=env)
    try:
        wait_tcp("127.0.0.1", port, timeout=30, proc=proc)
        wait_tcp("127.0.0.1", mgmt_port, timeout=30, proc=proc)
        management = f"https://127.0.0.1:{mgmt_port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                root = _fetch(f"{management}/roots/0", https_ca)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        intermediate = _fetch(f"{management}/intermediates/0", https_ca)
    except Exception:
        stop(run_dir)
        raise
    issuer_root = run_dir / "issuer-root.pem"
    issuer_root.write_text(root)
    bundle = run_dir / "ca-bundle.pem"
    bundle.write_text(https_ca.read_text() + root)
    return {
        "host": "127.0.0.1",
        "port": port,
        "directory": f"https://127.0.0.1:{port}/dir",
        "management_url": management,
        "https_ca": str(https_ca),
        "issuer_root": str(issuer_root),
        "issuer_intermediate_subject": _subject_line(intermediate),
        "ca_bundle": str(bundle),
        "dns_server": f"{dns_host}:{dns_port}",
        "blocked_domain": blocked[0] if blocked else "",
        "log": str(log),
    }


def _subject_line(pem: str) -> str:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode()).subject.rfc4514_string()


def requests(info: dict) -> list[str]:
    """Paths of the ACME requests pebble has handled so far (any account, any order), in order."""
    path = Path(info["log"])
    if not path.exists():
        return []
    return _REQUEST_LINE.findall(path.read_text(errors="replace"))


def orders_created(info: dict) -> int:
    """How many orders pebble has created so far (any account)."""
    path = Path(info["log"])
    return len(_ORDER_ADDED.findall(path.read_text(errors="replace"))) if path.exists() else 0


def stop(run_dir: Path) -> None:
    stop_pidfile(Path(run_dir) / "harness.pid")
