//! The UI bundle embedded in the binary, which `serve --review-listen` serves at `/`: the same
//! page the desktop app shows.

include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));
