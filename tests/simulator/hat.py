"""Host Access Table: defaults, rendering (§4), sender syntax, parameter values, matching."""

from __future__ import annotations

import copy
import ipaddress
import re

BEHAVIORS = ["ACCEPT", "RELAY", "REJECT", "TCPREFUSE", "CONTINUE"]
BEHAVIOR_LABELS = {"ACCEPT": "Accept", "RELAY": "Relay", "REJECT": "Reject", "TCPREFUSE": "TCP Refuse",
                   "CONTINUE": "Continue"}

# The listener defaults the simulator keeps (hat_default_* of the XML; XSL names
# hat_default_smtpauth_allow / hat_default_smtpauth_requiretls), in dialog order.
DEFAULT_KEYS = ["max_message_size", "max_concurrency", "max_msgs_per_session", "max_rcpts_per_msg",
                "max_rcpts_per_hour", "tls", "smtpauth_allow", "smtpauth_requiretls"]
AS_BOX_DEFAULTS = {"max_message_size": "10M", "max_concurrency": "10", "max_msgs_per_session": "10",
                   "max_rcpts_per_msg": "50", "max_rcpts_per_hour": "-1", "tls": "off", "smtpauth_allow": "off",
                   "smtpauth_requiretls": "off"}
# Order of keys inside a policy block (the parameter dialog's order, IAF-L12); unknown keys follow sorted.
PARAM_ORDER = ["max_message_size", "max_concurrency", "max_msgs_per_session", "max_rcpts_per_msg",
               "override_hostname", "smtp_banner_code", "smtp_banner_text", "dhap", "max_rcpts_per_hour",
               "use_sb", "spam_check", "virus_check", "sdr", "outbreak_filters", "phishing", "graymail",
               "content_filters", "message_filters", "tls", "smtpauth_allow", "smtpauth_requiretls", "dkim_signing",
               "smime", "dkim_verification", "spf_verification", "dmarc_verification", "sender_verification",
               "domain_exception", "untagged_bounces"]
TLS_VALUES = ["off", "preferred", "required", "preferred_verify", "required_verify"]
TLS_LABELS = ["No", "Preferred", "Required", "Preferred - Verify", "Required - Verify"]
AUTH_VALUES = ["off", "preferred", "required"]
AUTH_LABELS = ["No", "Preferred", "Required"]

NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def default_hat() -> dict:
    """The HAT of a fresh public listener (realistic AsyncOS defaults)."""
    return {
        "policies": [
            {"name": "BLOCKED", "behavior": "REJECT", "params": {}},
            {"name": "TRUSTED", "behavior": "ACCEPT",
             "params": {"max_rcpts_per_hour": "-1", "use_sb": "off", "spam_check": "off"}},
            {"name": "ACCEPTED", "behavior": "ACCEPT", "params": {}},
            {"name": "THROTTLED", "behavior": "ACCEPT",
             "params": {"max_msgs_per_session": "10", "max_concurrency": "10", "max_rcpts_per_msg": "25",
                        "max_rcpts_per_hour": "20"}},
        ],
        "sender_groups": [
            {"name": "ALLOWED_LIST", "senders": [], "policy": "TRUSTED", "inline": None,
             "comment": "My trusted senders have no anti-spam scanning or rate limiting"},
            {"name": "BLOCKED_LIST", "senders": ["sbrs[-10.0:-3.0]"], "policy": "BLOCKED", "inline": None,
             "comment": "Spammers are rejected"},
            {"name": "SUSPECTLIST", "senders": ["sbrs[-3.0:-1.0]"], "policy": "THROTTLED", "inline": None,
             "comment": "Suspicious senders are throttled"},
            {"name": "UNKNOWNLIST", "senders": ["sbrs[-1.0:10.0]", "sbrs[none]"], "policy": "ACCEPTED",
             "inline": None, "comment": "Reviewed but undecided, continue normal acceptance"},
        ],
        "default_policy": "ACCEPTED",
    }


