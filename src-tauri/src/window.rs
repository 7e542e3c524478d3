//! The main window opens where it was last closed; its size and place live in the data dir's
//! settings with everything else.

use hookgrid::{Hookgrid, WindowState};
use tauri::{PhysicalPosition, PhysicalSize, Runtime, WebviewWindow};

/// Puts the window where `saved` says, unless that place is on no monitor any more.
pub fn restore<R: Runtime>(window: &WebviewWindow<R>, saved: WindowState) {
    let size = PhysicalSize::new(saved.width.max(600), saved.height.max(400));
    if let Err(e) = window.set_size(size) {
        tracing::debug!("cannot restore the window size: {e}");
    }
    let on_a_monitor = window.available_monitors().is_ok_and(|monitors| {
        monitors.iter().any(|m| {
            let (p, s) = (m.position(), m.size());
            saved.x >= p.x
                && saved.y >= p.y
                && i64::from(saved.x) < i64::from(p.x) + i64::from(s.width)
                && i64::from(saved.y) < i64::from(p.y) + i64::from(s.height)
        })
    });
    if on_a_monitor {
        let _ = window.set_position(PhysicalPosition::new(saved.x, saved.y));
    }
    if saved.maximized {
        let _ = window.maximize();
    }
}

/// The window's current size and place.
pub fn current<R: Runtime>(window: &WebviewWindow<R>) -> Option<WindowState> {
    let size = window.inner_size().ok()?;
    let position = window.outer_position().ok()?;
    Some(WindowState {
        width: size.width,
        height: size.height,
        x: position.x,
        y: position.y,
        maximized: window.is_maximized().unwrap_or(false),
    })
}

/// Saves the window's size and place into the settings.
pub fn save<R: Runtime>(window: &WebviewWindow<R>, hookgrid: &Hookgrid) {
    let Some(state) = current(window) else {
        return;
    };
    if let Err(e) = hookgrid.set_window(state) {
        tracing::warn!("cannot save the window's place: {e}");
    }
}
