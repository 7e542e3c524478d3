// The UI's one door to Rust: a typed wrapper per command and the event subscriptions, over
// whichever backend the page runs on (Tauri's IPC in the app, HTTP on a team server; see
// backend.ts). Every type here is generated from the Rust side (src/bindings, by ts-rs).

import { type Backend, CommandError, type EventHandlers, tauriBackend } from "./backend";
import type { AddConfigArgs } from "./bindings/AddConfigArgs";
import type { ColumnValuesArgs } from "./bindings/ColumnValuesArgs";
import type { ConfigNameArgs } from "./bindings/ConfigNameArgs";
import type { EventArgs } from "./bindings/EventArgs";
import type { ImportFlatfileArgs } from "./bindings/ImportFlatfileArgs";
import type { SheetReceipt } from "./bindings/SheetReceipt";
import type { ExportRowsArgs } from "./bindings/ExportRowsArgs";
import type { FetchPageArgs } from "./bindings/FetchPageArgs";
import type { ListBatchesArgs } from "./bindings/ListBatchesArgs";
import type { ConfigUse } from "./bindings/ConfigUse";
import type { RejectedArgs } from "./bindings/RejectedArgs";
import type { RetentionArgs } from "./bindings/RetentionArgs";
import type { SecretArgs } from "./bindings/SecretArgs";
import type { SentRowArgs } from "./bindings/SentRowArgs";
import type { SetReviewArgs } from "./bindings/SetReviewArgs";
import type { FlagArgs } from "./bindings/FlagArgs";
import type { Replaced } from "./bindings/Replaced";
import type { ReplaceArgs } from "./bindings/ReplaceArgs";
import type { CorrectArgs } from "./bindings/CorrectArgs";
import type { RevertArgs } from "./bindings/RevertArgs";
import type { StoredCorrection } from "./bindings/StoredCorrection";
import type { Flagged } from "./bindings/Flagged";
import type { ReviewEntry } from "./bindings/ReviewEntry";
import type { ReviewStatus } from "./bindings/ReviewStatus";
import type { UrlArgs } from "./bindings/UrlArgs";
import type { UseConfigArgs } from "./bindings/UseConfigArgs";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { NewUserArgs } from "./bindings/NewUserArgs";
import type { Role } from "./bindings/Role";
import type { Secret } from "./bindings/Secret";
import type { TokenArgs } from "./bindings/TokenArgs";
import type { UserArgs } from "./bindings/UserArgs";
import type { UserView } from "./bindings/UserView";
import type { BatchFilter } from "./bindings/BatchFilter";
import type { BatchPage } from "./bindings/BatchPage";
import type { ColumnValues } from "./bindings/ColumnValues";
import type { CommandName } from "./bindings/commands";
import type { ConfigView } from "./bindings/ConfigView";
import type { Connection } from "./bindings/Connection";
import type { ErrorSummary } from "./bindings/ErrorSummary";
import type { Event } from "./bindings/Event";
import type { ExportReport } from "./bindings/ExportReport";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { GridPage } from "./bindings/GridPage";
import type { ImportDetails } from "./bindings/ImportDetails";
import type { Provider } from "./bindings/Provider";
import type { Quarantined } from "./bindings/Quarantined";
import type { Retried } from "./bindings/Retried";
import type { SentRow } from "./bindings/SentRow";
import type { TeamView } from "./bindings/TeamView";
import type { TestReport } from "./bindings/TestReport";
import type { View } from "./bindings/View";

export { CommandError };

let backend: Backend = tauriBackend;

/** Chooses how the page reaches Rust; called once at start, before anything is asked. */
export function useBackend(b: Backend): void {
  backend = b;
}

/** The backend in use. */
export function currentBackend(): Backend {
  return backend;
}

function call<T>(command: CommandName, args?: Record<string, unknown>): Promise<T> {
  return backend.invoke<T>(command, args);
}

