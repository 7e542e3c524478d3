//! Plain-text tables and JSON for the terminal.

use hookgrid::{
    BatchStatus, CellProblem, ImportDetails, ListedBatch, Numbering, Page, Quarantined, Retried,
};
use serde::Serialize;

/// Prints any value as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot encode output: {e}"),
    }
}

/// Widest a cell may print before it is cut.
const MAX_CELL: usize = 40;

pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let clean = |s: &str| -> String {
        let one_line: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if one_line.chars().count() > MAX_CELL {
            let cut: String = one_line.chars().take(MAX_CELL - 1).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| clean(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// An RFC 3339 time as `2026-12-02 09:30:05` (UTC).
pub fn moment(rfc3339: &str) -> String {
    rfc3339.replacen('T', " ", 1).chars().take(19).collect()
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

pub fn batches(batches: &[ListedBatch]) {
    if batches.is_empty() {
        println!("No imports yet. Start `hookgrid serve` and point Flatfile at `hookgrid url`.");
        return;
    }
    let rows: Vec<Vec<String>> = batches
        .iter()
        .map(|listed| {
            let b = &listed.batch;
            let mut status = match b.status {
                BatchStatus::Complete => "complete".to_owned(),
                BatchStatus::Incomplete => {
                    format!("incomplete {} of {}", b.parts_received, b.parts_expected)
                }
            };
            if b.count_mismatch() {
                status.push_str(", count mismatch");
            }
            vec![
                short(&b.batch),
                short(&b.event),
                b.revision.to_string(),
                b.event_type.clone(),
                b.schema.map(|s| s.to_string()).unwrap_or_default(),
                b.customer_label.clone().unwrap_or_default(),
                listed.config.clone().unwrap_or_default(),
                status,
                match &b.review.by {
                    Some(by) => format!("{} ({by})", b.review.status),
                    None => b.review.status.to_string(),
                },
                b.valid.to_string(),
                b.invalid.to_string(),
                b.last_received.clone(),
            ]
        })
        .collect();
    table(
        &[
            "BATCH",
            "EVENT",
            "REV",
            "TYPE",
            "SCHEMA",
            "CUSTOMER",
            "CONFIG",
            "STATUS",
            "REVIEW",
            "VALID",
            "INVALID",
            "LAST RECEIVED",
        ],
        &rows,
    );
}

/// One import in detail (`hookgrid show`).
pub fn details(d: &ImportDetails) {
    let b = &d.batch;
    let line = |label: &str, value: String| println!("{label:<10}{}", clean_line(&value));
    line("Batch", format!("{} (revision {})", b.batch, b.revision));
    line("Event", format!("{} ({})", b.event, b.event_type));
    line(
        "Schema",
        b.schema
            .map_or_else(|| "none".to_owned(), |s| s.to_string()),
    );
    match (&b.customer, &b.customer_label) {
        (Some(c), label) => {
            line("Customer", label.clone().unwrap_or_default());
            println!("{:<10}{}", "", clean_line(&c.to_string()));
        }
        (None, _) => line("Customer", "none".to_owned()),
    }
    if let Some(name) = &d.customer_name_json {
        let pretty = serde_json::to_string_pretty(name).unwrap_or_default();
        println!("{:<10}customer.name, read as JSON:", "");
        for l in pretty.lines() {
            println!("{:<12}{}", "", clean_line(l));
        }
    }
    let rows = format!(
        "{} rows ({} valid, {} invalid)",
        b.rows(),
        b.valid,
        b.invalid
    );
    match b.status {
        BatchStatus::Complete => line(
            "Status",
            format!(
                "complete: {} of {} parts, {rows}",
                b.parts_received, b.parts_expected
            ),
        ),
        BatchStatus::Incomplete => {
            let missing: Vec<String> = d
                .missing
                .iter()
                .map(|r| {
                    if r.from == r.to {
                        r.from.to_string()
                    } else {
                        format!("{}–{}", r.from, r.to)
                    }
                })
                .collect();
            line(
                "Status",
                format!(
                    "incomplete: {} of {} parts, {rows} so far; missing {} {}; last part {} ago",
                    b.parts_received,
                    b.parts_expected,
                    plural(b.parts_expected - b.parts_received, "part", "parts"),
                    missing.join(", "),
                    ago(d.waiting_seconds.unwrap_or(0))
                ),
            );
        }
    }
    if d.review_history.is_empty() {
        line("Review", "new (nobody has reviewed it)".to_owned());
    }
    for (i, r) in d.review_history.iter().enumerate() {
        let note = r
            .note
            .as_ref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        line(
            if i == 0 { "Review" } else { "" },
            format!("{} by {} at {}{note}", r.status, r.by, r.at),
        );
    }
    if !b.mismatched.is_empty() {
        let parts: Vec<String> = b.mismatched.iter().map(u32::to_string).collect();
        let n = b.mismatched.len() as u32;
        line(
            "Mismatch",
            format!(
                "{} {} {} a different number of rows than declared",
                plural(n, "part", "parts"),
                parts.join(", "),
                plural(n, "holds", "hold")
            ),
        );
    }
    line(
        "Numbering",
        match d.numbering {
            Numbering::FromZero => "event.sequence.index counts from 0",
            Numbering::FromOne => "event.sequence.index counts from 1",
            Numbering::Unknown => "not known yet (only indexes that fit either way have arrived)",
        }
        .to_owned(),
    );
    println!();
    let rows: Vec<Vec<String>> = d
        .parts
        .iter()
        .map(|p| {
            vec![
                p.part.to_string(),
                p.index.to_string(),
                p.received_at.clone(),
                p.declared_rows.map(|d| d.to_string()).unwrap_or_default(),
                (p.valid + p.invalid).to_string(),
                p.valid.to_string(),
                p.invalid.to_string(),
                p.bytes.to_string(),
                p.duplicates.to_string(),
                if p.count_mismatch {
                    "count mismatch"
                } else {
                    ""
                }
                .to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "PART", "INDEX", "RECEIVED", "DECLARED", "ROWS", "VALID", "INVALID", "BYTES",
            "REPEATS", "",
        ],
        &rows,
    );
    println!("(save a part's body with: hookgrid show --batch B --part N --out FILE)");
}

pub fn plural<'a>(n: impl Into<u64>, one: &'a str, many: &'a str) -> &'a str {
    if n.into() == 1 { one } else { many }
}

/// "1 row", "3 rows".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

fn ago(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} days", s / 86400),
    }
}

/// One line of untrusted text, with control characters replaced.
fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Results of `rejected --retry` / `--retry-all`.
pub fn retried(results: &[Retried]) {
    if results.is_empty() {
        println!("No rejected requests to retry.");
        return;
    }
    for r in results {
        println!("#{}: {}", r.id, clean_line(&r.message));
    }
}

/// What `rejected --dismiss` or `--dismiss-refused` dismissed.
pub fn dismissed(ids: &[i64], refused: bool) {
    let list: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
    match (ids.len(), refused) {
        (0, _) => println!("No rejected request was tried again and still refused."),
        (1, false) => println!("Dismissed rejected request {}.", list[0]),
        (n, _) => println!(
            "Dismissed {n} {} tried again and still refused: {}.",
            if n == 1 { "request" } else { "requests" },
            list.join(", ")
        ),
    }
}

/// A page as a table; with `errors`, an `_errors` column naming each failing cell.
pub fn rows(page: &Page, errors: Option<&[Vec<CellProblem>]>) {
    let mut columns = page.columns();
    if errors.is_some() {
        columns.push(hookgrid::ERRORS_COLUMN.to_owned());
    }
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut rows: Vec<Vec<String>> = page
        .json_rows()
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(_, v)| match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    if let Some(errors) = errors {
        for (row, problems) in rows.iter_mut().zip(errors) {
            let named: Vec<String> = problems.iter().map(|p| p.column.clone()).collect();
            row.push(named.join(", "));
        }
    }
    table(&header, &rows);
    let shown = rows.len();
    if shown == 0 {
        println!(
            "({} rows in this view; none at offset {})",
            page.total, page.offset
        );
    } else {
        println!(
            "(rows {}–{} of {})",
            page.offset + 1,
            page.offset + shown,
            page.total
        );
    }
}

pub fn rejected(rejected: &[Quarantined]) {
    if rejected.is_empty() {
        println!("No rejected requests.");
        return;
    }
    let rows: Vec<Vec<String>> = rejected
        .iter()
        .map(|q| {
            vec![
                q.id.to_string(),
                q.received_at.clone(),
                q.kind.as_str().to_owned(),
                q.event.as_deref().map(short).unwrap_or_default(),
                q.part.map(|p| p.to_string()).unwrap_or_default(),
                q.bytes.to_string(),
                match (q.dismissed, q.retried) {
                    (true, _) => "dismissed",
                    (false, true) => "refused again",
                    (false, false) => "",
                }
                .to_owned(),
                q.reason.clone(),
            ]
        })
        .collect();
    table(
        &[
            "ID", "RECEIVED", "KIND", "EVENT", "INDEX", "BYTES", "STATE", "REASON",
        ],
        &rows,
    );
}

/// A column summarised: a line of counts, then each value with how many rows hold it.
pub fn values(v: &hookgrid::ColumnValues) {
    println!(
        "{}: {} rows · {} distinct · {} empty · {} missing",
        v.column,
        count(v.rows),
        count(v.distinct),
        count(v.empty),
        count(v.missing)
    );
    for value in &v.values {
        let shown = match &value.value {
            serde_json::Value::Null => "(missing)".to_owned(),
            serde_json::Value::String(s) if s.is_empty() => "(empty)".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{:>12}  {shown}", count(value.count));
    }
    if v.more {
        println!("… more values: --limit N lists more");
    }
}

/// `1234567` as `1,234,567`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn corrections(corrections: &[hookgrid::StoredCorrection]) {
    if corrections.is_empty() {
        println!("No corrections.");
        return;
    }
    let rows: Vec<Vec<String>> = corrections
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.row.to_string(),
                c.column.clone(),
                c.sent.to_string(),
                c.value.clone(),
                c.by.clone(),
                c.at.clone(),
            ]
        })
        .collect();
    table(&["ID", "ROW", "COLUMN", "SENT", "VALUE", "BY", "AT"], &rows);
}
