"""`listenerconfig`: listing, EDIT, CERTIFICATE, HOSTACCESS, as the public record shows them.

The order of every dialog follows Cisco's CLI test library (IAF, listenerconfig.py of
phoebe1210 = AsyncOS 12.1): NEW -> entry type -> name -> hosts (sender group) -> behaviour ->
"change the policy parameters?" -> the parameter sequence -> comment (sender group); EDIT of a
policy goes straight from the policy to the behaviour list; the entry-type list after EDIT and
DELETE is not always shown. Texts the record does not show are the collection's documented
assumptions (docs/asyncos-dialect.md); variant switches (profiles.VARIANTS) cover the other
readings.
"""

from __future__ import annotations

from tests.simulator import hat as hatmod
from tests.simulator.commands import invalid_args, not_implemented, resolve_level

CMD = "listenerconfig"
SECTION = "listeners"
HOSTS_QUESTION = (
    "Enter the hosts to add.  CIDR addresses such as 10.1.1.0/24 are allowed.  IP address ranges\n"
    "such as 10.1.1.10-20 are allowed.  IP subnets such as 10.2.3. are allowed.  Hostnames such as\n"
    "crm.example.com are allowed.  Partial hostnames such as .example.com are allowed.\n"
    "Ranges of SenderBase Reputation scores such as SBRS[7.5:10.0] are allowed.\n"
    "Separate multiple hosts with commas")
NAME_ERROR = 'You must enter a name containing only letters, numbers, "-" and "_".'
DEFAULT_SUFFIX = '  Enter "default" to use the default.'
REJECTING = ("REJECT", "TCPREFUSE")


class Ctx:
    """What one listenerconfig run edits: the working copy of the listeners at one level."""

    def __init__(self, s, level):
        self.s = s
        self.t = s.term
        self.app = s.app
        self.level = level
        self.listeners = s.working(level, SECTION)

    def changed(self):
        self.s.mark(self.level, SECTION, self.listeners, CMD)

    def variant(self, key):
        return self.app.variant(key)


def _listing_line(i: int, L: dict) -> str:
    addresses = L["ip"] + (f", {L['ipv6']}" if L.get("ipv6") else "")
    return f"{i}. {L['name']} (on {L['interface']}, {addresses}) {L['protocol']} TCP Port {L['port']} " \
           f"{L['type'].capitalize()}"


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
                await t.line(_listing_line(i, L))
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
        # The operations IAF-L12 writes (listenerconfigEdit).
        op = await t.menu([
            ("NAME", "Change the name of the listener."), ("INTERFACE", "Change the interface."),
            ("LIMITS", "Change the injection limits."), ("SETUP", "Configure general options."),
            ("HOSTACCESS", "Modify the Host Access Table."), ("RCPTACCESS", "Modify the Recipient Access Table."),
            ("BOUNCECONFIG", "Choose the bounce profile to use for messages injected on this listener."),
            ("MASQUERADE", "Configure the Domain Masquerading Table."),
            ("DOMAINMAP", "Configure domain mappings."), ("CERTIFICATE", "Choose the certificate.")])
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
    if chosen == "Demo" and not await t.yesno(c.app.profile["demo_question"], False):
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
        await t.line(f"SMTP Authentication: {hatmod.human_default('smtpauth_allow', d['smtpauth_allow'])}")
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
        elif op in ("EDIT", "DELETE"):
            kind = await entry_kind(c, L, "Edit" if op == "EDIT" else "Delete")
            if kind == "group":
                await (edit_group(c, L) if op == "EDIT" else delete_group(c, L))
            elif kind == "policy":
                await (edit_policy(c, L) if op == "EDIT" else delete_policy(c, L))
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


