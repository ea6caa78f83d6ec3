//! Settings as TOML trees: merging layers and reading/writing by dotted key.

use std::path::Path;

use toml::{Table, Value};

use crate::error::SettingsError;
use crate::schema::Settings;
use crate::validate;

/// Parses a TOML document, reporting syntax errors with line and column.
pub(crate) fn parse(file: &Path, text: &str) -> Result<Table, SettingsError> {
    text.parse::<Table>().map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        SettingsError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message: e.message().to_owned(),
        }
    })
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `over` laid on top of `base`: tables merge key by key, anything else is replaced.
pub(crate) fn merge(base: &mut Table, over: &Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Turns a merged tree into [`Settings`], naming the file and key of the first problem.
pub(crate) fn to_settings(file: &Path, tree: &Table) -> Result<Settings, Vec<SettingsError>> {
    let value = Value::Table(tree.clone());
    let settings: Settings = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        vec![SettingsError::Invalid {
            file: file.to_owned(),
            key: if key == "." {
                "(top level)".into()
            } else {
                key
            },
            reason: e.into_inner().to_string(),
        }]
    })?;
    let problems = validate::problems(&settings);
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems
            .into_iter()
            .map(|(key, reason)| SettingsError::Invalid {
                file: file.to_owned(),
                key,
                reason,
            })
            .collect())
    }
}

pub(crate) fn to_tree(settings: &Settings) -> Table {
    match Value::try_from(settings) {
        Ok(Value::Table(t)) => t,
        // Settings is a struct of plain data: serialising it into a table cannot fail.
        other => unreachable!("settings serialise to a table, got {other:?}"),
    }
}

/// The value at a dotted key such as `sync.poll_interval_secs`.
pub(crate) fn get<'a>(tree: &'a Table, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut current = tree.get(parts.next()?)?;
    for part in parts {
        current = current.as_table()?.get(part)?;
    }
    Some(current)
}

/// Sets (or, with `None`, removes) the value at a dotted key, creating tables on the way.
pub(crate) fn set(tree: &mut Table, key: &str, value: Option<Value>) {
    let parts: Vec<&str> = key.split('.').collect();
    let (last, parents) = parts.split_last().expect("split yields at least one part");
    let mut current = tree;
    for part in parents {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        current = entry.as_table_mut().expect("just made a table");
    }
    match value {
        Some(v) => {
            current.insert(last.to_string(), v);
        }
        None => {
            current.remove(*last);
        }
    }
}

/// Dotted keys of every leaf (non-table value) in `tree`.
pub(crate) fn leaf_keys(tree: &Table) -> Vec<String> {
    fn walk(prefix: &str, table: &Table, out: &mut Vec<String>) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Value::Table(t) => walk(&key, t, out),
                _ => out.push(key),
            }
        }
    }
    let mut out = Vec::new();
    walk("", tree, &mut out);
    out
}

/// True when `key` is `locked` itself or lies inside it (`mapping.busy` locks `mapping.busy.dnd`).
pub(crate) fn is_within(key: &str, locked: &str) -> bool {
    key == locked
        || key
            .strip_prefix(locked)
            .is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_deep() {
        let mut base: Table = "[a]\nx = 1\ny = 2\n".parse().unwrap();
        let over: Table = "[a]\ny = 3\n".parse().unwrap();
        merge(&mut base, &over);
        assert_eq!(get(&base, "a.x"), Some(&Value::Integer(1)));
        assert_eq!(get(&base, "a.y"), Some(&Value::Integer(3)));
    }

    #[test]
    fn set_and_remove_by_key() {
        let mut t = Table::new();
        set(&mut t, "a.b.c", Some(Value::Boolean(true)));
        assert_eq!(leaf_keys(&t), vec!["a.b.c".to_string()]);
        set(&mut t, "a.b.c", None);
        assert!(get(&t, "a.b.c").is_none());
    }

    #[test]
    fn lock_prefixes_respect_segments() {
        assert!(is_within("mapping.busy.dnd", "mapping.busy"));
        assert!(is_within("mapping.busy", "mapping.busy"));
        assert!(!is_within("mapping.busy_meeting.dnd", "mapping.busy"));
    }

    #[test]
    fn syntax_error_position() {
        let err = parse(Path::new("f.toml"), "[sync]\npoll = = 3\n").unwrap_err();
        match err {
            SettingsError::Syntax { line, .. } => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}
