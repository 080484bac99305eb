"""Collects the fixtures of every tests/functional/conftest_*.py (one file per concern)."""

from importlib import import_module
from pathlib import Path

for _path in sorted(Path(__file__).parent.glob("conftest_*.py")):
    _mod = import_module(f"tests.functional.{_path.stem}")
    globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("_")})
