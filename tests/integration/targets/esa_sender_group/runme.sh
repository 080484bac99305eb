#!/usr/bin/env bash
# esa_sender_group against the AsyncOS simulator (standalone esa1, cluster esa2/esa3).
set -eux
source ../setup_esa_sim/files/esa_env.sh
esa_playbook "$@"
