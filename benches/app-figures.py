#!/usr/bin/env python3
"""Whole-app figures: idle footprint and cold start of the release app next to a bare Tauri 2
tray app (benches/bare-tray), then the bridge-level figures (sync latency, request economy) from
`soak`'s bridge-figures binary. Results in docs/PERFORMANCE.md.

    python3 benches/app-figures.py                    # build, measure 60 s per run, print tables
    python3 benches/app-figures.py --skip-build --skip-bridge --seconds 20

Every launch runs inside one private desktop session: Xvfb, a session bus and an unlocked
gnome-keyring (as at a desktop login), started once and kept running, so a launch is timed from
exec to the app's own log lines and no session start-up is counted.

Runs:
  bare            benches/bare-tray: tray icon + menu + hidden window (its webview is created at
                  start); `--show-window` for the window-open run; `--no-window`: no window and
                  no webview at all (the anchor for the app, which builds its window on "Open")
  app demo        `presence-bridge --demo`: simulators in the app process, the demo's fixed
                  2 s Graph / 1 s STARFACE polls and a scripted change every 4 s (not idle)
  app configured  the real sync at a 10 s poll against both simulators in a separate process
                  (`soak --bin figure-servers`), signed in with `presence-bridge login ...` into
                  the session's gnome-keyring: the figure the idle goal is about
"Window open": a second `presence-bridge` launch, which asks the running one to show its window
(single instance); the bare app opens it at start.

Footprint of the app process and of its whole process tree (WebKitWebProcess and
WebKitNetworkProcess are children): RSS (VmRSS; summed over processes it counts shared pages
twice) and PSS (/proc/PID/smaps_rollup; sums correctly). CPU = (utime + stime) of the tree over the
window / wall time, in % of one core. Stdlib only.
"""
import argparse
import datetime
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
TICKS = os.sysconf("SC_CLK_TCK")
KEYRING_PASSWORD = "figures"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Log lines of the app (src-tauri/src/desktop.rs, crates/bridge/src/runtime.rs) and of the bare app.
MARKERS = {
    "tray": re.compile(r"started in the tray"),
    "graph": re.compile(r"signed in to Microsoft 365"),
    "starface": re.compile(r"STARFACE directory loaded"),
    "decision": re.compile(r"sync decision"),
    "opening": re.compile(r"opening the window"),
    "window": re.compile(r"window shown"),
    "closed": re.compile(r"window closed"),
    # Debug line of `search_directory`: the page's first list search, answered; the list is
    # rendered from the answer in the same task.
    "list": re.compile(r"directory search answered"),
}
# The app's log filter with the line the "Open -> list" figure times.
LIST_LOG = "info,tao=warn,wry=warn,zbus=warn,presence_bridge::commands::directory=debug"
# WM_DELETE_WINDOW to the windows given (ids), as a window manager's close button sends it: Xvfb
# has none, and a build for users has no test hook to close its window.
CLOSE_WINDOW = r"""
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
x.XFlush.argtypes = [ctypes.c_void_p]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
class XEvent(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
d = x.XOpenDisplay(None)
if not d:
    sys.exit("cannot open the display")
protocols = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
delete = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
for w in sys.argv[1:]:
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = int(w)
    ev.xclient.message_type = protocols
    ev.xclient.format = 32
    ev.xclient.data[0] = delete
    x.XSendEvent(d, int(w), 0, 0, ctypes.byref(ev))
x.XFlush(d)
x.XCloseDisplay(d)
"""
BARE_READY = re.compile(r"tray ready at ([0-9.]+)")
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z")


def wall_time(line):
    """Wall-clock seconds of a tracing line (`2026-11-22T01:33:38.091081Z ...`), or None."""
    match = STAMP.match(ANSI.sub("", line))
    if not match:
        return None
    whole = datetime.datetime.fromisoformat(match.group(1)).replace(tzinfo=datetime.timezone.utc)
    fraction = float(match.group(2) or 0)
    return whole.timestamp() + fraction


