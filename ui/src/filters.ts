// What the grid is asked to show, as the `View` the Rust side evaluates with Polars.

import type { ColumnKind } from "./bindings/ColumnKind";
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
  /** Columns narrowed to some of their values (a column's value list), in the order set. */
  values?: ValueFilter[];
  /** Only rows a reviewer flagged. */
  flagged?: boolean;
}

/** A column narrowed to the rows holding one of `values` (`null`: missing, `""`: empty). */
export interface ValueFilter {
  column: string;
  values: unknown[];
  /** The column's type: a float's whole numbers are written `2.0`, as Polars wants them. */
  kind?: ColumnKind;
}

export const noFilters: Filters = { rows: "all", search: "", filter: "" };

/** The view for these filters and the grid's sort. Blank text means "no filter". Value
 * filters become SQL conditions joined to the typed filter, so the same view runs in the CLI
 * (`--where`). */
export function toView(f: Filters, sort: Sort | null): View {
  const text = (s: string) => (s.trim() === "" ? null : s.trim());
  const conditions = [f.filter.trim(), ...(f.values ?? []).map((v) => valuesCondition(v.column, v.values, v.kind))];
  const view: View = { rows: f.rows, filter: text(allOf(conditions)), search: text(f.search), sort };
  if (f.errors) view.errors = f.errors;
  if (f.flagged) view.flagged = true;
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

/** A column's name as SQL: in double quotes, inner ones doubled. */
function quotedName(column: string): string {
  return `"${column.replace(/"/g, '""')}"`;
}

/** A value as a SQL literal: numbers and booleans bare, anything else as quoted text. A float
 * column's whole numbers keep their `.0`, which JSON dropped on the way here; a decimal
 * column's values come as their text (`"4.90"`) and are numbers all the same. */
function literal(value: unknown, kind?: ColumnKind): string {
  if (typeof value === "number") return kind === "float" && Number.isInteger(value) ? `${value}.0` : String(value);
  if (kind === "decimal" && typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return value;
  if (typeof value === "boolean") return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A SQL condition that holds for rows whose `column` holds one of `values` (`IS NULL` for
 * a missing value, `= ''` for an empty one). */
export function valuesCondition(column: string, values: unknown[], kind?: ColumnKind): string {
  const name = quotedName(column);
  const present = values.filter((v) => v !== null && v !== undefined);
  const parts: string[] = [];
  if (present.length === 1) parts.push(`${name} = ${literal(present[0], kind)}`);
  if (present.length > 1) parts.push(`${name} IN (${present.map((v) => literal(v, kind)).join(", ")})`);
  if (present.length < values.length) parts.push(`${name} IS NULL`);
  return parts.length === 0 ? "false" : parts.join(" OR ");
}

/** Every non-blank condition at once. */
export function allOf(conditions: string[]): string {
  const set = conditions.map((c) => c.trim()).filter((c) => c !== "");
  return set.length <= 1 ? (set[0] ?? "") : set.map((c) => `(${c})`).join(" AND ");
}

/** `filters` with `column` narrowed to `values` (`null`: not narrowed). */
export function withValues(filters: Filters, column: string, values: unknown[] | null, kind?: ColumnKind): Filters {
  const others = (filters.values ?? []).filter((v) => v.column !== column);
  const next = values === null ? others : [...others, { column, values, kind }];
  return { ...filters, values: next.length === 0 ? undefined : next };
}

/** The values `column` is narrowed to, or null. */
export function valuesOf(filters: Filters, column: string): unknown[] | null {
  return filters.values?.find((v) => v.column === column)?.values ?? null;
}

/** The view in words, for "No rows match …": what narrows it, or null when nothing does. */
export function describe(f: Filters): string | null {
  const parts: string[] = [];
  if (f.rows !== "all") parts.push(`${f.rows} rows`);
  if (f.errors) parts.push(f.errors.column ? `errors in ${f.errors.column}` : "rows with errors");
  if (f.flagged) parts.push("flagged rows");
  if (f.filter.trim() !== "") parts.push(`filter ${f.filter.trim()}`);
  for (const v of f.values ?? []) parts.push(`${v.column} ${valuesText(v.values)}`);
  if (f.search.trim() !== "") parts.push(`search “${f.search.trim()}”`);
  return parts.length === 0 ? null : parts.join(" · ");
}

/** A value filter's values in words: `is team`, `is one of team, free, —`. */
export function valuesText(values: unknown[]): string {
  const shown = values.map((v) => (v === null || v === undefined ? "missing" : v === "" ? "empty" : String(v)));
  const listed = shown.length > 5 ? [...shown.slice(0, 5), `${shown.length - 5} more`] : shown;
  return values.length === 1 ? `is ${listed[0]}` : `is one of ${listed.join(", ")}`;
}
