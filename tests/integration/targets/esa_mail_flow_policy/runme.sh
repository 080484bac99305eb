#!/usr/bin/env bash
# esa_mail_flow_policy against the AsyncOS simulator, with the harness's test PKI.
set -eux
CONFIG=${MAILSEC_INTEGRATION_CONFIG:-../../integration_config.yml}
if [ ! -f "$CONFIG" ] || ! grep -q '"sim_esa1_ssh_port"' "$CONFIG"; then
    echo "no simulator variables in $CONFIG: run 'python -m tests.harness.services start --only sim' first" >&2
    exit 1
fi
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(command -v python || command -v python3)
# The collection root holding tests/harness/pki.py: the collections path, or above this target.
ROOT=$("$PY" - "$HERE" <<'PYEOF'
import os, sys
cands = [os.path.join(p, 'ansible_collections', 'mailsec', 'cres')
         for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', os.environ.get('ANSIBLE_COLLECTIONS_PATHS', '')).split(':') if p]
d = sys.argv[1]
while d != '/':
    cands.append(d)
    d = os.path.dirname(d)
for c in cands:
    if os.path.exists(os.path.join(c, 'tests', 'harness', 'pki.py')):
        print(c)
        break
PYEOF
)
[ -n "$ROOT" ] || { echo "tests/harness/pki.py not found" >&2; exit 1; }
PKI_DIR=${OUTPUT_DIR:-$(mktemp -d)}/esa_mail_flow_policy_pki
(cd "$ROOT" && "$PY" -c "
import json, sys
from tests.harness.pki import make_pki
print(json.dumps(make_pki(sys.argv[1], hostnames=['mail.example.com', 'out.example.com'])))
" "$PKI_DIR") > "$PKI_DIR.json"
export ANSIBLE_HOST_KEY_CHECKING=False
ansible-playbook -i localhost, -e @"$CONFIG" -e "{\"pki\": $(cat "$PKI_DIR.json")}" "$HERE/test.yml" "$@"
