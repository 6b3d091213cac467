#!/usr/bin/env bash
# Install everything the tests need, idempotently; `scripts/test.sh` calls
# it first, so a fresh machine needs nothing else. Each step is skipped when
# it is already done (stamp files record what was installed from which lock).
#
#   ./scripts/setup.sh
#
# Needs: cargo (rustup), python3.11+ (venv or pip), node 20+ with npm, and
# apt (root or sudo) for Chromium and a Java runtime when they are missing.
# Installs: .venv-test/ (Python icalendar), tests/parsers/node_modules and
# tests/browser/node_modules (npm ci), chromium + default-jre-headless
# (apt), cargo-deny, the nightly toolchain and cargo-fuzz, and every crate
# of Cargo.lock for every platform (`cargo fetch`), so that the offline
# steps (`cargo deny --offline`) work on a machine that never built before.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

step() { printf '\n---- setup: %s ----\n' "$*"; }
die() {
    printf 'scripts/setup.sh: error: %s\n' "$*" >&2
    exit 1
}
hash_of() { # hash_of FILE [EXTRA...]: fingerprint of a file plus extra strings
    { cat "$1"; shift; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1
}
npm_ci() { # npm_ci DIR: `npm ci` in DIR unless its package-lock.json is unchanged
    local stamp="$1/node_modules/.package-lock.sha256" want
    want=$(hash_of "$1/package-lock.json" "$(node --version)")
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "running npm ci in $1 ..."
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    else
        echo "$1: up to date (stamp matches package-lock.json)"
    fi
}
apt_install() { # apt_install PACKAGE...: install, refreshing the index only if needed
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "$@" ||
        { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "$@"; }
}

step "tools"
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
command -v rustup >/dev/null || die "rustup not found (the fuzz run needs a nightly toolchain)"
command -v node >/dev/null || die "node not found (Node.js 20+ is needed)"
command -v npm >/dev/null || die "npm not found"
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON=$(command -v "$candidate")
        break
    fi
done
[ -n "$PYTHON" ] || die "no python3.11+ found"
echo "cargo:  $(cargo --version)"
echo "python: $("$PYTHON" --version) ($PYTHON)"
echo "node:   $(node --version), npm $(npm --version 2>/dev/null)"

step "cargo fetch (every crate of Cargo.lock, all platforms)"
# cargo deny --offline reads metadata of every target platform's crates,
# which a Linux build never downloads.
cargo fetch --locked

step "python venv .venv-test/ (tests/parsers/requirements.txt)"
VENV=$ROOT/.venv-test
PY_STAMP=$VENV/.requirements.sha256
py_want=$(hash_of tests/parsers/requirements.txt "$("$PYTHON" --version 2>&1)" "$PYTHON")
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null ||
    [ "$(cat "$PY_STAMP" 2>/dev/null)" != "$py_want" ]; then
    echo "installing into .venv-test/ ..."
    rm -f "$PY_STAMP"
    if "$PYTHON" -m venv --clear "$VENV"; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            -r tests/parsers/requirements.txt
    else
        # Debian's python3 without python3-venv has no ensurepip: make the
        # venv bare and install into it with the outer interpreter's pip.
        echo "venv with pip failed; retrying with --without-pip"
        "$PYTHON" -m venv --clear --without-pip "$VENV"
        "$PYTHON" -m pip --python "$VENV/bin/python" install --quiet \
            --disable-pip-version-check -r tests/parsers/requirements.txt
    fi
    echo "$py_want" >"$PY_STAMP"
else
    echo "up to date (stamp matches requirements.txt)"
fi
"$VENV/bin/python" -c 'import icalendar; print("icalendar", icalendar.__version__)'

step "npm ci (tests/parsers/, tests/browser/)"
npm_ci tests/parsers
npm_ci tests/browser

step "chromium and java for the browser tests"
if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium ..."
    apt_install chromium
fi
if ! command -v java >/dev/null; then
    echo "installing a Java runtime for vnu.jar ..."
    apt_install default-jre-headless
fi
/usr/bin/chromium --version 2>/dev/null || die "chromium did not install"
java -version 2>&1 | head -1

DENY_VERSION=0.20.2
step "cargo-deny $DENY_VERSION"
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $DENY_VERSION" ]; then
    echo "installing cargo-deny $DENY_VERSION (a few minutes of compiling) ..."
    cargo install cargo-deny --locked --version "$DENY_VERSION"
fi
cargo deny --version

step "nightly toolchain and cargo-fuzz"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo fuzz --version

echo
echo "setup complete"
