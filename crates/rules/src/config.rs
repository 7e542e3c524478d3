//! Reading an importer configuration: the `settings` object given to `new FlatfileImporter`,
//! or just its `fields` array. Unknown keys are ignored; what cannot be used (a regex that does
//! not compile, a validator with no name we know) is kept as a [`Problem`] and skipped.

use serde_json::{Map, Value};

use crate::RulesError;

/// An importer configuration, ready to check rows against.
#[derive(Debug, Clone)]
pub struct Config {
    pub fields: Vec<Field>,
    /// Validators that were skipped, and why; shown once, with the field.
    pub problems: Vec<Problem>,
}

/// One field of the configuration.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key of the field in the rows.
    pub key: String,
    /// What people call the field: `label`, else the key.
    pub label: String,
    pub description: Option<String>,
    pub kind: FieldKind,
    /// For `select` fields: the values a cell may hold.
    pub options: Vec<Value>,
    pub validators: Vec<Validator>,
}

/// The field types a configuration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    String,
    /// `"checkbox"` (older configurations: `"boolean"`).
    Checkbox,
    Select,
}

/// One validator of a field.
#[derive(Debug, Clone)]
pub struct Validator {
    /// The name as the configuration writes it (`required`, `regex_matches`, …; `select` for
    /// the implicit check of a select field's options).
    pub name: String,
    pub rule: Rule,
    /// The configuration's own message (`error`), which replaces the default one.
    pub error: Option<String>,
}

/// Which of the other fields a `required_*` validator looks at, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// Any of the listed fields.
    Any,
    /// All of the listed fields.
    All,
}

/// `fieldValues`: each listed field's key and the values that count.
pub type FieldValues = Vec<(String, Vec<Value>)>;

/// A validator that cannot be used: its name and why.
type Skipped = (String, String);

/// What a validator checks.
#[derive(Debug, Clone)]
pub enum Rule {
    Required,
    /// `required_with` (Any) / `required_with_all` (All): required when the listed fields are
    /// filled.
    RequiredWith {
        fields: Vec<String>,
        q: Quantifier,
    },
    /// `required_without` (Any) / `required_without_all` (All): required when the listed fields
    /// are empty.
    RequiredWithout {
        fields: Vec<String>,
        q: Quantifier,
    },
    /// `required_with_values` (Any) / `required_with_all_values` (All): required when the listed
    /// fields hold one of the given values.
    RequiredWithValues {
        values: FieldValues,
        q: Quantifier,
    },
    /// `required_without_values` (Any listed field does not hold its values) /
    /// `required_without_all_values` (none does).
    RequiredWithoutValues {
        values: FieldValues,
        q: Quantifier,
    },
    Unique,
    /// `regex_matches` (`excludes: false`) / `regex_excludes` (`true`).
    Regex {
        regex: Box<regress::Regex>,
        /// The pattern and flags as written, for messages: `/^\d+$/i`.
        shown: String,
        excludes: bool,
    },
    /// A select field's value is one of its options.
    Options,
}

/// A validator that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub validator: String,
    pub message: String,
}

impl Config {
    /// Whether a validator tells `""` from null: a `*_values` validator that lists either as a
    /// value. Only then does the difference matter (every other validator treats both as
    /// empty).
    pub fn tells_empty_from_null(&self) -> bool {
        self.fields
            .iter()
            .flat_map(|f| &f.validators)
            .any(|v| match &v.rule {
                Rule::RequiredWithValues { values, .. }
                | Rule::RequiredWithoutValues { values, .. } => values
                    .iter()
                    .flat_map(|(_, vs)| vs)
                    .any(|v| v.is_null() || v.as_str() == Some("")),
                _ => false,
            })
    }

    /// Parses a configuration from JSON: the settings object (with `fields`) or the `fields`
    /// array itself.
    pub fn parse(json: &[u8]) -> Result<Config, RulesError> {
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| RulesError::Invalid(format!("not JSON: {e}")))?;
        let fields = match &value {
            Value::Array(fields) => fields,
            Value::Object(settings) => match settings.get("fields") {
                Some(Value::Array(fields)) => fields,
                _ => {
                    return Err(RulesError::Invalid(
                        "the settings object has no \"fields\" array".to_owned(),
                    ));
                }
            },
            _ => {
                return Err(RulesError::Invalid(
                    "expected the importer settings object or its \"fields\" array".to_owned(),
                ));
            }
        };
        let mut config = Config {
            fields: Vec::with_capacity(fields.len()),
            problems: Vec::new(),
        };
        for (i, field) in fields.iter().enumerate() {
            let field = field
                .as_object()
                .ok_or_else(|| RulesError::Invalid(format!("field {} is not an object", i + 1)))?;
            let key = text(field, "key")
                .ok_or_else(|| RulesError::Invalid(format!("field {} has no \"key\"", i + 1)))?;
            config
                .fields
                .push(Field::parse(key, field, &mut config.problems));
        }
        if config.fields.is_empty() {
            return Err(RulesError::Invalid(
                "the configuration has no fields".to_owned(),
            ));
        }
        Ok(config)
    }

    /// The label of the field with `key`, else the key itself.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or(key, |f| f.label.as_str())
    }
}

