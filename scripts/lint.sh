#!/usr/bin/env bash
# Lint the role and playbooks (ansible-lint, production profile) and check the execution
# environment definition (ansible-builder create). Uses its own pinned virtualenv .venv-lint
# (requirements/lint.txt), so the test toolchain is not disturbed.
#
#   scripts/lint.sh            # both
#   scripts/lint.sh lint       # ansible-lint only
#   scripts/lint.sh ee         # ansible-builder create only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WHAT=${1:-all}
VENV="$ROOT/.venv-lint"
PY=${MAILSEC_LINT_PYTHON:-python3.11}
log() { printf '[lint] %s\n' "$*" >&2; }

want=$(sha256sum requirements/lint.txt | cut -c1-16)
if [ ! -x "$VENV/bin/ansible-lint" ] || [ "$(cat "$VENV/.requirements.sha" 2>/dev/null)" != "$want" ]; then
    log "creating $VENV (requirements/lint.txt)"
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -r requirements/lint.txt
    echo "$want" > "$VENV/.requirements.sha"
fi
[ -d .collections/ansible_collections/ansible/netcommon ] || { log "run scripts/bootstrap.sh first"; exit 1; }
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"

rc=0
if [ "$WHAT" = all ] || [ "$WHAT" = lint ]; then
    log "ansible-lint --profile production roles/ playbooks/"
    # Offline: the collection and its dependencies are already on ANSIBLE_COLLECTIONS_PATH.
    ansible-lint --offline --profile production roles/ playbooks/ || rc=1
fi

if [ "$WHAT" = all ] || [ "$WHAT" = ee ]; then
    EE="$ROOT/.build/ee"
    rm -rf "$EE"
    mkdir -p "$EE/src/ansible_collections/mailsec/cres" "$EE/dist"
    # Build the collection from the files git would ship (not the local toolchains).
    git ls-files -z --cached --others --exclude-standard \
        | rsync -a --from0 --files-from=- "$ROOT/" "$EE/src/ansible_collections/mailsec/cres/"
    log "ansible-galaxy collection build -> .build/ee/dist"
    ansible-galaxy collection build --force --output-path "$EE/dist" \
        "$EE/src/ansible_collections/mailsec/cres" >/dev/null
    log "ansible-builder create (execution-environment.yml) -> .build/ee/context"
    if ansible-builder create -f execution-environment.yml --context "$EE/context" -v 1; then
        # Containerfile (podman) or Dockerfile (docker), depending on the runtime found.
        [ -f "$EE/context/Containerfile" ] || [ -f "$EE/context/Dockerfile" ] || { log "no Containerfile generated"; rc=1; }
        ls "$EE"/context/_build/mailsec/*.tar.gz >/dev/null || { log "collection tarball missing from the context"; rc=1; }
    else
        rc=1
    fi
fi
if [ $rc = 0 ]; then log "OK"; else log "FAILED"; fi
exit $rc
