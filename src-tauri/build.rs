include!("src/command_names.rs");

fn main() {
    // Declaring the app's commands makes each one a permission (`allow-<name>`), so the
    // capability file grants the page exactly these and nothing by default.
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
