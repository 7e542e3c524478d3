// The commands the page may invoke: read by build.rs (each gets an `allow-…` permission) and
// checked against capabilities/main.json by a test. The handler list in lib.rs names the same.
pub const COMMANDS: &[&str] = &[
    "list_batches",
    "list_rejected",
    "rejected_body",
    "fetch_page",
    "close_batch",
    "export_rows",
    "choose_export_path",
    "show_in_folder",
    "connection",
    "set_public_url",
    "set_listen_address",
    "restart_listener",
    "rotate_token",
    "set_signing_secret",
    "delete_batch",
    "set_retention_days",
    "send_test_event",
];
