# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers: ``showconfig`` XML, HAT text, ``version``, ``showchanges``, commit results.

The HAT parser is tolerant: indentation is not relied upon (output after a pager stop may
lose it), blank lines, ``#`` comment lines, odd spacing, tabs, CRLF and parameters on the
same line as the behaviour are accepted. Lines it cannot place are kept in
``HAT.warnings`` rather than silently dropped.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect as d
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos.model import (
    HAT,
    ApplianceConfig,
    ClusterInfo,
    Listener,
    Policy,
    SenderGroup,
    certificate_from_pem,
)
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError


class ParseError(MailsecError):
    """The appliance's output cannot be read as the dialect describes it."""


_BEHAVIOUR_KEYWORDS = dict((v, k) for k, v in d.HAT_BEHAVIOURS.items())
_BEHAVIOUR_RE = re.compile(r"^(%s)(?=\s|\{|$)\s*(.*)$"
                           % "|".join(sorted(_BEHAVIOUR_KEYWORDS, key=len, reverse=True)))
_POLICY_REF_RE = re.compile(r"^\%s(%s)\s*(?:\((.*)\))?\s*$" % (d.HAT_POLICY_SIGIL, d.HAT_POLICY_NAME_RE))
_GROUP_RE = re.compile(r"^(%s)\s*%s\s*$" % (d.HAT_GROUP_NAME_RE, re.escape(d.HAT_GROUP_SUFFIX)))
_PARAM_RE = re.compile(d.HAT_PARAM_RE)
_ALL_RE = re.compile(r"^%s\b\s*(.*)$" % re.escape(d.HAT_ALL))


def _param_pairs(text):
    out = {}
    for match in _PARAM_RE.finditer(text):
        value = match.group(2)
        if value is None:
            value = match.group(3) if match.group(3) is not None else match.group(4)
        out[match.group(1)] = value
    return out


def parse_hat(text):
    """Parse HAT text (section 4 of docs/asyncos-dialect.md) into a ``HAT``."""
    policies = []
    groups = []
    warnings = []
    default_policy = None
    # what the next $NAME / behaviour belongs to: None, ("group", SenderGroup), ("all",)
    owner = None
    current_policy = None  # Policy being defined, waiting for its behaviour
    body_target = None  # (Policy) whose {...} parameters are being collected
    body_text = []

    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for raw in lines:
        line = raw.strip()
        if body_target is not None:
            if d.HAT_CLOSE in line:
                body_text.append(line[:line.index(d.HAT_CLOSE)])
                body_target.params.update(_param_pairs(" ".join(body_text)))
                body_target = None
                body_text = []
                rest = line[line.index(d.HAT_CLOSE) + 1:].strip()
                if rest:
                    warnings.append("unparsed text after '}': %s" % rest)
            else:
                body_text.append(line)
            continue
        if not line or line.startswith(d.HAT_COMMENT_PREFIX):
            continue

        behaviour = _BEHAVIOUR_RE.match(line)
        if behaviour:
            target = None
            if current_policy is not None:
                target = current_policy
                current_policy = None
            elif owner is not None and owner[0] == "group" and owner[1].policy is None \
                    and owner[1].inline_policy is None:
                target = Policy(None)
                owner[1].inline_policy = target
                owner = None
            elif owner is not None and owner[0] == "all":
                target = Policy(None)
                default_policy = None
                owner = None
                warnings.append("ALL uses an inline %s policy" % behaviour.group(1).upper())
            else:
                warnings.append("behaviour without a policy: %s" % line)
                continue
            target.behaviour = _BEHAVIOUR_KEYWORDS[behaviour.group(1).upper()]
            rest = behaviour.group(2).strip()
            if rest.startswith(d.HAT_OPEN):
                rest = rest[1:]
                if d.HAT_CLOSE in rest:
                    target.params.update(_param_pairs(rest[:rest.index(d.HAT_CLOSE)]))
                else:
                    body_target = target
                    body_text = [rest]
            elif rest:
                warnings.append("unparsed text after behaviour: %s" % line)
            continue

        ref = _POLICY_REF_RE.match(line)
        if ref:
            name, comment = ref.group(1), ref.group(2)
            if owner is not None and owner[0] == "group" and owner[1].policy is None:
                owner[1].policy = name
                owner[1].comment = (comment or "").strip()
                owner = None
            elif owner is not None and owner[0] == "all":
                default_policy = name
                owner = None
            else:
                current_policy = Policy(name)
                policies.append(current_policy)
                if comment:
                    warnings.append("comment on a policy definition ignored: %s" % line)
            continue
        if line.startswith(d.HAT_POLICY_SIGIL):
            # "$NAME ACCEPT {...}" on one line
            parts = line[1:].split(None, 1)
            if len(parts) == 2 and _BEHAVIOUR_RE.match(parts[1]) and owner is None:
                pol = Policy(parts[0])
                policies.append(pol)
                sub = parse_hat("$X\n" + parts[1])
                inner = sub.policy("X")
                pol.behaviour, pol.params = inner.behaviour, inner.params
                continue
            warnings.append("unparsed line: %s" % line)
            continue

        all_match = _ALL_RE.match(line)
        if all_match and not line.endswith(d.HAT_GROUP_SUFFIX):
            owner = ("all",)
            current_policy = None
            rest = all_match.group(1).strip()
            if rest:
                ref = _POLICY_REF_RE.match(rest)
                if ref:
                    default_policy = ref.group(1)
                    owner = None
            continue

        group = _GROUP_RE.match(line)
        if group:
            sg = SenderGroup(group.group(1))
            groups.append(sg)
            owner = ("group", sg)
            current_policy = None
            continue

        if owner is not None and owner[0] == "group" and owner[1].policy is None:
            for item in re.split(r"[,\s]+", line):
                if item:
                    owner[1].senders.append(item)
            continue
        warnings.append("unparsed line: %s" % line)

    if body_target is not None:
        warnings.append("unterminated policy parameters block")
        body_target.params.update(_param_pairs(" ".join(body_text)))
    for sg in groups:
        if sg.policy is None and sg.inline_policy is None:
            warnings.append("sender group %s has no policy" % sg.name)
    return HAT(policies, groups, default_policy, warnings)


