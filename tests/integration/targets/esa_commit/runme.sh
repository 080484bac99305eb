#!/usr/bin/env bash
# esa_commit (and the commit option of the ESA modules) against the AsyncOS simulator.
set -eux
CONFIG=${MAILSEC_INTEGRATION_CONFIG:-../../integration_config.yml}
if [ ! -f "$CONFIG" ] || ! grep -q '"sim_esa1_ssh_port"' "$CONFIG"; then
    echo "no simulator variables in $CONFIG: run 'python -m tests.harness.services start --only sim' first" >&2
    exit 1
fi
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(command -v python || command -v python3)
# The collection root holding tests/simulator (fault injection): the collections path, or above this target.
ROOT=$("$PY" - "$HERE" <<'PYEOF'
import os, sys
cands = [os.path.join(p, 'ansible_collections', 'mailsec', 'cres')
         for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', os.environ.get('ANSIBLE_COLLECTIONS_PATHS', '')).split(':') if p]
d = sys.argv[1]
while d != '/':
    cands.append(d)
    d = os.path.dirname(d)
for c in cands:
    if os.path.exists(os.path.join(c, 'tests', 'simulator', 'control.py')):
        print(c)
        break
PYEOF
)
[ -n "$ROOT" ] || { echo "tests/simulator not found" >&2; exit 1; }
export ANSIBLE_HOST_KEY_CHECKING=False
ansible-playbook -i localhost, -e @"$CONFIG" -e collection_root="$ROOT" "$HERE/test.yml" "$@"
