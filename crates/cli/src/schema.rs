//! `hookgrid schema …` and the text of `hookgrid errors`: importer configurations and why an
//! import's rows are invalid.

use hookgrid::{ConfigDetails, ConfigScope, ErrorSummary, Hookgrid, Level, Source, StoredConfig};
use serde_json::json;

use crate::args::SchemaAction;
use crate::output;

pub fn run(hg: &Hookgrid, action: SchemaAction) -> hookgrid::Result<()> {
    match action {
        SchemaAction::Add {
            file,
            name,
            for_schema,
            for_sheet,
            default,
            send_back,
        } => {
            let body = std::fs::read(&file).map_err(|source| hookgrid::Error::Io {
                path: file.clone(),
                source,
            })?;
            let name = name.unwrap_or_else(|| {
                file.file_stem()
                    .map_or_else(|| "config".to_owned(), |s| s.to_string_lossy().into_owned())
            });
            let scope = match (for_schema, for_sheet, default) {
                (Some(id), _, _) => Some(ConfigScope::Schema(id)),
                (None, Some(slug), _) => Some(ConfigScope::Sheet(slug)),
                (None, None, true) => Some(ConfigScope::Default),
                (None, None, false) => None,
            };
            // Without the flag, a replaced configuration keeps what it had.
            let added = hg.add_config(&name, &body, scope, send_back.then_some(true))?;
            let validators: usize = added.config.fields.iter().map(|f| f.validators.len()).sum();
            println!(
                "Added {:?}: {} fields, {validators} validators, applies to {}.",
                added.stored.name,
                added.config.fields.len(),
                applies_to(&added.stored)
            );
            for p in &added.config.problems {
                eprintln!("skipped: {} / {}: {}", p.field, p.validator, p.message);
            }
            Ok(())
        }
        SchemaAction::List { json } => {
            let configs = hg.configs()?;
            if json {
                let list: Vec<_> = configs.iter().map(summary_json).collect();
                output::json(&list);
            } else if configs.is_empty() {
                println!(
                    "No configurations. Add the importer's settings with `hookgrid schema add FILE --default`."
                );
            } else {
                for c in &configs {
                    println!("{}  ({}; added {})", c.name, applies_to(c), c.added_at);
                }
            }
            Ok(())
        }
        SchemaAction::Show { name, json } => {
            let details = hg.config(&name)?;
            if json {
                output::json(&details.view());
            } else {
                show(&details);
            }
            Ok(())
        }
        SchemaAction::Remove { name } => {
            hg.remove_config(&name)?;
            println!("Removed {name:?}.");
            Ok(())
        }
        SchemaAction::Use {
            batch,
            name,
            automatic,
            none,
        } => {
            let batch = hg.resolve(&batch)?;
            if none {
                hg.use_no_config(&batch)?;
                println!(
                    "Batch {} has no configuration: none explains its rows.",
                    batch.batch
                );
                return Ok(());
            }
            let name = name.filter(|_| !automatic);
            hg.use_config(&batch, name.as_deref())?;
            match name {
                Some(n) => println!("Batch {} now uses {n:?}.", batch.batch),
                None => println!(
                    "Batch {} uses the configuration for its schema, else the default.",
                    batch.batch
                ),
            }
            Ok(())
        }
    }
}

fn applies_to(c: &StoredConfig) -> String {
    let to = match (c.for_schema, &c.for_sheet, c.is_default) {
        (Some(id), _, _) => format!("imports with schema {id}"),
        (None, Some(slug), _) => format!("Flatfile sheets with slug {slug}"),
        (None, None, true) => "every import (default)".to_owned(),
        (None, None, false) => "imports it is given to with `schema use`".to_owned(),
    };
    if c.send_back {
        format!("{to}; the cells it rejects are sent back to Flatfile")
    } else {
        to
    }
}

fn summary_json(c: &StoredConfig) -> serde_json::Value {
    json!({
        "name": c.name,
        "for_schema": c.for_schema,
        "for_sheet": c.for_sheet,
        "is_default": c.is_default,
        "send_back": c.send_back,
        "added_at": c.added_at,
    })
}

fn show(d: &ConfigDetails) {
    println!("{} ({})", d.stored.name, applies_to(&d.stored));
    let view = d.view();
    for f in &view.fields {
        let label = if f.label == f.key {
            String::new()
        } else {
            format!(" \"{}\"", f.label)
        };
        let validators = if f.validators.is_empty() {
            "no validators".to_owned()
        } else {
            f.validators.join(", ")
        };
        println!("  {}{label} ({}): {validators}", f.key, f.kind);
    }
    for p in &view.skipped {
        println!("  skipped: {} / {}: {}", p.field, p.validator, p.message);
    }
}

/// `hookgrid errors` as text: one line per rule that flags rows, then what no rule explains.
pub fn errors(s: &ErrorSummary) {
    if !s.fits && s.rules.is_empty() {
        println!(
            "{}.",
            s.does_not_fit
                .as_deref()
                .unwrap_or("The configuration does not fit this import")
        );
        if let Some(config) = &s.config {
            println!("`hookgrid schema use --batch B {config}` applies it anyway.");
        }
        return;
    }
    let from_flatfile = s.rules.iter().any(|r| r.source == Source::Flatfile);
    match (&s.config, s.choice) {
        (Some(config), Some(choice)) => {
            let and = if from_flatfile {
                ", and Flatfile's own messages"
            } else {
                ""
            };
            println!("Configuration: {config} ({choice:?}){and}");
        }
        _ => println!("Flatfile's own messages (no configuration attached)"),
    }
    if let Some(note) = &s.does_not_fit {
        println!("Note: {note}.");
    }
    let flagging: Vec<_> = s.rules.iter().filter(|r| r.rows > 0).collect();
    if flagging.is_empty() {
        println!("No rule flags any row.");
    }
    let width = flagging
        .iter()
        .map(|r| r.rows.to_string().len())
        .max()
        .unwrap_or(1);
    for r in flagging {
        // Flatfile's messages say so; a warning or a note does not make a row invalid.
        let from = match (r.source, r.level) {
            (Source::Configuration, _) => String::new(),
            (Source::Flatfile, Level::Error) => ", Flatfile".to_owned(),
            (Source::Flatfile, Level::Warn) => ", Flatfile warning".to_owned(),
            (Source::Flatfile, Level::Info) => ", Flatfile note".to_owned(),
        };
        println!(
            "{:>width$}  {} · {} ({}{from})",
            r.rows, r.column, r.message, r.validator
        );
    }
    println!(
        "Rows with errors: {}. Invalid rows no rule explains: {}. Valid rows a rule flags: {}.",
        s.rows_with_errors, s.unexplained_invalid, s.flagged_valid
    );
    if !s.unknown_columns.is_empty() {
        println!(
            "Columns the configuration does not know: {}",
            s.unknown_columns.join(", ")
        );
    }
    if !s.missing_fields.is_empty() {
        println!("Fields no row has: {}", s.missing_fields.join(", "));
    }
    for p in &s.skipped {
        println!("Skipped: {} / {}: {}", p.field, p.validator, p.message);
    }
}
