#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs, starts the real servers
# (BIND 9, PowerDNS, Postfix/SMTP, the AsyncOS simulator), runs sanity, unit and integration
# tests on ansible-core 2.19 (Python 3.11) and 2.21 (Python 3.13), then the functional
# (pytest, real servers) and lint checks.
#
#   scripts/test.sh                                  # everything
#   MAILSEC_TEST_STEPS="units integration" scripts/test.sh
#   MAILSEC_PYTHONS=3.11 scripts/test.sh             # one controller Python only
#
# The two controller Pythons and the functional tests run side by side, each with its own
# servers (.run/py3.X, .run/functional), so tests that change server state never race each other.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export MAILSEC_PYTHONS=${MAILSEC_PYTHONS:-"3.11 3.13"}
STEPS=${MAILSEC_TEST_STEPS:-"sanity units integration functional lint"}
RUN_BASE=${MAILSEC_RUN_DIR:-$ROOT/.run}
BUILD_BASE=${MAILSEC_BUILD_DIR:-$ROOT/.build}

scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
PYTHONS=""
for v in $MAILSEC_PYTHONS; do [ -x "$ROOT/.venv-$v/bin/ansible-test" ] && PYTHONS="$PYTHONS $v"; done
want() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }

# run NAME RESULTS_FILE COMMAND...: run one step, record "ok NAME" or "FAILED NAME" in RESULTS_FILE
run() {
    local name=$1 results=$2 start rc; shift 2
    start=$(date +%s)
    echo "=== $name"
    "$@"; rc=$?
    if [ $rc -eq 0 ]; then echo "ok $name" >> "$results"; echo "=== $name: ok ($(( $(date +%s) - start ))s)"
    else echo "FAILED $name" >> "$results"; echo "=== $name: FAILED rc=$rc ($(( $(date +%s) - start ))s)"; fi
}

services() {  # services start|stop RUN_DIR
    local action=$1 dir=$2
    mkdir -p "$dir"
    if [ "$action" = start ]; then
        MAILSEC_RUN_DIR=$dir "$ROOT/.venv/bin/python" -m tests.harness.services start \
            --config "$dir/integration_config.yml" >"$dir/services.log" 2>&1 \
            || { cat "$dir/services.log"; echo "services failed to start in $dir" >&2; return 1; }
    else
        MAILSEC_RUN_DIR=$dir "$ROOT/.venv/bin/python" -m tests.harness.services stop >/dev/null 2>&1 || true
    fi
}

# The ESA integration targets of each leg run against one release profile of the AsyncOS
# simulator, both on a fixed 80x24 terminal (lines wrapped, a pager every screen): 12.1 whose
# showconfig does not show uncommitted changes, and 16.0 whose showconfig shows them
# (tests/simulator/profiles.py; the functional suite covers every profile).
sim_settings() {  # sim_settings 3.X: the MAILSEC_SIM_* variables of that leg
    case $1 in
        3.11) echo "MAILSEC_SIM_PROFILE=12.1 MAILSEC_SIM_SHOWCONFIG_PENDING=false MAILSEC_SIM_TERMINAL=80x24" ;;
        *) echo "MAILSEC_SIM_PROFILE=16.0 MAILSEC_SIM_SHOWCONFIG_PENDING=true MAILSEC_SIM_TERMINAL=80x24" ;;
    esac
}

# SSH transports of network_cli (docs/device-layer.md, "SSH transports"): every ESA integration
# target and every functional test that runs Ansible over network_cli passes on both, chosen
# with ANSIBLE_NETWORK_CLI_SSH_TYPE (the harness hands it to the targets' inventories as
# sim_ssh_type; ansible-test passes no environment on).
#  - integration: each leg runs every target on one transport: 3.11 (ansible-core 2.19) on
#    paramiko, 3.13 (ansible-core 2.21, where ansible.netcommon deprecates paramiko) on libssh.
#    Every target runs on both transports and the legs take no longer.
#  - functional: the whole suite on paramiko, the documented default; the tests that run Ansible
#    over network_cli (TRANSPORT_TESTS) once more on libssh, beside the other steps (they
#    start the servers they need themselves). test_ssh_transport.py runs both transports itself (host keys, password,
#    timeout, drop, 80x24), so it is not repeated.
DEFAULT_SSH_TYPE=paramiko
OTHER_SSH_TYPE=libssh
# (test_reliability_faults.py, a drop at each dialog step, runs on the default only: on libssh
# test_ssh_transport.py drops the connection and times out a command itself.)
TRANSPORT_TESTS="tests/functional/test_action_plugins.py tests/functional/test_device_layer.py
    tests/functional/test_role_cres_tls.py tests/functional/test_reliability_idle.py"
