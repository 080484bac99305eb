# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build and render the run report of the mailsec.cres.cres_tls role.

The report is a plain dictionary (it is also written as JSON for pipelines to archive)::

    {
      "generated_at": "2026-01-01T00:00:00Z",
      "check_mode": false,
      "front_gateway": false,
      "min_verdict": "verified",
      "appliances": [
        {"name": "esa1", "cluster": "", "role": "configures", "listener": "IncomingMail",
         "steps": {"certificate": "changed", "policy": "changed",
                   "sender_group": "changed", "commit": "changed"},
         "tls": {"verdict": "verified", "hosts": [{"host": "esa1.example.com",
                                                    "verdict": "verified", "reason": ""}]}}
      ],
      "domains": [
        {"name": "example.com",
         "spf": {"status": "changed", "record_after": "v=spf1 ... include:res.cisco.com -all",
                 "lookups": 4, "void_lookups": 0, "recheck": "ok",
                 "cres": {"status": "pass", "passed": 9, "total": 9,
                          "addresses": [{"host": "res.cisco.com", "address": "184.94.241.74",
                                         "result": "pass", "mechanism": "include:res.cisco.com",
                                         "cause": null}, ...]}},
         "tls": {"verdict": "verified", "hosts": [...]}}
      ]
    }

Filters (all pure, no I/O):

- ``cres_report_step(result, check_mode=False)``: the status of one task result:
  ``changed`` (``would change`` in check mode), ``ok``, ``skipped``, ``failed``, and for a
  rehearsal ``rehearsed, would change`` / ``rehearsed, no change`` / ``abandoned`` (the commit step).
- ``cres_report_verdict_ok(verdict, minimum='verified')``: whether a TLS verdict is at least
  as good as ``minimum`` (verified > unverified > no_starttls > unreachable > dns_error).
- ``cres_report_tls(result)``: a ``mailsec.cres.smtp_tls_info`` result reduced to
  ``{verdict, hosts: [{host, address, verdict, reason}], error}``.
- ``cres_report_domains(domains, previous=[], spf=None, tls=None, recheck=None,
  check_mode=False, spf_cres=None, cres_addresses=None)``: per-domain entries from the looped
  results of ``spf_include``, ``smtp_tls_info`` and ``spf_check`` (the SPF result of each CRES
  sending address of ``cres_addresses``); results that were skipped keep what ``previous``
  says, so a rollout in batches keeps the SPF result of its first batch.
- ``cres_report_dialect(results)``: from the results of an appliance's ESA tasks, what the
  appliance said that the collection's dialect did not expect: ``{rehearsal, matched, dialogs,
  questions: [{dialog, step, status (new | differed), question, answer}]}``.
- ``cres_report_certificate(acme_state, result=None, check_mode=False, given=None)``: the
  certificate an appliance presents after the run (names, issuer, not_after, days_left, renewed,
  status), from the ACME decision or the certificate given as files.
- ``cres_report_appliance(results, name, appliance, check_mode, configures, acme, given)``: one
  appliance's entry (the ``appliances`` list above) from the registered results of its steps;
  ``cres_report_appliances(hosts, check_mode, results, appliance, configurers, acme, given)`` the
  entries of several appliances from their host variables.
- ``cres_report_problems(report)``: the list of reasons the run is not done.
- ``cres_report_table(report)``: the report as a readable text table.

Each filter is documented in a sidecar file (``plugins/filter/<filter>.yml``):
``ansible-doc -t filter mailsec.cres.cres_report_table``.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

VERDICT_RANK = {
    "dns_error": 0,
    "unreachable": 1,
    "no_starttls": 2,
    "unverified": 3,
    "verified": 4,
}

STEP_NAMES = (("certificate", "certificate"), ("policy", "policy"),
              ("sender_group", "sender group"), ("commit", "commit"))


def _is_mapping(value):
    return hasattr(value, "get") and hasattr(value, "keys")


def cres_report_step(result, check_mode=False):
    """Status of one registered task result."""
    if not _is_mapping(result) or not result:
        return "skipped"
    if result.get("failed"):
        return "failed"
    if result.get("skipped"):
        return "skipped"
    if _is_mapping(result.get("rehearsal")):
        return "rehearsed, would change" if result.get("changes") else "rehearsed, no change"
    if result.get("pending_changes") == "cleared" and not result.get("committed") and "lost_sessions" not in result:
        return "abandoned"
    if result.get("changed"):
        return "would change" if check_mode else "changed"
    return "ok"


