# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration model of an AsyncOS appliance, as read by the device layer.

Plain classes with ``to_dict()`` (JSON-ready, no secrets). Parsing lives in ``config``;
this module only holds the data, lookups and the HAT text renderer.
"""

from __future__ import annotations

import copy

from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.plugins.module_utils import deps

# Keys of policy parameters the collection manages, in question order.
PARAM_KEYS = dialect.PARAM_KEYS
BEHAVIOURS = tuple(dialect.HAT_BEHAVIOURS)


class Policy:
    """A HAT mail flow policy. ``params`` holds only the keys set on the policy (the ones
    that differ from the listener's ``hat_default_*``); the rest inherit."""

    def __init__(self, name, behaviour="accept", params=None):
        self.name = name
        self.behaviour = behaviour
        self.params = dict(params or {})

    def effective(self, defaults):
        """Parameters that apply: listener defaults overlaid with the policy's own."""
        out = dict(defaults or {})
        out.update(self.params)
        return out

    def to_dict(self, defaults=None):
        out = {"name": self.name, "behaviour": self.behaviour, "params": dict(self.params)}
        if defaults is not None:
            out["effective"] = self.effective(defaults)
        return out

    def __eq__(self, other):
        return isinstance(other, Policy) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "Policy(%r, %r, %r)" % (self.name, self.behaviour, self.params)


class SenderGroup:
    """A HAT sender group. ``policy`` is the name of the named policy it uses (None when
    it uses an inline policy, held in ``inline_policy``)."""

    def __init__(self, name, senders=None, policy=None, comment="", inline_policy=None):
        self.name = name
        self.senders = list(senders or [])
        self.policy = policy
        self.comment = comment or ""
        self.inline_policy = inline_policy

    def to_dict(self):
        out = {"name": self.name, "senders": list(self.senders), "policy": self.policy,
               "comment": self.comment}
        if self.inline_policy is not None:
            out["inline_policy"] = self.inline_policy.to_dict()
        return out

    def __repr__(self):
        return "SenderGroup(%r, %r, %r, %r)" % (self.name, self.senders, self.policy, self.comment)


class HAT:
    """A listener's Host Access Table: named policies, sender groups in evaluation order,
    and the default policy of the final ``ALL`` entry."""

    def __init__(self, policies=None, sender_groups=None, default_policy=None, warnings=None):
        self.policies = dict((p.name, p) for p in (policies or []))
        self.sender_groups = list(sender_groups or [])
        self.default_policy = default_policy
        self.warnings = list(warnings or [])

    def policy(self, name):
        return self.policies.get(name)

    def sender_group(self, name):
        for group in self.sender_groups:
            if group.name == name:
                return group
        return None

    def group_names(self):
        return [g.name for g in self.sender_groups]

    def group_index(self, name):
        """0-based position of a sender group, or None."""
        for index, group in enumerate(self.sender_groups):
            if group.name == name:
                return index
        return None

    def groups_using(self, policy):
        return [g.name for g in self.sender_groups if g.policy == policy]

    def render(self):
        """HAT text in the grammar of docs/asyncos-dialect.md section 4 (used for diffs)."""
        return render_hat(self)

    def to_dict(self, defaults=None):
        return {
            "policies": [p.to_dict(defaults) for p in self.policies.values()],
            "sender_groups": [g.to_dict() for g in self.sender_groups],
            "default_policy": self.default_policy,
            "warnings": list(self.warnings),
        }


class Listener:
    def __init__(self, name, type=None, interface=None, ip=None, port=None, hostname=None,
                 certificate=None, hat_defaults=None, hat=None, hat_text=None):
        self.name = name
        self.type = type
        self.interface = interface
        self.ip = ip
        self.port = port
        self.hostname = hostname
        self.certificate = certificate
        self.hat_defaults = dict(hat_defaults or {})
        self.hat = hat if hat is not None else HAT()
        self.hat_text = hat_text

    @property
    def uses_demo_certificate(self):
        """The listener presents no profile or the built-in one (see also
        ``ApplianceConfig.presents_demo_certificate``, which also reads the profile)."""
        return self.certificate in (None, "", dialect.DEMO_CERTIFICATE)

    def effective_policy(self, name):
        """Effective parameters of a named policy (None when it does not exist)."""
        policy = self.hat.policy(name)
        return None if policy is None else policy.effective(self.hat_defaults)

    def to_dict(self):
        return {
            "name": self.name,
            "type": self.type,
            "interface": self.interface,
            "ip": self.ip,
            "port": self.port,
            "hostname": self.hostname,
            "certificate": self.certificate,
            "uses_demo_certificate": self.uses_demo_certificate,
            "hat_defaults": dict(self.hat_defaults),
            "hat": self.hat.to_dict(self.hat_defaults),
        }


class Certificate:
    """A certificate profile. Only public material: the key is never read."""

    def __init__(self, name, subject=None, issuer=None, not_before=None, not_after=None,
                 fingerprint_sha256=None, san=None, intermediates=None, self_signed=None,
                 serial_number=None, parse_error=None, demo_certificate=False):
        self.name = name
        self.subject = subject
        self.issuer = issuer
        self.not_before = not_before
        self.not_after = not_after
        self.fingerprint_sha256 = fingerprint_sha256
        self.san = list(san or [])
        self.intermediates = list(intermediates or [])  # fingerprints, leaf-side first
        self.self_signed = self_signed
        self.serial_number = serial_number
        self.parse_error = parse_error
        self.demo_certificate = bool(demo_certificate)

    @property
    def is_demo(self):
        """The built-in profile, or a certificate that is an appliance demo certificate."""
        return self.name == dialect.DEMO_CERTIFICATE or self.demo_certificate

    @property
    def fingerprint(self):
        """Alias of ``fingerprint_sha256``."""
        return self.fingerprint_sha256

    def to_dict(self):
        return {
            "name": self.name,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before,
            "not_after": self.not_after,
            "fingerprint_sha256": self.fingerprint_sha256,
            "san": list(self.san),
            "intermediates": list(self.intermediates),
            "self_signed": self.self_signed,
            "serial_number": self.serial_number,
            "is_demo": self.is_demo,
            "parse_error": self.parse_error,
        }


class ClusterInfo:
    """Cluster membership and the level the session works at.

    mode:  "standalone", or the current AsyncOS cluster mode "cluster" / "group" / "machine"
    level: the level as AsyncOS prints it ("Cluster c1", "Machine esa2.example.com"), or None
    level_name: the name part of ``level``
    """

    def __init__(self, name=None, mode="standalone", level=None, level_name=None, groups=None):
        self.name = name
        self.mode = mode
        self.level = level
        self.level_name = level_name
        self.groups = list(groups or [])  # [{"name": ..., "machines": [...]}]

    @property
    def clustered(self):
        return self.mode != "standalone"

    def to_dict(self):
        return {"name": self.name, "mode": self.mode, "level": self.level,
                "level_name": self.level_name, "clustered": self.clustered,
                "groups": copy.deepcopy(self.groups)}


class ApplianceConfig:
    """Everything the device layer reads from one appliance."""

    def __init__(self, hostname=None, version=None, model=None, serial=None, product=None,
                 cluster=None, listeners=None, certificates=None, pending=False, prompt=None,
                 warnings=None):
        self.hostname = hostname
        self.version = version
        self.model = model
        self.serial = serial
        self.product = product
        self.cluster = cluster if cluster is not None else ClusterInfo()
        self.listeners = dict((lst.name, lst) for lst in (listeners or []))
        self.certificates = dict((c.name, c) for c in (certificates or []))
        self.pending = pending
        self.prompt = prompt
        self.warnings = list(warnings or [])

    def listener(self, name):
        return self.listeners.get(name)

    def certificate(self, name):
        return self.certificates.get(name)

    def listeners_using_certificate(self, name):
        return [lst.name for lst in self.listeners.values() if lst.certificate == name]

    def presents_demo_certificate(self, listener):
        """Does the listener present the appliance's demo certificate (no profile, the built-in
        profile, or a profile holding a demo certificate)?"""
        if listener.uses_demo_certificate:
            return True
        profile = self.certificate(listener.certificate)
        return profile is not None and profile.is_demo

    def to_dict(self, gather=None):
        """JSON-ready dict. ``gather``: subset of version, cluster, listeners, certificates."""
        gather = set(gather or ("version", "cluster", "listeners", "certificates"))
        if "all" in gather:
            gather = {"version", "cluster", "listeners", "certificates"}
        out = {"hostname": self.hostname, "pending": self.pending}
        if "version" in gather:
            out.update({"version": self.version, "model": self.model, "serial": self.serial,
                        "product": self.product})
        if "cluster" in gather:
            out["cluster"] = self.cluster.to_dict()
        if "listeners" in gather:
            out["listeners"] = [lst.to_dict() for lst in self.listeners.values()]
        if "certificates" in gather:
            out["certificates"] = [c.to_dict() for c in self.certificates.values()]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


# ------------------------------------------------------------------------------------------
# HAT rendering
# ------------------------------------------------------------------------------------------

def _render_policy_body(behaviour, params, indent):
    keyword = dialect.HAT_BEHAVIOURS.get(behaviour, str(behaviour).upper())
    if not params:
        return ["%s%s %s%s" % (indent, keyword, dialect.HAT_OPEN, dialect.HAT_CLOSE)]
    lines = ["%s%s %s" % (indent, keyword, dialect.HAT_OPEN)]
    for key in sorted(params, key=lambda k: (PARAM_KEYS.index(k) if k in PARAM_KEYS else 99, k)):
        lines.append('%s%s%s = "%s"' % (indent, dialect.HAT_INDENT, key, params[key]))
    lines.append("%s%s" % (indent, dialect.HAT_CLOSE))
    return lines


def render_policy(policy):
    lines = ["%s%s" % (dialect.HAT_POLICY_SIGIL, policy.name)]
    lines += _render_policy_body(policy.behaviour, policy.params, dialect.HAT_INDENT)
    return "\n".join(lines) + "\n"


def render_sender_group(group):
    lines = ["%s%s" % (group.name, dialect.HAT_GROUP_SUFFIX)]
    lines += ["%s%s" % (dialect.HAT_INDENT, s) for s in group.senders]
    if group.policy is not None:
        ref = "%s%s%s" % (dialect.HAT_INDENT, dialect.HAT_POLICY_SIGIL, group.policy)
        if group.comment:
            ref += " (%s)" % group.comment
        lines.append(ref)
    elif group.inline_policy is not None:
        lines += _render_policy_body(group.inline_policy.behaviour, group.inline_policy.params,
                                     dialect.HAT_INDENT)
    return "\n".join(lines) + "\n"


def render_hat(hat):
    blocks = [render_policy(p) for p in hat.policies.values()]
    blocks += [render_sender_group(g) for g in hat.sender_groups]
    if hat.default_policy is not None:
        blocks.append("%s\n%s%s%s\n" % (
            dialect.HAT_ALL, dialect.HAT_INDENT, dialect.HAT_POLICY_SIGIL, hat.default_policy))
    return "\n".join(blocks)


# ------------------------------------------------------------------------------------------
# Certificates (public material only)
# ------------------------------------------------------------------------------------------

def certificate_from_pem(name, pem, intermediates=()):
    """A Certificate from PEM (public material; without cryptography only the name)."""
    if not pem:
        return Certificate(name, parse_error="no certificate in the configuration")
    problem = deps.CRYPTOGRAPHY.problem()
    if problem:
        return Certificate(name, parse_error=problem)
    try:
        cert = certlib.load_certificate(pem, "certificate profile %s" % name)
    except certlib.CertificateError as exc:
        return Certificate(name, parse_error="cannot parse certificate: %s" % exc)
    facts = certlib.certificate_facts(cert)
    inter_fps = []
    for item in intermediates or ():
        try:
            inter_fps.append(certlib.fingerprint_sha256(certlib.load_certificate(item)))
        except certlib.CertificateError:
            inter_fps.append(None)
    return Certificate(
        name,
        subject=facts["subject"],
        issuer=facts["issuer"],
        not_before=facts["not_before"],
        not_after=facts["not_after"],
        fingerprint_sha256=facts["fingerprint_sha256"],
        san=facts["san"] + facts["san_ip"],
        intermediates=inter_fps,
        self_signed=facts["self_signed"],
        serial_number=facts["serial_number"].upper(),
        demo_certificate=facts["demo_certificate"],
    )
