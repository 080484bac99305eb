"""The state model: data file -> stores of committed configuration, persisted in the state dir.

A *store* holds the committed configuration of one standalone appliance or of one cluster.
It maps level keys to sections:

    level keys: "machine:HOST" (standalone: the only level), "cluster", "group:NAME", "machine:HOST"
    sections:   "listeners" (list of listener dicts), "certificates" (list of profile dicts)

A section present at a level means the matching command (listenerconfig / certconfig) is
configured at that level. A machine sees, per section, the first level holding it in the
order machine -> group -> cluster.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

import yaml

from tests.simulator import certs, hat as hatmod, profiles

SECTION_OF = {"listenerconfig": "listeners", "certconfig": "certificates"}
STATE_FORMAT = 1


class DataError(ValueError):
    pass


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def level_label(level: str, cluster_name: str | None, hostname: str | None = None) -> str:
    """'cluster' -> 'Cluster c1'; 'group:G' -> 'Group G'; 'machine:H' -> 'Machine H'."""
    if level == "cluster":
        return f"Cluster {cluster_name}"
    kind, name = level.split(":", 1)
    return f"{kind.capitalize()} {name}"


# ---------------------------------------------------------------- data file
def _listener(d: dict, base: Path) -> dict:
    if "name" not in d:
        raise DataError("listener without name")
    defaults = dict(hatmod.AS_BOX_DEFAULTS)
    for k, v in (d.get("hat_defaults") or {}).items():
        if k not in defaults:
            raise DataError(f"listener {d['name']}: unknown hat_defaults key {k}")
        defaults[k] = str(v)
    return {
        "name": d["name"],
        "type": str(d.get("type", "public")).lower(),
        "interface": d.get("interface", "Data 1"),
        "ip": d.get("ip", "192.0.2.10"),
        "prefix": int(d.get("prefix", 24)),
        "port": int(d.get("port", 25)),
        "protocol": d.get("protocol", "SMTP"),
        "hostname": d.get("hostname", "mail.example.com"),
        "certificate": d.get("certificate", "Demo"),
        "smtp_address": d.get("smtp_address"),
        "smtp_port": d.get("smtp_port"),
        "hat_defaults": defaults,
        "hat": hatmod.normalize_hat(d.get("hat")),
    }


def _read_text(value: str | None, file: str | None, base: Path) -> str | None:
    if value:
        return value
    if file:
        return (base / file).read_text()
    return None


def _certificate(d: dict, base: Path) -> dict:
    if d.get("demo") or (d.get("name") == "Demo" and not d.get("cert") and not d.get("cert_file")):
        prof = certs.generate_demo()
        prof["name"] = d.get("name", "Demo")
        return prof
    cert = _read_text(d.get("cert"), d.get("cert_file"), base)
    key = _read_text(d.get("key"), d.get("key_file"), base)
    c = certs.parse_cert(cert or "")
    k = certs.parse_key(key or "")
    if c is None or k is None or not certs.key_signs_cert(k, c):
        raise DataError(f"certificate profile {d.get('name')}: bad cert/key")
    inter = [certs.canonical_pem(certs.parse_cert(x)) for x in d.get("intermediates", [])]
    return {"name": d["name"], "cert": certs.canonical_pem(c), "key": certs.canonical_pem(k), "intermediates": inter}


def _section_from(d: dict, base: Path) -> dict:
    out = {}
    if "certificates" in d:
        out["certificates"] = [_certificate(c, base) for c in d["certificates"]]
    if "listeners" in d:
        out["listeners"] = [_listener(x, base) for x in d["listeners"]]
    return out


def _default_config() -> dict:
    return {"certificates": [{"name": "Demo", "demo": True}], "listeners": [{"name": "IncomingMail"}]}


def load_data(path: Path) -> dict:
    """Read and check the data file; returns the raw dict (with defaults filled in)."""
    text = path.read_text()
    data = yaml.safe_load(text) or {}
    data.setdefault("idle_timeout", 1800)
    for holder in [data] + list(data.get("appliances") or []):
        if "profile" in holder:
            try:
                profiles.profile(holder["profile"])
            except ValueError as exc:
                raise DataError(str(exc)) from None
        for key in holder:
            if key.startswith(("terminal_", "showconfig_pending", "hat_type_menu", "policy_edit_menu",
                               "change_params_after")) and key not in profiles.VARIANTS:
                raise DataError(f"unknown variant switch {key} (known: {', '.join(profiles.VARIANTS)})")
    data.setdefault("appliances", [])
    data.setdefault("clusters", [])
    names = set()
    clusters = {c["name"]: c for c in data["clusters"]}
    for a in data["appliances"]:
        for key in ("hostname", "ssh_port"):
            if key not in a:
                raise DataError(f"appliance without {key}")
        if a["hostname"] in names:
            raise DataError(f"duplicate appliance {a['hostname']}")
        names.add(a["hostname"])
        if a.get("cluster") and a["cluster"] not in clusters:
            raise DataError(f"appliance {a['hostname']}: unknown cluster {a['cluster']}")
        if not a.get("users"):
            raise DataError(f"appliance {a['hostname']}: no users")
    for c in data["clusters"]:
        members = [m for g in c.get("groups", []) for m in g.get("machines", [])]
        for m in members:
            if m not in names:
                raise DataError(f"cluster {c['name']}: machine {m} is not an appliance")
        for a in data["appliances"]:
            if a.get("cluster") == c["name"] and a["hostname"] not in members:
                raise DataError(f"appliance {a['hostname']} is in cluster {c['name']} but in none of its groups")
        for cmd, spec in (c.get("commands") or {}).items():
            if cmd not in SECTION_OF:
                raise DataError(f"cluster {c['name']}: unknown command {cmd}")
            lvl = spec.get("level", "cluster")
            if not (lvl == "cluster" or lvl.startswith("group:") or lvl.startswith("machine:")):
                raise DataError(f"cluster {c['name']}: bad level {lvl}")
            if spec.get("notice", "menu") not in ("menu", "yesno"):
                raise DataError(f"cluster {c['name']}: notice must be menu or yesno")
    data["_digest"] = hashlib.sha256(text.encode()).hexdigest()
    data["_base"] = str(path.parent)
    return data


def seed_stores(data: dict) -> dict:
    """Committed state of every store, built from the data file."""
    base = Path(data["_base"])
    stores = {}
    for a in data["appliances"]:
        if a.get("cluster"):
            continue
        cfg = a.get("config") or _default_config()
        stores[f"appliance:{a['hostname']}"] = {
            "levels": {f"machine:{a['hostname']}": _section_from(cfg, base)}}
    for c in data["clusters"]:
        levels: dict = {}
        cfg = c.get("config") or _default_config()
        commands = c.get("commands") or {}
        for cmd, section in SECTION_OF.items():
            if section not in cfg:
                continue
            lvl = (commands.get(cmd) or {}).get("level", "cluster")
            levels.setdefault(lvl, {}).update(_section_from({section: cfg[section]}, base))
        for lvl, ocfg in (c.get("overrides") or {}).items():
            levels.setdefault(lvl, {}).update(_section_from(ocfg, base))
        stores[f"cluster:{c['name']}"] = {"levels": levels}
    return stores


# ---------------------------------------------------------------- runtime objects
class Store:
    """Committed configuration of one standalone appliance or one cluster (shared by its members)."""

    def __init__(self, sid: str, levels: dict, cluster: dict | None):
        self.sid = sid
        self.levels = levels
        self.cluster = cluster          # the data-file cluster dict, or None
        self.lock = threading.RLock()

    @property
    def cluster_name(self) -> str | None:
        return self.cluster["name"] if self.cluster else None

    def group_of(self, machine: str) -> str | None:
        if not self.cluster:
            return None
        for g in self.cluster.get("groups", []):
            if machine in g.get("machines", []):
                return g["name"]
        return None

    def groups(self) -> list[str]:
        return [g["name"] for g in self.cluster.get("groups", [])] if self.cluster else []

    def machines(self) -> list[str]:
        return [m for g in self.cluster.get("groups", []) for m in g.get("machines", [])] if self.cluster else []

    def precedence(self, machine: str) -> list[str]:
        if not self.cluster:
            return [f"machine:{machine}"]
        out = [f"machine:{machine}"]
        g = self.group_of(machine)
        if g:
            out.append(f"group:{g}")
        out.append("cluster")
        return out

    def notice_style(self, command: str) -> str:
        if not self.cluster:
            return "menu"
        return ((self.cluster.get("commands") or {}).get(command) or {}).get("notice", "menu")

    def committed(self, level: str, section: str):
        return self.levels.get(level, {}).get(section)

    def effective_committed(self, machine: str, section: str):
        for lvl in self.precedence(machine):
            v = self.committed(lvl, section)
            if v is not None:
                return v
        return None


class World:
    """All stores, persisted as one JSON file in the state dir."""

    def __init__(self, data: dict, state_dir: Path, reset: bool = False):
        self.data = data
        self.state_dir = state_dir
        self.path = state_dir / "state.json"
        self.lock = threading.RLock()
        stores = None
        if self.path.exists() and not reset:
            saved = json.loads(self.path.read_text())
            if saved.get("format") == STATE_FORMAT and saved.get("data_digest") == data["_digest"]:
                stores = saved["stores"]
        if stores is None:
            stores = seed_stores(data)
        clusters = {c["name"]: c for c in data["clusters"]}
        self.stores = {}
        for sid, body in stores.items():
            cl = clusters.get(sid.split(":", 1)[1]) if sid.startswith("cluster:") else None
            self.stores[sid] = Store(sid, body["levels"], cl)
        self.initial = copy.deepcopy(self.snapshot())
        self.save()

    def restore_initial(self) -> None:
        """Back to the committed state the server started with (tests: `ctl reset-state`)."""
        with self.lock:
            for sid, body in copy.deepcopy(self.initial).items():
                with self.stores[sid].lock:
                    self.stores[sid].levels.clear()
                    self.stores[sid].levels.update(body["levels"])
            self.save()

    def store_for(self, appliance: dict) -> Store:
        if appliance.get("cluster"):
            return self.stores[f"cluster:{appliance['cluster']}"]
        return self.stores[f"appliance:{appliance['hostname']}"]

    def snapshot(self) -> dict:
        return {sid: {"levels": s.levels} for sid, s in sorted(self.stores.items())}

    def save(self) -> None:
        with self.lock:
            atomic_write(self.path, canonical_json({"format": STATE_FORMAT, "data_digest": self.data["_digest"],
                                                    "stores": self.snapshot()}))

    def commit(self, store: Store, changes: dict) -> None:
        """Apply {(level, section): value} atomically, in memory and on disk."""
        with self.lock, store.lock:
            old = copy.deepcopy(store.levels)
            try:
                for (level, section), value in changes.items():
                    store.levels.setdefault(level, {})[section] = copy.deepcopy(value)
                self.save()
            except BaseException:
                store.levels.clear()
                store.levels.update(old)
                raise


def dump_text(state_path: Path, appliance: str | None = None, data: dict | None = None) -> str:
    """Byte-stable JSON of the committed state (whole, or as one appliance sees it)."""
    saved = json.loads(state_path.read_text())
    stores = saved["stores"]
    if appliance is None:
        return canonical_json(stores)
    sid = None
    cluster = None
    for a in (data or {}).get("appliances", []):
        if a["hostname"] == appliance:
            sid = f"cluster:{a['cluster']}" if a.get("cluster") else f"appliance:{appliance}"
            cluster = next((c for c in data["clusters"] if c["name"] == a.get("cluster")), None)
    if sid is None:
        sid = f"appliance:{appliance}"
    store = Store(sid, stores[sid]["levels"], cluster)
    view = {"hostname": appliance}
    for section in ("certificates", "listeners"):
        view[section] = store.effective_committed(appliance, section)
    return canonical_json(view)
