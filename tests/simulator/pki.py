"""A tiny test PKI (root -> intermediate -> leaf) for simulator tests and demos."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mailsec Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(obj) -> str:
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM).decode()
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _cert(subject_key, subject_cn, issuer_key, issuer_cn, ca: bool, sans=(), days=365):
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject_cn)).issuer_name(_name(issuer_cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                        critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                          crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def make_chain(cn: str = "mail.example.com", sans=None, key_type: str = "ec") -> dict:
    """{'root', 'intermediate', 'leaf', 'key', 'other_key'} as PEM strings."""
    def newkey():
        if key_type == "rsa":
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return ec.generate_private_key(ec.SECP256R1())

    root_k, int_k, leaf_k, other_k = newkey(), newkey(), newkey(), newkey()
    root = _cert(root_k, "Mailsec Test Root", root_k, "Mailsec Test Root", True, days=3650)
    inter = _cert(int_k, "Mailsec Test Intermediate", root_k, "Mailsec Test Root", True, days=1825)
    leaf = _cert(leaf_k, cn, int_k, "Mailsec Test Intermediate", False, sans=sans or [cn])
    return {"root": _pem(root), "intermediate": _pem(inter), "leaf": _pem(leaf), "key": _pem(leaf_k),
            "other_key": _pem(other_k)}
