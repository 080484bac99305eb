"""`listenerconfig`: listing, EDIT, CERTIFICATE, HOSTACCESS (docs/asyncos-dialect.md §5)."""

from __future__ import annotations

from tests.simulator import hat as hatmod
from tests.simulator.commands import invalid_args, not_implemented, resolve_level

CMD = "listenerconfig"
SECTION = "listeners"
DEMO_QUESTION = ("You may use the demo certificate to test TLS, but this will not be secure. "
                 "Do you really wish to use the demo certificate?")
HOSTS_QUESTION = (
    "Enter the hosts to add.  CIDR addresses such as 10.1.1.0/24 are allowed.  IP address ranges\n"
    "such as 10.1.1.10-20 are allowed.  IP subnets such as 10.2.3. are allowed.  Hostnames such as\n"
    "crm.example.com are allowed.  Partial hostnames such as .example.com are allowed.\n"
    "Ranges of SenderBase Reputation scores such as SBRS[7.5:10.0] are allowed.\n"
    "Separate multiple hosts with commas")
NAME_ERROR = 'You must enter a name containing only letters, numbers, "-" and "_".'


class Ctx:
    """What one listenerconfig run edits: the working copy of the listeners at one level."""

    def __init__(self, s, level):
        self.s = s
        self.t = s.term
        self.level = level
        self.listeners = s.working(level, SECTION)

    def changed(self):
        self.s.mark(self.level, SECTION, self.listeners, CMD)


async def cmd_listenerconfig(s, args, raw):
    if args:
        return await invalid_args(s, raw)
    level = await resolve_level(s, CMD)
    if level is None:
        return
    c = Ctx(s, level)
    t = s.term
    while True:
        await t.line("")
        if c.listeners:
            await t.line("Currently configured listeners:")
            for i, L in enumerate(c.listeners, 1):
                await t.line(f"{i}. {L['name']} (on {L['interface']}, {L['ip']}) {L['protocol']} TCP Port "
                             f"{L['port']} {L['type'].capitalize()}")
        else:
            await t.line("There are no listeners configured.")
        op = await t.menu([("NEW", "Create a new listener."), ("EDIT", "Modify a listener."),
                           ("DELETE", "Remove a listener."), ("SETUP", "Change global settings.")])
        if not op:
            return
        if op == "EDIT":
            await edit_listener(c)
        else:
            await not_implemented(s, f"listenerconfig {op}")


async def edit_listener(c: Ctx):
    t = c.t
    while True:
        a = await t.ask("Enter the name or number of the listener you wish to edit.", "")
        if not a:
            return
        L = _find_listener(c.listeners, a)
        if L is not None:
            break
        await t.line(f'Listener "{a}" does not exist.')
    while True:
        await t.line("")
        await t.line(f"Name: {L['name']}")
        await t.line(f"Type: {L['type'].capitalize()}")
        await t.line(f"Interface: {L['interface']} ({L['ip']}/{L['prefix']}) TCP Port {L['port']}")
        await t.line(f"Protocol: {L['protocol']}")
        await t.line(f"Certificate: {L['certificate']}")
        op = await t.menu([
            ("NAME", "Change the name of the listener."), ("INTERFACE", "Change the interface."),
            ("CERTIFICATE", "Choose the certificate."), ("LIMITS", "Change the injection limits."),
            ("SETUP", "Configure general options."), ("HOSTACCESS", "Modify the Host Access Table."),
            ("RCPTACCESS", "Modify the Recipient Access Table.")])
        if not op:
            return
        if op == "CERTIFICATE":
            await choose_certificate(c, L)
        elif op == "HOSTACCESS":
            await hostaccess(c, L)
        else:
            await not_implemented(c.s, f"listenerconfig EDIT {op}")


def _find_listener(listeners, a):
    if a.isdigit():
        n = int(a)
        return listeners[n - 1] if 1 <= n <= len(listeners) else None
    for L in listeners:
        if L["name"] == a:
            return L
    return None


async def choose_certificate(c: Ctx, L):
    t = c.t
    names = [p["name"] for p in (c.s.effective("certificates") or [])]
    if not names:
        await t.line("There are no certificate profiles.")
        return
    default = names.index(L["certificate"]) if L["certificate"] in names else 0
    idx = await t.choose("Choose the certificate:", names, default=default)
    chosen = names[idx]
    if chosen == "Demo" and not await t.yesno(DEMO_QUESTION, False):
        return
    if chosen != L["certificate"]:
        L["certificate"] = chosen
        c.changed()


