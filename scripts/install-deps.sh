#!/usr/bin/env bash
# Installs the Debian 12 packages Presence Bridge needs, and only those that are missing.
#   bash scripts/install-deps.sh build   # to build and run the app
#   bash scripts/install-deps.sh test    # to build and run every test
# Uses sudo only when not running as root.
set -euo pipefail

build_packages=(
  build-essential pkg-config
  libwebkit2gtk-4.1-dev       # the window (WebKitGTK, as Tauri 2 needs)
  libayatana-appindicator3-dev # the tray icon
  librsvg2-dev libxdo-dev libssl-dev
  libdbus-1-dev               # single instance, keychain (Secret Service) and notifications over D-Bus
)
test_packages=(
  xvfb xauth                  # a display for the real app and WebKit
  dbus dbus-user-session      # a private session bus per test
  gnome-keyring libsecret-tools # a real Secret Service
  dunst libnotify-bin         # a real notification daemon
  prosody openssl             # a real XMPP server with a self-signed certificate
  webkit2gtk-driver           # WebKitWebDriver for the end-to-end tests
  nats-server                 # real NATS JetStream servers for the presence relay's tests
)

# tauri-driver (WebDriver proxy to WebKitWebDriver) for the end-to-end tests; pinned to 2.x.
install_tauri_driver() {
  if command -v tauri-driver >/dev/null 2>&1 || [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
    echo "install-deps: tauri-driver is present"
  else
    echo "install-deps: cargo install tauri-driver --version '^2' --locked"
    cargo install tauri-driver --version '^2' --locked
  fi
}
[ "${1:-build}" != test ] || trap install_tauri_driver EXIT

case "${1:-build}" in
  build) wanted=("${build_packages[@]}") ;;
  test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} Debian packages are present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Prosody's and NATS' packages start system-wide servers; the tests run their own on free ports.
if printf '%s\n' "${missing[@]}" | grep -qx prosody; then
  $sudo service prosody stop >/dev/null 2>&1 || true
fi
if printf '%s\n' "${missing[@]}" | grep -qx nats-server; then
  $sudo service nats-server stop >/dev/null 2>&1 || true
fi
echo "install-deps: done"
