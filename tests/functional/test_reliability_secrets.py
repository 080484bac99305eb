"""Secrets never reach an output, a log or a transcript.

Runs, with ``-vvv``, the Ansible log on (ANSIBLE_LOG_PATH) and the redacted CLI transcript on
(``transcript_path`` through ``module_defaults``): the appliance steps of the procedure with a
certificate, its private key and chain; a wrong SSH password; the SPF include through RFC 2136
with TSIG; the PowerDNS provider with an API key; ``certificate_check`` with an encrypted key
and a PKCS#12 passphrase; the role itself. Then every file any run of this session wrote
(stdout, stderr, Ansible log, callback records - the other reliability tests' runs included)
and every transcript is searched for every secret the suite used (passwords, every line of
every private key body, passphrases, the TSIG secret, the API key): 0 hits.

The ACME path (cres_tls_certificate_source=acme, conftest_acme.py) too: every run of its
scenario, several with ``-vvv`` and the Ansible log on, and its report are searched for the new
private keys the role generated (each one read from the mode-0600 file of
cres_tls_acme_save_dir), the ACME account key, the TSIG secret of the challenge records and the
appliance password: 0 hits.
"""

from __future__ import annotations

import secrets as pysecrets
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from benchmarks import runner as brunner
from tests.functional.conftest_reliability import REL_ZONE


