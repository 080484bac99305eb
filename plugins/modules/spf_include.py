#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: spf_include
short_description: Ensure an include (such as C(res.cisco.com)) is in a domain's SPF record
version_added: 0.1.0
description:
  - Adds C(include:res.cisco.com) (or any include you name) to the SPF record of O(domain) at the
    DNS provider that really serves it, or removes it with O(state=absent), without breaking the record.
  - Exactly one SPF record (a TXT record starting with C(v=spf1)) must exist at the name; two or more is
    an error, none is an error unless O(create=true).
  - The include is inserted right before the first C(all) term, whatever its qualifier; with no C(all),
    after the last mechanism and before the modifiers (C(redirect=), C(exp=)). An C(all) is never added to
    an existing record (it would silently disable a C(redirect=)).
  - An include that is already there with no or the C(+) qualifier means no change. One that is there with
    C(-), C(~) or C(?) is reported (warning and RV(include_qualifier)) and left unchanged.
  - Every other TXT record at the name is kept byte for byte. The new value is split into strings of at most
    255 bytes; comparisons use the joined text, so chunking or quoting never causes a false change.
  - Before writing, the new record is evaluated as receivers evaluate it (RFC 7208 C(check_host), through
    O(nameservers)) for O(domain) and a sender it does not list, the path that costs every lookup. Includes
    and redirects are followed, terms after C(all) are ignored (section 5.1) and so is C(redirect=) when the
    record has an C(all) (6.1), macros that do not depend on the sender (C(%{d}), C(%{o})) are expanded and
    followed, and the limits of section 4.6.4 apply (10 lookups, 10 MX names, 2 void lookups).
  - A record that this evaluation ends in C(permerror) (an include loop, an include of a name without SPF record
    or of NXDOMAIN, an C(mx) with more than 10 names, more than 2 void lookups, more than 10 lookups, a syntax
    error) breaks SPF for the whole domain, so it is never written; the error names the term, the cause and the
    RFC section. When the record is already in C(permerror) before the change, the module says so and changes
    nothing unless O(allow_permerror=true). A record over O(lookup_limit) lookups, over 512 bytes of TXT data,
    or that cannot be evaluated (C(temperror), after DNS failures) is refused too; errors list the cost of every
    term.
  - When nothing has to change, the record is not evaluated unless O(evaluate_lookups=always), so an idempotent
    run costs only the read of the TXT records. M(mailsec.cres.spf_check) gives the result for given senders.
  - The DNS provider (O(provider)) is V(rfc2136) (BIND, Windows/Active Directory DNS with GSS-TSIG, PowerDNS,
    Knot, Infoblox, ...), V(route53) (Amazon Route 53), V(powerdns) (its HTTP API) or V(zonefile) (a zone file
    edited in place, e.g. in Git). Every provider replaces the TXT records at the name from exactly what was
    read to the new values, a compare-and-swap for V(rfc2136) (UPDATE prerequisite), V(route53) (one change
    batch that deletes the exact old RRset) and V(zonefile) (locked file, unchanged since read); a re-read and
    a verification after the write for V(powerdns). A write that lost a race is re-read and retried up to
    O(retries) times.
  - After a write the module asks every authoritative nameserver of the zone (NS records) directly until
    each serves the new record, or a newer single SPF record with the same effect for O(include) (another
    writer's, which kept the include), for at most O(propagation_timeout) seconds, and fails naming each one
    that does not. With V(route53) it first waits until Route 53 reports the change INSYNC (GetChange), then
    asks the zone's nameservers where they can be reached (RV(propagation) C(served) is null for those that
    cannot). Not done for V(zonefile), whose file is deployed later.
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes
  - mailsec.cres.attributes.CONTROLLER
  - mailsec.cres.attributes.ACTIONGROUP_DNS
  - mailsec.cres.dns_provider
  - mailsec.cres.dns_resolver
