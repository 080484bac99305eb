"""Collects the fixtures of every tests/functional/conftest_*.py (one file per concern).

The tests import the collection's plugins as ``ansible_collections.mailsec.cres.*`` from
``.collections`` (scripts/bootstrap.sh links the checkout there); the path is set once, here.
"""

import sys
from importlib import import_module
from pathlib import Path

_COLLECTIONS = str(Path(__file__).resolve().parents[2] / ".collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

for _path in sorted(Path(__file__).parent.glob("conftest_*.py")):
    _mod = import_module(f"tests.functional.{_path.stem}")
    globals().update({k: v for k, v in vars(_mod).items() if not k.startswith("_")})
