"""Keep a known_hosts file right for the simulated appliances on loopback.

netcommon's network_cli (paramiko) records every host key it sees in ``~/.ssh/known_hosts``
and fails with "host key mismatch" when a key differs - whatever ANSIBLE_HOST_KEY_CHECKING says
(netcommon 8.7: its ``get_options`` lets the paramiko defaults win). Simulated appliances get a
new random port at each start and their own key, so an entry left by an earlier run for the
same port makes a later run fail at random. Whoever starts appliances therefore writes their
real keys for their ports here, replacing whatever was recorded for those ports: host key
checking stays on, with the right keys.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def entry_name(address: str, port: int) -> str:
    return address if int(port) == 22 else f"[{address}]:{int(port)}"


def trust(known_hosts: Path, appliances: list) -> None:
    """appliances: dicts with ssh_host (or host), ssh_port (or port) and host_key_file (.pub)."""
    ours = {}
    for a in appliances:
        name = entry_name(a.get("ssh_host") or a.get("host") or "127.0.0.1", a.get("ssh_port") or a["port"])
        key_type, key_b64 = Path(a["host_key_file"]).read_text().split()[:2]
        ours[name] = f"{key_type} {key_b64}"
    replace(known_hosts, ours)


def replace(known_hosts: Path, keys: dict) -> None:
    """Every line naming one of ``keys`` ({entry name: "TYPE BASE64", or None}) replaced by that
    key, or removed for None; the other lines kept; the file written atomically."""
    known_hosts = Path(known_hosts)
    kept = []
    if known_hosts.exists():
        for line in known_hosts.read_text().splitlines():
            names = line.split(" ", 1)[0].split(",") if line and not line.startswith("#") else []
            if not any(n in keys for n in names):
                kept.append(line)
    known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".known_hosts.", dir=str(known_hosts.parent))
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(kept + [f"{name} {key}" for name, key in keys.items() if key is not None]) + "\n")
    os.replace(tmp, known_hosts)
