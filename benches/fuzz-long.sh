#!/usr/bin/env bash
# Long fuzz run: every proptest fuzz target with many inputs (default 100,000 each; override with
# the first argument). Prints each target's result and the total inputs tried.
#   bash benches/fuzz-long.sh          # 100,000 inputs per target
#   bash benches/fuzz-long.sh 5000     # a shorter run
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-100000}"
export PROPTEST_CASES="$cases"
log="$(mktemp)"
start=$(date +%s)
cargo test -p hardening --tests -- --test-threads=2 2>&1 | tee "$log" | grep -E '^test |test result'
targets=$(grep -cE '^test [a-z_]+ \.\.\. ok$' "$log" || true)
failed=$(grep -cE '^test .* FAILED$' "$log" || true)
# (The generators' own unit test, `tests::edits_stay_in_bounds`, does not match the pattern.)
echo "fuzz targets passed: $targets, failed: $failed, inputs per target: $cases," \
     "inputs tried: $((targets * cases)) in $(( $(date +%s) - start )) s"
[ "$failed" -eq 0 ]
