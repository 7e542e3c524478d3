// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// Big imports are parsed, assembled and then let go; mimalloc hands that memory back to the
// system where glibc's allocator keeps most of it, which matters with a million-row import
// open beside it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    hookgrid_desktop::run();
}
