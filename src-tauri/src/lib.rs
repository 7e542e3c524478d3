//! Hookgrid's desktop app: the webhook listener, a live batch list and the import grid.
//!
//! A thin shell over the `hookgrid` facade. [`run`] opens the data dir, starts the listener on
//! Tauri's tokio runtime and forwards core events to the window; [`commands`] are what the UI
//! invokes. Nothing here parses payloads, touches SQLite or runs Polars itself.

pub mod commands;
pub mod error;
pub mod events;
pub mod listener;
pub mod shared;
pub mod state;
pub mod team;
pub mod tunnel;
pub mod window;

use hookgrid::Hookgrid;
use tauri::{Manager, RunEvent, Runtime, WindowEvent};

pub use state::{AppState, LISTEN_ENV};

/// Adds the plugins, state and commands to `builder`; generic over the runtime so tests can
/// use the mock runtime. The facade's shared commands go to [`shared::invoke`]; the
/// desktop's own are Tauri commands.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let desktop = desktop_commands::<R>();
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .invoke_handler(move |invoke| {
            if shared::is_shared(invoke.message.command()) {
                shared::invoke(invoke);
                true
            } else {
                desktop(invoke)
            }
        })
}

/// The desktop's own commands (the handler list a test holds against the facade's list).
fn desktop_commands<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        commands::save_part_body,
        commands::export_rows,
        commands::choose_export_path,
        commands::show_in_folder,
        commands::set_listen_address,
        commands::restart_listener,
        commands::start_tunnel,
        commands::stop_tunnel,
        commands::set_tunnel_path,
        commands::choose_config_file,
        commands::choose_flatfile_file,
        commands::team_server,
        commands::connect_team_server,
        commands::disconnect_team_server,
    ]
}

/// Starts the listener, the facade's background work and the event forwarding. Called once
/// the app is set up.
pub fn start<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    let hookgrid = state.hookgrid.clone();
    hookgrid.stop_tunnel_left_behind();
    tauri::async_runtime::spawn(events::forward(
        app.clone(),
        hookgrid.subscribe(),
        state.team.clone(),
    ));
    tauri::async_runtime::spawn(hookgrid.clone().background());
    // Ctrl+C, logging out or `kill`: leave as if the window were closed, so the listener
    // finishes its requests and the worker its files.
    let terminated = app.clone();
    tauri::async_runtime::spawn(async move {
        let asked = hookgrid::connection::server::terminated();
        asked.await;
        terminated.exit(0);
    });
    // A team server kept from last time: used again at once (the window asks which one before
    // it reads anything), checked in the background; this computer's listener stays stopped.
    match hookgrid.team_login() {
        Ok(Some(login)) => match hookgrid::api::client::TeamClient::new(login) {
            Ok(client) => {
                state.team.connect(app, client.clone(), None, None);
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    match client.check().await {
                        Ok(identity) => state.team.connect(&app, client, Some(identity), None),
                        Err(e) => state.team.noticed(&app, &e.into()),
                    }
                });
                return;
            }
            Err(e) => tracing::error!("the team server kept in the settings is not usable: {e}"),
        },
        Ok(None) => {}
        Err(e) => tracing::error!("cannot read the settings: {e}"),
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        // Every page of the ledger read before the listener writes to it.
        let checked = state.hookgrid.clone();
        if let Ok(Err(e)) =
            tauri::async_runtime::spawn_blocking(move || checked.check_before_listening()).await
        {
            let _ = tauri::async_runtime::spawn_blocking(move || cannot_start(&e)).await;
        }
        match state.listen_address() {
            Ok(address) => {
                state.listener.start(state.hookgrid.clone(), &address).await;
            }
            Err(e) => tracing::error!("cannot read the listen address: {e}"),
        }
    });
}

/// Stops the listener (finishing requests in flight) and the batch-file worker.
pub fn stop<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    tauri::async_runtime::block_on(state.tunnel.stop());
    tauri::async_runtime::block_on(state.listener.stop());
    state.hookgrid.close();
}

