// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// Big imports are parsed, assembled and then let go; mimalloc hands that memory back to the
// system where glibc's allocator keeps most of it, which matters with a million-row import
// open beside it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The app also guards the tunnels it starts (see `hookgrid_tunnel::guard`).
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if let Some(code) = hookgrid::connection::tunnel::guard::run_if_asked(&args) {
        return code;
    }
    hookgrid_desktop::run();
    std::process::ExitCode::SUCCESS
}
