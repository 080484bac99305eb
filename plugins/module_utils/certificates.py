# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline validation of a mail gateway's server certificate (controller side).

Used by ``mailsec.cres.certificate_check``, ``mailsec.cres.smtp_tls_info`` (verification of a
presented chain) and ``mailsec.cres.esa_certificate`` (refuse a certificate before it reaches an
appliance). Everything here needs ``cryptography`` (``deps.CRYPTOGRAPHY``: the minimum version).

Public API
==========

Libraries
    ``libraries(ca_bundle=None)``: the ``deps`` requirements of a module that loads and validates
    certificates (cryptography; certifi unless ``ca_bundle`` is set). Without a usable
    cryptography the functions below raise ``CertificateError`` saying what to install.

Errors
    ``CertificateError(message, field=None)``: bad input; ``field`` names the module option
    (``certificate``, ``private_key_passphrase``, ``pkcs12`` ...). ``str(err)`` is the message.

Loading (``data`` is ``str`` or ``bytes``; objects are passed through)
    ``load_certificates(data, field='chain') -> list[x509.Certificate]`` (PEM, one or more; DER)
    ``load_certificate(data, field='certificate') -> x509.Certificate`` (exactly the first one)
    ``load_private_key(data, passphrase=None, field='private_key',
    passphrase_field='private_key_passphrase') -> private key``
    ``load_pkcs12(data, passphrase=None, field='pkcs12', passphrase_field='pkcs12_passphrase')
    -> (key, cert, [extra certs])``
    ``load_ca_bundle(path=None, field='ca_bundle') -> list[x509.Certificate]`` (certifi if None)
    ``split_pem(text) -> list[str]``

Facts
    ``fingerprint_sha256(cert) -> 'AA:BB:...'``
    ``public_key_info(key_or_cert) -> {'type': 'RSA'|'EC'|'Ed25519'|..., 'size': int, 'curve': str|None}``
    ``san_dns_names(cert)``, ``san_ip_addresses(cert)``, ``is_self_signed(cert)``,
    ``is_demo_certificate(cert) -> bool``, ``demo_certificate_reason(cert) -> str | None``,
    ``hostname_matches(pattern, hostname) -> bool`` (RFC 6125: ``*`` only as the whole leftmost
    label, covers exactly one label), ``certificate_covers(cert, hostname) -> bool`` (SAN only, no
    CN fallback), ``certificate_facts(cert, now=None) -> dict``, ``chain_summary(certs) -> list``

Verification
    ``verify_chain(leaf, intermediates=(), roots=(), now=None, name=None) -> dict`` with keys
    ``trusted`` (bool), ``code`` (``ok``, ``missing_intermediate``, ``untrusted_root``,
    ``self_signed``, ``expired_ca``, ``no_usable_name``, ``rejected``), ``reason`` (str), ``chain``
    (list of ``x509.Certificate``, leaf first; the built chain, or the best partial path), and
    ``checked_at`` (datetime). Validity of the *leaf* is not part of this result: an expired leaf
    is verified at its last valid moment, so that ``chain`` and ``validity`` stay separate checks.

    ``validate_certificate(cert_pem, key_pem=None, chain_pems=(), hostnames=(), ca_bundle=None,
    min_days_remaining=30, min_key_bits=2048, now=None, key_passphrase=None, roots=None) -> dict``:
    ``cert_pem``/``key_pem``/``chain_pems`` may be PEM text/bytes or loaded objects; ``ca_bundle``
    is a PEM file path (None = certifi) unless ``roots`` (list of certificates) is given. Returns
    ``{'valid': bool, 'problems': [{'check', 'reason'}], 'checks': [{'name', 'status'
    ('passed'|'failed'|'skipped'), 'reason'}], 'certificate': facts, 'chain': [summary ...],
    'chain_code': str}``. Check names: ``key_match``, ``chain``, ``validity``, ``hostnames``,
    ``key_strength``, ``eku``, ``self_signed``, ``demo_certificate``. Raises
    ``CertificateError`` for unreadable input. Never includes key material.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import re
import warnings

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

with deps.CRYPTOGRAPHY.guard():
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtensionOID, NameOID
    # Last: it is what cryptography < 42 lacks (deps.CRYPTOGRAPHY reports the version).
    from cryptography.x509 import verification as _verification