/// Set to start on an empty (or another) ledger on purpose, as `--accept-empty-ledger` does.
pub const ACCEPT_EMPTY_LEDGER_ENV: &str = "HOOKGRID_ACCEPT_EMPTY_LEDGER";

/// Says in a native message box why the app cannot start, and what to do, then exits: there is
/// no window (yet) to say it in.
fn cannot_start(e: &hookgrid::Error) -> ! {
    let (what, what_to_do) = match e {
        hookgrid::Error::WrongLedger(_) => (
            "this data folder's ledger is not the one it held",
            format!(
                "Nothing was changed. Put this data folder's hookgrid.db back from a backup \
             (hookgrid backup makes them). To start afresh on purpose instead, with no imports, \
             start Hookgrid once with {ACCEPT_EMPTY_LEDGER_ENV}=1."
            ),
        ),
        hookgrid::Error::InUse(_) => (
            "another Hookgrid uses this data folder",
            "Quit the other Hookgrid using this data folder (or stop \
             the hookgrid service), then start this one again; or start Hookgrid with \
             HOOKGRID_DATA_DIR set to another folder."
                .to_owned(),
        ),
        hookgrid::Error::DamagedLedger(_) => (
            "the ledger is damaged",
            format!(
                "Nothing was written to it. Quit anything else using this data folder and put \
             hookgrid.db back from a backup. To start afresh instead, move hookgrid.db aside \
             and start Hookgrid once with {ACCEPT_EMPTY_LEDGER_ENV}=1."
            ),
        ),
        _ => (
            "cannot open the data dir",
            "Hookgrid keeps every import in this folder and must be able to write there. Make \
              it writable or free some space, or start Hookgrid with HOOKGRID_DATA_DIR set to \
              another folder."
                .to_owned(),
        ),
    };
    tracing::error!("cannot start: {what}: {e}");
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("Hookgrid cannot start")
        .set_description(format!("{e}\n\n{what_to_do}"))
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
    std::process::exit(1);
}

/// The app's entry point.
pub fn run() {
    hookgrid::connection::server::init_logging();
    let options = hookgrid::OpenOptions {
        accept_empty_ledger: std::env::var(ACCEPT_EMPTY_LEDGER_ENV)
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes")),
        // The desktop app keeps its own ledger in its data dir.
        database: None,
    };
    let hookgrid = match Hookgrid::open_default(options) {
        Ok(h) => h,
        Err(e) => cannot_start(&e),
    };
    let listen = std::env::var(LISTEN_ENV).ok();
    // A second launch focuses the first: two apps would fight over the port and the data.
    // Registered first, so a second instance exits before anything else starts.
    let single =
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }));
    let app = configure(single, AppState::new(hookgrid, listen))
        .setup(|app| {
            // One listener per data dir (this app, or a `hookgrid serve`), held while the app
            // runs. Here, not before: a second app hands over to the first before this.
            match app.state::<AppState>().hookgrid.lock_listener() {
                Ok(lock) => {
                    app.manage(lock);
                }
                Err(e) => cannot_start(&e),
            }
            if let Some(w) = app.get_webview_window("main") {
                let saved = app.state::<AppState>().hookgrid.settings();
                if let Ok(Some(place)) = saved.map(|s| s.window) {
                    window::restore(&w, place);
                }
            }
            start(app.handle());
            Ok(())
        })
        .on_window_event(|w, event| {
            if let WindowEvent::CloseRequested { .. } = event
                && let Some(w) = w.app_handle().get_webview_window(w.label())
            {
                window::save(&w, &w.state::<AppState>().hookgrid);
            }
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|app, event| {
            if let RunEvent::Exit = event {
                stop(app);
            }
        }),
        Err(e) => {
            tracing::error!("cannot start the app: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests;
