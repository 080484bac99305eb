# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MX, address, TXT and TLSA lookups with dnspython, for the SMTP TLS check.

The resolver comes from dns_resolver.make_resolver (the one resolver helper of the collection).

Public API (needs dnspython: ``deps.DNSPYTHON``)
    ``resolve_mx(resolver, domain) -> dict``: ``{'hosts': [{'name', 'preference'}] sorted by
        preference, 'implicit': bool (no MX: the domain itself, RFC 5321), 'null_mx': bool,
        'error': str | None, 'ad': bool}``
    ``resolve_addresses(resolver, name) -> (list[str], error | None)`` (A then AAAA)
    ``query(resolver, name, rdtype) -> (answer | None, error | None, ad: bool)``
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import deps

with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.flags
    import dns.name
    import dns.rdatatype
    import dns.resolver


def _error_text(exc, name, rdtype):
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "%s does not exist (NXDOMAIN)" % name
    if isinstance(exc, dns.resolver.NoAnswer):
        return "no %s record for %s" % (rdtype, name)
    if isinstance(exc, dns.resolver.NoNameservers):
        return "no name server answered for %s %s (SERVFAIL or refused)" % (name, rdtype)
    if isinstance(exc, dns.exception.Timeout):
        return "DNS timeout looking up %s %s" % (name, rdtype)
    return "DNS error looking up %s %s: %s" % (name, rdtype, exc)


def query(resolver, name, rdtype):
    """(answer, None, ad) or (None, error, False). NoAnswer/NXDOMAIN give answer None too."""
    try:
        answer = resolver.resolve(name, rdtype, raise_on_no_answer=True)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as exc:
        return None, _error_text(exc, name, rdtype), False
    except dns.exception.DNSException as exc:
        return None, _error_text(exc, name, rdtype), False
    ad = bool(answer.response.flags & dns.flags.AD)
    return answer, None, ad


def _is_missing(exc_text):
    return exc_text is not None and ("NXDOMAIN" in exc_text or exc_text.startswith("no "))


def resolve_mx(resolver, domain):
    domain = domain.rstrip(".")
    out = {"hosts": [], "implicit": False, "null_mx": False, "error": None, "ad": False}
    try:
        answer = resolver.resolve(domain, "MX")
    except dns.resolver.NoAnswer:
        # RFC 5321 5.1: no MX -> the domain itself is the implicit MX (if it has an address).
        addrs, err = resolve_addresses(resolver, domain)
        if addrs:
            out["implicit"] = True
            out["hosts"] = [{"name": domain, "preference": 0}]
        else:
            out["error"] = "no MX record and no address for %s" % domain
        return out
    except dns.exception.DNSException as exc:
        out["error"] = _error_text(exc, domain, "MX")
        return out
    out["ad"] = bool(answer.response.flags & dns.flags.AD)
    hosts = []
    for rr in answer:
        name = rr.exchange.to_text(omit_final_dot=True)
        if rr.exchange == dns.name.root or name in ("", "."):
            out["null_mx"] = True
            continue
        hosts.append({"name": name.lower(), "preference": int(rr.preference)})
    hosts.sort(key=lambda h: (h["preference"], h["name"]))
    out["hosts"] = hosts
    if out["null_mx"] and not hosts:
        out["error"] = "%s publishes a null MX (RFC 7505): it accepts no mail" % domain
    return out


def resolve_addresses(resolver, name):
    addrs = []
    errors = []
    for rdtype in ("A", "AAAA"):
        answer, err, _ad = query(resolver, name, rdtype)
        if answer is not None:
            addrs.extend(rr.address for rr in answer)
        elif err and not _is_missing(err):
            errors.append(err)
    if addrs:
        return addrs, None
    if errors:
        return [], "; ".join(errors)
    return [], "no A or AAAA record for %s" % name
