//! Exported spreadsheets read back by an independent reader.

use serde_json::Value;

/// Reads an .xlsx with openpyxl (an independent reader) into JSON: header, frozen cell,
/// filter range, and per data cell its value, number format, fill colour (when filled) and note.
const OPENPYXL: &str = r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
def cell(c):
    fill = c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type == "solid" else None
    return {"value": c.value, "format": c.number_format, "fill": fill,
            "note": c.comment.text if c.comment else None}
rows = list(ws.iter_rows())
print(json.dumps({
    "header": [c.value for c in rows[0]],
    "freeze": ws.freeze_panes,
    "filter": ws.auto_filter.ref,
    "widths": [ws.column_dimensions[c.column_letter].width for c in rows[0]],
    "rows": [[cell(c) for c in r] for r in rows[1:]],
}))
"#;

/// An .xlsx read back by openpyxl (see [`OPENPYXL`]), with the system Python, where
/// python3-openpyxl installs (not a user's own on PATH).
pub fn read_xlsx(path: &std::path::Path) -> Value {
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("python3");
    let read = std::process::Command::new(python)
        .arg("-c")
        .arg(OPENPYXL)
        .arg(path)
        .output()
        .expect("python3 (make setup installs python3-openpyxl)");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    serde_json::from_slice(&read.stdout).expect("json")
}
