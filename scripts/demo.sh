#!/usr/bin/env bash
# The two-minute tour: make three simulated Cisco email gateways receive CRES replies over
# verified TLS, with the role mailsec.cres.cres_tls, on this machine, offline.
#
#   scripts/demo.sh                # everything; state in .demo/ (removed and rebuilt each time)
#   scripts/demo.sh --static-pki   # the certificate from a static demo PKI instead of the ACME CA
#   scripts/demo.sh stop           # stop the demo's servers
#
# What it starts (all on 127.0.0.x): the AsyncOS simulator with one standalone appliance
# (esa1) and a cluster of two (esa2, esa3), each listener presenting the appliance demo
# certificate; a BIND that serves res.cisco.com's SPF so SPF lookups are counted offline;
# a local ACME CA (pebble, the Debian package of Let's Encrypt's test server) that validates
# DNS-01 challenges against a BIND serving example.com, where the role writes them (RFC 2136);
# or, with --static-pki, a demo PKI (root, intermediate, leaf for mail.example.com). The domains
# example.com and example.net keep their SPF in zone files under .demo/zones (the zonefile provider).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DEMO="$ROOT/.demo"
PY="$ROOT/.venv/bin/python"

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '%s\n' "$*"; }
step() { bold "== $*"; }

ENV_MODULE=tests.functional.conftest_acme
if [ "${1:-}" = --static-pki ]; then ENV_MODULE=tests.functional.conftest_role; shift; fi
if [ "${1:-}" = stop ]; then
    if [ -x "$PY" ]; then "$PY" -m tests.functional.conftest_acme stop "$DEMO" || true; fi
    exit 0
fi

step "1/7  Installing what the demo needs (scripts/bootstrap.sh)"
say "A pinned Python virtualenv (.venv) with ansible-core, the ansible.netcommon collection,"
say "community.crypto (the ACME client), and the Debian packages of the local servers (BIND,"
say "pebble). Run again, it only checks."
scripts/bootstrap.sh

step "2/7  Starting three simulated appliances, DNS servers and $([ $ENV_MODULE = tests.functional.conftest_acme ] && echo 'an ACME CA' || echo 'a demo PKI')"
if [ -d "$DEMO" ]; then "$PY" -m tests.functional.conftest_acme stop "$DEMO" >/dev/null 2>&1 || true; fi
rm -rf "$DEMO"
mkdir -p "$DEMO"
trap 'say ""; say "The servers keep running for you to explore; stop them with: scripts/demo.sh stop"' EXIT
"$PY" -m "$ENV_MODULE" start "$DEMO" > "$DEMO/env.log" 2>&1 \
    || { cat "$DEMO/env.log"; say "could not start the demo servers"; exit 1; }
"$PY" - "$DEMO/env.json" <<'PY'
import json, sys
env = json.load(open(sys.argv[1]))
for name, a in env["sim"]["appliances"].items():
    where = "cluster %s" % a["cluster"] if a.get("cluster") else "standalone"
    print("  %-17s %-17s SSH %s:%s   SMTP listener %s:%s" % (name, "(" + where + ")", a["ssh_host"], a["ssh_port"],
                                                       a["smtp_address"], a["smtp_port"]))
print("  BIND (res.cisco.com's SPF, for lookup counting)  %s:%s" % (env["bind"]["host"], env["bind"]["port"]))
if "pebble" in env:
    print("  ACME CA (pebble) %s, DNS-01 checked at %s" % (env["pebble"]["directory"], env["pebble"]["dns_server"]))
    print("  BIND for example.com (the _acme-challenge records, RFC 2136 with TSIG)  %s:%s"
          % (env["acme_dns"]["host"], env["acme_dns"]["port"]))
    print("  inventory: %s (cres_tls_certificate_source: acme; the password in an Ansible Vault file)"
          % env["inventory"])
else:
    print("  demo PKI: %s (leaf for %s, signed by an intermediate)" % (env["dir"] + "/pki", env["listener_hostname"]))
    print("  inventory: %s (password and private key in an Ansible Vault file)" % env["inventory"])
PY