impl Field {
    fn parse(key: &str, field: &Map<String, Value>, problems: &mut Vec<Problem>) -> Field {
        let kind = match text(field, "type") {
            Some("checkbox" | "boolean") => FieldKind::Checkbox,
            Some("select") => FieldKind::Select,
            _ => FieldKind::String,
        };
        let options = match field.get("options") {
            Some(Value::Array(options)) => options
                .iter()
                .map(|o| match o {
                    Value::Object(o) => o.get("value").cloned().unwrap_or(Value::Null),
                    // Older configurations list the values themselves.
                    other => other.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut out = Field {
            key: key.to_owned(),
            label: text(field, "label")
                .filter(|l| !l.trim().is_empty())
                .unwrap_or(key)
                .to_owned(),
            description: text(field, "description").map(str::to_owned),
            kind,
            options,
            validators: Vec::new(),
        };
        let mut listed: Vec<&Value> = match field.get("validators") {
            Some(Value::Array(v)) => v.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => Vec::new(),
        };
        // The legacy single `validator` key.
        if let Some(one @ Value::Object(_)) = field.get("validator") {
            listed.push(one);
        }
        for v in listed {
            match Validator::parse(v) {
                Ok(Some(validator)) => out.validators.push(validator),
                Ok(None) => {}
                Err((validator, message)) => problems.push(Problem {
                    field: key.to_owned(),
                    validator,
                    message,
                }),
            }
        }
        if kind == FieldKind::Select && !out.options.is_empty() {
            out.validators.push(Validator {
                name: "select".to_owned(),
                rule: Rule::Options,
                error: None,
            });
        }
        out
    }
}

impl Validator {
    /// `Ok(None)` for validators that are obsolete and ignored; `Err((name, why))` for one that
    /// cannot be used.
    fn parse(v: &Value) -> Result<Option<Validator>, Skipped> {
        let Some(v) = v.as_object() else {
            return Err(("?".to_owned(), "a validator is not an object".to_owned()));
        };
        let name = text(v, "validate").unwrap_or("").to_owned();
        let fail = |message: String| (name.clone(), message);
        let fields = || -> Result<Vec<String>, Skipped> {
            match v.get("fields") {
                Some(Value::Array(keys)) => Ok(keys
                    .iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()),
                Some(Value::String(one)) => Ok(vec![one.clone()]),
                _ => Err(fail("needs \"fields\": a list of field keys".to_owned())),
            }
        };
        let values = || -> Result<FieldValues, Skipped> {
            match v.get("fieldValues") {
                Some(Value::Object(map)) => Ok(map
                    .iter()
                    .map(|(k, v)| {
                        let vs = match v {
                            Value::Array(vs) => vs.clone(),
                            one => vec![one.clone()],
                        };
                        (k.clone(), vs)
                    })
                    .collect()),
                _ => Err(fail(
                    "needs \"fieldValues\": an object of field keys and values".to_owned(),
                )),
            }
        };
        use Quantifier::{All, Any};
        let rule = match name.as_str() {
            "required" => Rule::Required,
            "required_with" => Rule::RequiredWith {
                fields: fields()?,
                q: Any,
            },
            "required_with_all" => Rule::RequiredWith {
                fields: fields()?,
                q: All,
            },
            "required_without" => Rule::RequiredWithout {
                fields: fields()?,
                q: Any,
            },
            "required_without_all" => Rule::RequiredWithout {
                fields: fields()?,
                q: All,
            },
            "required_with_values" => Rule::RequiredWithValues {
                values: values()?,
                q: Any,
            },
            "required_with_all_values" => Rule::RequiredWithValues {
                values: values()?,
                q: All,
            },
            "required_without_values" => Rule::RequiredWithoutValues {
                values: values()?,
                q: Any,
            },
            "required_without_all_values" => Rule::RequiredWithoutValues {
                values: values()?,
                q: All,
            },
            "unique" => Rule::Unique,
            "regex_matches" | "regex_excludes" => {
                let pattern = text(v, "regex")
                    .ok_or_else(|| fail("needs \"regex\": the pattern as a string".to_owned()))?;
                let flags = regex_flags(v.get("regexFlags"));
                let regex = regress::Regex::with_flags(pattern, flags.as_str())
                    .map_err(|e| fail(format!("the regex /{pattern}/ does not compile: {e}")))?;
                Rule::Regex {
                    regex: Box::new(regex),
                    shown: format!("/{pattern}/{flags}"),
                    excludes: name == "regex_excludes",
                }
            }
            // Obsolete: Flatfile itself no longer applies them.
            "select" | "boolean" => return Ok(None),
            "" => return Err(fail("has no \"validate\" name".to_owned())),
            other => return Err(fail(format!("{other:?} is not a validator Hookgrid knows"))),
        };
        Ok(Some(Validator {
            name,
            rule,
            error: text(v, "error")
                .filter(|e| !e.trim().is_empty())
                .map(str::to_owned),
        }))
    }
}

/// `regexFlags` (`{"ignoreCase": true, …}`) as JavaScript's flag letters. `global` changes
/// nothing for a yes/no test of one value, so it is left out.
fn regex_flags(flags: Option<&Value>) -> String {
    let Some(Value::Object(flags)) = flags else {
        return String::new();
    };
    let on = |k: &str| flags.get(k).and_then(Value::as_bool).unwrap_or(false);
    [
        ("ignoreCase", 'i'),
        ("multiline", 'm'),
        ("dotAll", 's'),
        ("unicode", 'u'),
    ]
    .iter()
    .filter(|(k, _)| on(k))
    .map(|(_, c)| *c)
    .collect()
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}
