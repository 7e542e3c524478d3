// The grid's columns: the row number, the status, the errors and the data columns; how a
// cell shows its value (text only: every value may come from a webhook sender, and none is
// ever parsed as HTML), how it is copied, and the search's hits.

import type { ColDef } from "ag-grid-community";
import type { CellProblem } from "./bindings/CellProblem";
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { Flag } from "./bindings/Flag";
import type { StoredCorrection } from "./bindings/StoredCorrection";
import type { GridPage } from "./bindings/GridPage";

/** A row as the grid holds it: the values in `columns` order, then the row's errors (empty
 * when no configuration applies), then its flag (`null` when it has none), then its
 * corrected cells. */
export type Row = unknown[];

/** The errors of a row as the grid holds it (the element after the values). */
export function rowErrors(row: Row | undefined, width: number): CellProblem[] {
  const errors = row?.[width];
  return Array.isArray(errors) ? (errors as CellProblem[]) : [];
}

/** The flag of a row as the grid holds it (after its errors). */
export function rowFlag(row: Row | undefined, width: number): Flag | null {
  const flag = row?.[width + 1];
  return flag !== null && typeof flag === "object" && !Array.isArray(flag) ? (flag as Flag) : null;
}

/** The correction of one cell of a row as the grid holds it, if it was corrected. */
export function rowCorrection(row: Row | undefined, width: number, column: string): StoredCorrection | null {
  const cells = row?.[width + 2];
  if (!Array.isArray(cells)) return null;
  return (cells as StoredCorrection[]).find((c) => c.column === column) ?? null;
}

/** A page's rows with each row's errors, flag and corrections appended, as the grid holds them. */
export function withErrors(page: GridPage): Row[] {
  return page.rows.map((r, i) => [...r, page.errors?.[i] ?? [], page.flags[i] ?? null, page.corrections[i] ?? []]);
}

/** A value as sent, in words for a tooltip: `"Germany "` in quotes, a number as it is. */
export function sentText(sent: unknown): string {
  if (sent === null || sent === undefined) return "missing";
  return typeof sent === "string" ? `“${sent}”` : JSON.stringify(sent);
}

/** What the Errors column says of a row: each failing column once, in order (Flatfile's
 * warnings and notes do not make a row invalid, so they are not named there). */
export function errorsText(problems: CellProblem[]): string {
  return [...new Set(problems.filter((p) => p.level === "error").map((p) => p.column))].join(", ");
}

/** A reason in words for a tooltip: a warning or a note says so, and Flatfile's own say whose. */
export function problemText(p: CellProblem): string {
  const weight = p.level === "warn" ? "Warning: " : p.level === "info" ? "Note: " : "";
  return `${weight}${p.message}${p.source === "flatfile" ? " (Flatfile)" : ""}`;
}

/** How a cell is marked for its reasons: red for an error, amber for a warning, a quiet mark
 * for a note; `null` when it has none. */
export function cellTone(problems: CellProblem[]): "error" | "warn" | "info" | null {
  if (problems.some((p) => p.level === "error")) return "error";
  if (problems.some((p) => p.level === "warn")) return "warn";
  return problems.length > 0 ? "info" : null;
}

/** The status column: an icon and a word, from `_valid`. */
export function statusText(valid: unknown): string {
  if (valid === true) return "✓ valid";
  if (valid === false) return "✕ invalid";
  return "";
}

/** The row-number column's id: the row's place in the import, from 1, kept under any filter
 * or sort (`_row` + 1). */
export const ROW_NUMBER = "#";

/** How a cell shows its value: `null` (the field was missing or null) as "—", `""` (sent
 * empty) as a faint "empty", so the two are never confused. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (value === "") return "empty";
  return String(value);
}

/** `text` with each case-insensitive occurrence of `needle` in a `<mark>`: the search's hits.
 * Text nodes only, as everywhere a sent value is shown. */
