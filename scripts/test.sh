#!/usr/bin/env bash
# Every check and test of Presence Bridge: formatting, lints, and all tests (unit, property,
# loopback HTTP against the simulators, real gnome-keyring, real Prosody, the real app under Xvfb).
# The tests start their own Xvfb, session bus, keyring and XMPP server; nothing touches your desktop.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh test
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo build --release --features test-hooks (the binary the end-to-end tests drive)"
cargo build --release --features test-hooks --locked --bin presence-bridge
echo "== cargo test"
cargo test --workspace --locked
