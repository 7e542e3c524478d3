//! Plain-text tables and JSON for the terminal.

use hookgrid::{Batch, BatchStatus, Page, Quarantined};
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

fn table(header: &[&str], rows: &[Vec<String>]) {
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

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

pub fn batches(batches: &[Batch]) {
    if batches.is_empty() {
        println!("No imports yet. Start `hookgrid serve` and point Flatfile at `hookgrid url`.");
        return;
    }
    let rows: Vec<Vec<String>> = batches
        .iter()
        .map(|b| {
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
                status,
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
            "STATUS",
            "VALID",
            "INVALID",
            "LAST RECEIVED",
        ],
        &rows,
    );
}

pub fn rows(page: &Page) {
    let columns = page.columns();
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = page
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
                q.reason.clone(),
            ]
        })
        .collect();
    table(
        &["ID", "RECEIVED", "KIND", "EVENT", "PART", "BYTES", "REASON"],
        &rows,
    );
}
