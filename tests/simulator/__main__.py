"""python -m tests.simulator serve|dump|ctl|stats ...  (see tests/simulator/README.md)"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from tests.simulator import control as ctl
from tests.simulator import model


def _kv(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"expected KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k] = v
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.simulator", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("serve", help="run the simulator in the foreground")
    s.add_argument("--data", type=Path, required=True)
    s.add_argument("--state-dir", type=Path, required=True)
    s.add_argument("--reset", action="store_true", help="reseed the committed state from the data file")

    d = sub.add_parser("dump", help="print the committed state as byte-stable JSON")
    d.add_argument("--state-dir", type=Path, required=True)
    d.add_argument("--appliance", help="only what this appliance sees (cluster members: --data, or a running server)")
    d.add_argument("--data", type=Path)
    d.add_argument("--out", type=Path)

    c = sub.add_parser("ctl", help="fault injection")
    c.add_argument("--state-dir", type=Path, required=True)
    c.add_argument("--appliance", default="*", help="hostname, or * for all (default)")
    c.add_argument("--no-wait", action="store_true", help="don't wait for the server to apply it")
    c.add_argument("action", choices=["set", "replace", "clear", "arm", "show", "reset-state"])
    c.add_argument("settings", nargs="*", help="KEY=VALUE: " + ", ".join(sorted(ctl.CONTROL_KEYS)))

    st = sub.add_parser("stats", help="print (or reset) the counters")
    st.add_argument("--state-dir", type=Path, required=True)
    st.add_argument("--appliance")
    st.add_argument("--reset", action="store_true")

    a = p.parse_args(argv)
    try:
        return _run(a)
    except TimeoutError as exc:
        print(f"error: {exc} (is the simulator running with --state-dir {a.state_dir}?)", file=sys.stderr)
        return 1


def _run(a) -> int:
    if a.cmd == "serve":
        return asyncio.run(model_serve(a))
    if a.cmd == "dump":
        data_path = a.data
        ready = a.state_dir / "ready.json"
        if a.appliance and data_path is None and ready.exists():
            data_path = Path(json.loads(ready.read_text())["data"])    # the running server's data file
        data = model.load_data(data_path) if data_path else None
        text = model.dump_text(a.state_dir / "state.json", a.appliance, data)
        if a.out:
            a.out.write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    if a.cmd == "ctl":
        wait = not a.no_wait
        if a.action == "show":
            print(json.dumps(ctl.read_control(a.state_dir), indent=2, sort_keys=True))
        elif a.action in ("set", "replace"):
            ctl.set_faults(a.state_dir, a.appliance, wait=wait, replace=a.action == "replace", **_kv(a.settings))
        elif a.action == "reset-state":
            ctl.reset_state(a.state_dir, wait=wait)
        elif a.action == "arm":
            ctl.set_faults(a.state_dir, a.appliance, wait=wait)
        else:
            ctl.clear_faults(a.state_dir, None if a.appliance == "*" else a.appliance, wait=wait)
        return 0
    if a.cmd == "stats":
        if a.reset:
            ctl.reset_stats(a.state_dir, a.appliance or "*")
        names = [a.appliance] if a.appliance else ctl.hostnames(a.state_dir)
        print(json.dumps({h: ctl.read_stats(a.state_dir, h) for h in names}, indent=2, sort_keys=True))
        return 0
    return 2


async def model_serve(a) -> int:
    from tests.simulator.server import serve
    return await serve(a.data.resolve(), a.state_dir.resolve(), reset=a.reset)


if __name__ == "__main__":
    sys.exit(main())
