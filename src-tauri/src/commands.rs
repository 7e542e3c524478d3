//! The commands that belong to the desktop: a native file dialog, the file manager, this
//! machine's own listener and tunnel, and writing an export where the user chose. Every other
//! command of the UI is the facade's (`hookgrid::api`, see [`crate::shared`]). Each is a thin
//! call: parse the arguments, call, convert the error. Polars and SQLite work runs on the
//! blocking pool, never on the thread that drives the window.

use std::path::PathBuf;

use hookgrid::api::{ExportReport, ExportRequest};
use hookgrid::connection::tunnel::Provider;
use hookgrid::{Connection, Hookgrid, ListenerStatus};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use crate::team::TeamView;

/// Runs facade work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Hookgrid) -> hookgrid::Result<T> + Send + 'static,
) -> IpcResult<T> {
    let hookgrid = state.hookgrid.clone();
    tauri::async_runtime::spawn_blocking(move || work(&hookgrid))
        .await
        .map_err(|e| IpcError::new("internal", format!("the task failed: {e}")))?
        .map_err(IpcError::from)
}

/// The connection panel's facts, read on the blocking pool (they read the settings file).
async fn connection(state: &AppState) -> IpcResult<Connection> {
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || state.connection())
        .await
        .map_err(|e| IpcError::new("internal", format!("the task failed: {e}")))?
        .map_err(IpcError::from)
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
    let saved = Some(path.to_string_lossy().into_owned());
    if let Some(client) = state.team.client() {
        let args = serde_json::json!({"event": event, "part": part});
        client
            .download("save_part_body", args, &path)
            .await
            .map_err(IpcError::from)?;
        return Ok(saved);
    }
    blocking(&state, move |h| {
        h.save_part_body(&h.resolve(&event)?, part, &path)?;
        Ok(saved)
    })
    .await
}

/// Writes the export where the user chose (see [`export_target`]); from the team server when
/// the app uses one.
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
    let shown = path.to_string_lossy().into_owned();
    if let Some(client) = state.team.client() {
        let rows = client
            .export(&request, &path)
            .await
            .map_err(IpcError::from)?;
        return Ok(ExportReport { rows, path: shown });
    }
    blocking(&state, move |h| {
        let batch = h.resolve(&request.event)?;
        let view = request.scope.view(request.view.clone());
        let rows = h.export(&batch, &view, &path, request.settings())?;
        Ok(ExportReport { rows, path: shown })
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
    connection(&state).await
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
    connection(&state).await
}

/// A running tunnel follows the listener to its new port.
async fn follow_listener<R: Runtime>(app: AppHandle<R>, state: &AppState) -> IpcResult<()> {
    if let (Some(provider), Some(port)) = (state.tunnel.provider().await, listener_port(state)) {
        state
            .tunnel
            .start(app, state.hookgrid.clone(), provider, port)
            .await?;
    }
    Ok(())
}

/// The port the listener is bound to, while it runs.
fn listener_port(state: &AppState) -> Option<u16> {
    match state.listener.status() {
        ListenerStatus::Running { address, .. } => {
            address.rsplit(':').next().and_then(|p| p.parse().ok())
        }
        _ => None,
    }
}

/// Starts a tunnel with `provider` to the running listener (stopping one already running);
/// its address becomes the public URL once it prints one.
#[tauri::command]
pub async fn start_tunnel<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: Provider,
) -> IpcResult<Connection> {
    let Some(port) = listener_port(&state) else {
        return Err(IpcError::new(
            "listen",
            "the listener is not running: start it first (Listener → Apply)",
        ));
    };
    state
        .tunnel
        .start(app, state.hookgrid.clone(), provider, port)
        .await?;
    connection(&state).await
}

/// Saves where a tunnel tool is, for one not on `PATH` (blank forgets it).
#[tauri::command]
pub async fn set_tunnel_path(
    state: State<'_, AppState>,
    provider: Provider,
    path: String,
) -> IpcResult<Connection> {
    blocking(&state, move |h| h.set_tunnel_path(provider, &path)).await?;
    connection(&state).await
}

/// Stops the tunnel and everything it started. The public URL stays as it was.
#[tauri::command]
pub async fn stop_tunnel(state: State<'_, AppState>) -> IpcResult<Connection> {
    state.tunnel.stop().await;
    connection(&state).await
}

/// Asks for a configuration file with the native dialog and returns its text (`None`:
/// cancelled).
#[tauri::command]
pub async fn choose_config_file<R: Runtime>(app: AppHandle<R>) -> IpcResult<Option<String>> {
    pick_json_text(&app, "Importer configuration")
}

/// Asks for a Flatfile file (a workbook, or a records response) with the native dialog and
/// returns its text (`None`: cancelled), for `import_flatfile`.
#[tauri::command]
pub async fn choose_flatfile_file<R: Runtime>(app: AppHandle<R>) -> IpcResult<Option<String>> {
    pick_json_text(&app, "Open a Flatfile file")
}

/// A JSON file the user picks, as text.
fn pick_json_text<R: Runtime>(app: &AppHandle<R>, title: &str) -> IpcResult<Option<String>> {
    let chosen = app
        .dialog()
        .file()
        .set_title(title)
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

/// Which team server the app uses, if any, and how that goes.
#[tauri::command]
pub async fn team_server(state: State<'_, AppState>) -> IpcResult<TeamView> {
    Ok(state.team.view())
}

/// Uses the team server at `url` with API `token` from now on, once the server says who the
/// token is and runs this app's version: this computer's listener and tunnel stop (Flatfile
/// posts to the team server), and the window reads everything again from the server.
#[tauri::command]
pub async fn connect_team_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    url: String,
    token: String,
) -> IpcResult<TeamView> {
    let (client, identity) = crate::team::checked(&url, &token).await?;
    let login = client.login().clone();
    blocking(&state, move |h| h.set_team_login(Some(login))).await?;
    state.tunnel.stop().await;
    state.listener.stop().await;
    state.hookgrid.close_browse(&state.caller.client);
    tracing::info!(
        "using the team server at {} as {}",
        identity.url,
        identity.name
    );
    state.team.connect(&app, client, Some(identity), None);
    Ok(state.team.view())
}

/// Back to this computer's own data: the team server is forgotten (its token too) and this
/// computer's listener starts again.
#[tauri::command]
pub async fn disconnect_team_server<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<TeamView> {
    blocking(&state, |h| h.set_team_login(None)).await?;
    state.team.disconnect(&app);
    let address = state.listen_address()?;
    state.listener.start(state.hookgrid.clone(), &address).await;
    tracing::info!("using this computer's own data again");
    Ok(state.team.view())
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