CHECK_NAMES = ("key_match", "chain", "validity", "hostnames", "key_strength", "eku",
               "self_signed", "demo_certificate")
_GOOD_CURVES = {"secp256r1": 256, "secp384r1": 384, "secp521r1": 521}
_DEMO_RE = re.compile(r"(demo\s+cert|appliance\s+demo|ironport.*demo|cisco.*demo|demo.*(cisco|ironport))", re.I)
_PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


class CertificateError(MailsecError):
    """Unusable input. ``field`` is the option that carried it."""


def _require_cryptography():
    """Raise CertificateError saying what to install or upgrade when cryptography is not usable."""
    problem = deps.CRYPTOGRAPHY.problem()
    if problem:
        raise CertificateError(problem)


def libraries(ca_bundle=None):
    """What loading and validating certificates needs (for ``deps.require``): cryptography, and
    certifi's public roots unless ``ca_bundle`` names a file."""
    return [deps.CRYPTOGRAPHY, None if ca_bundle else deps.CERTIFI.needed(unless='set ca_bundle')]


def _now(now=None):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=datetime.timezone.utc)
    return now


def _iso(when):
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _to_bytes(data):
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    raise TypeError("expected str or bytes")


# ---------------------------------------------------------------- loading

def split_pem(text):
    """The PEM CERTIFICATE blocks of text, in order."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _PEM_RE.findall(text or "")


def load_certificates(data, field="chain"):
    """All certificates in PEM (or a single DER) data; [] for empty data."""
    if data is None:
        return []
    _require_cryptography()
    if isinstance(data, x509.Certificate):
        return [data]
    if isinstance(data, (list, tuple)):
        out = []
        for item in data:
            out.extend(load_certificates(item, field))
        return out
    raw = _to_bytes(data)
    if not raw.strip():
        return []
    if b"-----BEGIN" not in raw:
        try:
            return [x509.load_der_x509_certificate(raw)]
        except ValueError:
            raise CertificateError("%s: neither PEM ('-----BEGIN CERTIFICATE-----') nor DER certificate data" % field, field)
    blocks = split_pem(raw)
    if not blocks:
        if b"PRIVATE KEY" in raw:
            raise CertificateError("%s: contains a private key, not a certificate" % field, field)
        raise CertificateError("%s: no '-----BEGIN CERTIFICATE-----' block found" % field, field)
    out = []
    for i, block in enumerate(blocks):
        try:
            out.append(x509.load_pem_x509_certificate(block.encode("ascii")))
        except ValueError as exc:
            raise CertificateError("%s: certificate #%d is not a valid X.509 certificate (%s)" % (field, i + 1, exc), field)
    return out


def load_certificate(data, field="certificate"):
    """The first certificate of data (the leaf)."""
    certs = load_certificates(data, field)
    if not certs:
        raise CertificateError("%s: no certificate given" % field, field)
    return certs[0]


def _passphrase_bytes(passphrase):
    if passphrase is None or passphrase == "":
        return None
    return _to_bytes(passphrase)


def load_private_key(data, passphrase=None, field="private_key", passphrase_field="private_key_passphrase"):
    """A private key from PEM (or DER) data; errors name the option to fix."""
    _require_cryptography()
    if isinstance(data, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey,
                         ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return data
    raw = _to_bytes(data)
    pw = _passphrase_bytes(passphrase)
    loader = serialization.load_pem_private_key if b"-----BEGIN" in raw else serialization.load_der_private_key
    try:
        return loader(raw, password=pw)
    except TypeError as exc:
        # cryptography raises TypeError for "encrypted but no password" and the reverse.
        if pw is None:
            raise CertificateError("%s is encrypted: set %s" % (field, passphrase_field), passphrase_field)
        raise CertificateError("%s is not encrypted: remove %s (%s)" % (field, passphrase_field, exc), passphrase_field)
    except ValueError:
        if pw is not None and b"ENCRYPTED" in raw:
            raise CertificateError("%s could not be decrypted: %s is wrong" % (field, passphrase_field), passphrase_field)
        raise CertificateError("%s is not a readable private key (PEM expected, '-----BEGIN PRIVATE KEY-----')" % field, field)
    except UnsupportedAlgorithm as exc:
        raise CertificateError("%s uses an unsupported algorithm: %s" % (field, exc), field)


def load_pkcs12(data, passphrase=None, field="pkcs12", passphrase_field="pkcs12_passphrase"):
    """(key, certificate, [additional certificates]) from a PKCS#12 blob (bytes, or base64 text)."""
    _require_cryptography()
    raw = data
    if isinstance(raw, str):
        try:
            raw = base64.b64decode("".join(raw.split()), validate=True)
        except ValueError:
            raise CertificateError("%s: expected base64-encoded PKCS#12 data (use %s_path for a file)" % (field, field), field)
    pw = _passphrase_bytes(passphrase)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(raw, pw)
    except ValueError:
        if pw is None:
            raise CertificateError("%s could not be read: it may need %s, or it is not PKCS#12 data" % (field, passphrase_field), passphrase_field)
        raise CertificateError("%s could not be decrypted: %s is wrong, or the data is not PKCS#12" % (field, passphrase_field), passphrase_field)
    except UnsupportedAlgorithm as exc:
        raise CertificateError("%s uses an unsupported algorithm: %s" % (field, exc), field)
    if cert is None:
        raise CertificateError("%s contains no certificate" % field, field)
    return key, cert, list(extra or [])


