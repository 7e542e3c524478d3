// The commands the page may invoke are the facade's one list (crates/hookgrid/src/api/
// table.rs): each gets an `allow-…` permission here, and a test checks capabilities/main.json
// grants exactly those.
macro_rules! commands {
    ($($name:ident : $role:ident, $served:ident $(($run:path))?;)*) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}
include!("../crates/hookgrid/src/api/table.rs");

fn main() {
    println!("cargo:rerun-if-changed=../crates/hookgrid/src/api/table.rs");
    // Declaring the app's commands makes each one a permission (`allow-<name>`), so the
    // capability file grants the page exactly these and nothing by default.
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
