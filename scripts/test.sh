#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, starts the real servers
# (BIND 9, PowerDNS, Postfix/SMTP, the AsyncOS simulator), runs sanity, unit, integration,
# functional and lint checks on ansible-core 2.19 (Python 3.11) and 2.21 (Python 3.13).
#
#   scripts/test.sh                  # everything
#   MAILSEC_TEST_STEPS="units integration" scripts/test.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export MAILSEC_PYTHONS=${MAILSEC_PYTHONS:-"3.11 3.13"}
STEPS=${MAILSEC_TEST_STEPS:-"sanity units integration functional lint"}
RUN_DIR=${MAILSEC_RUN_DIR:-$ROOT/.run}
export MAILSEC_RUN_DIR=$RUN_DIR

scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
PYTHONS=""
for v in $MAILSEC_PYTHONS; do [ -x "$ROOT/.venv-$v/bin/ansible-test" ] && PYTHONS="$PYTHONS $v"; done

passed=0; failed=0; failures=()
run() {  # run NAME COMMAND...
    local name=$1 start rc; shift
    start=$(date +%s)
    echo "=== $name"
    "$@"; rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "=== $name: ok ($(( $(date +%s) - start ))s)"
    else failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED rc=$rc ($(( $(date +%s) - start ))s)"; fi
}
want() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }

stop_services() { "$ROOT/.venv/bin/python" -m tests.harness.services stop >/dev/null 2>&1 || true; }
trap stop_services EXIT

if want integration || want functional; then
    "$ROOT/.venv/bin/python" -m tests.harness.services start --config "$RUN_DIR/integration_config.yml" >"$RUN_DIR.services.log" 2>&1 \
        || { cat "$RUN_DIR.services.log"; echo "services failed to start" >&2; exit 1; }
fi

for v in $PYTHONS; do
    want sanity && run "sanity (python $v)" env MAILSEC_PYTHON="$v" scripts/ansible-test.sh sanity --venv --python "$v" --color no
    want units && run "units (python $v)" env MAILSEC_PYTHON="$v" PATH="$ROOT/.venv-$v/bin:$PATH" scripts/ansible-test.sh units --local --python "$v" --color no
    want integration && run "integration (python $v)" env MAILSEC_PYTHON="$v" PATH="$ROOT/.venv-$v/bin:$PATH" scripts/ansible-test.sh integration --local --python "$v" --color no
done
want functional && run "functional (python 3.11)" "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider tests/functional tests/simulator
want lint && [ -x scripts/lint.sh ] && run "lint" scripts/lint.sh

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "suite: $passed passed, $failed failed"
[ $failed -eq 0 ]
