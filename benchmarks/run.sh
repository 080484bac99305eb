#!/usr/bin/env bash
# Fleet benchmark (see docs/benchmarks.md): 20 simulated appliances, then 100; the previous
# release side by side at 20.
#   benchmarks/run.sh [--appliances 20] [--also 100] [--forks 5] [--only] [--no-smtp]
#                     [--ssh-type libssh|paramiko] [--compare-ssh] [--no-previous] [--markdown FILE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -x "$ROOT/.venv/bin/python" ] || scripts/bootstrap.sh
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$ROOT/.venv/bin/python" -m benchmarks.fleet "$@"
