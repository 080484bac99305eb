# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider options every DNS module of the collection shares (doc fragment ``mailsec.cres.dns_provider``).

A module builds its argument spec as ``dict(own_options, **argument_spec())``, passes
``REQUIRED_IF``/``REQUIRED_TOGETHER``/``REQUIRED_BY`` to AnsibleModule, calls
``deps.require(module, *libraries(params))`` before anything else, then ``build_provider(params)``.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import DnsProviderError
from ansible_collections.mailsec.cres.plugins.module_utils.dns.powerdns import PowerDNSProvider
from ansible_collections.mailsec.cres.plugins.module_utils.dns.rfc2136 import TSIG_ALGORITHMS, RFC2136Provider
from ansible_collections.mailsec.cres.plugins.module_utils.dns.route53 import Route53Provider
from ansible_collections.mailsec.cres.plugins.module_utils.dns.zonefile import ZoneFileProvider

PROVIDERS = dict((cls.name, cls) for cls in (RFC2136Provider, PowerDNSProvider, Route53Provider, ZoneFileProvider))
DEFAULT_PROVIDER = 'zonefile'


def argument_spec():
    """A fresh copy of the provider options (AnsibleModule changes the spec it is given)."""
    return dict(
        provider=dict(type='str', default=DEFAULT_PROVIDER, choices=sorted(PROVIDERS)),
        zone=dict(type='str'),
        timeout=dict(type='float', default=10.0),
        validate_certs=dict(type='bool', default=True),
        # rfc2136
        server=dict(type='str'),
        port=dict(type='int', default=53),
        tsig_key_name=dict(type='str', no_log=False),
        tsig_key_secret=dict(type='str', no_log=True),
        tsig_algorithm=dict(type='str', default='hmac-sha256', choices=list(TSIG_ALGORITHMS)),
        kerberos_principal=dict(type='str'),
        kerberos_keytab=dict(type='path', no_log=False),
        kerberos_server_name=dict(type='str'),
        # powerdns
        api_url=dict(type='str'),
        api_key=dict(type='str', no_log=True),
        server_id=dict(type='str', default='localhost'),
        # route53
        aws_access_key_id=dict(type='str', no_log=True),
        aws_secret_access_key=dict(type='str', no_log=True),
        aws_session_token=dict(type='str', no_log=True),
        aws_profile=dict(type='str', aliases=['profile']),
        aws_region=dict(type='str'),
        endpoint_url=dict(type='str'),
        private_zone=dict(type='bool', default=False),
        hosted_zone_id=dict(type='str'),
        # zonefile
        path=dict(type='path'),
    )


def write_argument_spec():
    """The options of a module that writes TXT records (spf_include, dns_txt), beside the provider's (fresh copy)."""
    return dict(
        ttl=dict(type='int', default=3600),
        retries=dict(type='int', default=5),
        propagation_timeout=dict(type='int', default=60),
        authoritative_port=dict(type='int'),
    )


def write_settings_problem(p):
    """What is wrong with the write options (write_argument_spec) and the ports, naming the option; None if fine."""
    if not 0 <= p['ttl'] <= 2147483647:
        return 'ttl must be between 0 and 2147483647 seconds'
    for key in ('port', 'nameserver_port', 'authoritative_port'):
        if p.get(key) is not None and not 0 < p[key] < 65536:
            return '%s must be a port number between 1 and 65535' % key
    if p['retries'] < 0 or p['retries'] > 50:
        return 'retries must be between 0 and 50'
    if p['propagation_timeout'] < 0 or p['propagation_timeout'] > 3600:
        return 'propagation_timeout must be between 0 (no check) and 3600 seconds'
    if p['timeout'] <= 0:
        return 'timeout must be positive'
    return None


REQUIRED_IF = [
    ('provider', 'rfc2136', ['server']),
    ('provider', 'powerdns', ['api_url', 'api_key']),
    ('provider', 'zonefile', ['path']),
]
REQUIRED_TOGETHER = [('tsig_key_name', 'tsig_key_secret'), ('aws_access_key_id', 'aws_secret_access_key')]
REQUIRED_BY = {'kerberos_keytab': 'kerberos_principal', 'aws_session_token': 'aws_access_key_id'}


def validate(p):
    """Option values the argument spec cannot check; raises DnsProviderError naming the option."""
    if p.get('port') is not None and not 0 < p['port'] < 65536:
        raise DnsProviderError('port must be a port number between 1 and 65535', provider=p['provider'])
    if p['timeout'] <= 0:
        raise DnsProviderError('timeout must be positive', provider=p['provider'])


def libraries(p):
    """The ``deps`` libraries the chosen provider needs with the options ``p``."""
    return PROVIDERS[p['provider']].libraries(p)


def build_provider(p):
    """The provider object for the module options ``p`` (raises DnsProviderError)."""
    validate(p)
    return PROVIDERS[p['provider']].from_params(p)
