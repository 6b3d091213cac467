#!/usr/bin/env bash
# Run every test of coursecal: the one command for developers and CI.
#
#   ./scripts/test.sh
#
# Needs: cargo (rustup, with rustfmt and clippy), python3.11+ with venv/pip,
# node 20+ with npm. Installs the independent iCalendar parsers used by the
# integration tests (tests/parsers/) into .venv-test/ and
# tests/parsers/node_modules/, skipping the install when nothing changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

STEP=0
banner() {
    STEP=$((STEP + 1))
    printf '\n==== [%d] %s ====\n' "$STEP" "$*"
}
die() {
    printf 'scripts/test.sh: error: %s\n' "$*" >&2
    exit 1
}
hash_of() { # hash_of FILE [EXTRA...]: fingerprint of a file plus extra strings
    { cat "$1"; shift; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1
}
npm_ci() { # npm_ci DIR: `npm ci` in DIR unless its package-lock.json is unchanged
    local stamp="$1/node_modules/.package-lock.sha256" want
    want=$(hash_of "$1/package-lock.json" "$(node --version)")
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "running npm ci ..."
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    else
        echo "up to date (stamp matches package-lock.json), skipping npm ci"
    fi
}

# --- tools --------------------------------------------------------------------
banner "tools"
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
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

# --- Python parser (tests/parsers/parse_ics.py) --------------------------------
banner "python venv .venv-test/ (tests/parsers/requirements.txt)"
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
    echo "up to date (stamp matches requirements.txt), skipping pip install"
fi
"$VENV/bin/python" -c 'import icalendar; print("icalendar", icalendar.__version__)'

# --- Node parser (tests/parsers/parse_ics.mjs) ---------------------------------
banner "npm ci in tests/parsers/ (package-lock.json)"
npm_ci tests/parsers
echo "ical.js $(node -p 'require("./tests/parsers/node_modules/ical.js/package.json").version')"

# Interpreters the Rust integration tests use to run the independent parsers.
export COURSECAL_PYTHON=$VENV/bin/python
export COURSECAL_NODE=node

banner "parsers self-check (tests/parsers/sample.ics, both must agree)"
py_json=$("$COURSECAL_PYTHON" tests/parsers/parse_ics.py tests/parsers/sample.ics)
js_json=$("$COURSECAL_NODE" tests/parsers/parse_ics.mjs tests/parsers/sample.ics)
if [ "$py_json" != "$js_json" ]; then
    diff <(printf '%s\n' "$py_json") <(printf '%s\n' "$js_json") || true
    die "parse_ics.py and parse_ics.mjs disagree on tests/parsers/sample.ics"
fi
echo "ok: identical JSON from both parsers"

# --- Rust ------------------------------------------------------------------------
banner "cargo fmt --all -- --check"
cargo fmt --all -- --check

banner "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

# Licenses, banned crates and sources (deny.toml); the offline parts, since
# the advisory database lives on GitHub. Installs cargo-deny on first run
# (a few minutes of compiling).
DENY_VERSION=0.20.2
banner "cargo deny --offline check licenses bans sources"
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $DENY_VERSION" ]; then
    echo "installing cargo-deny $DENY_VERSION ..."
    cargo install cargo-deny --locked --version "$DENY_VERSION"
fi
cargo deny --offline --log-level error check licenses bans sources

# An exotic host zone (UTC+12:45/+13:45, DST in the southern summer), so any
# accidental fallback to the host's local time zone shows up as a failure.
HOST_TZ=Pacific/Chatham
if [ ! -e "/usr/share/zoneinfo/$HOST_TZ" ]; then
    # No tzdata on this machine: the same rule as a POSIX TZ string.
    HOST_TZ='<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45'
fi
banner "TZ=$HOST_TZ cargo test --all-targets"
TZ=$HOST_TZ cargo test --all-targets

banner "cargo test --doc"
cargo test --doc

# --- browser tests (tests/browser/) ------------------------------------------------
# Headless Debian Chromium driven by playwright-core, and the Nu Html Checker
# (vnu.jar, needs Java) for HTML validity; both against the debug binary
# that cargo test just built.
apt_install() { # apt_install PACKAGE...: install, refreshing the index only if needed
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "$@" ||
        { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "$@"; }
}
banner "chromium and java for the browser tests"
if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium ..."
    apt_install chromium
fi
if ! command -v java >/dev/null; then
    echo "installing a Java runtime for vnu.jar ..."
    apt_install default-jre-headless
fi
/usr/bin/chromium --version 2>/dev/null || true
java -version 2>&1 | head -1

banner "npm ci in tests/browser/ (package-lock.json)"
npm_ci tests/browser

banner "browser tests: headless Chromium, static export, vnu (tests/browser/)"
COURSECAL_PYTHON=$PYTHON node --test tests/browser/pages.test.mjs

# --- fuzz smoke run -----------------------------------------------------------
# Each cargo-fuzz target briefly on its committed corpus (scripts/fuzz.sh runs
# them for real). Needs nightly; installs cargo-fuzz when missing.
banner "fuzz smoke run (20 s per target on fuzz/corpus)"
./scripts/fuzz.sh 20

printf '\n==== all checks passed ====\n'
