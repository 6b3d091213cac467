#!/usr/bin/env bash
# Run the cargo-fuzz targets (fuzz/fuzz_targets/) on their committed corpus.
#
#   ./scripts/fuzz.sh [SECONDS_PER_TARGET=900] [TARGET...]
#
# New corpus entries land in fuzz/corpus/<target>/ (commit the minimized set:
# `cargo +nightly fuzz cmin <target>`); crashes in fuzz/artifacts/<target>/.
# Needs the nightly toolchain; installs cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS=${1:-900}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(schedule request import)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
cd fuzz
for t in "${TARGETS[@]}"; do
  echo "== fuzz $t for ${SECS}s"
  # -rss_limit_mb/-timeout: a hang or memory blow-up is a finding too.
  # Short (smoke) runs keep new inputs out of the committed corpus.
  new="corpus/$t"
  sanitizer=address
  if [ "$SECS" -lt 60 ]; then
    # Smoke run: replaying the whole committed corpus must fit in ~30 s, and
    # AddressSanitizer triples the cost of each input. Our code has no
    # `unsafe` and no C dependencies, so the long runs keep ASan and the
    # smoke run goes without.
    new=$(mktemp -d)
    sanitizer=none
  fi
  cargo +nightly fuzz run --sanitizer "$sanitizer" "$t" "$new" "corpus/$t" -- \
    -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=5 -max_len=65536 -print_final_stats=1 2>&1 |
    grep -aE "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|Done)" || true
  if ls "artifacts/$t"/crash-* "artifacts/$t"/timeout-* "artifacts/$t"/oom-* >/dev/null 2>&1; then
    echo "findings in fuzz/artifacts/$t:"; ls "artifacts/$t"; exit 1
  fi
done
