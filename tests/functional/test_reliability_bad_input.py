"""Bad input table: every case fails with a clear message naming the field, and changes nothing.

Each case is one small play (a module task, or the role with one wrong variable) run with
``ansible-playbook``. Before and after it the committed configuration of the case's own
simulated appliance (simulator dump) and the DNS zone (AXFR from our BIND) are taken; they
must be byte-identical. Cases run three at a time (each on its own appliance) to keep the
table fast; a zone change would show up in every case that overlapped it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import yaml

from tests.functional.conftest_reliability import REL_ZONE


@dataclass
class Case:
    id: str
    target: str                      # dns | local | esa | role
    tasks: list = field(default_factory=list)
    expect: list = field(default_factory=list)   # regexes, all must match the failure message
    role_vars: dict = field(default_factory=dict)
    extra_vars: dict = field(default_factory=dict)
    faults: dict = field(default_factory=dict)


def spf(info, **kw):
    args = {"provider": "rfc2136", "server": info["host"], "port": info["port"],
            "tsig_key_name": info["tsig_key_name"], "tsig_key_secret": info["tsig_secret"],
            "zone": REL_ZONE, "nameservers": [info["host"]], "nameserver_port": info["port"],
            "propagation_timeout": 0, "timeout": 3}
    args.update(kw)
    return [{"name": "spf", "mailsec.cres.spf_include": {k: v for k, v in args.items() if v is not None}}]


def cert(pki, **kw):
    args = {"certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
            "chain_path": pki["leaf_chain"], "ca_bundle": pki["ca_bundle"], "hostnames": [f"mx1.{REL_ZONE}"]}
    args.update(kw)
    return [{"name": "certificate", "mailsec.cres.certificate_check": {k: v for k, v in args.items() if v is not None}}]


def esa_cert(pki, **kw):
    args = {"name": "cres_tls", "certificate_path": pki["leaf_cert"], "private_key_path": pki["leaf_key"],
            "intermediates_path": [pki["leaf_chain"]], "ca_bundle": pki["ca_bundle"], "listeners": ["IncomingMail"]}
    args.update(kw)
    return [{"name": "esa certificate", "mailsec.cres.esa_certificate": {k: v for k, v in args.items() if v is not None}}]


def group(**kw):
    args = {"name": "CRES_TLS", "listener": "IncomingMail", "policy": "ACCEPTED",
            "senders": [".res.cisco.com", "208.90.57.0/26"]}
    args.update(kw)
    return [{"name": "sender group", "mailsec.cres.esa_sender_group": {k: v for k, v in args.items() if v is not None}}]


def policy(**kw):
    args = {"name": "CRES_TLS", "listener": "IncomingMail", "tls": "off"}
    args.update(kw)
    return [{"name": "policy", "mailsec.cres.esa_mail_flow_policy": {k: v for k, v in args.items() if v is not None}}]


def cases(dns, pki) -> list:
    p = pki
    out = [
        # ---------------------------------------------------------------- SPF / DNS
        Case("spf-two-records", "dns", spf(dns, domain=f"twospf.{REL_ZONE}"), [r"2 SPF records", r"twospf"]),
        Case("spf-lookup-budget", "dns", spf(dns, domain=f"eight.{REL_ZONE}"), [r"lookup_limit", r"lookups"]),
        Case("spf-512-overflow", "dns", spf(dns, domain=f"big.{REL_ZONE}"), [r"512"]),
        Case("spf-wrong-tsig-secret", "dns", spf(dns, domain=f"spf.{REL_ZONE}",
             tsig_key_secret="d3JvbmctdHNpZy1zZWNyZXQtZm9yLXRlc3RzLTEyMzQ="), [r"tsig|TSIG|BADSIG|BADKEY|NOTAUTH"]),
        Case("spf-unknown-tsig-key", "dns", spf(dns, domain=f"spf.{REL_ZONE}", tsig_key_name="nobody-key"),
             [r"tsig|TSIG|BADKEY|NOTAUTH|key"]),
        Case("spf-unreachable-server", "dns", spf(dns, domain=f"spf.{REL_ZONE}", server="127.0.0.1", port=9,
             timeout=1), [r"127\.0\.0\.1", r"time|unreach|refused|connect|answer"]),
        Case("spf-invalid-domain", "dns", spf(dns, domain="exa mple..rel.test"), [r"domain"]),
        Case("spf-invalid-include", "dns", spf(dns, domain=f"spf.{REL_ZONE}", include="res..cisco.com"),
             [r"include"]),
        Case("spf-no-record-no-create", "dns", spf(dns, domain=f"nospf.{REL_ZONE}"), [r"create"]),
        Case("spf-domain-outside-zone", "dns", spf(dns, domain="spf.other.test"), [r"zone"]),
        Case("spf-lookup-limit-zero", "dns", spf(dns, domain=f"spf.{REL_ZONE}", lookup_limit=0), [r"lookup_limit"]),
        Case("spf-port-out-of-range", "dns", spf(dns, domain=f"spf.{REL_ZONE}", port=70000), [r"port"]),
        Case("spf-tsig-name-without-secret", "dns", spf(dns, domain=f"spf.{REL_ZONE}", tsig_key_secret=None),
             [r"tsig_key_name", r"tsig_key_secret"]),
        Case("spf-rfc2136-without-server", "dns", spf(dns, domain=f"spf.{REL_ZONE}", server=None), [r"server"]),
        # ---------------------------------------------------------------- certificate_check
        Case("cert-key-mismatch", "local", cert(p, private_key_path=p["other_key"]), [r"key", r"match|does not belong"]),
        Case("cert-expired", "local", cert(p, certificate_path=p["expired_cert"], private_key_path=p["expired_key"]),
             [r"expire"]),
        Case("cert-demo", "local", cert(p, certificate_path=p["demo_cert"], private_key_path=p["demo_key"],
             chain_path=None), [r"demo"]),
        Case("cert-missing-intermediate", "local", cert(p, chain_path=None), [r"intermediate"]),
        Case("cert-wrong-p12-passphrase", "local", [{"name": "p12", "mailsec.cres.certificate_check": {
            "pkcs12_path": p["leaf_p12"], "pkcs12_passphrase": "not-the-passphrase", "ca_bundle": p["ca_bundle"]}}],
            [r"pkcs12_passphrase|passphrase"]),
        Case("cert-hostname-not-covered", "local", cert(p, hostnames=["mail.elsewhere.test"]),
             [r"mail\.elsewhere\.test"]),
        Case("cert-weak-key", "local", cert(p, certificate_path=p["weak_cert"], private_key_path=p["weak_key"]),
             [r"1024|key_strength|bits"]),
        # ---------------------------------------------------------------- ESA modules
        Case("esa-malformed-cidr", "esa", group(senders=["208.90.57.0/33"]), [r"senders", r"208\.90\.57\.0/33"]),
        Case("esa-invalid-sender-host", "esa", group(senders=["bad_host!.example.com"]), [r"senders"]),
        Case("esa-unknown-listener-group", "esa", group(listener="NoSuchListener"), [r"listener", r"NoSuchListener"]),
        Case("esa-unknown-listener-policy", "esa", policy(listener="NoSuchListener"), [r"listener", r"NoSuchListener"]),
        Case("esa-policy-not-found", "esa", group(policy="NO_SUCH_POLICY"), [r"policy", r"NO_SUCH_POLICY"]),
        Case("esa-group-name-clash-policy", "esa", group(name="TRUSTED"), [r"TRUSTED"]),
        Case("esa-policy-name-clash-group", "esa", policy(name="BLOCKED_LIST"), [r"BLOCKED_LIST"]),
        Case("esa-tls-required-demo-cert", "esa", policy(tls="required"), [r"demo"]),
        Case("esa-order-zero", "esa", group(order=0), [r"order"]),
        Case("esa-cert-key-mismatch", "esa", esa_cert(p, private_key_path=p["other_key"]),
             [r"private_key", r"match|does not belong"]),
        Case("esa-cert-expired", "esa", esa_cert(p, certificate_path=p["expired_cert"],
             private_key_path=p["expired_key"]), [r"expire"]),
        Case("esa-cert-demo", "esa", esa_cert(p, certificate_path=p["demo_cert"], private_key_path=p["demo_key"],
             intermediates_path=None), [r"demo"]),
        Case("esa-cert-missing-intermediate", "esa", esa_cert(p, intermediates_path=None), [r"intermediate"]),
        Case("esa-cert-wrong-p12-passphrase", "esa", esa_cert(p, certificate_path=None, private_key_path=None,
             intermediates_path=None, pkcs12_path=p["leaf_p12"], pkcs12_passphrase="not-the-passphrase"),
             [r"pkcs12_passphrase|passphrase"]),
        Case("esa-cert-unknown-listener", "esa", esa_cert(p, listeners=["NoSuchListener"]), [r"NoSuchListener"]),
        Case("esa-wrong-ssh-password", "esa", policy(), [r"auth|password|login"],
             extra_vars={"ansible_password": "wrong-password-for-test"}),
        Case("esa-commit-refused", "esa", policy(commit=False) + [
            {"name": "commit", "mailsec.cres.esa_commit": {"comment": "reliability"}}],
            [r"commit", r"disk full"], faults={"fail_commit": "disk full"}),
        # ---------------------------------------------------------------- role variables
        Case("role-policy-tls-choice", "role", role_vars={"cres_tls_policy_tls": "maybe"}, expect=[r"cres_tls_policy_tls"]),
        Case("role-senders-mode-choice", "role", role_vars={"cres_tls_senders_mode": "merge"},
             expect=[r"cres_tls_senders_mode"]),
        Case("role-domain-without-name", "role", role_vars={"cres_tls_domains": [{"spf": True}]},
             expect=[r"name"]),
        Case("role-order-not-int", "role", role_vars={"cres_tls_sender_group_order": "first"},
             expect=[r"cres_tls_sender_group_order"]),
        Case("role-malformed-cidr", "role", role_vars={"cres_tls_senders": [".res.cisco.com", "204.15.81.0/33"]},
             expect=[r"204\.15\.81\.0/33"]),
        Case("role-expired-certificate", "role", role_vars={"cres_tls_certificate_path": p["expired_cert"],
             "cres_tls_private_key_path": p["expired_key"], "cres_tls_chain_path": p["leaf_chain"]},
             expect=[r"expire"]),
        Case("role-bad-spf-provider", "role", role_vars={"cres_tls_spf_provider": {"provider": "bind-api"}},
             expect=[r"provider"]),
    ]
    return out


@pytest.fixture(scope="module")
def bad_env(rel_dns, rel_pki, rel_dir):
    return {"dns": rel_dns, "pki": rel_pki, "cases": cases(rel_dns, rel_pki)}


def _role_base(pki, dns) -> dict:
    return {
        "cres_tls_certificate_path": pki["leaf_cert"],
        "cres_tls_private_key_path": pki["leaf_key"],
        "cres_tls_chain_path": pki["leaf_chain"],
        "cres_tls_ca_bundle": pki["ca_bundle"],
        "cres_tls_domains": [],
        "cres_tls_verify": False,
        "cres_tls_report_show": False,
    }


@pytest.fixture(scope="module")
def bad_results(bad_env, rel_ansible, rel_zone_dump, rel_dir, request):
    """Three ansible-playbook runs (run together): controller cases, ESA cases, role cases.

    Controller cases are tasks of one play on localhost (ignore_errors, one task per case);
    ESA and role cases run in one play each over one appliance per case (the task of a case
    only runs on its appliance), so a case's failure is that host's failure.
    """
    all_cases = bad_env["cases"]
    work = rel_dir / "bad"
    work.mkdir(parents=True, exist_ok=True)
    esa = [c for c in all_cases if c.target == "esa"]
    role = [c for c in all_cases if c.target == "role"]
    local = [c for c in all_cases if c.target in ("dns", "local")]
    fleet, sim_skip = None, None
    try:
        fleet = request.getfixturevalue("rel_sim_factory")("bad", len(esa) + len(role))
    except pytest.skip.Exception as exc:  # simulator or ESA modules not there yet
        sim_skip = str(exc)
    hosts = dict(zip([c.id for c in esa + role], fleet.hostnames)) if fleet else {}

    books = {}
    tasks = []
    for c in local:
        for t in c.tasks:
            tasks.append({**t, "name": f"{c.id}: {t['name']}", "ignore_errors": True})
    books["local"] = ([{"name": "bad input on the controller", "hosts": "localhost", "gather_facts": False,
                        "tasks": tasks}], "localhost,", {"ansible_connection": "local"})
    if fleet:
        host_vars = {}
        for c in esa + role:
            host_vars[hosts[c.id]] = {"rel_case": c.id, **c.extra_vars, **c.role_vars}
            if c.faults:
                fleet.set_faults(hosts[c.id], **c.faults)
        inv = {"all": {"children": {
            "esa_cases": {"hosts": {hosts[c.id]: {**fleet.host_vars(hosts[c.id]), **host_vars[hosts[c.id]]}
                                    for c in esa}},
            "role_cases": {"hosts": {hosts[c.id]: {**fleet.host_vars(hosts[c.id]), **host_vars[hosts[c.id]]}
                                     for c in role},
                           "vars": _role_base(bad_env["pki"], bad_env["dns"])},
        }}}
        (work / "inventory.yml").write_text(yaml.safe_dump(inv, sort_keys=False))
        esa_tasks = []
        for c in esa:
            for t in c.tasks:
                esa_tasks.append({**t, "name": f"{c.id}: {t['name']}", "when": f"rel_case == '{c.id}'"})
        books["esa"] = ([{"name": "bad input on appliances", "hosts": "esa_cases", "gather_facts": False,
                          "strategy": "free", "tasks": esa_tasks}], str(work / "inventory.yml"), {})
        # The role stops every host when one host's preflight fails (by design), so each role
        # case is a run of its own.
        for c in role:
            books["role-" + c.id] = ([{"name": f"bad role variables: {c.id}", "hosts": hosts[c.id],
                                       "gather_facts": False, "roles": [{"role": "mailsec.cres.cres_tls"}]}],
                                     str(work / "inventory.yml"), {})

    zone_before = rel_zone_dump()
    sim_before = fleet.dump_all() if fleet else {}

    def run(kind):
        plays, inventory, extra = books[kind]
        book = work / f"{kind}.yml"
        book.write_text(yaml.safe_dump(plays, sort_keys=False))
        (work / f"{kind}.vars.yml").write_text(yaml.safe_dump(extra))
        return kind, rel_ansible(["ansible-playbook", "-i", inventory, "-f", "5", "-e",
                                  f"@{work / (kind + '.vars.yml')}", str(book)], name=f"bad-{kind}")

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(pool.map(run, list(books)))
    zone_after = rel_zone_dump()
    sim_after = fleet.dump_all() if fleet else {}

    results = {}
    for c in all_cases:
        if c.target in ("esa", "role") and not fleet:
            results[c.id] = {"skip": sim_skip}
            continue
        if c.target in ("dns", "local"):
            r = runs["local"]
            recs = [x for x in r.tasks() if x["task"].startswith(c.id + ": ")]
            failed = [x for x in recs if x["status"] in ("ignored", "failed")]
        else:
            r = runs["esa" if c.target == "esa" else "role-" + c.id]
            recs = r.tasks(hosts[c.id])
            failed = [x for x in recs if x["status"] in ("failed", "unreachable")]
        results[c.id] = {
            "run": r, "records": recs,
            "messages": [str(x.get("msg") or x["result"].get("msg") or x["result"]) for x in failed],
            "changed": [x["task"] for x in recs if x["changed"]],
            "zone": (zone_before, zone_after),
            "sim": (sim_before.get(hosts.get(c.id)), sim_after.get(hosts.get(c.id))),
        }
    return results


CASE_IDS = [c.id for c in cases({"host": "h", "port": 1, "tsig_key_name": "k", "tsig_secret": "s"},
                                {k: k for k in ("leaf_cert", "leaf_key", "leaf_chain", "ca_bundle", "other_key",
                                                "expired_cert", "expired_key", "demo_cert", "demo_key", "leaf_p12",
                                                "weak_cert", "weak_key")})]


def test_table_has_at_least_30_cases():
    assert len(CASE_IDS) >= 30
    assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_bad_input(case_id, bad_results, bad_env):
    res = bad_results[case_id]
    if "skip" in res:
        pytest.skip(res["skip"])
    case = next(c for c in bad_env["cases"] if c.id == case_id)
    run = res["run"]
    text = "\n".join(res["messages"])
    assert res["messages"], f"{case_id}: the case did not fail: {[(r['task'], r['status']) for r in res['records']]}" \
        f"\n{run.describe()}"
    for pattern in case.expect:
        assert re.search(pattern, text, re.IGNORECASE), \
            f"{case_id}: failure message does not match {pattern!r}: {text}"
    zb, za = res["zone"]
    assert zb == za, f"{case_id}: the DNS zone changed:\n" + "\n".join(
        sorted(set(za.splitlines()) ^ set(zb.splitlines())))
    sb, sa = res["sim"]
    assert sb == sa, f"{case_id}: the appliance's committed configuration changed"
    # One-task cases and role variables must fail before any change, even a pending one (a
    # multi-task case such as commit-refused stages changes on purpose before its failure).
    if case.target == "role" or len(case.tasks) == 1:
        assert not res["changed"], f"{case_id}: tasks reported a change before the failure: {res['changed']}"