# ------------------------------------------------------------------------------ XML

def extract_xml(output):
    """The XML document inside the output of ``showconfig``."""
    text = output or ""
    start = text.find(d.XML_START)
    end = text.rfind(d.XML_END)
    if start < 0 or end < 0 or end < start:
        raise ParseError("showconfig printed no complete XML document (expected %r ... %r)"
                         % (d.XML_START, d.XML_END))
    return text[start:end + len(d.XML_END)]


def _text(elem, name, default=None):
    child = elem.find(name)
    if child is None or child.text is None:
        return default
    return child.text.strip()


def _parse_xml(xml_text):
    xml_text = re.sub(r"<!DOCTYPE[^>]*>", "", xml_text, count=1)
    xml_text = re.sub(r"^<\?xml[^>]*\?>", "", xml_text.strip(), count=1)
    try:
        return ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ParseError("showconfig XML does not parse: %s" % exc)


def _port(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def parse_listener(elem):
    name = _text(elem, d.XML_LISTENER_NAME)
    defaults = {}
    for child in elem:
        if child.tag.startswith(d.XML_HAT_DEFAULT_PREFIX):
            defaults[child.tag[len(d.XML_HAT_DEFAULT_PREFIX):]] = (child.text or "").strip()
    hat_elem = elem.find(d.XML_HAT)
    hat_text = hat_elem.text if hat_elem is not None and hat_elem.text else ""
    return Listener(
        name,
        type=(_text(elem, d.XML_LISTENER_TYPE) or "").lower() or None,
        interface=_text(elem, d.XML_LISTENER_INTERFACE),
        ip=_text(elem, d.XML_LISTENER_IP),
        port=_port(_text(elem, d.XML_LISTENER_PORT)),
        hostname=_text(elem, d.XML_LISTENER_HOSTNAME),
        certificate=_text(elem, d.XML_LISTENER_CERTIFICATE),
        hat_defaults=defaults,
        hat=parse_hat(hat_text),
        hat_text=hat_text,
    )


def parse_certificates(root):
    out = []
    container = root.find(d.XML_CERTIFICATES)
    if container is None:
        return out
    for elem in container.findall(d.XML_CERTIFICATE):
        name = _text(elem, d.XML_CERT_NAME)
        pem = _text(elem, d.XML_CERT_PEM)
        inters = []
        inter_elem = elem.find(d.XML_CERT_INTERMEDIATES)
        if inter_elem is not None:
            inters = [(c.text or "").strip() for c in inter_elem.findall(d.XML_CERT_PEM) if c.text]
        out.append(certificate_from_pem(name, pem, inters))
    return out


def parse_cluster_xml(root):
    elem = root.find(d.XML_CLUSTER)
    if elem is None:
        return None, []
    groups = []
    groups_elem = elem.find(d.XML_CLUSTER_GROUPS)
    if groups_elem is not None:
        for group in groups_elem.findall(d.XML_CLUSTER_GROUP):
            machines_elem = group.find(d.XML_CLUSTER_MACHINES)
            machines = [] if machines_elem is None else [
                (m.text or "").strip() for m in machines_elem.findall(d.XML_CLUSTER_MACHINE)]
            groups.append({"name": _text(group, d.XML_CLUSTER_GROUP_NAME), "machines": machines})
    return _text(elem, d.XML_CLUSTER_NAME), groups


def parse_prompt(prompt):
    """(mode, level, level_name) from a main prompt: ("standalone", None, None) or e.g.
    ("machine", "Machine esa2.example.com", "esa2.example.com")."""
    text = (prompt or "").rstrip("\r\n")
    if not text.endswith(" "):
        text += " "
    match = re.search(d.MAIN_PROMPT_CLUSTER_RE, "\n" + text.lstrip())
    if match:
        kind, name = match.group(1), match.group(2)
        return kind.lower(), "%s %s" % (kind, name), name
    return "standalone", None, None


def prompt_hostname(prompt):
    match = re.search(d.MAIN_PROMPT_STANDALONE_RE, "\n" + (prompt or "").strip() + " ")
    return match.group(1) if match else None


def _apply_staged(listeners, certificates, staged):
    """Lay this session's staged changes (``staged.StagedChanges.to_dict()``) over what
    showconfig printed (which may or may not include them)."""
    by_name = dict((lst.name, lst) for lst in listeners)
    for name, text in (staged.get("hat") or {}).items():
        if name in by_name:
            by_name[name].hat = parse_hat(text)
            by_name[name].hat_text = text
    for name, profile in (staged.get("listener_certificates") or {}).items():
        if name in by_name:
            by_name[name].certificate = profile
    certs = dict((c.name, c) for c in certificates)
    for name, material in (staged.get("certificates") or {}).items():
        if material is None:
            certs.pop(name, None)
        else:
            certs[name] = certificate_from_pem(name, material.get("cert"), material.get("intermediates") or ())
    return listeners, list(certs.values())


def build_config(output, version_text=None, prompt=None, pending=False, staged=None):
    """ApplianceConfig from showconfig output (or bare XML), version output and prompt, with
    this session's ``staged`` changes laid over it."""
    root = _parse_xml(extract_xml(output))
    listeners_elem = root.find(d.XML_LISTENERS)
    listeners = [] if listeners_elem is None else [
        parse_listener(e) for e in listeners_elem.findall(d.XML_LISTENER)]
    certificates = parse_certificates(root)
    if staged:
        listeners, certificates = _apply_staged(listeners, certificates, staged)
    cluster_name, groups = parse_cluster_xml(root)
    mode, level, level_name = parse_prompt(prompt)
    if mode == "standalone" and cluster_name:
        mode = "cluster"  # clustered box whose prompt we did not see (should not happen)
    if mode == "cluster" and not cluster_name:
        cluster_name = level_name
    ver = parse_version(version_text or "")
    warnings = []
    for lst in listeners:
        warnings += ["listener %s: %s" % (lst.name, w) for w in lst.hat.warnings]
    hostname = _text(root, d.XML_HOSTNAME) or prompt_hostname(prompt)
    return ApplianceConfig(
        hostname=hostname,
        version=ver.get("version"),
        model=ver.get("model"),
        serial=ver.get("serial"),
        product=ver.get("product"),
        cluster=ClusterInfo(cluster_name, mode, level, level_name, groups),
        listeners=listeners,
        certificates=certificates,
        pending=bool(pending),
        prompt=(prompt or "").strip() or None,
        warnings=warnings,
    )


# ------------------------------------------------------------------------------ other outputs

_VERSION_KEYS = {
    d.VERSION_KEY_PRODUCT: "product",
    d.VERSION_KEY_MODEL: "model",
    d.VERSION_KEY_VERSION: "version",
    d.VERSION_KEY_SERIAL: "serial",
}


def parse_version(text):
    out = {"product": None, "model": None, "version": None, "serial": None}
    for line in (text or "").splitlines():
        match = re.match(d.VERSION_LINE_RE, line)
        if not match or not match.group(2):
            continue
        key, value = match.group(1).strip(), match.group(2)
        if key in _VERSION_KEYS:
            out[_VERSION_KEYS[key]] = value
        else:
            out.setdefault(re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_"), value)
    return out


def parse_showchanges(text):
    """True when ``showchanges`` lists pending changes."""
    body = (text or "").strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < 0:
        return not d.NO_CHANGES.found_in(body) and bool(body)
    try:
        value = ast.literal_eval(body[start:end + 1])
    except (ValueError, SyntaxError):
        return body[start:end + 1].strip() not in ("{}", "")
    return bool(value)


COMMITTED = "committed"
NOTHING_TO_COMMIT = "nothing"


def parse_commit(text):
    """COMMITTED ("Changes committed"), NOTHING_TO_COMMIT ("There is no data to commit."), or
    None when the appliance printed neither: the commit's outcome is then unknown."""
    if d.COMMIT_DONE.found_in(text):
        return COMMITTED
    if d.NO_DATA_TO_COMMIT.found_in(text):
        return NOTHING_TO_COMMIT
    return None


def parse_clearchanges(text):
    return not d.NO_CHANGES.found_in(text)


def listing_names(text):
    """The first word of each line of a listing (profile names of the certificate list)."""
    out = []
    for line in (text or "").splitlines():
        words = line.split()
        if words:
            out.append(words[0])
    return out


def extract_hat_print(text):
    """The HAT text from the output of HOSTACCESS → PRINT (menu lines removed)."""
    out = []
    for line in (text or "").splitlines():
        if d.MENU_OPERATION.found_in(line) or d.HAT_DEFAULTS_TITLE in line:
            break
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"
