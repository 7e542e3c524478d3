// The UI's commands: `name: least role, where it runs`. Read by `api.rs` (the facade's
// `COMMANDS`) and by the desktop app's build script (one `allow-<name>` permission each), each
// with its own `commands!` macro, so this is the only list. Adding a command means giving it a
// role here; the role matrix, the capability and the page's `api.ts` are tested against it.
commands! {
    list_batches: Viewer, shared(imports::list_batches);
    import_details: Viewer, shared(imports::import_details);
    sent_row: Viewer, shared(imports::sent_row);
    save_part_body: Viewer, download;
    list_rejected: Viewer, shared(rejected::list_rejected);
    rejected_body: Viewer, shared(rejected::rejected_body);
    retry_rejected: Reviewer, shared(rejected::retry_rejected);
    retry_all_rejected: Reviewer, shared(rejected::retry_all_rejected);
    dismiss_rejected: Reviewer, shared(rejected::dismiss_rejected);
    dismiss_refused_rejected: Reviewer, shared(rejected::dismiss_refused_rejected);
    fetch_page: Viewer, shared(imports::fetch_page);
    column_values: Viewer, shared(imports::column_values);
    close_batch: Viewer, shared(imports::close_batch);
    export_rows: Viewer, download;
    choose_export_path: Viewer, desktop;
    show_in_folder: Viewer, desktop;
    connection: Viewer, shared(settings::connection);
    set_public_url: Admin, shared(settings::set_public_url);
    set_listen_address: Admin, desktop;
    restart_listener: Admin, desktop;
    rotate_token: Admin, shared(settings::rotate_token);
    set_signing_secret: Admin, shared(settings::set_signing_secret);
    import_flatfile: Reviewer, shared(imports::import_flatfile);
    choose_flatfile_file: Reviewer, desktop;
    delete_batch: Admin, shared(imports::delete_batch);
    delete_test_imports: Admin, shared(imports::delete_test_imports);
    set_retention_days: Admin, shared(settings::set_retention_days);
    send_test_event: Admin, shared(settings::send_test_event);
    start_tunnel: Admin, desktop;
    stop_tunnel: Admin, desktop;
    set_tunnel_path: Admin, desktop;
    list_configs: Viewer, shared(configs::list_configs);
    add_config: Reviewer, shared(configs::add_config);
    remove_config: Reviewer, shared(configs::remove_config);
    use_config: Reviewer, shared(configs::use_config);
    import_errors: Viewer, shared(configs::import_errors);
    set_review: Reviewer, shared(decisions::set_review);
    flag_rows: Reviewer, shared(flags::flag_rows);
    unflag_rows: Reviewer, shared(flags::unflag_rows);
    correct_cell: Reviewer, shared(corrections::correct_cell);
    revert_correction: Reviewer, shared(corrections::revert_correction);
    list_corrections: Viewer, shared(corrections::list_corrections);
    replace_in_column: Reviewer, shared(replace::replace_in_column);
    config_use: Viewer, shared(configs::config_use);
    choose_config_file: Reviewer, desktop;
    list_users: Admin, shared(people::list_users);
    add_user: Admin, shared(people::add_user);
    set_user_role: Admin, shared(people::set_user_role);
    reset_user_password: Admin, shared(people::reset_user_password);
    remove_user: Admin, shared(people::remove_user);
    add_user_token: Admin, shared(people::add_user_token);
    revoke_user_token: Admin, shared(people::revoke_user_token);
    list_audit: Admin, shared(people::list_audit);
    team_server: Viewer, desktop;
    connect_team_server: Viewer, desktop;
    disconnect_team_server: Viewer, desktop;
}
