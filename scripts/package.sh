#!/usr/bin/env bash
# Builds the Linux packages of Presence Bridge with Tauri's bundler and prints their paths.
#   bash scripts/package.sh           # release build: the packages for users, into dist/
#   bash scripts/package.sh --debug   # debug build, into dist/debug/ (what scripts/test.sh checks)
# Works from a clean checkout on Debian 12 with Rust: installs the Debian packages it needs with
# apt-get (as scripts/install-deps.sh does) and the Tauri CLI, pinned to 2.x: the prebuilt one from
# npm, else compiled with `cargo install`. AppImage is not built: its bundler downloads
# linuxdeploy tools at build time. Windows and macOS: docs/DEPLOY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm's prebuilt CLI in the version of the tauri crate in Cargo.lock; crates.io has no 2.12.5 of
# tauri-cli, so the compiled fallback is the newest 2.x there. Never a 3.0 alpha.
TAURI_CLI_NPM_VERSION=2.12.5
TAURI_CLI_CARGO_VERSION=2.12.4

profile=release
out=dist
case "${1:-}" in
  "") ;;
  --debug) profile=debug out=dist/debug ;;
  *) echo "usage: $0 [--debug]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh package
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
tools="$target_dir/tools"
stage="$target_dir/package"

# Prints the path of a Tauri CLI 2.x, installing it under $tools if needed.
tauri_cli() {
  local npm_cli="$tools/npm/node_modules/.bin/tauri"
  local cargo_cli="$tools/cargo/bin/cargo-tauri"
  local cli
  for cli in "$npm_cli" "$cargo_cli"; do
    if [ -x "$cli" ] && "$cli" --version 2>/dev/null | grep -Eq "^tauri-cli (${TAURI_CLI_NPM_VERSION//./\\.}|${TAURI_CLI_CARGO_VERSION//./\\.})$"; then
      echo "$cli"
      return
    fi
  done
  if command -v npm >/dev/null 2>&1 &&
    npm install --prefix "$tools/npm" --no-save --no-audit --no-fund --loglevel=error \
      "@tauri-apps/cli@$TAURI_CLI_NPM_VERSION" >&2 && [ -x "$npm_cli" ]; then
    echo "$npm_cli"
    return
  fi
  echo "package.sh: no prebuilt Tauri CLI from npm; compiling tauri-cli $TAURI_CLI_CARGO_VERSION (takes a while)" >&2
  cargo install tauri-cli --version "=$TAURI_CLI_CARGO_VERSION" --locked --root "$tools/cargo" >&2
  echo "$cargo_cli"
}

echo "== the Tauri CLI"
tauri=$(tauri_cli)
echo "package.sh: $("$tauri" --version) ($tauri)"

echo "== cargo build ($profile, no test hooks)"
if [ "$profile" = release ]; then
  cargo build --release --locked --bin presence-bridge
else
  # Built in the workspace's test configuration (one small test target is enough for cargo to
  # resolve features with the dev-dependencies, as `cargo test --workspace` does), so every
  # dependency is shared with the test build and only presence-bridge itself is compiled. A plain
  # `cargo build` resolves tokio and tauri with fewer features and rebuilds most of the tree.
  cargo build --workspace --locked --bin presence-bridge --test example_policy
fi

# The bundler packages `<target dir>/<profile>/presence-bridge`. It gets its own copy, stripped
# (Debian ships stripped binaries), so the build's binary is never touched and a later build
# (the tests') can replace it while the packages are checked.
rm -rf "${stage:?}/$profile"
mkdir -p "$stage/$profile"
cp "$target_dir/$profile/presence-bridge" "$stage/$profile/presence-bridge"
strip --strip-unneeded "$stage/$profile/presence-bridge"
version=$("$stage/$profile/presence-bridge" --version | awk '{print $2}')

echo "== man pages, shell completions, licence notices (packaging/generated/)"
rm -rf packaging/generated
"$stage/$profile/presence-bridge" write-cli-docs packaging/generated >/dev/null
gzip -9n packaging/generated/man1/*.1
python3 packaging/third_party_licenses.py packaging/generated/third-party-licenses.txt.gz

changelog_version=$(sed -n '1s/^presence-bridge (\([^)]*\)).*/\1/p' packaging/linux/changelog)
if [ "$changelog_version" != "$version" ]; then
  echo "package.sh: packaging/linux/changelog starts with version '$changelog_version', the app is $version: add an entry" >&2
  exit 1
fi
if ! grep -q "<release version=\"$version\"" packaging/linux/org.presencebridge.desktop.metainfo.xml; then
  echo "package.sh: the AppStream metainfo has no <release version=\"$version\">: add one" >&2
  exit 1
fi

echo "== tauri bundle --bundles deb,rpm"
# On Linux the package files are named after the product: `presence-bridge` gives
# presence-bridge.desktop, /usr/share/doc/presence-bridge/ and the package file names. The app
# itself keeps "Presence Bridge" (window title, desktop entry, tauri.conf.json).
debug_flag=()
[ "$profile" = release ] || debug_flag=(--debug)
CARGO_TARGET_DIR="$stage" "$tauri" bundle "${debug_flag[@]}" --bundles deb,rpm --ci \
  --no-binary-patching --config '{"productName": "presence-bridge"}'
deb=$(ls "$stage/$profile/bundle/deb/"presence-bridge_*.deb)
rpm=$(ls "$stage/$profile/bundle/rpm/"presence-bridge-*.rpm)

# The Depends in tauri.conf.json must cover every library the binary links, in at least the
# version dpkg-shlibdeps asks for (the tray's libayatana-appindicator is loaded at run time, so
# only the list itself names it).
check_depends() {
  local deb=$1 binary=$2 work needed declared item name min entry alternative ok
  work=$(mktemp -d)
  mkdir "$work/debian"
  printf 'Source: presence-bridge\n\nPackage: presence-bridge\nArchitecture: any\n' >"$work/debian/control"
  needed=$(cd "$work" && dpkg-shlibdeps -O "$binary" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$work"
  [ -n "$needed" ] || { echo "package.sh: dpkg-shlibdeps found no libraries in $binary" >&2; return 1; }
  declared=$(dpkg-deb -f "$deb" Depends)
  local missing=()
  IFS=',' read -ra items <<<"$needed"
  for item in "${items[@]}"; do
    read -r name _ min <<<"${item//[()]/ }"
    ok=false
    IFS=',|' read -ra entries <<<"$declared"
    for entry in "${entries[@]}"; do
      read -r alternative _ entry_min <<<"${entry//[()]/ }"
      [ "$alternative" = "$name" ] || continue
      if [ -z "$min" ] || { [ -n "$entry_min" ] && dpkg --compare-versions "$entry_min" ge "$min"; }; then
        ok=true
      fi
    done
    $ok || missing+=("${item# }")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "package.sh: bundle.linux.deb.depends in tauri.conf.json lacks: ${missing[*]}" >&2
    echo "package.sh: dpkg-shlibdeps says the binary needs: $needed" >&2
    return 1
  fi
}
check_depends "$deb" "$stage/$profile/presence-bridge"
deb_version=$(dpkg-deb -f "$deb" Version)
if [ "$deb_version" != "$version" ]; then
  echo "package.sh: the package is version $deb_version but the binary says $version (tauri.conf.json and Cargo.toml disagree?)" >&2
  exit 1
fi

mkdir -p "$out"
rm -f "$out"/presence-bridge_*.deb "$out"/presence-bridge-*.rpm
cp "$deb" "$rpm" "$out/"
echo "package.sh: built ($profile):"
echo "$out/$(basename "$deb")"
echo "$out/$(basename "$rpm")"