class Session:
    """Xvfb + dbus-run-session + unlocked gnome-keyring, private HOME; launches share it."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="figures-home-")
        runtime = tempfile.mkdtemp(prefix="figures-run-")
        os.chmod(runtime, 0o700)
        env_file = os.path.join(self.home, "session.env")
        script = (
            f"printf %s {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets >/dev/null;"
            f" env -0 > {env_file}.part && mv {env_file}.part {env_file}; exec sleep 86400"
        )
        env = dict(os.environ, HOME=self.home, XDG_RUNTIME_DIR=runtime, LANG="C.UTF-8")
        self.log = open(os.path.join(self.home, "session.log"), "w")
        self.proc = subprocess.Popen(["xvfb-run", "-a", "dbus-run-session", "--", "sh", "-c", script],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(env_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"the desktop session did not start; see {self.log.name}")
            time.sleep(0.05)
        with open(env_file, "rb") as f:
            pairs = [kv.split("=", 1) for kv in f.read().decode().split("\0") if "=" in kv]
        self.env = {k: v for k, v in pairs if k not in ("_", "SHLVL", "PWD", "OLDPWD")}
        self.env["RUST_LOG"] = "info"

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


class Launch:
    """One process started in the session, with its output in a log file."""

    def __init__(self, session, argv, name, env=None):
        self.log_path = os.path.join(session.home, f"{name}-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w")
        self.started = time.time()
        self.proc = subprocess.Popen(argv, env=dict(session.env, **(env or {})), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def lines(self):
        with open(self.log_path, errors="replace") as f:
            return f.read().splitlines()

    def first(self, marker):
        """Seconds from launch to the first log line matching `marker`, or None."""
        for line in self.lines():
            if marker.search(line):
                stamp = wall_time(line)
                if stamp is None:
                    ready = BARE_READY.search(line)
                    stamp = float(ready.group(1)) if ready else None
                return None if stamp is None else stamp - self.started
        return None

    def stamps(self, marker):
        """Wall-clock seconds of every log line matching `marker`."""
        return [t for t in (wall_time(line) for line in self.lines() if marker.search(line)) if t is not None]

    def wait_count(self, marker, count, timeout=60):
        """Waits until `count` lines match `marker`; their stamps."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.stamps(marker)
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.proc.args[0]} exited early; log: {self.log_path}")
            time.sleep(0.02)
        raise SystemExit(f"timed out waiting for {count} x {marker.pattern}; log: {self.log_path}")

    def wait_for(self, markers, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {name: self.first(marker) for name, marker in markers.items()}
            if all(v is not None for v in found.values()):
                return found
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.proc.args[0]} exited early; log: {self.log_path}")
            time.sleep(0.02)
        raise SystemExit(f"timed out waiting for {list(markers)}; log: {self.log_path}")

    def stop(self):
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def descendants(pid):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kib(pid, path, key):
    try:
        with open(f"/proc/{pid}/{path}") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return 0


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def footprint(app, seconds):
    """CPU over `seconds` and memory (largest of samples every 5 s) of `app` and its tree."""
    tree = [app] + descendants(app)
    ticks = {p: cpu_ticks(p) for p in tree}
    t0 = time.monotonic()
    peak = {"rss_app": 0, "pss_app": 0, "rss_all": 0, "pss_all": 0}
    end = t0 + seconds
    while True:
        tree = [app] + descendants(app)
        sample = {
            "rss_app": kib(app, "status", "VmRSS"),
            "pss_app": kib(app, "smaps_rollup", "Pss"),
            "rss_all": sum(kib(p, "status", "VmRSS") for p in tree),
            "pss_all": sum(kib(p, "smaps_rollup", "Pss") for p in tree),
        }
        peak = {k: max(peak[k], sample[k]) for k in peak}
        if time.monotonic() >= end:
            break
        time.sleep(min(5, max(0, end - time.monotonic())))
    elapsed = time.monotonic() - t0
    # Processes that started during the window count from zero.
    used = {p: cpu_ticks(p) - ticks.get(p, 0) for p in tree}
    result = {k: v / 1024 for k, v in peak.items()}
    result["cpu"] = 100.0 * sum(used.values()) / TICKS / elapsed
    result["procs"] = ", ".join(
        f"{comm(p)} {kib(p, 'smaps_rollup', 'Pss') / 1024:.0f} MB {100.0 * t / TICKS / elapsed:.2f} %"
        for p, t in sorted(used.items()))
    return result


def webkit_children(pid):
    return [p for p in descendants(pid) if comm(p).startswith("WebKit")]


def close_window(session, title):
    """Closes the visible window titled `title` as a window manager would (WM_DELETE_WINDOW)."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], env=session.env,
                           capture_output=True, text=True, timeout=30)
    ids = found.stdout.split()
    if not ids:
        raise SystemExit(f"no visible window {title!r} to close")
    subprocess.run([sys.executable, "-c", CLOSE_WINDOW, *ids], env=session.env, check=True, timeout=30)


def app_pss(pid):
    """PSS of the app's process tree now, in MB."""
    return sum(kib(p, "smaps_rollup", "Pss") for p in [pid] + descendants(pid)) / 1024