export ANSIBLE_CONFIG="$DEMO/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
export PATH="$ROOT/.venv/bin:$PATH"
SPF() { grep -h 'v=spf1' "$DEMO"/zones/*.zone | sed 's/^/    /'; }
ACME=$([ -f "$DEMO/pebble/pebble.log" ] && echo 1 || echo 0)
acme_requests() { if [ "$ACME" = 1 ]; then grep -c -- '-> calling handler' "$DEMO/pebble/pebble.log" || true; else echo 0; fi; }

step "3/7  Before: what CRES would see today"
say "The SPF records of the two domains:"
SPF
say ""
say "A dry run (--check): the role reads every appliance, validates the certificate offline,"
say "and reports what it would change. It also probes each listener the way CRES does before"
say "it switches replies to TLS: today they present the appliance DEMO certificate, so the"
say "TLS check FAILS (verdict 'unverified')."
ansible-playbook mailsec.cres.cres_tls --check > "$DEMO/run-0-check.log" 2>&1 \
    || { tail -40 "$DEMO/run-0-check.log"; say "the dry run failed (log: .demo/run-0-check.log)"; exit 1; }
cat "$DEMO/report/cres_tls_report.txt"

step "4/7  The real run: ansible-playbook mailsec.cres.cres_tls"
if [ "$ACME" = 1 ]; then
    say "First the certificate: the one each listener presents is read from the appliance (the demo"
    say "certificate: renew). On this machine, one ACME order per distinct set of names (here two:"
    say "esa1 also needs esa1.example.com; the cluster esa2/esa3 shares one certificate for"
    say "mail.example.com): a new key and CSR each, the _acme-challenge records in example.com"
    say "(RFC 2136), propagation, validation, the chain; the records removed."
fi
say "Per appliance: certificate with its intermediate, a mail flow policy with TLS Required,"
say "the CRES sender group at position 1, one commit. In the cluster only esa2 configures (the"
say "settings live at cluster level); esa3 is read and verified. Then, once per domain on"
say "this machine: include:res.cisco.com in SPF, and the TLS checks again."
ansible-playbook mailsec.cres.cres_tls 2>&1 | tee "$DEMO/run-1.log" \
    | grep -E '^(PLAY|TASK|changed|fatal|failed)|^[a-z0-9.]+ +: ok=' || true
grep -q 'failed=[1-9]' "$DEMO/run-1.log" && { say "the run failed (log: .demo/run-1.log)"; exit 1; }

step "5/7  After: the run report (also in .demo/report/cres_tls_report.json for pipelines)"
cat "$DEMO/report/cres_tls_report.txt"
say ""
say "The SPF records now:"
SPF

step "6/7  Once more: a converged run changes nothing"
before=$(acme_requests)
ansible-playbook mailsec.cres.cres_tls > "$DEMO/run-2.log" 2>&1 \
    || { tail -40 "$DEMO/run-2.log"; say "the second run failed (log: .demo/run-2.log)"; exit 1; }
grep -E '^[a-z0-9.]+ +: ok=' "$DEMO/run-2.log"
if grep -Eq 'changed=[1-9]' "$DEMO/run-2.log"; then
    say "UNEXPECTED: the second run changed something (log: .demo/run-2.log)"; exit 1
fi
say "changed=0 on every appliance: idempotent."
if [ "$ACME" = 1 ]; then
    made=$(( $(acme_requests) - before ))
    say "ACME requests made by this run: $made (the installed certificates cover the names and have"
    say "more than cres_tls_renew_days left, read from the appliances themselves)."
    [ "$made" -eq 0 ] || { say "UNEXPECTED: the converged run talked to the ACME CA"; exit 1; }
fi

step "7/7  Done"
say "The appliances present a CA-signed certificate with its chain, accept CRES's senders first"
say "with TLS required, and the domains' SPF authorise CRES. CRES's own test of the domain"
say "would now pass; the domain administrator can switch replies to TLS in the CRES portal."
say ""
say "Explore:  .demo/report/  .demo/run-*.log  .demo/inventory/  .demo/zones/"
say "          ANSIBLE_CONFIG=.demo/ansible.cfg .venv/bin/ansible-playbook mailsec.cres.cres_tls --check --diff"
say "Real appliances: see README.md, 'Using it on real appliances'."
