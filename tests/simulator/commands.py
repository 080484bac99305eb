"""Top-level commands: version, showconfig, commit, clearchanges, showchanges, clustermode, exit.

listenerconfig and certconfig live in their own modules; resolve_level() implements the
cluster-level NOTICE of docs/asyncos-dialect.md §7 for them.
"""

from __future__ import annotations

import copy
import shlex
import time
from xml.sax.saxutils import escape

from tests.simulator import hat as hatmod
from tests.simulator import model


def _date() -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime())


async def dispatch(s, name: str, args: list[str], raw: str) -> bool:
    """Run one command line; True when the session must end."""
    from tests.simulator import certconfig, listenerconfig
    cmd = name.lower()
    handlers = {
        "version": cmd_version, "showconfig": cmd_showconfig, "commit": cmd_commit,
        "clearchanges": cmd_clearchanges, "showchanges": cmd_showchanges, "clustermode": cmd_clustermode,
        "listenerconfig": listenerconfig.cmd_listenerconfig, "certconfig": certconfig.cmd_certconfig,
    }
    if cmd in ("exit", "quit"):
        s.app.count_command(cmd)
        return True
    h = handlers.get(cmd)
    if h is None:
        s.app.count_command("unknown")
        await s.term.line(s.app.profile["unknown_command"].format(name=name))
        return False
    s.app.count_command(cmd)
    await h(s, args, raw)
    return False


async def invalid_args(s, raw: str) -> None:
    await s.term.line(f"Invalid arguments when processing: {raw}")


async def not_implemented(s, what: str) -> None:
    await s.term.line(f"The simulator does not implement {what}.")


# ---------------------------------------------------------------- version
async def cmd_version(s, args, raw):
    if args:
        return await invalid_args(s, raw)
    a = s.app.cfg
    t = s.term
    await t.line("")
    await t.line("Current Version")
    await t.line("===============")
    await t.line(f"Product: {a['product']}")
    await t.line(f"Model: {a['model']}")
    await t.line(f"Version: {a['version']}")
    await t.line(f"Build Date: {a['build_date']}")
    await t.line(f"Install Date: {a['install_date']}")
    await t.line(f"Serial #: {a['serial']}")


# ---------------------------------------------------------------- showconfig
def render_xml(s, passphrases: int, pending: bool = True) -> str:
    """The configuration as XML; ``pending``: with this session's uncommitted changes."""
    view = s.effective if pending else s.effective_committed

    def el(indent, tag, value):
        return f"{' ' * indent}<{tag}>{escape(str(value))}</{tag}>"

    def secret(pem: str) -> str:
        if passphrases == 1:
            return "*****"
        if passphrases == 2:
            import base64
            import hashlib
            return "ENCRYPTED:" + base64.b64encode(hashlib.sha256(pem.encode()).digest()).decode()
        return pem.strip()

    a = s.app.cfg
    out = ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<!DOCTYPE config SYSTEM "config.dtd">', "",
           "<!--", f"  Product: {a['product']}", f"  Model Number: {a['model']}", f"  Version: {a['version']}",
           f"  Serial Number: {a['serial']}", f"  Current Time: {_date()}", "-->", "", "<config>"]
    out.append(el(2, "hostname", s.machine))
    out.append("  <certificates>")
    for p in view("certificates") or []:
        out.append("    <certificate>")
        out.append(el(6, "name", p["name"]))
        out.append(el(6, "cert", p["cert"].strip()))
        out.append("      <intermediate_certs>")
        for c in p.get("intermediates", []):
            out.append(el(8, "cert", c.strip()))
        out.append("      </intermediate_certs>")
        out.append(el(6, "key", secret(p["key"])))
        out.append("    </certificate>")
    out.append("  </certificates>")
    out.append("")
    out.append("  <!--")
    out.append("  ***************************************")
    out.append("  *    Listener (Injector) Settings     *")
    out.append("  ***************************************")
    out.append("  -->")
    out.append("  <listeners>")
    for L in view("listeners") or []:
        out.append("    <listener>")
        out.append(el(6, "listener_name", L["name"]))
        out.append(el(6, "type", L["type"]))
        out.append(el(6, "interface", L["interface"]))
        out.append(el(6, "ip", L["ip"]))
        out.append(el(6, "port", L["port"]))
        out.append(el(6, "hostname", L["hostname"]))
        out.append(el(6, "certificate", L["certificate"]))
        for k in hatmod.DEFAULT_KEYS:
            out.append(el(6, f"hat_default_{k}", L["hat_defaults"][k]))
        out.append("      <hat>")
        out.append(escape(hatmod.render_hat(L["hat"])))
        out.append("      </hat>")
        out.append("    </listener>")
    out.append("  </listeners>")
    if s.clustered:
        out.append("  <cluster>")
        out.append(el(4, "cluster_name", s.store.cluster_name))
        out.append("    <groups>")
        for g in s.store.cluster.get("groups", []):
            out.append("      <group>")
            out.append(el(8, "name", g["name"]))
            out.append("        <machines>")
            for m in g.get("machines", []):
                out.append(el(10, "machine", m))
            out.append("        </machines>")
            out.append("      </group>")
        out.append("    </groups>")
        out.append("  </cluster>")
    out.append("</config>")
    return "\n".join(out)