def normalize_hat(hat) -> dict:
    if hat in (None, "default"):
        return default_hat()
    out = {"policies": [], "sender_groups": [], "default_policy": hat.get("default_policy", "ACCEPTED")}
    for p in hat.get("policies", []):
        out["policies"].append({"name": p["name"], "behavior": p.get("behavior", "ACCEPT").upper(),
                                "params": {k: str(v) for k, v in (p.get("params") or {}).items()}})
    for g in hat.get("sender_groups", []):
        inline = g.get("inline")
        if inline:
            inline = {"behavior": inline.get("behavior", "ACCEPT").upper(),
                      "params": {k: str(v) for k, v in (inline.get("params") or {}).items()}}
        senders = []
        for s in g.get("senders", []):
            n = normalize_sender(str(s))
            if n is None:
                raise ValueError(f"data file: invalid sender {s!r} in group {g['name']}")
            senders.append(n)
        out["sender_groups"].append({"name": g["name"], "senders": senders,
                                     "policy": None if inline else g.get("policy", "ACCEPTED"),
                                     "inline": inline, "comment": g.get("comment", "") or ""})
    return out


def _ordered(params: dict) -> list:
    known = [k for k in PARAM_ORDER if k in params]
    return known + sorted(k for k in params if k not in PARAM_ORDER)


def render_block(behavior: str, params: dict, indent: str = "    ") -> list[str]:
    if not params:
        return [f"{indent}{behavior} {{}}"]
    lines = [f"{indent}{behavior} {{"]
    lines += [f'{indent}    {k} = "{params[k]}"' for k in _ordered(params)]
    lines.append(f"{indent}}}")
    return lines


def render_policy(p: dict) -> list[str]:
    return [f"${p['name']}"] + render_block(p["behavior"], p["params"])


def render_group(g: dict) -> list[str]:
    lines = [f"{g['name']}:"] + [f"    {s}" for s in g["senders"]]
    comment = f" ({g['comment']})" if g.get("comment") else ""
    if g.get("inline"):
        block = render_block(g["inline"]["behavior"], g["inline"]["params"])
        block[-1] += comment
        lines += block
    else:
        lines.append(f"    ${g['policy']}{comment}")
    return lines


def render_hat(hat: dict) -> str:
    """The HAT text of §4 (no trailing newline)."""
    blocks = [render_policy(p) for p in hat["policies"]]
    blocks += [render_group(g) for g in hat["sender_groups"]]
    blocks.append(["ALL", f"    ${hat['default_policy']}"])
    return "\n\n".join("\n".join(b) for b in blocks)


# ---------------------------------------------------------------- senders
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"(\.)?({_LABEL}(?:\.{_LABEL})*)")
_RANGE_RE = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})-(\d{1,3})")
_PARTIAL_RE = re.compile(r"(?:\d{1,3}\.){1,3}")
_SBRS_RE = re.compile(r"sbrs\[\s*(?:(none)|(-?\d+(?:\.\d+)?)\s*:\s*(-?\d+(?:\.\d+)?))\s*\]", re.I)


def _octets_ok(parts) -> bool:
    return all(p == str(int(p)) and 0 <= int(p) <= 255 for p in parts)


def normalize_sender(s: str) -> str | None:
    """The canonical form of one sender, or None when the box would refuse it."""
    s = s.strip()
    if not s or " " in s:
        return None
    m = _SBRS_RE.fullmatch(s)
    if m:
        if m.group(1):
            return "sbrs[none]"
        lo, hi = float(m.group(2)), float(m.group(3))
        if not (-10.0 <= lo <= hi <= 10.0):
            return None
        return f"sbrs[{lo:.1f}:{hi:.1f}]"
    if s.lower().startswith("sbrs"):
        return None
    if ":" in s:  # IPv6 address or network
        try:
            if "/" in s:
                return str(ipaddress.IPv6Network(s, strict=True))
            return str(ipaddress.IPv6Address(s))
        except ValueError:
            return None
    if "/" in s:
        try:
            net = ipaddress.IPv4Network(s, strict=True)
        except ValueError:
            return None
        return s if str(net) == s else None
    m = _RANGE_RE.fullmatch(s)
    if m:
        parts = m.groups()
        if not _octets_ok(parts) or int(parts[3]) > int(parts[4]):
            return None
        return s
    if _PARTIAL_RE.fullmatch(s):
        return s if _octets_ok(s.rstrip(".").split(".")) else None
    if re.fullmatch(r"[\d.]+", s):
        try:
            ipaddress.IPv4Address(s)
        except ValueError:
            return None
        return s
    m = _HOST_RE.fullmatch(s)
    if m and len(s) <= 253 and not m.group(2).rsplit(".", 1)[-1].isdigit():
        return s
    return None


