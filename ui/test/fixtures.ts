import type { Batch } from "../src/bindings/Batch";

export function batch(over: Partial<Batch> = {}): Batch {
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
    first_received: "2026-11-27T10:00:00Z",
    last_received: "2026-11-27T10:00:02Z",
    completed_at: "2026-11-27T10:00:02Z",
    ...over,
  };
}
