import type { TeamView } from "../src/bindings/TeamView";
import type { ListedBatch } from "../src/bindings/ListedBatch";
import type { Connection } from "../src/bindings/Connection";

/** An import as the list reads it (a `Batch` wherever one is asked for). */
export function batch(over: Partial<ListedBatch> = {}): ListedBatch {
  return {
    batch: "batch-1",
    event: "evt-1",
    revision: 1,
    type: "records:all",
    schema: 42,
    status: "complete",
    parts_received: 3,
    parts_expected: 3,
    valid: 2500,
    invalid: 500,
    declared_rows: 3000,
    mismatched_parts: 0,
    mismatched: [],
    customer: null,
    customer_label: null,
    workbook: null,
    first_received: "2026-11-27T10:00:00Z",
    last_received: "2026-11-27T10:00:02Z",
    completed_at: "2026-11-27T10:00:02Z",
    arrived_via: null,
    columns: null,
    config: null,
    review: { status: "new", by: null, at: null, note: null },
    ...over,
  };
}

export function connection(over: Partial<Connection> = {}): Connection {
  return {
    listener: { state: "running", address: "127.0.0.1:8787", loopback: true },
    listen: "127.0.0.1:8787",
    listen_from_env: false,
    local_url: "http://127.0.0.1:8787",
    public_url: null,
    base_url: "http://127.0.0.1:8787",
    webhook_url: "http://127.0.0.1:8787/hooks/tok1",
    token_fingerprint: "ab12cd34",
    signing: false,
    retention_days: null,
    data_dir: "/data",
    version: "0.1.0",
    stale: null,
    wrong_doors: null,
    tunnel: null,
    tools: [
      { provider: "cloudflared", path: "/usr/bin/cloudflared", saved: null, install: "install cloudflared" },
      { provider: "ngrok", path: null, saved: null, install: "install ngrok" },
    ],
    ...over,
  };
}

/** The app on this computer's own data: no team server. */
export function team(over: Partial<TeamView> = {}): TeamView {
  return { url: null, identity: null, problem: null, ...over };
}
