// What the grid is asked to show, as the `View` the Rust side evaluates with Polars.

import type { ErrorRows } from "./bindings/ErrorRows";
import type { RowSet } from "./bindings/RowSet";
import type { Sort } from "./bindings/Sort";
import type { View } from "./bindings/View";

export interface Filters {
  rows: RowSet;
  search: string;
  /** SQL boolean expression, e.g. `plan = 'team' AND seats > 10`. */
  filter: string;
  /** Only rows that break the configuration (in one column, or any); absent: every row. */
  errors?: ErrorRows;
}

export const noFilters: Filters = { rows: "all", search: "", filter: "" };

/** The view for these filters and the grid's sort. Blank text means "no filter". */
export function toView(f: Filters, sort: Sort | null): View {
  const text = (s: string) => (s.trim() === "" ? null : s.trim());
  const view: View = { rows: f.rows, filter: text(f.filter), search: text(f.search), sort };
  if (f.errors) view.errors = f.errors;
  return view;
}

/** AG Grid's sort model (one column at most) as a `Sort`. */
export function sortFrom(model: { colId: string; sort: "asc" | "desc" }[]): Sort | null {
  const first = model[0];
  return first ? { column: first.colId, descending: first.sort === "desc" } : null;
}

export function sameView(a: View, b: View): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A SQL condition that holds for rows whose `column` equals `value` (`IS NULL` for a missing
 * value, `= ''` for an empty one). Names are quoted, text quotes doubled. */
export function equalsCondition(column: string, value: unknown): string {
  const name = `"${column.replace(/"/g, '""')}"`;
  if (value === null || value === undefined) return `${name} IS NULL`;
  if (typeof value === "number" || typeof value === "boolean") return `${name} = ${String(value)}`;
  return `${name} = '${String(value).replace(/'/g, "''")}'`;
}

/** `filter` narrowed by `condition`. */
export function narrowed(filter: string, condition: string): string {
  return filter.trim() === "" ? condition : `(${filter.trim()}) AND ${condition}`;
}

/** The view in words, for "No rows match …": what narrows it, or null when nothing does. */
export function describe(f: Filters): string | null {
  const parts: string[] = [];
  if (f.rows !== "all") parts.push(`${f.rows} rows`);
  if (f.errors) parts.push(f.errors.column ? `errors in ${f.errors.column}` : "rows with errors");
  if (f.filter.trim() !== "") parts.push(`filter ${f.filter.trim()}`);
  if (f.search.trim() !== "") parts.push(`search “${f.search.trim()}”`);
  return parts.length === 0 ? null : parts.join(" · ");
}
