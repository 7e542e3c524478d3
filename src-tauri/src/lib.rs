//! Hookgrid's desktop app: the webhook listener, a live batch list and the import grid.
//!
//! A thin shell over the `hookgrid` facade. [`run`] opens the data dir, starts the listener on
//! Tauri's tokio runtime and forwards core events to the window; [`commands`] are what the UI
//! invokes. Nothing here parses payloads, touches SQLite or runs Polars itself.

mod command_names;
pub mod commands;
pub mod connection;
pub mod error;
pub mod events;
pub mod listener;
pub mod state;
pub mod tunnel;
pub mod window;

use hookgrid::Hookgrid;
use tauri::{Manager, RunEvent, Runtime, WindowEvent};

pub use command_names::COMMANDS;
pub use state::{AppState, LISTEN_ENV};

/// Adds the plugins, state and commands to `builder`; generic over the runtime so tests can
/// use the mock runtime.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::list_batches,
            commands::import_details,
            commands::sent_row,
            commands::save_part_body,
            commands::list_rejected,
            commands::rejected_body,
            commands::retry_rejected,
            commands::retry_all_rejected,
            commands::fetch_page,
            commands::column_values,
            commands::close_batch,
            commands::export_rows,
            commands::choose_export_path,
            commands::show_in_folder,
            commands::connection,
            commands::set_public_url,
            commands::set_listen_address,
            commands::restart_listener,
            commands::rotate_token,
            commands::set_signing_secret,
            commands::delete_batch,
            commands::delete_test_imports,
            commands::set_retention_days,
            commands::send_test_event,
            commands::start_tunnel,
            commands::stop_tunnel,
            commands::set_tunnel_path,
            commands::reasons::list_configs,
            commands::reasons::add_config,
            commands::reasons::remove_config,
            commands::reasons::use_config,
            commands::reasons::import_errors,
            commands::reasons::choose_config_file,
        ])
}

/// Starts the listener, the facade's background work and the event forwarding. Called once
/// the app is set up.
pub fn start<R: Runtime>(app: &tauri::AppHandle<R>) {
    let state = app.state::<AppState>();
    let hookgrid = state.hookgrid.clone();
    hookgrid.stop_tunnel_left_behind();
    tauri::async_runtime::spawn(events::forward(app.clone(), hookgrid.subscribe()));
    tauri::async_runtime::spawn(hookgrid.background());
    // Ctrl+C, logging out or `kill`: leave as if the window were closed, so the listener
    // finishes its requests and the worker its files.
    let terminated = app.clone();
    tauri::async_runtime::spawn(async move {
        hookgrid::server::terminated().await;
        terminated.exit(0);
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
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
    state.hookgrid.shutdown();
}

/// The app's entry point.
pub fn run() {
    hookgrid::server::init_logging();
    let hookgrid = match Hookgrid::open_default() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("cannot open the data dir: {e}");
            // There is no window yet to say it in: a native message box does.
            rfd::MessageDialog::new()
                .set_level(rfd::MessageLevel::Error)
                .set_title("Hookgrid cannot start")
                .set_description(format!(
                    "{e}\n\nHookgrid keeps every import in this folder and must be able to \
                     write there. Make it writable or free some space, or start Hookgrid with \
                     HOOKGRID_DATA_DIR set to another folder."
                ))
                .set_buttons(rfd::MessageButtons::Ok)
                .show();
            std::process::exit(1);
        }
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
