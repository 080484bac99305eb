"""SMTP servers with STARTTLS (Postfix + aiosmtpd), an MTA-STS HTTPS server and a small DNS
responder, for the certificate and TLS-check tests.

    python -m tests.harness.services start --only smtp --config .run/integration_config.yml

``start(run_dir)`` writes a test PKI (tests/harness/pki.py), starts

* a real Postfix (``master -d`` with its own config and queue directories under run_dir) with
  one ``smtpd`` per listener:  ``addr_good`` (127.0.0.11) and 127.0.0.12 present the leaf with
  its intermediate; ``addr_chain_missing`` (127.0.0.21) presents the leaf alone;
* one Python process (``python -m tests.harness.smtp serve CONFIG``) with aiosmtpd servers
  (127.0.0.13/14 good, .22 expired, .23 self-signed, .24 demo certificate, .25 wrong host,
  .26 no STARTTLS, .31-.34 good but answering each EHLO after ``slow_delay`` seconds;
  a probe sends EHLO twice, before and after STARTTLS), an HTTPS
  server for MTA-STS policies on 127.0.0.40 and a DNS responder (UDP+TCP) on 127.0.0.1;

all SMTP listeners share one ``port``. 127.0.0.27 (``addr_closed``) has nothing listening.

DNS zone of the responder (``dns_address``:``dns_port``), ``tls_domain`` = tls.mailsec.test:

* ``tls.mailsec.test``: MX 10..40 mx1..mx4.tls.mailsec.test -> 127.0.0.11..14; TLSA at
  ``_<port>._tcp.mx1`` 3 1 1 (matches), ``mx2`` 3 1 1 (does not match), ``mx3`` 2 0 1 (the
  intermediate); the responder sets the AD bit for this zone.
* ``sts-enforce`` / ``sts-testing`` / ``sts-mismatch`` ``.mailsec.test``: MX mx1 + mx2 of
  tls.mailsec.test, ``_mta-sts`` TXT, ``mta-sts.<domain>`` -> 127.0.0.40; the policies are
  mode enforce (``*.tls.mailsec.test``), testing (mx1, mx2 by name) and enforce with
  ``mail.elsewhere.test`` only.
* ``mixed.mailsec.test``: MX good (127.0.0.11), chain (127.0.0.21), down (127.0.0.27).
* ``implicit.mailsec.test``: no MX, A 127.0.0.26; ``nullmx.mailsec.test``: MX 0 "."
* everything else: NXDOMAIN.

The leaf certificate covers mx1..mx4.tls.mailsec.test, ``*.tls.mailsec.test``,
good.mixed.mailsec.test and, when the
BIND service of the harness already runs, mx1..mx4.<bind mail_domain> (its MX records point at
127.0.0.11..14 too).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.harness.common import REPO_ROOT, free_port, start_process, stop_pidfile, wait_tcp
from tests.harness.pki import make_pki

TLS_DOMAIN = "tls.mailsec.test"
STS_DOMAINS = {"enforce": "sts-enforce.mailsec.test", "testing": "sts-testing.mailsec.test",
               "mismatch": "sts-mismatch.mailsec.test"}
MIXED_DOMAIN = "mixed.mailsec.test"
IMPLICIT_DOMAIN = "implicit.mailsec.test"
NULLMX_DOMAIN = "nullmx.mailsec.test"
MX_ADDRS = ["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"]
ADDR = {"good": "127.0.0.11", "good2": "127.0.0.12", "good_aiosmtpd": "127.0.0.13", "good_aiosmtpd2": "127.0.0.14",
        "chain_missing": "127.0.0.21", "expired": "127.0.0.22", "selfsigned": "127.0.0.23", "demo": "127.0.0.24",
        "wronghost": "127.0.0.25", "no_starttls": "127.0.0.26", "closed": "127.0.0.27"}
SLOW_ADDRS = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"]
HTTPS_ADDR = "127.0.0.40"
SLOW_DELAY = 1.0
POLICIES = {
    "enforce": "version: STSv1\nmode: enforce\nmx: *.tls.mailsec.test\nmax_age: 86400\n",
    "testing": "version: STSv1\nmode: testing\nmx: mx1.tls.mailsec.test\nmx: mx2.tls.mailsec.test\nmax_age: 86400\n",
    "mismatch": "version: STSv1\nmode: enforce\nmx: mail.elsewhere.test\nmax_age: 86400\n",
}


def _bind_mail_domain(run_dir: Path) -> str | None:
    state_file = run_dir.parent / "services.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(state_file.read_text()).get("bind", {}).get("mail_domain")
    return None


def _port_free_everywhere(port: int, addrs: list[str]) -> bool:
    for addr in addrs:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((addr, port))
            except OSError:
                return False
    return True


def _pick_port(addrs: list[str]) -> int:
    for _attempt in range(50):
        port = free_port()
        if _port_free_everywhere(port, addrs):
            return port
    raise RuntimeError("no port free on every test address")


# ----------------------------------------------------------------------------- Postfix

def _postfix_conf(run_dir: Path, port: int, pki: dict, hostname: str) -> Path:
    conf = run_dir / "postfix" / "etc"
    queue = run_dir / "postfix" / "queue"
    data = run_dir / "postfix" / "data"
    conf.mkdir(parents=True, exist_ok=True)
    queue.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    good = "%s,%s" % (pki["leaf_key"], pki["leaf_fullchain"])
    leaf_only = "%s,%s" % (pki["leaf_key"], pki["leaf_cert"])
    main_cf = f"""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = {hostname}
