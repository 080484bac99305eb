# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider-agnostic logic of mailsec.cres.dns_txt: TXT values at a name, through any DNS provider.

``plan(rrset, values, state, mode) -> TxtPlan`` decides from what was read; ``ensure_txt(provider,
resolver, settings, check_mode)`` reads, decides, writes from exactly what it read
(compare-and-swap, retried when another writer won), waits until the zone's nameservers serve
it and returns the result dict, raising ``DnsTxtFailure`` (message + partial result);
``run(module)`` wires it to an AnsibleModule.

Values are compared by their joined text (the character-strings glued together, what every
reader of TXT records sees), so how a value is split into strings never causes a change.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils.dns import base as providers
from ansible_collections.mailsec.cres.plugins.module_utils.dns import options as provider_options
from ansible_collections.mailsec.cres.plugins.module_utils.dns import propagation
from ansible_collections.mailsec.cres.plugins.module_utils.errors import TaskFailure
from ansible_collections.mailsec.cres.plugins.module_utils.spf import normalize_domain, quote_txt

STATES = ('present', 'absent')
MODES = ('append', 'exact')
# RFC 1035: a name is at most 255 octets on the wire, 253 characters of text without the final dot.
MAX_NAME = 253
# A TXT RRset that does not fit a 64 KiB DNS message cannot be served at all.
MAX_RRSET_WIRE = 65000

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True, aliases=['record']),
    values=dict(type='list', elements='str', aliases=['value']),
    state=dict(type='str', default='present', choices=list(STATES)),
    mode=dict(type='str', default='append', choices=list(MODES)),
    # nameservers, nameserver_port (doc fragment mailsec.cres.dns_resolver): addresses of the NS hosts
    **dns_resolver.ARGUMENT_SPEC,
    # ttl, retries, propagation_timeout, authoritative_port
    **provider_options.write_argument_spec(),
    # provider, zone, timeout and the options of each provider (doc fragment mailsec.cres.dns_provider)
    **provider_options.argument_spec()
)
REQUIRED_IF = provider_options.REQUIRED_IF
REQUIRED_TOGETHER = provider_options.REQUIRED_TOGETHER
REQUIRED_BY = provider_options.REQUIRED_BY


class DnsTxtFailure(TaskFailure):
    """dns_txt fails with ``message`` and the partial ``result``."""


def validate_settings(p):
    """Check what the argument spec cannot; returns (name, values), raises DnsTxtFailure naming the option."""
    name = normalize_domain(p['name'] or '')
    labels = name.split('.')
    if not name or any(not label or ' ' in label or len(label) > 63 for label in labels) or len(name) > MAX_NAME:
        raise DnsTxtFailure('name must be a DNS name such as _acme-challenge.mail.example.com (labels of 1 to 63 '
                            'characters, no blanks), got %r' % (p['name'],))
    if p['zone'] and not providers.in_zone(name, p['zone']):
        raise DnsTxtFailure('name %s is not inside zone %s; fix name or zone' % (name, p['zone']))
    values = p['values']
    if p['state'] == 'absent' and p['mode'] == 'exact':
        if values:
            raise DnsTxtFailure('values: state=absent with mode=exact removes every TXT record at %s, so it takes no '
                                'values; use mode=append to remove only the values given' % name)
        values = []
    elif not values:
        raise DnsTxtFailure('values: give at least one TXT value (state=%s, mode=%s)%s'
                            % (p['state'], p['mode'], '; state=absent with mode=exact removes every TXT record'
                               if p['state'] == 'absent' else ''))
    wanted = []
    for value in values:
        if value is None:
            raise DnsTxtFailure('values: a value is null; quote it in YAML (an empty TXT value is "")')
        if value not in wanted:     # an RRset is a set: the same value twice is one record
            wanted.append(value)
    problem = provider_options.write_settings_problem(p)
    if problem:
        raise DnsTxtFailure(problem)
    return name, wanted


class TxtPlan(object):
    """What to write at a name: the complete new list of values, and what changes."""

    __slots__ = ('new_values', 'added', 'removed')

    def __init__(self, new_values, added, removed):
        self.new_values = new_values
        self.added = added
        self.removed = removed

    @property
    def changed(self):
        return bool(self.added or self.removed)


def plan(rrset, values, state, mode):
    """The change from ``rrset`` (as read) for ``values`` (texts) with ``state`` and ``mode``.

    Values read are kept as the objects read (their strings and native form stay as stored). A
    value that is stored but disabled (PowerDNS) is not served, so it does not count as present.
    """
    wanted = list(values)
    new_values, removed = [], []
    served = set()
    for value in rrset.values:
        text = value.text
        if state == 'present' and text in wanted and not value.disabled and text not in served:
            served.add(text)
            new_values.append(value)
        elif state == 'absent' and (mode == 'exact' or text in wanted):
            removed.append(value)
        elif state == 'present' and (mode == 'exact' or text in wanted):
            removed.append(value)     # not wanted (exact), disabled, or a second copy of a wanted value
        else:
            new_values.append(value)  # another value: append mode keeps it as stored
    added = []
    if state == 'present':
        for text in wanted:
            if text not in served:
                value = providers.TxtValue.from_text(text)
                added.append(value)
                new_values.append(value)
    return TxtPlan(new_values, added, removed)