def _rank(verdict):
    if verdict is None:
        return -1
    return VERDICT_RANK.get(str(verdict), -1)


def cres_report_verdict_ok(verdict, minimum="verified"):
    """True when verdict is at least as good as minimum."""
    if minimum not in VERDICT_RANK:
        raise AnsibleFilterError(
            "cres_report_verdict_ok: minimum must be one of %s, not %r"
            % (", ".join(sorted(VERDICT_RANK, key=VERDICT_RANK.get, reverse=True)), minimum))
    rank = _rank(verdict)
    return rank >= 0 and rank >= VERDICT_RANK[minimum]


def _first(mapping, *keys, default=None):
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return value
    return default


def _host_reason(entry):
    reasons = entry.get("reasons")
    if isinstance(reasons, list) and reasons:
        return "; ".join(str(r) for r in reasons)
    reason = _first(entry, "reason", "verify_error", "error", "message", default="")
    if not reason:
        verification = entry.get("verification")
        if _is_mapping(verification):
            reason = _first(verification, "reason", "error", "message", default="")
    return str(reason) if reason else ""


def _host_entries(result):
    """Per-host entries of an smtp_tls_info result, flattened to one per host/address."""
    hosts = _first(result, "mx", "hosts", "mx_hosts", "results", default=[])
    if _is_mapping(hosts):
        hosts = [dict(v, host=k) if _is_mapping(v) else {"host": k, "verdict": v}
                 for k, v in hosts.items()]
    out = []
    for entry in hosts or []:
        if not _is_mapping(entry):
            continue
        name = _first(entry, "host", "name", "mx", "hostname", default="?")
        addresses = entry.get("addresses")
        if isinstance(addresses, list) and addresses and all(_is_mapping(a) for a in addresses):
            for addr in addresses:
                out.append({
                    "host": name,
                    "address": str(_first(addr, "address", "ip", default="")),
                    "port": _first(addr, "port", default=entry.get("port")),
                    "verdict": _first(addr, "verdict", default=entry.get("verdict")),
                    "reason": _host_reason(addr) or _host_reason(entry),
                })
        else:
            out.append({
                "host": name,
                "address": str(_first(entry, "address", "ip", default="")),
                "port": entry.get("port"),
                "verdict": entry.get("verdict"),
                "reason": _host_reason(entry),
            })
    return out


def cres_report_tls(result):
    """Reduce an smtp_tls_info result to {verdict, hosts, error}."""
    if not _is_mapping(result) or not result or result.get("skipped"):
        return {"verdict": None, "hosts": [], "error": ""}
    hosts = _host_entries(result)
    verdict = result.get("verdict")
    if verdict is None and hosts:
        ranked = [h["verdict"] for h in hosts if h.get("verdict") is not None]
        verdict = min(ranked, key=_rank) if ranked else None
    error = ""
    if result.get("failed"):
        error = str(result.get("msg") or "the TLS check failed")
    tls = {"verdict": verdict, "hosts": hosts, "error": error}
    if not hosts and not error and _host_reason(result):
        # e.g. dns_error before any host could be probed: say why
        tls["reason"] = _host_reason(result)
    return tls


def _lookups(result):
    value = result.get("lookups")
    if _is_mapping(value):
        value = _first(value, "total", "count", default=None)
    if isinstance(value, (list, tuple)):
        value = len(value)
    return value


def _by_domain(loop_result):
    """{domain: item result} from a looped register (results[*].item.name)."""
    out = {}
    if not _is_mapping(loop_result):
        return out
    for res in loop_result.get("results") or []:
        if not _is_mapping(res):
            continue
        item = res.get("item")
        name = item.get("name") if _is_mapping(item) else item
        if name:
            out[str(name)] = res
    return out


def _spf_entry(res, check_mode):
    status = cres_report_step(res, check_mode)
    entry = {"status": status}
    if status == "failed":
        entry["error"] = str(res.get("msg") or "")
    for key in ("record_before", "record_after", "void_lookups", "size"):
        if res.get(key) is not None:
            entry[key] = res.get(key)
    if res.get("lookups") is not None:
        entry["lookups"] = _lookups(res)
    return entry


