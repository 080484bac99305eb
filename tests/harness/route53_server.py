"""moto's server with Route 53's change-batch rules, for the tests (``python -m tests.harness.route53_server``).

moto 5.2 checks a DELETE against its change history, not against the current RRset, and lets a
CREATE duplicate an existing RRset, so two racing writers both "succeed" and one update is lost
where Route 53 would have rejected the second batch. Route 53 documents that a DELETE must name
the current RRset exactly (TTL and every value) and that a CREATE of an existing RRset fails,
the whole batch being applied or rejected as one. This wrapper enforces exactly those two rules
(under one lock, so a batch is atomic) before moto applies the batch (a CREATE it has checked
goes to moto as UPSERT: moto's own CREATE check refuses a value that was created before, even
after it was deleted), then runs moto's own server main. Nothing else of moto changes.
"""

from __future__ import annotations

import sys
import threading

from moto import server
from moto.route53 import models
from moto.route53.exceptions import Route53ClientError

_LOCK = threading.Lock()


class InvalidChangeBatch(Route53ClientError):
    """Route 53's rejection of a batch, with its message (moto's own class takes none)."""

    def __init__(self, message: str):
        super().__init__("InvalidChangeBatch", message)


_original = models.Route53Backend.change_resource_record_sets


def _key(name: str, rrtype: str) -> tuple[str, str]:
    return name.rstrip(".").lower(), rrtype


def _current(zone) -> dict:
    return {_key(r.name, r.type): r for r in zone.rrsets if not r.set_identifier}


def change_resource_record_sets(self, zoneid, change_list):
    with _LOCK:
        zone = self.get_hosted_zone(zoneid)
        current = _current(zone)
        for change in change_list:
            record = change["ResourceRecordSet"]
            if record.get("SetIdentifier") or "AliasTarget" in record:
                continue
            key = _key(record["Name"], record["Type"])
            values = sorted(v["Value"] for v in record.get("ResourceRecords", []))
            if change["Action"] == "DELETE":
                have = current.get(key)
                if have is None:
                    raise InvalidChangeBatch(f"[Tried to delete resource record set [name='{record['Name']}', "
                                             f"type='{record['Type']}'] but it was not found]")
                if str(have.ttl) != str(record.get("TTL")) or sorted(have.records) != values:
                    raise InvalidChangeBatch(f"[Tried to delete resource record set [name='{record['Name']}', "
                                             f"type='{record['Type']}'] but the values provided do not match "
                                             "the current values]")
                current.pop(key)
            elif change["Action"] == "CREATE":
                if key in current:
                    raise InvalidChangeBatch(f"[Tried to create resource record set [name='{record['Name']}', "
                                             f"type='{record['Type']}'] but it already exists]")
                current[key] = object()
                # Checked above; moto's own CREATE check compares against its change history and
                # every later name of the zone, and refuses a re-created value: let moto upsert.
                change["Action"] = "UPSERT"
        return _original(self, zoneid, change_list)


models.Route53Backend.change_resource_record_sets = change_resource_record_sets

if __name__ == "__main__":
    server.main(sys.argv[1:])
