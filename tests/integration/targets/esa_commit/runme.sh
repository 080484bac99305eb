#!/usr/bin/env bash
# esa_commit (and the commit option of the ESA modules) against the AsyncOS simulator.
set -eux
source ../setup_esa_sim/files/esa_env.sh
esa_playbook "$@"
