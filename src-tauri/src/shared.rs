//! The facade's commands (`hookgrid::api`, shared with the review listener) invoked over
//! Tauri's IPC. One handler serves them all: it takes the command's name and its JSON
//! arguments from the invoke message and runs [`hookgrid::api::run`] for the person at this
//! machine, on the blocking pool. Tauri has checked the capability before the handler runs.

use hookgrid::api::{Ctx, Served};
use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{Manager, Runtime};

use crate::error::IpcError;
use crate::state::AppState;

/// Whether `command` is one of the facade's shared commands.
pub fn is_shared(command: &str) -> bool {
    hookgrid::api::command(command).is_some_and(|c| matches!(c.served, Served::Shared(_)))
}

/// Runs the shared command of `invoke` and answers it.
pub fn invoke<R: Runtime>(invoke: Invoke<R>) {
    let name = invoke.message.command().to_owned();
    let args = match invoke.message.payload() {
        InvokeBody::Json(args) => args.clone(),
        InvokeBody::Raw(_) => {
            let refused = IpcError::new("bad_request", format!("{name} takes JSON arguments"));
            invoke.resolver.reject(refused);
            return;
        }
    };
    let webview = invoke.message.webview();
    let state = webview.state::<AppState>().inner().clone();
    invoke.resolver.respond_async(async move {
        let outcome = match state.team.client() {
            // On a team server: the same command, the same arguments, over HTTP.
            Some(client) => client.call(&name, args).await.map_err(IpcError::from),
            None => run(state.clone(), name, args).await,
        };
        if let Err(e) = &outcome {
            state.team.noticed(webview.app_handle(), e);
        }
        outcome.map_err(InvokeError::from)
    });
}

/// Runs shared command `name` with `args` here, on the blocking pool.
pub async fn run(state: AppState, name: String, args: Value) -> Result<Value, IpcError> {
    tauri::async_runtime::spawn_blocking(move || {
        let cx = Ctx {
            hookgrid: &state.hookgrid,
            caller: &state.caller,
            host: &state,
        };
        hookgrid::api::run(&cx, &name, args)
    })
    .await
    .map_err(|e| IpcError::new("internal", format!("the task failed: {e}")))?
    .map_err(IpcError::from)
}