def _spf_cres_entry(res, cres_addresses):
    """An spf_check result for the CRES sending addresses, per address (in the order asked)."""
    if res.get("failed"):
        return {"status": "failed", "error": str(res.get("msg") or "the SPF check failed"), "passed": 0,
                "total": len(cres_addresses or []), "addresses": []}
    hosts = [a.get("host") if _is_mapping(a) else None for a in cres_addresses or []]
    addresses = []
    for index, entry in enumerate(res.get("results") or []):
        if not _is_mapping(entry):
            continue
        addresses.append({"host": (hosts[index] if index < len(hosts) else None) or "",
                          "address": entry.get("ip"), "result": entry.get("result"),
                          "mechanism": entry.get("mechanism"), "cause": entry.get("cause")})
    passed = sum(1 for a in addresses if a["result"] == "pass")
    return {"status": "pass" if addresses and passed == len(addresses) else "fail", "passed": passed,
            "total": len(addresses), "addresses": addresses}


def cres_report_domains(domains, previous=None, spf=None, tls=None, recheck=None, check_mode=False,
                        spf_cres=None, cres_addresses=None):
    """Per-domain report entries, merged over a previous report (rollout batches)."""
    if domains is None:
        domains = []
    if not isinstance(domains, list):
        raise AnsibleFilterError("cres_report_domains: expected a list of domains, got %s"
                                 % type(domains).__name__)
    prev = {}
    for entry in previous or []:
        if _is_mapping(entry) and entry.get("name"):
            prev[entry["name"]] = entry
    spf_by, tls_by, recheck_by = _by_domain(spf), _by_domain(tls), _by_domain(recheck)
    cres_by = _by_domain(spf_cres)
    out = []
    for domain in domains:
        name = domain.get("name") if _is_mapping(domain) else str(domain)
        before = prev.get(name, {})
        entry = {
            "name": name,
            "spf": dict(before.get("spf") or {"status": "skipped"}),
            "tls": dict(before.get("tls") or {"verdict": None, "hosts": [], "error": ""}),
        }
        res = spf_by.get(name)
        if res is not None and not res.get("skipped"):
            kept = dict((k, entry["spf"][k]) for k in ("recheck", "cres") if entry["spf"].get(k))
            entry["spf"] = _spf_entry(res, check_mode)
            entry["spf"].update(kept)
        res = recheck_by.get(name)
        if res is not None and not res.get("skipped"):
            if res.get("failed"):
                entry["spf"]["recheck"] = "failed: %s" % (res.get("msg") or "")
            elif res.get("changed"):
                entry["spf"]["recheck"] = "include missing"
            else:
                entry["spf"]["recheck"] = "ok"
            for key in ("record_after", "void_lookups", "size"):
                if res.get(key) is not None:
                    entry["spf"][key] = res.get(key)
            if res.get("lookups") is not None:
                entry["spf"]["lookups"] = _lookups(res)
        res = cres_by.get(name)
        if res is not None and not res.get("skipped"):
            entry["spf"]["cres"] = _spf_cres_entry(res, cres_addresses)
        res = tls_by.get(name)
        if res is not None and not res.get("skipped"):
            entry["tls"] = cres_report_tls(res)
        out.append(entry)
    return out


def cres_report_dialect(results):
    """What the appliance asked that the dialect did not know (``unknown_questions``) or worded
    otherwise (rehearsal ``questions``), over the results of one appliance's ESA tasks."""
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError("cres_report_dialect: expected a list of task results")
    rehearsals = [r["rehearsal"] for r in results if _is_mapping(r) and _is_mapping(r.get("rehearsal"))]
    questions = []
    seen = set()
    for result in results:
        if not _is_mapping(result):
            continue
        found = list((result.get("rehearsal") or {}).get("questions") or [])
        found += [{"dialog": q.get("dialog"), "step": q.get("after_step"), "status": "new",
                   "question": q.get("question"), "answer": q.get("answer")}
                  for q in result.get("unknown_questions") or []]
        for item in found:
            key = (item.get("dialog"), item.get("status"), item.get("question"))
            if key not in seen:
                seen.add(key)
                questions.append(dict(item))
    return {"rehearsal": bool(rehearsals),
            "matched": all(r.get("matched") for r in rehearsals) and not questions,
            "dialogs": sum(len(r.get("dialogs") or []) for r in rehearsals),
            "questions": questions}


