# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GSS-TSIG (RFC 3645): a Kerberos security context negotiated with the DNS server via TKEY.

Active Directory zones set to "secure only" and BIND with ``tkey-gssapi-keytab`` accept
updates signed this way. The credential is the user's ticket cache (``kinit``), or a keytab
with a principal; the context is established with a TKEY query (mode 3, GSS-API) carrying the
SPNEGO/Kerberos token, then every query and update is signed with a GSS-API MIC.
"""

from __future__ import annotations

import os
import time
import uuid

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError

# gssapi is imported where it is used: only GSS-TSIG tasks pay for it (deps.GSSAPI).
with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
    import dns.rdtypes.ANY.TKEY
    import dns.tsig

TKEY_MODE_GSSAPI = 3
# RFC 2845/8945 TSIG/TKEY error codes
TKEY_ERRORS = {16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 20: 'BADNAME', 21: 'BADALG'}
SPNEGO_OID = '1.3.6.1.5.5.2'
MAX_ROUNDS = 5
CLOCK_HINT = ('the clocks of the controller, the KDC and the DNS server differ by more than Kerberos '
              'allows (5 minutes by default); synchronize them (NTP) and run again')


class GssTsigFailure(MailsecError):
    """Negotiation or credential problem; ``kind`` is credentials, refused or clock."""

    def __init__(self, message, kind='refused'):
        super(GssTsigFailure, self).__init__(message)
        self.kind = kind


def gss_message(exc):
    """The human part of a GSSError (major and minor messages)."""
    try:
        text = exc.gen_message()
    except Exception:  # pylint: disable=broad-except
        text = str(exc)
    return ' '.join(text.split())


def _is_skew(text):
    text = text.lower()
    return 'skew' in text or 'clock' in text


class GssTsigContext(object):
    """One negotiated GSS-TSIG key for a server; ``keyring``/``keyname`` sign messages with it."""

    algorithm = None

    def __init__(self, server, port, server_name, principal=None, keytab=None, timeout=10.0):
        self.server = server
        self.port = port
        self.server_name = server_name
        self.principal = principal
        self.keytab = keytab
        self.timeout = timeout
        self.keyname = None
        self.keyring = None
        self.algorithm = dns.tsig.GSS_TSIG
        self.initiator = None

    def _credentials(self):
        import gssapi.exceptions
        name = gssapi.Name(self.principal, gssapi.NameType.kerberos_principal) if self.principal else None
        try:
            if self.keytab:
                if not os.path.isfile(self.keytab):
                    raise GssTsigFailure('kerberos_keytab %s does not exist or is not a file' % self.keytab,
                                         'credentials')
                # A private in-memory cache: the keytab's tickets never land in the user's cache.
                store = {'client_keytab': self.keytab, 'ccache': 'MEMORY:mailsec-cres-%s' % uuid.uuid4().hex}
                return gssapi.Credentials(name=name, usage='initiate', store=store)
            creds = gssapi.Credentials(name=name, usage='initiate')
            creds.lifetime  # pylint: disable=pointless-statement  # raises when the ticket has expired
            return creds
        except gssapi.exceptions.GSSError as exc:
            text = gss_message(exc)
            if _is_skew(text):
                raise GssTsigFailure('Kerberos: %s; %s' % (text, CLOCK_HINT), 'clock')
            if self.keytab:
                raise GssTsigFailure('cannot get a Kerberos ticket for %s from kerberos_keytab %s: %s; check '
                                     'kerberos_principal, the keytab and the realm in krb5.conf'
                                     % (self.principal, self.keytab, text), 'credentials')
            raise GssTsigFailure('no usable Kerberos ticket%s (%s); run "kinit %s" first, or set '
                                 'kerberos_principal and kerberos_keytab'
                                 % (' for %s' % self.principal if self.principal else '', text,
                                    self.principal or 'USER@REALM'), 'credentials')

    def establish(self):
        """Run the TKEY negotiation; afterwards ``keyring`` and ``keyname`` sign messages."""
        import gssapi.exceptions
        creds = self._credentials()
        target = gssapi.Name('DNS@%s' % self.server_name, gssapi.NameType.hostbased_service)
        context = gssapi.SecurityContext(
            name=target, creds=creds, usage='initiate', mech=gssapi.OID.from_int_seq(SPNEGO_OID),
            flags=[gssapi.RequirementFlag.mutual_authentication, gssapi.RequirementFlag.integrity])
        keyname = dns.name.from_text('%s.sig-%s' % (uuid.uuid4().hex[:16], self.server_name.split('.')[0]))
        key = dns.tsig.Key(keyname, context, dns.tsig.GSS_TSIG)
        adapter = dns.tsig.GSSTSigAdapter({keyname: key})
        token = self._step(context, None)
        for _round in range(MAX_ROUNDS):
            response = self._exchange(keyname, adapter, token)
            tkey = self._tkey(response, keyname)
            if tkey is None:
                raise GssTsigFailure('the DNS server answered the TKEY negotiation with %s and no TKEY record; '
                                     'it does not support GSS-TSIG (BIND needs tkey-gssapi-keytab)'
                                     % dns.rcode.to_text(response.rcode()))
            if tkey.error:
                reason = TKEY_ERRORS.get(tkey.error, str(tkey.error))
                detail = ''
                if tkey.key and not context.complete:
                    try:
                        context.step(tkey.key)
                    except gssapi.exceptions.GSSError as exc:
                        detail = gss_message(exc)
                if reason == 'BADTIME' or _is_skew(detail):
                    raise GssTsigFailure('the DNS server rejected the Kerberos negotiation (%s%s); %s'
                                         % (reason, ': ' + detail if detail else '', CLOCK_HINT), 'clock')
                # BIND answers BADKEY without any detail when it cannot accept the ticket; the
                # ticket itself was fine for the KDC, which leaves the clocks or the server's keytab.
                raise GssTsigFailure('the DNS server could not accept the Kerberos ticket (TKEY error %s%s). The usual '
                                     'causes: the clocks of the controller and the DNS server differ by more than '
                                     'Kerberos allows (5 minutes by default; synchronize them with NTP), or the '
                                     'key of DNS/%s in the server\'s keytab does not match the KDC\'s'
                                     % (reason, ': ' + detail if detail else '', self.server_name), 'clock')
            if context.complete:
                break
            token = self._step(context, tkey.key)
            if context.complete and not token:
                break
        else:
            raise GssTsigFailure('the Kerberos negotiation with the DNS server did not complete in %d rounds'
                                 % MAX_ROUNDS)
        self.keyname = keyname
        self.keyring = key
        self.initiator = str(context.initiator_name)

    @staticmethod
    def _step(context, token):
        import gssapi.exceptions
        try:
            return context.step(token)
        except gssapi.exceptions.GSSError as exc:
            text = gss_message(exc)
            if _is_skew(text):
                raise GssTsigFailure('Kerberos: %s; %s' % (text, CLOCK_HINT), 'clock')
            if 'not found in kerberos database' in text.lower() or 'server not found' in text.lower():
                raise GssTsigFailure('the KDC does not know the DNS server principal (%s); set kerberos_server_name '
                                     'to the DNS server host name its principal DNS/HOST uses' % text, 'credentials')
            raise GssTsigFailure('Kerberos: %s' % text, 'credentials')

    def _exchange(self, keyname, adapter, token):
        import gssapi.exceptions
        now = int(time.time())
        tkey = dns.rdtypes.ANY.TKEY.TKEY(dns.rdataclass.ANY, dns.rdatatype.TKEY, dns.tsig.GSS_TSIG, now,
                                         now + 86400, TKEY_MODE_GSSAPI, 0, token)
        query = dns.message.make_query(keyname, dns.rdatatype.TKEY, dns.rdataclass.ANY)
        query.find_rrset(query.additional, keyname, dns.rdataclass.ANY, dns.rdatatype.TKEY, create=True).add(tkey)
        # Not signed: the key does not exist yet. The adapter absorbs the server's token (and
        # checks the signature of its answer) while the response is parsed.
        query.keyring = adapter
        try:
            return dns.query.tcp(query, self.server, port=self.port, timeout=self.timeout)
        except gssapi.exceptions.GSSError as exc:
            text = gss_message(exc)
            raise GssTsigFailure('Kerberos: %s%s' % (text, '; ' + CLOCK_HINT if _is_skew(text) else ''),
                                 'clock' if _is_skew(text) else 'refused')

    @staticmethod
    def _tkey(response, keyname):
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.TKEY:
                return rrset[0]
        return None