def read_input_file(path, field, binary=False):
    """The content of a file an option names; errors name the option."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise CertificateError("%s: cannot read %s (%s)" % (field, path, exc.strerror or exc), field)
    return data if binary else data.decode("utf-8", "replace")


# Option names of the chain: certificate_check says chain / chain_path (one PEM text or file),
# esa_certificate intermediates / intermediates_path (lists). Both are accepted everywhere.
_CHAIN_OPTIONS = (("chain", "chain_path"), ("intermediates", "intermediates_path"))


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_inputs(params):
    """(leaf, key or None, [extra certificates]) from module options: certificate /
    certificate_path, private_key / private_key_path / private_key_passphrase, pkcs12 (bytes or
    base64 text) / pkcs12_path / pkcs12_passphrase, and the chain as chain / chain_path or
    intermediates / intermediates_path. Certificates after the first one of the certificate
    option count as chain. Errors (CertificateError) name the option to fix."""
    p = dict(params)
    key = None
    extra = []
    if p.get("pkcs12") is not None or p.get("pkcs12_path"):
        if p.get("pkcs12_path"):
            blob, field = read_input_file(p["pkcs12_path"], "pkcs12_path", binary=True), "pkcs12_path"
        else:
            blob, field = p["pkcs12"], "pkcs12"
        key, leaf, extra = load_pkcs12(blob, p.get("pkcs12_passphrase"), field=field)
    else:
        if p.get("certificate_path"):
            text, field = read_input_file(p["certificate_path"], "certificate_path"), "certificate_path"
        else:
            text, field = p.get("certificate"), "certificate"
        if not text:
            raise CertificateError("certificate: give certificate, certificate_path, pkcs12 or pkcs12_path",
                                   "certificate")
        all_certs = load_certificates(text, field)
        if not all_certs:
            raise CertificateError("%s: no certificate found" % field, field)
        leaf, extra = all_certs[0], all_certs[1:]
    if p.get("private_key") is not None or p.get("private_key_path"):
        if p.get("private_key_path"):
            data, field = read_input_file(p["private_key_path"], "private_key_path", binary=True), "private_key_path"
        else:
            data, field = p["private_key"], "private_key"
        key = load_private_key(data, p.get("private_key_passphrase"), field=field)
    for text_option, path_option in _CHAIN_OPTIONS:
        for index, text in enumerate(_as_list(p.get(text_option))):
            extra += load_certificates(text, "%s[%d]" % (text_option, index) if isinstance(
                p.get(text_option), (list, tuple)) else text_option)
        for index, path in enumerate(_as_list(p.get(path_option))):
            name = "%s[%d]" % (path_option, index) if isinstance(p.get(path_option), (list, tuple)) else path_option
            extra += load_certificates(read_input_file(path, name), name)
    return leaf, key, extra


def load_ca_bundle(path=None, field="ca_bundle"):
    """Trusted roots from a PEM file, or certifi's public roots when path is None."""
    if path is None:
        problem = deps.CERTIFI.problem(alternative="set %s" % field)
        if problem:
            raise CertificateError("%s is not set, so the public roots of certifi are used: %s" % (field, problem),
                                   field)
        import certifi
        path = certifi.where()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise CertificateError("%s: cannot read %s (%s)" % (field, path, exc.strerror), field)
    roots = []
    with warnings.catch_warnings():
        # Public bundles hold a few old roots that newer cryptography warns about (negative serial).
        warnings.simplefilter("ignore")
        for block in split_pem(data):
            try:
                roots.append(x509.load_pem_x509_certificate(block.encode("ascii")))
            except ValueError:
                continue  # one odd entry must not disable the bundle
    if not roots:
        raise CertificateError("%s: no certificate found in %s" % (field, path), field)
    return roots