@pytest.fixture(scope="module")
def secret_runs(rel_dir, rel_pki, rel_dns, rel_secrets, rel_ansible, request):
    work = rel_dir / "secrets"
    work.mkdir(parents=True, exist_ok=True)
    transcripts = work / "transcripts"
    transcripts.mkdir(exist_ok=True)
    runs = []

    # An encrypted private key with a passphrase of its own.
    passphrase = "key-pass-" + pysecrets.token_urlsafe(10)
    key = serialization.load_pem_private_key(Path(rel_pki["leaf_key"]).read_bytes(), None)
    enc = work / "leaf-encrypted.key"
    enc.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(passphrase.encode())))
    enc.chmod(0o600)
    rel_secrets["private_key_passphrase"] = passphrase
    rel_secrets["encrypted_key_body"] = enc.read_text()
    api_key = "pdns-api-" + pysecrets.token_urlsafe(16)
    rel_secrets["api_key"] = api_key

    local_tasks = [
        {"name": "certificate_check with an encrypted key", "ignore_errors": True,
         "mailsec.cres.certificate_check": {
             "certificate_path": rel_pki["leaf_cert"], "private_key_path": str(enc),
             "private_key_passphrase": passphrase, "chain_path": rel_pki["leaf_chain"],
             "ca_bundle": rel_pki["ca_bundle"], "hostnames": [f"mx1.{REL_ZONE}"]}},
        {"name": "certificate_check with key content", "ignore_errors": True,
         "mailsec.cres.certificate_check": {
             "certificate": Path(rel_pki["leaf_cert"]).read_text(),
             "private_key": Path(rel_pki["leaf_key"]).read_text(),
             "chain": Path(rel_pki["leaf_chain"]).read_text(), "ca_bundle": rel_pki["ca_bundle"]}},
        {"name": "certificate_check with a PKCS#12 passphrase", "ignore_errors": True,
         "mailsec.cres.certificate_check": {
             "pkcs12_path": rel_pki["leaf_p12"], "pkcs12_passphrase": rel_pki["p12_passphrase"],
             "ca_bundle": rel_pki["ca_bundle"]}},
        {"name": "spf_include with TSIG", "ignore_errors": True, "mailsec.cres.spf_include": {
            "domain": f"spf.{REL_ZONE}", "provider": "rfc2136", "server": rel_dns["host"], "port": rel_dns["port"],
            "tsig_key_name": rel_dns["tsig_key_name"], "tsig_key_secret": rel_dns["tsig_secret"],
            "nameservers": [rel_dns["host"]], "nameserver_port": rel_dns["port"], "propagation_timeout": 0}},
        {"name": "spf_include with a wrong TSIG secret", "ignore_errors": True, "mailsec.cres.spf_include": {
            "domain": f"spf.{REL_ZONE}", "provider": "rfc2136", "server": rel_dns["host"], "port": rel_dns["port"],
            "tsig_key_name": rel_dns["tsig_key_name"], "tsig_key_secret": rel_dns["tsig_secret"][::-1],
            "nameservers": [rel_dns["host"]], "nameserver_port": rel_dns["port"], "propagation_timeout": 0}},
        {"name": "spf_include with a PowerDNS API key", "ignore_errors": True, "mailsec.cres.spf_include": {
            "domain": f"spf.{REL_ZONE}", "provider": "powerdns", "api_url": "http://127.0.0.1:9",
            "api_key": api_key, "timeout": 2}},
    ]
    rel_secrets["tsig_secret_reversed"] = rel_dns["tsig_secret"][::-1]
    book = work / "local.yml"
    book.write_text(yaml.safe_dump([{"name": "controller secrets", "hosts": "localhost", "gather_facts": False,
                                     "tasks": local_tasks}], sort_keys=False))
    runs.append(rel_ansible(["ansible-playbook", "-vvv", "-i", "localhost,", "-e", "ansible_connection=local",
                             "--diff", str(book)], name="secrets-local"))

    sim_skip = None
    try:
        fleet = request.getfixturevalue("rel_sim_factory")("secrets", 3)
    except pytest.skip.Exception as exc:
        fleet = None
        sim_skip = str(exc)
    if fleet:
        inv = fleet.inventory(work / "inventory.yml")
        # Appliance 3 gets a wrong password (the message must not echo either password).
        wrong = "wrong-" + pysecrets.token_urlsafe(10)
        rel_secrets["wrong_ssh_password"] = wrong
        esa_tasks = [
            {"name": "certificate", "mailsec.cres.esa_certificate": {
                "name": "cres_tls", "certificate_path": rel_pki["leaf_cert"], "private_key_path": str(enc),
                "private_key_passphrase": passphrase, "intermediates_path": [rel_pki["leaf_chain"]],
                "ca_bundle": rel_pki["ca_bundle"], "listeners": ["IncomingMail"], "commit": False}},
            {"name": "certificate again from content (idempotent)", "mailsec.cres.esa_certificate": {
                "name": "cres_tls", "certificate": Path(rel_pki["leaf_cert"]).read_text(),
                "private_key": Path(rel_pki["leaf_key"]).read_text(),
                "intermediates": [Path(rel_pki["leaf_chain"]).read_text()],
                "ca_bundle": rel_pki["ca_bundle"], "listeners": ["IncomingMail"], "commit": False}},
            {"name": "policy", "mailsec.cres.esa_mail_flow_policy": {
                "name": "CRES_TLS_POLICY", "listener": "IncomingMail", "tls": "required", "commit": False}},
            {"name": "sender group", "mailsec.cres.esa_sender_group": {
                "name": "CRES_TLS", "listener": "IncomingMail", "policy": "CRES_TLS_POLICY",
                "senders": [".res.cisco.com", "208.90.57.0/26"], "commit": False}},
            {"name": "commit", "mailsec.cres.esa_commit": {"comment": "secrets"}},
        ]
        plays = [{"name": "appliance secrets", "hosts": "all", "gather_facts": False,
                  "module_defaults": {"group/mailsec.cres.esa": {
                      "transcript_path": str(transcripts / "{{ inventory_hostname }}.txt")}},
                  "tasks": esa_tasks}]
        book = work / "esa.yml"
        book.write_text(yaml.safe_dump(plays, sort_keys=False))
        host3 = fleet.hostnames[2]
        hv = work / "wrong.yml"
        hv.write_text(yaml.safe_dump({}))
        runs.append(rel_ansible(["ansible-playbook", "-vvv", "--diff", "-i", inv, "--limit",
                                 ",".join(fleet.hostnames[:2]), str(book)], name="secrets-esa"))
        runs.append(rel_ansible(["ansible-playbook", "-vvv", "-i", inv, "--limit", host3,
                                 "-e", f"ansible_password={wrong}", str(book)], name="secrets-wrong-password"))
        # The role, end to end on appliance 3 (right password), with its report directory.
        role_vars = {
            "cres_tls_certificate_path": rel_pki["leaf_cert"], "cres_tls_private_key_path": str(enc),
            "cres_tls_private_key_passphrase": passphrase, "cres_tls_chain_path": rel_pki["leaf_chain"],
            "cres_tls_ca_bundle": rel_pki["ca_bundle"], "cres_tls_policy_name": "CRES_TLS_POLICY",
            "cres_tls_verify": False, "cres_tls_report_dir": str(work / "report"),
            "cres_tls_spf_provider": {"provider": "rfc2136", "server": rel_dns["host"], "port": rel_dns["port"],
                                      "tsig_key_name": rel_dns["tsig_key_name"],
                                      "tsig_key_secret": rel_dns["tsig_secret"]},
            "cres_tls_dns_nameservers": [rel_dns["host"]], "cres_tls_dns_nameserver_port": rel_dns["port"],
            "cres_tls_domains": [{"name": f"spf.{REL_ZONE}", "verify": False}],
        }
        (work / "role-vars.yml").write_text(yaml.safe_dump(role_vars, sort_keys=False))
        book = work / "role.yml"
        book.write_text(yaml.safe_dump([{"name": "role secrets", "hosts": host3, "gather_facts": False,
                                         "module_defaults": {"group/mailsec.cres.esa": {
                                             "transcript_path": str(transcripts / "role-{{ inventory_hostname }}.txt")}},
                                         "roles": [{"role": "mailsec.cres.cres_tls"}]}], sort_keys=False))
        runs.append(rel_ansible(["ansible-playbook", "-vvv", "--diff", "-i", inv, "-e", f"@{work / 'role-vars.yml'}",
                                 str(book)], name="secrets-role"))
    else:
        transcripts = None
    return {"runs": runs, "transcripts": transcripts, "work": work, "fleet": fleet,
            "sim_skip": None if fleet else sim_skip}


