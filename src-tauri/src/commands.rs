//! The commands the UI invokes. Each is a thin call into the `hookgrid` facade: parse the
//! arguments, call, convert the error. Polars and SQLite work runs on the blocking pool, never
//! on the thread that drives the window.

pub mod reasons;

use std::path::PathBuf;
use std::sync::Arc;

use hookgrid::tunnel::Provider;
use hookgrid::{
    Batch, BatchFilter, CellProblem, ColumnInfo, ColumnValues, ExportSettings, Hookgrid,
    ImportDetails, Quarantined, Retried, RowSet, SentRow, TestReport, View,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use crate::connection::Connection;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Largest page the grid may ask for in one call.
const MAX_PAGE: u32 = 5_000;

/// Runs facade work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Hookgrid) -> hookgrid::Result<T> + Send + 'static,
) -> IpcResult<T> {
    let hookgrid = Arc::clone(&state.hookgrid);
    tauri::async_runtime::spawn_blocking(move || work(&hookgrid))
        .await
        .map_err(|e| IpcError::new("internal", format!("the task failed: {e}")))?
        .map_err(IpcError::from)
}

/// The newest imports that pass a filter.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BatchPage {
    /// Imports that pass the filter, of which `batches` are the newest.
    pub total: u32,
    pub batches: Vec<Batch>,
}

/// The newest `limit` imports that pass `filter` (all without a limit): a ledger of
/// thousands is searched, not sent whole on every part that arrives.
#[tauri::command]
pub async fn list_batches(
    state: State<'_, AppState>,
    filter: Option<BatchFilter>,
    limit: Option<u32>,
) -> IpcResult<BatchPage> {
    blocking(&state, move |h| {
        let filter = filter.unwrap_or_default();
        let (total, batches) = h.find_newest_batches(&filter, limit.unwrap_or(u32::MAX))?;
        Ok(BatchPage {
            total: total as u32,
            batches,
        })
    })
    .await
}

/// One import in detail: customer, numbering, parts, what is missing.
#[tauri::command]
pub async fn import_details(state: State<'_, AppState>, event: String) -> IpcResult<ImportDetails> {
    blocking(&state, move |h| h.details(&h.resolve(&event)?)).await
}

/// One row (`_row`) of an import as Flatfile sent it, with its part and position.
#[tauri::command]
pub async fn sent_row(state: State<'_, AppState>, event: String, row: i64) -> IpcResult<SentRow> {
    blocking(&state, move |h| h.sent_row(&h.resolve(&event)?, row)).await
}

/// Asks where to save part `part` of an import and writes its body there as it arrived;
/// `None` when the user cancels.
#[tauri::command]
pub async fn save_part_body<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    event: String,
    part: u32,
) -> IpcResult<Option<String>> {
    let chosen = app
        .dialog()
        .file()
        .set_title(format!("Save the body of part {part}"))
        .add_filter("JSON", &["json"])
        .set_file_name(format!("part-{part}.json"))
        .blocking_save_file();
    let path = match chosen.map(|p| p.into_path()) {
        None => return Ok(None),
        Some(Ok(path)) => path,
        Some(Err(e)) => return Err(IpcError::new("io", format!("cannot use that file: {e}"))),
    };
    blocking(&state, move |h| {
        h.save_part_body(&h.resolve(&event)?, part, &path)?;
        Ok(Some(path.to_string_lossy().into_owned()))
    })
    .await
}

/// Tries one rejected request again, as if it had just arrived.
#[tauri::command]
pub async fn retry_rejected(state: State<'_, AppState>, id: i64) -> IpcResult<Retried> {
    blocking(&state, move |h| h.retry_rejected(id)).await
}

/// Tries every rejected request again, oldest first.
#[tauri::command]
pub async fn retry_all_rejected(state: State<'_, AppState>) -> IpcResult<Vec<Retried>> {
    blocking(&state, Hookgrid::retry_all_rejected).await
}

#[tauri::command]
pub async fn list_rejected(state: State<'_, AppState>) -> IpcResult<Vec<Quarantined>> {
    blocking(&state, Hookgrid::rejected).await
}

