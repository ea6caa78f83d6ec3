#!/usr/bin/env bash
# Builds and starts Presence Bridge in demo mode: built-in simulators of Microsoft 365 and
# STARFACE with a made-up organisation and a sped-up working day. Your settings and keychain are
# not touched. Open the window from the tray menu (or run this again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
# The dev profile: it builds in a fraction of the size-optimised release build's time and shares
# its build with scripts/test.sh; the demo's few polls a second do not need optimised code.
exec cargo run --locked -- --demo "$@"
