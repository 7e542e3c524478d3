//! The command list itself, and running a command without HTTP.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::{ListenerStatus, Settings, TunnelView};

struct Nowhere;

impl Host for Nowhere {
    fn listener(&self) -> ListenerStatus {
        ListenerStatus::Stopped
    }
    fn listen(&self, settings: &Settings) -> (String, bool) {
        (settings.listen().to_owned(), false)
    }
    fn tunnel(&self) -> Option<TunnelView> {
        None
    }
    fn starts_tunnels(&self) -> bool {
        false
    }
}

fn caller(role: Role) -> Caller {
    Caller {
        name: "ana".into(),
        role,
        client: "test".into(),
    }
}

#[test]
fn every_command_is_named_once_in_snake_case() {
    let mut names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "a command is listed twice");
    for name in names {
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{name}"
        );
        assert_eq!(command(name).map(|c| c.name), Some(name));
    }
    assert!(command("nope").is_none());
}

#[test]
fn a_command_runs_for_a_role_that_may_and_is_refused_before_it_runs_otherwise() {
    let dir = tempfile::tempdir().expect("dir");
    let hookgrid = Arc::new(Hookgrid::open(dir.path()).expect("open"));
    let run_as = |role: Role, name: &str, args: Value| {
        let caller = caller(role);
        let cx = Ctx {
            hookgrid: &hookgrid,
            caller: &caller,
            host: &Nowhere,
        };
        run(&cx, name, args)
    };
    let refused =
        run_as(Role::Reviewer, "set_retention_days", json!({"days": 3})).expect_err("admins only");
    assert_eq!(refused.kind(), "forbidden");
    assert_eq!(
        refused.to_string(),
        "set_retention_days needs the admin role; you are signed in as a reviewer"
    );
    assert_eq!(hookgrid.settings().expect("settings").retention_days, None);
    run_as(Role::Admin, "set_retention_days", json!({"days": 3})).expect("admin");
    assert_eq!(
        hookgrid.settings().expect("settings").retention_days,
        Some(3)
    );

    let page = run_as(Role::Viewer, "list_batches", Value::Null).expect("no arguments");
    assert_eq!(page, json!({"total": 0, "batches": []}));
    let bad = run_as(
        Role::Viewer,
        "sent_row",
        json!({"event": "e", "row": "first"}),
    )
    .expect_err("a row is a number");
    assert_eq!(bad.kind(), "bad_request");
    assert!(bad.to_string().contains("row"), "{bad}");
    let desktop = run_as(Role::Admin, "choose_export_path", json!({})).expect_err("desktop");
    assert_eq!(desktop.kind(), "not_served");
    let unknown = run_as(Role::Admin, "drop_tables", json!({})).expect_err("unknown");
    assert_eq!(unknown.kind(), "not_found");
}

/// The page disables what a role may not do, and hides what only the app does, from this
/// list: written to `ui/src/bindings/commands.ts` with the other generated types (`make test`
/// fails when the committed copy is stale).
#[test]
fn the_command_roles_are_exported_for_the_page() {
    let mut text = String::from(
        "// Generated from crates/hookgrid/src/api/table.rs by a test (cargo test -p hookgrid); \
         do not edit.\nimport type { Role } from \"./Role\";\n\n\
         /** The least role each command needs. */\nexport const COMMAND_ROLES = {\n",
    );
    for c in COMMANDS {
        text.push_str(&format!("  {}: \"{}\",\n", c.name, c.role));
    }
    text.push_str("} as const satisfies Record<string, Role>;\n\n");
    text.push_str("export type CommandName = keyof typeof COMMAND_ROLES;\n\n");
    text.push_str(
        "/** Commands only the desktop app runs (a team server does not serve them). */\n\
         export const DESKTOP_ONLY: readonly CommandName[] = [\n",
    );
    for c in COMMANDS
        .iter()
        .filter(|c| matches!(c.served, Served::Desktop))
    {
        text.push_str(&format!("  \"{}\",\n", c.name));
    }
    text.push_str("];\n");
    let dir = std::env::var("TS_RS_EXPORT_DIR").unwrap_or_else(|_| "ui/src/bindings".to_owned());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    std::fs::create_dir_all(&dir).expect("bindings dir");
    let path = dir.join("commands.ts");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).expect("write commands.ts");
    }
}