def open_close_cycles(session, argv, seconds, ready, cycles):
    """The app started, then `cycles` times: "Open" (a second launch), wait for the page's first
    list search to be answered, close the window, wait until its WebKit processes are gone. Then
    the idle footprint as in `measure`. Returns the footprint, the Open -> list times (s) from
    the second launch's exec and from the app's "opening the window" line, and the PSS of the
    tree 5 s after the window was closed, before the first cycle and after some of them."""
    launch = Launch(session, argv, "cycles", env={"PRESENCE_BRIDGE_LOG": LIST_LOG})
    opens, in_app = [], []
    pss = {}
    try:
        launch.wait_for(ready)
        time.sleep(5)
        pss[0] = app_pss(launch.proc.pid)
        for n in range(1, cycles + 1):
            before = len(launch.stamps(MARKERS["list"]))
            asked = time.time()
            subprocess.run(argv, env=session.env, timeout=30, capture_output=True)
            launch.wait_count(MARKERS["window"], n)
            listed = launch.wait_count(MARKERS["list"], before + 1)
            opens.append(listed[before] - asked)
            in_app.append(listed[before] - launch.wait_count(MARKERS["opening"], n)[n - 1])
            time.sleep(1)
            close_window(session, "Presence Bridge")
            launch.wait_count(MARKERS["closed"], n)
            deadline = time.monotonic() + 30
            while webkit_children(launch.proc.pid):
                if time.monotonic() > deadline:
                    raise SystemExit(f"WebKit processes left after closing the window ({n}); log: {launch.log_path}")
                time.sleep(0.1)
            if n in (1, 2, 5, 10) or n == cycles:
                time.sleep(5)
                pss[n] = app_pss(launch.proc.pid)
        time.sleep(5)
        result = footprint(launch.proc.pid, seconds)
    finally:
        launch.stop()
    result.update(kind=f"configured, after {cycles} open/close cycles")
    return result, opens, in_app, pss


def measure(session, kind, argv, seconds, ready, open_window=None):
    launch = Launch(session, argv, kind.split()[0])
    try:
        times = launch.wait_for(ready)
        if open_window:
            # The second instance hands its arguments to the running one and exits.
            subprocess.run(open_window, env=session.env, timeout=30, capture_output=True)
            times.update(launch.wait_for({"window": MARKERS["window"]}))
        time.sleep(5)  # settle after start-up (or after the window opened)
        result = footprint(launch.proc.pid, seconds)
    finally:
        launch.stop()
    result.update(kind=kind, **{f"{k}_ms": v * 1000 for k, v in times.items()})
    return result


def cold_starts(session, argv, ready, runs):
    """Launch -> each marker, `runs` times after one unreported warm-up launch; medians."""
    samples = []
    for run in range(runs + 1):
        launch = Launch(session, argv, "cold")
        try:
            times = launch.wait_for(ready)
        finally:
            launch.stop()
        if run > 0:
            samples.append(times)
    return {name: statistics.median(s[name] for s in samples) * 1000 for name in ready}, samples


def sign_in(session, app, config):
    """`login starface` (password on stdin) and `login microsoft --device-code` (the servers
    approve the code) into the session's keychain."""
    starface = subprocess.run([app, "--config", config, "login", "starface"], env=session.env,
                              input="pbx-pw-Zq81xV3mTq\n", capture_output=True, text=True, timeout=60)
    microsoft = subprocess.run([app, "--config", config, "login", "microsoft", "--device-code"],
                               env=session.env, capture_output=True, text=True, timeout=120)
    for name, done in (("starface", starface), ("microsoft", microsoft)):
        if done.returncode != 0:
            raise SystemExit(f"login {name} failed: {done.stdout}{done.stderr}")