requirements:
  - dnspython >= 2.3
options:
  domain:
    description:
      - Owner name of the SPF record, for example V(example.com).
    type: str
    required: true
  include:
    description:
      - Domain of the C(include:) mechanism to ensure.
    type: str
    default: res.cisco.com
  state:
    description:
      - V(present) adds the include, V(absent) removes only the include term (with any qualifier) and keeps
        the rest of the record.
    type: str
    choices: [present, absent]
    default: present
  create:
    description:
      - When there is no SPF record at O(domain), create V(v=spf1 include:INCLUDE ~all) (the C(all) qualifier
        from O(all_qualifier)). Without it, a missing SPF record is an error.
    type: bool
    default: false
  all_qualifier:
    description:
      - Qualifier of the C(all) term of a record created with O(create=true). Quote V("~") in YAML (a bare
        C(~) is null) or use the names.
    type: str
    choices: ['-', '?', '~', fail, neutral, softfail]
    default: softfail
  ttl:
    description:
      - TTL of a TXT RRset that does not exist yet. An existing RRset keeps its TTL.
    type: int
    default: 3600
  lookup_limit:
    description:
      - Maximum number of DNS lookups (RFC 7208 section 4.6.4) the new record may need; above it nothing is
        written.
    type: int
    default: 10
  evaluate_lookups:
    description:
      - When to count the lookups of the record recursively (which costs DNS queries, one per include,
        C(a), C(mx), ... and nested ones).
      - V(on_change) counts them only when the record must be written (to refuse a record over
        O(lookup_limit) before writing it). When nothing changes, the run costs only the read of the TXT
        records, and RV(lookups), RV(void_lookups) and RV(problems) are returned as null (not evaluated).
      - V(always) counts them on every run, also when nothing changes (e.g. to report the lookups used).
    type: str
    choices: [on_change, always]
    default: on_change
  allow_permerror:
    description:
      - Make the change even though the SPF record is already in C(permerror) before it (every receiver already
        ignores it), for example to add the include now and repair the record later. A change that would turn
        a working record into a C(permerror) one is refused whatever this says.
    type: bool
    default: false
  retries:
    description:
      - How many times a compare-and-swap write that lost a race (the records changed since they were read)
        is retried after re-reading.
    type: int
    default: 5
  propagation_timeout:
    description:
      - After a write, wait at most this many seconds until every authoritative nameserver of the zone serves
        the new record (with V(route53), first until Route 53 reports the change INSYNC). V(0) skips the check.
        Not done for V(zonefile), whose file is deployed later.
    type: int
    default: 60
  authoritative_port:
    description:
      - DNS port on which the authoritative nameservers are asked during the propagation check.
      - Defaults to O(port) with V(rfc2136), otherwise V(53).
      - With V(powerdns), the DNS port of the PowerDNS server.
    type: int
