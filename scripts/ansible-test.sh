#!/usr/bin/env bash
# Run ansible-test on this checkout. ansible-test wants the collection at
# .../ansible_collections/mailsec/cres with its dependencies beside it, so this copies the
# working tree (files git tracks or would track) into .build/ and runs there.
#
#   scripts/ansible-test.sh sanity
#   scripts/ansible-test.sh units
#   scripts/ansible-test.sh integration spf_include
#   MAILSEC_PYTHON=3.13 scripts/ansible-test.sh units      # ansible-core 2.21
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYV=${MAILSEC_PYTHON:-3.11}
VENV="$ROOT/.venv-$PYV"
[ -x "$VENV/bin/ansible-test" ] || { echo "run scripts/bootstrap.sh first (no $VENV)" >&2; exit 1; }
# Separate build/run folders let several people (or CI legs) test at once.
BUILD="${MAILSEC_BUILD_DIR:-$ROOT/.build}/py$PYV"
RUN_DIR="${MAILSEC_RUN_DIR:-$ROOT/.run}"
DEST="$BUILD/ansible_collections/mailsec/cres"

mkdir -p "$DEST" "$BUILD/ansible_collections/ansible"
# Same file set git would ship: tracked plus untracked-but-not-ignored.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
    | rsync -a --delete --from0 --files-from=- "$ROOT/" "$DEST/"
# rsync --files-from does not delete files that left the list: prune them.
(cd "$ROOT" && git ls-files --cached --others --exclude-standard | sort) > "$BUILD/.wanted"
(cd "$DEST" && find . -type f ! -path './tests/output/*' ! -path './.git/*' ! -path './.git' | sed 's|^\./||' | sort) > "$BUILD/.have"
comm -13 "$BUILD/.wanted" "$BUILD/.have" | (cd "$DEST" && xargs -r rm -f --)
for c in ansible/netcommon ansible/utils community/crypto; do
    mkdir -p "$BUILD/ansible_collections/${c%/*}"
    [ -d "$BUILD/ansible_collections/$c" ] || cp -a "$ROOT/.collections/ansible_collections/$c" "$BUILD/ansible_collections/${c%/*}/"
done
# Variables of the servers started by tests/harness/services.py.
if [ -f "$RUN_DIR/integration_config.yml" ]; then
    cp "$RUN_DIR/integration_config.yml" "$DEST/tests/integration/integration_config.yml"
fi
cd "$DEST"
# The build tree sits inside this (ignoring) checkout; ansible-test asks git which files
# exist, so give the copy a repository of its own in which every file is visible.
[ -d .git ] || git init -q .
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/ansible-test" "$@"
