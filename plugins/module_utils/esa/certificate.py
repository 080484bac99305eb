# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""esa_certificate: a certificate profile with its intermediates, assigned to listeners."""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import certificates as certlib
from ansible_collections.mailsec.cres.plugins.module_utils.asyncos import dialect
from ansible_collections.mailsec.cres.plugins.module_utils.esa.base import (
    NAME_RE,
    EsaError,
    Plan,
    Resource,
    fmt_fingerprint,
    norm_fingerprint,
)

IGNORABLE_CHECKS = ('chain', 'validity', 'hostnames', 'key_strength', 'eku', 'self_signed', 'demo_certificate')
DEMO = dialect.DEMO_CERTIFICATE


def _pem(cert):
    from cryptography.hazmat.primitives import serialization
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _key_pem(key):
    """The unencrypted PEM the appliance is given (traditional format for RSA/EC; assumed)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    fmt = serialization.PrivateFormat.PKCS8
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode('ascii')


def profile_facts(name, profile, cfg=None):
    if profile is None:
        return None
    facts = {'name': name}
    for key in ('subject', 'issuer', 'not_after'):
        value = getattr(profile, key)
        if value is not None:
            facts[key] = str(value)
    facts['fingerprint_sha256'] = fmt_fingerprint(profile.fingerprint_sha256)
    facts['intermediates'] = [fmt_fingerprint(f) for f in profile.intermediates]
    if cfg is not None:
        facts['listeners'] = sorted(cfg.listeners_using_certificate(name))
    return facts


def _same(name_a, name_b):
    return (name_a or '').lower() == (name_b or '').lower()


class CertificateResource(Resource):
    noun = 'certificate profile'
    result_key = 'profile'
    expected_type = 'certificate'

    def __init__(self, params, check_mode=False):
        super(CertificateResource, self).__init__(params, check_mode)
        self.name = params['name']
        self.state = params.get('state') or 'present'
        self.listeners = list(params.get('listeners') or [])
        self.force = bool(params.get('force'))
        self.delete_replaced = bool(params.get('delete_replaced'))
        self.hostnames = params.get('hostnames')
        self.ignore_checks = list(params.get('ignore_checks') or [])
        if not self.name or not NAME_RE.match(self.name):
            raise EsaError('name: %r is not a valid certificate profile name (letters, digits, "_", "-", "."; '
                           'no blanks)' % self.name, 'name')
        if self.state == 'present' and _same(self.name, DEMO):
            raise EsaError('name: %s is the built-in demo profile; choose another name' % self.name, 'name')
        self.leaf = None
        self.key = None
        self.key_pem = None
        self.secrets = []
        self.chain = []
        self.validation = None
        if self.state == 'present' and params.get('_load', True):
            self._load()
        self.expected = None

    # -- input
    def _load(self):
        try:
            leaf, key, extra = certlib.load_inputs(self.params)
        except certlib.CertificateError as exc:
            raise EsaError(exc.message, exc.field)
        if key is None:
            field = 'pkcs12' if (self.params.get('pkcs12') or self.params.get('pkcs12_path')) else 'private_key'
            raise EsaError('%s: no private key given (give private_key or private_key_path)' % field, field)
        self.leaf, self.key = leaf, key
        self.key_pem = _key_pem(key)
        self.secrets = [self.key_pem] + [line for line in self.key_pem.splitlines() if len(line) > 16]
        self.chain = self._order_chain(leaf, extra)

    @staticmethod
    def _order_chain(leaf, extra):
        """Intermediates to install: no duplicates, no self-signed root, issuer order when possible."""
        seen = set([certlib.fingerprint_sha256(leaf)])
        pool = []
        for cert in extra:
            fp = certlib.fingerprint_sha256(cert)
            if fp in seen or certlib.is_self_signed(cert):
                continue
            seen.add(fp)
            pool.append(cert)
        ordered = []
        current = leaf
        while pool:
            nxt = [c for c in pool if c.subject == current.issuer]
            if not nxt:
                break
            ordered.append(nxt[0])
            pool.remove(nxt[0])
            current = nxt[0]
        return ordered + pool

    @staticmethod
    def libraries(params):
        """Installing a certificate validates it first (cryptography; certifi unless ca_bundle)."""
        if (params.get('state') or 'present') != 'present':
            return []
        return certlib.libraries(params.get('ca_bundle'))

    def describe(self):
        return 'certificate profile %s' % self.name

    def _validate(self, cfg, plan):
        hostnames = self.hostnames
        if hostnames is None:
            hostnames = []
            for lname in self.listeners:
                listener = cfg.listener(lname)
                if listener is not None and listener.hostname and listener.hostname not in hostnames:
                    hostnames.append(listener.hostname)
        p = self.params
        try:
            result = certlib.validate_certificate(
                self.leaf, self.key, self.chain, hostnames=hostnames, ca_bundle=p.get('ca_bundle'),
                min_days_remaining=p.get('min_days_remaining') if p.get('min_days_remaining') is not None else 30,
                min_key_bits=p.get('min_key_bits') or 2048)
        except certlib.CertificateError as exc:
            raise EsaError(exc.message, exc.field)
        self.validation = result
        problems = result['problems']
        mismatch = [x for x in problems if x['check'] == 'key_match']
        if mismatch:
            field = 'pkcs12' if (p.get('pkcs12') or p.get('pkcs12_path')) else (
                'private_key_path' if p.get('private_key_path') else 'private_key')
            raise EsaError('%s: %s' % (field, mismatch[0]['reason']), field)
        blocking = [x for x in problems if x['check'] not in self.ignore_checks]
        ignored = [x for x in problems if x['check'] in self.ignore_checks]
        for item in ignored:
            plan.warnings.append('ignored failed check %s (ignore_checks): %s' % (item['check'], item['reason']))
        if blocking:
            field = {'chain': 'intermediates', 'hostnames': 'hostnames'}
            rank = {'hostnames': 1, 'chain': 2}
            blocking.sort(key=lambda x: rank.get(x['check'], 0))
            first = blocking[0]
            raise EsaError('%s: the certificate would fail CRES verification: %s. Fix the certificate, or list the '
                           'check(s) %s in ignore_checks to install it anyway'
                           % (field.get(first['check'], 'certificate'),
                              '; '.join('%s: %s' % (x['check'], x['reason']) for x in blocking),
                              ', '.join(sorted(set(x['check'] for x in blocking)))),
                           field.get(first['check'], 'certificate'))
        plan.result['validation'] = {'valid': result['valid'], 'checks': result['checks'],
                                     'chain_code': result['chain_code']}
        plan.result['certificate'] = result['certificate']

    def plan(self, cfg, device):
        plan = Plan()
        for index, lname in enumerate(self.listeners):
            if cfg.listener(lname) is None:
                raise EsaError('listeners[%d]: no listener named %r on this appliance (listeners: %s)'
                               % (index, lname, ', '.join(sorted(cfg.listeners)) or 'none'), 'listeners')
        profile = cfg.certificate(self.name)
        assigned = dict((n, lst.certificate) for n, lst in cfg.listeners.items())
        plan.before = self._facts(profile, assigned)

        if self.state == 'absent':
            users = sorted(n for n, c in assigned.items() if c == self.name)
            plan.after = None
            self.expected = {'absent': True}
            if profile is not None:
                if users and not self.force:
                    raise EsaError('state: certificate profile %s is used by listener(s) %s; assign another '
                                   'certificate to them first, or set force=true (they then use the demo '
                                   'certificate)' % (self.name, ', '.join(users)), 'state')
                for lname in users:
                    plan.add('assign %s to listener %s' % (DEMO, lname), device.set_listener_certificate,
                             lname, DEMO, allow_demo=True)
                plan.add('delete certificate profile %s' % self.name, device.delete_certificate, self.name)
            return plan

        self._validate(cfg, plan)
        leaf_fp = norm_fingerprint(certlib.fingerprint_sha256(self.leaf))
        chain_fps = [norm_fingerprint(certlib.fingerprint_sha256(c)) for c in self.chain]
        same = (profile is not None and norm_fingerprint(profile.fingerprint_sha256) == leaf_fp
                and [norm_fingerprint(f) for f in profile.intermediates] == chain_fps)
        if not same:
            plan.add('%s certificate profile %s (fingerprint %s, %d intermediate(s))'
                     % ('replace' if profile is not None else 'install', self.name, fmt_fingerprint(leaf_fp),
                        len(chain_fps)),
                     device.paste_certificate, self.name, _pem(self.leaf), self.key_pem,
                     intermediates=[_pem(c) for c in self.chain], overwrite=profile is not None)
        after_assigned = dict(assigned)
        for lname in self.listeners:
            if assigned.get(lname) != self.name:
                plan.add('assign certificate profile %s to listener %s (was %s)'
                         % (self.name, lname, assigned.get(lname)),
                         device.set_listener_certificate, lname, self.name)
                after_assigned[lname] = self.name
        deleted = []
        if self.delete_replaced:
            for lname in self.listeners:
                old = assigned.get(lname)
                if (old and old != self.name and not _same(old, DEMO) and cfg.certificate(old) is not None
                        and old not in after_assigned.values() and old not in deleted):
                    deleted.append(old)
                    plan.add('delete replaced certificate profile %s' % old, device.delete_certificate, old)
        for lname in self.listeners:
            old = assigned.get(lname)
            if old and old != self.name and old not in deleted and not _same(old, DEMO) \
                    and old not in after_assigned.values():
                plan.warnings.append('certificate profile %s is no longer used by any listener; it was kept '
                                     '(set delete_replaced=true to remove it)' % old)
        self.expected = {'fingerprint': leaf_fp, 'intermediates': chain_fps, 'listeners': list(self.listeners),
                         'deleted': deleted}
        plan.after = {'name': self.name, 'fingerprint_sha256': fmt_fingerprint(leaf_fp),
                      'intermediates': [fmt_fingerprint(f) for f in chain_fps],
                      'subject': self.leaf.subject.rfc4514_string(), 'issuer': self.leaf.issuer.rfc4514_string(),
                      'not_after': plan.result['certificate']['not_after'],
                      'listeners': sorted(n for n, c in after_assigned.items() if c == self.name)}
        if deleted:
            plan.after['deleted_profiles'] = deleted
        return plan

    def _facts(self, profile, assigned):
        if profile is None:
            return None
        facts = profile_facts(self.name, profile)
        facts['listeners'] = sorted(n for n, c in assigned.items() if c == self.name)
        return facts

    def verify(self, cfg):
        profile = cfg.certificate(self.name)
        if self.state == 'absent':
            return ['certificate profile %s is still present' % self.name] if profile is not None else []
        if profile is None:
            return ['certificate profile %s is not present' % self.name]
        problems = []
        fp = norm_fingerprint(profile.fingerprint_sha256)
        if fp != self.expected['fingerprint']:
            problems.append('certificate fingerprint is %s, expected %s'
                            % (fmt_fingerprint(fp), fmt_fingerprint(self.expected['fingerprint'])))
        chain = [norm_fingerprint(f) for f in profile.intermediates]
        if chain != self.expected['intermediates']:
            problems.append('intermediates are %s, expected %s' % ([fmt_fingerprint(f) for f in chain],
                                                                   [fmt_fingerprint(f) for f in
                                                                    self.expected['intermediates']]))
        for lname in self.expected['listeners']:
            listener = cfg.listener(lname)
            have = listener.certificate if listener is not None else None
            if have != self.name:
                problems.append('listener %s uses certificate profile %s, expected %s' % (lname, have, self.name))
        for old in self.expected['deleted']:
            if cfg.certificate(old) is not None:
                problems.append('replaced certificate profile %s is still present' % old)
        return problems

    def facts(self, cfg):
        return profile_facts(self.name, cfg.certificate(self.name), cfg)

    def expected_state(self):
        out = {'type': self.expected_type, 'name': self.name, 'state': self.state}
        if self.state == 'present':
            out.update(self.expected)
        return out

    @classmethod
    def from_expected(cls, data):
        resource = cls({'name': data['name'], 'state': data.get('state'), '_load': False})
        if resource.state == 'present':
            resource.expected = {'fingerprint': data.get('fingerprint'),
                                 'intermediates': list(data.get('intermediates') or []),
                                 'listeners': list(data.get('listeners') or []),
                                 'deleted': list(data.get('deleted') or [])}
        return resource