# ---------------------------------------------------------------- facts

def fingerprint_sha256(cert):
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def public_key_info(key_or_cert):
    """Type, size and curve of a certificate's or key's public key."""
    key = key_or_cert.public_key() if hasattr(key_or_cert, "public_key") else key_or_cert
    if isinstance(key, rsa.RSAPublicKey):
        return {"type": "RSA", "size": key.key_size, "curve": None}
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"type": "EC", "size": key.curve.key_size, "curve": key.curve.name}
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"type": "Ed25519", "size": 256, "curve": None}
    if isinstance(key, ed448.Ed448PublicKey):
        return {"type": "Ed448", "size": 456, "curve": None}
    if isinstance(key, dsa.DSAPublicKey):
        return {"type": "DSA", "size": key.key_size, "curve": None}
    return {"type": type(key).__name__, "size": None, "curve": None}


def _ext(cert, oid):
    try:
        return cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


def san_dns_names(cert):
    ext = _ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    return list(ext.value.get_values_for_type(x509.DNSName)) if ext else []


def san_ip_addresses(cert):
    ext = _ext(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    return [str(ip) for ip in ext.value.get_values_for_type(x509.IPAddress)] if ext else []


def _name_attr(name, oid):
    attrs = name.get_attributes_for_oid(oid)
    return attrs[0].value if attrs else None


def _spki(key_or_cert):
    key = key_or_cert.public_key() if hasattr(key_or_cert, "public_key") else key_or_cert
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _issued_by(cert, issuer):
    """True when issuer's key signed cert (names match and signature verifies)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def is_self_signed(cert):
    return _issued_by(cert, cert)


def demo_certificate_reason(cert):
    """Why cert looks like an appliance's built-in demo certificate, or None."""
    for label, name in (("subject", cert.subject), ("issuer", cert.issuer)):
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
            for attr in name.get_attributes_for_oid(oid):
                value = str(attr.value)
                if _DEMO_RE.search(value):
                    return "%s %s '%s' is the appliance's built-in demo certificate" % (label, oid._name, value)
    return None


def is_demo_certificate(cert):
    return demo_certificate_reason(cert) is not None


def _norm_host(name):
    return name.strip().rstrip(".").lower()


def hostname_matches(pattern, hostname):
    """RFC 6125 matching of one SAN dNSName pattern against hostname."""
    pattern = _norm_host(pattern)
    hostname = _norm_host(hostname)
    if not pattern or not hostname:
        return False
    try:
        pattern = pattern.encode("idna").decode("ascii") if not pattern.isascii() else pattern
        hostname = hostname.encode("idna").decode("ascii") if not hostname.isascii() else hostname
    except UnicodeError:
        return False
    if "*" not in pattern:
        return pattern == hostname
    p_labels = pattern.split(".")
    h_labels = hostname.split(".")
    # Only a whole-label wildcard in the leftmost position, and not directly under a TLD.
    if p_labels[0] != "*" or "*" in ".".join(p_labels[1:]) or len(p_labels) < 3:
        return False
    if len(h_labels) != len(p_labels) or not h_labels[0]:
        return False
    return h_labels[1:] == p_labels[1:]


def _ip(name):
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def certificate_covers(cert, hostname):
    """Whether the SAN of cert covers hostname (DNS name or IP literal). No CN fallback."""
    ip = _ip(hostname)
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in san_ip_addresses(cert))
    return any(hostname_matches(p, hostname) for p in san_dns_names(cert))


