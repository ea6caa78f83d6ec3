//! A small, strict checker for the JSON schemas in a Swagger 2.0 description.
//!
//! Supports what STARFACE's description uses: `$ref`, `type` (object, array, string, integer,
//! number, boolean), `properties`, `required`, `items`, `enum`, `additionalProperties`.
//! Stricter than JSON Schema on one point: a property the schema does not declare is an error,
//! so a simulator cannot invent fields.

use std::path::PathBuf;

use serde_json::Value;

pub struct SwaggerSpec {
    root: Value,
}

/// `<workspace>/../shared/specs/<file>`: reference data outside the repository.
pub fn spec_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/specs")
        .join(file)
}

impl SwaggerSpec {
    pub fn load(file: &str) -> Self {
        let path = spec_path(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "STARFACE's API description is missing at {} ({e}). It is reference data kept \
                 beside the repository in shared/specs/ and is needed to validate the simulator",
                path.display()
            )
        });
        let yaml: serde_norway::Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
        Self {
            root: yaml_to_json(yaml),
        }
    }

    pub fn definition(&self, name: &str) -> &Value {
        self.root
            .pointer(&format!("/definitions/{name}"))
            .unwrap_or_else(|| panic!("no definition {name} in the API description"))
    }

    /// The response schema for `method path status` (path as in the description, e.g. `/users/me`).
    pub fn response_schema(&self, path: &str, method: &str, status: u16) -> &Value {
        let escaped = path.replace('~', "~0").replace('/', "~1");
        let pointer = format!("/paths/{escaped}/{method}/responses/{status}/schema");
        self.root
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("no schema for {method} {path} {status}"))
    }

    /// Every violation of `schema` by `value`, as `location: problem` lines.
    pub fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check_at(schema, value, "$", &mut errors);
        errors
    }

    fn check_at(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target = reference
                .strip_prefix("#/")
                .map(|p| format!("/{p}"))
                .and_then(|p| self.root.pointer(&p))
                .unwrap_or_else(|| panic!("unresolvable $ref {reference}"));
            self.check_at(target, value, at, errors);
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                errors.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        let declared_type = schema
            .get("type")
            .and_then(Value::as_str)
            .or_else(|| schema.get("properties").map(|_| "object"));
        match declared_type {
            Some("object") => self.check_object(schema, value, at, errors),
            Some("array") => match value.as_array() {
                Some(items) => {
                    if let Some(item_schema) = schema.get("items") {
                        for (i, item) in items.iter().enumerate() {
                            self.check_at(item_schema, item, &format!("{at}[{i}]"), errors);
                        }
                    }
                }
                None => errors.push(format!("{at}: expected an array, got {value}")),
            },
            Some("string") if !value.is_string() => {
                errors.push(format!("{at}: expected a string, got {value}"))
            }
            Some("integer") if !(value.is_i64() || value.is_u64()) => {
                errors.push(format!("{at}: expected an integer, got {value}"))
            }
            Some("number") if !value.is_number() => {
                errors.push(format!("{at}: expected a number, got {value}"))
            }
            Some("boolean") if !value.is_boolean() => {
                errors.push(format!("{at}: expected a boolean, got {value}"))
            }
            Some("string" | "integer" | "number" | "boolean") | None => {}
            Some(other) => errors.push(format!("{at}: schema type {other} not supported")),
        }
    }

    fn check_object(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(object) = value.as_object() else {
            errors.push(format!("{at}: expected an object, got {value}"));
            return;
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                errors.push(format!("{at}: missing required property {required}"));
            }
        }
        for (key, item) in object {
            let location = format!("{at}.{key}");
            match properties.and_then(|p| p.get(key)) {
                Some(property) => self.check_at(property, item, &location, errors),
                None => match schema.get("additionalProperties") {
                    Some(extra) if extra.is_object() => {
                        self.check_at(extra, item, &location, errors)
                    }
                    _ => errors.push(format!("{location}: property not in the schema")),
                },
            }
        }
    }
}

fn yaml_to_json(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().map(Value::from).unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        // Status codes are YAML integers (`200:`); JSON keys are strings.
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}
