//! Whether a configuration fits an import. A configuration chosen automatically (the default,
//! or one for a schema id) may meet an import it was never written for: a contacts
//! configuration over a warehouse import (`sku`, `weight_kg`) flags every row for fields that
//! are not there, and those reasons are invented. It only explains an import it fits; given
//! to an import by hand, it applies anyway.

use crate::{Config, Rule};

/// How much of a configuration an import's columns hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub fits: bool,
    /// Why it does not fit, in words ("none of its fields are here"); `None` when it fits.
    pub reason: Option<String>,
}

/// Whether `config` fits an import with these data `columns`: at least half of its fields
/// are there, and (when it has required fields) at least one of those.
pub fn fit(config: &Config, columns: &[String]) -> Fit {
    let here = |key: &str| columns.iter().any(|c| c == key);
    let fields = config.fields.len();
    let present = config.fields.iter().filter(|f| here(&f.key)).count();
    let required: Vec<&str> = config
        .fields
        .iter()
        .filter(|f| {
            f.validators
                .iter()
                .any(|v| matches!(v.rule, Rule::Required))
        })
        .map(|f| f.key.as_str())
        .collect();
    let reason = if fields == 0 {
        None
    } else if present == 0 {
        Some("none of its fields are here".to_owned())
    } else if !required.is_empty() && !required.iter().any(|k| here(k)) {
        Some(format!(
            "none of its required fields ({}) are here",
            required.join(", ")
        ))
    } else if present * 2 < fields {
        Some(format!("only {present} of its {fields} fields are here"))
    } else {
        None
    };
    Fit {
        fits: reason.is_none(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts() -> Config {
        Config::parse(
            br#"{"fields": [
                {"key": "email", "validators": [{"validate": "required"}]},
                {"key": "name"}, {"key": "phone"}, {"key": "company"}
            ]}"#,
        )
        .expect("config")
    }

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_configuration_fits_an_import_holding_enough_of_its_fields() {
        let c = contacts();
        let said = |names: &[&str]| fit(&c, &columns(names)).reason;
        assert_eq!(said(&["email", "name", "sku"]), None, "half of them");
        assert_eq!(said(&["email", "name", "phone", "company"]), None);
        assert_eq!(
            said(&["sku", "weight_kg"]).as_deref(),
            Some("none of its fields are here")
        );
        assert_eq!(
            said(&["name", "phone", "company"]).as_deref(),
            Some("none of its required fields (email) are here")
        );
        assert_eq!(
            said(&["email", "sku"]).as_deref(),
            Some("only 1 of its 4 fields are here")
        );
        assert!(fit(&c, &columns(&["email", "name"])).fits);
        assert!(!fit(&c, &columns(&[])).fits);
    }
}