def _dialect_summary(dialect):
    if not _is_mapping(dialect):
        return ""
    if dialect.get("rehearsal"):
        if dialect.get("matched"):
            return "rehearsed: %d dialogs matched" % dialect.get("dialogs", 0)
        return "rehearsed: %d question(s) new or differed" % len(dialect.get("questions") or [])
    return "%d question(s) new or differed" % len(dialect["questions"]) if dialect.get("questions") else "as expected"


def cres_report_certificate(acme_state, result=None, check_mode=False, given=None):
    """The certificate an appliance presents after the run: issuer, not-after, days left, renewed.

    ``acme_state`` is the role's ACME decision for the appliance (cres_tls_certificate_source=acme:
    names, due, reason, installed, new); ``result`` the registered certificate step; ``given``
    the preflight's certificate_check result of a certificate from files.
    """
    step = cres_report_step(result, check_mode)
    if _is_mapping(acme_state) and acme_state:
        installed = acme_state.get("installed") or {}
        new = acme_state.get("new") or {}
        if acme_state.get("due") and new and step != "failed":
            # Installed by this appliance, or by the member that configures its cluster.
            current, renewed, status = new, True, "renewed"
        elif acme_state.get("due"):
            current, renewed = installed, False
            status = "would renew" if check_mode else ("install failed" if step == "failed" else "not renewed")
        else:
            current, renewed, status = installed, False, "kept"
        return {"source": "acme", "names": list(acme_state.get("names") or []), "issuer": current.get("issuer"),
                "not_after": current.get("not_after"), "days_left": current.get("days_left"), "renewed": renewed,
                "status": status, "reason": acme_state.get("reason") or ""}
    facts = given.get("certificate") if _is_mapping(given) else None
    if not _is_mapping(facts) or not facts:
        return {}
    return {"source": "files", "names": list(facts.get("san") or []), "issuer": facts.get("issuer"),
            "not_after": facts.get("not_after"), "days_left": facts.get("days_remaining"),
            "renewed": step == "changed", "status": {"changed": "installed", "would change": "would install"}.get(
                step, "unchanged" if step == "ok" else step), "reason": ""}


def cres_report_appliance(results, name, appliance=None, check_mode=False, configures=False, acme=None, given=None):
    """One appliance's entry of the report, from the registered results of its steps.

    ``results``: ``{certificate, policy, sender_group, commit, tls}`` (registered results, empty
    when a step did not run); ``appliance``: what the preflight found (``cluster``,
    ``listener``); ``configures``: whether this appliance configured (else a cluster member that
    was only read); ``acme`` / ``given``: see ``cres_report_certificate``.
    """
    if not _is_mapping(results):
        raise AnsibleFilterError("cres_report_appliance: expected the step results as a dictionary")
    appliance = appliance if _is_mapping(appliance) else {}
    steps = {key: cres_report_step(results.get(key) or {}, check_mode) for key in ("certificate", "policy",
                                                                                   "sender_group", "commit")}
    if check_mode and any((results.get(key) or {}).get("changed") for key in ("certificate", "policy", "sender_group")):
        steps["commit"] = "would change"
    return {
        "name": name,
        "cluster": appliance.get("cluster") or "",
        "role": "configures" if configures else "cluster member (read, verified)",
        "listener": appliance.get("listener") or "",
        "steps": steps,
        "tls": cres_report_tls(results.get("tls") or {}),
        "certificate": cres_report_certificate(acme or {}, results.get("certificate") or {}, check_mode, given=given or {}),
        "dialect": cres_report_dialect([results.get(key) or {}
                                        for key in ("certificate", "policy", "sender_group", "commit")]),
    }


def cres_report_appliances(hosts, check_mode=False, results=None, appliance=None, configurers=None, acme=None,
                           given=None):
    """The entries of several appliances from their host variables (``hostvars[host]``, with
    ``inventory_hostname``): ``results`` maps each step to the name of the variable its result
    was registered in, ``appliance`` / ``configurers`` / ``acme`` / ``given`` name the variables of
    the other inputs of ``cres_report_appliance``. The role names its own variables; this filter
    knows none of them."""
    if isinstance(hosts, (str, bytes)) or not hasattr(hosts, "__iter__") or not _is_mapping(results):
        raise AnsibleFilterError("cres_report_appliances: expected a list of host variables and the results' names")

    def value(host, name, default):
        found = host.get(name) if name else None
        return default if found is None else found

    entries = []
    for host in hosts:
        name = host["inventory_hostname"]
        entries.append(cres_report_appliance(
            {step: value(host, var, {}) for step, var in results.items()}, name, value(host, appliance, {}),
            check_mode, configures=bool(value(host, configurers, {}).get(name)), acme=value(host, acme, {}),
            given=value(host, given, {})))
    return entries