/// The start of a rejected request's body, as text, for people to see what was sent.
#[tauri::command]
pub async fn rejected_body(state: State<'_, AppState>, id: i64) -> IpcResult<String> {
    const SHOWN: usize = 64 * 1024;
    blocking(&state, move |h| {
        let body = h.rejected_body(id)?.unwrap_or_default();
        let mut text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]).into_owned();
        if body.len() > SHOWN {
            text.push_str(&format!("\n… ({} more bytes)", body.len() - SHOWN));
        }
        Ok(text)
    })
    .await
}

/// Rows for the grid.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GridPage {
    /// Rows in the whole view.
    #[ts(type = "number")]
    pub total: u64,
    /// Rows in the batch.
    #[ts(type = "number")]
    pub batch_rows: u64,
    #[ts(type = "number")]
    pub offset: u64,
    pub columns: Vec<ColumnInfo>,
    /// Each row's values in `columns` order.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Each row's configuration errors, in `rows` order; `None` when no configuration applies.
    pub errors: Option<Vec<Vec<CellProblem>>>,
}

/// One page of `view` over the import with event id `event`.
#[tauri::command]
pub async fn fetch_page(
    state: State<'_, AppState>,
    event: String,
    view: View,
    offset: u32,
    limit: u32,
) -> IpcResult<GridPage> {
    blocking(&state, move |h| {
        let batch = h.resolve(&event)?;
        let page = h.browse(&batch, &view, offset as usize, limit.min(MAX_PAGE) as usize)?;
        let errors = h.row_errors(&batch, &page.row_numbers())?;
        Ok(GridPage {
            total: page.total as u64,
            batch_rows: batch.rows(),
            offset: page.offset as u64,
            columns: page.column_info(),
            rows: page.json_arrays(),
            errors,
        })
    })
    .await
}

/// Most values a column's list sends.
const MAX_VALUES: u32 = 1_000;

/// `column` of `view` summarised over the whole view, for the column's value filter: how many
/// rows, distinct, empty and missing values, and the `limit` most common values.
#[tauri::command]
pub async fn column_values(
    state: State<'_, AppState>,
    event: String,
    view: View,
    column: String,
    limit: u32,
) -> IpcResult<ColumnValues> {
    blocking(&state, move |h| {
        let batch = h.resolve(&event)?;
        h.browse_column_values(&batch, &view, &column, limit.min(MAX_VALUES) as usize)
    })
    .await
}

/// Lets go of the import held in memory for the grid.
#[tauri::command]
pub async fn close_batch(state: State<'_, AppState>) -> IpcResult<()> {
    blocking(&state, |h| {
        h.close_browse();
        Ok(())
    })
    .await
}

/// Which rows an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportScope {
    /// What the grid shows: its rows, filter, search and sort.
    View,
    All,
    Valid,
    Invalid,
}

