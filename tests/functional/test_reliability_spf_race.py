"""Racing SPF writers on real BIND (RFC 2136): no lost update with compare-and-swap, and the
same race *does* lose updates for a writer that replaces the whole TXT RRset.

Each round uses a fresh owner name with one SPF record. Several writers, each adding its own
include, read the record, meet at a barrier (so every one of them holds the same stale read),
and write at the same moment. With ``mailsec.cres.spf_include``'s compare-and-swap (UPDATE with
a prerequisite on the exact TXT RRset it read, re-read and retry on NXRRSET) every include is
there at the end; with a read-modify-replace writer all but the last one are lost. Rounds:
``MAILSEC_RELIABILITY_ROUNDS`` (default 20). A last round races real module processes
(``ansible localhost -m mailsec.cres.spf_include``) without any barrier.

The same compare-and-swap race runs against BIND with GSS-TSIG (Kerberos, the KDC and BIND of
tests/harness/kdc.py: every writer negotiates its own key) and against Route 53 (moto with
Route 53's change-batch rules, tests/harness/route53.py: one batch DELETEs exactly what was
read and CREATEs the new RRset, a stale batch is rejected and retried).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import dns.message
import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import pytest

from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils import spf_include_core as core
from tests.functional.conftest_reliability import REL_ZONE, ROUNDS
from tests.harness import kdc as hkdc
from tests.harness import route53 as hroute53

WRITERS = 4
INITIAL = "v=spf1 ip4:192.0.2.1 -all"


def _keyring(info):
    return dns.tsigkeyring.from_text({info["tsig_key_name"]: (info["tsig_algorithm"], info["tsig_secret"])})


def _update(info, zone=REL_ZONE):
    return dns.update.UpdateMessage(zone, keyring=_keyring(info), keyname=info["tsig_key_name"],
                                    keyalgorithm=info["tsig_algorithm"])


def _send(info, msg):
    resp = dns.query.tcp(msg, info["host"], port=info["port"], timeout=10)
    assert resp.rcode() == 0, f"UPDATE refused: rcode {resp.rcode()}"
    return resp


def _txt_values(info, name):
    q = dns.message.make_query(name, "TXT")
    resp = dns.query.tcp(q, info["host"], port=info["port"], timeout=10)
    out = []
    for rrset in resp.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            out.extend(b"".join(r.strings).decode() for r in rrset)
    return out


def _seed(info, owner, zone=REL_ZONE):
    up = _update(info, zone)
    up.delete(owner, "TXT")
    up.add(owner, 300, "TXT", f'"{INITIAL}"')
    up.add(owner, 300, "TXT", '"sibling=kept"')
    _send(info, up)


def _includes_in(values):
    spf = [v for v in values if v.startswith("v=spf1")]
    assert len(spf) == 1, f"expected one SPF record, got {values}"
    return {t[len("include:"):] for t in spf[0].split() if t.startswith("include:")}, values


def _params(info, owner, include):
    p = {k: v.get("default") for k, v in core.ARGUMENT_SPEC.items()}
    p.update(domain=f"{owner}.{REL_ZONE}", include=include, provider="rfc2136", server=info["host"],
             port=info["port"], tsig_key_name=info["tsig_key_name"], tsig_key_secret=info["tsig_secret"],
             tsig_algorithm=info["tsig_algorithm"], zone=REL_ZONE, nameservers=[info["host"]],
             nameserver_port=info["port"], retries=WRITERS + 2,
             # Each writer also waits until the authoritative server serves a record with its
             # include, although a later writer's record has usually replaced its own by then.
             propagation_timeout=10)
    return p


def _cas_writer(info, owner, include, barrier):
    p = _params(info, owner, include)
    provider = core.build_provider(p)
    resolver = dns_resolver.lookup(p["nameservers"], p["nameserver_port"], timeout=5)

    def before_write(attempt):
        if attempt == 1:
            barrier.wait(timeout=30)

    return core.ensure_spf_include(provider, resolver, p, hooks={"before_write": before_write})


def _replace_writer(info, owner, include, barrier):
    """Read the TXT RRset, add the include, replace the whole RRset: no precondition."""
    name = f"{owner}.{REL_ZONE}"
    values = _txt_values(info, name)
    new = []
    for v in values:
        if v.startswith("v=spf1"):
            terms = v.split()
            terms.insert(len(terms) - 1, f"include:{include}")
            v = " ".join(terms)
        new.append(v)
    barrier.wait(timeout=30)
    up = _update(info, REL_ZONE)
    up.delete(name, "TXT")
    for v in new:
        up.add(name, 300, "TXT", '"' + v.replace('"', '\\"') + '"')
    _send(info, up)


def _race(info, owner, writer, seed=_seed, values_of=_txt_values, zone=REL_ZONE):
    seed(info, owner, zone)
    includes = [f"_w{i}.{REL_ZONE}" for i in range(1, WRITERS + 1)]
    barrier = threading.Barrier(WRITERS)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(lambda inc: writer(info, owner, inc, barrier), includes))
    present, values = _includes_in(values_of(info, f"{owner}.{zone}"))
    assert "sibling=kept" in values, f"sibling TXT record lost: {values}"
    return [inc for inc in includes if inc not in present], results


def test_compare_and_swap_loses_no_update(rel_dns):
    lost_total, conflicts = 0, 0
    for rnd in range(ROUNDS):
        lost, results = _race(rel_dns, f"cas{rnd}", _cas_writer)
        assert not lost, f"round {rnd}: updates lost with compare-and-swap: {lost}"
        lost_total += len(lost)
        conflicts += sum(r.get("conflicts", 0) for r in results)
        assert all(r["changed"] for r in results)
        assert all(r["propagation"] and all(s["served"] for s in r["propagation"]) for r in results), results
    assert lost_total == 0
    # The barrier makes every writer write from the same read: the race really happened.
    assert conflicts >= ROUNDS * (WRITERS - 1), f"only {conflicts} conflicts: the writers did not race"


def test_replace_rrset_writer_loses_updates(rel_dns):
    lost_rounds = 0
    lost_total = 0
    rounds = max(3, ROUNDS // 4)
    for rnd in range(rounds):
        lost, _conflicts = _race(rel_dns, f"naive{rnd}", _replace_writer)
        lost_total += len(lost)
        lost_rounds += bool(lost)
    # Same race, no precondition: the last write wins and the others' includes vanish.
    assert lost_total > 0, "the replace-the-RRset writer lost nothing: the race test cannot fail"
    assert lost_rounds == rounds


def test_module_processes_race(rel_dns, rel_ansible):
    """Real module processes, started together, no barrier: every include ends up present."""
    owner = "procs"
    _seed(rel_dns, owner)
    includes = [f"_w{i}.{REL_ZONE}" for i in range(1, WRITERS + 1)]

    def one(inc):
        args = (f"domain={owner}.{REL_ZONE} include={inc} provider=rfc2136 server={rel_dns['host']} "
                f"port={rel_dns['port']} tsig_key_name={rel_dns['tsig_key_name']} "
                f"tsig_key_secret={rel_dns['tsig_secret']} zone={REL_ZONE} nameservers={rel_dns['host']} "
                f"nameserver_port={rel_dns['port']} propagation_timeout=0 retries=10")
        return rel_ansible(["ansible", "localhost", "-m", "mailsec.cres.spf_include", "-a", args],
                           name=f"race-{inc}")

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        runs = list(pool.map(one, includes))
    for run in runs:
        assert run.rc == 0, run.describe()
    present, _others = _includes_in(_txt_values(rel_dns, f"{owner}.{REL_ZONE}"))
    assert set(includes) <= present, f"lost: {set(includes) - present}"


@pytest.fixture(autouse=True)
def _dns_ok(rel_dns):
    return rel_dns


# ------------------------------------------------------------------ GSS-TSIG and Route 53

def _cas_writer_with(params_of, rel_dns):
    """A compare-and-swap writer whose provider options come from params_of(owner, include)."""
    def writer(info, owner, include, barrier):
        p = {k: v.get("default") for k, v in core.ARGUMENT_SPEC.items()}
        p.update(include=include, nameservers=[rel_dns["host"]], nameserver_port=rel_dns["port"],
                 retries=WRITERS + 2, propagation_timeout=10)
        p.update(params_of(owner, include))
        provider = core.build_provider(p)
        resolver = dns_resolver.lookup(p["nameservers"], p["nameserver_port"], timeout=5)

        def before_write(attempt):
            if attempt == 1:
                barrier.wait(timeout=60)

        return core.ensure_spf_include(provider, resolver, p, hooks={"before_write": before_write})
    return writer


@pytest.fixture(scope="module")
def rel_kdc(rel_dir, rel_secrets):
    run = rel_dir / "kdc"
    try:
        info = hkdc.start(run)
    except (OSError, RuntimeError, TimeoutError) as exc:
        pytest.skip(f"KDC + BIND with GSS-TSIG could not start: {exc}")
    rel_secrets["kdc_tsig_secret"] = info["tsig_secret"]
    old = os.environ.get("KRB5_CONFIG")
    os.environ["KRB5_CONFIG"] = info["krb5_config"]     # read by the Kerberos library of this process
    yield info
    if old is None:
        os.environ.pop("KRB5_CONFIG", None)
    else:
        os.environ["KRB5_CONFIG"] = old
    hkdc.stop(run)


def test_gss_tsig_compare_and_swap_loses_no_update(rel_dns, rel_kdc):
    zone = rel_kdc["zone"]
    writer = _cas_writer_with(lambda owner, include: dict(
        domain=f"{owner}.{zone}", provider="rfc2136", server=rel_kdc["host"], port=rel_kdc["port"], zone=zone,
        tsig_algorithm="gss-tsig", kerberos_server_name=rel_kdc["server_name"],
        kerberos_principal=rel_kdc["principal"], kerberos_keytab=rel_kdc["keytab"]), rel_dns)
    conflicts = 0
    for rnd in range(ROUNDS):
        lost, results = _race(rel_kdc, f"gss{rnd}", writer, zone=zone)
        assert not lost, f"round {rnd}: updates lost with GSS-TSIG compare-and-swap: {lost}"
        conflicts += sum(r.get("conflicts", 0) for r in results)
        assert all(r["changed"] for r in results)
        assert all(r["propagation"] and all(s["served"] for s in r["propagation"]) for r in results), results
    assert conflicts >= ROUNDS * (WRITERS - 1), f"only {conflicts} conflicts: the writers did not race"


@pytest.fixture(scope="module")
def rel_route53(rel_dir, rel_secrets):
    run = rel_dir / "route53"
    try:
        info = hroute53.start(run)
    except (OSError, RuntimeError, TimeoutError, ImportError) as exc:
        pytest.skip(f"moto (Route 53) could not start: {exc}")
    rel_secrets["route53_secret"] = info["secret_access_key"]
    yield info
    hroute53.stop(run)


def _r53(info):
    import boto3
    return boto3.client("route53", endpoint_url=info["endpoint_url"], aws_access_key_id=info["access_key_id"],
                        aws_secret_access_key=info["secret_access_key"], region_name=info["region"])


def _r53_seed(info, owner, zone):
    _r53(info).change_resource_record_sets(HostedZoneId=info["zone_id"], ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"{owner}.{zone}.", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": f'"{INITIAL}"'},
                                                                       {"Value": '"sibling=kept"'}]}}]})


def _r53_values(info, name):
    page = _r53(info).list_resource_record_sets(HostedZoneId=info["zone_id"], StartRecordName=name + ".",
                                                StartRecordType="TXT", MaxItems="1")
    for rrset in page["ResourceRecordSets"]:
        if rrset["Name"] == name + "." and rrset["Type"] == "TXT":
            # the seeded and added values have no escapes: strip the quotes, glue the strings
            return ["".join(part.strip('"') for part in r["Value"].split('" "')) for r in rrset["ResourceRecords"]]
    return []


def test_route53_compare_and_swap_loses_no_update(rel_dns, rel_route53):
    zone = rel_route53["zone"]
    writer = _cas_writer_with(lambda owner, include: dict(
        domain=f"{owner}.{zone}", provider="route53", endpoint_url=rel_route53["endpoint_url"],
        aws_access_key_id=rel_route53["access_key_id"], aws_secret_access_key=rel_route53["secret_access_key"]),
        rel_dns)
    conflicts = 0
    for rnd in range(ROUNDS):
        lost, results = _race(rel_route53, f"r53-{rnd}", writer, seed=_r53_seed, values_of=_r53_values, zone=zone)
        assert not lost, f"round {rnd}: updates lost with the Route 53 change batch: {lost}"
        conflicts += sum(r.get("conflicts", 0) for r in results)
        assert all(r["changed"] for r in results)
        assert all(r["sync"]["status"] == "INSYNC" for r in results), results
        # moto's nameservers (ns-*.awsdns-*) cannot be reached: reported, not a failure
        assert not [s for r in results for s in r["propagation"] if s["served"] is False], results
    assert conflicts >= ROUNDS * (WRITERS - 1), f"only {conflicts} conflicts: the writers did not race"
