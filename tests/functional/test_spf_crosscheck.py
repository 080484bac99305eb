"""Cross-check: the collection's RFC 7208 evaluator and pyspf (pinned in requirements/test.txt)
on the same tricky records, served by a real BIND.

Each case states the result RFC 7208 gives (``rfc``) and the section that says so. The module
code must give it; pyspf must give the same, or the case is listed in ``PYSPF_DIFFERS`` with the
RFC section that pyspf does not follow. A listed difference that disappears fails too, so the
list stays true. The same zone also serves res.cisco.com as Cisco publishes it, so the CRES
sending addresses of the role's defaults are proven to pass through ``include:res.cisco.com``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.harness import bind
from tests.harness.common import REPO_ROOT, RUN_DIR

# pyspf 2.0.14 calls dnspython's deprecated dns.resolver.query(); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:please use dns.resolver.resolve:DeprecationWarning")

ZONE = "xc.test"
A_HOSTS = [f"h{i} A 192.0.2.{i}" for i in range(1, 10)]
NINE_A = " ".join(f"a:h{i}.{ZONE}" for i in range(1, 10))

# name (relative to xc.test) -> TXT strings; plus other records below.
RECORDS = {
    # include:_spf.%{d} is the domain's own list: 1 + 9 + 1 = 11 lookups.
    "macro-d": [f"v=spf1 include:_spf.%{{d}} mx:mx-set.{ZONE} -all"],
    "_spf.macro-d": [f"v=spf1 {NINE_A} -all"],
    # the same through %{o} (the sender's domain, here the domain)
    "macro-o": ["v=spf1 include:_spf.%{o} -all"],
    "_spf.macro-o": ["v=spf1 ip4:192.0.2.200 -all"],
    # 2 lookups, then 9 after "all" that are never evaluated
    "after-all": [f"v=spf1 a:h1.{ZONE} mx:mx-set.{ZONE} -all {NINE_A}"],
    # a redirect beside "all" is ignored, so its loop never happens
    "redirect-all": [f"v=spf1 ?all redirect=redirect-all.{ZONE}"],
    "loop": [f"v=spf1 include:loop-b.{ZONE} -all"],
    "loop-b": [f"v=spf1 include:loop.{ZONE} -all"],
    "mx11": [f"v=spf1 mx:mx11-set.{ZONE} -all"],
    "include-nospf": [f"v=spf1 include:plain.{ZONE} -all"],
    "plain": ["google-site-verification=xyz"],
    "include-nx": [f"v=spf1 include:nx.{ZONE} -all"],
    "void3": [f"v=spf1 a:nx1.{ZONE} a:nx2.{ZONE} a:nx3.{ZONE} -all"],
    "void2": [f"v=spf1 a:nx1.{ZONE} a:nx2.{ZONE} ip4:192.0.2.0/24 -all"],
    "cres": [f"v=spf1 mx:mx-set.{ZONE} include:res.cisco.com -all"],
    "redirect-none": [f"v=spf1 redirect=plain.{ZONE}"],
    "two-records": ["v=spf1 -all", "v=spf1 +all"],
    "after-all-syntax": ["v=spf1 -all ip4:192.0.2"],
    "ten": [f"v=spf1 {NINE_A} exists:%{{i}}.allow.{ZONE} -all"],
    "eleven": [f"v=spf1 {NINE_A} a:h1.{ZONE} exists:%{{i}}.allow.{ZONE} -all"],
    "exp": [f"v=spf1 -all exp=why.{ZONE}"],
    "why": ["%{i} is not one of %{d}'s senders"],
    "local": [f"v=spf1 exists:%{{l1r-}}.users.{ZONE} -all"],
    "cidr": [f"v=spf1 a:h1.{ZONE}/24 ~all"],
    "ip6": ["v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all"],
    "ptr": [f"v=spf1 ptr:{ZONE} -all"],
    "empty-include": ["v=spf1 include: -all"],
}
EXTRA = A_HOSTS + [
    f"mx-set MX 10 mx1.{ZONE}.", "mx1 A 198.51.100.25",
] + [f"mx11-set MX {i} mx1.{ZONE}." for i in range(11)] + [
    "192.0.2.77.allow A 127.0.0.2",
    "alice.users A 127.0.0.2",
    "sender A 198.51.100.80",
]
PTR_ZONE = "100.51.198.in-addr.arpa"
PTR_RECORDS = [f"80 PTR sender.{ZONE}."]

# case id -> (domain label, ip, sender local-part or None, RFC 7208 result, section)
CASES = {
    "macro-d-expanded-over-limit": ("macro-d", "198.51.100.9", None, "permerror", "4.6.4, 7.3"),
    "macro-o-expanded": ("macro-o", "192.0.2.200", None, "pass", "7.3"),
    "after-all-ignored": ("after-all", "198.51.100.9", None, "fail", "5.1"),
    "redirect-ignored-with-all": ("redirect-all", "198.51.100.9", None, "neutral", "6.1"),
    "include-loop": ("loop", "198.51.100.9", None, "permerror", "4.6.4"),
    "mx-over-10-names": ("mx11", "198.51.100.9", None, "permerror", "4.6.4"),
    "include-no-spf-record": ("include-nospf", "198.51.100.9", None, "permerror", "5.2"),
    "include-nxdomain": ("include-nx", "198.51.100.9", None, "permerror", "5.2"),
    "three-void-lookups": ("void3", "198.51.100.9", None, "permerror", "4.6.4"),
    "two-void-lookups": ("void2", "192.0.2.5", None, "pass", "4.6.4"),
    "cres-address-passes": ("cres", "208.90.57.32", None, "pass", "5.2, 5.7"),
    "cres-gateway-passes": ("cres", "68.232.140.79", None, "pass", "5.2, 5.4"),
    "own-mx-passes": ("cres", "198.51.100.25", None, "pass", "5.4"),
    "other-address-fails": ("cres", "198.51.100.9", None, "fail", "5.1"),
    "redirect-to-none": ("redirect-none", "198.51.100.9", None, "permerror", "6.1"),
    "two-spf-records": ("two-records", "198.51.100.9", None, "permerror", "4.5"),
    "syntax-error-after-all": ("after-all-syntax", "198.51.100.9", None, "permerror", "4.6, 5.6"),
    "ten-lookups-pass": ("ten", "192.0.2.77", None, "pass", "4.6.4"),
    "eleven-lookups": ("eleven", "192.0.2.77", None, "permerror", "4.6.4"),
    "explanation": ("exp", "198.51.100.9", None, "fail", "6.2"),
    "local-part-macro": ("local", "198.51.100.9", "alice", "pass", "7.3"),
    "cidr-on-a": ("cidr", "192.0.2.99", None, "pass", "5.3"),
    "ipv6": ("ip6", "2001:db8::25", None, "pass", "5.6"),
    "ipv4-mapped-ipv6": ("ip6", "::ffff:192.0.2.25", None, "pass", "5 (ip4-mapped is IPv4)"),
    "ptr-validated": ("ptr", "198.51.100.80", None, "pass", "5.5"),
    "empty-include-target": ("empty-include", "198.51.100.9", None, "permerror", "5.2, 7.1"),
}

# Where pyspf does not follow RFC 7208, with the section it departs from. Empty when it agrees.
PYSPF_DIFFERS: dict[str, str] = {}


def _zone_lines() -> list[str]:
    lines = []
    for name, values in RECORDS.items():
        for value in values:
            lines.append(f"{name} 300 TXT {bind.quote(value)}")
    return lines + EXTRA


@pytest.fixture(scope="module")
def crosscheck_bind():
    run_dir = Path(RUN_DIR) / "spf-crosscheck"
    run_dir.mkdir(parents=True, exist_ok=True)
    zones = {ZONE: bind.zone_text(ZONE, [("ns1", "127.0.0.1")], _zone_lines()),
             PTR_ZONE: bind.zone_text(PTR_ZONE, [("ns1", "127.0.0.1")], PTR_RECORDS)}
    zones.update(bind.cres_zones())
    port, _secret = bind.run_named(run_dir, zones, dynamic=())
    try:
        yield port
    finally:
        bind.stop(run_dir)


@pytest.fixture(scope="module")
def evaluators(crosscheck_bind):
    import dns.resolver
    import spf as pyspf

    from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver, spf_eval

    lookup = dns_resolver.lookup(["127.0.0.1"], crosscheck_bind, timeout=3.0)
    # pyspf asks dnspython's default resolver: point it at the same BIND.
    previous = dns.resolver.default_resolver
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = crosscheck_bind
    dns.resolver.default_resolver = resolver

    def ours(ip, domain, sender):
        return spf_eval.check_host(lookup, ip, domain, sender=sender)

    def theirs(ip, domain, sender):
        return pyspf.check2(i=ip, s=sender, h="mail.%s" % ZONE)

    try:
        yield ours, theirs
    finally:
        dns.resolver.default_resolver = previous


@pytest.mark.parametrize("case", sorted(CASES))
def test_module_and_pyspf_agree_with_rfc7208(evaluators, case):
    ours, theirs = evaluators
    label, ip, local, rfc_result, section = CASES[case]
    domain = f"{label}.{ZONE}"
    sender = f"{local or 'postmaster'}@{domain}"
    mine = ours(ip, domain, sender)
    their_result, their_explanation = theirs(ip, domain, sender)
    assert mine.result == rfc_result, "RFC 7208 %s gives %s: %s" % (section, rfc_result, mine.describe())
    if case in PYSPF_DIFFERS:
        assert their_result != rfc_result, "pyspf now agrees; drop %s from PYSPF_DIFFERS" % case
    else:
        assert their_result == mine.result, "pyspf %s (%s), module %s" % (
            their_result, their_explanation, mine.describe())
    if case == "explanation":
        assert mine.explanation == "198.51.100.9 is not one of exp.xc.test's senders"
        assert their_explanation == mine.explanation


def test_role_default_cres_addresses_are_the_published_ones_and_pass(evaluators):
    """The role's defaults (and its argument spec) list the seed's CRES senders, and each passes."""
    ours, _theirs = evaluators
    role = REPO_ROOT / "roles" / "cres_tls"
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())["cres_tls_cres_spf_addresses"]
    spec = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    spec_default = spec["argument_specs"]["main"]["options"]["cres_tls_cres_spf_addresses"]["default"]
    expected = [{"host": host, "address": address} for host, address in bind.CRES_SENDERS]
    assert defaults == expected and spec_default == expected
    domain = f"cres.{ZONE}"
    for entry in defaults:
        result = ours(entry["address"], domain, f"postmaster@{domain}")
        assert result.result == "pass" and result.term == "include:res.cisco.com", (entry, result.describe())
