# shellcheck shell=bash
# Sourced by the runme.sh of the ESA integration targets (working directory: the target).
# Checks that the harness's simulator variables are there, finds the collection root (for
# tests/harness and tests/simulator), and offers:
#   esa_pki_json NAME      make the harness's test PKI under OUTPUT_DIR, print its paths as JSON
#   esa_playbook ARGS...   run the target's test.yml against the simulated appliances
CONFIG=${MAILSEC_INTEGRATION_CONFIG:-../../integration_config.yml}
if [ ! -f "$CONFIG" ] || ! grep -q '"sim_esa1_ssh_port"' "$CONFIG"; then
    echo "no simulator variables in $CONFIG: run 'python -m tests.harness.services start --only sim' first" >&2
    exit 1
fi
TARGET_DIR=$(pwd)
PY=$(command -v python || command -v python3)
# The collection root holding tests/harness and tests/simulator: the collections path, or above.
ROOT=$("$PY" - "$TARGET_DIR" <<'PYEOF'
import os, sys
cands = [os.path.join(p, 'ansible_collections', 'mailsec', 'cres')
         for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', os.environ.get('ANSIBLE_COLLECTIONS_PATHS', '')).split(':') if p]
d = sys.argv[1]
while d != '/':
    cands.append(d)
    d = os.path.dirname(d)
for c in cands:
    if all(os.path.exists(os.path.join(c, 'tests', *p)) for p in (('harness', 'pki.py'), ('simulator', 'control.py'))):
        print(c)
        break
PYEOF
)
[ -n "$ROOT" ] || { echo "tests/harness and tests/simulator not found" >&2; exit 1; }
export ANSIBLE_HOST_KEY_CHECKING=False

esa_pki_json() {
    local dir
    dir=${OUTPUT_DIR:-$(mktemp -d)}/$1_pki
    (cd "$ROOT" && "$PY" -c "
import json, sys
from tests.harness.pki import make_pki
print(json.dumps(make_pki(sys.argv[1], hostnames=['mail.example.com', 'out.example.com'])))
" "$dir")
}

esa_playbook() {
    ansible-playbook -i localhost, -e @"$CONFIG" -e collection_root="$ROOT" "$TARGET_DIR/test.yml" "$@"
}