mydomain = {TLS_DOMAIN}
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
inet_interfaces = loopback-only
inet_protocols = ipv4
smtpd_banner = $myhostname ESMTP Postfix (mailsec test)
smtpd_peername_lookup = no
smtpd_tls_security_level = may
smtpd_tls_chain_files = {good}
smtpd_tls_loglevel = 1
smtpd_client_event_limit_exceptions = 127.0.0.0/8
maillog_file = {run_dir / 'postfix' / 'postfix.log'}
maillog_file_prefixes = {run_dir}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_dns_lookups = yes
smtp_dns_support_level = disabled
"""
    services = [
        (ADDR["good"], good), (ADDR["good2"], good), (ADDR["chain_missing"], leaf_only),
    ]
    lines = []
    for addr, chain in services:
        lines.append(f"{addr}:{port} inet n - n - - smtpd\n  -o smtpd_tls_chain_files={chain}\n")
    lines.append("""\
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
""")
    (conf / "main.cf").write_text(main_cf)
    (conf / "master.cf").write_text("".join(lines))
    return conf


def _start_postfix(run_dir: Path, port: int, pki: dict, hostname: str) -> None:
    postfix = shutil.which("postfix") or "/usr/sbin/postfix"
    master = "/usr/lib/postfix/sbin/master"
    if not Path(master).exists():
        raise RuntimeError("Postfix is not installed (apt-get install postfix); run scripts/bootstrap.sh")
    conf = _postfix_conf(run_dir, port, pki, hostname)
    env = dict(os.environ, MAIL_CONFIG=str(conf))
    # Creates the queue subdirectories with Postfix's ownership and modes.
    subprocess.run([postfix, "-c", str(conf), "set-permissions"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    chk = subprocess.run([postfix, "-c", str(conf), "check"], env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    if chk.returncode != 0:
        raise RuntimeError("postfix check failed: %s" % chk.stderr)
    # smtpd opens the key files as root, before it drops privileges: 0600 root is fine.
    proc = start_process([master, "-c", str(conf), "-d"], run_dir / "postfix-master.log",
                         run_dir / "postfix.pid", env=env)
    for addr in (ADDR["good"], ADDR["good2"], ADDR["chain_missing"]):
        wait_tcp(addr, port, timeout=30, proc=proc)


# ----------------------------------------------------------------------------- start/stop

def start(run_dir: Path) -> dict:
    run_dir = Path(run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    mail_domain = _bind_mail_domain(run_dir)
    mx_names = [f"mx{i}.{TLS_DOMAIN}" for i in range(1, 5)]
    hostnames = mx_names + [f"*.{TLS_DOMAIN}", f"good.{MIXED_DOMAIN}"]
    if mail_domain:
        hostnames += [f"mx{i}.{mail_domain}" for i in range(1, 5)]
    https_names = ["mta-sts.%s" % d for d in STS_DOMAINS.values()]
    pki = make_pki(run_dir / "pki", hostnames=hostnames, https_hostnames=https_names)
    all_addrs = list(ADDR.values()) + SLOW_ADDRS
    port = _pick_port(all_addrs)
    https_port = _pick_port([HTTPS_ADDR])
    dns_port = free_port("127.0.0.1")

    _start_postfix(run_dir, port, pki, mx_names[0])

    servers = []

    def add(addr, cert=None, key=None, starttls=True, delay=0.0, hostname=None):
        servers.append({"address": addr, "port": port, "cert": cert, "key": key, "starttls": starttls,
                        "delay": delay, "hostname": hostname or addr})

    add(ADDR["good_aiosmtpd"], pki["leaf_fullchain"], pki["leaf_key"], hostname=mx_names[2])
    add(ADDR["good_aiosmtpd2"], pki["leaf_fullchain"], pki["leaf_key"], hostname=mx_names[3])
    add(ADDR["expired"], pki["expired_fullchain"], pki["expired_key"])
    add(ADDR["selfsigned"], pki["selfsigned_cert"], pki["selfsigned_key"])
    add(ADDR["demo"], pki["demo_cert"], pki["demo_key"])
    add(ADDR["wronghost"], pki["wronghost_fullchain"], pki["wronghost_key"])
    add(ADDR["no_starttls"], starttls=False)
    for addr in SLOW_ADDRS:
        add(addr, pki["leaf_fullchain"], pki["leaf_key"], delay=SLOW_DELAY)

    leaf_der = _der(pki["leaf_cert"])
    inter_der = _der(pki["intermediate_cert"])
    config = {
        "smtp": servers,
        "https": {"address": HTTPS_ADDR, "port": https_port, "cert": pki["https_fullchain"], "key": pki["https_key"],
                  "policies": {"mta-sts." + STS_DOMAINS[k]: v for k, v in POLICIES.items()}},
        "dns": {"address": "127.0.0.1", "port": dns_port,
                "zone": _zone(port, leaf_der, inter_der)},
    }
    cfg_path = run_dir / "serve.json"
    cfg_path.write_text(json.dumps(config, indent=2))
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = start_process([sys.executable, "-m", "tests.harness.smtp", "serve", str(cfg_path)],
                         run_dir / "serve.log", run_dir / "serve.pid", env=env, cwd=REPO_ROOT)
    for srv in servers:
        wait_tcp(srv["address"], port, timeout=30, proc=proc)
    wait_tcp(HTTPS_ADDR, https_port, timeout=30, proc=proc)
    wait_tcp("127.0.0.1", dns_port, timeout=30, proc=proc)

    info = {
        "port": port,
        "host": ADDR["good"],
        "ca_bundle": pki["ca_bundle"],
        "pki_dir": str(run_dir / "pki"),
        "pki": {k: v for k, v in pki.items() if not k.startswith("_")},
        "mx_names": mx_names,
        "mx_addresses": MX_ADDRS,
        "postfix_addresses": [ADDR["good"], ADDR["good2"], ADDR["chain_missing"]],
        "slow_addresses": SLOW_ADDRS,
        "slow_delay": SLOW_DELAY,
        "tls_domain": TLS_DOMAIN,
        "sts_enforce_domain": STS_DOMAINS["enforce"],
        "sts_testing_domain": STS_DOMAINS["testing"],
        "sts_mismatch_domain": STS_DOMAINS["mismatch"],
        "mixed_domain": MIXED_DOMAIN,
        "implicit_domain": IMPLICIT_DOMAIN,
        "nullmx_domain": NULLMX_DOMAIN,
        "mta_sts_address": HTTPS_ADDR,
        "mta_sts_port": https_port,
        "dns_address": "127.0.0.1",
        "dns_port": dns_port,
        "mail_domain": mail_domain,
    }
    for name, addr in ADDR.items():
        info["addr_" + name] = addr
    return info


def stop(run_dir: Path) -> None:
    run_dir = Path(run_dir)
    stop_pidfile(run_dir / "serve.pid")
    conf = run_dir / "postfix" / "etc"
    stop_pidfile(run_dir / "postfix.pid")
    # A master left over from a crashed run (its own pid file in the queue directory).
    pidfile = run_dir / "postfix" / "queue" / "pid" / "master.pid"
    if pidfile.exists() and conf.exists():
        with contextlib.suppress(ValueError, ProcessLookupError, PermissionError, OSError):
            pid = int(pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"master" in cmdline and str(conf).encode() in cmdline:
                os.kill(pid, 15)
                for _wait in range(50):
                    if not Path(f"/proc/{pid}").exists():
                        break
                    time.sleep(0.1)


def _der(path: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    return cert.public_bytes(serialization.Encoding.DER).hex()


def _zone(port: int, leaf_der_hex: str, inter_der_hex: str) -> dict:
    """name -> {rdtype: [rdata text]}; names ending in tls.mailsec.test get the AD bit."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    leaf = x509.load_der_x509_certificate(bytes.fromhex(leaf_der_hex))
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    spki_sha256 = hashlib.sha256(spki).hexdigest()
    inter_sha256 = hashlib.sha256(bytes.fromhex(inter_der_hex)).hexdigest()
    z: dict = {}

    def rr(name, rdtype, text):
        z.setdefault(name.lower().rstrip(".") + ".", {}).setdefault(rdtype, []).append(text)

    mx = [f"mx{i}.{TLS_DOMAIN}" for i in range(1, 5)]
    for i, name in enumerate(mx):
        rr(TLS_DOMAIN, "MX", f"{(i + 1) * 10} {name}.")
        rr(name, "A", MX_ADDRS[i])
    rr(f"_{port}._tcp.{mx[0]}", "TLSA", f"3 1 1 {spki_sha256}")
    rr(f"_{port}._tcp.{mx[1]}", "TLSA", "3 1 1 " + "00" * 32)
    rr(f"_{port}._tcp.{mx[2]}", "TLSA", f"2 0 1 {inter_sha256}")
    for kind, domain in STS_DOMAINS.items():
        rr(domain, "MX", f"10 {mx[0]}.")
        rr(domain, "MX", f"20 {mx[1]}.")
        rr(f"_mta-sts.{domain}", "TXT", f'"v=STSv1; id=2026{kind}1"')
        rr(f"mta-sts.{domain}", "A", HTTPS_ADDR)
    rr(MIXED_DOMAIN, "MX", f"10 good.{MIXED_DOMAIN}.")
    rr(MIXED_DOMAIN, "MX", f"20 chain.{MIXED_DOMAIN}.")
    rr(MIXED_DOMAIN, "MX", f"30 down.{MIXED_DOMAIN}.")
    rr(f"good.{MIXED_DOMAIN}", "A", ADDR["good"])
    rr(f"chain.{MIXED_DOMAIN}", "A", ADDR["chain_missing"])
    rr(f"down.{MIXED_DOMAIN}", "A", ADDR["closed"])
    rr(IMPLICIT_DOMAIN, "A", ADDR["no_starttls"])
    rr(NULLMX_DOMAIN, "MX", "0 .")
    return z