def start_servers(session, servers, config, poll_secs, debounce_secs):
    proc = subprocess.Popen([servers, "--config", config, "--poll-secs", str(poll_secs),
                             "--debounce-secs", str(debounce_secs)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit("figure-servers did not start")
    return proc


def mb(v):
    return f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60, help="measurement window per footprint run")
    ap.add_argument("--cold-runs", type=int, default=5, help="launches per cold-start figure")
    ap.add_argument("--poll-secs", type=int, default=10, help="poll interval of the configured runs")
    ap.add_argument("--cycles", type=int, default=20, help="open/close cycles before the leak figure")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-bridge", action="store_true", help="skip latency/request-economy figures")
    ap.add_argument("--app", default=os.path.join(TARGET, "release", "presence-bridge"))
    ap.add_argument("--bare", default=os.path.join(TARGET, "release", "bare-tray"))
    ap.add_argument("--servers", default=os.path.join(TARGET, "release", "figure-servers"))
    a = ap.parse_args()
    if not a.skip_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "bare-tray", "-p", "presence-bridge"],
                       cwd=ROOT, check=True)
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "soak", "--bin", "figure-servers"],
                       cwd=ROOT, check=True)
    session = Session()
    results, cold = [], []
    servers = None
    try:
        tray = {"tray": MARKERS["tray"]}
        sync = dict(tray, graph=MARKERS["graph"], starface=MARKERS["starface"], decision=MARKERS["decision"])
        bare_ready = {"tray": BARE_READY}
        config = os.path.join(session.home, "figures.toml")
        configured = [a.app, "--config", config]
        demo = [a.app, "--demo"]

        servers = start_servers(session, a.servers, config, a.poll_secs, 3)
        sign_in(session, a.app, config)

        results.append(measure(session, "bare, no window", [a.bare, "--no-window"], a.seconds, bare_ready))
        results.append(measure(session, "bare, window closed", [a.bare], a.seconds, bare_ready))
        results.append(measure(session, "configured, window never opened", configured, a.seconds, sync))
        results.append(measure(session, "demo, window never opened", demo, a.seconds, sync))
        cycled, opens, in_app, pss = open_close_cycles(session, configured, a.seconds, sync, a.cycles)
        results.append(cycled)
        results.append(measure(session, "bare, window open", [a.bare, "--show-window"], a.seconds, bare_ready))
        results.append(measure(session, "configured, window open", configured, a.seconds, sync,
                               open_window=configured))
        results.append(measure(session, "demo, window open", demo, a.seconds, sync, open_window=demo))

        cold.append(("bare", cold_starts(session, [a.bare], bare_ready, a.cold_runs)))
        cold.append(("configured, debounce 3 s (default)", cold_starts(session, configured, sync, a.cold_runs)))
        servers.stdin.close()
        servers.wait(timeout=30)
        # Same servers and keychain entries (same PBX login; the Graph simulator's new tenant
        # needs a new Microsoft sign-in), only without the debounce.
        servers = start_servers(session, a.servers, config, a.poll_secs, 0)
        sign_in(session, a.app, config)
        cold.append(("configured, debounce 0 s", cold_starts(session, configured, sync, a.cold_runs)))
        cold.append(("demo (debounce 1 s)", cold_starts(session, demo, sync, a.cold_runs)))
    finally:
        if servers and servers.poll() is None:
            servers.stdin.close()
            servers.wait(timeout=30)
        session.close()

    print(f"\nFootprint over {a.seconds} s after a 5 s settle (release, Xvfb, 2 shared cores); "
          f"MB, largest of samples every 5 s; CPU in % of one core; configured poll {a.poll_secs} s")
    print("| Run | RSS app | PSS app | RSS tree | PSS tree | CPU % | Processes (PSS at the end, CPU %) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['kind']} | {mb(r['rss_app'])} | {mb(r['pss_app'])} | {mb(r['rss_all'])} | "
              f"{mb(r['pss_all'])} | {r['cpu']:.2f} | {r['procs']} |")
    by = {r["kind"]: r for r in results}
    for state, anchor in (("window never opened", "no window"), ("window never opened", "window closed"),
                          ("window open", "window open")):
        bare = by[f"bare, {anchor}"]
        for mode in ("configured", "demo"):
            r = by[f"{mode}, {state}"]
            print(f"{mode}, {state}: RSS app {r['rss_app'] / bare['rss_app']:.2f}x bare ({anchor}), "
                  f"PSS tree {r['pss_all'] / bare['pss_all']:.2f}x bare ({anchor}), CPU {r['cpu']:.2f} %")
    never = by["configured, window never opened"]
    print(f"after {a.cycles} open/close cycles: PSS tree {cycled['pss_all']:.1f} MB, "
          f"{cycled['pss_all'] - never['pss_all']:+.1f} MB against never opened")
    print("PSS tree 5 s after closing (cycles: MB): "
          + ", ".join(f"{n}: {v:.1f}" for n, v in sorted(pss.items())))
    for name, times in (("Open (second launch's exec)", opens), ("Open (the app's \"opening the window\")", in_app)):
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
        print(f"{name} -> first list search answered, {len(ms)} opens: "
              f"p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms; "
              f"each: {', '.join(f'{t * 1000:.0f}' for t in times)}")
    print(f"\nCold start: launch -> log line, median of {a.cold_runs} launches after a warm-up launch (ms)")
    print("| Run | Tray | Microsoft read | STARFACE read | First sync decision | All launches (decision or tray) |")
    print("|---|---|---|---|---|---|")
    for name, (median, samples) in cold:
        last = "decision" if "decision" in median else "tray"
        each = ", ".join(f"{s[last] * 1000:.0f}" for s in samples)
        cells = " | ".join(f"{median[k]:.0f}" if k in median else "-" for k in ("tray", "graph", "starface", "decision"))
        print(f"| {name} | {cells} | {each} |")
    if not a.skip_bridge:
        subprocess.run(["cargo", "run", "--release", "--locked", "-p", "soak", "--bin", "bridge-figures", "--",
                        "--changes", "100", "--calls", "20", "--poll-ms", "1000", "--debounce-s", "1"],
                       cwd=ROOT, check=True)


if __name__ == "__main__":
    sys.exit(main())
