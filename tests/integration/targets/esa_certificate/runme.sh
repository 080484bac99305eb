#!/usr/bin/env bash
# esa_certificate against the AsyncOS simulator, with the harness's test PKI.
set -eux
source ../setup_esa_sim/files/esa_env.sh
esa_playbook -e "{\"pki\": $(esa_pki_json esa_certificate)}" "$@"