async def entry_kind(c: Ctx, L, verb: str) -> str | None:
    """EDIT / DELETE: which kind of entry. The entry-type list comes only when both kinds exist
    (variant hat_type_menu: "always" shows it every time)."""
    t = c.t
    groups, policies = L["hat"]["sender_groups"], L["hat"]["policies"]
    if c.variant("hat_type_menu") == "always" or (groups and policies):
        idx = await t.choose(None, [f"{verb} Sender Group", f"{verb} Policy"], default=0)
        if idx == 0:
            if not groups:
                await t.line("There are no sender groups.")
                return None
            return "group"
        if not policies:
            await t.line("No policies to edit.")
            return None
        return "policy"
    if groups:
        return "group"
    if policies:
        return "policy"
    await t.line("There are no entries.")
    return None


def _names(L) -> list[str]:
    """Names a new entry may not take: groups and policies share one namespace per listener.

    The box's own error text ("A sender group or policy named ...") says so; the stricter
    reading is the one the simulator must take (docs/asyncos-dialect.md).
    """
    return ([g["name"] for g in L["hat"]["sender_groups"]] + ["ALL"]
            + [p["name"] for p in L["hat"]["policies"]])


async def ask_new_name(c: Ctx, L, question: str, default: str = "", keep: str | None = None) -> str | None:
    """A valid name unused among the groups and policies; None on an empty answer (or == keep)."""
    t = c.t
    while True:
        a = await t.ask(question, default)
        if not a or a == keep:
            return None
        if not hatmod.NAME_RE.fullmatch(a):
            await t.line(NAME_ERROR)
            continue
        taken = [n.lower() for n in _names(L) if n != keep]
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


async def _change_params(c: Ctx, kind: str) -> bool:
    """The yes/no after the behaviour; asked for a named policy too unless the variant says no."""
    if kind == "policy" and not c.variant("change_params_after_policy"):
        return False
    return await c.t.yesno("Would you like to change the policy parameters?", False)


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
        if await _change_params(c, kind):
            # Parameters of a named policy are edited on the policy itself: nothing to change here.
            await t.line("The parameters of a named policy are edited with EDIT -> Policy.")
    else:
        group["inline"] = {"behavior": val, "params": {}}
        if await _change_params(c, kind):
            await params_dialog(c, L, group["inline"]["params"], behavior=val)
    group["comment"] = await t.ask("Enter a comment for this sender group.", "")
    L["hat"]["sender_groups"].append(group)
    c.changed()


async def new_policy(c: Ctx, L):
    t = c.t
    name = await ask_new_name(c, L, "Enter a name for this policy.")
    if name is None:
        return
    labels, values = _behavior_items(L, False)
    idx = await t.choose("Select a behavior for this entry.", labels, default=0)
    policy = {"name": name, "behavior": values[idx][1], "params": {}}
    if await t.yesno("Would you like to change the policy parameters?", False):
        await params_dialog(c, L, policy["params"], behavior=policy["behavior"])
    L["hat"]["policies"].append(policy)
    c.changed()


async def pick(c: Ctx, header: str | None, items: list[str], names: list[str], question: str, what: str):
    """A header, a numbered list, then ``question`` ``[]> ``: index, or None on an empty answer."""
    t = c.t
    while True:
        await t.line("")
        if header:
            await t.line(header)
        for i, item in enumerate(items, 1):
            await t.line(f"{i}. {item}")
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


async def _pick_group(c: Ctx, L, verb: str):
    groups = L["hat"]["sender_groups"]
    return await pick(c, "HAT sender groups:", _group_items(L), [g["name"] for g in groups],
                      f"Enter the sender group number or name you wish to {verb}.", "Sender group")


async def _pick_policy(c: Ctx, L, verb: str):
    names = [p["name"] for p in L["hat"]["policies"]]
    return await pick(c, "HAT policies:", names, names, f"Enter the policy number or name you wish to {verb}.",
                      "Policy")