def sender_matches(sender: str, ip: str) -> bool:
    """Does a connecting IP match one sender line? (Names and SBRS never match: no DNS, no SBRS.)"""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if sender.startswith("sbrs["):
        return False
    try:
        if "/" in sender:
            return addr in ipaddress.ip_network(sender, strict=False)
        if ":" in sender or re.fullmatch(r"[\d.]+", sender) and sender.count(".") == 3 and not sender.endswith("."):
            return addr == ipaddress.ip_address(sender)
    except ValueError:
        return False
    m = _RANGE_RE.fullmatch(sender)
    if m and addr.version == 4:
        a = str(addr).split(".")
        p = m.groups()
        return a[:3] == list(p[:3]) and int(p[3]) <= int(a[3]) <= int(p[4])
    if _PARTIAL_RE.fullmatch(sender) and addr.version == 4:
        return (str(addr) + ".").startswith(sender) if sender.endswith(".") else False
    return False


def policy_for_ip(hat: dict, ip: str) -> tuple[str, dict]:
    """(behavior, params) of the first sender group matching ip, else the ALL policy."""
    policies = {p["name"]: p for p in hat["policies"]}
    for g in hat["sender_groups"]:
        if any(sender_matches(s, ip) for s in g["senders"]):
            if g.get("inline"):
                return g["inline"]["behavior"], g["inline"]["params"]
            p = policies.get(g["policy"])
            if p:
                return p["behavior"], p["params"]
    p = policies.get(hat["default_policy"], {"behavior": "ACCEPT", "params": {}})
    return p["behavior"], p["params"]


# ---------------------------------------------------------------- parameter values
SIZE_RE = re.compile(r"(\d+)([kKmM]?)")
MAX_SIZE = 1024 * 1024 * 1024


def size_bytes(v: str) -> int:
    m = SIZE_RE.fullmatch(v)
    n = int(m.group(1))
    unit = m.group(2).lower()
    return n * (1024 if unit == "k" else 1024 * 1024 if unit == "m" else 1)


INT_RANGES = {"max_concurrency": (1, 1000), "max_msgs_per_session": (1, 1000000),
              "max_rcpts_per_msg": (1, 100000)}


def check_value(key: str, raw: str) -> tuple[str | None, str | None]:
    """(canonical value, None) or (None, error line) for a typed parameter value."""
    if key == "max_message_size":
        if not SIZE_RE.fullmatch(raw):
            return None, "You must enter a number, optionally followed by k or M."
        m = SIZE_RE.fullmatch(raw)
        if not 1 <= size_bytes(raw) <= MAX_SIZE:
            return None, "Value must be between 1 and 1024M."
        return str(int(m.group(1))) + (m.group(2).lower() if m.group(2).lower() == "k" else m.group(2).upper()), None
    if key in INT_RANGES:
        lo, hi = INT_RANGES[key]
        if not re.fullmatch(r"-?\d+", raw):
            return None, "You must enter a number."
        if not lo <= int(raw) <= hi:
            return None, f"Value must be an integer from {lo} to {hi}."
        return str(int(raw)), None
    if key == "max_rcpts_per_hour":
        if not re.fullmatch(r"-?\d+", raw):
            return None, "You must enter a number."
        n = int(raw)
        if n != -1 and not 1 <= n <= 1000000000:
            return None, "Value must be -1 (unlimited) or an integer from 1 to 1000000000."
        return str(n), None
    if key == "smtp_banner_code":
        if not re.fullmatch(r"\d+", raw):
            return None, "You must enter a number."
        if not 200 <= int(raw) <= 599:
            return None, "Value must be an integer from 200 to 599."
        return raw, None
    return raw, None


def human_default(key: str, value: str) -> str:
    if key == "max_rcpts_per_hour":
        return "Unlimited" if value == "-1" else value
    if key == "tls":
        return TLS_LABELS[TLS_VALUES.index(value)] if value in TLS_VALUES else value
    if key == "smtpauth_allow":
        return AUTH_LABELS[AUTH_VALUES.index(value)] if value in AUTH_VALUES else value
    return value


def effective_params(listener: dict, params: dict) -> dict:
    eff = dict(copy.deepcopy(listener["hat_defaults"]))
    eff.update(params)
    return eff
