//! Input generators for the proptest-based fuzz tests in `tests/fuzz_*.rs`.
//!
//! cargo-fuzz needs a nightly toolchain, which this project does not use, so the parsers are
//! fuzzed with proptest instead: arbitrary bytes, plus *structured-but-mutated* documents (the
//! right field names with values of the right or a wrong type, then byte-level damage), which
//! reach much deeper into the decoders than random bytes do.
//!
//! Case count: 256 per target by default (the CI smoke run); `PROPTEST_CASES=100000` for the
//! long run (`benches/fuzz-long.sh`).

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{Map, Number, Value};

/// The proptest configuration of every fuzz target: `PROPTEST_CASES` decides the number of
/// inputs (default 256); failures are saved next to the test for replay.
pub fn fuzz_config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    }
}

/// Numbers parsers choke on: zero, negatives, limits, fractions, huge floats.
pub fn edge_number() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::from(0)),
        Just(Value::from(-1)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(1.5)),
        Just(Value::from(1e308)),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
    .boxed()
}

/// Strings with the awkward parts: empty, whitespace, umlauts, RTL and combining marks, control
/// characters, very long, and anything else.
pub fn edge_string() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_owned()),
        Just("Müller-Lüdenscheidt ß".to_owned()),
        Just("\u{202e}\u{0301}\u{0000}\u{feff}".to_owned()),
        Just("x".repeat(70_000)),
        "[a-zA-Z0-9@._ -]{0,40}",
        any::<String>(),
    ]
    .boxed()
}

/// Any JSON value, nested a few levels.
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        edge_number(),
        edge_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z@.]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Usually the value the schema expects, sometimes a value of any type, sometimes absent.
pub fn field(expected: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        7 => expected.prop_map(Some),
        2 => any_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

/// An object with the given fields (each through [`field`]) plus, sometimes, unknown extras.
pub fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let names: Vec<&'static str> = fields.iter().map(|(name, _)| *name).collect();
    let values: Vec<BoxedStrategy<Option<Value>>> =
        fields.into_iter().map(|(_, s)| field(s)).collect();
    (values, prop::option::of(("[a-zA-Z]{1,10}", any_json())))
        .prop_map(move |(values, extra)| {
            let mut map = Map::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(value) = value {
                    map.insert((*name).to_owned(), value);
                }
            }
            if let Some((name, value)) = extra {
                map.insert(name, value);
            }
            Value::Object(map)
        })
        .boxed()
}

/// A string value from [`edge_string`].
pub fn string() -> BoxedStrategy<Value> {
    edge_string().prop_map(Value::String).boxed()
}

/// One of the given strings (the values a server really sends), or anything.
pub fn one_of(values: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => prop::sample::select(values).prop_map(|v| Value::String(v.to_owned())),
        1 => string(),
    ]
    .boxed()
}

/// A byte-level edit.
#[derive(Debug, Clone)]
enum Edit {
    Flip { at: usize, mask: u8 },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
    Truncate { at: usize },
    Duplicate { at: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Edit::Flip { at, mask }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert { at, byte }),
        any::<usize>().prop_map(|at| Edit::Remove { at }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Edit::Duplicate { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    if bytes.is_empty() {
        return;
    }
    let n = bytes.len();
    match *edit {
        Edit::Flip { at, mask } => bytes[at % n] ^= mask,
        Edit::Insert { at, byte } => bytes.insert(at % (n + 1), byte),
        Edit::Remove { at } => {
            bytes.remove(at % n);
        }
        Edit::Truncate { at } => bytes.truncate(at % n),
        Edit::Duplicate { at, len } => {
            let start = at % n;
            let end = (start + len).min(n);
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
    }
}

/// The document serialised, then (two times in three) damaged by up to four byte edits.
pub fn damaged(document: BoxedStrategy<Value>) -> BoxedStrategy<Vec<u8>> {
    (
        document,
        prop_oneof![1 => Just(Vec::new()), 2 => prop::collection::vec(edit(), 1..5)],
    )
        .prop_map(|(document, edits)| {
            let mut bytes = serde_json::to_vec(&document).expect("a Value always serialises");
            for edit in &edits {
                apply(&mut bytes, edit);
            }
            bytes
        })
        .boxed()
}

/// Text damaged by up to four byte edits (lossily back to UTF-8 for text parsers).
pub fn damaged_text(text: BoxedStrategy<String>) -> BoxedStrategy<String> {
    (text, prop::collection::vec(edit(), 0..5))
        .prop_map(|(text, edits)| {
            let mut bytes = text.into_bytes();
            for edit in &edits {
                apply(&mut bytes, edit);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .boxed()
}

/// Raw bytes: random, or JSON-ish punctuation soup.
pub fn raw_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(
            prop::sample::select(b"{}[]\":,0123456789eE.-+truefalsnl \\u".to_vec()),
            0..256
        ),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_stay_in_bounds() {
        let mut bytes = b"{\"a\":1}".to_vec();
        for edit in [
            Edit::Flip { at: 99, mask: 1 },
            Edit::Insert { at: 99, byte: b'x' },
            Edit::Remove { at: 99 },
            Edit::Duplicate { at: 5, len: 63 },
            Edit::Truncate { at: 3 },
        ] {
            apply(&mut bytes, &edit);
        }
        assert_eq!(bytes.len(), 3);
        let mut empty = Vec::new();
        apply(&mut empty, &Edit::Remove { at: 0 });
        assert!(empty.is_empty());
    }
}
