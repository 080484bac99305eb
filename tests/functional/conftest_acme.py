"""The cres_tls role with cres_tls_certificate_source=acme against real pebble and BIND.

Used by tests/functional/test_role_acme.py and test_reliability_secrets.py (fixture
``acme_runs``) and by scripts/demo.sh::

    python -m tests.functional.conftest_acme start DIR     # prints the environment as JSON
    python -m tests.functional.conftest_acme stop DIR

On top of the role environment of conftest_role.py (the AsyncOS simulator with esa1 and the
cluster esa2/esa3, every listener mail.example.com with the demo certificate; BIND for
res.cisco.com; zone files for the domains' SPF), it starts:

* ``acme-dns``: a BIND serving ``example.com`` with dynamic updates (TSIG), where the
  ``_acme-challenge`` records go (provider rfc2136);
* ``decoy-dns``: a second BIND with the same zone that pebble does not ask (a challenge
  written there is "not served");
* pebble, validating DNS-01 against acme-dns, refusing ``blocked.example.com``.

The inventory asks for ACME: no certificate files, an account key path, the pebble CA bundle
(its HTTPS CA and the root of the chains it issues), and esa1 needs ``esa1.example.com`` too,
so the run has two distinct sets of names: esa1's, and the cluster's (esa2 and esa3 share one
certificate).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.functional import conftest_role
from tests.harness import bind, pebble

ZONE = "example.com"
BLOCKED = "blocked.example.com"
ESA1_EXTRA = "esa1.example.com"


def acme_zone_text() -> str:
    return bind.zone_text(ZONE, [("ns1", "127.0.0.1")], [
        f"@ MX 10 {conftest_role.LISTENER_HOSTNAME}.",
        "mail A 127.0.0.1",
        "esa1 A 127.0.0.1",
        '@ TXT "site-verification=keep-me"',
    ])


def provider(dns: dict) -> dict:
    return {"provider": "rfc2136", "server": dns["host"], "port": dns["port"], "tsig_key_name": dns["tsig_key_name"],
            "tsig_key_secret": dns["tsig_secret"]}


def _start_dns(run_dir: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    port, secret = bind.run_named(run_dir, {ZONE: acme_zone_text()}, dynamic=(ZONE,))
    return {"host": "127.0.0.1", "port": port, "tsig_key_name": bind.KEY_NAME, "tsig_secret": secret,
            "log": str(run_dir / "named.log")}


def write_acme_env(env: dict, acme_dns: dict, pebble_info: dict) -> dict:
    """Rewrite the inventory of a role environment for cres_tls_certificate_source=acme."""
    base = Path(env["dir"])
    inv = Path(env["inventory"])
    (inv / "group_vars" / "esa" / "vars.yml").write_text(yaml.safe_dump({
        "cres_tls_listener": "IncomingMail",
        "cres_tls_certificate_name": "cres_tls",
        "cres_tls_certificate_source": "acme",
    }, sort_keys=False))
    conftest_role._vault(inv / "group_vars" / "esa" / "vault.yml", {
        "vault_esa_password": next(iter(env["sim"]["appliances"].values()))["password"],
    }, Path(env["vault_password_file"]))
    all_vars = yaml.safe_load((inv / "group_vars" / "all" / "vars.yml").read_text())
    all_vars.update({
        "cres_tls_acme_directory": pebble_info["directory"],
        "cres_tls_acme_account_key_path": str(base / "acme" / "account.key"),
        "cres_tls_acme_email": "hostmaster@example.com",
        "cres_tls_acme_ca_bundle": pebble_info["ca_bundle"],
        "cres_tls_acme_dns_provider": provider(acme_dns),
        "cres_tls_acme_propagation_timeout": 20,
        "cres_tls_acme_save_dir": str(base / "acme" / "certificates"),
    })
    all_vars.pop("cres_tls_ca_bundle", None)       # defaults to cres_tls_acme_ca_bundle
    (inv / "group_vars" / "all" / "vars.yml").write_text(yaml.safe_dump(all_vars, sort_keys=False))
    (inv / "host_vars").mkdir(exist_ok=True)
    (inv / "host_vars" / "esa1.example.com.yml").write_text(yaml.safe_dump(
        {"cres_tls_certificate_hostnames": [ESA1_EXTRA]}))
    env = dict(env, acme_dns=acme_dns, pebble=pebble_info, acme_dir=str(base / "acme"))
    (base / "env.json").write_text(json.dumps(env, indent=2, sort_keys=True))
    return env


def start(base: Path, settings: dict | None = None) -> dict:
    base = Path(base)
    stop(base)
    env = conftest_role.start(base, settings)
    try:
        acme_dns = _start_dns(base / "acme-dns")
        decoy = _start_dns(base / "decoy-dns")
        pebble_info = pebble.start(base / "pebble", dns_server=(acme_dns["host"], acme_dns["port"]),
                                   blocked=(BLOCKED,))
    except Exception:
        stop(base)
        raise
    (base / "acme").mkdir(exist_ok=True)
    env = write_acme_env(env, acme_dns, pebble_info)
    env["decoy_dns"] = decoy
    (base / "env.json").write_text(json.dumps(env, indent=2, sort_keys=True))
    return env


def stop(base: Path) -> None:
    base = Path(base)
    if (base / "pebble").exists():
        pebble.stop(base / "pebble")
    for sub in ("acme-dns", "decoy-dns"):
        if (base / sub).exists():
            bind.stop(base / sub)
    conftest_role.stop(base)


def presented_certificate(env: dict, host: str) -> dict:
    """What the appliance's listener presents after STARTTLS (as CRES sees it): fingerprint, issuer, SAN."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    app = env["sim"]["appliances"][host]
    with socket.create_connection((app["smtp_address"], app["smtp_port"]), timeout=10) as sock:
        f = sock.makefile("rb")
        f.readline()
        sock.sendall(b"EHLO test.example\r\n")
        while True:
            line = f.readline()
            if not line or line[3:4] == b" ":
                break
        sock.sendall(b"STARTTLS\r\n")
        f.readline()
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(sock, server_hostname=conftest_role.LISTENER_HOSTNAME) as tls:
            der = tls.getpeercert(binary_form=True)
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName)
    except x509.ExtensionNotFound:
        san = []
    return {"fingerprint": cert.fingerprint(hashes.SHA256()).hex(), "issuer": cert.issuer.rfc4514_string(),
            "san": sorted(san), "not_after": cert.not_valid_after_utc.isoformat()}