async def edit_group(c: Ctx, L):
    t = c.t
    groups = L["hat"]["sender_groups"]
    idx = await _pick_group(c, L, "edit")
    if idx is None:
        return
    g = groups[idx]
    ops = [("NEW", "Add a new host."), ("DELETE", "Remove a host."), ("MOVE", "Reorder the hosts."),
           ("POLICY", "Change the policy settings and options."), ("PRINT", "Display the current definition."),
           ("RENAME", "Rename this sender group.")]
    if c.app.profile["sender_group_extra_ops"]:
        ops += [("COUNTRY", "Add, delete or view the countries of this sender group."),
                ("EXTERNAL THREAT FEED SOURCE", "Add, delete or view the external threat feed sources.")]
    while True:
        op = await t.menu(ops)
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
            i = await pick(c, None, g["senders"], g["senders"], "Enter the host number or name you wish to delete.",
                           "Host")
            if i is not None:
                del g["senders"][i]
                c.changed()
        elif op == "MOVE":
            if len(g["senders"]) < 2:
                await t.line("There are not enough hosts to reorder.")
                continue
            i = await pick(c, None, g["senders"], g["senders"], "Enter the host number or name you wish to move.",
                           "Host")
            if i is None:
                continue
            j = await pick(c, None, g["senders"], g["senders"],
                           "Enter the host number or name you wish to insert before.", "Host")
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
        else:
            await not_implemented(c.s, f"sender group {op}")


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
        await _change_params(c, kind)
    else:
        params = dict(g["inline"]["params"]) if g["inline"] else {}
        g["policy"], g["inline"] = None, {"behavior": val, "params": params}
        if await _change_params(c, kind):
            await params_dialog(c, L, g["inline"]["params"], behavior=val)
    comment = await t.ask("Enter a comment for this sender group.", g["comment"])
    if comment:
        g["comment"] = comment
    return repr((g["policy"], g["inline"], g["comment"])) != before


async def edit_policy(c: Ctx, L):
    t = c.t
    policies = L["hat"]["policies"]
    idx = await _pick_policy(c, L, "edit")
    if idx is None:
        return
    p = policies[idx]
    if c.variant("policy_edit_menu"):
        while True:
            op = await t.menu([("NAME", "Change the name of this policy."),
                               ("POLICY", "Change the policy settings and options.")])
            if not op:
                return
            if op == "NAME":
                await rename_policy(c, L, p)
            else:
                await _edit_policy_settings(c, L, p)
    else:
        # IAF-L12 edit('policy'): the behaviour list comes right after the policy.
        await _edit_policy_settings(c, L, p)


async def rename_policy(c: Ctx, L, p):
    new = await ask_new_name(c, L, "Enter the new name for this policy.", p["name"], keep=p["name"])
    if new:
        old = p["name"]
        p["name"] = new
        for g in L["hat"]["sender_groups"]:
            if g["policy"] == old:
                g["policy"] = new
        if L["hat"]["default_policy"] == old:
            L["hat"]["default_policy"] = new
        c.changed()


async def _edit_policy_settings(c: Ctx, L, p):
    t = c.t
    before = repr(p)
    labels, values = _behavior_items(L, False)
    idx = await t.choose("Select a behavior for this entry.", labels, default=hatmod.BEHAVIORS.index(p["behavior"]))
    p["behavior"] = values[idx][1]
    if await t.yesno("Would you like to change the policy parameters?", False):
        await params_dialog(c, L, p["params"], behavior=p["behavior"])
    if repr(p) != before:
        c.changed()


async def delete_group(c: Ctx, L):
    groups = L["hat"]["sender_groups"]
    idx = await _pick_group(c, L, "delete")
    if idx is not None:
        del groups[idx]
        c.changed()


async def delete_policy(c: Ctx, L):
    t = c.t
    policies = L["hat"]["policies"]
    idx = await _pick_policy(c, L, "delete")
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
    i = await _pick_group(c, L, "move")
    if i is None:
        return
    j = await _pick_group(c, L, "insert before")
    if j is None or i == j:
        return
    target = groups[j]
    g = groups.pop(i)
    groups.insert(groups.index(target), g)
    c.changed()


