//! Why rows are invalid: the importer configurations, and an import's errors under the one
//! that applies to it.

use hookgrid::{ConfigScope, ConfigView, ErrorSummary, Hookgrid};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use super::blocking;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Every configuration, with its fields and validators.
#[tauri::command]
pub async fn list_configs(state: State<'_, AppState>) -> IpcResult<Vec<ConfigView>> {
    blocking(&state, Hookgrid::config_views).await
}

/// Adds a configuration (or replaces the one with that name): for imports with schema id
/// `for_schema`, for every import (`default`), or only for imports it is given to.
#[tauri::command]
pub async fn add_config(
    state: State<'_, AppState>,
    name: String,
    body: String,
    for_schema: Option<i64>,
    default: bool,
) -> IpcResult<ConfigView> {
    let scope = match (for_schema, default) {
        (Some(id), _) => ConfigScope::Schema(id),
        (None, true) => ConfigScope::Default,
        (None, false) => ConfigScope::Chosen,
    };
    blocking(&state, move |h| {
        Ok(h.add_config(&name, body.as_bytes(), Some(scope))?.view())
    })
    .await
}

/// Removes a configuration.
#[tauri::command]
pub async fn remove_config(state: State<'_, AppState>, name: String) -> IpcResult<()> {
    blocking(&state, move |h| h.remove_config(&name)).await
}

/// Gives one import a configuration (`None`: back to the automatic choice).
#[tauri::command]
pub async fn use_config(
    state: State<'_, AppState>,
    event: String,
    name: Option<String>,
) -> IpcResult<()> {
    blocking(&state, move |h| {
        h.use_config(&h.resolve(&event)?, name.as_deref())
    })
    .await
}

/// Why the import's rows are invalid; `None` when no configuration applies.
#[tauri::command]
pub async fn import_errors(
    state: State<'_, AppState>,
    event: String,
) -> IpcResult<Option<ErrorSummary>> {
    blocking(&state, move |h| h.errors(&h.resolve(&event)?)).await
}

/// Asks for a configuration file with the native dialog and returns its text (`None`:
/// cancelled).
#[tauri::command]
pub async fn choose_config_file<R: Runtime>(app: AppHandle<R>) -> IpcResult<Option<String>> {
    let chosen = app
        .dialog()
        .file()
        .set_title("Importer configuration")
        .add_filter("JSON", &["json"])
        .blocking_pick_file();
    let Some(file) = chosen else {
        return Ok(None);
    };
    let path = file
        .into_path()
        .map_err(|e| IpcError::new("io", format!("cannot use that file: {e}")))?;
    std::fs::read_to_string(&path)
        .map(Some)
        .map_err(|e| IpcError::new("io", format!("cannot read {}: {e}", path.display())))
}
