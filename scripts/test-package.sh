#!/usr/bin/env bash
# The package test: lints the .deb, installs it with apt-get, checks what a user and an admin get
# (command, man page, completions, desktop entry, AppStream metadata, the app under Xvfb in demo
# mode, its autostart entry, `doctor`), removes it and checks nothing of it is left; reads the
# .rpm's file list. Runs as part of scripts/test.sh; alone:
#   bash scripts/test-package.sh               # builds the debug packages first (scripts/package.sh --debug)
#   bash scripts/test-package.sh DEB RPM       # checks these
# Needs root or sudo (it installs and removes the package). The app runs in a private Xvfb, session
# bus and home; the package is removed again also when a check fails. Without arguments it builds,
# which replaces target/debug/presence-bridge with a binary without test hooks: then do not run it
# beside `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  built=$(bash scripts/package.sh --debug | tail -n 2)
  deb=$(sed -n 1p <<<"$built")
  rpm=$(sed -n 2p <<<"$built")
elif [ $# -eq 2 ]; then
  deb=$1 rpm=$2
else
  echo "usage: $0 [DEB RPM]" >&2
  exit 2
fi
deb=$(realpath "$deb")
rpm=$(realpath "$rpm")
bash scripts/install-deps.sh test >/dev/null

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
installed_before=$(dpkg-query -W -f='${Status} ${Version}' presence-bridge 2>/dev/null || true)
if grep -q "install ok installed" <<<"$installed_before"; then
  echo "test-package: presence-bridge is installed on this machine ($installed_before); the test" \
    "would replace and then remove it. Remove it first (apt-get purge presence-bridge)." >&2
  exit 1
fi

work=$(mktemp -d)
children=()
we_installed=false
cleanup() {
  local pid
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  if $we_installed; then
    echo "test-package: removing the package"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq presence-bridge >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
step() { echo "== package ($SECONDS s): $*"; }
fail() {
  echo "test-package: FAIL: $*" >&2
  failures=$((failures + 1))
}
# Waits up to $2 seconds for the file $1 to contain the text $3 (any text if $3 is empty).
wait_for_text() {
  local file=$1 seconds=$2 text=${3:-} i
  for ((i = 0; i < seconds * 10; i++)); do
    if [ -z "$text" ]; then
      [ -s "$file" ] && return 0
    else
      grep -qF -- "$text" "$file" 2>/dev/null && return 0
    fi
    sleep 0.1
  done
  return 1
}

version=$(dpkg-deb -f "$deb" Version)

step "lintian $(basename "$deb")"
# No errors and no warnings (informational tags are shown); no overrides.
status=0
lintian --fail-on error,warning --display-info --tag-display-limit 0 "$deb" >"$work/lintian.out" 2>&1 || status=$?
grep -v "running with root privileges" "$work/lintian.out" || true
[ "$status" -eq 0 ] || fail "lintian reports errors or warnings (exit status $status)"

step "rpm -qlp $(basename "$rpm")"
rpm -qlp "$rpm" | sort >"$work/rpm-files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\.?\/?/, "/", $6); print $6}' | sort >"$work/deb-files"
# The same files, but where each distribution wants them: zsh completions, and the licence
# (Debian: copyright + changelog in doc/; RPM: licences/).
sed -e 's|^/usr/share/zsh/site-functions/|/usr/share/zsh/vendor-completions/|' \
  -e '\|^/usr/share/licenses/presence-bridge/|d' "$work/rpm-files" >"$work/rpm-as-deb"
grep -v -e '^/usr/share/doc/presence-bridge/\(copyright\|changelog.gz\|third-party-licenses.txt.gz\)$' \
  "$work/deb-files" >"$work/deb-comparable"
diff -u "$work/deb-comparable" "$work/rpm-as-deb" || fail "the .rpm and the .deb install different files"
for file in /usr/bin/presence-bridge /usr/share/applications/presence-bridge.desktop \
  /usr/share/metainfo/org.presencebridge.desktop.metainfo.xml /usr/share/man/man1/presence-bridge.1.gz \
  /usr/share/bash-completion/completions/presence-bridge /usr/share/zsh/site-functions/_presence-bridge \
  /usr/share/fish/vendor_completions.d/presence-bridge.fish /usr/share/licenses/presence-bridge/LICENSE-MIT \
  /usr/share/licenses/presence-bridge/LICENSE-APACHE /usr/share/licenses/presence-bridge/third-party-licenses.txt.gz \
  /usr/share/doc/presence-bridge/policy.example.toml; do
  grep -qx "$file" "$work/rpm-files" || fail ".rpm lacks $file"
done
for size in 16 22 24 32 36 48 64 72 96 128 192 256 512; do
  grep -qx "/usr/share/icons/hicolor/${size}x${size}/apps/presence-bridge.png" "$work/rpm-files" ||
    fail ".rpm lacks the ${size}x${size} icon"
done
grep -v '^/usr/' "$work/rpm-files" | sed 's/^/outside \/usr: /' | grep . && fail ".rpm installs files outside /usr"
# (Outputs go to files first: `grep -q` in a pipe would end rpm early and fail the pipe.)
rpm -qlvp "$rpm" >"$work/rpm-long"
grep -q '^-rwxr-xr-x .* /usr/bin/presence-bridge$' "$work/rpm-long" || fail ".rpm: /usr/bin/presence-bridge is not mode 755"
rpm -qpR "$rpm" >"$work/rpm-requires"
grep -qx 'libayatana-appindicator3.so.1()(64bit)' "$work/rpm-requires" || fail ".rpm does not require the tray library"
[ "$(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm")" = "presence-bridge $version" ] || fail ".rpm name or version is not presence-bridge $version"

step "apt-get install $(basename "$deb")"
# A snapshot of the system folders, to find what the package leaves behind after its removal.
snapshot() { find /usr /etc /opt /var -xdev -path /var/log -prune -o -path /var/cache -prune -o -path /var/tmp -prune -o -print 2>/dev/null | sort; }
snapshot >"$work/before"
we_installed=true
# apt resolves the Depends (a name it cannot install fails here); package.sh checked them against
# dpkg-shlibdeps.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log" >&2; fail "apt-get install"; exit 1; }
dpkg-query -W -f='${Status}\n' presence-bridge | grep -qx "install ok installed" || fail "dpkg does not list presence-bridge as installed"
$sudo apt-get check -qq || fail "apt-get check: broken dependencies"

step "the command, its man page and completions"
[ "$(command -v presence-bridge)" = /usr/bin/presence-bridge ] || fail "presence-bridge on PATH is $(command -v presence-bridge)"
[ "$(presence-bridge --version)" = "presence-bridge $version" ] || fail "presence-bridge --version says '$(presence-bridge --version)'"
[ "$(man -w presence-bridge)" = /usr/share/man/man1/presence-bridge.1.gz ] || fail "man -w presence-bridge: $(man -w presence-bridge 2>&1)"
man -w presence-bridge-login-microsoft >/dev/null || fail "no man page for presence-bridge login microsoft"
warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z /usr/share/man/man1/presence-bridge.1.gz 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man page warnings: $warnings"
offered=$(bash -c 'source /usr/share/bash-completion/completions/presence-bridge
  function=$(complete -p presence-bridge | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
  COMP_WORDS=(presence-bridge lo); COMP_CWORD=1; COMP_LINE="presence-bridge lo"; COMP_POINT=${#COMP_LINE}
  "$function" presence-bridge lo presence-bridge; printf "%s\n" "${COMPREPLY[@]}"')
[ "$(sort <<<"$offered" | tr '\n' ' ')" = "login logout " ] || fail "bash completion of 'presence-bridge lo' offers: $offered"

step "desktop entry and AppStream metadata"
desktop=/usr/share/applications/presence-bridge.desktop
desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
appstreamcli validate --no-net --pedantic /usr/share/metainfo/org.presencebridge.desktop.metainfo.xml ||
  fail "appstreamcli validate"
for key in 'Comment\[de\]' 'GenericName\[de\]' 'StartupWMClass' 'Icon=presence-bridge'; do
  grep -q "^$key" "$desktop" || fail "the desktop entry lacks $key"
done
for screenshot in $(grep -o 'screenshots/[^<]*\.png' /usr/share/metainfo/org.presencebridge.desktop.metainfo.xml); do
  [ -f "docs/$screenshot" ] || fail "the metainfo names $screenshot, which is not in docs/screenshots/"
done

step "the installed app under Xvfb: demo mode, tray only at login, window from the menu, SIGTERM"
# A desktop session of its own: a user's home with nothing in it (the XDG folders are the
# defaults under it, ~/.config ...), Xvfb, a session bus whose services start in that home, and
# an unlocked keyring as after a login. Nothing of it reaches the real home.
home="$work/home"
mkdir -p "$home/runtime"
chmod 700 "$home/runtime"
session=(env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/runtime" NO_AT_BRIDGE=1 LANG=C.UTF-8)
"${session[@]}" Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp 5>"$work/display" >/dev/null 2>&1 &
children+=($!)
wait_for_text "$work/display" 20 || { fail "Xvfb did not start"; exit 1; }
session+=(DISPLAY=":$(head -n1 "$work/display")")
"${session[@]}" dbus-daemon --session --nofork --nopidfile --print-address=5 5>"$work/bus" >/dev/null 2>&1 &
children+=($!)
wait_for_text "$work/bus" 20 "unix:" || { fail "dbus-daemon did not start"; exit 1; }
session+=(DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$work/bus")")
printf 'test' | "${session[@]}" gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
children+=($!)

# Starts "$@" in the session with its stderr in $work/$name.log; sets $app_pid.
start_app() {
  local name=$1
  shift
  "${session[@]}" "$@" 2>"$work/$name.log" >/dev/null &
  app_pid=$!
  children+=("$app_pid")
  wait_for_text "$work/$name.log" 120 "started in the tray" || { fail "$name: not started within 120 s"; cat "$work/$name.log" >&2; return 1; }
}
# Sends SIGTERM and expects a clean exit (status 0) within 30 s.
stop_app() {
  local name=$1 status=0 i
  kill -TERM "$app_pid"
  for ((i = 0; i < 300; i++)); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$app_pid" 2>/dev/null && { fail "$name: still running 30 s after SIGTERM"; kill -KILL "$app_pid"; }
  wait "$app_pid" || status=$?
  [ "$status" -eq 0 ] || { fail "$name: exit status $status after SIGTERM"; tail -n 20 "$work/$name.log" >&2; }
}
visible_windows() { "${session[@]}" xdotool search --onlyvisible --pid "$1" 2>/dev/null || true; }

# Demo mode, as `presence-bridge --demo` from a terminal.
if start_app demo presence-bridge --demo; then
  sleep 2
  kill -0 "$app_pid" 2>/dev/null || fail "demo: exited on its own"
  stop_app demo
  grep -q "Presence Bridge stopped" "$work/demo.log" || fail "demo: no 'Presence Bridge stopped' after SIGTERM"
fi

# Autostart: with `ui.autostart` on, the app (re)writes the login entry for the installed binary,
# replacing one an earlier build left; started from that entry it stays in the tray.
mkdir -p "$home/.config/presence-bridge" "$home/.config/autostart"
printf '[ui]\nautostart = true\n' >"$home/.config/presence-bridge/config.toml"
entry="$home/.config/autostart/Presence Bridge.desktop"
printf '[Desktop Entry]\nType=Application\nName=Presence Bridge\nExec=/opt/old-build/presence-bridge\n' >"$entry"
if start_app first-start presence-bridge; then
  wait_for_text "$work/first-start.log" 30 "autostart applied" || fail "first-start: no 'autostart applied'"
  stop_app first-start
fi
if [ -f "$entry" ]; then
  desktop-file-validate "$entry" || fail "the autostart entry is not a valid desktop entry"
  exec_line=$(sed -n 's/^Exec=//p' "$entry")
  [ "${exec_line%% *}" = /usr/bin/presence-bridge ] || fail "the autostart entry runs '$exec_line', not /usr/bin/presence-bridge"
  read -ra exec_words <<<"$exec_line"
  if start_app login "${exec_words[@]}"; then
    sleep 3
    [ -z "$(visible_windows "$app_pid")" ] || fail "started from the autostart entry, the app opened a window"
    stop_app login
  fi
else
  fail "no autostart entry at $entry"
fi

# The app menu's entry: opens the window; its WM_CLASS is the entry's StartupWMClass.
read -ra exec_words <<<"$(sed -n '/^\[Desktop Entry\]/,/^\[/s/^Exec=//p' "$desktop")"
wm_class=$(sed -n 's/^StartupWMClass=//p' "$desktop")
if start_app menu "${exec_words[@]}"; then
  window=""
  for ((i = 0; i < 300; i++)); do
    window=$(visible_windows "$app_pid" | head -n1)
    [ -n "$window" ] && break
    sleep 0.1
  done
  if [ -z "$window" ]; then
    fail "started from the app menu's entry ('${exec_words[*]}'), no window opened within 30 s"
  else
    class=$("${session[@]}" xprop -id "$window" WM_CLASS)
    echo "test-package: the window's $class; the desktop entry's StartupWMClass=$wm_class"
    grep -qF "\"$wm_class\"" <<<"$class" || fail "StartupWMClass=$wm_class, but the window has $class"
  fi
  # The entry's Quit action, as a user would pick it.
  quit_exec=$(sed -n '/^\[Desktop Action quit\]/,$s/^Exec=//p' "$desktop")
  read -ra quit_words <<<"$quit_exec"
  "${session[@]}" "${quit_words[@]}" || fail "'$quit_exec' failed"
  for ((i = 0; i < 300; i++)); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$app_pid" 2>/dev/null; then
    fail "the desktop entry's Quit action did not end the app"
    stop_app menu
  else
    status=0
    wait "$app_pid" || status=$?
    [ "$status" -eq 0 ] || fail "menu: exit status $status after Quit"
  fi
fi

step "presence-bridge doctor in an empty home"
empty="$work/empty-home"
mkdir -p "$empty"
doctor=(env -i PATH=/usr/bin:/bin HOME="$empty" LANG=C.UTF-8)
status=0
"${doctor[@]}" presence-bridge doctor >"$work/doctor.out" 2>&1 || status=$?
cat "$work/doctor.out"
# No settings, no policy, no keychain (not even a session bus): one line per check, the keychain
# failing, exit status 1.
[ "$status" -eq 1 ] || fail "doctor: exit status $status, expected 1 (no keychain)"
grep -Eq '^OK +config .*does not exist yet; using defaults' "$work/doctor.out" || fail "doctor: no OK config line"
grep -Eq '^OK +policy +no admin policy' "$work/doctor.out" || fail "doctor: no OK policy line"
grep -Eq '^FAIL +keychain ' "$work/doctor.out" || fail "doctor: no FAIL keychain line"
"${doctor[@]}" presence-bridge doctor --policy /usr/share/doc/presence-bridge/policy.example.toml \
  >"$work/doctor-policy.out" 2>&1 || true
grep -Eq '^OK +policy .*policy.example.toml' "$work/doctor-policy.out" ||
  fail "doctor --policy with the example policy: $(grep policy "$work/doctor-policy.out")"
# A build for users reads no policy from the environment (only test builds do): no user can
# swap the computer's policy for a file of their own.
"${doctor[@]}" PRESENCE_BRIDGE_POLICY=/usr/share/doc/presence-bridge/policy.example.toml \
  presence-bridge doctor >"$work/doctor-env.out" 2>&1 || true
grep -Eq '^OK +policy +no admin policy' "$work/doctor-env.out" ||
  fail "PRESENCE_BRIDGE_POLICY changed the installed app's policy: $(grep policy "$work/doctor-env.out")"

step "apt-get purge presence-bridge"
for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
children=()
dpkg-query -L presence-bridge | sort >"$work/installed"
DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq presence-bridge >/dev/null 2>&1 || fail "apt-get purge"
we_installed=false
dpkg-query -W presence-bridge >/dev/null 2>&1 && fail "dpkg still knows presence-bridge after purge"
snapshot >"$work/after"
# New since before the install: what the package installed and anything named after it. (Other
# new paths come from other processes, e.g. a test installing a Debian package meanwhile.)
comm -13 "$work/before" "$work/after" >"$work/new"
left=$({ comm -12 "$work/new" "$work/installed"; grep -Ei 'presence.?bridge' "$work/new" || true; } | sort -u)
[ -z "$left" ] || fail "left behind outside the user's home: $left"
command -v presence-bridge >/dev/null && fail "presence-bridge is still on PATH after removal"

if [ "$failures" -ne 0 ]; then
  echo "test-package: $failures check(s) failed" >&2
  exit 1
fi
echo "test-package: all checks passed in $SECONDS s ($(basename "$deb"), $(basename "$rpm"))"
