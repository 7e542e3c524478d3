// How numbers, times and statuses read in the UI.

import type { Batch } from "./bindings/Batch";

const numbers = new Intl.NumberFormat("en-US");

export function count(n: number): string {
  return numbers.format(n);
}

/** "12 rows", "1 row" */
export function rows(n: number): string {
  return `${count(n)} ${n === 1 ? "row" : "rows"}`;
}

/** A size in bytes as people read it: "512 B", "2.0 KB", "340 KB", "1.4 MB". */
export function size(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ${units[unit]}`;
}

/** A body for reading: JSON pretty-printed with two spaces, anything else as it is. */
export function pretty(text: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

/** A batch id short enough for the sidebar. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

/** "14:05:09" today, else "27 Nov 14:05". */
export function received(rfc3339: string, now: Date = new Date()): string {
  const t = new Date(rfc3339);
  if (Number.isNaN(t.getTime())) return rfc3339;
  const time = t.toLocaleTimeString("en-GB", { hour12: false });
  if (t.toDateString() === now.toDateString()) return time;
  const day = t.toLocaleDateString("en-GB", { day: "numeric", month: "short" });
  return `${day} ${time.slice(0, 5)}`;
}

export type BadgeTone = "ok" | "waiting" | "warning";

/** "part 2", "parts 2, 5" */
export function partList(numbers: number[]): string {
  return `${numbers.length === 1 ? "part" : "parts"} ${numbers.join(", ")}`;
}

/** The status badge of a batch: complete, incomplete n of m, or count mismatch. A mismatch
 *  shows as soon as the part arrives, also while parts are still missing. */
export function badge(b: Batch): { label: string; tone: BadgeTone; title: string } {
  const mismatch =
    b.mismatched.length > 0
      ? `${partList(b.mismatched)} ${b.mismatched.length === 1 ? "holds" : "hold"} a different number of rows than Flatfile declared`
      : null;
  if (b.status === "incomplete") {
    const arrived = `${b.parts_received} of ${b.parts_expected} parts have arrived`;
    return {
      label: `incomplete ${b.parts_received} of ${b.parts_expected}${mismatch ? ", count mismatch" : ""}`,
      tone: mismatch ? "warning" : "waiting",
      title: mismatch ? `${arrived}; ${mismatch}` : arrived,
    };
  }
  if (mismatch) {
    return { label: "count mismatch", tone: "warning", title: mismatch };
  }
  return { label: "complete", tone: "ok", title: `All ${b.parts_expected} parts arrived` };
}

/** Newest first: by first part received (a batch keeps its place while parts arrive). */
export function newestFirst<B extends Batch>(batches: B[]): B[] {
  return [...batches].sort(
    (a, b) =>
      b.first_received.localeCompare(a.first_received) || b.event.localeCompare(a.event),
  );
}