def test_transcripts_written(secret_runs):
    if secret_runs["fleet"] is None:
        pytest.skip(secret_runs["sim_skip"])
    files = sorted(secret_runs["transcripts"].glob("*.txt"))
    assert files, "no CLI transcript was written"
    text = "\n".join(f.read_text() for f in files)
    assert "certconfig" in text and "commit" in text, "the transcript does not show the dialog"


def test_appliance_runs_did_what_they_should(secret_runs):
    if secret_runs["fleet"] is None:
        pytest.skip(secret_runs["sim_skip"])
    esa = next(r for r in secret_runs["runs"] if r.name.endswith("secrets-esa"))
    assert esa.rc == 0, esa.describe()
    wrong = next(r for r in secret_runs["runs"] if r.name.endswith("secrets-wrong-password"))
    assert wrong.rc != 0


def test_no_secret_in_any_output(secret_runs, rel_secrets, rel_dir):
    paths = list(brunner.OUTPUT_FILES)
    if secret_runs["transcripts"]:
        paths.append(secret_runs["transcripts"])
    if (secret_runs["work"] / "report").exists():
        paths.append(secret_runs["work"] / "report")
    assert len(rel_secrets) >= 6, sorted(rel_secrets)
    hits = brunner.scan_for_secrets(paths, rel_secrets)
    assert not hits, "secrets found:\n" + "\n".join(f"{name} in {where}: ...{ctx}..." for name, where, ctx in hits)
    assert len(paths) >= 4


def test_no_acme_secret_in_any_output(acme_runs):
    env = acme_runs["env"]
    acme_dir = Path(env["acme_dir"])
    found = {"acme_account_key": (acme_dir / "account.key").read_text(),
             "acme_tsig_secret": env["acme_dns"]["tsig_secret"],
             "appliance_password": next(iter(env["sim"]["appliances"].values()))["password"]}
    runs = list(acme_runs["runs"].values())
    for run in runs:                 # every key generated: the renewal replaced the first ones
        for name, body in run.keys.items():
            found["acme_certificate_key_%s_%s" % (run.name, name)] = body
    for key in sorted((acme_dir / "certificates").glob("*.key")):
        assert key.stat().st_mode & 0o777 == 0o600, key
    assert len({v for k, v in found.items() if k.startswith("acme_certificate_key")}) == 4, sorted(found)
    assert sum(1 for run in runs if "-vvv" in run.args) >= 3
    paths = [f for run in runs for f in run.files] + [Path(env["report_dir"])]
    hits = brunner.scan_for_secrets(paths, found, texts={run.name: run.output for run in runs})
    assert not hits, "secrets found:\n" + "\n".join(f"{name} in {where}: ...{ctx}..." for name, where, ctx in hits)
