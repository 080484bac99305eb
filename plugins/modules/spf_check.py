#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: spf_check
short_description: SPF result of a domain for given sending addresses, as receivers compute it (RFC 7208)
version_added: 0.1.0
description:
  - Evaluates the SPF policy of O(domain) for mail from each address of O(ip) the way a receiving mail server
    does, with the RFC 7208 C(check_host) function, and returns per address the result, the mechanism that
    decided it, the DNS lookups and void lookups used and the trace of every term evaluated.
  - Implements record selection (exactly one C(v=spf1) TXT record; two or more is C(permerror)), every
    mechanism (C(all), C(include), C(a), C(mx), C(ptr), C(ip4), C(ip6), C(exists)) and modifier
    (C(redirect=), C(exp=), unknown ones are ignored), macros (section 7, including C(%{p}) and the
    explanation letters), and the processing limits of section 4.6.4 (10 lookups, 10 MX or PTR names,
    2 void lookups). The results are C(none), C(neutral), C(pass), C(fail), C(softfail), C(temperror) and
    C(permerror).
  - Typical use - prove that the addresses a service sends from (such as Cisco Secure Email Encryption
    Service, CRES) pass the domain's SPF after C(include:res.cisco.com) was added with
    M(mailsec.cres.spf_include), or check a record before it is published with O(record).
  - Read-only; C(changed) is always false. The DNS queries go to O(nameservers).
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes.INFO_MODULE
  - mailsec.cres.attributes.CONTROLLER
  - mailsec.cres.attributes.ACTIONGROUP_SPF
  - mailsec.cres.dns_resolver
requirements:
  - dnspython >= 2.3
options:
  domain:
    description:
      - The domain whose SPF policy is evaluated (the C(<domain>) of C(check_host)), normally the domain of
        the MAIL FROM address, for example V(example.com).
    type: str
    required: true
  ip:
    description:
      - The sending address, or a list of them; IPv4 or IPv6. An IPv4-mapped IPv6 address (V(::ffff:192.0.2.1))
        is evaluated as IPv4, as RFC 7208 requires.
    type: list
    elements: str
    required: true
  sender:
    description:
      - The MAIL FROM address (C(<sender>)), used by the C(%{s}), C(%{l}) and C(%{o}) macros.
      - Defaults to V(postmaster@DOMAIN). A value without local part (V(@example.com)) gets C(postmaster), as
        the RFC says.
    type: str
  helo:
    description:
      - The HELO/EHLO name of the sending host, used by the C(%{h}) macro. Defaults to the sender's domain.
    type: str
  record:
    description:
      - Evaluate this text as the SPF record of O(domain) instead of looking it up, for example a record that is
        about to be published (a zone file not deployed yet). What it includes or redirects to is still looked up.
    type: str
  timeout:
    description:
      - Timeout in seconds of one DNS query.
    type: float
    default: 5
notes:
  - A C(temperror) (DNS failure) or C(permerror) is a result, not a module failure; the module fails only on bad
    options (an O(ip) that is not an address, an unusable O(nameservers)).
  - The explanation (RV(results[].explanation)) is only looked up for a C(fail) with an C(exp=) modifier;
    C(%{r}) expands to C(unknown).
seealso:
  - module: mailsec.cres.spf_include
  - name: RFC 7208 (SPF)
    description: Sender Policy Framework, section 4 (check_host), 5 (mechanisms), 6 (modifiers), 7 (macros).
    link: https://www.rfc-editor.org/rfc/rfc7208
"""

EXAMPLES = r"""
- name: Do CRES's sending addresses pass example.com's SPF?
  mailsec.cres.spf_check:
    domain: example.com
    ip:
      - 184.94.241.74     # res.cisco.com
      - 208.90.57.32      # mxnat1.res.cisco.com
  register: spf

- name: Fail unless every address passes
  ansible.builtin.assert:
    that: spf.all_pass
    fail_msg: "{{ spf.results | rejectattr('result', 'eq', 'pass') | map(attribute='ip') | join(', ') }} do not pass"

- name: A record before it is published, with a given sender and HELO, through a given resolver
  mailsec.cres.spf_check:
    domain: example.com
    record: v=spf1 mx include:res.cisco.com -all
    ip: 2001:db8::25
    sender: alerts@example.com
    helo: mail.example.com
    nameservers: [192.0.2.53]
"""

RETURN = r"""
record:
  description: The SPF record of O(domain) that was evaluated (null when there is none or its lookup failed).
  returned: always
  type: str
  sample: v=spf1 mx include:res.cisco.com -all
all_pass:
  description: Whether the result is C(pass) for every address.
  returned: always
  type: bool
  sample: true
summary:
  description: Number of addresses per result.
  returned: always
  type: dict
  sample: {"pass": 2}