export function highlighted(text: string, needle: string | null): (string | HTMLElement)[] {
  const wanted = needle?.trim().toLowerCase() ?? "";
  if (wanted === "") return [text];
  const lower = text.toLowerCase();
  const parts: (string | HTMLElement)[] = [];
  let from = 0;
  for (let at = lower.indexOf(wanted); at >= 0 && wanted.length > 0; at = lower.indexOf(wanted, from)) {
    if (at > from) parts.push(text.slice(from, at));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + wanted.length);
    parts.push(mark);
    from = at + wanted.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/** The first of `columns` (ids, in display order) whose value contains `needle` in any of
 * `rows`: where the search's first hit is. */
export function firstHit(columns: ColumnInfo[], shown: string[], rows: Row[], needle: string | null): string | null {
  const wanted = needle?.trim().toLowerCase() ?? "";
  if (wanted === "") return null;
  for (const id of shown) {
    const at = columns.findIndex((c) => c.name === id);
    if (at < 0 || columns[at]?.meta) continue;
    if (rows.some((r) => r[at] !== null && r[at] !== undefined && String(r[at]).toLowerCase().includes(wanted))) return id;
  }
  return null;
}

/** A cell's text as copied: the value itself (`""` and null both as nothing). */
export function cellText(columns: ColumnInfo[], column: string, row: Row): string {
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  if (column === ROW_NUMBER) {
    const n = row[at("_row")];
    return typeof n === "number" ? String(n + 1) : "";
  }
  if (column === "_valid") return statusText(row[at("_valid")]).replace(/^[✓✕] /, "");
  if (column === "_errors") return errorsText(rowErrors(row, columns.length));
  const value = row[at(column)];
  return value === null || value === undefined ? "" : String(value);
}

/** What the reviewer changed of the columns: hidden ones and ones pinned to the left. */
export interface ColumnLayout {
  hidden: Set<string>;
  pinned: Set<string>;
}

/** Column definitions for a batch's columns; with `explained`, cells that break a rule of the
 * configuration are marked and an Errors column names them. */
export function columnDefs(
  columns: ColumnInfo[],
  showMeta: boolean,
  explained = false,
  layout: ColumnLayout = { hidden: new Set(), pinned: new Set() },
  labels: Map<string, string> = new Map(),
): ColDef<Row>[] {
  const width = columns.length;
  const problemsIn = (row: Row | undefined, column: string) => rowErrors(row, width).filter((p) => p.column === column);
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  const valid = at("_valid");
  const rowAt = at("_row");
  const number: ColDef<Row> = {
    colId: ROW_NUMBER,
    headerName: "#",
    headerTooltip: "The row's place in the import, from 1. Click to pick the row; Shift+click to pick more",
    pinned: "left",
    width: 84,
    sortable: false,
    type: "rightAligned",
    valueGetter: (p) => (p.data && typeof p.data[rowAt] === "number" ? (p.data[rowAt] as number) + 1 : null),
    // A flagged row's number carries a flag; its note shows on hover.
    valueFormatter: (p) => (typeof p.value === "number" ? `${rowFlag(p.data, width) ? "⚑ " : ""}${p.value.toLocaleString("en-US")}` : ""),
    tooltipValueGetter: (p) => {
      const flag = rowFlag(p.data, width);
      return flag === null ? null : `Flagged by ${flag.by}: ${flag.note}`;
    },
    cellClassRules: { "cell-flagged": (p) => rowFlag(p.data, width) !== null },
    cellClass: "cell-number",
  };
  const status: ColDef<Row> = {
    colId: "_valid",
    headerName: "Status",
    pinned: "left",
    width: 110,
    valueGetter: (p) => (p.data ? statusText(p.data[valid]) : ""),
    cellClass: (p) => (p.data?.[valid] === false ? "cell-status invalid" : "cell-status valid"),
  };
  const errors: ColDef<Row> = {
    colId: "_errors",
    headerName: "Errors",
    headerTooltip: "The columns of the row that break a rule of the importer configuration",
    pinned: "left",
    width: 140,
    valueGetter: (p) => errorsText(rowErrors(p.data, width)),
    tooltipValueGetter: (p) => rowErrors(p.data, width).map((e) => `${e.column}: ${problemText(e)}`).join("\n") || null,
    cellClass: "cell-errors",
  };
  const data = columns.flatMap((c, i): ColDef<Row>[] => {
    // `_valid` is shown by the status column.
    if (c.name === "_valid") return [];
    const numeric = c.kind === "int" || c.kind === "float" || c.kind === "decimal";
    return [{
      colId: c.name,
      // A sheet's field shows its label; its key is what filters, the CLI and exports use.
      headerName: labels.get(c.name) ?? c.name,
      headerTooltip: labels.has(c.name) ? `${labels.get(c.name) ?? ""}: field ${c.name} (${c.kind})` : `${c.name} (${c.kind})`,
      hide: (c.meta && !showMeta) || layout.hidden.has(c.name),
      pinned: c.meta || layout.pinned.has(c.name) ? "left" : null,
      width: c.meta ? 90 : numeric ? 110 : 170,
      type: numeric ? "rightAligned" : undefined,
      valueGetter: (p) => p.data?.[i],
      valueFormatter: (p) => (p.data === undefined ? "" : shownValue(p.value)),
      // The search's hits are marked in the text (the needle comes in the grid's context).
      cellRenderer: (p: { valueFormatted: string | null; value: unknown; context?: { needle?: string | null } }) => {
        const span = document.createElement("span");
        const text = p.valueFormatted ?? "";
        const isValue = p.value !== null && p.value !== undefined && p.value !== "";
        for (const part of highlighted(text, isValue ? (p.context?.needle ?? null) : null)) span.append(part);
        return span;
      },
      tooltipValueGetter: (p) => {
        const problems = problemsIn(p.data, c.name).map(problemText);
        const corrected = rowCorrection(p.data, width, c.name);
        if (corrected !== null) problems.push(`Corrected by ${corrected.by}; sent: ${sentText(corrected.sent)}`);
        if (problems.length > 0) return problems.join("\n");
        return typeof p.value === "string" && p.value.length > 24 ? p.value : null;
      },
      cellClassRules: {
        "cell-corrected": (p) => rowCorrection(p.data, width, c.name) !== null,
        "cell-error": (p) => cellTone(problemsIn(p.data, c.name)) === "error",
        "cell-warn": (p) => cellTone(problemsIn(p.data, c.name)) === "warn",
        "cell-info": (p) => cellTone(problemsIn(p.data, c.name)) === "info",
        "cell-missing": (p) => p.data !== undefined && (p.value === null || p.value === undefined),
        "cell-empty": (p) => p.value === "",
      },
    }];
  });
  return explained ? [number, status, errors, ...data] : [number, status, ...data];
}