# ---------------------------------------------------------------- the parameter sequence
async def params_dialog(c: Ctx, L, params: dict, defaults_mode: bool = False, behavior: str = "ACCEPT") -> bool:
    """The policy parameter questions in IAF-L12's order, on ``params`` (a policy's own keys, or,
    with ``defaults_mode``, the listener defaults). True when something changed."""
    t = c.t
    before = dict(params)
    defaults = L["hat_defaults"]
    suffix = "" if defaults_mode else DEFAULT_SUFFIX

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

    async def flag(key, question, box_default):
        on = params.get(key, "on" if box_default else "off") == "on"
        ans = await t.yesno(question, on, blank=False)
        if ans == box_default:
            params.pop(key, None)
        else:
            params[key] = "on" if ans else "off"
        return ans

    async def custom_response(key, gate, code_question):
        has = f"{key}_code" in params
        if not await t.yesno(gate, has, blank=False):
            params.pop(f"{key}_code", None)
            params.pop(f"{key}_text", None)
            return
        await value(f"{key}_code", code_question)
        lines = []
        await t.line("Enter your custom SMTP response.  Press Enter on a blank line to finish.")
        while True:
            line = await t.read_line()
            if not line.strip():
                break
            lines.append(line.strip())
        if lines:
            params[f"{key}_text"] = " ".join(lines)

    await t.line("")
    await value("max_message_size", "Enter the maximum message size.  Add a trailing k for kilobytes, M for "
                                    "megabytes, or no letter for bytes.")
    await value("max_concurrency", "Enter the maximum number of concurrent connections allowed from a single IP "
                                   "address.")
    await value("max_msgs_per_session", "Enter the maximum number of messages per connection.")
    await value("max_rcpts_per_msg", "Enter the maximum number of recipients per message.")
    if defaults_mode:
        await _rate_limit(c, L, params, defaults, value, defaults_mode)
        await _list_param(c, L, params, "tls", "Do you want to allow encrypted TLS connections?",
                          hatmod.TLS_LABELS, hatmod.TLS_VALUES)
        await _smtp_auth(c, L, params)
        return params != before
    if await flag("override_hostname", "Do you want to override the hostname in the SMTP banner?", False):
        a = await t.ask("Enter the hostname to use in the SMTP banner.", params.get("override_hostname_value", ""),
                        blank=False)
        if a:
            params["override_hostname_value"] = a
    await custom_response("smtp_banner", "Would you like to specify a custom SMTP response?",
                          "Enter the SMTP code to use in the response.  220 is the standard code.")
    if behavior in REJECTING:
        await custom_response("smtp_reject", "Would you like to specify a custom SMTP rejection response?",
                              "Enter the SMTP code to use in the response.  554 is the standard code.")
    else:
        await custom_response("smtp_accept", "Would you like to specify a custom SMTP acceptance response?",
                              "Enter the SMTP code to use in the response.  220 is the standard code.")
    if await flag("dhap", "Do you want to enable Directory Harvest Attack Prevention per host?", False):
        await value("dhap_limit", "Enter the maximum number of invalid recipients per hour from a remote host.")
    await _rate_limit(c, L, params, defaults, value, defaults_mode)
    await flag("sender_rate_limit", "Do you want to enable rate limiting per envelope sender?", False)
    await flag("use_sb", "Would you like to use SenderBase for flow control by default?", True)
    if await flag("host_grouping", "Would you like to group hosts by the similarity of their IP addresses?", False):
        await value("sig_bits", "Enter the number of bits of IP address to treat as significant, from 0 to 32.")
    await flag("trusted_relay", "Will this IronPort applicance need to fetch the incoming address (for SenderBase) "
                                "from a trusted relay's header?", False)
    await flag("spam_check", "Would you like to enable anti-spam scanning?", True)
    await flag("virus_check", "Would you like to enable anti-virus scanning?", True)
    if c.app.profile["filters_questions"]:
        await flag("sdr", "Would you like to enable Sender Domain Reputation Filtering?", False)
        await flag("outbreak_filters", "Would you like to enable Virus Outbreak Filters?", True)
        await flag("phishing", "Would you like to enable Advanced Phishing Protection scanning?", False)
        await flag("graymail", "Would you like to enable Graymail Detection?", False)
        await flag("content_filters", "Would you like to enable Content Filters?", True)
        await flag("message_filters", "Would you like to enable Message Filters?", True)
    await _list_param(c, L, params, "tls", "Do you want to allow encrypted TLS connections?",
                      hatmod.TLS_LABELS, hatmod.TLS_VALUES)
    await _smtp_auth(c, L, params)
    await flag("dkim_signing", "Would you like to enable DKIM/DomainKeys signing?", False)
    await flag("smime_harvest", "Would you like to enable S/MIME Public Key Harvesting?", False)
    await flag("smime", "Would you like to enable S/MIME gateway decryption/verification?", False)
    await flag("dkim_verification", "Would you like to enable DKIM verification?", False)
    await flag("spf_verification", "Would you like to change SPF/SIDF settings?", False)
    await flag("dmarc_verification", "Would you like to enable DMARC verification?", False)
    await flag("sender_verification", "Would you like to enable envelope sender verification?", False)
    await flag("domain_exception", "Would you like to enable use of the domain exception table?", False)
    await flag("untagged_bounces", "Would you like to accept untagged bounces?", False)
    return params != before


