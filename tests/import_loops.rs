//! No module of a crate imports, directly or through others, a module that imports it back.
//!
//! Reads every crate's sources (test modules left out) and follows `crate::a::b` paths, grouped
//! `use crate::{a, b::c}` and `super::a` module paths from one module to another, then looks
//! for cycles. A loop means two modules can only be understood together; the fix is to move what
//! both need into a module below them (docs/ARCHITECTURE.md shows the order).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Crates allowed to keep a loop for now (none).
const KNOWN_LOOPS: &[&str] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `engine/io.rs` -> `engine::io`; `engine/mod.rs`, `lib.rs` -> `engine`, `crate`.
fn module_name(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    if parts.is_empty() {
        "crate".to_owned()
    } else {
        parts.join("::")
    }
}

/// The module's own code: comments and the test module at the end left out.
fn own_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(end) => &text[..end],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lower-case path segments at the start of `rest` (`a::b::C` -> `[a, b]`).
fn segments(rest: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = rest;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        out.push(&rest[..end]);
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// The module graph of sources given as (module name, code).
fn graph(modules: &[(String, String)]) -> Graph {
    let names: BTreeSet<&str> = modules.iter().map(|(name, _)| name.as_str()).collect();
    let resolve = |segs: &[&str]| {
        (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|candidate| names.contains(candidate.as_str()))
    };
    let mut graph = Graph::new();
    for (name, code) in modules {
        let mut targets = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    targets.extend(resolve(&segments(item.trim())));
                }
            } else {
                targets.extend(resolve(&segments(rest)));
            }
        }
        let parent: Vec<&str> = match name.rsplit_once("::") {
            Some((parent, _)) => parent.split("::").collect(),
            None => Vec::new(),
        };
        for (at, _) in code.match_indices("super::") {
            let mut segs = parent.clone();
            segs.extend(segments(&code[at + "super::".len()..]));
            targets.extend(resolve(&segs));
        }
        // A module's path to itself, or to an ancestor holding it, is no edge between two.
        targets.retain(|t| t != name && !name.starts_with(&format!("{t}::")) && t != "crate");
        graph.insert(name.clone(), targets);
    }
    graph
}

/// The cycles of `graph` (strongly connected components with more than one module).
fn loops(graph: &Graph) -> Vec<BTreeSet<String>> {
    // Two modules are in one loop when each reaches the other.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(node) = todo.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for (node, from_node) in &reached {
        if !from_node.contains(*node) || found.iter().any(|l| l.contains(*node)) {
            continue;
        }
        found.push(
            from_node
                .iter()
                .filter(|other| reached[other].contains(*node))
                .cloned()
                .collect(),
        );
    }
    found
}

fn crate_modules(src: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .iter()
        .filter(|file| file.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            (module_name(src, file), own_code(&text))
        })
        .collect()
}

#[test]
fn no_crate_has_an_import_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = vec![("src-tauri".to_owned(), root.join("src-tauri/src"))];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("src").is_dir() {
            let name = format!("crates/{}", dir.file_name().unwrap().to_string_lossy());
            sources.push((name, dir.join("src")));
        }
    }
    assert!(sources.len() >= 10, "{sources:?}");
    let mut problems = Vec::new();
    for (name, src) in &sources {
        let found = loops(&graph(&crate_modules(src)));
        if !found.is_empty() && !KNOWN_LOOPS.contains(&name.as_str()) {
            problems.push(format!("{name}: {found:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "import loops:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_scanner_sees_loops_through_every_kind_of_path() {
    let module = |name: &str, code: &str| (name.to_owned(), code.to_owned());
    let sample = [
        module("crate", "mod a; mod b; mod c; mod engine;"),
        module("a", "use crate::{b::Thing, c};"),
        module("b", "fn f() { crate::c::run() }"),
        module("c", "// use crate::a;\nuse super::a::Other;"),
        module("engine", "mod io;"),
        module("engine::io", "use super::Engine; use crate::engine::Input;"),
    ];
    let graph = graph(&sample);
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned(), "c".to_owned()]));
    assert_eq!(graph["c"], BTreeSet::from(["a".to_owned()]));
    assert!(graph["engine::io"].is_empty(), "{graph:?}");
    assert_eq!(
        loops(&graph),
        [BTreeSet::from([
            "a".to_owned(),
            "b".to_owned(),
            "c".to_owned()
        ])]
    );
}
