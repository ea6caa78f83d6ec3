#!/usr/bin/env bash
# Long fault soak: the compressed working day with injected faults, repeated (default 20 rounds,
# about 25 s each on 2 cores). Prints the polls each fault needed to converge and how long the
# chat status took to reappear on Prosody after each restart. Needs Prosody (as the short soak).
#   bash benches/soak-long.sh        # 20 rounds
#   bash benches/soak-long.sh 100
#   SOAK_XMPP_OUTAGE_S=6 bash benches/soak-long.sh 5   # XMPP server down longer (see RELIABILITY.md)
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_ROUNDS="${1:-20}" cargo test -p soak --test soak -- --nocapture 2>&1 | grep -E '^soak:|test result|panicked'