async def _rate_limit(c: Ctx, L, params, defaults, value, defaults_mode):
    """The gate "Do you want to enable rate limiting per host?" before recipients per hour."""
    t = c.t
    current = params.get("max_rcpts_per_hour", defaults["max_rcpts_per_hour"])
    limited = current != "-1"
    if await t.yesno("Do you want to enable rate limiting per host?", limited, blank=False):
        q = "Enter the maximum number of recipients per hour from a remote host."
        await value("max_rcpts_per_hour", q)
        if not defaults_mode:
            await t.yesno("Would you like to specify a custom SMTP limit exceeded response?", False, blank=False)
    elif limited:
        # rate limiting switched off, on the policy itself (or on the listener defaults); the
        # answer that keeps the bracket's default changes nothing
        params["max_rcpts_per_hour"] = "-1"


async def _smtp_auth(c: Ctx, L, params):
    """'Do you want to allow SMTP authentication?' (1 No, 2 Preferred, 3 Required), then, when
    allowed, 'Require TLS to offer SMTP authentication?' (IAF-L12 smtpauth_allow / smtpauth_requiretls)."""
    t = c.t
    await _list_param(c, L, params, "smtpauth_allow", "Do you want to allow SMTP authentication?",
                      hatmod.AUTH_LABELS, hatmod.AUTH_VALUES)
    current = params.get("smtpauth_allow", L["hat_defaults"]["smtpauth_allow"])
    if current != "off":
        have = params.get("smtpauth_requiretls", L["hat_defaults"]["smtpauth_requiretls"]) == "on"
        ans = await t.yesno("Require TLS to offer SMTP authentication?", have, blank=False)
        if ans != have:
            params["smtpauth_requiretls"] = "on" if ans else "off"


async def _list_param(c: Ctx, L, params, key, title, labels, values):
    t = c.t
    current = params.get(key, L["hat_defaults"][key])
    default = values.index(current) if current in values else 0
    idx = await t.choose(title, list(labels), default=default, blank=False)
    if t.last_empty:     # an empty answer keeps what applies (the policy's value, or the default)
        return
    if key == "tls" and idx != 0 and L["certificate"] == "Demo":
        if not await t.yesno(c.app.profile["demo_question"], False, blank=False):
            return
    params[key] = values[idx]
