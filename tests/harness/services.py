"""Start and stop every server the test suite and the demo need.

    python -m tests.harness.services start [--only bind,pdns] [--config PATH ...]
    python -m tests.harness.services stop
    python -m tests.harness.services status

Each service lives in its own module of this package with two functions:
``start(run_dir: Path) -> dict`` (returns the variables tests need, e.g. ports, keys) and
``stop(run_dir: Path) -> None``. What ``start`` returns is stored in ``RUN_DIR/services.json``
under the service's name and flattened as ``<service>_<key>`` into every ``--config`` file
(YAML, e.g. ansible-test's ``tests/integration/integration_config.yml``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from tests.harness.common import RUN_DIR

# Order matters: DNS first (SMTP and simulator tests look names up there; pebble validates
# DNS-01 challenges against the BIND).
SERVICES = ["bind", "pdns", "kdc", "route53", "smtp", "sim", "pebble"]


def _module(name: str):
    return importlib.import_module(f"tests.harness.{name}")


def load_state(run_dir: Path = RUN_DIR) -> dict:
    path = run_dir / "services.json"
    return json.loads(path.read_text()) if path.exists() else {}


def flatten(state: dict) -> dict:
    """{'bind': {'port': 1}} -> {'bind_port': 1}"""
    out = {}
    for svc, info in state.items():
        for key, value in info.items():
            out[f"{svc}_{key}"] = value
    return out


def write_config(state: dict, paths: list[Path]) -> None:
    # JSON is valid YAML, and needs no YAML library here.
    text = json.dumps(flatten(state), indent=2, sort_keys=True) + "\n"
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def start(names: list[str], run_dir: Path = RUN_DIR, configs: list[Path] | None = None) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    state = load_state(run_dir)
    for name in names:
        mod = _module(name)
        mod.stop(run_dir / name)
        (run_dir / name).mkdir(parents=True, exist_ok=True)
        print(f"[services] starting {name}", file=sys.stderr)
        state[name] = mod.start(run_dir / name)
        (run_dir / "services.json").write_text(json.dumps(state, indent=2, sort_keys=True))
    write_config(state, configs or [])
    return state


def stop(names: list[str], run_dir: Path = RUN_DIR) -> None:
    state = load_state(run_dir)
    for name in reversed(names):
        try:
            _module(name).stop(run_dir / name)
        finally:
            state.pop(name, None)
    if run_dir.exists():
        (run_dir / "services.json").write_text(json.dumps(state, indent=2, sort_keys=True))


def available() -> list[str]:
    here = Path(__file__).parent
    return [n for n in SERVICES if (here / f"{n}.py").exists()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--only", help="comma-separated subset of: " + ",".join(SERVICES))
    parser.add_argument("--config", action="append", type=Path, default=[],
                        help="also write the flattened variables to this YAML/JSON file")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else available()
    if args.action == "start":
        state = start(names, configs=args.config)
        print(json.dumps(state, indent=2, sort_keys=True))
    elif args.action == "stop":
        stop(names)
    else:
        print(json.dumps(load_state(), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
