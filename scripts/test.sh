#!/usr/bin/env bash
# Run every test of coursecal: the one command for developers and CI.
#
#   ./scripts/test.sh
#
# Needs: cargo (rustup, with rustfmt and clippy), python3.11+ with venv/pip,
# node 20+ with npm, apt for Chromium and Java when missing. Everything else
# (parsers, browsers, cargo-deny, cargo-fuzz, crates) is installed by
# scripts/setup.sh, which this calls first and which skips what is there.
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

# --- setup ---------------------------------------------------------------------
banner "scripts/setup.sh (installs what the tests need; skips what is there)"
./scripts/setup.sh

# Interpreters the Rust integration tests use to run the independent
# parsers. Setting them makes those tests required: a missing tool is then
# a failure, never a skip.
export COURSECAL_PYTHON=$ROOT/.venv-test/bin/python
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
# the advisory database lives on GitHub.
banner "cargo deny --offline check licenses bans sources"
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

# The public surface has no undocumented item and no broken doc link, and
# stays a deliberate list (scripts/api-items.sh counts it).
banner "cargo doc --no-deps (warnings are errors), public items <= 60"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
./scripts/api-items.sh | tail -n 1

# The library without the web stack (tests/architecture.rs checks its
# dependency tree; this builds it, and runs the example that uses it).
banner "library alone: cargo run --no-default-features --example compile"
cargo clippy --lib --no-default-features -- -D warnings
cargo run --quiet --no-default-features --example compile >/dev/null

# The library's two documented uses, run for real.
banner "examples: compile (schedule string -> feed), embed (server in an app's runtime)"
cargo run --quiet --example compile >/dev/null
cargo run --quiet --example embed

# --- browser tests (tests/browser/) ------------------------------------------------
# Headless Debian Chromium driven by playwright-core, and the Nu Html Checker
# (vnu.jar, needs Java) for HTML validity; both against the debug binary
# that cargo test just built.
banner "browser tests: headless Chromium, static export, vnu (tests/browser/)"
node --test tests/browser/pages.test.mjs

# --- fuzz smoke run -----------------------------------------------------------
# Each cargo-fuzz target briefly on its committed corpus (scripts/fuzz.sh runs
# them for real). Nightly and cargo-fuzz come from setup.sh.
banner "fuzz smoke run (20 s per target on fuzz/corpus)"
./scripts/fuzz.sh 20

printf '\n==== all checks passed ====\n'