def _texts(values):
    return [v.text for v in values]


def _diff(name, before, after):
    """One line per TXT record, in zone file notation (its strings as stored)."""
    def lines(values):
        return ''.join('%s\n' % quote_txt(v.chunks) for v in values)
    return {'before_header': '%s TXT' % name, 'after_header': '%s TXT' % name,
            'before': lines(before), 'after': lines(after)}


def served_as_wanted(texts, values, state, mode):
    """Whether the TXT texts a nameserver serves reach the desired state (for the propagation check).

    In append mode only our values matter: another writer's values beside them are fine.
    """
    texts = list(texts)
    if state == 'present':
        return all(v in texts for v in values) and (mode == 'append' or sorted(set(texts)) == sorted(values))
    if mode == 'exact':
        return not texts
    return not any(v in texts for v in values)


def ensure_txt(provider, resolver, p, check_mode=False, hooks=None):
    """Do the work. ``p`` holds the module options. Returns the result dict."""
    name, values = validate_settings(p)
    result = {'changed': False, 'name': name, 'provider': provider.name, 'state': p['state'], 'mode': p['mode']}
    # A provider's error fails the task with what was found so far (zone, attempts, values).
    with DnsTxtFailure.carrying(result):
        return _ensure(provider, resolver, p, name, values, result, check_mode, hooks or {})


def _ensure(provider, resolver, p, name, values, result, check_mode, hooks):
    zone = normalize_domain(p['zone']) if p['zone'] else provider.discover_zone(name)
    if not providers.in_zone(name, zone):
        raise DnsTxtFailure('name %s is not inside zone %s; fix name or zone' % (name, zone), result)
    result['zone'] = zone
    conflicts = 0
    change = None
    attempts_allowed = p['retries'] + 1
    for attempt in range(1, attempts_allowed + 1):
        result['attempts'] = attempt
        rrset = provider.read_txt(zone, name)
        decision = plan(rrset, values, p['state'], p['mode'])
        result.update(values_before=_texts(rrset.values), values_after=_texts(decision.new_values),
                      added=_texts(decision.added), removed=_texts(decision.removed),
                      ttl=rrset.ttl if rrset.values else (p['ttl'] if decision.new_values else None))
        wire = sum(v.wire_size for v in decision.new_values)
        if wire > MAX_RRSET_WIRE:
            raise DnsTxtFailure('the TXT records at %s would take %d bytes, more than a DNS message can carry; nothing '
                                'was written' % (name, wire), result)
        if not decision.changed:
            break
        result['changed'] = True
        if check_mode:
            break
        if 'before_write' in hooks:
            hooks['before_write'](attempt)
        try:
            change = provider.replace_txt(zone, name, rrset, decision.new_values, p['ttl'])
        except providers.ConflictError:
            conflicts += 1
            result['changed'] = False
            continue
        except providers.DnsProviderError:
            result['changed'] = False   # the write failed: nothing was changed
            raise
        break
    else:
        raise DnsTxtFailure(
            'gave up after %d attempts: the TXT records at %s changed between every read and write (another writer '
            'is busy); nothing was written by this task. Run again, or raise retries' % (attempts_allowed, name),
            result)
    result['conflicts'] = conflicts
    result['diff'] = _diff(name, rrset.values, decision.new_values)
    result['propagation'] = []
    if result['changed'] and not check_mode:
        def accepts(texts):
            return served_as_wanted(texts, values, p['state'], p['mode'])
        port = p['authoritative_port'] or provider.propagation_port
        error = propagation.confirm_written(provider, resolver, zone, name, change, accepts,
                                            p['propagation_timeout'], port, result)
        if error:
            raise DnsTxtFailure(error, result)
    return result


def run(module):
    """Entry point used by plugins/modules/dns_txt.py."""
    p = module.params
    deps.require(module, deps.DNSPYTHON, *provider_options.libraries(p))
    try:
        with DnsTxtFailure.carrying({}):
            validate_settings(p)
            provider = provider_options.build_provider(p)
            resolver = dns_resolver.lookup(p['nameservers'], p['nameserver_port'], timeout=min(p['timeout'], 5.0))
            result = ensure_txt(provider, resolver, p, check_mode=module.check_mode)
    except DnsTxtFailure as exc:
        res = dict(exc.result)
        res.pop('diff', None)
        module.fail_json(msg=exc.message, **res)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)
