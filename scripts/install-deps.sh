#!/usr/bin/env bash
# Installs the Debian 12 packages Presence Bridge needs, and only those that are missing.
#   bash scripts/install-deps.sh build     # to build and run the app
#   bash scripts/install-deps.sh package   # to build the .deb and .rpm (scripts/package.sh)
#   bash scripts/install-deps.sh test      # to build and run every test, the packages' included
# Uses sudo only when not running as root.
set -euo pipefail

build_packages=(
  build-essential pkg-config
  libwebkit2gtk-4.1-dev       # the window (WebKitGTK, as Tauri 2 needs)
  libayatana-appindicator3-dev # the tray icon
  librsvg2-dev libxdo-dev libssl-dev
  libdbus-1-dev               # single instance, keychain (Secret Service) and notifications over D-Bus
)
package_packages=(
  nodejs                      # npm, for the prebuilt Tauri CLI (scripts/package.sh)
  python3                     # the third-party licence notices (packaging/third_party_licenses.py)
)
test_packages=(
  xvfb xauth                  # a display for the real app and WebKit
  dbus dbus-user-session      # a private session bus per test
  gnome-keyring libsecret-tools # a real Secret Service
  dunst libnotify-bin         # a real notification daemon
  prosody openssl             # a real XMPP server with a self-signed certificate
  mosquitto                   # a real MQTT broker (and mosquitto_passwd) for the status hooks
  webkit2gtk-driver           # WebKitWebDriver for the end-to-end tests
  tzdata                      # real time zone rules for the free/busy tests (Europe/Berlin DST)
  lintian rpm                 # the package test (scripts/test-package.sh): lint the .deb, read the .rpm
  desktop-file-utils appstream man-db # validate the desktop entry and the metainfo, find the man page
  xdotool x11-utils           # find the installed app's window and read its WM_CLASS (xprop)
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
  package) wanted=("${build_packages[@]}" "${package_packages[@]}") ;;
  test) wanted=("${build_packages[@]}" "${package_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 build|package|test" >&2; exit 2 ;;
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
# Prosody's, Mosquitto's and NATS' packages start system-wide servers; the tests run their own on free
# ports.
for server in prosody mosquitto nats-server; do
  if printf '%s\n' "${missing[@]}" | grep -qx "$server"; then
    $sudo service "$server" stop >/dev/null 2>&1 || true
  fi
done
echo "install-deps: done"