def _common_name(dn):
    """The CN of an RFC 4514 name (the table is narrow; the JSON keeps the whole name)."""
    for part in str(dn or "").split(","):
        if part.strip().upper().startswith("CN="):
            return part.strip()[3:]
    return dn


def cres_report_problems(report):
    """Reasons the run is not done (empty when everything passed)."""
    if not _is_mapping(report):
        raise AnsibleFilterError("cres_report_problems: expected the report dictionary")
    minimum = report.get("min_verdict") or "verified"
    problems = []
    for app in report.get("appliances") or []:
        for key, label in STEP_NAMES:
            if (app.get("steps") or {}).get(key) == "failed":
                problems.append("%s: %s failed" % (app.get("name"), label))
        tls = app.get("tls") or {}
        if tls.get("error"):
            problems.append("%s: TLS check failed: %s" % (app.get("name"), tls["error"]))
        elif tls.get("verdict") is not None and not cres_report_verdict_ok(tls["verdict"], minimum):
            problems.append("%s: TLS verdict %s is below %s%s" % (
                app.get("name"), tls["verdict"], minimum, _reasons(tls)))
    for dom in report.get("domains") or []:
        spf = dom.get("spf") or {}
        if spf.get("status") == "failed":
            problems.append("%s: SPF include failed: %s" % (dom.get("name"), spf.get("error", "")))
        recheck = spf.get("recheck")
        if recheck and recheck != "ok":
            problems.append("%s: SPF re-check: %s" % (dom.get("name"), recheck))
        cres = spf.get("cres") or {}
        if cres.get("status") == "failed":
            problems.append("%s: SPF check of the CRES addresses failed: %s" % (dom.get("name"), cres.get("error")))
        elif cres.get("status") == "fail":
            failing = ["%s%s: %s%s" % (a.get("address"), " (%s)" % a["host"] if a.get("host") else "", a.get("result"),
                                       " at %s" % a["mechanism"] if a.get("mechanism") else
                                       " (%s)" % a["cause"] if a.get("cause") else "")
                       for a in cres.get("addresses") or [] if a.get("result") != "pass"]
            problems.append("%s: SPF does not pass for %d of %d CRES sending addresses: %s" % (
                dom.get("name"), len(failing) or cres.get("total", 0), cres.get("total", 0),
                "; ".join(failing) or "no result"))
        tls = dom.get("tls") or {}
        if tls.get("error"):
            problems.append("%s: TLS check failed: %s" % (dom.get("name"), tls["error"]))
        elif tls.get("verdict") is not None and not cres_report_verdict_ok(tls["verdict"], minimum):
            problems.append("%s: TLS verdict %s is below %s%s" % (
                dom.get("name"), tls["verdict"], minimum, _reasons(tls)))
    return problems


def _reasons(tls):
    reasons = ["%s: %s" % (h.get("host"), h.get("reason")) for h in tls.get("hosts") or []
               if h.get("reason") and h.get("verdict") != "verified"]
    if tls.get("reason"):
        reasons.append(str(tls["reason"]))
    return " (%s)" % "; ".join(reasons) if reasons else ""


def _cell(value):
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("\n", " ")