# ---------------------------------------------------------------- HOSTACCESS
async def hostaccess(c: Ctx, L):
    t = c.t
    while True:
        d = L["hat_defaults"]
        await t.line("")
        await t.line("Default Policy Parameters")
        await t.line("==========================")
        await t.line(f"Maximum Message Size: {d['max_message_size']}")
        await t.line(f"Maximum Number Of Concurrent Connections From A Single IP: {d['max_concurrency']}")
        await t.line(f"Maximum Number Of Messages Per Connection: {d['max_msgs_per_session']}")
        await t.line(f"Maximum Number Of Recipients Per Message: {d['max_rcpts_per_msg']}")
        await t.line(f"Maximum Number Of Recipients Per Hour: "
                     f"{hatmod.human_default('max_rcpts_per_hour', d['max_rcpts_per_hour'])}")
        await t.line(f"TLS Support: {hatmod.human_default('tls', d['tls'])}")
        await t.line(f"SMTP Authentication: {hatmod.human_default('smtp_auth', d['smtp_auth'])}")
        await t.line("")
        await t.line(f"There are currently {len(L['hat']['policies'])} policies defined.")
        await t.line(f"There are currently {len(L['hat']['sender_groups'])} sender groups.")
        op = await t.menu([
            ("NEW", "Create a new entry."), ("EDIT", "Modify an entry."), ("DELETE", "Remove an entry."),
            ("MOVE", "Move an entry."), ("DEFAULT", "Set the defaults."), ("PRINT", "Display the table."),
            ("IMPORT", "Import a table from a file."), ("EXPORT", "Export the table to a file."),
            ("RESET", "Remove senders and set policies to system default.")])
        if not op:
            return
        if op == "NEW":
            idx = await t.choose(None, ["New Sender Group", "New Policy"], default=0)
            await (new_group(c, L) if idx == 0 else new_policy(c, L))
        elif op == "EDIT":
            idx = await t.choose(None, ["Edit Sender Group", "Edit Policy"], default=0)
            await (edit_group(c, L) if idx == 0 else edit_policy(c, L))
        elif op == "DELETE":
            idx = await t.choose(None, ["Delete Sender Group", "Delete Policy"], default=0)
            await (delete_group(c, L) if idx == 0 else delete_policy(c, L))
        elif op == "MOVE":
            await move_group(c, L)
        elif op == "DEFAULT":
            if await params_dialog(c, L, L["hat_defaults"], defaults_mode=True):
                c.changed()
        elif op == "PRINT":
            await t.line("")
            await t.line(hatmod.render_hat(L["hat"]))
        else:
            await not_implemented(c.s, f"HOSTACCESS {op}")


def _names(L, kind: str) -> list[str]:
    """Names a new entry may not take: groups and policies share one namespace per listener.

    The box's own error text ("A sender group or policy named ...") says so; the stricter
    reading is the one the simulator must take (docs/asyncos-dialect.md §9).
    """
    del kind  # one namespace for both kinds
    return ([g["name"] for g in L["hat"]["sender_groups"]] + ["ALL"]
            + [p["name"] for p in L["hat"]["policies"]])


async def ask_new_name(c: Ctx, L, question: str, default: str = "", keep: str | None = None,
                       kind: str = "group") -> str | None:
    """A valid name unused among the groups (or the policies); None on an empty answer (or == keep)."""
    t = c.t
    while True:
        a = await t.ask(question, default)
        if not a or a == keep:
            return None
        if not hatmod.NAME_RE.fullmatch(a):
            await t.line(NAME_ERROR)
            continue
        taken = [n.lower() for n in _names(L, kind) if n != keep]
        if a.lower() in taken:
            await t.line(f'A sender group or policy named "{a}" already exists.')
            continue
        return a


async def ask_hosts(c: Ctx) -> list[str] | None:
    t = c.t
    while True:
        a = await t.ask(HOSTS_QUESTION, "")
        if not a:
            return None
        out, bad = [], None
        for item in a.split(","):
            if not item.strip():
                continue
            n = hatmod.normalize_sender(item)
            if n is None:
                bad = item.strip()
                break
            if n not in out:
                out.append(n)
        if bad is not None:
            await t.line(f"Invalid host: {bad}")
            continue
        if out:
            return out


def _behavior_items(L, with_policies: bool) -> tuple[list[str], list]:
    labels = [hatmod.BEHAVIOR_LABELS[b] for b in hatmod.BEHAVIORS]
    values: list = [("inline", b) for b in hatmod.BEHAVIORS]
    if with_policies:
        for name in sorted(p["name"] for p in L["hat"]["policies"]):
            labels.append(f"Policy: {name}")
            values.append(("policy", name))
    return labels, values


