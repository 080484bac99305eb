"""Test PKI for the TLS tests, the SMTP servers of the harness and the demo.

    from tests.harness.pki import make_pki
    paths = make_pki(Path("/tmp/pki"), hostnames=["mx1.example.test", "mx2.example.test"])

Creates a root CA, an intermediate CA and leaves signed by the intermediate the way a public CA
does it (subjectAltName non-critical, extendedKeyUsage serverAuth, authority and subject key
identifiers), plus the broken certificates the checks must catch. Every file is PEM unless noted.
Returns a dict of absolute paths (str) and a few values; the same dict is stored as
``pki.json`` in dest_dir, and a second call with the same arguments reuses the files.

Keys of the returned dict:

- ``root_cert``, ``root_key``, ``intermediate_cert``, ``intermediate_key``
- ``ca_bundle``: the root only (the trust store tests pass as ``ca_bundle``)
- ``leaf_cert``, ``leaf_key``, ``leaf_fullchain`` (leaf + intermediate), ``leaf_chain``
  (intermediate only), ``leaf_p12`` (DER, key + leaf + intermediate), ``leaf_p12_legacy``
  (SHA1/3DES for old importers), ``p12_passphrase``; ``leaf_hostnames``
- ``expired_cert``/``expired_key``/``expired_fullchain``: expired 10 days ago
- ``expiring_cert``/``expiring_key``/``expiring_fullchain``: 10 days left
- ``selfsigned_cert``/``selfsigned_key``: self-signed leaf covering the hostnames
- ``demo_cert``/``demo_key``: "Cisco Appliance Demo Certificate"-style self-signed certificate
- ``wronghost_cert``/``wronghost_key``/``wronghost_fullchain``: covers only ``wrong.invalid``
- ``weak_cert``/``weak_key``/``weak_fullchain``: RSA-1024 leaf
- ``clientonly_cert``/``clientonly_key``/``clientonly_fullchain``: EKU clientAuth only
- ``other_key``: a key that matches no certificate (key/certificate mismatch)
- ``https_cert``/``https_key``/``https_fullchain``: for ``https_hostnames`` (MTA-STS server)
- ``unknown_root_cert``, ``unknown_leaf_cert``/``unknown_leaf_key``/``unknown_leaf_fullchain``:
  a chain to a root that is *not* in ca_bundle
"""

from __future__ import annotations

import datetime
import fcntl
import ipaddress
import json
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTNAMES = ("mx1.example.test", "mx2.example.test", "mx3.example.test", "mx4.example.test")
P12_PASSPHRASE = "p12-test-passphrase"
_VERSION = 3


def _name(cn: str, org: str = "Mailsec Test PKI", ou: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "US"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _key(bits: int = 2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _ca(subject, key, issuer=None, issuer_key=None, days=3650, path_len=None):
    now = _now()
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1000)).not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer_key is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


def _leaf(hostnames, key, issuer_cert, issuer_key, not_before=None, not_after=None, subject=None,
          eku=(ExtendedKeyUsageOID.SERVER_AUTH,), self_signed=False):
    now = _now()
    not_before = not_before or now - datetime.timedelta(days=1)
    not_after = not_after or now + datetime.timedelta(days=365)
    subject = subject or _name(hostnames[0] if hostnames else "no-name")
    sans = []
    for h in hostnames:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    issuer_name = subject if self_signed else issuer_cert.subject
    signer = key if self_signed else issuer_key
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                      crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    return b.sign(signer, hashes.SHA256())