def _eku(cert):
    ext = _ext(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    if ext is None:
        return None
    return [getattr(oid, "_name", None) or oid.dotted_string for oid in ext.value]


def certificate_facts(cert, now=None):
    """Parsed facts of one certificate (JSON-serialisable; no key material)."""
    now = _now(now)
    not_after = cert.not_valid_after_utc
    not_before = cert.not_valid_before_utc
    key = public_key_info(cert)
    basic = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    try:
        sig = cert.signature_algorithm_oid._name
    except Exception:  # pragma: no cover - exotic OIDs
        sig = None
    return {
        "subject": cert.subject.rfc4514_string(),
        "subject_cn": _name_attr(cert.subject, NameOID.COMMON_NAME),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_cn": _name_attr(cert.issuer, NameOID.COMMON_NAME),
        "san": san_dns_names(cert),
        "san_ip": san_ip_addresses(cert),
        "serial_number": format(cert.serial_number, "x"),
        "not_before": _iso(not_before),
        "not_after": _iso(not_after),
        "days_remaining": int((not_after - now).total_seconds() // 86400),
        "expired": now > not_after,
        "not_yet_valid": now < not_before,
        "fingerprint_sha256": fingerprint_sha256(cert),
        "key_type": key["type"],
        "key_size": key["size"],
        "key_curve": key["curve"],
        "signature_algorithm": sig,
        "extended_key_usage": _eku(cert),
        "is_ca": bool(basic and basic.value.ca),
        "self_signed": is_self_signed(cert),
        "demo_certificate": is_demo_certificate(cert),
    }


def chain_summary(certs, now=None):
    """Short facts for each certificate of a chain, in the given order."""
    out = []
    for cert in certs:
        out.append({
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "not_after": _iso(cert.not_valid_after_utc),
            "fingerprint_sha256": fingerprint_sha256(cert),
            "self_signed": is_self_signed(cert),
        })
    return out


def chain_in_order(certs):
    """Whether each presented certificate is issued by the next one."""
    return all(_issued_by(certs[i], certs[i + 1]) for i in range(len(certs) - 1))


# ---------------------------------------------------------------- verification

def _find_issuer(cert, pool):
    for cand in pool:
        if cand is not cert and _issued_by(cert, cand):
            return cand
    return None


def _manual_path(leaf, intermediates, roots):
    """Best-effort path from leaf upwards; (path, end) with end one of
    'root' (reached a trusted root), 'untrusted_self_signed', 'missing'."""
    root_fps = {r.fingerprint(hashes.SHA256()) for r in roots}
    path = [leaf]
    cur = leaf
    for _depth in range(12):
        if cur.fingerprint(hashes.SHA256()) in root_fps:
            return path, "root"
        root = _find_issuer(cur, roots)
        if root is not None:
            path.append(root)
            return path, "root"
        if is_self_signed(cur):
            return path, "untrusted_self_signed"
        nxt = _find_issuer(cur, [c for c in intermediates if c not in path])
        if nxt is None:
            return path, "missing"
        path.append(nxt)
        cur = nxt
    return path, "missing"


def _verification_name(leaf, name):
    if name:
        return name
    names = [n for n in san_dns_names(leaf) if "*" not in n]
    if names:
        return names[0]
    wild = [n for n in san_dns_names(leaf) if n.startswith("*.")]
    if wild:
        return "probe" + wild[0][1:]
    return None


def verify_chain(leaf, intermediates=(), roots=(), now=None, name=None):
    """Build and verify a chain from leaf to one of roots using intermediates.

    name: a DNS name the verifier checks (default: one the leaf covers, so that name coverage
    is left to certificate_covers()). Hostname checks are reported separately by callers.
    """
    _require_cryptography()
    now = _now(now)
    intermediates = [c for c in intermediates if c is not None]
    checked_at = now
    if now > leaf.not_valid_after_utc:
        checked_at = leaf.not_valid_after_utc - datetime.timedelta(seconds=1)
    elif now < leaf.not_valid_before_utc:
        checked_at = leaf.not_valid_before_utc + datetime.timedelta(seconds=1)
    result = {"trusted": False, "code": "rejected", "reason": "", "chain": [leaf], "checked_at": checked_at}
    vname = _verification_name(leaf, name)
    path, end = _manual_path(leaf, intermediates, roots)
    verr = None
    if vname is not None and roots:
        v = _verification
        try:
            subject = v.DNSName(_norm_host(vname)) if _ip(vname) is None else v.IPAddress(_ip(vname))
            builder = v.PolicyBuilder().store(v.Store(list(roots))).time(checked_at)
            verifier = builder.build_server_verifier(subject)
            chain = verifier.verify(leaf, intermediates)
            result.update(trusted=True, code="ok", chain=list(chain),
                          reason="chain builds to trusted root '%s'" % chain[-1].subject.rfc4514_string())
            return result
        except v.VerificationError as exc:
            verr = str(exc)
        except ValueError as exc:  # e.g. an invalid DNS name
            verr = str(exc)
    result["chain"] = path
    if not roots:
        result.update(code="rejected", reason="no trusted roots available (ca_bundle is empty)")
    elif end == "missing":
        top = path[-1]
        which = "certificate" if top is leaf else "intermediate '%s'" % top.subject.rfc4514_string()
        result.update(code="missing_intermediate",
                      reason="missing intermediate: no certificate for issuer '%s' of the %s was given and that "
                             "issuer is not a trusted root; install the CA's intermediate certificate(s) with the "
                             "server certificate" % (top.issuer.rfc4514_string(), which))
    elif end == "untrusted_self_signed":
        top = path[-1]
        if top is leaf:
            result.update(code="self_signed",
                          reason="the certificate is self-signed and not issued by a trusted CA")
        else:
            result.update(code="untrusted_root",
                          reason="the chain ends at '%s', which is not among the trusted roots (ca_bundle)"
                                 % top.subject.rfc4514_string())
    else:
        expired = [c for c in path[1:] if not (c.not_valid_before_utc <= checked_at <= c.not_valid_after_utc)]
        if expired:
            result.update(code="expired_ca", reason="CA certificate '%s' is not valid at %s (valid %s to %s)" % (
                expired[0].subject.rfc4514_string(), _iso(checked_at), _iso(expired[0].not_valid_before_utc),
                _iso(expired[0].not_valid_after_utc)))
        elif vname is None:
            result.update(code="no_usable_name",
                          reason="the certificate has no DNS name in its subjectAltName, so no verifier accepts it "
                                 "for a server (the CN is not used)")
        else:
            eku = _eku(leaf)
            hint = ""
            if eku is not None and "serverAuth" not in eku:
                hint = " (its extended key usage does not allow server authentication)"
            result.update(code="rejected",
                          reason="a path to trusted root '%s' exists but the verifier rejected it%s: %s"
                                 % (path[-1].subject.rfc4514_string(), hint, verr or "unknown error"))
    return result


# ---------------------------------------------------------------- validation

def _check(checks, name, ok, reason):
    status = "skipped" if ok is None else ("passed" if ok else "failed")
    checks.append({"name": name, "status": status, "reason": reason})


def _key_strength(cert, min_key_bits):
    info = public_key_info(cert)
    kind, size = info["type"], info["size"]
    if kind == "RSA":
        if size < min_key_bits:
            return False, "RSA key of %d bits is shorter than min_key_bits=%d" % (size, min_key_bits)
        return True, "RSA %d bits" % size
    if kind == "EC":
        if info["curve"] not in _GOOD_CURVES:
            return False, "EC curve %s is not one of P-256, P-384, P-521 that TLS verifiers accept" % info["curve"]
        return True, "EC %s" % info["curve"]
    if kind in ("Ed25519", "Ed448"):
        return True, "%s (not supported by every mail server)" % kind
    return False, "%s keys are not accepted for TLS server certificates" % kind


def validate_certificate(cert_pem, key_pem=None, chain_pems=(), hostnames=(), ca_bundle=None,
                         min_days_remaining=30, min_key_bits=2048, now=None, key_passphrase=None,
                         roots=None):
    """Run every named check on a server certificate; see the module docstring."""
    _require_cryptography()
    now = _now(now)
    leaf = load_certificate(cert_pem, "certificate")
    intermediates = []
    for item in (chain_pems if isinstance(chain_pems, (list, tuple)) else [chain_pems]):
        intermediates.extend(load_certificates(item, "chain"))
    # A certificate file that carries the chain after the leaf is common: use the rest too.
    if isinstance(cert_pem, (str, bytes)):
        intermediates.extend(load_certificates(cert_pem, "certificate")[1:])
    key = None
    if key_pem is not None and key_pem != "":
        key = load_private_key(key_pem, key_passphrase)
    if roots is None:
        roots = load_ca_bundle(ca_bundle)
    roots = list(roots)
    hostnames = [h for h in (hostnames or []) if h]

    checks = []
    # key_match
    if key is None:
        _check(checks, "key_match", None, "no private key given")
    elif _spki(key.public_key()) == _spki(leaf):
        _check(checks, "key_match", True, "the private key matches the certificate's public key")
    else:
        _check(checks, "key_match", False, "the private key does not belong to this certificate "
                                           "(public keys differ: key %s, certificate %s)"
               % (_describe_key(key.public_key()), _describe_key(leaf)))
    # chain
    ver = verify_chain(leaf, intermediates, roots, now)
    _check(checks, "chain", ver["trusted"], ver["reason"])
    # validity
    facts = certificate_facts(leaf, now)
    if facts["not_yet_valid"]:
        _check(checks, "validity", False, "not valid before %s" % facts["not_before"])
    elif facts["expired"]:
        _check(checks, "validity", False, "expired on %s (%d days ago)" % (facts["not_after"], -facts["days_remaining"]))
    elif facts["days_remaining"] < min_days_remaining:
        _check(checks, "validity", False, "expires on %s, in %d days: less than min_days_remaining=%d"
               % (facts["not_after"], facts["days_remaining"], min_days_remaining))
    else:
        _check(checks, "validity", True, "valid until %s (%d days)" % (facts["not_after"], facts["days_remaining"]))
    # hostnames
    if not hostnames:
        _check(checks, "hostnames", None, "no hostnames given")
    else:
        missing = [h for h in hostnames if not certificate_covers(leaf, h)]
        if missing:
            cn = facts["subject_cn"]
            note = ""
            if cn and any(_norm_host(cn) == _norm_host(h) for h in missing):
                note = "; the subject CN '%s' matches but CN is not used, only subjectAltName" % cn
            _check(checks, "hostnames", False, "not covered by the subjectAltName %s: %s%s"
                   % (facts["san"] or "(none)", ", ".join(missing), note))
        else:
            _check(checks, "hostnames", True, "all covered: %s" % ", ".join(hostnames))
    # key strength
    ok, reason = _key_strength(leaf, min_key_bits)
    _check(checks, "key_strength", ok, reason)
    # eku
    eku = facts["extended_key_usage"]
    if eku is None:
        _check(checks, "eku", True, "no extendedKeyUsage extension: any usage allowed")
    elif "serverAuth" in eku:
        _check(checks, "eku", True, "extendedKeyUsage allows serverAuth")
    else:
        _check(checks, "eku", False, "extendedKeyUsage %s does not allow serverAuth (TLS server authentication)" % eku)
    # self-signed
    if facts["self_signed"]:
        _check(checks, "self_signed", False, "the certificate is self-signed (issuer '%s' is itself)" % facts["issuer"])
    else:
        _check(checks, "self_signed", True, "issued by '%s'" % facts["issuer"])
    # demo certificate
    demo = demo_certificate_reason(leaf)
    _check(checks, "demo_certificate", demo is None, demo or "not an appliance demo certificate")

    problems = [{"check": c["name"], "reason": c["reason"]} for c in checks if c["status"] == "failed"]
    return {
        "valid": not problems,
        "problems": problems,
        "checks": checks,
        "certificate": facts,
        "chain": chain_summary(ver["chain"], now),
        "chain_code": ver["code"],
    }


def _describe_key(key_or_cert):
    info = public_key_info(key_or_cert)
    return "%s %s%s" % (info["type"], info["size"], " " + info["curve"] if info["curve"] else "")