def txt_at(server: dict, name: str) -> list[str]:
    """TXT texts at name as the BIND ``server`` serves them."""
    import dns.message
    import dns.query
    import dns.rdatatype

    resp = dns.query.udp(dns.message.make_query(name, "TXT"), server["host"], port=server["port"], timeout=5)
    return sorted(b"".join(r.strings).decode() for rrset in resp.answer if rrset.rdtype == dns.rdatatype.TXT
                  for r in rrset)


class Run:
    """One ansible-playbook run of the role, recorded."""

    def __init__(self, env: dict, name: str, args: list[str], before: list[str], orders_before: int):
        log = Path(env["dir"]) / "runs" / f"{name}.log"
        log.parent.mkdir(exist_ok=True)
        log.unlink(missing_ok=True)
        extra = dict(conftest_role.ansible_env(env), ANSIBLE_LOG_PATH=str(log))
        cmd = [str(conftest_role.VENV_BIN / "ansible-playbook"), "mailsec.cres.cres_tls", *args]
        proc = subprocess.run(cmd, env=extra, cwd=env["dir"], capture_output=True, text=True, timeout=900,
                              check=False)
        self.name = name
        self.args = list(args)
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        (log.parent / f"{name}.out").write_text(self.output)
        self.files = [log, log.parent / f"{name}.out"]
        self.recap = conftest_role.recap(self.output)
        self.acme_requests = pebble.requests(env["pebble"])[len(before):]
        self.orders_created = pebble.orders_created(env["pebble"]) - orders_before
        report = Path(env["report_dir"]) / "cres_tls_report.json"
        self.report = json.loads(report.read_text()) if report.exists() else None
        self.presented = {h: presented_certificate(env, h) for h in env["sim"]["appliances"]}
        # The private keys of cres_tls_acme_save_dir after this run (a renewal replaces them).
        saved = Path(env["acme_dir"]) / "certificates"
        self.keys = {p.name: p.read_text() for p in sorted(saved.glob("*.key"))} if saved.exists() else {}

    def orders(self) -> int:
        """Orders the ACME server created in this run (a POST /order-plz that pebble refused for
        a bad nonce, which the client then retries, created none)."""
        return self.orders_created

    def describe(self) -> str:
        return f"{self.name}: rc={self.rc}\n" + self.output[-6000:]


def run(env: dict, name: str, *args: str) -> Run:
    if env.get("report_dir"):
        (Path(env["report_dir"]) / "cres_tls_report.json").unlink(missing_ok=True)
    return Run(env, name, list(args), pebble.requests(env["pebble"]), pebble.orders_created(env["pebble"]))


def _scenario(env: dict) -> dict:
    """Every ACME case, in order, on one environment (see test_role_acme.py)."""
    runs = {}
    runs["check"] = run(env, "check", "--check", "--diff")
    runs["issue"] = run(env, "issue", "--diff", "-vvv")
    runs["again"] = run(env, "again", "--diff")
    runs["renew"] = run(env, "renew", "--diff", "-vvv", "-e", "cres_tls_renew_days=3650")
    # Failures: each would renew (renew_days above the validity), so each reaches the ACME steps.
    down = dict(provider(env["acme_dns"]), port=9, timeout=2)
    runs["dns_down"] = run(env, "dns_down", "-vvv", "--limit", "esa1.example.com", "-e",
                           json.dumps({"cres_tls_renew_days": 3650, "cres_tls_acme_dns_provider": down}))
    runs["refused"] = run(env, "refused", "-vvv", "--limit", "esa1.example.com", "-e",
                          json.dumps({"cres_tls_renew_days": 3650, "cres_tls_certificate_hostnames": [BLOCKED]}))
    runs["not_served"] = run(env, "not_served", "-vvv", "--limit", "esa1.example.com", "-e",
                             json.dumps({"cres_tls_renew_days": 3650,
                                         "cres_tls_acme_dns_provider": provider(env["decoy_dns"])}))
    return runs


@pytest.fixture(scope="session")
def acme_runs(tmp_path_factory):
    """The environment and the recorded runs of every ACME case (session scope: the secret scan
    of test_reliability_secrets.py reads the same runs)."""
    base = tmp_path_factory.mktemp("role_acme")
    env = start(base)
    try:
        yield {"env": env, "runs": _scenario(env)}
    finally:
        stop(base)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "start":
        print(json.dumps(start(Path(argv[1])), indent=2, sort_keys=True))
    else:
        stop(Path(argv[1]))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
