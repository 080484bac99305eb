#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mailsec.cres contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_txt
short_description: Ensure TXT values at a DNS name, at the DNS provider that serves the zone
version_added: 0.1.0
description:
  - Adds or removes TXT values at O(name) through the collection's DNS providers (the same O(provider) options,
    credentials and C(module_defaults) group C(mailsec.cres.dns) as M(mailsec.cres.spf_include)), for example the
    C(_acme-challenge) records of an ACME DNS-01 validation, C(_mta-sts) or C(_smtp._tls) (TLS reporting) records,
    or domain verification tokens.
  - With O(mode=append) (the default), O(state=present) adds the O(values) that are missing and O(state=absent)
    removes only the O(values) given; every other TXT value at the name is kept byte for byte.
  - With O(mode=exact), O(state=present) makes the TXT records at the name exactly O(values) (the others are
    removed) and O(state=absent) removes every TXT record at the name.
  - Values are compared by their text (the character-strings of a record joined), so the way a stored value is
    split into strings never causes a change. A new value longer than 255 bytes is split into strings of at most
    255 bytes. A value the provider stores as disabled (PowerDNS) is not served, so it counts as missing.
  - The TXT records at the name are replaced from exactly what was read to the new values, a compare-and-swap for
    V(rfc2136) (UPDATE prerequisite), V(route53) (one change batch that deletes the exact old RRset) and
    V(zonefile) (locked file, unchanged since read); a re-read and a verification after the write for V(powerdns).
    A write that lost a race is re-read and retried up to O(retries) times, so concurrent writers at the same name
    (two ACME orders for one host name, for example) never lose each other's values in O(mode=append).
  - After a write the module asks every authoritative nameserver of the zone (NS records) directly until each
    serves the values (with O(mode=append), other values beside them are fine), for at most O(propagation_timeout)
    seconds, and fails naming each one that does not. With V(route53) it first waits until Route 53 reports the
    change INSYNC. Not done for V(zonefile), whose file is deployed later.
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
  name:
    description:
      - Owner name of the TXT records, for example V(_acme-challenge.mail.example.com). A trailing dot is optional.
    type: str
    required: true
    aliases: [record]
  values:
    description:
      - The TXT values (texts). Required except with O(state=absent) and O(mode=exact), which takes none.
      - The same value given twice is one record (a TXT RRset is a set). V("") is an empty TXT value.
    type: list
    elements: str
    aliases: [value]
  state:
    description:
      - V(present) makes sure the O(values) are there, V(absent) that they are not (see O(mode)).
    type: str
    choices: [present, absent]
    default: present
  mode:
    description:
      - V(append) adds or removes only the O(values) and keeps every other TXT value at the name.
      - V(exact) makes the TXT records at the name exactly O(values) (O(state=present)), or removes them all
        (O(state=absent)).
    type: str
    choices: [append, exact]
    default: append
  ttl:
    description:
      - TTL of a TXT RRset that does not exist yet. An existing RRset keeps its TTL.
    type: int
    default: 3600
  retries:
    description:
      - How many times a compare-and-swap write that lost a race (the records changed since they were read) is
        retried after re-reading.
    type: int
    default: 5
  propagation_timeout:
    description:
      - After a write, wait at most this many seconds until every authoritative nameserver of the zone serves the
        change (with V(route53), first until Route 53 reports the change INSYNC). V(0) skips the check. Not done
        for V(zonefile), whose file is deployed later.
    type: int
    default: 60
  authoritative_port:
    description:
      - DNS port on which the authoritative nameservers are asked during the propagation check.
      - Defaults to O(port) with V(rfc2136), otherwise V(53).
      - With V(powerdns), the DNS port of the PowerDNS server.
    type: int
