"""moto's server mode as Route 53 for the tests, on loopback.

moto (PyPI ``moto[server]``) answers the Route 53 API. Two servers:

* ``endpoint_url``: the hosted zones below. It accepts any credentials: moto 5.2's IAM
  authentication miscomputes the signature of GET requests (ListHostedZones,
  ListResourceRecordSets, ...), so it cannot be on where the provider reads.
* ``strict_endpoint_url``: IAM authentication on (``INITIAL_NO_AUTH_ACTION_COUNT``: the first
  requests create an IAM user with an access key, every later one must be signed with it),
  for the wrong-credentials cases: an unknown key id, or a wrong secret of a known one, is
  refused as AWS would (InvalidClientTokenId / SignatureDoesNotMatch, HTTP 403).

Hosted zones: public ``r53.test`` with the SPF fixtures of tests/harness/bind.py (stored the
way Route 53 stores TXT values) and private ``r53.test`` (in the VPC) with one SPF record.

moto alone accepts a *stale* DELETE of values since replaced and lets a CREATE duplicate an
existing RRset (checked against moto 5.2), so a race on it could not show the compare-and-swap:
the servers run through tests/harness/route53_server.py, which adds Route 53's two documented
change-batch rules (DELETE must match the current RRset exactly, CREATE must not meet one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.harness.bind import FIXTURES
from tests.harness.common import REPO_ROOT, free_port, start_process, stop_pidfile, wait_tcp

ZONE = "r53.test"
PRIVATE_SPF = "v=spf1 ip4:10.0.0.1 -all"
USER = "mailsec-dns"
REGION = "us-east-1"
# create_user, put_user_policy, create_access_key (strict server)
SETUP_ACTIONS = 3


def route53_value(chunks: list[str]) -> str:
    """A TXT value the way Route 53 stores it (quoted strings, \\" and \\\\ escaped, octal otherwise)."""
    out = []
    for chunk in chunks:
        buf = []
        for byte in chunk.encode():
            if byte in (0x22, 0x5C):
                buf.append("\\" + chr(byte))
            elif 0x20 <= byte < 0x7F:
                buf.append(chr(byte))
            else:
                buf.append("\\%03o" % byte)
        out.append('"%s"' % "".join(buf))
    return " ".join(out)


def fixture_changes(zone: str, fixtures: dict) -> list[dict]:
    changes = []
    for label, values in fixtures.items():
        if values:
            changes.append({"Action": "UPSERT", "ResourceRecordSet": {
                "Name": f"{label}.{zone}.", "Type": "TXT", "TTL": 300,
                "ResourceRecords": [{"Value": route53_value(v)} for v in values]}})
    return changes


def _serve(run_dir: Path, name: str, env: dict) -> str:
    port = free_port()
    proc = start_process([sys.executable, "-m", "tests.harness.route53_server", "-H", "127.0.0.1", "-p", str(port)],
                         run_dir / f"{name}.log", run_dir / f"{name}.pid", env=dict(os.environ, **env), cwd=REPO_ROOT)
    wait_tcp("127.0.0.1", port, timeout=60, proc=proc)
    return f"http://127.0.0.1:{port}"


def start(run_dir: Path) -> dict:
    import boto3

    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        url = _serve(run_dir, "moto", {})
        strict_url = _serve(run_dir, "moto-strict", {"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)})
        setup = {"aws_access_key_id": "setup", "aws_secret_access_key": "setup", "region_name": REGION}
        iam = boto3.client("iam", endpoint_url=strict_url, **setup)
        iam.create_user(UserName=USER)
        iam.put_user_policy(UserName=USER, PolicyName="route53", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["route53:*"], "Resource": "*"}]}))
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        creds = {"aws_access_key_id": "AKIAMAILSECTEST", "aws_secret_access_key": "mailsec-test-secret",
                 "region_name": REGION}
        vpc = boto3.client("ec2", endpoint_url=url, **creds).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        r53 = boto3.client("route53", endpoint_url=url, **creds)
        public = r53.create_hosted_zone(Name=f"{ZONE}.", CallerReference="mailsec-public")["HostedZone"]["Id"]
        private = r53.create_hosted_zone(Name=f"{ZONE}.", CallerReference="mailsec-private",
                                         HostedZoneConfig={"PrivateZone": True},
                                         VPC={"VPCRegion": REGION, "VPCId": vpc})["HostedZone"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=public, ChangeBatch={"Changes": fixture_changes(ZONE, FIXTURES)})
        r53.change_resource_record_sets(HostedZoneId=private, ChangeBatch={"Changes": [
            {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"{ZONE}.", "Type": "TXT", "TTL": 300,
                                                       "ResourceRecords": [{"Value": route53_value([PRIVATE_SPF])}]}}]})
    except Exception:
        stop(run_dir)
        raise
    return {
        "endpoint_url": url,
        "access_key_id": creds["aws_access_key_id"],
        "secret_access_key": creds["aws_secret_access_key"],
        "region": REGION,
        "zone": ZONE,
        "zone_id": public.split("/")[-1],
        "private_zone_id": private.split("/")[-1],
        "private_spf": PRIVATE_SPF,
        "strict_endpoint_url": strict_url,
        "strict_access_key_id": key["AccessKeyId"],
        "strict_secret_access_key": key["SecretAccessKey"],
        "log": str(run_dir / "moto.log"),
    }


def stop(run_dir: Path) -> None:
    for name in ("moto", "moto-strict"):
        stop_pidfile(run_dir.resolve() / f"{name}.pid")
