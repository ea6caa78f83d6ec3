#!/usr/bin/env bash
# Builds and starts Presence Bridge in demo mode: built-in simulators of Microsoft 365 and
# STARFACE with a made-up organisation and a sped-up working day. Your settings and keychain are
# not touched. Open the window from the tray menu (or run this again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
exec cargo run --release --locked -- --demo "$@"