async def new_group(c: Ctx, L):
    t = c.t
    name = await ask_new_name(c, L, "Enter a name for this sender group. (optional)")
    if name is None:
        return
    senders = await ask_hosts(c)
    if senders is None:
        return
    labels, values = _behavior_items(L, True)
    idx = await t.choose("Select a behavior for this entry.", labels, default=0)
    kind, val = values[idx]
    group = {"name": name, "senders": senders, "policy": None, "inline": None, "comment": ""}
    if kind == "policy":
        group["policy"] = val
    else:
        group["inline"] = {"behavior": val, "params": {}}
        if await t.yesno("Would you like to change the policy parameters?", False):
            await params_dialog(c, L, group["inline"]["params"])
    group["comment"] = await t.ask("Enter a comment for this sender group.", "")
    L["hat"]["sender_groups"].append(group)
    c.changed()


async def new_policy(c: Ctx, L):
    t = c.t
    name = await ask_new_name(c, L, "Enter a name for this policy.", kind="policy")
    if name is None:
        return
    labels, values = _behavior_items(L, False)
    idx = await t.choose("Select a behavior for this entry.", labels, default=0)
    policy = {"name": name, "behavior": values[idx][1], "params": {}}
    if await t.yesno("Would you like to change the policy parameters?", False):
        await params_dialog(c, L, policy["params"])
    L["hat"]["policies"].append(policy)
    c.changed()


async def pick(c: Ctx, items: list[str], names: list[str], question: str, what: str, listing: bool = True):
    """A numbered list (optional) then `question` `[]> `: index, or None on an empty answer."""
    t = c.t
    while True:
        if listing:
            for i, item in enumerate(items, 1):
                await t.line(("" if i > 1 else "\n") + f"{i}. {item}")
        a = await t.ask(question, "", blank=False)
        if not a:
            return None
        if a.isdigit():
            n = int(a)
            if 1 <= n <= len(names):
                return n - 1
            await t.line(f"Value must be an integer from 1 to {len(names)}.")
            continue
        if a in names:
            return names.index(a)
        await t.line(f'{what} "{a}" does not exist.')


def _group_items(L):
    return [f"{g['name']} ({g['comment']})" if g.get("comment") else g["name"] for g in L["hat"]["sender_groups"]]


async def edit_group(c: Ctx, L):
    t = c.t
    groups = L["hat"]["sender_groups"]
    if not groups:
        await t.line("There are no sender groups.")
        return
    idx = await pick(c, _group_items(L), [g["name"] for g in groups],
                     "Enter the sender group number or name you wish to edit.", "Sender group")
    if idx is None:
        return
    g = groups[idx]
    while True:
        op = await t.menu([("NEW", "Add a new host."), ("DELETE", "Remove a host."), ("MOVE", "Reorder the hosts."),
                           ("POLICY", "Change the policy settings and options."),
                           ("PRINT", "Display the current definition."), ("RENAME", "Rename this sender group.")])
        if not op:
            return
        if op == "NEW":
            hosts = await ask_hosts(c)
            if hosts is None:
                continue
            added = False
            for h in hosts:
                other = next((o["name"] for o in groups if o is not g and h in o["senders"]), None)
                if other and not await t.yesno(f"Host {h} is already in sender group {other}. Add anyway?", False):
                    continue
                if h not in g["senders"]:
                    g["senders"].append(h)
                    added = True
            if added:
                c.changed()
        elif op == "DELETE":
            if not g["senders"]:
                await t.line("There are no hosts in this sender group.")
                continue
            i = await pick(c, g["senders"], g["senders"], "Enter the host number or name you wish to delete.", "Host")
            if i is not None:
                del g["senders"][i]
                c.changed()
        elif op == "MOVE":
            if len(g["senders"]) < 2:
                await t.line("There are not enough hosts to reorder.")
                continue
            i = await pick(c, g["senders"], g["senders"], "Enter the host number or name you wish to move.", "Host")
            if i is None:
                continue
            j = await pick(c, [], g["senders"], "Enter the host number or name you wish to insert before.", "Host",
                           listing=False)
            if j is None or j == i:
                continue
            target = g["senders"][j]
            h = g["senders"].pop(i)
            g["senders"].insert(g["senders"].index(target), h)
            c.changed()
        elif op == "POLICY":
            if await group_policy(c, L, g):
                c.changed()
        elif op == "PRINT":
            await t.line("")
            await t.line("\n".join(hatmod.render_group(g)))
        elif op == "RENAME":
            new = await ask_new_name(c, L, "Enter the new name for this sender group.", g["name"], keep=g["name"])
            if new:
                g["name"] = new
                c.changed()


