"""Certificates: the Demo profile, PEM parsing and validation, facts for listings."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEMO_CN = "Cisco Appliance Demo Certificate"
PEM_CERT_RE = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def generate_demo() -> dict:
    """A fresh self-signed Demo profile (RSA 2048, ten years)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "California"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "San Jose"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cisco Systems, Inc."),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Cisco Appliance"),
        x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CN),
    ])
    now = _now().replace(microsecond=0)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650, hours=12))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return {
        "name": "Demo",
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption()).decode(),
        "intermediates": [],
    }


def parse_cert(text: str):
    """Exactly one PEM certificate -> x509.Certificate, else None."""
    blocks = PEM_CERT_RE.findall(text)
    if len(blocks) != 1:
        return None
    try:
        return x509.load_pem_x509_certificate(blocks[0].encode())
    except ValueError:
        return None


def parse_key(text: str):
    """An unencrypted PEM private key -> key object, else None."""
    if "-----BEGIN" not in text:
        return None
    try:
        return serialization.load_pem_private_key(text.strip().encode() + b"\n", password=None)
    except (ValueError, TypeError):
        return None


def key_signs_cert(key, cert) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == cert.public_key().public_bytes(*fmt)


def canonical_pem(cert_or_key) -> str:
    if isinstance(cert_or_key, x509.Certificate):
        return cert_or_key.public_bytes(serialization.Encoding.PEM).decode()
    fmt = serialization.PrivateFormat.PKCS8 if not isinstance(cert_or_key, rsa.RSAPrivateKey) \
        else serialization.PrivateFormat.TraditionalOpenSSL
    return cert_or_key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


@functools.lru_cache(maxsize=256)
def cert_info(pem: str) -> dict:
    cert = x509.load_pem_x509_certificate(pem.encode())
    not_after = cert.not_valid_after_utc
    remaining = (not_after - _now()).days
    return {
        "common_name": _cn(cert.subject),
        "issuer_cn": _cn(cert.issuer),
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "not_after": not_after.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "remaining_days": remaining,
        "status": "Active" if remaining >= 0 else "Expired",
        "sha256": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
    }


def is_fqdn(name: str) -> bool:
    return bool(re.fullmatch(r"(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}", name))
