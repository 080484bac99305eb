#!/usr/bin/env bash
# esa_sender_group against the AsyncOS simulator (standalone esa1, cluster esa2/esa3).
set -eux
CONFIG=${MAILSEC_INTEGRATION_CONFIG:-../../integration_config.yml}
if [ ! -f "$CONFIG" ] || ! grep -q '"sim_esa1_ssh_port"' "$CONFIG"; then
    echo "no simulator variables in $CONFIG: run 'python -m tests.harness.services start --only sim' first" >&2
    exit 1
fi
export ANSIBLE_HOST_KEY_CHECKING=False
ansible-playbook -i localhost, -e @"$CONFIG" "$(dirname "$0")/test.yml" "$@"
