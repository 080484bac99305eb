"""Fleet benchmark of the role mailsec.cres.cres_tls against simulated appliances.

    benchmarks/run.sh                       # 20 appliances, then 100
    benchmarks/run.sh --appliances 20 --also 100 --forks 5
    python -m benchmarks.fleet --appliances 5 --no-smtp     # a quick look

For each fleet size N: starts one AsyncOS simulator process with N appliances (demo
certificate, default HAT) and uses one BIND 9 of its own (query log on) holding the domain's
SPF record; runs ``playbooks/cres_tls.yml`` twice (first run changes everything, second
nothing), each measured (wall, controller CPU and memory of the whole process tree, see
benchmarks/measure.py); reads the simulator's per-appliance counters (SSH logins, CLI
commands, showconfig reads, commits) for each run; counts DNS queries at the server for the
run and for an idempotent ``spf_include`` call on its own; measures the floor (log in to every
appliance and run one showconfig with a thread pool of ``--forks`` workers, benchmarks/floor.py)
and prints every figure with the targets and PASS/MISS. Once: ``smtp_tls_info`` on 4 MX hosts
against 1 (SMTP servers answering EHLO after a delay). Everything listens on loopback only.
Results: ``<out>/results.json`` and, with ``--markdown``, a Markdown table.
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
from pathlib import Path

import yaml

from benchmarks import dns_server
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


# ------------------------------------------------------------------------------ one fleet size
def bench_size(n: int, forks: int, pki: dict, dns: dict, out: Path, env: dict | None = None) -> dict:
    run_dir = out / f"n{n}"
    fleet = SimFleet(run_dir / "sim", n, prefix="esa", domain=DOMAIN)
    fleet.write_data()
    log(f"N={n}: starting {n} simulated appliances")
    fleet.start(reset=True, timeout=300)
    fleet.trust(run_dir / "home")           # the HOME of run_ansible(..., run_dir)
    qlog = dns_server.QueryLog(dns["query_log"])
    result = {"appliances": n, "forks": forks}
    try:
        inv = fleet.inventory(run_dir / "inventory.yml")
        vars_file = run_dir / "vars.yml"
        vars_file.write_text(yaml.safe_dump(role_vars(pki, dns, n, fleet), sort_keys=False))
        book = REPO_ROOT / "playbooks" / "cres_tls.yml"
        for label in ("changed", "converged"):
            fleet.reset_stats()
            mark = qlog.mark()
            log(f"N={n}: {label} run of the role")
            run = run_ansible(["ansible-playbook", "-i", inv, "-f", str(forks), "-e", f"@{vars_file}", str(book)],
                              run_dir, name=f"role-{label}", measure=True, timeout=3600, env_extra=env)
            fleet.wait_idle()
            queries = qlog.since(mark)
            stats = run.stats
            result[label] = {
                "rc": run.rc,
                "measure": run.measure,
                "hosts_changed": len([h for h, s in stats.items() if s.get("changed") and h in fleet.hostnames]),
                "hosts_failed": len([h for h, s in stats.items() if s.get("failures") or s.get("unreachable")]),
                "counters": counters(fleet),
                "dns_queries": len(queries),
                "failures": run.failure_messages()[:5],
            }
            log(f"N={n}: {label}: rc={run.rc} wall={run.measure['wall_s'] if run.measure else run.wall:.1f}s")
        result["spf_alone"] = spf_alone(dns, n, run_dir)
        fleet.reset_stats()
        targets = run_dir / "targets.json"
        targets.write_text(json.dumps(fleet.targets()))
        log(f"N={n}: floor")
        floor_out = run_dir / "floor.json"
        subprocess.run([sys.executable, "-m", "benchmarks.floor", "--targets", str(targets), "--forks", str(forks),
                        "--out", str(floor_out)], check=True, cwd=REPO_ROOT,
                       env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
        floor = json.loads(floor_out.read_text())
        result["floor"] = {"wall_s": floor["wall_s"], "counters": counters(fleet)}
        conv = result["converged"]["measure"]["wall_s"]
        result["ratio_converged_floor"] = round(conv / floor["wall_s"], 1) if floor["wall_s"] else None
    finally:
        fleet.stop()
    return result


# ------------------------------------------------------------------------------ report
def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def evaluate(results: dict) -> list:
    rows = []
    sizes = sorted(int(k) for k in results["sizes"])
    for n in sizes:
        r = results["sizes"][str(n)]
        c, ch = r["converged"]["counters"], r["changed"]["counters"]
        rows.append((f"N={n} converged: 1 login per appliance", f"{c['logins']['min']}..{c['logins']['max']}",
                     verdict(c["logins"]["min"] == c["logins"]["max"] == 1)))
        rows.append((f"N={n} converged: 1 showconfig per appliance", f"{c['showconfig']['min']}..{c['showconfig']['max']}",
                     verdict(c["showconfig"]["min"] == c["showconfig"]["max"] == 1)))
        rows.append((f"N={n} converged: 0 commits", f"{c['commits']['sum']}", verdict(c["commits"]["sum"] == 0)))
        rows.append((f"N={n} changed: 1 commit per appliance", f"{ch['commits']['min']}..{ch['commits']['max']}",
                     verdict(ch["commits"]["min"] == ch["commits"]["max"] == 1)))
        rows.append((f"N={n} both runs succeeded", f"rc {r['changed']['rc']}/{r['converged']['rc']}",
                     verdict(r["changed"]["rc"] == 0 and r["converged"]["rc"] == 0)))
        spf = r["spf_alone"]
        rows.append((f"N={n} SPF idempotent check <= 2 DNS queries", f"{spf['queries']}", verdict(spf["queries"] <= 2)))
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        limit = 5.5 * (big / small) / 5
        for label in ("converged", "changed"):
            rs, rb = results["sizes"][str(small)][label], results["sizes"][str(big)][label]
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
        lines.append(f"\n== N={n} appliances, forks {r['forks']}")
        lines.append(f"{'':28}{'wall s':>9}{'cpu s':>9}{'maxrss MiB':>12}{'tree MiB':>10}{'logins':>9}"
                     f"{'commands':>10}{'showcfg':>9}{'commits':>9}{'DNS q':>7}")
        for label in ("changed", "converged"):
            x = r[label]
            m = x["measure"] or {}
            c = x["counters"]
            lines.append(f"{label + ' run':28}{m.get('wall_s', 0):>9.1f}{m.get('cpu_s', 0):>9.1f}"
                         f"{m.get('max_rss_mib', 0):>12.0f}{m.get('peak_tree_rss_mib', 0):>10.0f}"
                         f"{c['logins']['mean']:>9}{c['commands_total']['mean']:>10}{c['showconfig']['mean']:>9}"
                         f"{c['commits']['mean']:>9}{x['dns_queries']:>7}")
        fc = r["floor"]["counters"]
        lines.append(f"{'floor (login + showconfig)':28}{r['floor']['wall_s']:>9.1f}{'':>9}{'':>12}{'':>10}"
                     f"{fc['logins']['mean']:>9}{fc['commands_total']['mean']:>10}{fc['showconfig']['mean']:>9}"
                     f"{fc['commits']['mean']:>9}")
        lines.append("(per appliance: mean; logins/commands/showconfig/commits counted by the simulator)")
        lines.append(f"converged / floor: {r['ratio_converged_floor']}x")
        lines.append(f"SPF step alone, converged: {r['spf_alone']['queries']} DNS queries "
                     f"({', '.join(r['spf_alone']['detail'])})")
        if r["changed"]["failures"] or r["converged"]["failures"]:
            lines.append("failures: " + " | ".join(map(str, r["changed"]["failures"] + r["converged"]["failures"]))[:800])
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
    try:
        import paramiko
        pv = paramiko.__version__
    except ImportError:
        pv = "?"
    return (f"{os.cpu_count()} cores, {mem} GiB, {platform.platform()}, Python {platform.python_version()}, "
            f"ansible-core {ansible.__version__}, paramiko {pv}, {named}")


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appliances", type=int, default=20)
    parser.add_argument("--also", type=int, action="append", default=None,
                        help="another fleet size (repeatable; default 100 unless --only)")
    parser.add_argument("--only", action="store_true", help="only --appliances, no other size")
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--no-smtp", action="store_true")
    parser.add_argument("--smtp-only", action="store_true", help="only the smtp_tls_info 4-vs-1 measurement")
    parser.add_argument("--persistent-timeout", type=int, default=None,
                        help="ANSIBLE_PERSISTENT_CONNECT_TIMEOUT for the role runs (default: Ansible's, 30 s)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / ".run-bench")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    sizes = [args.appliances] + ([] if args.only else (args.also if args.also is not None else [100]))
    if args.smtp_only:
        sizes = []
    env = {}
    if args.persistent_timeout:
        env = {"ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": args.persistent_timeout,
               "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": max(60, args.persistent_timeout)}
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from tests.harness.pki import make_pki

    pki = make_pki(out / "pki", hostnames=[f"*.{DOMAIN}", f"mx1.{DOMAIN}"])
    log("starting BIND")
    dns = dns_server.start(out / "bind", extra_zones=dns_zones(sizes or [1]), dynamic=[spf_zone(n) for n in sizes])
    results = {"machine": machine(), "sizes": {}, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "forks": args.forks, "persistent_connect_timeout": args.persistent_timeout or "ansible default (30)"}
    try:
        for n in sizes:
            results["sizes"][str(n)] = bench_size(n, args.forks, pki, dns, out, env)
            write_json(out / "results.json", results)
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