export const api = {
  listBatches: (filter: BatchFilter | null = null, limit: number | null = null) => call<BatchPage>("list_batches", { filter, limit } satisfies ListBatchesArgs),
  importDetails: (event: string) => call<ImportDetails>("import_details", { event } satisfies EventArgs),
  sentRow: (event: string, row: number) => call<SentRow>("sent_row", { event, row } satisfies SentRowArgs),
  savePartBody: (event: string, part: number) => call<string | null>("save_part_body", { event, part }),
  listRejected: () => call<Quarantined[]>("list_rejected"),
  rejectedBody: (id: number) => call<string>("rejected_body", { id } satisfies RejectedArgs),
  retryRejected: (id: number) => call<Retried>("retry_rejected", { id } satisfies RejectedArgs),
  retryAllRejected: () => call<Retried[]>("retry_all_rejected"),
  dismissRejected: (id: number) => call<null>("dismiss_rejected", { id } satisfies RejectedArgs),
  dismissRefusedRejected: () => call<number[]>("dismiss_refused_rejected"),
  fetchPage: (event: string, view: View, offset: number, limit: number) =>
    call<GridPage>("fetch_page", { event, view, offset, limit } satisfies FetchPageArgs),
  columnValues: (event: string, view: View, column: string, limit: number) =>
    call<ColumnValues>("column_values", { event, view, column, limit } satisfies ColumnValuesArgs),
  closeBatch: () => call<void>("close_batch"),
  exportRows: (request: ExportRequest) => call<ExportReport>("export_rows", { request } satisfies ExportRowsArgs),
  chooseExportPath: (suggested: string) => call<string | null>("choose_export_path", { suggested }),
  showInFolder: (path: string) => call<void>("show_in_folder", { path }),
  connection: () => call<Connection>("connection"),
  setPublicUrl: (url: string) => call<Connection>("set_public_url", { url } satisfies UrlArgs),
  setListenAddress: (address: string) => call<Connection>("set_listen_address", { address }),
  restartListener: () => call<Connection>("restart_listener"),
  rotateToken: () => call<Connection>("rotate_token"),
  setSigningSecret: (secret: string) => call<Connection>("set_signing_secret", { secret } satisfies SecretArgs),
  deleteBatch: (event: string) => call<void>("delete_batch", { event } satisfies EventArgs),
  deleteTestImports: () => call<number>("delete_test_imports"),
  setRetentionDays: (days: number | null) => call<number>("set_retention_days", { days } satisfies RetentionArgs),
  sendTestEvent: () => call<TestReport>("send_test_event"),
  startTunnel: (provider: Provider) => call<Connection>("start_tunnel", { provider }),
  stopTunnel: () => call<Connection>("stop_tunnel"),
  setTunnelPath: (provider: Provider, path: string) => call<Connection>("set_tunnel_path", { provider, path }),
  listConfigs: () => call<ConfigView[]>("list_configs"),
  addConfig: (name: string, body: string, forSchema: number | null, isDefault: boolean, forSheet: string | null = null, sendBack = false) =>
    call<ConfigView>("add_config", { name, body, forSchema, default: isDefault, ...(forSheet === null ? {} : { forSheet }), sendBack } satisfies AddConfigArgs),
  removeConfig: (name: string) => call<void>("remove_config", { name } satisfies ConfigNameArgs),
  /** `name` null: the automatic choice; `none`: no configuration at all. */
  useConfig: (event: string, name: string | null, none = false) => call<void>("use_config", { event, name, none } satisfies UseConfigArgs),
  configUse: (event: string) => call<ConfigUse>("config_use", { event } satisfies EventArgs),
  importErrors: (event: string) => call<ErrorSummary | null>("import_errors", { event } satisfies EventArgs),
  correctCell: (event: string, row: number, column: string, value: string) => call<StoredCorrection>("correct_cell", { event, row, column, value } satisfies CorrectArgs),
  revertCorrection: (event: string, id: number) => call<null>("revert_correction", { event, id } satisfies RevertArgs),
  listCorrections: (event: string) => call<StoredCorrection[]>("list_corrections", { event } satisfies EventArgs),
  replaceInColumn: (event: string, view: View, column: string, find: string, replace: string, dryRun: boolean) =>
    call<Replaced>("replace_in_column", { event, view, column, find, replace, dry_run: dryRun } satisfies ReplaceArgs),
  flagRows: (event: string, rows: number[] | null, view: View | null, note: string) => call<Flagged>("flag_rows", { event, rows, view, note } satisfies FlagArgs),
  unflagRows: (event: string, rows: number[] | null, view: View | null) => call<number>("unflag_rows", { event, rows, view, note: null } satisfies FlagArgs),
  setReview: (event: string, status: ReviewStatus, note: string | null) => call<ReviewEntry>("set_review", { event, status, note: note ?? undefined } satisfies SetReviewArgs),
  chooseConfigFile: () => call<string | null>("choose_config_file"),
  chooseFlatfileFile: () => call<string | null>("choose_flatfile_file"),
  importFlatfile: (body: string, sheet: string | null) => call<SheetReceipt[]>("import_flatfile", { body, sheet } satisfies ImportFlatfileArgs),
  listUsers: () => call<UserView[]>("list_users"),
  addUser: (name: string, role: Role) => call<Secret>("add_user", { name, role } satisfies NewUserArgs),
  setUserRole: (name: string, role: Role) => call<void>("set_user_role", { name, role } satisfies NewUserArgs),
  resetUserPassword: (name: string) => call<Secret>("reset_user_password", { name } satisfies UserArgs),
  removeUser: (name: string) => call<void>("remove_user", { name } satisfies UserArgs),
  addUserToken: (name: string, label: string) => call<Secret>("add_user_token", { name, label } satisfies TokenArgs),
  revokeUserToken: (name: string, label: string) => call<void>("revoke_user_token", { name, label } satisfies TokenArgs),
  listAudit: () => call<AuditEntry[]>("list_audit"),
  teamServer: () => call<TeamView>("team_server"),
  connectTeamServer: (url: string, token: string) => call<TeamView>("connect_team_server", { url, token }),
  disconnectTeamServer: () => call<TeamView>("disconnect_team_server"),
};

export type Api = typeof api;

/** Core events, reload requests after missed events, and changes of the app's tunnel. */
export function onCoreEvent(
  handler: (event: Event) => void,
  resync: () => void,
  tunnel: () => void = () => undefined,
  live: (up: boolean) => void = () => undefined,
  team: () => void = () => undefined,
): Promise<() => void> {
  const handlers: EventHandlers = { event: handler, resync, tunnel, live, team };
  return backend.listen(handlers);
}
