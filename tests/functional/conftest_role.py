"""An environment for the cres_tls role: simulated appliances, DNS, PKI, zone files, inventory.

Used by tests/functional/test_role_cres_tls.py (fixture ``role_env``) and by scripts/demo.sh::

    python -m tests.functional.conftest_role start DIR     # prints the environment as JSON
    python -m tests.functional.conftest_role stop DIR

It starts its own AsyncOS simulator (one standalone appliance, esa1, and a cluster of two,
esa2/esa3; every listener starts with the appliance demo certificate) and its own BIND (which
serves res.cisco.com's SPF so SPF lookups are evaluated offline), creates a demo PKI whose leaf
covers the listeners' hostname, writes the domains' zone files (the zonefile provider is the
embedded default) and an inventory with the appliance password and private key in an Ansible
Vault file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.harness import bind, sim
from tests.harness.common import REPO_ROOT
from tests.harness.pki import make_pki

VENV_BIN = Path(sys.executable).parent
LISTENER_HOSTNAME = "mail.example.com"       # the simulator's IncomingMail listeners
DOMAINS = {
    # domain -> (SPF record before, appliance whose listener receives its mail)
    "example.com": ("v=spf1 ip4:192.0.2.0/24 -all", "esa1.example.com"),
    "example.net": ("v=spf1 ip4:198.51.100.0/24 mx:mail.example.test ~all", "esa2.example.com"),
}


def zone_text(domain: str, spf: str) -> str:
    return (f"$ORIGIN {domain}.\n$TTL 3600\n"
            f"@ IN SOA ns1.{domain}. hostmaster.{domain}. ( 2024010101 3600 600 86400 300 )\n"
            f"@ IN NS ns1.{domain}.\n"
            f"@ IN MX 10 {LISTENER_HOSTNAME}.\n"
            f'@ IN TXT "{spf}"\n'
            f'@ IN TXT "site-verification=keep-me"\n'
            f"ns1 IN A 127.0.0.1\n")


def _vault(path: Path, data: dict, password_file: Path) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    subprocess.run([str(VENV_BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(password_file),
                    str(path)], check=True, capture_output=True)


def write_env(base: Path, sim_info: dict, bind_info: dict) -> dict:
    """Write PKI, zone files, inventory and ansible.cfg under base; return the environment."""
    base = Path(base)
    pki = make_pki(base / "pki", [LISTENER_HOSTNAME])
    zones = base / "zones"
    zones.mkdir(parents=True, exist_ok=True)
    for domain, (spf, _esa) in DOMAINS.items():
        (zones / f"{domain}.zone").write_text(zone_text(domain, spf))
    inv = base / "inventory"
    (inv / "group_vars" / "esa").mkdir(parents=True, exist_ok=True)
    (inv / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    apps = sim_info["appliances"]
    hosts = {}
    for name, a in apps.items():
        hosts[name] = {
            "ansible_host": a["ssh_host"],
            "ansible_port": a["ssh_port"],          # per host: persistent sockets are keyed on it
            "ansible_user": a["username"],
            "cres_tls_verify_address": a["smtp_address"],
            "cres_tls_verify_port": a["smtp_port"],
        }
    (inv / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"esa": {
        "hosts": hosts,
        "vars": {
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "mailsec.cres.asyncos",
            "ansible_password": "{{ vault_esa_password }}",
        }}}}}, sort_keys=False))
    (inv / "group_vars" / "esa" / "vars.yml").write_text(yaml.safe_dump({
        "cres_tls_listener": "IncomingMail",
        "cres_tls_certificate_name": "cres_tls",
        "cres_tls_certificate_path": pki["leaf_cert"],
        "cres_tls_chain_path": pki["leaf_chain"],
        "cres_tls_private_key": "{{ vault_cres_tls_private_key }}",
    }, sort_keys=False))
    password_file = base / "vault-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(24) + "\n")
        password_file.chmod(0o600)
    vault_file = inv / "group_vars" / "esa" / "vault.yml"
    vault_file.unlink(missing_ok=True)
    _vault(vault_file, {
        "vault_esa_password": next(iter(apps.values()))["password"],
        "vault_cres_tls_private_key": Path(pki["leaf_key"]).read_text(),
    }, password_file)
    domains = []
    for domain, (_spf, esa) in DOMAINS.items():
        a = apps[esa]
        domains.append({
            "name": domain,
            "mx_hosts": [LISTENER_HOSTNAME],
            "port": a["smtp_port"],
            "host_addresses": {LISTENER_HOSTNAME: [a["smtp_address"]]},
            "spf_provider": {"path": str(zones / f"{domain}.zone"), "zone": domain},
        })
    report_dir = base / "report"
    (inv / "group_vars" / "all" / "vars.yml").write_text(yaml.safe_dump({
        "cres_tls_domains": domains,
        "cres_tls_spf_provider": {"provider": "zonefile"},
        "cres_tls_dns_nameservers": [bind_info["host"]],
        "cres_tls_dns_nameserver_port": bind_info["port"],
        "cres_tls_ca_bundle": pki["ca_bundle"],     # the demo root stands in for the public roots
        "cres_tls_report_dir": str(report_dir),
    }, sort_keys=False))
    cfg = base / "ansible.cfg"
    cfg.write_text(
        "[defaults]\n"
        f"inventory = {inv}\n"
        f"vault_password_file = {password_file}\n"
        f"collections_path = {REPO_ROOT / '.collections'}\n"
        "host_key_checking = False\n"
        "interpreter_python = auto_silent\n"
        "display_skipped_hosts = False\n"
        "retry_files_enabled = False\n"
        "forks = 5\n"
        "[persistent_connection]\n"
        "command_timeout = 60\n"
        "connect_timeout = 60\n")
    env = {
        "dir": str(base), "inventory": str(inv), "ansible_cfg": str(cfg), "vault_password_file": str(password_file),
        "zones": {d: str(zones / f"{d}.zone") for d in DOMAINS}, "report_dir": str(report_dir),
        "pki": pki, "sim": sim_info, "bind": bind_info, "listener_hostname": LISTENER_HOSTNAME,
    }
    (base / "env.json").write_text(json.dumps(env, indent=2, sort_keys=True))
    return env


def start(base: Path, settings: dict | None = None) -> dict:
    """``settings``: simulator profile and variants (default: the MAILSEC_SIM_* environment)."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    stop(base)
    for stale in ("zones", "report"):
        shutil.rmtree(base / stale, ignore_errors=True)
    bind_info = bind.start(base / "bind")
    sim_info = sim.start(base / "sim", settings=settings)
    sim_info["settings"] = settings
    return write_env(base, sim_info, bind_info)


