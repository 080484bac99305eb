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
  - Before writing, the lookups of the new record are counted recursively through includes and redirects
    (C(include), C(a), C(mx), C(ptr), C(exists), C(redirect)) using O(nameservers), together with void
    lookups and size. A record over O(lookup_limit) lookups or over 512 bytes of TXT data is refused without
    writing; the error names every term and its cost. When nothing has to change, the lookups are not counted
    unless O(evaluate_lookups=always), so an idempotent run costs only the read of the TXT records.
  - Writes are compare-and-swap. V(rfc2136) sends one UPDATE with a value-dependent prerequisite (the TXT
    RRset is exactly what was read), deletes the old SPF value and adds the new one; the server applies it
    atomically or answers NXRRSET, and the module then re-reads and retries up to O(retries) times.
    V(powerdns) uses the HTTP API, which has B(no write precondition); the module re-reads the RRset right
    before the write and verifies it after, so a concurrent writer can still win in a short window.
    PowerDNS's own RFC 2136 endpoint (C(dnsupdate=yes)) does enforce prerequisites; use O(provider=rfc2136)
    against it when concurrent edits are possible. V(zonefile) locks the file, checks it is unchanged since
    it was read, bumps the SOA serial and replaces the file atomically (temporary file and rename).
  - After a write the module asks every authoritative nameserver of the zone (NS records) directly until
    each serves the new record, or a newer single SPF record with the same effect for O(include) (another
    writer's, which kept the include), for at most O(propagation_timeout) seconds, and fails naming each one
    that does not.
author:
  - mailsec.cres contributors (@mailsec-cres)
extends_documentation_fragment:
  - mailsec.cres.attributes
  - mailsec.cres.attributes.CONTROLLER
  - mailsec.cres.attributes.ACTIONGROUP_DNS
requirements:
  - dnspython >= 2.0
  - requests (for O(provider=powerdns))
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
  provider:
    description:
      - How the zone is edited.
      - V(rfc2136) is dynamic DNS update (BIND, PowerDNS, Knot, Windows DNS, Infoblox, ...) with O(server), O(port)
        and the O(tsig_key_name), O(tsig_key_secret), O(tsig_algorithm) key.
      - V(powerdns) is the PowerDNS Authoritative HTTP API with O(api_url), O(api_key) and O(server_id).
      - V(zonefile) edits the zone file at O(path), for example in a Git repository that is deployed to the
        servers (GitOps); the serial in the SOA is incremented on every change.
      - For providers this module does not speak (Route 53, Cloudflare, Infoblox WAPI, ...) use the filters
        P(mailsec.cres.spf_add_include#filter) and P(mailsec.cres.spf_remove_include#filter) with that
        provider's own module.
    type: str
    choices: [rfc2136, powerdns, zonefile]
    default: zonefile
  zone:
    description:
      - Zone that contains O(domain), for example V(example.com).
      - When omitted, it is discovered from the SOA record the server returns (V(rfc2136)), the zone list
        (V(powerdns)), or the C($ORIGIN) of the file (V(zonefile)).
    type: str
  server:
    description:
      - Address or name of the primary DNS server that accepts dynamic updates (V(rfc2136)). The record is
        also read from it.
      - Required when O(provider=rfc2136).
    type: str
  port:
    description:
      - DNS port of O(server).
    type: int
    default: 53
  tsig_key_name:
    description:
      - Name of the TSIG key that signs queries and updates (V(rfc2136)). Without it, requests are unsigned.
    type: str
  tsig_key_secret:
    description:
      - Base64 secret of the TSIG key.
    type: str
  tsig_algorithm:
    description:
      - Algorithm of the TSIG key.
    type: str
    choices: [hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, hmac-md5]
    default: hmac-sha256
  api_url:
    description:
      - Base URL of the PowerDNS API, for example V(http://127.0.0.1:8081). C(/api/v1) is appended when missing.
      - Required when O(provider=powerdns).
    type: str
  api_key:
    description:
      - PowerDNS API key (sent as C(X-API-Key)).
    type: str
  server_id:
    description:
      - PowerDNS server id.
    type: str
    default: localhost
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_url). Only set to V(false) for test servers.
    type: bool
    default: true
  path:
    description:
      - Zone file to edit when O(provider=zonefile). It is rewritten in dnspython's format (records are kept
        exactly; comments and layout are not).
    type: path
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
  nameservers:
    description:
      - Resolvers (IP addresses) used to evaluate the lookups of the record recursively and to find addresses
        of nameservers. Defaults to the controller's resolvers.
    type: list
    elements: str
  nameserver_port:
    description:
      - Port of O(nameservers).
    type: int
    default: 53
  timeout:
    description:
      - Timeout in seconds of one request to the provider.
    type: float
    default: 10
  retries:
    description:
      - How many times a compare-and-swap write that lost a race (the records changed since they were read)
        is retried after re-reading.
    type: int
    default: 5
  propagation_timeout:
    description:
      - After a write, wait at most this many seconds until every authoritative nameserver of the zone serves
        the new record. V(0) skips the check. Not done for V(zonefile), whose file is deployed later.
    type: int
    default: 60
  authoritative_port:
    description:
      - DNS port on which the authoritative nameservers are asked during the propagation check.
      - Defaults to O(port) with V(rfc2136), otherwise V(53).
    type: int
notes:
  - Lookups whose target depends on the sender (macros such as C(exists:%{i}.spf.res.cisco.com)) are counted
    as one lookup and as void, the usual outcome for senders they do not describe.
  - Secrets (O(tsig_key_secret), O(api_key)) are never returned or logged.
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
  returned: success
  type: list
  elements: dict
diff:
  description: The SPF record before and after.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.spf_include_core import (
    ARGUMENT_SPEC,
    REQUIRED_IF,
    REQUIRED_TOGETHER,
    run,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF,
                           required_together=REQUIRED_TOGETHER, supports_check_mode=True)
    run(module)


if __name__ == '__main__':
    main()
