#!/usr/bin/env bash
# Every check and test of Presence Bridge: formatting, lints, and all tests (unit, property,
# loopback HTTP against the simulators, real gnome-keyring, real Prosody, the real app under Xvfb,
# and the Debian package installed, checked and removed).
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
echo "== cargo clippy --features presence-bridge/test-hooks (the code behind the test hooks)"
cargo clippy --workspace --all-targets --locked --features presence-bridge/test-hooks -- -D warnings
# The .deb and .rpm for the package test (scripts/test-package.sh, run further down): a debug
# build without test hooks. It runs before the test build because both write
# target/debug/presence-bridge, and the tests need theirs there while they run; the packages get
# a copy of their own. Only presence-bridge itself is compiled twice, with and without the hooks
# (docs/DEPLOY.md, "How the packages are tested").
echo "== scripts/package.sh --debug (the packages the package test checks)"
# Its output goes to the log as it comes (stderr), and to a file for the two package paths at its
# end (`tee /dev/stderr` would reopen the log file from its start when stderr is redirected to one).
package_out=$(mktemp)
bash scripts/package.sh --debug | tee "$package_out" >&2
packages=$(tail -n 2 "$package_out")
rm -f "$package_out"
# The end-to-end test drives the debug app binary that cargo builds for the integration tests;
# `test-hooks` gives it the hooks the test needs (never in a build for users).
features=(--features presence-bridge/test-hooks)
echo "== cargo test --no-run (every test target, and the app binary with test hooks)"
artifacts=$(mktemp)
e2e_log=$(mktemp)
trap 'rm -f "$artifacts" "$e2e_log"' EXIT
cargo test --workspace --locked "${features[@]}" --no-run --message-format=json-render-diagnostics >"$artifacts"
e2e=$(grep '"name":"e2e"' "$artifacts" | grep -o '"executable":"[^"]*"' | cut -d'"' -f4 | head -n1)
if [ -z "$e2e" ]; then
  echo "test.sh: the end-to-end test binary (tests/e2e/) was not built" >&2
  exit 1
fi

# The end-to-end test takes about five minutes, mostly waiting for the app, WebKit and the
# polls, so it runs beside the other tests; its output follows theirs.
echo "== cargo test (tests/e2e/ runs alongside: $e2e)"
"$e2e" >"$e2e_log" 2>&1 &
e2e_pid=$!
status=0
cargo test --workspace --locked "${features[@]}" -- --skip e2e_real_app_through_webdriver || status=$?
# Ordinary builds must compile the test hooks out; that test only exists without the feature.
if [ "$status" -eq 0 ]; then
  echo "== cargo test --lib without test-hooks (the hooks are inert in ordinary builds)"
  cargo test --workspace --lib --locked -- without_the_feature || status=$?
fi
# While the end-to-end test finishes: install the .deb, check it, remove it. The tests run the
# binaries cargo built (absolute paths), never the installed /usr/bin/presence-bridge.
echo "== scripts/test-package.sh (tests/e2e.rs still runs alongside)"
package_status=0
# shellcheck disable=SC2086 # two paths without spaces, from package.sh
bash scripts/test-package.sh $packages || package_status=$?
e2e_status=0
wait "$e2e_pid" || e2e_status=$?
echo "== tests/e2e/ (exit status $e2e_status)"
cat "$e2e_log"
if [ "$status" -ne 0 ] || [ "$e2e_status" -ne 0 ] || [ "$package_status" -ne 0 ]; then
  echo "test.sh: FAILED (cargo test: exit $status, tests/e2e/: exit $e2e_status," \
    "scripts/test-package.sh: exit $package_status)" >&2
  exit 1
fi
echo "test.sh: all checks and tests passed"