async def group_policy(c: Ctx, L, g) -> bool:
    t = c.t
    before = repr((g["policy"], g["inline"], g["comment"]))
    labels, values = _behavior_items(L, True)
    cur = ("policy", g["policy"]) if g["policy"] else ("inline", g["inline"]["behavior"])
    idx = await t.choose("Select a behavior for this entry.", labels,
                         default=values.index(cur) if cur in values else 0)
    kind, val = values[idx]
    if kind == "policy":
        g["policy"], g["inline"] = val, None
    else:
        params = dict(g["inline"]["params"]) if g["inline"] else {}
        g["policy"], g["inline"] = None, {"behavior": val, "params": params}
        if await t.yesno("Would you like to change the policy parameters?", False):
            await params_dialog(c, L, g["inline"]["params"])
    comment = await t.ask("Enter a comment for this sender group.", g["comment"])
    if comment:
        g["comment"] = comment
    return repr((g["policy"], g["inline"], g["comment"])) != before


async def edit_policy(c: Ctx, L):
    t = c.t
    policies = L["hat"]["policies"]
    if not policies:
        await t.line("There are no policies.")
        return
    idx = await pick(c, [p["name"] for p in policies], [p["name"] for p in policies],
                     "Enter the policy number or name you wish to edit.", "Policy")
    if idx is None:
        return
    p = policies[idx]
    while True:
        op = await t.menu([("NAME", "Change the name of this policy."),
                           ("POLICY", "Change the policy settings and options.")])
        if not op:
            return
        if op == "NAME":
            new = await ask_new_name(c, L, "Enter the new name for this policy.", p["name"], keep=p["name"],
                                     kind="policy")
            if new:
                old = p["name"]
                p["name"] = new
                for g in L["hat"]["sender_groups"]:
                    if g["policy"] == old:
                        g["policy"] = new
                if L["hat"]["default_policy"] == old:
                    L["hat"]["default_policy"] = new
                c.changed()
        elif op == "POLICY":
            before = repr(p)
            labels, values = _behavior_items(L, False)
            idx = await t.choose("Select a behavior for this entry.", labels,
                                 default=hatmod.BEHAVIORS.index(p["behavior"]))
            p["behavior"] = values[idx][1]
            if await t.yesno("Would you like to change the policy parameters?", False):
                await params_dialog(c, L, p["params"])
            if repr(p) != before:
                c.changed()


async def delete_group(c: Ctx, L):
    groups = L["hat"]["sender_groups"]
    if not groups:
        await c.t.line("There are no sender groups.")
        return
    idx = await pick(c, _group_items(L), [g["name"] for g in groups],
                     "Enter the sender group number or name you wish to delete.", "Sender group")
    if idx is not None:
        del groups[idx]
        c.changed()


async def delete_policy(c: Ctx, L):
    t = c.t
    policies = L["hat"]["policies"]
    if not policies:
        await t.line("There are no policies.")
        return
    idx = await pick(c, [p["name"] for p in policies], [p["name"] for p in policies],
                     "Enter the policy number or name you wish to delete.", "Policy")
    if idx is None:
        return
    name = policies[idx]["name"]
    default = L["hat"]["default_policy"]
    if name == default:
        await t.line(f'The policy "{name}" is the default policy (ALL) and cannot be deleted.')
        return
    users = [g for g in L["hat"]["sender_groups"] if g["policy"] == name]
    if users:
        q = (f'The policy "{name}" is used by the following sender groups: '
             f'{", ".join(g["name"] for g in users)}. Those sender groups will use the default policy. '
             f'Do you want to continue?')
        if not await t.yesno(q, False):
            return
        for g in users:
            g["policy"] = default
    del policies[idx]
    c.changed()


async def move_group(c: Ctx, L):
    t = c.t
    groups = L["hat"]["sender_groups"]
    if len(groups) < 2:
        await t.line("There are not enough sender groups to move.")
        return
    names = [g["name"] for g in groups]
    i = await pick(c, _group_items(L), names, "Enter the sender group number or name you wish to move.",
                   "Sender group")
    if i is None:
        return
    j = await pick(c, [], names, "Enter the sender group number or name you wish to insert before.",
                   "Sender group", listing=False)
    if j is None or i == j:
        return
    target = groups[j]
    g = groups.pop(i)
    groups.insert(groups.index(target), g)
    c.changed()