impl ExportScope {
    fn view(self, current: View) -> View {
        let rows = match self {
            ExportScope::View => return current,
            ExportScope::All => RowSet::All,
            ExportScope::Valid => RowSet::Valid,
            ExportScope::Invalid => RowSet::Invalid,
        };
        View {
            rows,
            ..View::default()
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ExportReport {
    #[ts(type = "number")]
    pub rows: u64,
    pub path: String,
}

/// The export request from the export panel.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ExportRequest {
    pub event: String,
    pub view: View,
    pub scope: ExportScope,
    /// `.csv`, `.parquet` or `.xlsx`; the extension picks the format.
    pub path: String,
    /// Also write `_row`, `_part` and `_valid`.
    pub meta: bool,
    /// Write every value exactly as it was sent (text), not the typed columns.
    #[serde(default)]
    pub as_sent: bool,
    /// Export an import that still lacks parts.
    pub allow_incomplete: bool,
    /// Add an `_errors` column with each row's configuration errors.
    #[serde(default)]
    pub with_errors: bool,
    /// Replace the file when it exists (else the export is refused with `exists`).
    #[serde(default)]
    pub overwrite: bool,
}

#[tauri::command]
pub async fn export_rows<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: ExportRequest,
) -> IpcResult<ExportReport> {
    let documents = app.path().document_dir().ok();
    let home = app.path().home_dir().ok();
    let path = export_target(&request.path, documents.or(home.clone()), home)?;
    if !request.overwrite && path.exists() {
        return Err(IpcError::new(
            "exists",
            format!("{} already exists", path.display()),
        ));
    }
    blocking(&state, move |h| {
        let batch = h.resolve(&request.event)?;
        let view = request.scope.view(request.view);
        let settings = ExportSettings {
            meta: request.meta,
            as_sent: request.as_sent,
            allow_incomplete: request.allow_incomplete,
            with_errors: request.with_errors,
        };
        let rows = h.export(&batch, &view, &path, settings)?;
        Ok(ExportReport {
            rows,
            path: path.to_string_lossy().into_owned(),
        })
    })
    .await
}

/// Where an export goes: an absolute path as given, `~/…` under the home folder, and a bare
/// name or other relative path under `documents`, never the app's working directory, which
/// the user never sees.
fn export_target(
    path: &str,
    documents: Option<PathBuf>,
    home: Option<PathBuf>,
) -> IpcResult<PathBuf> {
    let path = path.trim();
    let given = PathBuf::from(path);
    if given.is_absolute() {
        return Ok(given);
    }
    let (base, rest) = match path.strip_prefix("~/") {
        Some(rest) => (home, rest),
        None => (documents, path),
    };
    base.map(|b| b.join(rest)).ok_or_else(|| {
        IpcError::new(
            "bad_request",
            format!("{path} is not a full path: give the folder too, or use Choose…"),
        )
    })
}

/// The native save dialog; `None` when the user cancels.
#[tauri::command]
pub async fn choose_export_path<R: Runtime>(
    app: AppHandle<R>,
    suggested: String,
) -> IpcResult<Option<String>> {
    let chosen = app
        .dialog()
        .file()
        .set_title("Export rows")
        .add_filter("CSV", &["csv"])
        .add_filter("Parquet", &["parquet"])
        .add_filter("Excel", &["xlsx"])
        .set_file_name(suggested)
        .blocking_save_file();
    match chosen.map(|p| p.into_path()) {
        None => Ok(None),
        Some(Ok(path)) => Ok(Some(path.to_string_lossy().into_owned())),
        Some(Err(e)) => Err(IpcError::new("io", format!("cannot use that file: {e}"))),
    }
}

/// Opens the file manager at `path`.
#[tauri::command]
pub async fn show_in_folder(path: String) -> IpcResult<()> {
    tauri_plugin_opener::reveal_item_in_dir(&path)
        .map_err(|e| IpcError::new("io", format!("cannot show {path} in its folder: {e}")))
}

#[tauri::command]
pub async fn connection(state: State<'_, AppState>) -> IpcResult<Connection> {
    Connection::read(&state).await
}

/// Saves the public tunnel URL (blank clears it).
#[tauri::command]
pub async fn set_public_url(state: State<'_, AppState>, url: String) -> IpcResult<Connection> {
    blocking(&state, move |h| h.set_public_url(&url)).await?;
    Connection::read(&state).await
}

/// Saves a new listen address and restarts the listener on it (also: retry after "in use").
#[tauri::command]
pub async fn set_listen_address<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    address: String,
) -> IpcResult<Connection> {
    let settings = blocking(&state, move |h| h.set_listen_address(&address)).await?;
    state
        .listener
        .start(state.hookgrid.clone(), settings.listen())
        .await;
    follow_listener(app, &state).await?;
    Connection::read(&state).await
}

/// Starts the listener again on the address in force (after "port in use" was fixed).
#[tauri::command]
pub async fn restart_listener<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<Connection> {
    let address = state.listen_address()?;
    state.listener.start(state.hookgrid.clone(), &address).await;
    follow_listener(app, &state).await?;
    Connection::read(&state).await
}

/// A running tunnel follows the listener to its new port.
async fn follow_listener<R: Runtime>(app: AppHandle<R>, state: &AppState) -> IpcResult<()> {
    if let (Some(provider), Some(port)) =
        (state.tunnel.provider().await, listener_port(state).await)
    {
        state
            .tunnel
            .start(app, state.hookgrid.clone(), provider, port)
            .await?;
    }
    Ok(())
}

