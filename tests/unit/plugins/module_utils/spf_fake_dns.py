# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A dictionary-backed resolver for the SPF unit tests (the dns_resolver.Lookup interface)."""
from __future__ import annotations


class FakeResolver(object):
    """(name, rdtype) -> list of values; missing -> void; value 'ERROR' -> error."""

    def __init__(self, data):
        self.data = data
        self.calls = []

    def query(self, name, rdtype):
        self.calls.append((name, rdtype))
        value = self.data.get((name.lower(), rdtype))
        if value == 'ERROR':
            return 'error', ['timed out']
        if not value:
            return 'void', []
        return 'ok', list(value)


CRES_ADDRESSES = ['184.94.241.74', '208.90.57.32', '208.90.57.33', '184.94.241.96', '184.94.241.97',
                  '184.94.241.98', '184.94.241.99', '208.90.57.34', '208.90.57.35']

CRES = {
    ('res.cisco.com', 'TXT'): ['v=spf1 mx:res.cisco.com exists:%{i}.spf.res.cisco.com -all'],
    ('res.cisco.com', 'MX'): ['esa1.cres.iphmx.com'],
    ('esa1.cres.iphmx.com', 'A'): ['68.232.140.79'],
}
CRES.update({('%s.spf.res.cisco.com' % a, 'A'): ['127.0.0.2'] for a in CRES_ADDRESSES})