notes:
  - Lookups whose target depends on the sender (macros such as C(%{i}), C(%{l}), C(%{p}), and every C(ptr)) are
    counted as one lookup each, not followed, and listed in RV(lookups.sender_dependent); an C(exists) of that
    kind also counts as void, the usual outcome for the senders it does not describe.
  - Lookups for the evaluation go to O(nameservers) with O(nameserver_port); O(nameservers) also resolves the
    addresses of the zone's nameservers for the propagation check.
  - Secrets (O(tsig_key_secret), O(api_key), O(aws_secret_access_key), O(aws_session_token)) are never returned
    or logged.
  - For DNS providers this module does not speak (Cloudflare, Azure DNS, Infoblox WAPI, ...) use the filters
    P(mailsec.cres.spf_add_include#filter) and P(mailsec.cres.spf_remove_include#filter) with that provider's own
    module.
  - The Route 53 tests run against moto's server mode, which accepts a stale DELETE of values since replaced
    (it checks its change history, not the current RRset); the batch this module sends (an exact DELETE of what
    it read, then CREATE) and its retry on InvalidChangeBatch are tested directly. Real Route 53 rejects such a
    batch atomically.
seealso:
  - name: RFC 7208 (SPF)
    description: Sender Policy Framework.
    link: https://www.rfc-editor.org/rfc/rfc7208
  - name: RFC 2136
    description: Dynamic updates in the DNS, with prerequisites.
    link: https://www.rfc-editor.org/rfc/rfc2136
"""

EXAMPLES = r"""
- name: Let CRES send for example.com (BIND, dynamic update with TSIG)
  mailsec.cres.spf_include:
    domain: example.com
    provider: rfc2136
    server: 192.0.2.53
    tsig_key_name: ansible-key
    tsig_key_secret: "{{ vault_tsig_secret }}"

- name: Same on PowerDNS through its HTTP API, creating the record when missing
  mailsec.cres.spf_include:
    domain: example.com
    provider: powerdns
    api_url: https://pdns.example.com:8081
    api_key: "{{ vault_pdns_api_key }}"
    create: true
    all_qualifier: fail

- name: Active Directory DNS ("Secure only" zone), signed with Kerberos from the user's ticket (kinit)
  mailsec.cres.spf_include:
    domain: example.com
    provider: rfc2136
    server: dc1.ad.example.com
    tsig_algorithm: gss-tsig

- name: Same with a service account's keytab
  mailsec.cres.spf_include:
    domain: example.com
    provider: rfc2136
    server: 192.0.2.10
    kerberos_server_name: dc1.ad.example.com
    tsig_algorithm: gss-tsig
    kerberos_principal: svc-ansible-dns@AD.EXAMPLE.COM
    kerberos_keytab: /etc/ansible/svc-ansible-dns.keytab

- name: Amazon Route 53 (credentials from the environment or the profile)
  mailsec.cres.spf_include:
    domain: example.com
    provider: route53
    aws_profile: dns-admin

- name: Route 53 private hosted zone, explicit credentials
  mailsec.cres.spf_include:
    domain: corp.example.com
    provider: route53
    private_zone: true
    aws_access_key_id: "{{ vault_aws_access_key_id }}"
    aws_secret_access_key: "{{ vault_aws_secret_access_key }}"

- name: Edit the zone file in a Git checkout, preview first
  mailsec.cres.spf_include:
    domain: example.com
    provider: zonefile
    path: "{{ playbook_dir }}/zones/example.com.zone"
    zone: example.com
  check_mode: true
  diff: true

- name: Credentials once for every DNS module of the collection
  module_defaults:
    group/mailsec.cres.dns:
      provider: rfc2136
      server: 192.0.2.53
      tsig_key_name: ansible-key
      tsig_key_secret: "{{ vault_tsig_secret }}"
  block:
    - name: Remove the include again
      mailsec.cres.spf_include:
        domain: example.com
        state: absent
"""

RETURN = r"""
record_before:
  description: The SPF record before (joined text), null when there was none.
  returned: success
  type: str
  sample: v=spf1 mx ip4:192.0.2.1 -all
record_after:
  description: The SPF record after the change (or what it would be in check mode).
  returned: success
  type: str
  sample: v=spf1 mx ip4:192.0.2.1 include:res.cisco.com -all
action:
  description: What was done or found.
  returned: success
  type: str
  choices: [added, created, present, present_qualified, removed, absent]
  sample: added
include_qualifier:
  description: Qualifier (C(-), C(~) or C(?)) of an include that is present but never passes.
  returned: when action is present_qualified
  type: str
  sample: "~"
lookups:
  description:
    - DNS lookups the record in RV(record_after) needs, counted recursively.
    - Null when not evaluated, that is when nothing changed and O(evaluate_lookups=on_change);
      set O(evaluate_lookups=always) to get them.
  returned: success
  type: dict
  contains:
    total:
      description: Total lookups.
      type: int
      sample: 5
    limit:
      description: The O(lookup_limit) used.
      type: int
      sample: 10
    terms:
      description: Cost of every term that costs lookups (C(cost) includes nested lookups), and its void lookups.
      type: list
      elements: dict
      sample: [{"term": "mx", "cost": 1, "void": 0}, {"term": "include:res.cisco.com", "cost": 3, "void": 1}]
    sender_dependent:
      description:
        - The terms, in the record or in what it includes, whose target depends on the sender; each is counted
          as one lookup and not followed.
      type: list
      elements: dict
      sample: [{"domain": "res.cisco.com", "term": "exists:%{i}.spf.res.cisco.com"}]
evaluation:
  description:
    - The RFC 7208 result of RV(record_after) for a sender it does not list, and what decided it.
    - C(result) is one of C(none), C(neutral), C(pass), C(fail), C(softfail), C(temperror), C(permerror);
      C(mechanism) the deciding term and C(domain) the record that holds it; C(cause) and C(section) (of RFC
      7208) explain errors.
    - Null when not evaluated (nothing changed and O(evaluate_lookups=on_change)).
  returned: success, and on failure when the record was evaluated
  type: dict
  sample: {"result": "fail", "mechanism": "-all", "domain": "example.com", "cause": null, "section": null}
evaluation_before:
  description: The same for RV(record_before), when the new record is in C(permerror) and the old one was evaluated.
  returned: when the new record ends in permerror
  type: dict
  sample: {"result": "permerror", "mechanism": "include:gone.example.net", "domain": "example.com",
           "cause": "the include target gone.example.net has no SPF record", "section": "5.2"}
void_lookups:
  description:
    - Lookups with no answer or NXDOMAIN (more than 2 is an error for many receivers).
    - Null when not evaluated (nothing changed and O(evaluate_lookups=on_change)); set
      O(evaluate_lookups=always) to get them.
  returned: success
  type: int
  sample: 1
size:
  description: Size of the SPF text (C(record)) and of all TXT records at the name on the wire (C(txt_rrset)).
  returned: success
  type: dict
  sample: {"record": 52, "txt_rrset": 120, "limit": 512, "warn_at": 450}
problems:
  description:
    - Problems found while evaluating the record (missing include targets, ptr, void lookups, ...).
    - Null when not evaluated (nothing changed and O(evaluate_lookups=on_change)).
  returned: success
  type: list
  elements: str
zone:
  description: The zone that was edited.
  returned: success
  type: str
  sample: example.com
attempts:
  description: Reads (and write attempts) made; more than one means a concurrent change was detected and retried.
  returned: success
  type: int
  sample: 1
conflicts:
  description: Compare-and-swap writes that lost a race and were retried.
  returned: success
  type: int
  sample: 0
propagation:
  description:
    - One entry per authoritative nameserver address after a write, with C(nameserver), C(address), C(port),
      C(served) and C(error). Null when the check was skipped; empty when nothing was written.
    - C(served) is null for a nameserver that could not be reached when the provider itself reports the change
      in sync (V(route53), see RV(sync)).
  returned: success
  type: list
  elements: dict
sync:
  description: The provider's own report that the change is live on all its servers (V(route53) GetChange).
  returned: after a write with O(provider=route53) and O(propagation_timeout) above 0
  type: dict
  sample: {"change_id": "C2682N5HXP0BZ4", "status": "INSYNC", "seconds": 31.2}
diff:
  description: The SPF record before and after.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.spf_include_core import (
    ARGUMENT_SPEC,
    REQUIRED_BY,
    REQUIRED_IF,
    REQUIRED_TOGETHER,
    run,
)


MODULE_OPTIONS = dict(required_if=REQUIRED_IF, required_together=REQUIRED_TOGETHER, required_by=REQUIRED_BY)


def main():
    run(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **MODULE_OPTIONS))


if __name__ == '__main__':
    main()
