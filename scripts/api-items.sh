#!/usr/bin/env bash
# The public API as rustdoc lists it: one page per item at the crate root
# (every module is private, so everything public is re-exported there;
# rustdoc's redirect pages for the private paths are not items).
#
#   ./scripts/api-items.sh        # after `cargo doc --no-deps`
#
# Prints each item and the count; fails above LIMIT (the issue's bound).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LIMIT=${LIMIT:-60}
DOC=target/doc/coursecal
[ -f "$DOC/index.html" ] || cargo doc --no-deps --quiet
items=$(cd "$DOC" && for f in *.*.html; do
    grep -q 'http-equiv="refresh"' "$f" || echo "${f%.html}"
done)
printf '%s\n' "$items"
n=$(printf '%s\n' "$items" | grep -c .)
echo "public items: $n (limit $LIMIT)"
[ "$n" -le "$LIMIT" ]
