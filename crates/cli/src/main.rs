//! The `hookgrid` command: parse arguments, call the `hookgrid` facade, print the result.
//! No storage, HTTP or dataframe logic lives here.

mod args;
mod assets;
mod output;
mod schema;
mod serve;
mod users;

use std::process::ExitCode;

use clap::Parser;
use hookgrid::accounts::{Caller, local_user};
use hookgrid::{
    BatchFilter, BatchStatus, ExportSettings, FlagRows, Hookgrid, ReviewStatus, Settings,
};

use args::{Cli, Command, DataDirArg};

fn open(dir: &DataDirArg) -> hookgrid::Result<Hookgrid> {
    let options = hookgrid::OpenOptions {
        accept_empty_ledger: dir.accept_empty_ledger,
        database: dir.database.clone(),
    };
    match &dir.data_dir {
        Some(d) => Hookgrid::open_with(d.clone(), options),
        None => Hookgrid::open_default(options),
    }
}

fn main() -> ExitCode {
    // This binary also guards the tunnels it starts (hidden: `__tunnel-guard`).
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = hookgrid::connection::tunnel::guard::run_if_asked(&args) {
        return code;
    }
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve { .. });
    if !serving {
        hookgrid::connection::server::init_warnings();
    }
    quiet_panics(serving);
    let outcome = std::panic::catch_unwind(|| run(cli)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("unknown failure");
        Err(hookgrid::Error::Internal(message.to_owned()))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}{}", hint(&e));
            ExitCode::FAILURE
        }
    }
}

/// Polars evaluates on its own threads and re-raises their panics where the facade turns them
/// into errors; the default report (a backtrace per thread) would break the one-line promise.
/// Anything else that panics is caught in `main` and said in one line.
fn quiet_panics(serving: bool) {
    // Logged where there is a log (`serve`); silent for one-shot commands.
    if serving {
        std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    } else {
        std::panic::set_hook(Box::new(|info| tracing::debug!("panic: {info}")));
    }
}

/// A review status spelled exactly as `hookgrid review` takes it, given with `flag`.
fn review_status(flag: &str, text: &str) -> hookgrid::Result<ReviewStatus> {
    ReviewStatus::parse(text).ok_or_else(|| {
        let all: Vec<&str> = ReviewStatus::ALL.iter().map(|s| s.as_str()).collect();
        hookgrid::Error::BadRequest(format!(
            "{flag} {text:?} is not a review status: use one of {}",
            all.join(", ")
        ))
    })
}

/// What to do next, in this command's words, for the errors where there is something to do.
fn hint(e: &hookgrid::Error) -> &'static str {
    match e {
        hookgrid::Error::NotFound(_) => "; `hookgrid batches` lists them",
        hookgrid::Error::Incomplete { .. } => "; wait for the rest or pass --allow-incomplete",
        hookgrid::Error::NoConfig { .. } => {
            "; add the importer's configuration with `hookgrid schema add FILE --default`"
        }
        hookgrid::Error::DoesNotFit { .. } => {
            "; `hookgrid schema use --batch B NAME` applies it anyway"
        }
        hookgrid::Error::NoSuchConfig(_) => "; `hookgrid schema list` lists them",
        hookgrid::Error::NoSuchUser(_) | hookgrid::Error::NoSuchToken { .. } => {
            "; `hookgrid user list` lists them"
        }
        hookgrid::Error::LastAdmin(_) => "; `hookgrid user role OTHER admin` first",
        hookgrid::Error::InUse(_) => {
            ": stop it first (`systemctl stop hookgrid`, or quit the app), or give this one \
             another --data-dir"
        }
        hookgrid::Error::WrongLedger(_) => {
            ". Restore its hookgrid.db from a backup (`hookgrid backup` makes them), or start \
             afresh on purpose with --accept-empty-ledger"
        }
        hookgrid::Error::DamagedLedger(_) => {
            ". Stop anything using the data dir and restore hookgrid.db from a backup; to start \
             afresh instead, move hookgrid.db aside and pass --accept-empty-ledger"
        }
        _ => "",
    }
}

