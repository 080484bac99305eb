#!/usr/bin/env python
"""Set or read the TXT fixtures of the spf_include integration tests, independent of the module.

    txt_fixture.py reset --provider rfc2136 --server H --port P --key-name K --key-secret S --zone Z --fixtures JSON
    txt_fixture.py reset --provider powerdns --api-url U --api-key K --zone Z --fixtures JSON
    txt_fixture.py reset --provider zonefile --path FILE --zone Z --fixtures JSON  (writes a fresh zone file)
    txt_fixture.py reset --provider route53 --endpoint-url U --access-key K --secret-key S --zone-id ID --zone Z ...
    txt_fixture.py get   ... --name LABEL   -> JSON: sorted list of values, each a list of strings
                                               (route53: also "raw", the stored Value strings)
"""
import argparse
import json
import re
import sys
import urllib.request

import dns.message
import dns.query
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rdata
import dns.rdataclass
import dns.tsigkeyring
import dns.update
import dns.zone


def quote(chunk):
    return '"' + chunk.replace('\\', '\\\\').replace('"', '\\"') + '"'


def txt(value):
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [c.encode() for c in value])


def keyring(a):
    return dns.tsigkeyring.from_text({a.key_name: ('hmac-sha256', a.key_secret)})


def api(a, method, path, payload=None):
    req = urllib.request.Request(a.api_url.rstrip('/') + '/api/v1/servers/localhost' + path, method=method,
                                 data=json.dumps(payload).encode() if payload is not None else None,
                                 headers={'X-API-Key': a.api_key, 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def route53(a):
    import boto3
    return boto3.client('route53', endpoint_url=a.endpoint_url, aws_access_key_id=a.access_key,
                        aws_secret_access_key=a.secret_key, region_name='us-east-1')


def r53_value(chunks):
    """Route 53's stored form, written independently of the collection's code."""
    out = []
    for chunk in chunks:
        buf = ''
        for byte in chunk.encode():
            if byte in (0x22, 0x5C):
                buf += '\\' + chr(byte)
            elif 0x20 <= byte < 0x7F:
                buf += chr(byte)
            else:
                buf += '\\%03o' % byte
        out.append('"%s"' % buf)
    return ' '.join(out)


def r53_chunks(value):
    chunks = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', value):
        data = bytearray()
        text = match.group(1)
        i = 0
        while i < len(text):
            if text[i] == '\\' and text[i + 1:i + 4].isdigit():
                data.append(int(text[i + 1:i + 4], 8))
                i += 4
            elif text[i] == '\\':
                data.extend(text[i + 1].encode())
                i += 2
            else:
                data.extend(text[i].encode())
                i += 1
        chunks.append(data.decode())
    return chunks


def r53_rrset(a, name):
    page = route53(a).list_resource_record_sets(HostedZoneId=a.zone_id, StartRecordName=name, StartRecordType='TXT',
                                                MaxItems='1')
    for rr in page['ResourceRecordSets']:
        if rr['Name'] == name and rr['Type'] == 'TXT':
            return rr
    return None


def reset(a):
    fixtures = json.loads(a.fixtures)
    if a.provider == 'route53':
        changes = []
        for label, values in fixtures.items():
            name = '%s.%s.' % (label, a.zone)
            current = r53_rrset(a, name)
            if current:
                changes.append({'Action': 'DELETE', 'ResourceRecordSet': current})
            if values:
                changes.append({'Action': 'CREATE', 'ResourceRecordSet': {
                    'Name': name, 'Type': 'TXT', 'TTL': 300,
                    'ResourceRecords': [{'Value': r53_value(v)} for v in values]}})
        route53(a).change_resource_record_sets(HostedZoneId=a.zone_id, ChangeBatch={'Changes': changes})
    elif a.provider == 'rfc2136':
        upd = dns.update.UpdateMessage(a.zone + '.', keyring=keyring(a), keyname=a.key_name)
        for label, values in fixtures.items():
            name = '%s.%s.' % (label, a.zone)
            upd.delete(name, 'TXT')
            for value in values:
                upd.add(name, 300, txt(value))
        resp = dns.query.tcp(upd, a.server, port=a.port, timeout=10)
        if resp.rcode() != 0:
            sys.exit('update failed: rcode %d' % resp.rcode())
    elif a.provider == 'powerdns':
        rrsets = []
        for label, values in fixtures.items():
            rr = {'name': '%s.%s.' % (label, a.zone), 'type': 'TXT'}
            if values:
                rr.update(changetype='REPLACE', ttl=300, records=[
                    {'content': ' '.join(quote(c) for c in v), 'disabled': False} for v in values])
            else:
                rr['changetype'] = 'DELETE'
            rrsets.append(rr)
        api(a, 'PATCH', '/zones/%s.' % a.zone, {'rrsets': rrsets})
    else:
        lines = ['$ORIGIN %s.' % a.zone, '$TTL 300',
                 '@ SOA ns1 hostmaster 2024010101 3600 600 86400 60', '@ NS ns1', 'ns1 A 127.0.0.1']
        for label, values in fixtures.items():
            for value in values:
                lines.append('%s 300 TXT %s' % (label, ' '.join(quote(c) for c in value)))
        with open(a.path, 'w') as out:
            out.write('\n'.join(lines) + '\n')


def get(a):
    name = '%s.%s.' % (a.name, a.zone)
    values = []
    if a.provider == 'route53':
        rr = r53_rrset(a, name)
        raw = [r['Value'] for r in rr['ResourceRecords']] if rr else []
        print(json.dumps({'values': sorted(r53_chunks(v) for v in raw), 'raw': sorted(raw)}))
        return
    if a.provider == 'rfc2136':
        q = dns.message.make_query(name, 'TXT')
        q.use_tsig(keyring(a), keyname=a.key_name)
        resp = dns.query.tcp(q, a.server, port=a.port, timeout=10)
        for rrset in resp.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                values = [[s.decode() for s in r.strings] for r in rrset]
    elif a.provider == 'powerdns':
        zone = api(a, 'GET', '/zones/%s.' % a.zone)
        for rr in zone['rrsets']:
            if rr['name'] == name and rr['type'] == 'TXT':
                values = [[s.decode() for s in txt_from_content(r['content'])] for r in rr['records']]
    else:
        z = dns.zone.from_file(a.path, origin=a.zone + '.', relativize=False)
        rds = z.get_rdataset(name, 'TXT')
        values = [[s.decode() for s in r.strings] for r in (rds or [])]
        soa = z.get_rdataset(a.zone + '.', 'SOA')[0]
        print(json.dumps({'values': sorted(values), 'serial': soa.serial}))
        return
    print(json.dumps({'values': sorted(values)}))


def txt_from_content(content):
    rd = dns.rdata.from_text('IN', 'TXT', content)
    return rd.strings


def main():
    p = argparse.ArgumentParser()
    p.add_argument('action', choices=['reset', 'get'])
    p.add_argument('--provider', required=True)
    p.add_argument('--server', default='127.0.0.1')
    p.add_argument('--port', type=int, default=53)
    p.add_argument('--key-name')
    p.add_argument('--key-secret')
    p.add_argument('--api-url')
    p.add_argument('--api-key')
    p.add_argument('--path')
    p.add_argument('--endpoint-url')
    p.add_argument('--access-key')
    p.add_argument('--secret-key')
    p.add_argument('--zone-id')
    p.add_argument('--zone', required=True)
    p.add_argument('--fixtures')
    p.add_argument('--name')
    a = p.parse_args()
    reset(a) if a.action == 'reset' else get(a)


if __name__ == '__main__':
    main()