def stop(base: Path) -> None:
    base = Path(base)
    for mod, sub in ((sim, "sim"), (bind, "bind")):
        if (base / sub).exists():
            mod.stop(base / sub)


def restart_sim(env: dict) -> dict:
    """A fresh simulator (demo certificates again); rewrites the inventory with its ports."""
    base = Path(env["dir"])
    sim.stop(base / "sim")
    settings = env["sim"].get("settings")
    sim_info = sim.start(base / "sim", settings=settings)
    sim_info["settings"] = settings
    for domain, (spf, _esa) in DOMAINS.items():
        Path(env["zones"][domain]).write_text(zone_text(domain, spf))
    shutil.rmtree(env["report_dir"], ignore_errors=True)
    return write_env(base, sim_info, env["bind"])


def ansible_env(env: dict) -> dict:
    out = dict(os.environ)
    out.update({
        "ANSIBLE_CONFIG": env["ansible_cfg"],
        "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{VENV_BIN}{os.pathsep}{out.get('PATH', '')}",
    })
    return out


def run_playbook(env: dict, *args: str, timeout: float = 900) -> tuple[int, str]:
    cmd = [str(VENV_BIN / "ansible-playbook"), "mailsec.cres.cres_tls", *args]
    proc = subprocess.run(cmd, env=ansible_env(env), cwd=env["dir"], capture_output=True, text=True,
                          timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr


_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
                    r"skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


def recap(output: str) -> dict:
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} of PLAY RECAP."""
    keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
    return {m.group(1): dict(zip(keys, map(int, m.groups()[1:]))) for m in _RECAP.finditer(output)}


def report(env: dict) -> dict:
    return json.loads((Path(env["report_dir"]) / "cres_tls_report.json").read_text())


# The role's end-to-end tests run on every release profile of the simulator: 12.1 whose showconfig
# does not show uncommitted changes, on a fixed 80x24 terminal (wrapping, a pager every screen),
# 14.0 whose showconfig shows them, at 80x24 too, and 16.0 on the wide terminal the connection
# asks for.
ROLE_PROFILES = {
    "12.1": {"profile": "12.1", "showconfig_pending": False, "terminal_width": 80, "terminal_height": 24},
    "14.0": {"profile": "14.0", "showconfig_pending": True, "terminal_width": 80, "terminal_height": 24},
    "16.0": {"profile": "16.0", "showconfig_pending": True},
}


@pytest.fixture(scope="module", params=sorted(ROLE_PROFILES))
def role_env(request, tmp_path_factory):
    """A started environment (see the module docstring) on one simulator profile; stopped after
    the module's tests ran on it."""
    base = tmp_path_factory.mktemp("role_cres_tls_%s" % request.param.replace(".", "_"))
    env = start(base, ROLE_PROFILES[request.param])
    try:
        yield env
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
    sys.exit(main(sys.argv[1:]))
