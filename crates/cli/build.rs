//! Embeds the UI bundle (`ui/dist`, built by `make ui`) for the review listener to serve: one
//! `include_bytes!` per file, listed in `$OUT_DIR/ui_assets.rs`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let dist = manifest.join("../../ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.join("index.html").is_file() {
        panic!(
            "the UI bundle is missing ({}): run `make ui` (or `make setup`) first; the review \
             listener of `hookgrid serve` embeds it",
            dist.display()
        );
    }
    let mut found = Vec::new();
    files(&dist, &mut found);
    let mut code = String::from(
        "/// The UI bundle, by path under `ui/dist`.\npub static UI: &[(&str, &[u8])] = &[\n",
    );
    for path in &found {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .strip_prefix(&dist)
            .expect("under dist")
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.canonicalize().expect("canonical path")
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("ui_assets.rs");
    std::fs::write(out, code).expect("write ui_assets.rs");
}
