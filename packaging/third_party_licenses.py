#!/usr/bin/env python3
"""Collects the licence notices of the crates linked into the presence-bridge binary.

The binary links its Rust dependencies statically, and most of their licences (MIT, BSD, ...)
ask that their notice ships with the binary. This reads `cargo metadata` for the target the
packages are built for, follows the app's normal (not build or dev) dependencies, and writes each
crate's licence files; crates with byte-identical texts share one copy. A crate without a
licence file is listed with the licence its manifest declares.

Run:  python3 packaging/third_party_licenses.py OUTPUT [TARGET_TRIPLE]   (scripts/package.sh does)
"""
import gzip
import json
import os
import subprocess
import sys

ROOT_PACKAGE = "presence-bridge"
NOTICE_PREFIXES = ("license", "licence", "copying", "notice", "copyright", "unlicense")


def host_triple():
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def linked_packages(metadata):
    """Packages reachable from the app through normal dependencies, workspace members excluded."""
    packages = {p["id"]: p for p in metadata["packages"]}
    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}
    members = set(metadata["workspace_members"])
    root = next(p["id"] for p in metadata["packages"] if p["name"] == ROOT_PACKAGE and p["id"] in members)

    def proc_macro(package_id):
        # Runs in the compiler, is not linked: neither it nor its dependencies are in the binary.
        return any("proc-macro" in t["kind"] for t in packages[package_id]["targets"])

    seen, stack = set(), [root]
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            if dep["pkg"] in seen or proc_macro(dep["pkg"]):
                continue
            if any(kind["kind"] is None for kind in dep["dep_kinds"]):
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    return sorted((packages[i] for i in seen if i not in members), key=lambda p: (p["name"], p["version"]))


def notice_files(package):
    folder = os.path.dirname(package["manifest_path"])
    names = sorted(
        name for name in os.listdir(folder)
        if name.lower().startswith(NOTICE_PREFIXES) and os.path.isfile(os.path.join(folder, name))
    )
    if package.get("license_file"):
        declared = os.path.relpath(os.path.join(folder, package["license_file"]), folder)
        if declared not in names and os.path.isfile(os.path.join(folder, declared)):
            names.append(declared)
    return [os.path.join(folder, name) for name in names]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    output = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) == 3 else host_triple()
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", target],
        check=True, capture_output=True, text=True,
    ).stdout)
    crates = linked_packages(metadata)

    texts = {}  # text -> crates that ship it
    without_file = []
    for package in crates:
        label = f"{package['name']} {package['version']}"
        files = notice_files(package)
        if not files:
            without_file.append(f"{label}: {package.get('license') or 'no licence declared'}")
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as f:
                texts.setdefault(f.read().strip(), []).append(f"{label} ({os.path.basename(path)})")

    lines = [
        "Presence Bridge: licence notices of the third-party crates linked into the binary",
        f"({len(crates)} crates, target {target}).",
        "The source code of each is available from crates.io: https://crates.io/crates/NAME/VERSION",
        "",
    ]
    for text, users in sorted(texts.items(), key=lambda item: item[1][0]):
        lines += ["=" * 78, "Used by: " + ", ".join(users), "-" * 78, text, ""]
    if without_file:
        lines += ["=" * 78, "Crates without a licence file (licence as declared in their manifest):"]
        lines += [f"  {entry}" for entry in without_file]
    # mtime=0: the same crates give a byte-identical file (reproducible packages).
    with open(output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{output}: {len(crates)} crates, {len(texts)} distinct licence texts, {len(without_file)} without a file")


if __name__ == "__main__":
    main()
