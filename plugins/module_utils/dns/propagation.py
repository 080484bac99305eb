# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After a write: ask every authoritative nameserver of the zone until it serves the change.

``wait_served(provider, resolver, zone, name, accepts, timeout, port)`` polls each address of
each nameserver with a non-recursive TXT query and ``accepts(texts)`` decides (so a module
can accept any record with the effect it wanted, not only its own text). Providers that
report when a change is in sync (Route 53) only require the nameservers that can be reached.
"""

from __future__ import annotations

import time

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.dns.base import DnsProviderError, fqdn

with deps.DNSPYTHON.guard():
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype


def query_txt_at(address, port, name, timeout=3.0):
    """TXT texts at name as served by one authoritative server (no recursion)."""
    query = dns.message.make_query(fqdn(name), dns.rdatatype.TXT)
    query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=port, timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, address, port=port, timeout=timeout)
    except dns.exception.Timeout:
        raise DnsProviderError('no answer within %ss' % timeout)
    except (OSError, dns.exception.DNSException) as exc:
        raise DnsProviderError(str(exc) or exc.__class__.__name__)
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return []
    if rcode != dns.rcode.NOERROR:
        raise DnsProviderError('answered %s' % dns.rcode.to_text(rcode))
    if not response.flags & dns.flags.AA:
        raise DnsProviderError('answer is not authoritative (server does not serve the zone)')
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            return [b''.join(r.strings).decode('utf-8', 'replace') for r in rrset]
    return []


def wait_served(provider, resolver, zone, name, accepts, timeout, port, query=None):
    """Poll the zone's nameservers until each serves texts that ``accepts(texts)``.

    Returns one dict per address: nameserver, address, port, served (True, False, or None
    when it could not be reached and the provider reports sync itself), error.
    """
    query = query or query_txt_at
    capabilities = getattr(provider, 'capabilities', None)
    optional = bool(capabilities and capabilities.reports_sync)
    targets = []
    for ns, addrs in provider.nameservers(zone):
        if not addrs:
            for rdtype in ('A', 'AAAA'):
                status, values = resolver.query(ns, rdtype)
                if status == 'ok':
                    addrs = addrs + values
        if not addrs:
            targets.append({'nameserver': ns, 'address': None, 'port': port, 'served': None if optional else False,
                            'error': 'no address found for %s' % ns})
            continue
        for addr in addrs:
            targets.append({'nameserver': ns, 'address': addr, 'port': port, 'served': False, 'error': None,
                            'reached': False})
    deadline = time.monotonic() + timeout
    while True:
        for target in targets:
            if target['served'] or target['address'] is None:
                continue
            try:
                texts = query(target['address'], port, name, min(3.0, max(timeout, 1)))
                target['reached'] = True
                target['served'] = bool(accepts(texts))
                target['error'] = None if target['served'] else 'serves %s' % (texts or 'no TXT record')
            except DnsProviderError as exc:
                target['error'] = str(exc)
        pending = [t for t in targets if not t['served'] and t['address'] is not None]
        if optional:
            # An unreachable nameserver proves nothing either way once the provider says INSYNC.
            pending = [t for t in pending if t['reached']]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    for target in targets:
        if optional and target['address'] is not None and not target.pop('reached') and not target['served']:
            target['served'] = None
        target.pop('reached', None)
    return targets


def confirm_written(provider, resolver, zone, name, change, accepts, timeout, port, result, query=None):
    """After a write, wait until it is live: the provider's own report first (Route 53: INSYNC),
    then every authoritative nameserver of zone serving texts that ``accepts(texts)``.

    Sets ``result['sync']`` (when the provider reports sync) and ``result['propagation']``
    (None when there is no check: ``port`` None or ``timeout`` 0). Returns None when the write
    is confirmed, else the message for the module to fail with (the write itself is done).
    """
    if port is None or timeout == 0:
        result['propagation'] = None
        return None
    try:
        sync = provider.wait_committed(zone, name, change, timeout)
    except DnsProviderError as exc:
        return 'the record was written, but waiting for the provider to apply it failed: %s' % exc
    if sync is not None:
        result['sync'] = sync
        if sync['status'] != 'INSYNC':
            return ('the record was written (change %s), but %s did not report it in sync on all its servers within '
                    '%ss (status %s); raise propagation_timeout'
                    % (sync['change_id'], provider.name, timeout, sync['status']))
    try:
        servers = wait_served(provider, resolver, zone, name, accepts, timeout, port, query=query)
    except DnsProviderError as exc:
        return 'the record was written, but listing the nameservers of %s failed: %s' % (zone, exc)
    result['propagation'] = servers
    missing = [s for s in servers if s['served'] is False]
    if missing:
        return ('the record was written, but after %ss these authoritative nameservers of %s do not serve it: %s. '
                'Check zone transfers/NOTIFY to them, or raise propagation_timeout'
                % (timeout, zone, ', '.join('%s (%s port %s: %s)' % (s['nameserver'], s['address'], s['port'],
                                                                     s['error']) for s in missing)))
    return None
