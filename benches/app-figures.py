#!/usr/bin/env python3
"""Whole-app figures: idle footprint and cold start of the release app next to a bare Tauri 2
tray app (benches/bare-tray), both built and measured in the same run, then the bridge-level
figures (sync latency, request economy) from `soak`'s bridge-figures binary.

    python3 benches/app-figures.py                 # build, measure 60 s each, print a table
    python3 benches/app-figures.py --seconds 20 --skip-build --skip-bridge

Needs: xvfb-run, dbus-run-session (see /work/shared/reference/test-recipes.md). Runs the app with
--demo (in-process simulators; the user's settings and keychain are not touched). Footprint
per process tree: RSS (VmRSS) and PSS (/proc/PID/smaps_rollup), app process alone and summed
with its WebKit children; CPU = (utime+stime) of the tree over the window / wall time.
Stdlib only.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
TICKS = os.sysconf("SC_CLK_TCK")
# The app logs these (src-tauri/src/desktop.rs, crates/bridge/src/runtime.rs).
TRAY_READY = {"app": re.compile(r"started in the tray"), "bare": re.compile(r"tray ready")}
FIRST_SYNC = re.compile(r"sync decision")


def children(pid):
    """All descendants of pid (WebKitWebProcess, WebKitNetworkProcess, ...)."""
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
        p = todo.pop()
        for c in parents.get(p, []):
            out.append(c)
            todo.append(c)
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


def find_app(root_pid, name):
    """xvfb-run and dbus-run-session wrap the app: find the process itself."""
    for pid in [root_pid] + children(root_pid):
        if comm(pid).startswith(name[:15]):
            return pid
    return None


def measure(kind, argv, seconds, second_launch=None):
    """Launches argv under a private X server and session bus; returns figures."""
    log = tempfile.NamedTemporaryFile("w+", suffix=f"-{kind}.log", delete=False)
    env = dict(os.environ, RUST_LOG="info", HOME=tempfile.mkdtemp(), XDG_RUNTIME_DIR=tempfile.mkdtemp())
    os.chmod(env["XDG_RUNTIME_DIR"], 0o700)
    started = time.monotonic()
    wrapper = ["xvfb-run", "-a", "dbus-run-session", "--"]
    proc = subprocess.Popen(wrapper + argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    tray_ms = sync_ms = None
    deadline = started + 30
    while time.monotonic() < deadline and (tray_ms is None or (kind == "app" and sync_ms is None)):
        with open(log.name) as f:
            text = f.read()
        now = (time.monotonic() - started) * 1e3
        if tray_ms is None and TRAY_READY[kind].search(text):
            tray_ms = now
        if sync_ms is None and FIRST_SYNC.search(text):
            sync_ms = now
        time.sleep(0.01)
    name = os.path.basename(argv[0])
    app = find_app(proc.pid, name)
    if second_launch and app:
        # A second launch makes the running instance show its window (single instance).
        # It must join the first one's X display and session bus (single instance uses D-Bus).
        with open(f"/proc/{app}/environ", "rb") as f:
            inherited = dict(kv.split("=", 1) for kv in f.read().decode(errors="replace").split("\0") if "=" in kv)
        subprocess.run(second_launch, env=inherited, timeout=20, capture_output=True)
    time.sleep(5)  # settle after start-up
    tree = [app] + children(app) if app else []
    t0, c0 = time.monotonic(), sum(cpu_ticks(p) for p in tree)
    time.sleep(seconds)
    tree = [app] + children(app) if app else []
    t1, c1 = time.monotonic(), sum(cpu_ticks(p) for p in tree)
    result = {
        "kind": kind,
        "processes": len(tree),
        "rss_app_mb": kib(app, "status", "VmRSS") / 1024 if app else 0,
        "pss_app_mb": kib(app, "smaps_rollup", "Pss") / 1024 if app else 0,
        "rss_total_mb": sum(kib(p, "status", "VmRSS") for p in tree) / 1024,
        "pss_total_mb": sum(kib(p, "smaps_rollup", "Pss") for p in tree) / 1024,
        "cpu_pct": 100.0 * (c1 - c0) / TICKS / (t1 - t0),
        "tray_ms": tray_ms,
        "first_sync_ms": sync_ms,
    }
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    return result


def row(r):
    fmt = lambda v, spec: "n/a" if v is None else format(v, spec)
    return (f"| {r['kind']:<22} | {r['processes']:>3} | {r['rss_app_mb']:7.1f} | {r['pss_app_mb']:7.1f} | "
            f"{r['rss_total_mb']:7.1f} | {r['pss_total_mb']:7.1f} | {r['cpu_pct']:5.2f} | "
            f"{fmt(r['tray_ms'], '6.0f')} | {fmt(r['first_sync_ms'], '6.0f')} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60, help="measurement window per run")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-bridge", action="store_true", help="skip latency/request-economy figures")
    ap.add_argument("--only-bare", action="store_true", help="measure the bare tray app only")
    a = ap.parse_args()
    if not a.skip_build:
        packages = ["-p", "bare-tray"] if a.only_bare else ["-p", "bare-tray", "-p", "presence-bridge"]
        subprocess.run(["cargo", "build", "--release"] + packages, cwd=ROOT, check=True)
    bare = os.path.join(TARGET, "release", "bare-tray")
    app = os.path.join(TARGET, "release", "presence-bridge")
    bare_open = measure("bare", [bare, "--show-window"], a.seconds)
    bare_open["kind"] = "bare (window open)"
    if a.only_bare:
        results = [measure("bare", [bare], a.seconds), bare_open]
    else:
        results = [measure("bare", [bare], a.seconds), measure("app", [app, "--demo"], a.seconds)]
        app_open = measure("app", [app, "--demo"], a.seconds, second_launch=[app, "--demo"])
        app_open["kind"] = "app (window open)"
        results += [bare_open, app_open]
    print(f"\nIdle footprint over {a.seconds} s (release, Xvfb, 2 cores); MB; CPU % of one core")
    print("| run                    | procs | RSS app | PSS app | RSS all | PSS all | CPU % | tray ms | sync ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(row(r))
    b, p = results[0], results[1]
    if not a.only_bare and b["rss_app_mb"]:
        ratio = p["rss_app_mb"] / b["rss_app_mb"]
        print(f"\nwindow closed: app/bare RSS = {ratio:.2f}x (goal <= 1.15x: {'met' if ratio <= 1.15 else 'MISSED'}); "
              f"app CPU {p['cpu_pct']:.2f} % (goal <= 0.2 %: {'met' if p['cpu_pct'] <= 0.2 else 'MISSED'})")
    if not a.only_bare and p["first_sync_ms"] is not None:
        print(f"cold start: tray {p['tray_ms']:.0f} ms, first sync {p['first_sync_ms']:.0f} ms "
              f"(goal <= 1000 ms: {'met' if p['first_sync_ms'] <= 1000 else 'MISSED'})")
    if not a.skip_bridge:
        subprocess.run(["cargo", "run", "--release", "-p", "soak", "--bin", "bridge-figures", "--",
                        "--changes", "100", "--calls", "20", "--poll-ms", "1000", "--debounce-s", "1"],
                       cwd=ROOT, check=True)


if __name__ == "__main__":
    sys.exit(main())
