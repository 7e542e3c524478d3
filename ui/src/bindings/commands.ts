// Generated from crates/hookgrid/src/api/table.rs by a test (cargo test -p hookgrid); do not edit.
import type { Role } from "./Role";

/** The least role each command needs. */
export const COMMAND_ROLES = {
  list_batches: "viewer",
  import_details: "viewer",
  sent_row: "viewer",
  save_part_body: "viewer",
  list_rejected: "viewer",
  rejected_body: "viewer",
  retry_rejected: "reviewer",
  retry_all_rejected: "reviewer",
  fetch_page: "viewer",
  column_values: "viewer",
  close_batch: "viewer",
  export_rows: "viewer",
  choose_export_path: "viewer",
  show_in_folder: "viewer",
  connection: "viewer",
  set_public_url: "admin",
  set_listen_address: "admin",
  restart_listener: "admin",
  rotate_token: "admin",
  set_signing_secret: "admin",
  delete_batch: "admin",
  delete_test_imports: "admin",
  set_retention_days: "admin",
  send_test_event: "admin",
  start_tunnel: "admin",
  stop_tunnel: "admin",
  set_tunnel_path: "admin",
  list_configs: "viewer",
  add_config: "reviewer",
  remove_config: "reviewer",
  use_config: "reviewer",
  import_errors: "viewer",
  choose_config_file: "reviewer",
  team_server: "viewer",
  connect_team_server: "viewer",
  disconnect_team_server: "viewer",
} as const satisfies Record<string, Role>;

export type CommandName = keyof typeof COMMAND_ROLES;

/** Commands only the desktop app runs (a team server does not serve them). */
export const DESKTOP_ONLY: readonly CommandName[] = [
  "choose_export_path",
  "show_in_folder",
  "set_listen_address",
  "restart_listener",
  "start_tunnel",
  "stop_tunnel",
  "set_tunnel_path",
  "choose_config_file",
  "team_server",
  "connect_team_server",
  "disconnect_team_server",
];