# ----------------------------------------------------------------------------- serve process

def _serve(cfg_path: str) -> None:  # pragma: no cover - runs as the server process
    import asyncio
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import dns.flags
    import dns.message
    import dns.rcode
    import dns.rdatatype
    import dns.rrset
    from aiosmtpd.smtp import SMTP

    cfg = json.loads(Path(cfg_path).read_text())

    class Handler:
        def __init__(self, delay):
            self.delay = delay

        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if self.delay:
                await asyncio.sleep(self.delay)
            return responses

        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    def tls_ctx(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.load_cert_chain(cert, key)
        return ctx

    # --- HTTPS (MTA-STS) in a thread
    https = cfg["https"]
    policies = https["policies"]

    class PolicyHandler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            body = policies.get(host)
            if self.path != "/.well-known/mta-sts.txt" or body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            sys.stderr.write("https: " + fmt % args + "\n")

    httpd = ThreadingHTTPServer((https["address"], https["port"]), PolicyHandler)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(https["cert"], https["key"])
    httpd.socket = sctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    # --- DNS
    zone = cfg["dns"]["zone"]

    def answer(wire: bytes) -> bytes | None:
        try:
            q = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001
            return None
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if not q.question:
            r.set_rcode(dns.rcode.FORMERR)
            return r.to_wire()
        question = q.question[0]
        qname = question.name.to_text().lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        node = zone.get(qname)
        if node is None:
            r.set_rcode(dns.rcode.NXDOMAIN)
        elif rdtype in node:
            r.answer.append(dns.rrset.from_text_list(question.name, 300, "IN", rdtype, node[rdtype]))
        if qname.endswith("tls.mailsec.test.") and q.flags & (dns.flags.AD) or (
                qname.endswith("tls.mailsec.test.") and q.ednsflags & dns.flags.DO):
            r.flags |= dns.flags.AD
        return r.to_wire()

    class Udp(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            out = answer(data)
            if out:
                self.transport.sendto(out, addr)

    async def tcp_dns(reader, writer):
        try:
            while True:
                head = await reader.readexactly(2)
                data = await reader.readexactly(int.from_bytes(head, "big"))
                out = answer(data)
                if out is None:
                    break
                writer.write(len(out).to_bytes(2, "big") + out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        loop = asyncio.get_running_loop()
        for srv in cfg["smtp"]:
            ctx = tls_ctx(srv["cert"], srv["key"]) if srv["starttls"] and srv["cert"] else None

            def factory(srv=srv, ctx=ctx):
                return SMTP(Handler(srv["delay"]), hostname=srv["hostname"], ident="aiosmtpd (mailsec test)",
                            tls_context=ctx, require_starttls=False, timeout=60)

            await loop.create_server(factory, host=srv["address"], port=srv["port"])
        d = cfg["dns"]
        await loop.create_datagram_endpoint(Udp, local_addr=(d["address"], d["port"]))
        await asyncio.start_server(tcp_dns, d["address"], d["port"])
        print("serving", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        _serve(sys.argv[2])
    else:
        print("usage: python -m tests.harness.smtp serve CONFIG.json", file=sys.stderr)
        sys.exit(2)