def _table(headers, rows):
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [sep, "| " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(headers)) + " |", sep]
    for row in cells:
        lines.append("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(row)) + " |")
    lines.append(sep)
    return lines


def _tls_summary(tls):
    if not tls:
        return "-", "-"
    if tls.get("error"):
        return "error", tls["error"]
    hosts = tls.get("hosts") or []
    names = ", ".join(sorted({"%s" % h.get("host") for h in hosts})) or tls.get("reason") or "-"
    return _cell(tls.get("verdict")), names


def _cres_summary(cres):
    if not cres:
        return "-"
    if cres.get("status") == "failed":
        return "error"
    return "%s %d/%d" % ("pass" if cres.get("status") == "pass" else "FAIL", cres.get("passed", 0),
                         cres.get("total", 0))


def cres_report_table(report):
    """Render the report as a text table."""
    if not _is_mapping(report):
        raise AnsibleFilterError("cres_report_table: expected the report dictionary, got %s"
                                 % type(report).__name__)
    check_mode = bool(report.get("check_mode"))
    minimum = report.get("min_verdict") or "verified"
    lines = ["CRES TLS run report%s - TLS verdict required: %s%s" % (
        " (CHECK MODE: nothing was changed, 'would change' shows what a real run does)"
        if check_mode else "", minimum,
        " - front gateway mode" if report.get("front_gateway") else "")]
    if report.get("generated_at"):
        lines.append("generated at %s" % report["generated_at"])
    apps = report.get("appliances") or []
    if apps:
        rows = []
        for app in apps:
            steps = app.get("steps") or {}
            verdict, hosts = _tls_summary(app.get("tls"))
            rows.append([app.get("name"), app.get("cluster"), app.get("role")]
                        + [steps.get(key) for key, _label in STEP_NAMES]
                        + [verdict, hosts, _dialect_summary(app.get("dialect"))])
        lines.append("")
        lines.append("Appliances")
        lines.extend(_table(["appliance", "cluster", "role"] + [label for _k, label in STEP_NAMES]
                            + ["TLS verdict", "checked", "CLI dialogs"], rows))
        asked = [[app.get("name"), q.get("dialog"), q.get("step"), q.get("status"), q.get("question"),
                  q.get("answer") or ""]
                 for app in apps for q in (app.get("dialect") or {}).get("questions") or []]
        if asked:
            lines.append("")
            lines.append("Questions the appliance asked that differ from docs/asyncos-dialect.md "
                         "(new: answered with its default)")
            lines.extend(_table(["appliance", "dialog", "after step", "status", "question", "answer"], asked))
    certs = [[app.get("name"), ", ".join(c.get("names") or []), _common_name(c.get("issuer")), c.get("not_after"),
              c.get("days_left"), c.get("status")]
             for app in apps for c in [app.get("certificate") or {}] if c]
    if certs:
        lines.append("")
        lines.append("Certificates the listeners present")
        lines.extend(_table(["appliance", "names", "issuer", "not after", "days left", "renewed"], certs))
    doms = report.get("domains") or []
    if doms:
        rows = []
        for dom in doms:
            spf = dom.get("spf") or {}
            verdict, hosts = _tls_summary(dom.get("tls"))
            rows.append([dom.get("name"), spf.get("status"), spf.get("lookups"),
                         spf.get("void_lookups"), spf.get("recheck"), _cres_summary(spf.get("cres")),
                         verdict, hosts])
        lines.append("")
        lines.append("Domains")
        lines.extend(_table(["domain", "SPF include", "SPF lookups", "void lookups",
                             "SPF re-check", "CRES SPF", "TLS verdict", "MX hosts checked"], rows))
        cres_rows = [[dom.get("name"), a.get("host"), a.get("address"), a.get("result"),
                      a.get("mechanism") or a.get("cause")]
                     for dom in doms for a in ((dom.get("spf") or {}).get("cres") or {}).get("addresses") or []]
        if cres_rows:
            lines.append("")
            lines.append("SPF result of CRES's sending addresses")
            lines.extend(_table(["domain", "CRES host", "address", "SPF", "decided by"], cres_rows))
        records = [(d.get("name"), (d.get("spf") or {}).get("record_after")) for d in doms]
        records = [(n, r) for n, r in records if r]
        if records:
            lines.append("")
            for name, record in records:
                lines.append("SPF %s: %s" % (name, record))
    problems = report.get("problems")
    if problems is None:
        problems = cres_report_problems(report)
    lines.append("")
    if problems and check_mode:
        lines.append("Findings now (check mode; the changes above would address the appliance side):")
        lines.extend("  - %s" % p for p in problems)
    elif problems:
        lines.append("NOT DONE:")
        lines.extend("  - %s" % p for p in problems)
    elif check_mode:
        lines.append("Check mode: no problem found in what could be checked without changing anything.")
    else:
        lines.append("RESULT: all checks passed.")
    return "\n".join(lines)


class FilterModule:
    """mailsec.cres report filters."""

    def filters(self):
        return {
            "cres_report_step": cres_report_step,
            "cres_report_verdict_ok": cres_report_verdict_ok,
            "cres_report_tls": cres_report_tls,
            "cres_report_domains": cres_report_domains,
            "cres_report_problems": cres_report_problems,
            "cres_report_dialect": cres_report_dialect,
            "cres_report_table": cres_report_table,
            "cres_report_certificate": cres_report_certificate,
            "cres_report_appliance": cres_report_appliance,
            "cres_report_appliances": cres_report_appliances,
        }