leg_ssh_type() {  # leg_ssh_type 3.X: the transport of that leg's integration targets
    case $1 in
        3.11) echo paramiko ;;
        *) echo libssh ;;
    esac
}

leg() {  # leg 3.X RESULTS_FILE: sanity, units, integration on one controller Python
    local v=$1 results=$2 dir="$RUN_BASE/py$1"
    local env=(env MAILSEC_PYTHON="$v" MAILSEC_RUN_DIR="$dir" MAILSEC_BUILD_DIR="$BUILD_BASE" PATH="$ROOT/.venv-$v/bin:$PATH")
    # shellcheck disable=SC2046 # word splitting of the KEY=VALUE list is intended
    export $(sim_settings "$v")
    export ANSIBLE_NETWORK_CLI_SSH_TYPE
    ANSIBLE_NETWORK_CLI_SSH_TYPE=$(leg_ssh_type "$v")
    want sanity && run "sanity (python $v)" "$results" "${env[@]}" scripts/ansible-test.sh sanity --venv --python "$v" --color no
    want units && run "units (python $v)" "$results" "${env[@]}" scripts/ansible-test.sh units --local --python "$v" --color no
    if want integration; then
        if services start "$dir"; then
            run "integration (python $v, $ANSIBLE_NETWORK_CLI_SSH_TYPE)" "$results" "${env[@]}" scripts/ansible-test.sh integration --local --python "$v" --color no
        else
            echo "FAILED integration (python $v): servers did not start" >> "$results"
        fi
        services stop "$dir"
    fi
}

RESULTS="$RUN_BASE/results.txt"
mkdir -p "$RUN_BASE"
: > "$RESULTS"
trap 'for v in $PYTHONS; do services stop "$RUN_BASE/py$v"; done; services stop "$RUN_BASE/functional"' EXIT

functional() {  # the functional tests share one set of servers (their fixtures read its services.json)
    if services start "$RUN_BASE/functional"; then
        run "functional (python 3.11, $DEFAULT_SSH_TYPE)" "$RESULTS" env MAILSEC_RUN_DIR="$RUN_BASE/functional" \
            ANSIBLE_NETWORK_CLI_SSH_TYPE="$DEFAULT_SSH_TYPE" "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider tests/functional
    else
        echo "FAILED functional: servers did not start" >> "$RESULTS"
    fi
    services stop "$RUN_BASE/functional"
}

functional_other_transport() {  # TRANSPORT_TESTS start the servers they need themselves
    # shellcheck disable=SC2086 # TRANSPORT_TESTS is a list of paths
    run "functional (python 3.11, $OTHER_SSH_TYPE)" "$RESULTS" env ANSIBLE_NETWORK_CLI_SSH_TYPE="$OTHER_SSH_TYPE" \
        "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider $TRANSPORT_TESTS
}

# The two legs and the functional tests run side by side: each has servers of its own, and
# much of their time is spent waiting (DNS propagation polls, timeouts, network_cli's read
# delays), which the others fill.
pids=()
for v in $PYTHONS; do
    leg "$v" "$RESULTS" > "$RUN_BASE/leg-$v.log" 2>&1 &
    pids+=($!)
done
if want functional; then
    functional > "$RUN_BASE/functional.log" 2>&1 &
    pids+=($!)
    functional_other_transport > "$RUN_BASE/functional-$OTHER_SSH_TYPE.log" 2>&1 &
    pids+=($!)
fi
for pid in "${pids[@]}"; do wait "$pid"; done
for v in $PYTHONS; do cat "$RUN_BASE/leg-$v.log"; done
if want functional; then cat "$RUN_BASE/functional.log" "$RUN_BASE/functional-$OTHER_SSH_TYPE.log"; fi
if want lint && [ -x scripts/lint.sh ]; then run "lint" "$RESULTS" scripts/lint.sh; fi

echo
grep '^FAILED' "$RESULTS"
passed=$(grep -c '^ok' "$RESULTS")
failed=$(grep -c '^FAILED' "$RESULTS")
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
