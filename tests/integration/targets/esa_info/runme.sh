#!/usr/bin/env bash
# esa_info against the AsyncOS simulator (standalone esa1, cluster member esa2).
set -eux
CONFIG=../../integration_config.yml
if [ ! -f "$CONFIG" ] || ! grep -q '"sim_esa1_ssh_port"' "$CONFIG"; then
    echo "no simulator variables in $CONFIG: run 'python -m tests.harness.services start --only sim' first" >&2
    exit 1
fi
export ANSIBLE_HOST_KEY_CHECKING=False
HERE="$(cd "$(dirname "$0")" && pwd)"
ansible-playbook -i "$HERE/inventory.yml" -e @"$CONFIG" -e "transcript_dir=${OUTPUT_DIR:-$(mktemp -d)}" \
    "$HERE/test.yml" "$@"