/// The port the listener is bound to, while it runs.
async fn listener_port(state: &AppState) -> Option<u16> {
    match state.listener.status().await {
        crate::listener::ListenerStatus::Running { address, .. } => {
            address.rsplit(':').next().and_then(|p| p.parse().ok())
        }
        _ => None,
    }
}

/// Sets (or, when blank, clears) the signing secret that requests must be signed with.
#[tauri::command]
pub async fn set_signing_secret(
    state: State<'_, AppState>,
    secret: String,
) -> IpcResult<Connection> {
    blocking(&state, move |h| h.set_signing_secret(&secret)).await?;
    Connection::read(&state).await
}

/// Deletes an import (the UI asks the user first).
#[tauri::command]
pub async fn delete_batch(state: State<'_, AppState>, event: String) -> IpcResult<()> {
    blocking(&state, move |h| h.delete_batch(&h.resolve(&event)?)).await
}

/// Deletes every test import ("Send test event" and the tunnel's checks); how many went.
#[tauri::command]
pub async fn delete_test_imports(state: State<'_, AppState>) -> IpcResult<u32> {
    blocking(&state, |h| Ok(h.delete_test_imports()? as u32)).await
}

/// Keeps imports for `days` days (`None`: forever); returns how many were deleted now.
#[tauri::command]
pub async fn set_retention_days(state: State<'_, AppState>, days: Option<u32>) -> IpcResult<u32> {
    blocking(&state, move |h| {
        h.set_retention_days(days).map(|n| n as u32)
    })
    .await
}

/// A new token: the old webhook URL stops working at once.
#[tauri::command]
pub async fn rotate_token(state: State<'_, AppState>) -> IpcResult<Connection> {
    blocking(&state, Hookgrid::rotate_token).await?;
    Connection::read(&state).await
}

/// Posts a small sample import through the webhook URL and reports whether it arrived.
#[tauri::command]
pub async fn send_test_event(state: State<'_, AppState>) -> IpcResult<TestReport> {
    let connection = Connection::read(&state).await?;
    Ok(state.hookgrid.send_test_batch(&connection.base_url).await)
}

/// Starts a tunnel with `provider` to the running listener (stopping one already running);
/// its address becomes the public URL once it prints one.
#[tauri::command]
pub async fn start_tunnel<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: Provider,
) -> IpcResult<Connection> {
    let Some(port) = listener_port(&state).await else {
        return Err(IpcError::new(
            "listen",
            "the listener is not running: start it first (Listener → Apply)",
        ));
    };
    state
        .tunnel
        .start(app, state.hookgrid.clone(), provider, port)
        .await?;
    Connection::read(&state).await
}

/// Saves where a tunnel tool is, for one not on `PATH` (blank forgets it).
#[tauri::command]
pub async fn set_tunnel_path(
    state: State<'_, AppState>,
    provider: Provider,
    path: String,
) -> IpcResult<Connection> {
    blocking(&state, move |h| h.set_tunnel_path(provider, &path)).await?;
    Connection::read(&state).await
}

/// Stops the tunnel and everything it started. The public URL stays as it was.
#[tauri::command]
pub async fn stop_tunnel(state: State<'_, AppState>) -> IpcResult<Connection> {
    state.tunnel.stop().await;
    Connection::read(&state).await
}

#[cfg(test)]
mod export_target_tests {
    use super::*;

    #[test]
    fn a_bare_name_goes_to_documents_and_a_tilde_to_home_never_the_working_directory() {
        let documents = Some(PathBuf::from("/home/ana/Documents"));
        let home = Some(PathBuf::from("/home/ana"));
        let target = |p: &str| export_target(p, documents.clone(), home.clone()).expect(p);
        assert_eq!(target("/tmp/x.csv"), PathBuf::from("/tmp/x.csv"));
        assert_eq!(
            target(" out.xlsx "),
            PathBuf::from("/home/ana/Documents/out.xlsx")
        );
        assert_eq!(
            target("q3/out.csv"),
            PathBuf::from("/home/ana/Documents/q3/out.csv")
        );
        assert_eq!(
            target("~/Desktop/out.csv"),
            PathBuf::from("/home/ana/Desktop/out.csv")
        );
        let nowhere = export_target("out.csv", None, None).expect_err("no base");
        assert!(nowhere.message.contains("not a full path"), "{nowhere:?}");
    }
}