results:
  description: One entry per address of O(ip), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    ip:
      description: The address as evaluated (an IPv4-mapped IPv6 address as IPv4).
      type: str
      sample: 184.94.241.74
    sender:
      description: The sender used.
      type: str
      sample: postmaster@example.com
    result:
      description: The SPF result.
      type: str
      choices: [none, neutral, pass, fail, softfail, temperror, permerror]
      sample: pass
    mechanism:
      description:
        - The term that decided, in the record of RV(results[].domain) (for a match through an include, the
          include; RV(results[].matched_path) goes down to the mechanism that matched inside it). Null when no
          mechanism matched (C(neutral) by default) or for C(none).
      type: str
      sample: include:res.cisco.com
    domain:
      description: The domain whose record holds RV(results[].mechanism), or where the error was found.
      type: str
      sample: example.com
    matched_path:
      description: From the top record down, the terms that led to the match (C(domain), C(term)).
      type: list
      elements: dict
      sample: [{"domain": "example.com", "term": "include:res.cisco.com"},
               {"domain": "res.cisco.com", "term": "exists:%{i}.spf.res.cisco.com"}]
    cause:
      description: Why, for C(none), C(neutral) by default, C(temperror) and C(permerror).
      type: str
      sample: more than 2 void lookups (no answer or NXDOMAIN)
    section:
      description: The section of RFC 7208 that gives this result, for C(none), C(temperror) and C(permerror).
      type: str
      sample: 4.6.4
    explanation:
      description: The expanded C(exp=) text of a C(fail), or null.
      type: str
      sample: Mail from 198.51.100.7 is not allowed, see https://example.com/spf
    lookups:
      description: DNS lookups used (C(include), C(a), C(mx), C(ptr), C(exists), C(redirect)), through includes.
      type: int
      sample: 4
    void_lookups:
      description: Lookups that found nothing (no answer or NXDOMAIN).
      type: int
      sample: 0
    trace:
      description:
        - Every term evaluated, in order, with C(domain) (whose record), C(depth) (0 for the record of
          O(domain), 1 inside its includes, ...), C(term), C(match), and where they apply C(target) (the
          expanded domain), C(result) (of an include or redirect), C(void), C(note).
      type: list
      elements: dict
      sample: [{"domain": "example.com", "depth": 0, "term": "include:res.cisco.com", "target": "res.cisco.com",
                "result": "pass", "match": true}]
    problems:
      description: Further problems noticed (for example a C(ptr) mechanism).
      type: list
      elements: str
      sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils import deps
from ansible_collections.mailsec.cres.plugins.module_utils import dns_resolver
from ansible_collections.mailsec.cres.plugins.module_utils import spf_eval
from ansible_collections.mailsec.cres.plugins.module_utils.errors import MailsecError
from ansible_collections.mailsec.cres.plugins.module_utils.spf import normalize_domain

ARGUMENT_SPEC = dict(
    domain=dict(type='str', required=True),
    ip=dict(type='list', elements='str', required=True),
    sender=dict(type='str'),
    helo=dict(type='str'),
    record=dict(type='str'),
    timeout=dict(type='float', default=5.0),
    **dns_resolver.ARGUMENT_SPEC
)

_RESULT_KEYS = ('ip', 'sender', 'result', 'mechanism', 'domain', 'matched_path', 'cause', 'section',
                'explanation', 'lookups', 'void_lookups', 'trace', 'problems')


MODULE_OPTIONS = {}


def run(module):
    p = module.params
    deps.require(module, deps.DNSPYTHON)
    domain = normalize_domain(p['domain'] or '')
    if not domain or ' ' in domain:
        module.fail_json(msg='domain must be a DNS name such as example.com, got %r' % p['domain'])
    if not p['ip']:
        module.fail_json(msg='ip must list at least one IPv4 or IPv6 address')
    addresses = []
    for value in p['ip']:
        try:
            addresses.append(spf_eval.client_address(value))
        except ValueError:
            module.fail_json(msg='ip: %r is not an IPv4 or IPv6 address (example: 192.0.2.25 or 2001:db8::25)'
                             % (value,))
    if p['record'] is not None and not p['record'].strip():
        module.fail_json(msg='record is empty; omit it to look the record of %s up' % domain)
    try:
        resolver = dns_resolver.lookup(p['nameservers'], p['nameserver_port'], p['timeout'])
    except MailsecError as exc:
        module.fail_json(msg=exc.message)
    results = []
    record = None
    for address in addresses:
        evaluation = spf_eval.check_host(resolver, address, domain, sender=p['sender'] or None, helo=p['helo'],
                                         record=p['record'])
        data = evaluation.as_dict()
        results.append(dict((key, data[key]) for key in _RESULT_KEYS))
        record = record or evaluation.record
    summary = {}
    for entry in results:
        summary[entry['result']] = summary.get(entry['result'], 0) + 1
    module.exit_json(changed=False, record=record, results=results, summary=summary,
                     all_pass=all(entry['result'] == 'pass' for entry in results))


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
