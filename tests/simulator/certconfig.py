"""`certconfig` → CERTIFICATE: PASTE, PRINT, DELETE (docs/asyncos-dialect.md §6)."""

from __future__ import annotations

import re

from tests.simulator import certs
from tests.simulator.commands import invalid_args, not_implemented, resolve_level

CMD = "certconfig"
SECTION = "certificates"
PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_PEM_LINES = 2000
MAX_INTERMEDIATES = 10


async def cmd_certconfig(s, args, raw):
    if args:
        return await invalid_args(s, raw)
    level = await resolve_level(s, CMD)
    if level is None:
        return
    profiles = s.working(level, SECTION)
    t = s.term
    while True:
        op = await t.menu([
            ("CERTIFICATE", "Import, Create a request, Edit or Remove Certificate Profiles"),
            ("CERTAUTHORITY", "Manage System and Customized Authorities"),
            ("CRL", "Manage Certificate Revocation Lists")])
        if not op:
            return
        if op == "CERTIFICATE":
            await certificate_menu(s, level, profiles)
        else:
            await not_implemented(s, f"certconfig {op}")


async def certificate_menu(s, level, profiles):
    t = s.term
    while True:
        await t.line("")
        await t.line("List of Certificates")
        await t.line(f"{'Name':<10}  {'Common Name':<33}  {'Issued By':<33}  {'Status':<6}  Remaining")
        await t.line(f"{'-' * 10}  {'-' * 33}  {'-' * 33}  {'-' * 6}  {'-' * 9}")
        for p in profiles:
            i = certs.cert_info(p["cert"])
            await t.line(f"{p['name']:<10}  {i['common_name']:<33}  {i['issuer_cn']:<33}  {i['status']:<6}  "
                         f"{i['remaining_days']} days")
        op = await t.menu([
            ("IMPORT", "Import a certificate from a local PKCS#12 file"),
            ("PASTE", "Paste a certificate into the CLI"),
            ("NEW", "Create a self-signed certificate and CSR"),
            ("EDIT", "Update certificate or view the signing request"),
            ("EXPORT", "Export a certificate"),
            ("DELETE", "Remove a certificate"),
            ("PRINT", "View certificates assigned to services")])
        if not op:
            return
        if op == "PASTE":
            await paste(s, level, profiles)
        elif op == "DELETE":
            await delete(s, level, profiles)
        elif op == "PRINT":
            await print_assigned(s, profiles)
        else:
            await not_implemented(s, f"certconfig CERTIFICATE {op}")


async def read_pem(s) -> str:
    """Lines (no echo, no prompt) up to a line holding only '.'."""
    lines = []
    for _unused in range(MAX_PEM_LINES):
        line = (await s.term.read_line(echo=False)).strip()
        if line == ".":
            break
        lines.append(line)
    return "\n".join(lines) + "\n"


async def paste(s, level, profiles):
    t = s.term
    while True:
        name = await t.ask("Enter a name for this certificate profile:", "")
        if not name:
            return
        if PROFILE_NAME_RE.fullmatch(name):
            break
        await t.line('You must enter a name containing only letters, numbers, ".", "-" and "_".')
    existing = next((p for p in profiles if p["name"] == name), None)
    if existing is not None:
        texts = s.app.profile["overwrite"]
        if len(texts) == 1:          # 16.0.3: one line (DEPLOY)
            question = texts[0].format(name=name)
        else:                        # 12.1 / 14.0: a notice, then the question
            await t.line(texts[0].format(name=name))
            question = texts[1]
        if not await t.yesno(question, False, blank=False):
            return
    await t.line("")
    await t.line("Paste public certificate in PEM format (end with '.'):")
    cert = certs.parse_cert(await read_pem(s))
    if cert is None:
        await t.line("Invalid certificate...discarding")
        return
    await t.line("")
    await t.line("Paste private key in PEM format (end with '.'):")
    key = certs.parse_key(await read_pem(s))
    if key is None:
        await t.line("Invalid private key ...discarding")
        return
    if not certs.key_signs_cert(key, cert):
        await t.line("key does not sign certificate")
        return
    inter = []
    question = "Do you want to add an intermediate certificate?"
    while len(inter) < MAX_INTERMEDIATES and await t.yesno(question, False):
        await t.line("")
        await t.line("Paste intermediate certificate in PEM format (end with '.'):")
        ic = certs.parse_cert(await read_pem(s))
        if ic is None:
            await t.line("Invalid certificate...discarding")
            return
        inter.append(certs.canonical_pem(ic))
        question = "Do you want to add another intermediate certificate?"
    fqdn = s.app.profile["fqdn_question"]
    if fqdn and await t.yesno(fqdn, False):
        cn = certs.cert_info(certs.canonical_pem(cert))["common_name"]
        if not certs.is_fqdn(cn):
            await t.line(f"Warning: the Common Name {cn} is not in Fully Qualified Domain Name format.")
    profile = {"name": name, "cert": certs.canonical_pem(cert), "key": certs.canonical_pem(key),
               "intermediates": inter}
    if existing is not None:
        profiles[profiles.index(existing)] = profile
    else:
        profiles.append(profile)
    s.mark(level, SECTION, profiles, CMD)


def users_of(s, name: str) -> list[str]:
    out = []
    for listeners in s.all_listener_sections():
        for L in listeners:
            if L["certificate"] == name and L["name"] not in out:
                out.append(L["name"])
    return out


async def delete(s, level, profiles):
    t = s.term
    if not profiles:
        await t.line("There are no certificate profiles.")
        return
    idx = await t.choose(None, [p["name"] for p in profiles], None,
                         question="Enter the number of the certificate profile you wish to delete.")
    if idx is None:
        return
    name = profiles[idx]["name"]
    used = users_of(s, name)
    if used:
        await t.line(f"Certificate profile {name} is in use by listener(s): {', '.join(used)}. Cannot delete.")
        return
    if name == "Demo":
        await t.line("The Demo certificate profile cannot be deleted.")
        return
    # IAF-C14 delete(): the profile from a list, then a confirmation matched by "you want to delete".
    if not await t.yesno(f"Are you sure you want to delete the certificate profile {name}?", False):
        return
    del profiles[idx]
    s.mark(level, SECTION, profiles, CMD)


async def print_assigned(s, profiles):
    t = s.term
    await t.line("")
    await t.line("Certificates assigned to services:")
    for L in s.effective("listeners") or []:
        await t.line(f"Listener {L['name']}: {L['certificate']}")
    for p in profiles:
        i = certs.cert_info(p["cert"])
        await t.line("")
        await t.line(f"Name: {p['name']}")
        await t.line(f"Common Name: {i['common_name']}")
        await t.line(f"Subject: {i['subject']}")
        await t.line(f"Issued By: {i['issuer']}")
        await t.line(f"Expires: {i['not_after']}")
        await t.line(f"SHA-256 Fingerprint: {i['sha256']}")
        await t.line(f"Intermediate Certificates: {len(p.get('intermediates', []))}")