async def cmd_showconfig(s, args, raw):
    if args:
        return await invalid_args(s, raw)
    t = s.term
    if s.app.cfg.get("showconfig_prompt", "menu") == "yesno":
        mask = await t.yesno("Do you want to mask the passphrase?", True)
        choice = 1 if mask else 3
    else:
        idx = await t.choose("Choose the passphrase option:", s.app.profile["passphrase_items"], default=0)
        choice = idx + 1
    s.app.count("showconfig")
    await t.line("")
    await t.line(render_xml(s, choice, pending=bool(s.app.variant("showconfig_pending"))))


# ---------------------------------------------------------------- commit & co
async def cmd_commit(s, args, raw):
    t = s.term
    if not s.pending:
        await t.line("There is no data to commit.")
        return
    if args:
        try:
            parts = shlex.split(raw)[1:]
        except ValueError:
            return await invalid_args(s, raw)
        if len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("Y", "N")):
            return await invalid_args(s, raw)
    else:
        await t.ask("Please enter some comments describing your changes:", "")
        await t.yesno("Do you want to save the current configuration for rollback?", True)
    failure = s.app.fault("fail_commit")
    if failure:
        s.app.count("commit_failures")
        msg = failure if isinstance(failure, str) else "the configuration could not be saved"
        await t.line(f"Commit failed: {msg}")
        return
    s.app.world.commit(s.store, s.pending)
    s.pending.clear()
    s.changes.clear()
    s.app.count("commits")
    await t.line(f"Changes committed: {_date()}")


async def cmd_clearchanges(s, args, raw):
    if args:
        return await invalid_args(s, raw)
    t = s.term
    if not s.pending:
        await t.line("No changes have been made")
        return
    if await t.yesno("Are you sure you want to clear all changes since the last commit?", True):
        s.pending.clear()
        s.changes.clear()
        await t.line(f"Changes cleared: {_date()}")


async def cmd_showchanges(s, args, raw):
    """A Python literal keyed by mode, then '' (IAF-SH reads b['standalone']['']); {} when nothing is pending."""
    if args:
        return await invalid_args(s, raw)
    out = {}
    for label, commands in s.changes.items():
        key = "standalone" if not s.clustered else label
        out.setdefault(key, {}).setdefault("", {}).update({c: "modified" for c in commands})
    await s.term.line(repr(out))


# ---------------------------------------------------------------- cluster modes
async def cmd_clustermode(s, args, raw):
    t = s.term
    if not s.clustered:
        await t.line("This machine is not part of a cluster.")
        return
    levels = ["cluster"] + [f"group:{g}" for g in s.store.groups()] + [f"machine:{m}" for m in s.store.machines()]
    if not args:
        idx = await t.choose("Choose the configuration mode:", [s.label(lv) for lv in levels],
                             default=levels.index(s.mode))
        s.mode = levels[idx]
        return
    kind = args[0].lower()
    if kind == "cluster" and len(args) == 1:
        s.mode = "cluster"
    elif kind in ("group", "machine") and len(args) == 2 and f"{kind}:{args[1]}" in levels:
        s.mode = f"{kind}:{args[1]}"
    else:
        await invalid_args(s, raw)


async def resolve_level(s, command: str) -> str | None:
    """The level where command edits its section, after the NOTICE dialog if needed; None = abandon."""
    section = model.SECTION_OF[command]
    if not s.clustered or s.holds(s.mode, section):
        return s.mode
    t = s.term
    cur = s.label(s.mode)
    await t.line("")
    await t.line(f"NOTICE: This configuration command has not yet been configured for the current cluster mode "
                 f"({cur}).")
    if s.store.notice_style(command) == "yesno":
        if await t.yesno(f"Do you want to start a new, empty configuration at the current mode ({cur})?", False):
            _new_empty(s, section, command)
            return s.mode
        return None
    holders = s.holders(section)
    items = [f'Switch modes to edit at mode "{s.label(h)}".' for h in holders]
    items.append(f"Start a new, empty configuration at the current mode ({cur}).")
    items.append("Copy settings from another cluster mode to the current mode.")
    idx = await t.choose("What would you like to do?", items, default=0)
    if idx < len(holders):
        s.mode = holders[idx]
        return s.mode
    if idx == len(holders):
        _new_empty(s, section, command)
        return s.mode
    if not holders:
        await t.line("There is no configuration to copy.")
        return None
    j = await t.choose("Choose the mode to copy from:", [s.label(h) for h in holders], default=0)
    s.mark(s.mode, section, copy.deepcopy(s.get(holders[j], section)), command)
    return s.mode


def _new_empty(s, section: str, command: str) -> None:
    if section == "certificates":
        demo = [copy.deepcopy(p) for p in (s.effective("certificates") or []) if p["name"] == "Demo"]
        s.mark(s.mode, section, demo, command)
    else:
        s.mark(s.mode, section, [], command)