def _pem(obj) -> bytes:
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_pki(dest_dir: Path, hostnames=DEFAULT_HOSTNAMES, https_hostnames=()) -> dict:
    """Write the test PKI under dest_dir and return the paths (see the module docstring).

    Safe to call from parallel processes with the same dest_dir (a lock file serialises them),
    and cheap when dest_dir already holds a PKI for the same names.
    """
    dest_dir = Path(dest_dir).resolve()
    dest_dir.mkdir(parents=True, exist_ok=True)
    with open(dest_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _make_pki(dest_dir, hostnames, https_hostnames)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared_pki_dir(name: str = "default") -> Path:
    """A per-user directory that survives between test processes (forked units, xdist workers).

    Every user of one name must ask for the same hostnames: other names regenerate the PKI
    under a test that is reading it.
    """
    return Path(tempfile.gettempdir()) / f"mailsec-test-pki-{os.getuid()}" / name


def _make_pki(dest_dir: Path, hostnames, https_hostnames) -> dict:
    hostnames = list(hostnames)
    https_hostnames = list(https_hostnames) or hostnames
    manifest = dest_dir / "pki.json"
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text())
            if (old.get("_version") == _VERSION and old.get("leaf_hostnames") == hostnames
                    and old.get("https_hostnames") == https_hostnames
                    and all(Path(v).exists() for k, v in old.items() if k.endswith(("_cert", "_key")))):
                # Reuse only while the short-lived leaves still have their intended state.
                exp = x509.load_pem_x509_certificate(Path(old["expiring_cert"]).read_bytes())
                if (exp.not_valid_after_utc - _now()).days >= 5:
                    return old
        except (ValueError, KeyError, OSError):
            pass

    out: dict = {"_version": _VERSION, "leaf_hostnames": hostnames, "https_hostnames": https_hostnames,
                 "p12_passphrase": P12_PASSPHRASE}

    def write(name: str, data: bytes, mode: int = 0o644) -> str:
        path = dest_dir / name
        path.write_bytes(data)
        path.chmod(mode)
        return str(path)

    root_key = _key()
    root = _ca(_name("Mailsec Test Root CA"), root_key)
    inter_key = _key()
    inter = _ca(_name("Mailsec Test Intermediate CA"), inter_key, issuer=root.subject, issuer_key=root_key,
                days=1825, path_len=0)
    out["root_cert"] = write("root.pem", _pem(root))
    out["root_key"] = write("root.key", _pem(root_key), 0o600)
    out["intermediate_cert"] = write("intermediate.pem", _pem(inter))
    out["intermediate_key"] = write("intermediate.key", _pem(inter_key), 0o600)
    out["ca_bundle"] = write("ca-bundle.pem", _pem(root))

    def signed(prefix, names, key=None, **kw):
        key = key or _key()
        cert = _leaf(names, key, inter, inter_key, **kw)
        out[prefix + "_cert"] = write(prefix + ".pem", _pem(cert))
        out[prefix + "_key"] = write(prefix + ".key", _pem(key), 0o600)
        out[prefix + "_fullchain"] = write(prefix + "-fullchain.pem", _pem(cert) + _pem(inter))
        return cert, key

    now = _now()
    leaf, leaf_key = signed("leaf", hostnames)
    out["leaf_chain"] = write("leaf-chain.pem", _pem(inter))
    enc = serialization.BestAvailableEncryption(P12_PASSPHRASE.encode())
    out["leaf_p12"] = write("leaf.p12", pkcs12.serialize_key_and_certificates(
        b"leaf", leaf_key, leaf, [inter], enc), 0o600)
    legacy = (serialization.PrivateFormat.PKCS12.encryption_builder()
              .kdf_rounds(50000).key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
              .hmac_hash(hashes.SHA1()).build(P12_PASSPHRASE.encode()))
    out["leaf_p12_legacy"] = write("leaf-legacy.p12", pkcs12.serialize_key_and_certificates(
        b"leaf", leaf_key, leaf, [inter], legacy), 0o600)

    signed("expired", hostnames, not_before=now - datetime.timedelta(days=400),
           not_after=now - datetime.timedelta(days=10))
    signed("expiring", hostnames, not_after=now + datetime.timedelta(days=10, hours=12))
    signed("wronghost", ["wrong.invalid"])
    signed("weak", hostnames, key=_key(1024))
    signed("clientonly", hostnames, eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    signed("https", https_hostnames)

    ss_key = _key()
    ss = _leaf(hostnames, ss_key, None, None, self_signed=True)
    out["selfsigned_cert"] = write("selfsigned.pem", _pem(ss))
    out["selfsigned_key"] = write("selfsigned.key", _pem(ss_key), 0o600)

    demo_key = _key()
    demo_subject = _name("Cisco Appliance Demo Certificate", org="Cisco Systems, Inc.",
                         ou="Cisco Appliance Demo Certificate")
    demo = _leaf(hostnames, demo_key, None, None, subject=demo_subject, self_signed=True)
    out["demo_cert"] = write("demo.pem", _pem(demo))
    out["demo_key"] = write("demo.key", _pem(demo_key), 0o600)

    out["other_key"] = write("other.key", _pem(_key()), 0o600)

    # A complete chain to a root nobody trusts.
    u_root_key = _key()
    u_root = _ca(_name("Unknown Root CA", org="Elsewhere"), u_root_key)
    u_key = _key()
    u_leaf = _leaf(hostnames, u_key, u_root, u_root_key)
    out["unknown_root_cert"] = write("unknown-root.pem", _pem(u_root))
    out["unknown_leaf_cert"] = write("unknown-leaf.pem", _pem(u_leaf))
    out["unknown_leaf_key"] = write("unknown-leaf.key", _pem(u_key), 0o600)
    out["unknown_leaf_fullchain"] = write("unknown-leaf-fullchain.pem", _pem(u_leaf) + _pem(u_root))

    manifest.write_text(json.dumps(out, indent=2, sort_keys=True))
    return out


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(json.dumps(make_pki(Path(sys.argv[1] if len(sys.argv) > 1 else ".run/pki"),
                              sys.argv[2:] or DEFAULT_HOSTNAMES), indent=2))
