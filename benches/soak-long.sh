#!/usr/bin/env bash
# Long fault soak: the compressed working day with injected faults, repeated (default 20 rounds,
# about 20 s each on 2 cores). Prints the polls each fault needed to converge.
#   bash benches/soak-long.sh        # 20 rounds
#   bash benches/soak-long.sh 100
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_ROUNDS="${1:-20}" cargo test -p soak --test soak -- --nocapture 2>&1 | grep -E '^soak:|test result|panicked'