fn run(cli: Cli) -> hookgrid::Result<()> {
    match cli.command {
        Command::Serve {
            dir,
            listen,
            public_url,
            tunnel,
            tunnel_path,
            max_body,
            signing_secret,
            review,
            connections,
        } => {
            // What was asked is checked before the data dir is.
            if let Some(url) = &public_url {
                hookgrid::datadir::check_public_url(url)?;
            }
            if let Some(address) = &listen {
                hookgrid::datadir::check_listen_address(address)?;
            }
            let hg = open(&dir)?;
            // One listener per data dir, held until this process ends; and every page of the
            // ledger read before anything is written or served.
            let _lock = hg.lock_listener()?;
            hg.check_before_listening()?;
            if let Some(secret) = signing_secret {
                hg.set_signing_secret(&secret, &local_user())?;
            }
            let options = serve::Options {
                listen,
                public_url,
                tunnel: tunnel.map(|provider| (provider, tunnel_path)),
                max_body,
                review_listen: review.review_listen,
                memory_budget: review.memory_budget,
                tls: review.tls_cert.zip(review.tls_key),
                connections: connections.policy(),
            };
            serve::run(hg, options)
        }
        Command::Url { dir, public_url } => {
            let hg = open(&dir)?;
            let mut settings: Settings = hg.settings()?;
            if let Some(url) = public_url {
                // Checked as `serve` and the app check it; not remembered.
                settings.public_url = hookgrid::datadir::check_public_url(&url)?;
            }
            println!("{}", hg.webhook_url(&settings.base_url(settings.listen())));
            Ok(())
        }
        Command::Token { dir, rotate } => {
            let hg = open(&dir)?;
            let token = if rotate {
                hg.rotate_token(&local_user())?
            } else {
                hg.token()
            };
            println!("{token}");
            if rotate {
                eprintln!(
                    "The token was replaced: paste the new webhook URL (`hookgrid url`) into Flatfile."
                );
            }
            Ok(())
        }
        Command::Batches {
            dir,
            search,
            status,
            review,
            json,
        } => {
            let filter = BatchFilter {
                search,
                status: status.map(BatchStatus::from),
                review: review
                    .as_deref()
                    .map(|r| review_status("--review", r))
                    .transpose()?,
            };
            let hg = open(&dir)?;
            let batches = hg.listed(hg.find_batches(&filter)?)?;
            if json {
                output::json(&batches);
            } else {
                output::batches(&batches);
            }
            Ok(())
        }
        Command::Show {
            dir,
            batch,
            json,
            part,
            out,
        } => {
            let hg = open(&dir)?;
            let batch = hg.resolve(&batch)?;
            if let (Some(part), Some(out)) = (part, out) {
                let bytes = hg.save_part_body(&batch, part, &out)?;
                eprintln!("wrote part {part} ({bytes} bytes) to {}", out.display());
                return Ok(());
            }
            let details = hg.details(&batch)?;
            if json {
                output::json(&details);
            } else {
                output::details(&details);
            }
            Ok(())
        }
        Command::Rows {
            dir,
            view,
            offset,
            limit,
            json,
            with_errors,
        } => {
            let hg = open(&dir)?;
            let batch = hg.resolve(&view.batch)?;
            let page = hg.page(&batch, &view.view(), offset, limit)?;
            let errors = if with_errors {
                Some(hg.row_errors_required(&batch, &page.row_numbers())?)
            } else {
                None
            };
            if json {
                let mut rows = page.json_rows();
                if let Some(errors) = &errors {
                    for (row, problems) in rows.iter_mut().zip(errors) {
                        row.insert(
                            hookgrid::ERRORS_COLUMN.to_owned(),
                            serde_json::json!(problems),
                        );
                    }
                }
                output::json(&serde_json::json!({"total": page.total, "rows": rows}));
            } else {
                output::rows(&page, errors.as_deref());
            }
            Ok(())
        }
        Command::Values {
            dir,
            view,
            column,
            limit,
            json,
        } => {
            let hg = open(&dir)?;
            let batch = hg.resolve(&view.batch)?;
            let values = hg.column_values(&batch, &view.view(), &column, limit)?;
            if json {
                output::json(&values);
            } else {
                output::values(&values);
            }
            Ok(())
        }
        Command::Export {
            dir,
            view,
            out,
            meta,
            as_text,
            allow_incomplete,
            with_errors,
            bom,
            raw,
            labels,
            with_flags,
            as_received,
        } => {
            let format = hookgrid::ExportFormat::from_path(&out).map_err(hookgrid::Error::from)?;
            if bom && format != hookgrid::ExportFormat::Csv {
                return Err(hookgrid::Error::Config(format!(
                    "--bom is for CSV files; {} is {}",
                    out.display(),
                    format.extension()
                )));
            }
            let hg = open(&dir)?;
            let batch = hg.resolve(&view.batch)?;
            let settings = ExportSettings {
                meta,
                as_sent: as_text,
                allow_incomplete,
                with_errors,
                labels,
                with_flags,
                as_received,
                csv: match (bom, raw) {
                    (false, _) => hookgrid::CsvFor::Programs,
                    (true, false) => hookgrid::CsvFor::People,
                    (true, true) => hookgrid::CsvFor::PeopleRaw,
                },
            };
            let written = hg.export(&batch, &view.view(), &out, settings)?;
            println!("{written}");
            eprintln!("wrote {written} rows to {}", out.display());
            Ok(())
        }
        Command::Rejected {
            dir,
            retry,
            retry_all,
            dismiss,
            dismiss_refused,
            all,
            json,
        } => {
            let hg = open(&dir)?;
            if dismiss.is_some() || dismiss_refused {
                let ids = match dismiss {
                    Some(id) => {
                        hg.dismiss_rejected(id, &local_user())?;
                        vec![id]
                    }
                    None => hg.dismiss_refused_rejected(&local_user())?,
                };
                if json {
                    output::json(&serde_json::json!({ "dismissed": ids }));
                } else {
                    output::dismissed(&ids, dismiss_refused);
                }
                return Ok(());
            }
            if retry.is_some() || retry_all {
                let results = match retry {
                    Some(id) => vec![hg.retry_rejected(id, &local_user())?],
                    None => hg.retry_all_rejected(&local_user())?,
                };
                if json {
                    output::json(&results);
                } else {
                    output::retried(&results);
                }
                return Ok(());
            }
            let listed = if all {
                hookgrid::Listed::All
            } else {
                hookgrid::Listed::Open
            };
            let rejected = hg.rejected(listed)?;
            if json {
                output::json(&rejected);
            } else {
                output::rejected(&rejected);
            }
            Ok(())
        }
        Command::Import {
            dir,
            file,
            sheet,
            json,
        } => {
            let hg = open(&dir)?;
            let body = std::fs::read(&file).map_err(|source| hookgrid::Error::Io {
                path: file.clone(),
                source,
            })?;
            let sheets = hg.import_flatfile(&body, sheet.as_deref(), &Caller::local())?;
            hg.shutdown();
            if json {
                output::json(&sheets);
            } else {
                for s in &sheets {
                    let what = if s.stored {
                        "imported"
                    } else {
                        "already imported"
                    };
                    println!(
                        "{what}: sheet {} ({} rows) as batch {} (event {})",
                        s.name, s.rows, s.batch, s.event
                    );
                }
            }
            Ok(())
        }
        Command::Schema { dir, action } => schema::run(&open(&dir)?, action),
        Command::User { dir, action } => users::run(&open(&dir)?, action),
        Command::Audit { dir, json } => users::audit(&open(&dir)?, json),
        Command::Backup { dir, out } => {
            let report = open(&dir)?.backup(&out)?;
            println!("{}", report.path);
            eprintln!(
                "backed up {} import(s), {} bytes, to {}; keep the data dir's token and \
                 settings.json with it",
                report.imports, report.bytes, report.path
            );
            Ok(())
        }
        Command::Migrate { dir, to } => {
            // A URL is printed without its password.
            let shown = hookgrid::shown_url(&to);
            let copied = open(&dir)?.migrate_to(&to, |table, rows| {
                eprintln!("copied {table}: {rows} row(s)");
            })?;
            let imports = copied
                .tables
                .iter()
                .find(|(t, _)| *t == "events")
                .map_or(0, |(_, n)| *n);
            println!("{shown}");
            eprintln!(
                "copied {imports} import(s) into {shown} and checked it: every table's rows \
                 and {} stored bodies' digests match; the source is unchanged. Serve from it \
                 with --database (HOOKGRID_DATABASE_URL) for a PostgreSQL ledger, or \
                 with the file as a data dir's hookgrid.db",
                copied.bodies
            );
            Ok(())
        }
        Command::Errors { dir, batch, json } => {
            let hg = open(&dir)?;
            let batch = hg.resolve(&batch)?;
            let summary = hg
                .errors(&batch)?
                .ok_or_else(|| hookgrid::Error::NoConfig {
                    batch: batch.batch.clone(),
                })?;
            if json {
                output::json(&summary);
            } else {
                schema::errors(&summary);
            }
            Ok(())
        }
        Command::Review {
            dir,
            batch,
            status,
            note,
        } => {
            let status = review_status("--status", &status)?;
            let hg = open(&dir)?;
            let b = hg.resolve(&batch)?;
            let entry = hg.set_review(&b, status, note.as_deref(), &Caller::local())?;
            println!(
                "batch {} (event {}) is {} (by {}, {})",
                b.batch, b.event, entry.status, entry.by, entry.at
            );
            Ok(())
        }
        Command::Correct {
            dir,
            batch,
            row,
            column,
            value,
            revert,
        } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&batch)?;
            match (revert, row, column, value) {
                (Some(id), ..) => {
                    hg.revert_correction(&b, id, &Caller::local())?;
                    println!("reverted correction {id} of batch {}", b.batch);
                }
                (None, Some(row), Some(column), Some(value)) => {
                    let c = hg.correct(&b, row, &column, &value, &Caller::local())?;
                    println!(
                        "correction {}: row {}, {}: {} → {:?}",
                        c.id, c.row, c.column, c.sent, c.value
                    );
                }
                _ => {
                    return Err(hookgrid::Error::BadRequest(
                        "give --row, --column and --value, or --revert ID".to_owned(),
                    ));
                }
            }
            Ok(())
        }
        Command::Replace {
            dir,
            view,
            column,
            find,
            with,
            dry_run,
        } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&view.batch)?;
            let done = hg.replace(
                &b,
                &view.view(),
                &column,
                &find,
                &with,
                dry_run,
                &Caller::local(),
            )?;
            let what = format!(
                "{} in {} of {column}",
                output::counted(done.occurrences, "occurrence", "occurrences"),
                output::counted(done.cells, "cell", "cells"),
            );
            if done.applied {
                println!(
                    "replaced {what} (batch {}); `hookgrid corrections` lists them",
                    b.batch
                );
            } else if dry_run {
                println!(
                    "would replace {what} (batch {}); run it again without --dry-run to apply",
                    b.batch
                );
            } else {
                println!("nothing to replace: no cell of {column} holds {find:?} in this view");
            }
            Ok(())
        }
        Command::Corrections { dir, batch, json } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&batch)?;
            let corrections = hg.corrections(&b)?;
            if json {
                output::json(&corrections);
            } else {
                output::corrections(&corrections);
            }
            Ok(())
        }
        Command::Flag { dir, rows, note } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&rows.view.batch)?;
            let v = rows.view.view();
            let rows = rows.row.map_or(FlagRows::View(&v), FlagRows::One);
            let done = hg.flag(&b, rows, &note, &Caller::local())?;
            println!(
                "flagged {} of batch {}",
                output::counted(done.flagged, "row", "rows"),
                b.batch
            );
            if done.kept > 0 {
                eprintln!(
                    "kept {} as another reviewer flagged them (only an admin changes their note)",
                    output::counted(done.kept, "row", "rows")
                );
            }
            Ok(())
        }
        Command::Unflag { dir, rows } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&rows.view.batch)?;
            let v = rows.view.view();
            let rows = rows.row.map_or(FlagRows::View(&v), FlagRows::One);
            let removed = hg.unflag(&b, rows, &Caller::local())?;
            println!(
                "unflagged {} of batch {}",
                output::counted(removed, "row", "rows"),
                b.batch
            );
            Ok(())
        }
        Command::Delete { dir, batch } => {
            let hg = open(&dir)?;
            let b = hg.resolve(&batch)?;
            hg.delete_batch(&b, &local_user())?;
            println!("deleted batch {} (event {})", b.batch, b.event);
            Ok(())
        }
        Command::Retention { dir, days, off } => {
            let hg = open(&dir)?;
            let deleted = hg.set_retention_days(if off { None } else { days }, &local_user())?;
            match days.filter(|_| !off) {
                Some(d) => println!("keeping imports for {d} days; deleted {deleted} older ones"),
                None => println!("keeping imports forever"),
            }
            Ok(())
        }
    }
}