notes:
  - O(nameservers) (with O(nameserver_port)) resolves the addresses of the zone's nameservers for the propagation
    check when the provider does not give them.
  - Secrets (O(tsig_key_secret), O(api_key), O(aws_secret_access_key), O(aws_session_token)) are never returned
    or logged.
  - The role C(mailsec.cres.cres_tls) uses this module for the C(_acme-challenge) records when it obtains the
    appliances' certificate with ACME (C(cres_tls_certificate_source=acme)).
seealso:
  - module: mailsec.cres.spf_include
  - name: RFC 8555 section 8.4 (ACME DNS-01 challenge)
    description: The C(_acme-challenge) TXT record an ACME server checks.
    link: https://www.rfc-editor.org/rfc/rfc8555#section-8.4
  - name: RFC 2136
    description: Dynamic updates in the DNS, with prerequisites.
    link: https://www.rfc-editor.org/rfc/rfc2136
"""

EXAMPLES = r"""
- name: Publish an ACME DNS-01 challenge (BIND, dynamic update with TSIG), keeping other challenges at the name
  mailsec.cres.dns_txt:
    name: _acme-challenge.mail.example.com
    values:
      - "{{ challenge_value }}"
    ttl: 60
    provider: rfc2136
    server: 192.0.2.53
    tsig_key_name: acme-update
    tsig_key_secret: "{{ vault_tsig_secret }}"

- name: Remove it again (only this value)
  mailsec.cres.dns_txt:
    name: _acme-challenge.mail.example.com
    values:
      - "{{ challenge_value }}"
    state: absent
    provider: rfc2136
    server: 192.0.2.53
    tsig_key_name: acme-update
    tsig_key_secret: "{{ vault_tsig_secret }}"

- name: MTA-STS policy id and TLS reporting address, exactly these values (PowerDNS API)
  mailsec.cres.dns_txt:
    name: "{{ item.name }}"
    values: ["{{ item.value }}"]
    mode: exact
    provider: powerdns
    api_url: https://pdns.example.com:8081
    api_key: "{{ vault_pdns_api_key }}"
  loop:
    - {name: _mta-sts.example.com, value: "v=STSv1; id=20260101000000Z"}
    - {name: _smtp._tls.example.com, value: "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"}

- name: A verification token in the zone file kept in Git, preview first
  mailsec.cres.dns_txt:
    name: example.com
    values: ["example-site-verification=abc123"]
    provider: zonefile
    path: "{{ playbook_dir }}/zones/example.com.zone"
  check_mode: true
  diff: true

- name: Provider options once for every DNS module of the collection
  module_defaults:
    group/mailsec.cres.dns:
      provider: route53
      aws_profile: dns-admin
  block:
    - name: Remove every TXT record at a name
      mailsec.cres.dns_txt:
        name: old-token.example.com
        state: absent
        mode: exact
"""

RETURN = r"""
name:
  description: The owner name (lower case, no trailing dot).
  returned: always
  type: str
  sample: _acme-challenge.mail.example.com
zone:
  description: The zone that holds O(name).
  returned: success
  type: str
  sample: example.com
provider:
  description: The DNS provider used.
  returned: always
  type: str
  sample: rfc2136
values_before:
  description: The texts of the TXT records at the name before (in the order stored).
  returned: success
  type: list
  elements: str
  sample: ["other-token", "v=spf1 -all"]
values_after:
  description: The texts of the TXT records at the name after the change (or what they would be in check mode).
  returned: success
  type: list
  elements: str
  sample: ["other-token", "v=spf1 -all", "gZ3...challenge"]
added:
  description: The values added (or that would be in check mode).
  returned: success
  type: list
  elements: str
removed:
  description: The values removed (or that would be in check mode).
  returned: success
  type: list
  elements: str
ttl:
  description: TTL of the RRset (the existing one's, or O(ttl) for a new one); null when there is no record.
  returned: success
  type: int
  sample: 3600
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
  description: The TXT records before and after, one per line in zone file notation.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailsec.cres.plugins.module_utils.dns_txt_core import (
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
