// The UI's one door to Rust: a typed wrapper per command and the event subscriptions.
// Every type here is generated from the Rust side (src/bindings, by ts-rs).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { BatchFilter } from "./bindings/BatchFilter";
import type { BatchPage } from "./bindings/BatchPage";
import type { ColumnValues } from "./bindings/ColumnValues";
import type { ConfigView } from "./bindings/ConfigView";
import type { Connection } from "./bindings/Connection";
import type { ErrorSummary } from "./bindings/ErrorSummary";
import type { Event } from "./bindings/Event";
import type { ExportReport } from "./bindings/ExportReport";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { GridPage } from "./bindings/GridPage";
import type { ImportDetails } from "./bindings/ImportDetails";
import type { IpcError } from "./bindings/IpcError";
import type { Provider } from "./bindings/Provider";
import type { Quarantined } from "./bindings/Quarantined";
import type { Retried } from "./bindings/Retried";
import type { SentRow } from "./bindings/SentRow";
import type { TestReport } from "./bindings/TestReport";
import type { View } from "./bindings/View";

/** A failed command, with the code the Rust side gave it (`bad_filter`, `io`, …). */
export class CommandError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isIpcError(e)) throw new CommandError(e.code, e.message);
    throw new CommandError("internal", String(e));
  }
}

export const api = {
  listBatches: (filter: BatchFilter | null = null, limit: number | null = null) => call<BatchPage>("list_batches", { filter, limit }),
  importDetails: (event: string) => call<ImportDetails>("import_details", { event }),
  sentRow: (event: string, row: number) => call<SentRow>("sent_row", { event, row }),
  savePartBody: (event: string, part: number) => call<string | null>("save_part_body", { event, part }),
  listRejected: () => call<Quarantined[]>("list_rejected"),
  rejectedBody: (id: number) => call<string>("rejected_body", { id }),
  retryRejected: (id: number) => call<Retried>("retry_rejected", { id }),
  retryAllRejected: () => call<Retried[]>("retry_all_rejected"),
  fetchPage: (event: string, view: View, offset: number, limit: number) =>
    call<GridPage>("fetch_page", { event, view, offset, limit }),
  columnValues: (event: string, view: View, column: string, limit: number) =>
    call<ColumnValues>("column_values", { event, view, column, limit }),
  closeBatch: () => call<void>("close_batch"),
  exportRows: (request: ExportRequest) => call<ExportReport>("export_rows", { request }),
  chooseExportPath: (suggested: string) => call<string | null>("choose_export_path", { suggested }),
  showInFolder: (path: string) => call<void>("show_in_folder", { path }),
  connection: () => call<Connection>("connection"),
  setPublicUrl: (url: string) => call<Connection>("set_public_url", { url }),
  setListenAddress: (address: string) => call<Connection>("set_listen_address", { address }),
  restartListener: () => call<Connection>("restart_listener"),
  rotateToken: () => call<Connection>("rotate_token"),
  setSigningSecret: (secret: string) => call<Connection>("set_signing_secret", { secret }),
  deleteBatch: (event: string) => call<void>("delete_batch", { event }),
  deleteTestImports: () => call<number>("delete_test_imports"),
  setRetentionDays: (days: number | null) => call<number>("set_retention_days", { days }),
  sendTestEvent: () => call<TestReport>("send_test_event"),
  startTunnel: (provider: Provider) => call<Connection>("start_tunnel", { provider }),
  stopTunnel: () => call<Connection>("stop_tunnel"),
  setTunnelPath: (provider: Provider, path: string) => call<Connection>("set_tunnel_path", { provider, path }),
  listConfigs: () => call<ConfigView[]>("list_configs"),
  addConfig: (name: string, body: string, forSchema: number | null, isDefault: boolean) =>
    call<ConfigView>("add_config", { name, body, forSchema, default: isDefault }),
  removeConfig: (name: string) => call<void>("remove_config", { name }),
  useConfig: (event: string, name: string | null) => call<void>("use_config", { event, name }),
  importErrors: (event: string) => call<ErrorSummary | null>("import_errors", { event }),
  chooseConfigFile: () => call<string | null>("choose_config_file"),
};

export type Api = typeof api;

/** Core events (`hookgrid://event`), reload requests after missed events, and changes of
 * the tunnel (`hookgrid://tunnel`). */
export async function onCoreEvent(
  handler: (event: Event) => void,
  resync: () => void,
  tunnel: () => void = () => undefined,
): Promise<UnlistenFn> {
  const a = await listen<Event>("hookgrid://event", (e) => handler(e.payload));
  const b = await listen("hookgrid://resync", () => resync());
  const c = await listen("hookgrid://tunnel", () => tunnel());
  return () => {
    a();
    b();
    c();
  };
}
