"""Fleet benchmark of the role mailsec.cres.cres_tls against simulated appliances.

    benchmarks/run.sh                       # 20 appliances, then 100; the previous release at 20
    benchmarks/run.sh --appliances 20 --also 100 --forks 5 --compare-ssh
    python -m benchmarks.fleet --appliances 5 --only --no-smtp --no-previous     # a quick look

For each fleet size N: starts one AsyncOS simulator process with N appliances (demo
certificate, default HAT) and uses one BIND 9 of its own (query log on) holding the domain's
SPF record; runs ``playbooks/cres_tls.yml`` twice (first run changes everything, second
nothing), each measured (wall, controller CPU and memory of the whole process tree, see
benchmarks/measure.py); reads the simulator's per-appliance counters (SSH logins, CLI
commands, showconfig reads, commits) for each run; counts DNS queries at the server for the
run and for an idempotent ``spf_include`` call on its own; measures the floor (log in to every
appliance and run one showconfig with a thread pool of ``--forks`` workers, benchmarks/floor.py,
its CPU measured the same way) and prints every figure per appliance with the targets and
PASS/MISS. At the first size the same two runs of the previous release (``PREVIOUS_RELEASE``,
extracted from git, against its own simulator) and, with ``--compare-ssh``, of this release over
the other SSH transport, side by side. Once: ``smtp_tls_info`` on 4 MX hosts against 1 (SMTP
servers answering EHLO after a delay). Everything listens on loopback only. Results:
``<out>/results.json`` and, with ``--markdown``, the printed report in a Markdown file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks import connection_memory, dns_server
from benchmarks.runner import REPO_ROOT, run_ansible, write_json
from benchmarks.sim_fleet import SimFleet

DOMAIN = "fleet.test"
SLOW_ADDRS = ["127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"]
SLOW_DELAY = 1.0


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ helpers
def spf_zone(n: int) -> str:
    return f"n{n}.{DOMAIN}"


def dns_zones(sizes: list) -> dict:
    zones = {DOMAIN: [f"esa{i} A 127.0.0.1" for i in range(1, max(sizes) + 1)]
             + [f"mx{i} A {a}" for i, a in enumerate(SLOW_ADDRS, start=1)]}
    for n in sizes:
        zones[spf_zone(n)] = ['@ TXT "v=spf1 mx ip4:192.0.2.1 -all"', '@ TXT "site-verification=keep"',
                              f"@ MX 10 esa1.{DOMAIN}."]
    return zones


def role_vars(pki: dict, dns: dict, n: int, fleet: SimFleet) -> dict:
    provider = {"provider": "rfc2136", "server": dns["host"], "port": dns["port"],
                "tsig_key_name": dns["tsig_key_name"], "tsig_key_secret": dns["tsig_secret"],
                "zone": spf_zone(n)}
    first = fleet.hostnames[0]
    return {
        "cres_tls_certificate_path": pki["leaf_cert"],
        "cres_tls_private_key_path": pki["leaf_key"],
        "cres_tls_chain_path": pki["leaf_chain"],
        "cres_tls_ca_bundle": pki["ca_bundle"],
        # sender groups and policies share one name space on a listener (esa_* modules)
        "cres_tls_policy_name": "CRES_TLS_POLICY",
        "cres_tls_spf_provider": provider,
        "cres_tls_dns_nameservers": [dns["host"]],
        "cres_tls_dns_nameserver_port": dns["port"],
        "cres_tls_domains": [{"name": spf_zone(n), "mx_hosts": [first],
                              "port": fleet.smtp_ports[first]}],
        "cres_tls_report_show": False,
    }


def counters(fleet: SimFleet) -> dict:
    per = fleet.all_stats()
    keys = ("logins", "commands_total", "showconfig", "commits", "drops", "login_failures")
    out = {k: [per[h].get(k, 0) for h in fleet.hostnames] for k in keys}
    return {k: {"min": min(v), "max": max(v), "sum": sum(v), "mean": round(sum(v) / len(v), 2)}
            for k, v in out.items()}


def spf_alone(dns: dict, n: int, run_dir: Path) -> dict:
    """The SPF step on its own, on an already converged record: DNS queries at the server."""
    qlog = dns_server.QueryLog(dns["query_log"])
    args = (f"domain={spf_zone(n)} provider=rfc2136 server={dns['host']} port={dns['port']} "
            f"tsig_key_name={dns['tsig_key_name']} tsig_key_secret={dns['tsig_secret']} zone={spf_zone(n)} "
            f"nameservers={dns['host']} nameserver_port={dns['port']}")
    mark = qlog.mark()
    run = run_ansible(["ansible", "localhost", "-m", "mailsec.cres.spf_include", "-a", args], run_dir,
                      name=f"spf-alone-{n}")
    queries = qlog.since(mark)
    return {"rc": run.rc, "changed": "changed" in {r["status"] for r in run.tasks()},
            "queries": len(queries), "detail": [f"{q} {t}" for q, t in queries]}


# ------------------------------------------------------------------------------ smtp target
async def _slow_servers(cert: str, key: str, port: int, ready_file: Path) -> None:
    import ssl

    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            await asyncio.sleep(SLOW_DELAY)
            return responses

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    for addr in SLOW_ADDRS:
        await loop.create_server(lambda: SMTP(Handler(), tls_context=ctx, hostname="mx.fleet.test"), addr, port)
    ready_file.write_text("ok")
    await asyncio.Event().wait()


def smtp_target(pki: dict, dns: dict, run_dir: Path) -> dict:
    from tests.harness.common import free_port, start_process, stop_pidfile, wait_tcp

    port = free_port()
    ready = run_dir / "smtp.ready"
    ready.unlink(missing_ok=True)
    code = ("import asyncio, sys; from pathlib import Path; from benchmarks.fleet import _slow_servers; "
            "asyncio.run(_slow_servers(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])))")
    proc = start_process([sys.executable, "-c", code, pki["leaf_fullchain"], pki["leaf_key"], str(port), str(ready)],
                         run_dir / "smtp.log", run_dir / "smtp.pid", env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
                         cwd=REPO_ROOT)
    try:
        for addr in SLOW_ADDRS:
            wait_tcp(addr, port, timeout=30, proc=proc)
        res = {}
        for count in (1, 4):
            hosts = [f"mx{i}.{DOMAIN}" for i in range(1, count + 1)]
            args = json.dumps({"domain": DOMAIN, "mx_hosts": hosts, "port": port, "nameservers": [dns["host"]],
                               "nameserver_port": dns["port"], "ca_bundle": pki["ca_bundle"],
                               "check_mta_sts": False, "check_dane": False, "timeout": 10})
            run = run_ansible(["ansible", "localhost", "-m", "mailsec.cres.smtp_tls_info", "-a", args], run_dir,
                              name=f"smtp-{count}")
            tasks = run.tasks()
            start, end = (tasks[0]["start"], tasks[0]["end"]) if tasks and tasks[0].get("start") else (0, run.wall)
            verdict = tasks[0]["result"].get("verdict") if tasks else None
            res[str(count)] = {"rc": run.rc, "wall_s": round(run.wall, 3), "task_s": round(end - start, 3),
                               "verdict": verdict}
        res["ratio_task"] = round(res["4"]["task_s"] / res["1"]["task_s"], 2) if res["1"]["task_s"] else None
        res["ratio_wall"] = round(res["4"]["wall_s"] / res["1"]["wall_s"], 2)
        res["delay_s"] = SLOW_DELAY
        return res
    finally:
        stop_pidfile(run_dir / "smtp.pid")


# ------------------------------------------------------------------------------ what runs
# The role as it was released before the work of docs/benchmarks.md "Issue 11" (2026-11-28: the
# modules as AnsiballZ processes, one ansible-connection process per task, the role's
# bookkeeping tasks), run from its own commit against its own simulator.
PREVIOUS_RELEASE = "3df891f"


@dataclass
class Variant:
    """One way of running the role: which checkout (role, collection, simulator) and transport."""

    label: str
    code_root: Path
    collections: Path
    ssh_type: str

    def env(self) -> dict:
        return {"ANSIBLE_COLLECTIONS_PATH": self.collections, "ANSIBLE_NETWORK_CLI_SSH_TYPE": self.ssh_type}


# The transport the collection documents (README, docs/device-layer.md "SSH transports").
DEFAULT_SSH_TYPE = "paramiko"


def this_release(ssh_type: str) -> Variant:
    return Variant(f"this release, {ssh_type}", REPO_ROOT, REPO_ROOT / ".collections", ssh_type)


def previous_release(ref: str, out: Path) -> Variant:
    """The collection at commit ``ref``, extracted with git archive (with the same netcommon)."""
    root = out / f"previous-{ref}"
    if not (root / "galaxy.yml").exists():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", ref], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    collections = out / f"previous-{ref}-collections" / "ansible_collections"
    (collections / "mailsec").mkdir(parents=True, exist_ok=True)
    for link, target in ((collections / "mailsec" / "cres", root),
                         (collections / "ansible", REPO_ROOT / ".collections" / "ansible_collections" / "ansible")):
        if not link.is_symlink():
            link.symlink_to(target)
    # As it ran then: paramiko (it predates the libssh support).
    return Variant(f"previous release ({ref}), paramiko", root, collections.parent, "paramiko")


# ------------------------------------------------------------------------------ one fleet size
def role_runs(n: int, forks: int, pki: dict, dns: dict, run_dir: Path, variant: Variant) -> dict:
    """The role twice (first run, converged run) on a fresh fleet of n appliances."""
    fleet = SimFleet(run_dir / "sim", n, prefix="esa", domain=DOMAIN, code_root=variant.code_root)
    fleet.write_data()
    log(f"N={n} [{variant.label}]: starting {n} simulated appliances")
    fleet.start(reset=True, timeout=300)
    fleet.trust(run_dir / "home")           # the HOME of run_ansible(..., run_dir)
    qlog = dns_server.QueryLog(dns["query_log"])
    result = {"label": variant.label, "ssh_type": variant.ssh_type}
    try:
        inv = fleet.inventory(run_dir / "inventory.yml")
        vars_file = run_dir / "vars.yml"
        vars_file.write_text(yaml.safe_dump(role_vars(pki, dns, n, fleet), sort_keys=False))
        book = variant.code_root / "playbooks" / "cres_tls.yml"
        for label in ("changed", "converged"):
            fleet.reset_stats()
            mark = qlog.mark()
            log(f"N={n} [{variant.label}]: {label} run of the role")
            run = run_ansible(["ansible-playbook", "-i", inv, "-f", str(forks), "-e", f"@{vars_file}", str(book)],
                              run_dir, name=f"role-{label}", measure=True, timeout=3600, env_extra=variant.env())
            fleet.wait_idle()
            stats = run.stats
            result[label] = {
                "rc": run.rc,
                "measure": run.measure,
                "hosts_changed": len([h for h, s in stats.items() if s.get("changed") and h in fleet.hostnames]),
                "hosts_failed": len([h for h, s in stats.items() if s.get("failures") or s.get("unreachable")]),
                "counters": counters(fleet),
                "dns_queries": len(qlog.since(mark)),
                "failures": run.failure_messages()[:5],
            }
            m = run.measure or {}
            log(f"N={n} [{variant.label}]: {label}: rc={run.rc} wall={m.get('wall_s', run.wall):.1f}s "
                f"cpu={m.get('cpu_s', 0):.1f}s ({m.get('cpu_s', 0) / n:.2f} s per appliance)")
        if variant.code_root == REPO_ROOT:
            result["spf_alone"] = spf_alone(dns, n, run_dir)
            result["floor"] = floor(fleet, forks, run_dir)
    finally:
        fleet.stop()
    return result


def floor(fleet: SimFleet, forks: int, run_dir: Path) -> dict:
    """Log in to every appliance and read its configuration once, measured like the role runs."""
    fleet.reset_stats()
    targets = run_dir / "targets.json"
    targets.write_text(json.dumps(fleet.targets()))
    log(f"N={fleet.count}: floor")
    floor_out, measure_out = run_dir / "floor.json", run_dir / "floor.measure.json"
    subprocess.run([sys.executable, "-m", "benchmarks.measure", "--out", str(measure_out), "--",
                    sys.executable, "-m", "benchmarks.floor", "--targets", str(targets), "--forks", str(forks),
                    "--out", str(floor_out)], check=True, cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
    measured = json.loads(measure_out.read_text())
    return {"wall_s": json.loads(floor_out.read_text())["wall_s"], "cpu_s": measured["cpu_s"],
            "peak_tree_rss_mib": measured["peak_tree_rss_mib"], "counters": counters(fleet)}


def bench_size(n: int, forks: int, pki: dict, dns: dict, out: Path, variants: list) -> dict:
    result = {"appliances": n, "forks": forks, "runs": []}
    for index, variant in enumerate(variants):
        result["runs"].append(role_runs(n, forks, pki, dns, out / f"n{n}" / f"v{index}", variant))
    return result


# ------------------------------------------------------------------------------ report
def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def per_appliance(run: dict, key: str, n: int) -> float | None:
    m = run.get("measure") or {}
    return round(m[key] / n, 2) if m.get(key) is not None else None


TARGET_CPU = {"converged": 2.0, "changed": 4.0}   # controller CPU s per appliance
TARGET_MEMORY_MIB = 40                            # resident memory of the tree per appliance, largest fleet


def evaluate(results: dict) -> list:
    rows = []
    sizes = sorted(int(k) for k in results["sizes"])
    for n in sizes:
        r = results["sizes"][str(n)]
        main = r["runs"][0]
        c, ch = main["converged"]["counters"], main["changed"]["counters"]
        rows.append((f"N={n} converged: 1 login per appliance", f"{c['logins']['min']}..{c['logins']['max']}",
                     verdict(c["logins"]["min"] == c["logins"]["max"] == 1)))
        rows.append((f"N={n} converged: 1 showconfig per appliance", f"{c['showconfig']['min']}..{c['showconfig']['max']}",
                     verdict(c["showconfig"]["min"] == c["showconfig"]["max"] == 1)))
        rows.append((f"N={n} converged: 0 commits", f"{c['commits']['sum']}", verdict(c["commits"]["sum"] == 0)))
        rows.append((f"N={n} changed: 1 commit per appliance", f"{ch['commits']['min']}..{ch['commits']['max']}",
                     verdict(ch["commits"]["min"] == ch["commits"]["max"] == 1)))
        for run in r["runs"]:
            rows.append((f"N={n} [{run['label']}] both runs succeeded", f"rc {run['changed']['rc']}/{run['converged']['rc']}",
                         verdict(run["changed"]["rc"] == 0 and run["converged"]["rc"] == 0)))
        for label in ("converged", "changed"):
            cpu = per_appliance(main[label], "cpu_s", n)
            rows.append((f"N={n} {label} run: controller CPU per appliance <= {TARGET_CPU[label]} s",
                         f"{cpu} s", verdict(cpu is not None and cpu <= TARGET_CPU[label] and main[label]["rc"] == 0)))
        spf = main["spf_alone"]
        rows.append((f"N={n} SPF idempotent check <= 2 DNS queries", f"{spf['queries']}", verdict(spf["queries"] <= 2)))
    if sizes:
        n = sizes[-1]
        main = results["sizes"][str(n)]["runs"][0]
        for key, what in (("peak_tree_pss_mib", "proportional set sizes: a shared page once"),
                          ("peak_tree_rss_mib", "resident sizes: a shared page once per process")):
            mib = max(per_appliance(main[label], key, n) or 0 for label in ("changed", "converged"))
            rows.append((f"N={n} memory of the process tree per appliance <= {TARGET_MEMORY_MIB} MiB (sum of {what})",
                         f"{mib} MiB", verdict(mib <= TARGET_MEMORY_MIB)))
        # The part of the memory peak that is Ansible's persistent connection processes.
        peaks = [main[label]["measure"] or {} for label in ("changed", "converged")]
        peak = max(peaks, key=lambda m: m.get("peak_tree_pss_mib", 0))
        if peak.get("peak_pss_connections"):
            rows.append((f"N={n} of that peak (PSS), Ansible's persistent connection processes",
                         f"{peak['peak_pss_connections']} processes, "
                         f"{peak['peak_pss_connections_mib'] / n:.1f} MiB per appliance", "info"))
    floor = results.get("connection_memory")
    if floor:
        # One persistent connection process per appliance is open for the whole play (the staged
        # changes live in its CLI session); what it holds before this collection's plugins load.
        ansible_mib = floor[-2][1]
        rows.append(("memory one persistent connection process holds alone before this collection's plugins "
                     f"(ansible-core, ansible.netcommon: private dirty pages) <= {TARGET_MEMORY_MIB} MiB",
                     f"{ansible_mib} MiB ({'; '.join(f'{name}: {mib}' for name, mib in floor)})",
                     "info" if ansible_mib <= TARGET_MEMORY_MIB else "FLOOR"))
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        limit = 5.5 * (big / small) / 5
        for label in ("converged", "changed"):
            rs, rb = results["sizes"][str(small)]["runs"][0][label], results["sizes"][str(big)]["runs"][0][label]
            ratio = rb["measure"]["wall_s"] / rs["measure"]["wall_s"]
            ok = ratio <= limit if rs["rc"] == 0 and rb["rc"] == 0 else False
            note = "" if rs["rc"] == 0 and rb["rc"] == 0 else " (a run failed: not comparable)"
            rows.append((f"wall({big})/wall({small}) {label} <= {limit:.2f}", f"{ratio:.2f}{note}", verdict(ok)))
    smtp = results.get("smtp")
    if smtp:
        rows.append(("smtp_tls_info 4 MX <= 1.5x one MX (task time)", f"{smtp['ratio_task']}",
                     verdict(smtp["ratio_task"] is not None and smtp["ratio_task"] <= 1.5)))
    return rows


def print_report(results: dict) -> str:
    lines = [f"machine: {results['machine']}"]
    for n, r in sorted(results["sizes"].items(), key=lambda kv: int(kv[0])):
        n_int = int(n)
        floor_run = r["runs"][0]["floor"]
        floor_cpu = round(floor_run["cpu_s"] / n_int, 3)
        lines.append(f"\n== N={n} appliances, forks {r['forks']}")
        lines.append(f"{'':44}{'wall s':>8}{'CPU s':>8}{'CPU/appl':>9}{'x floor':>8}{'MiB/appl':>9}{'PSS/appl':>9}"
                     f"{'logins':>7}{'cmds':>6}{'showcfg':>8}{'commits':>8}{'DNS q':>6}")
        for run in r["runs"]:
            for label in ("changed", "converged"):
                x = run[label]
                m = x["measure"] or {}
                c = x["counters"]
                cpu = per_appliance(x, "cpu_s", n_int)
                ratio = f"{cpu / floor_cpu:.0f}" if cpu and floor_cpu else "-"
                lines.append(f"{(run['label'] + ': ' + ('first' if label == 'changed' else 'converged'))[:44]:44}"
                             f"{m.get('wall_s', 0):>8.1f}{m.get('cpu_s', 0):>8.1f}{cpu or 0:>9.2f}{ratio:>8}"
                             f"{per_appliance(x, 'peak_tree_rss_mib', n_int) or 0:>9.1f}"
                             f"{per_appliance(x, 'peak_tree_pss_mib', n_int) or 0:>9.1f}"
                             f"{c['logins']['mean']:>7}{c['commands_total']['mean']:>6}{c['showconfig']['mean']:>8}"
                             f"{c['commits']['mean']:>8}{x['dns_queries']:>6}")
        fc = floor_run["counters"]
        lines.append(f"{'floor (login + showconfig, paramiko threads)':44}{floor_run['wall_s']:>8.1f}{floor_run['cpu_s']:>8.1f}"
                     f"{floor_cpu:>9.3f}{'1':>8}{floor_run['peak_tree_rss_mib'] / n_int:>9.1f}{'':>9}"
                     f"{fc['logins']['mean']:>7}{fc['commands_total']['mean']:>6}{fc['showconfig']['mean']:>8}"
                     f"{fc['commits']['mean']:>8}")
        lines.append("(CPU: user+sys of the whole process tree; MiB/appl: peak sum of resident sizes / N; PSS/appl: peak"
                     " sum of proportional set sizes / N; x floor: CPU per appliance / the floor's;"
                     " counters per appliance, from the simulator)")
        main = r["runs"][0]
        lines.append(f"SPF step alone, converged: {main['spf_alone']['queries']} DNS queries "
                     f"({', '.join(main['spf_alone']['detail'])})")
        for run in r["runs"]:
            if run["changed"]["failures"] or run["converged"]["failures"]:
                lines.append(f"failures [{run['label']}]: "
                             + " | ".join(map(str, run["changed"]["failures"] + run["converged"]["failures"]))[:800])
    if results.get("smtp"):
        s = results["smtp"]
        lines.append(f"\n== smtp_tls_info, each EHLO answered after {s['delay_s']} s: 1 MX task {s['1']['task_s']} s "
                     f"(wall {s['1']['wall_s']} s), 4 MX task {s['4']['task_s']} s (wall {s['4']['wall_s']} s), "
                     f"ratio {s['ratio_task']}")
    lines.append("\n== targets")
    for name, value, v in evaluate(results):
        lines.append(f"{v:5} {name}: {value}")
    text = "\n".join(lines)
    print(text)
    return text


def machine() -> str:
    import ansible

    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // (1024 * 1024)
    except OSError:
        pass
    named = subprocess.run(["named", "-v"], capture_output=True, text=True, check=False).stdout.strip()
    versions = []
    for name, module in (("paramiko", "paramiko"), ("ansible-pylibssh", "pylibsshext")):
        try:
            versions.append(f"{name} {__import__(module).__version__}")
        except (ImportError, AttributeError):
            versions.append(f"{name} -")
    return (f"{os.cpu_count()} cores, {mem} GiB, {platform.platform()}, Python {platform.python_version()}, "
            f"ansible-core {ansible.__version__}, {', '.join(versions)}, {named}")


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appliances", type=int, default=20)
    parser.add_argument("--also", type=int, action="append", default=None,
                        help="another fleet size (repeatable; default 100 unless --only)")
    parser.add_argument("--only", action="store_true", help="only --appliances, no other size")
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--ssh-type", choices=("libssh", "paramiko"), default=DEFAULT_SSH_TYPE,
                        help="network_cli transport of the role runs (default: %(default)s, the documented one)")
    parser.add_argument("--compare-ssh", action="store_true",
                        help="at the first fleet size also run the role over the other transport")
    parser.add_argument("--previous", default=PREVIOUS_RELEASE,
                        help=f"commit of the previous release, run at the first fleet size (default {PREVIOUS_RELEASE})")
    parser.add_argument("--no-previous", action="store_true", help="do not run the previous release")
    parser.add_argument("--no-smtp", action="store_true")
    parser.add_argument("--smtp-only", action="store_true", help="only the smtp_tls_info 4-vs-1 measurement")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / ".run-bench")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    sizes = [args.appliances] + ([] if args.only else (args.also if args.also is not None else [100]))
    if args.smtp_only:
        sizes = []
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    ssh_type = args.ssh_type
    main_variant = this_release(ssh_type)
    first_extra = []
    if args.compare_ssh:
        first_extra.append(this_release("paramiko" if ssh_type == "libssh" else "libssh"))
    previous_error = None
    if not args.no_previous:
        try:
            first_extra.append(previous_release(args.previous, out))
        except (subprocess.CalledProcessError, OSError) as exc:   # a shallow clone lacks the commit
            previous_error = f"previous release {args.previous} not available ({exc}); run from a full clone"
            log(previous_error)
    from tests.harness.pki import make_pki

    pki = make_pki(out / "pki", hostnames=[f"*.{DOMAIN}", f"mx1.{DOMAIN}"])
    log("starting BIND")
    dns = dns_server.start(out / "bind", extra_zones=dns_zones(sizes or [1]), dynamic=[spf_zone(n) for n in sizes])
    results = {"machine": machine(), "sizes": {}, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "forks": args.forks, "previous_release": None if args.no_previous else args.previous,
               "previous_release_error": previous_error}
    try:
        for index, n in enumerate(sizes):
            variants = [main_variant] + (first_extra if index == 0 else [])
            results["sizes"][str(n)] = bench_size(n, args.forks, pki, dns, out, variants)
            write_json(out / "results.json", results)
        if sizes:
            log("memory of one persistent connection process")
            results["connection_memory"] = connection_memory.measure(ssh_type, out / "connection-memory")
        if not args.no_smtp:
            log("smtp_tls_info: 1 MX vs 4 MX")
            results["smtp"] = smtp_target(pki, dns, out)
    finally:
        dns_server.stop(out / "bind")
    results["targets"] = [list(r) for r in evaluate(results)]
    write_json(out / "results.json", results)
    text = print_report(results)
    if args.markdown:
        args.markdown.write_text("```\n" + text + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