# ---------------------------------------------------------------- §5.4 parameters
VALUE_QUESTIONS = [
    ("max_message_size", "Enter the maximum message size.  Add a trailing k for kilobytes, M for megabytes, "
                         "or no letter for bytes."),
    ("max_concurrency", "Enter the maximum number of concurrent connections allowed from a single IP address."),
    ("max_msgs_per_session", "Enter the maximum number of messages per connection."),
    ("max_rcpts_per_msg", "Enter the maximum number of recipients per message."),
]
RCPTS_HOUR_Q = "Enter the maximum number of recipients per hour from a remote host."
FLAG_QUESTIONS = [  # (key, question, value when the box default applies)
    ("use_sb", "Would you like to use SenderBase for flow control by default?", True),
    ("spam_check", "Would you like to enable anti-spam scanning?", True),
    ("virus_check", "Would you like to enable anti-virus scanning?", True),
]
LATE_FLAGS = [
    ("dkim_signing", "Would you like to enable DKIM/DomainKeys signing?", False),
    ("spf_verification", "Would you like to enable SPF/SIDF verification?", False),
    ("envelope_sender_dns", "Would you like to enable envelope sender DNS verification?", False),
]


async def params_dialog(c: Ctx, L, params: dict, defaults_mode: bool = False) -> bool:
    """Walk §5.4 on params (a policy's dict, or the listener defaults). True if something changed."""
    t = c.t
    before = dict(params)
    defaults = L["hat_defaults"]
    suffix = "" if defaults_mode else '  Enter "default" to use the default.'

    async def value(key, question):
        while True:
            cur = params.get(key, defaults.get(key, ""))
            a = await t.ask(question + suffix, cur, blank=False)
            if not a:
                return
            if a.lower() == "default" and not defaults_mode:
                params.pop(key, None)
                return
            v, err = hatmod.check_value(key, a)
            if err:
                await t.line(err)
                continue
            params[key] = v
            return

    await t.line("")
    for key, q in VALUE_QUESTIONS:
        await value(key, q)
    if not defaults_mode:
        has_banner = "smtp_banner_code" in params
        if await t.yesno("Would you like to specify a custom SMTP response?", has_banner, blank=False):
            await value("smtp_banner_code", "Enter the SMTP code to use in the response.  220 is the standard code.")
            a = await t.ask("Enter your custom SMTP response.", params.get("smtp_banner_text", ""), blank=False)
            if a:
                params["smtp_banner_text"] = a
        else:
            params.pop("smtp_banner_code", None)
            params.pop("smtp_banner_text", None)
    q = RCPTS_HOUR_Q + ("  Enter -1 for unlimited." if defaults_mode else
                        '  Enter -1 for unlimited, "default" to use the default.')
    while True:
        cur = params.get("max_rcpts_per_hour", defaults["max_rcpts_per_hour"])
        a = await t.ask(q, cur, blank=False)
        if not a:
            break
        if a.lower() == "default" and not defaults_mode:
            params.pop("max_rcpts_per_hour", None)
            break
        v, err = hatmod.check_value("max_rcpts_per_hour", a)
        if err:
            await t.line(err)
            continue
        params["max_rcpts_per_hour"] = v
        break
    if not defaults_mode:
        for key, question, box_default in FLAG_QUESTIONS:
            on = params.get(key, "on" if box_default else "off") == "on"
            ans = await t.yesno(question, on, blank=False)
            if ans == box_default:
                params.pop(key, None)
            else:
                params[key] = "on" if ans else "off"
    await _list_param(c, L, params, "tls", "Do you want to allow encrypted TLS connections?",
                      hatmod.TLS_LABELS, hatmod.TLS_VALUES, defaults_mode)
    await _list_param(c, L, params, "smtp_auth", "Would you like to allow SMTP Authentication?",
                      hatmod.AUTH_LABELS, hatmod.AUTH_VALUES, defaults_mode)
    if not defaults_mode:
        for key, question, box_default in LATE_FLAGS:
            on = params.get(key, "on" if box_default else "off") == "on"
            ans = await t.yesno(question, on, blank=False)
            if ans == box_default:
                params.pop(key, None)
            else:
                params[key] = "on" if ans else "off"
    return params != before


async def _list_param(c: Ctx, L, params, key, title, labels, values, defaults_mode):
    t = c.t
    items = list(labels) + ([] if defaults_mode else ["Use the default"])
    if key in params and params[key] in values:
        default = values.index(params[key])
    else:
        default = len(values) if not defaults_mode else 0
    idx = await t.choose(title, items, default=default, blank=False)
    if t.last_empty:
        return
    if key == "tls" and idx != 0 and L["certificate"] == "Demo":
        if not await t.yesno(DEMO_QUESTION, False, blank=False):
            return
    if idx == len(values):
        params.pop(key, None)
    else:
        params[key] = values[idx]
