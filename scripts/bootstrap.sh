#!/usr/bin/env bash
# Prepare this checkout on a fresh machine: Debian packages for the test servers, a pinned
# virtualenv per controller Python, and a collections tree that ansible can load.
# Idempotent: a second call only checks.
#
#   scripts/bootstrap.sh            # Python 3.11 + ansible-core 2.19 (always)
#   MAILSEC_PYTHONS="3.11 3.13" scripts/bootstrap.sh   # also ansible-core 2.21 on Python 3.13
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTHONS=${MAILSEC_PYTHONS:-3.11}
ANSIBLE_WHEEL_VERSION=14.5.0   # carries ansible.netcommon 8.7.1, ansible.utils 6.1.1 and community.crypto 3.5.0
APT_PACKAGES="bind9 bind9-utils bind9-dnsutils pdns-server pdns-backend-sqlite3 postfix sqlite3 openssl rsync shellcheck"
# GSS-TSIG tests: MIT Kerberos KDC and tools, headers to build the gssapi wheel, libfaketime (clock skew)
APT_PACKAGES="$APT_PACKAGES krb5-kdc krb5-admin-server krb5-user libkrb5-dev gcc faketime"
# ACME tests and the demo: pebble, Let's Encrypt's ACME test server (DNS-01 against the test BIND)
APT_PACKAGES="$APT_PACKAGES pebble"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

install_apt() {
    local missing=()
    for p in $APT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian packages: ${missing[*]} (run as root, or install them)"; exit 1
    fi
    log "installing Debian packages: ${missing[*]}"
    # The tests start their own servers on loopback ports: keep the packages' services from
    # starting (and grabbing port 53 / 25) while they are installed.
    local had_policy=0
    [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ $had_policy = 1 ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string localhost" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
}

python_for() {  # python_for 3.13 -> path to an interpreter of that version
    local v=$1 cand
    for cand in "python$v" "$(pyenv root 2>/dev/null)/versions/$v"*/bin/python"$v"; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys' 2>/dev/null; then
            command -v "$cand"; return 0
        fi
    done
    return 1
}

make_venv() {  # make_venv 3.11
    local v=$1 venv py stamp
    venv="$ROOT/.venv-$v"
    py=$(python_for "$v") || { log "Python $v not found: skipping it"; return 1; }
    stamp="$venv/.requirements.sha"
    local want
    want=$(cat requirements/runtime.txt requirements/test.txt | sha256sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    log "creating $venv with $py"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$venv/bin/python" -m pip install -q -r requirements/test.txt
    # network_cli's libssh transport (ansible-pylibssh, pinned in requirements/runtime.txt): its
    # manylinux wheel carries libssh itself, so no Debian package is needed; check that it loads.
    "$venv/bin/python" -c 'import pylibsshext.session' \
        || { log "ansible-pylibssh does not load in $venv (ssh_type=libssh would fail)"; return 1; }
    echo "$want" > "$stamp"
}

install_collections() {
    # ansible.netcommon, ansible.utils and community.crypto (the ACME client of the role) come
    # from the community package on the Python index (Galaxy is not reachable from every
    # machine that runs this).
    local dest="$ROOT/.collections/ansible_collections" c absent=0
    for c in ansible/netcommon ansible/utils community/crypto; do
        [ -f "$dest/$c/MANIFEST.json" ] || absent=1
    done
    if [ $absent = 1 ]; then
        mkdir -p "$ROOT/.cache" "$dest"
        local whl="$ROOT/.cache/ansible-$ANSIBLE_WHEEL_VERSION-py3-none-any.whl"
        if [ ! -f "$whl" ]; then
            log "downloading the ansible $ANSIBLE_WHEEL_VERSION wheel for ansible.netcommon/ansible.utils/community.crypto"
            "$ROOT/.venv-3.11/bin/python" -m pip download -q --no-deps --only-binary=:all: \
                --python-version 3.13 -d "$ROOT/.cache" "ansible==$ANSIBLE_WHEEL_VERSION"
        fi
        "$ROOT/.venv-3.11/bin/python" - "$whl" "$dest" <<'PY'
import sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist()
             if n.startswith(("ansible_collections/ansible/netcommon/", "ansible_collections/ansible/utils/",
                              "ansible_collections/community/crypto/"))]
    for n in names:
        z.extract(n, dest.rsplit("/ansible_collections", 1)[0])
PY
    fi
    mkdir -p "$dest/mailsec"
    ln -sfn "$ROOT" "$dest/mailsec/cres"
}

install_get_pip_stand_in() {
    # ansible-test --venv downloads get-pip (its pinned pip version differs per ansible-core
    # release); offline, this stand-in does the same job: ensurepip, then pip with the args.
    local venv ver f
    for venv in "$ROOT"/.venv-*/; do
        for ver in $(grep -ho "pip='[0-9.]*'" "$venv"lib/python*/site-packages/ansible_test/_internal/python_requirements.py 2>/dev/null | tr -dc '0-9.\n'); do
            f="$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
            [ -f "$f" ] && continue
            mkdir -p "$(dirname "$f")"
            cat > "$f" <<'PY'
"""Stand-in for get-pip.py: bootstrap pip with ensurepip, then run pip with our arguments."""
import subprocess
import sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
# get-pip-only flags that pip install does not know
args = [a for a in sys.argv[1:] if a not in ("--disable-pip-version-check", "--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args))
PY
        done
    done
}

install_apt
for v in $PYTHONS; do make_venv "$v" || true; done
[ -x "$ROOT/.venv-3.11/bin/python" ] || { log "Python 3.11 virtualenv missing"; exit 1; }
ln -sfn ".venv-3.11" "$ROOT/.venv"
install_collections
install_get_pip_stand_in
log "ready: $ROOT/.venv (ansible-core $("$ROOT/.venv/bin/python" -c 'import ansible.release as r; print(r.__version__)'))"
