"""cres_tls with cres_tls_certificate_source=acme, end to end: real pebble, real BIND, the simulator.

The runs are made once, in order, by the session fixture ``acme_runs`` (conftest_acme.py):
check mode, first issuance, a second run, a renewal (cres_tls_renew_days above what is left),
then three failures on esa1: the DNS provider unreachable, the ACME server refusing the order
(an identifier its policy forbids), and a challenge written where the ACME server does not look.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.functional.conftest_acme import ESA1_EXTRA, ZONE, txt_at

CLUSTER = ("esa2.example.com", "esa3.example.com")


def _runs(acme_runs):
    return acme_runs["runs"]


def _apps(report):
    return {a["name"]: a for a in report["appliances"]}


def _challenges(env):
    names = [f"_acme-challenge.mail.{ZONE}", f"_acme-challenge.{ESA1_EXTRA}", f"_acme-challenge.blocked.{ZONE}"]
    return {n: txt_at(server, n) for server in (env["acme_dns"], env["decoy_dns"]) for n in names
            if txt_at(server, n)}


def test_check_mode_makes_no_acme_request_and_reports_what_would_be_renewed(acme_runs):
    run = _runs(acme_runs)["check"]
    assert run.rc == 0, run.describe()
    assert run.acme_requests == [], run.acme_requests
    apps = _apps(run.report)
    for name in apps:
        cert = apps[name]["certificate"]
        assert cert["source"] == "acme" and cert["status"] == "would renew" and cert["renewed"] is False
        assert "demo certificate" in cert["reason"]
        assert "Demo" in cert["issuer"]
    assert all("Demo" in p["issuer"] or "Cisco" in p["issuer"] for p in run.presented.values())


def test_first_issuance_installs_the_acme_chain_and_the_listener_passes_the_tls_check(acme_runs):
    run = _runs(acme_runs)["issue"]
    env = acme_runs["env"]
    assert run.rc == 0, run.describe()
    # Two distinct sets of names: esa1's, and the cluster's (shared by esa2 and esa3).
    assert run.orders() == 2, run.acme_requests
    apps = _apps(run.report)
    issuer = env["pebble"]["issuer_intermediate_subject"]
    for name, app in apps.items():
        assert app["certificate"]["renewed"] is True and app["certificate"]["status"] == "renewed", app
        assert app["certificate"]["issuer"] == issuer
        assert app["certificate"]["days_left"] > 30
        assert app["tls"]["verdict"] == "verified", app["tls"]
        assert run.presented[name]["issuer"] == issuer
    assert run.presented["esa1.example.com"]["san"] == sorted([ESA1_EXTRA, f"mail.{ZONE}"])
    assert apps["esa1.example.com"]["steps"]["certificate"] == "changed"
    assert run.report["problems"] == [] and "RESULT: all checks passed." in run.output
    # No challenge record is left behind; the other TXT value of the zone is kept.
    assert _challenges(env) == {}
    assert txt_at(env["acme_dns"], ZONE) == ["site-verification=keep-me"]


def test_a_cluster_shares_one_certificate(acme_runs):
    run = _runs(acme_runs)["issue"]
    a, b = (run.presented[h] for h in CLUSTER)
    assert a["fingerprint"] == b["fingerprint"]
    assert a["san"] == [f"mail.{ZONE}"]
    assert run.presented["esa1.example.com"]["fingerprint"] != a["fingerprint"]
    apps = _apps(run.report)
    assert sorted(apps[h]["role"] for h in CLUSTER) == ["cluster member (read, verified)", "configures"]


def test_the_private_key_goes_to_the_appliance_and_the_named_controller_file_only(acme_runs):
    env = acme_runs["env"]
    saved = Path(env["acme_dir"]) / "certificates"
    keys = sorted(saved.glob("*.key"))
    assert [k.name for k in keys] == ["esa1.example.com.key", "mail.example.com.key"]
    assert all(k.stat().st_mode & 0o777 == 0o600 for k in keys)
    assert (Path(env["acme_dir"]) / "account.key").stat().st_mode & 0o777 == 0o600
    for run in _runs(acme_runs).values():
        for key in keys:
            body = [line for line in key.read_text().splitlines() if "-----" not in line]
            assert not any(line in run.output for line in body), run.name
        text = json.dumps(run.report or {})
        assert "PRIVATE KEY" not in text and "PRIVATE KEY" not in run.output, run.name


def test_second_run_makes_no_acme_request_and_changes_nothing(acme_runs):
    first, run = _runs(acme_runs)["issue"], _runs(acme_runs)["again"]
    assert run.rc == 0, run.describe()
    assert run.acme_requests == [], run.acme_requests
    assert all(r["changed"] == 0 for r in run.recap.values()), run.recap
    for name, app in _apps(run.report).items():
        assert app["certificate"]["status"] == "kept" and app["certificate"]["renewed"] is False
        assert "days left" in app["certificate"]["reason"]
        assert run.presented[name] == first.presented[name]


def test_renewal_when_the_installed_certificate_is_within_renew_days(acme_runs):
    before, run = _runs(acme_runs)["again"], _runs(acme_runs)["renew"]
    assert run.rc == 0, run.describe()
    assert run.orders() == 2
    for name, app in _apps(run.report).items():
        assert app["certificate"]["renewed"] is True, app
        assert "within cres_tls_renew_days (3650)" in app["certificate"]["reason"]
        assert run.presented[name]["fingerprint"] != before.presented[name]["fingerprint"]
        assert app["tls"]["verdict"] == "verified"
    assert run.presented[CLUSTER[0]]["fingerprint"] == run.presented[CLUSTER[1]]["fingerprint"]
    assert _challenges(acme_runs["env"]) == {}


def _failed_before_any_change(runs, name, step):
    run, before = runs[name], runs["renew"]
    assert run.rc != 0, run.describe()
    assert f"failed at step '{step}" in run.output, run.describe()
    assert "Nothing was changed on any appliance" in run.output
    # Nothing reached an appliance: each presents what it did before.
    assert run.presented == before.presented
    assert "TASK [mailsec.cres.cres_tls : Appliance | 1." not in run.output
    return run


def test_dns_provider_unreachable_stops_before_any_acme_request_and_any_change(acme_runs):
    run = _failed_before_any_change(_runs(acme_runs), "dns_down", "1/8 - DNS provider reachable")
    assert run.acme_requests == []
    assert "connection refused by 127.0.0.1 port 9" in run.output
    assert "No _acme-challenge record had been written" in run.output
    assert _challenges(acme_runs["env"]) == {}


def test_acme_server_refusing_the_order(acme_runs):
    run = _failed_before_any_change(_runs(acme_runs), "refused", "5/8 - order at the ACME server")
    assert "rejectedIdentifier" in run.output
    assert _challenges(acme_runs["env"]) == {}


def test_a_challenge_the_acme_server_does_not_see_fails_and_is_removed(acme_runs):
    run = _failed_before_any_change(_runs(acme_runs), "not_served", "8/8 - certificate and chain")
    assert "dns-01" in run.output and "invalid" in run.output
    # The records were written (at the decoy server) and removed again.
    assert "changed: [esa1.example.com -> localhost] => (item=_acme-challenge.mail.example.com)" in run.output
    assert "The _acme-challenge records were removed" in run.output
    assert _challenges(acme_runs["env"]) == {}
