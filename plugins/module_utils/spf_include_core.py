# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider-agnostic logic of mailsec.cres.spf_include.

``ensure_spf_include(provider, resolver, settings, check_mode)`` does the work and returns a
result dict, raising ``SpfIncludeFailure`` (message + partial result) on errors; ``run(module)``
wires it to an AnsibleModule.
"""

from __future__ import annotations

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils.dns import base as providers
from ansible_collections.mailsec.cres.plugins.module_utils.dns import options as provider_options
from ansible_collections.mailsec.cres.plugins.module_utils.dns import propagation
from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils import spf_eval
from ansible_collections.mailsec.cres.plugins.module_utils.errors import TaskFailure
from ansible_collections.mailsec.cres.plugins.module_utils.spf import (
    ALL_QUALIFIER_CHOICES,
    QUALIFIER_NAMES,
    SpfError,
    add_include,
    is_spf,
    normalize_domain,
    remove_include,
    split_txt,
    txt_wire_size,
    validate_include_domain,
)

SIZE_LIMIT = 512
SIZE_WARN = 450

ARGUMENT_SPEC = dict(
    domain=dict(type='str', required=True),
    include=dict(type='str', default='res.cisco.com'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    # record
    create=dict(type='bool', default=False),
    all_qualifier=dict(type='str', default='softfail', choices=sorted(ALL_QUALIFIER_CHOICES)),
    # evaluation
    lookup_limit=dict(type='int', default=10),
    evaluate_lookups=dict(type='str', default='on_change', choices=['on_change', 'always']),
    allow_permerror=dict(type='bool', default=False),
    # nameservers, nameserver_port (doc fragment mailsec.cres.dns_resolver)
    **dns_resolver.ARGUMENT_SPEC,
    # ttl, retries, propagation_timeout, authoritative_port
    **provider_options.write_argument_spec(),
    # provider, zone, timeout and the options of each provider (doc fragment mailsec.cres.dns_provider)
    **provider_options.argument_spec()
)

REQUIRED_IF = provider_options.REQUIRED_IF
REQUIRED_TOGETHER = provider_options.REQUIRED_TOGETHER
REQUIRED_BY = provider_options.REQUIRED_BY


class SpfIncludeFailure(TaskFailure):
    """spf_include fails with ``message`` and the partial ``result``."""


def validate_settings(p):
    """Check option values the argument spec cannot; raise SpfIncludeFailure naming the option."""
    try:
        validate_include_domain(p['include'])
    except SpfError as exc:
        raise SpfIncludeFailure('include: %s' % exc)
    domain = normalize_domain(p['domain'] or '')
    if not domain or ' ' in domain or '..' in domain:
        raise SpfIncludeFailure('domain must be a DNS name such as example.com, got %r' % p['domain'])
    if p['zone'] and not providers.in_zone(domain, p['zone']):
        raise SpfIncludeFailure('domain %s is not inside zone %s; fix domain or zone' % (domain, p['zone']))
    if p['lookup_limit'] < 1:
        raise SpfIncludeFailure('lookup_limit must be at least 1 (RFC 7208 allows 10)')
    problem = provider_options.write_settings_problem(p)
    if problem:
        raise SpfIncludeFailure(problem)
    return domain


def build_provider(p):
    """The provider for the module options (DnsProviderError names the option to fix)."""
    return provider_options.build_provider(p)


def _new_values(rrset, old, new_text):
    """The TXT values wanted at the name: every value as read, the SPF one replaced by new_text."""
    values = [v for v in rrset.values if v is not old]
    if new_text is not None:
        values.append(providers.TxtValue(split_txt(new_text)))
    return values


def _size(rrset, old, new_text):
    total = sum(txt_wire_size(v.chunks) for v in _new_values(rrset, old, new_text))
    record = len(new_text.encode('utf-8')) if new_text is not None else 0
    return {'record': record, 'txt_rrset': total, 'limit': SIZE_LIMIT, 'warn_at': SIZE_WARN}


def _evaluate(text, domain, resolver):
    """RFC 7208 evaluation of text as the record of domain, for a sender it does not list
    (spf_eval's counting mode); None when there is no record."""
    if text is None:
        return None
    return spf_eval.evaluate_domain(resolver, domain, record=text)


def _evaluation_summary(evaluation):
    return {'result': evaluation.result, 'mechanism': evaluation.term, 'domain': evaluation.domain,
            'cause': evaluation.cause, 'section': evaluation.section}


def _report_evaluation(result, evaluation, limit):
    if evaluation is None:
        result.update(lookups={'total': 0, 'limit': limit, 'terms': [], 'sender_dependent': []}, void_lookups=0,
                      problems=[], evaluation=None)
        return
    result['lookups'] = {'total': evaluation.lookups, 'limit': limit, 'terms': evaluation.terms,
                         'sender_dependent': evaluation.sender_dependent}
    result['void_lookups'] = evaluation.void_lookups
    result['problems'] = evaluation.problems
    result['evaluation'] = _evaluation_summary(evaluation)


def _check_evaluation(p, domain, resolver, before, evaluation, result):
    """Refuse to write what receivers cannot evaluate; raise SpfIncludeFailure (nothing written)."""
    include = validate_include_domain(p['include'])
    change = ('adding include:%s to' if p['state'] == 'present' else 'removing include:%s from') % include
    costs = evaluation.describe_costs() if evaluation is not None else ''
    if evaluation is not None and evaluation.result == 'temperror':
        raise SpfIncludeFailure(
            'cannot evaluate the SPF record of %s after %s it, so nothing was written: %s. Set nameservers (and '
            'nameserver_port) to resolvers that can resolve the included names'
            % (domain, change.split(' ', 1)[0], evaluation.describe()), result)
    if evaluation is not None and evaluation.result == 'permerror':
        previous = _evaluate(before, domain, resolver)
        if previous is not None and previous.result == 'permerror':
            result['evaluation_before'] = _evaluation_summary(previous)
            if not p['allow_permerror']:
                raise SpfIncludeFailure(
                    'the SPF record of %s is already broken: every receiver evaluates it as %s, so nothing was '
                    'changed. Fix the record first, or set allow_permerror=true to make the change anyway'
                    % (domain, previous.describe()), result)
            result['warnings'].append('the SPF record of %s stays broken (%s); written because allow_permerror=true'
                                      % (domain, evaluation.describe()))
            return
        if evaluation.lookups > p['lookup_limit']:
            raise SpfIncludeFailure(
                '%s %s would need %d DNS lookups, over lookup_limit %d, so nothing was written: every receiver would '
                'evaluate the record as %s. Cost per term: %s. Remove or flatten terms (e.g. replace includes by '
                'ip4/ip6) first' % (change[0].upper() + change[1:], domain, evaluation.lookups, p['lookup_limit'],
                                    evaluation.describe(), costs), result)
        raise SpfIncludeFailure(
            '%s the SPF record of %s would break it: every receiver would evaluate it as %s, so nothing was '
            'written.%s' % (change[0].upper() + change[1:], domain, evaluation.describe(),
                            ' Cost per term: %s.' % costs if costs else ''), result)
    if p['state'] == 'present' and evaluation is not None and evaluation.lookups > p['lookup_limit']:
        raise SpfIncludeFailure(
            '%s %s would need %d DNS lookups, over lookup_limit %d, so nothing was written. Cost per term: %s. '
            'Remove or flatten terms (e.g. replace includes by ip4/ip6) first'
            % (change[0].upper() + change[1:], domain, evaluation.lookups, p['lookup_limit'], costs), result)


def serves_desired_state(served_spf, expected, state, include):
    """Whether the SPF records a nameserver serves reach what this task made sure of.

    ``expected`` (the record this task wrote) always counts. So does any newer single record
    that has the include (state present) or lacks it (state absent): a concurrent writer may
    have replaced our record with its own, which keeps our include, and that is not a failure.
    """
    if served_spf == ([expected] if expected is not None else []):
        return True
    if state == 'absent' and not served_spf:
        return True
    if len(served_spf) != 1:
        return False
    try:
        if state == 'absent':
            return not remove_include(served_spf[0], include).changed
        return add_include(served_spf[0], include).action == 'present'
    except SpfError:    # a malformed record someone else wrote is not our desired state
        return False


def wait_served(provider, resolver, zone, domain, expected, timeout, port, query=None, state='present',
                include='res.cisco.com'):
    """Poll every authoritative nameserver of zone until its SPF at domain reaches the desired state.

    The desired state is ``expected`` or a newer record with the same effect for ``include``
    (see serves_desired_state). Returns a list of dicts (nameserver, address, port, served,
    error), one per address.
    """
    def accepts(texts):
        return serves_desired_state([t for t in texts if is_spf(t)], expected, state, include)
    return propagation.wait_served(provider, resolver, zone, domain, accepts, timeout, port, query=query)


def ensure_spf_include(provider, resolver, p, check_mode=False, hooks=None):
    """Do the work. ``p`` holds the module options. Returns the result dict."""
    domain = validate_settings(p)
    result = {'changed': False, 'domain': domain, 'provider': provider.name, 'warnings': []}
    # A provider's error fails the task with what was found so far (zone, attempts, record).
    with SpfIncludeFailure.carrying(result):
        return _ensure(provider, resolver, p, domain, result, check_mode, hooks or {})


def _ensure(provider, resolver, p, domain, result, check_mode, hooks):
    zone = normalize_domain(p['zone']) if p['zone'] else provider.discover_zone(domain)
    if not providers.in_zone(domain, zone):
        raise SpfIncludeFailure('domain %s is not inside zone %s; fix domain or zone' % (domain, zone), result)
    result['zone'] = zone
    conflicts = 0
    attempts_allowed = p['retries'] + 1
    for attempt in range(1, attempts_allowed + 1):
        result['attempts'] = attempt
        rrset = provider.read_txt(zone, domain)
        spf = [v for v in rrset.values if not v.disabled and is_spf(v.text)]
        if len(spf) > 1:
            raise SpfIncludeFailure(
                '%s has %d SPF records (%s); RFC 7208 says that is a permanent error. Merge them into one '
                'record by hand, then run again' % (domain, len(spf), ' | '.join(repr(v.text) for v in spf)),
                result)
        old = spf[0] if spf else None
        before = old.text if old else None
        try:
            if p['state'] == 'present':
                edit = add_include(before, p['include'], p['create'], p['all_qualifier'])
            else:
                edit = remove_include(before, p['include'])
        except SpfError as exc:
            raise SpfIncludeFailure('%s: %s' % (domain, exc), result)
        result.update({'record_before': before, 'record_after': edit.after, 'action': edit.action})
        if edit.action == 'present_qualified':
            result['include_qualifier'] = edit.qualifier
            result['warnings'].append(
                'include:%s is already in the SPF record of %s with qualifier "%s" (%s), so it never gives '
                'pass; left unchanged. Edit the record yourself if that is not intended.'
                % (validate_include_domain(p['include']), domain, edit.qualifier, QUALIFIER_NAMES[edit.qualifier]))
        size = _size(rrset, old, edit.after)
        result['size'] = size
        if not edit.changed and (p.get('evaluate_lookups') or 'on_change') == 'on_change':
            # Nothing to write: the recursive lookup count (4+ DNS queries) is only needed to
            # guard a write. Not evaluated; evaluate_lookups=always gives it.
            result['lookups'] = None
            result['void_lookups'] = None
            result['problems'] = None
            result['evaluation'] = None
            break
        evaluation = _evaluate(edit.after, domain, resolver)
        _report_evaluation(result, evaluation, p['lookup_limit'])
        if not edit.changed:
            if evaluation is not None and evaluation.is_error:
                result['warnings'].append('the SPF record of %s does not work: every receiver evaluates it as %s'
                                          % (domain, evaluation.describe()))
            break
        _check_evaluation(p, domain, resolver, before, evaluation, result)
        if p['state'] == 'present' and size['txt_rrset'] > SIZE_LIMIT:
            raise SpfIncludeFailure(
                'the TXT records at %s would take %d bytes, over %d, so nothing was written; shorten the SPF '
                'record or remove unused TXT records' % (domain, size['txt_rrset'], SIZE_LIMIT), result)
        if size['txt_rrset'] > SIZE_WARN:
            result['warnings'].append('the TXT records at %s take %d bytes; checkers warn above %d'
                                      % (domain, size['txt_rrset'], SIZE_WARN))
        for problem in result['problems']:
            result['warnings'].append('SPF of %s: %s' % (domain, problem))
        result['changed'] = True
        if check_mode:
            break
        if 'before_write' in hooks:
            hooks['before_write'](attempt)
        try:
            change = provider.replace_txt(zone, domain, rrset, _new_values(rrset, old, edit.after), p['ttl'])
        except providers.ConflictError:
            conflicts += 1
            result['changed'] = False
            continue
        except providers.DnsProviderError:
            result['changed'] = False   # the write failed: nothing was changed
            raise
        break
    else:
        raise SpfIncludeFailure(
            'gave up after %d attempts: the TXT records at %s changed between every read and write '
            '(another writer is busy); nothing was written by this task. Run again, or raise retries'
            % (attempts_allowed, domain), result)
    result['conflicts'] = conflicts
    result['diff'] = {
        'before_header': '%s TXT (SPF)' % domain,
        'after_header': '%s TXT (SPF)' % domain,
        'before': (result['record_before'] + '\n') if result['record_before'] is not None else '',
        'after': (result['record_after'] + '\n') if result['record_after'] is not None else '',
    }
    result['propagation'] = []
    if result['changed'] and not check_mode:
        port = p['authoritative_port'] or provider.propagation_port

        def accepts(texts):
            return serves_desired_state([t for t in texts if is_spf(t)], result['record_after'], p['state'],
                                        p['include'])
        error = propagation.confirm_written(provider, resolver, zone, domain, change, accepts,
                                            p['propagation_timeout'], port, result)
        if error:
            raise SpfIncludeFailure(error, result)
    return result


def run(module):
    """Entry point used by plugins/modules/spf_include.py."""
    p = module.params
    deps.require(module, deps.DNSPYTHON, *provider_options.libraries(p))
    try:
        with SpfIncludeFailure.carrying({}):
            validate_settings(p)
            provider = build_provider(p)
            resolver = dns_resolver.lookup(p['nameservers'], p['nameserver_port'], timeout=min(p['timeout'], 5.0))
            result = ensure_spf_include(provider, resolver, p, check_mode=module.check_mode)
    except SpfIncludeFailure as exc:
        res = dict(exc.result)
        warnings = res.pop('warnings', [])
        for warning in warnings:
            module.warn(warning)
        res.pop('diff', None)
        module.fail_json(msg=exc.message, **res)
    warnings = result.pop('warnings', [])
    for warning in warnings:
        module.warn(warning)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)
