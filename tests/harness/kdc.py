"""An MIT Kerberos KDC and a BIND 9 that accepts GSS-TSIG, in a realm of their own, on loopback.

* KDC (``krb5kdc``, database made with ``kdb5_util``/``kadmin.local``) for realm
  ``MAILSEC.TEST`` on a free port (TCP and UDP, 127.0.0.1), with principals:
  ``DNS/ns1.gss.test`` (the DNS server, keytab ``dns.keytab``), ``ansible`` (granted by the
  zone's update-policy, keytab ``ansible.keytab``, and a ticket cache ``ansible.ccache``
  made with kinit) and ``intruder`` (a valid principal the policy does not grant).
* BIND 9 (``named -g``) with ``tkey-gssapi-keytab`` serving zone ``gss.test`` (the SPF
  fixtures of tests/harness/bind.py) whose update-policy grants ``ansible@MAILSEC.TEST`` TXT
  records (and the harness's HMAC key everything, to reset fixtures).
* For the clock-skew case, ``faketime_lib`` and ``skew``: a client started with
  ``LD_PRELOAD=<faketime_lib> FAKETIME=<skew>`` runs 2 hours ahead of the KDC and the DNS
  server (libfaketime; named itself does not run under it).

Clients use ``KRB5_CONFIG`` (``krb5_config`` below) and, for the ticket cache,
``KRB5CCNAME`` (``ccache``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.harness.bind import fixture_lines, run_named, zone_text
from tests.harness.bind import stop as stop_named
from tests.harness.common import free_port, start_process, stop_pidfile, wait_tcp

REALM = "MAILSEC.TEST"
ZONE = "gss.test"
SERVER_NAME = f"ns1.{ZONE}"
PRINCIPAL = f"ansible@{REALM}"
INTRUDER = f"intruder@{REALM}"
SKEW = "+2h"
FAKETIME_LIBS = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
                 "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"]


def _sbin(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def write_config(run_dir: Path, port: int) -> dict:
    krb5_conf = run_dir / "krb5.conf"
    krb5_conf.write_text(f"""[libdefaults]
    default_realm = {REALM}
    dns_lookup_realm = false
    dns_lookup_kdc = false
    rdns = false
    dns_canonicalize_hostname = false
    udp_preference_limit = 1
    ticket_lifetime = 24h
    default_ccache_name = FILE:{run_dir}/default.ccache

[realms]
    {REALM} = {{
        kdc = 127.0.0.1:{port}
    }}

[domain_realm]
    .{ZONE} = {REALM}
    {ZONE} = {REALM}
""")
    kdc_conf = run_dir / "kdc.conf"
    kdc_conf.write_text(f"""[kdcdefaults]
    kdc_listen = 127.0.0.1:{port}
    kdc_tcp_listen = 127.0.0.1:{port}

[realms]
    {REALM} = {{
        database_name = {run_dir}/principal
        key_stash_file = {run_dir}/stash
        acl_file = {run_dir}/kadm5.acl
        max_life = 24h
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }}

[logging]
    kdc = FILE:{run_dir}/kdc.log
""")
    (run_dir / "kadm5.acl").write_text("")
    env = dict(os.environ, KRB5_CONFIG=str(krb5_conf), KRB5_KDC_PROFILE=str(kdc_conf))
    return env


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=60)


def _kadmin(env: dict, query: str) -> None:
    _run([_sbin("kadmin.local"), "-r", REALM, "-q", query], env)


def start(run_dir: Path) -> dict:
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    stop(run_dir)
    for old in ("principal", "principal.ok", "principal.kadm5", "principal.kadm5.lock", "stash",
                "dns.keytab", "ansible.keytab", "intruder.keytab", "ansible.ccache"):
        (run_dir / old).unlink(missing_ok=True)
    port = free_port()
    env = write_config(run_dir, port)
    master = os.urandom(12).hex()
    _run([_sbin("kdb5_util"), "create", "-s", "-r", REALM, "-P", master], env)
    keytabs = {f"DNS/{SERVER_NAME}": run_dir / "dns.keytab", PRINCIPAL: run_dir / "ansible.keytab",
               INTRUDER: run_dir / "intruder.keytab"}
    for principal, keytab in keytabs.items():
        _kadmin(env, f"addprinc -randkey {principal}")
        _kadmin(env, f"ktadd -k {keytab} {principal}")
    proc = start_process([_sbin("krb5kdc"), "-n", "-r", REALM], run_dir / "krb5kdc.log", run_dir / "kdc.pid",
                         env=env)
    try:
        wait_tcp("127.0.0.1", port, timeout=20, proc=proc)
        ccache = run_dir / "ansible.ccache"
        _run(["kinit", "-k", "-t", str(keytabs[PRINCIPAL]), "-c", f"FILE:{ccache}", PRINCIPAL], env)
        named_env = {"KRB5_CONFIG": env["KRB5_CONFIG"], "PATH": os.environ.get("PATH", "")}
        options = f'tkey-gssapi-keytab "{keytabs[f"DNS/{SERVER_NAME}"]}";'
        grants = f"grant {PRINCIPAL} zonesub TXT;"
        zones = {ZONE: zone_text(ZONE, [("ns1", "127.0.0.1")], fixture_lines())}
        bind_port, secret = run_named(run_dir / "bind", _mkdir(run_dir / "bind", zones), dynamic=(ZONE,),
                                      extra_options=options, extra_grants=grants, env=named_env)
    except Exception:
        stop(run_dir)
        raise
    return {
        "realm": REALM,
        "kdc_port": port,
        "krb5_config": env["KRB5_CONFIG"],
        "zone": ZONE,
        "server_name": SERVER_NAME,
        "host": "127.0.0.1",
        "port": bind_port,
        # A client whose clock is off: run it with LD_PRELOAD=faketime_lib FAKETIME=skew.
        "faketime_lib": next((p for p in FAKETIME_LIBS if Path(p).exists()), None),
        "skew": SKEW,
        "principal": PRINCIPAL,
        "keytab": str(keytabs[PRINCIPAL]),
        "ccache": f"FILE:{run_dir / 'ansible.ccache'}",
        "intruder_principal": INTRUDER,
        "intruder_keytab": str(keytabs[INTRUDER]),
        # HMAC key of the same BIND, for resetting fixtures independently of Kerberos.
        "tsig_key_name": "mailsec-tsig",
        "tsig_secret": secret,
        "tsig_algorithm": "hmac-sha256",
        "log": str(run_dir / "bind" / "named.log"),
    }


def _mkdir(path: Path, zones: dict) -> dict:
    path.mkdir(parents=True, exist_ok=True)
    return zones


def stop(run_dir: Path) -> None:
    run_dir = run_dir.resolve()
    stop_named(run_dir / "bind")
    stop_pidfile(run_dir / "kdc.pid")
