// The import grid: AG Grid's infinite row model, which keeps only the blocks near the
// viewport and asks Rust for each block (`fetch_page`), so a million-row batch scrolls like
// a small one. Values are shown by AG Grid's default renderer, which writes text, never HTML.

import {
  type ColDef,
  type GridApi,
  type IDatasource,
  type IGetRowsParams,
  CellStyleModule,
  ColumnApiModule,
  InfiniteRowModelModule,
  ModuleRegistry,
  RenderApiModule,
  RowApiModule,
  RowStyleModule,
  ScrollApiModule,
  TooltipModule,
  colorSchemeVariable,
  createGrid,
  themeQuartz,
} from "ag-grid-community";
import type { CellProblem } from "./bindings/CellProblem";
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { GridPage } from "./bindings/GridPage";
import type { View } from "./bindings/View";
import { sameView } from "./filters";
import { type Rect, Selection } from "./selection";

// AG Grid is modular: an API method whose module is not registered does nothing (it only
// warns on the console). These are the ones the grid calls.
ModuleRegistry.registerModules([
  InfiniteRowModelModule,
  RowStyleModule,
  CellStyleModule,
  TooltipModule,
  ColumnApiModule,
  RowApiModule,
  ScrollApiModule,
  RenderApiModule,
]);

/** Rows per request: one block of the infinite row model. */
export const BLOCK = 100;

/** A row as the grid holds it: the values in `columns` order, then (when a configuration
 * applies) the row's errors. */
export type Row = unknown[];

/** The errors of a row as the grid holds it (the element after the values). */
export function rowErrors(row: Row | undefined, width: number): CellProblem[] {
  const errors = row?.[width];
  return Array.isArray(errors) ? (errors as CellProblem[]) : [];
}

/** A page's rows with each row's errors appended, as the grid holds them. */
export function withErrors(page: GridPage): Row[] {
  if (page.errors === null) return page.rows;
  return page.rows.map((r, i) => [...r, page.errors?.[i] ?? []]);
}

/** What the Errors column says of a row: each failing column once, in order. */
export function errorsText(problems: CellProblem[]): string {
  return [...new Set(problems.map((p) => p.column))].join(", ");
}

/** Columns shown by default are the data columns; these are there but out of the way. */

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

/** Column definitions for a batch's columns; with `explained`, cells that break a rule of the
 * configuration are marked and an Errors column names them. */
export function columnDefs(columns: ColumnInfo[], showMeta: boolean, explained = false): ColDef<Row>[] {
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
    valueFormatter: (p) => (typeof p.value === "number" ? p.value.toLocaleString("en-US") : ""),
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
    tooltipValueGetter: (p) => rowErrors(p.data, width).map((e) => `${e.column}: ${e.message}`).join("\n") || null,
    cellClass: "cell-errors",
  };
  const data = columns.flatMap((c, i): ColDef<Row>[] => {
    // `_valid` is shown by the status column.
    if (c.name === "_valid") return [];
    const numeric = c.kind === "int" || c.kind === "float";
    return [{
      colId: c.name,
      headerName: c.name,
      headerTooltip: `${c.name} (${c.kind})`,
      hide: c.meta && !showMeta,
      pinned: c.meta ? "left" : null,
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
        const problems = problemsIn(p.data, c.name);
        if (problems.length > 0) return problems.map((e) => e.message).join("\n");
        return typeof p.value === "string" && p.value.length > 24 ? p.value : null;
      },
      cellClassRules: {
        "cell-error": (p) => problemsIn(p.data, c.name).length > 0,
        "cell-missing": (p) => p.data !== undefined && (p.value === null || p.value === undefined),
        "cell-empty": (p) => p.value === "",
      },
    }];
  });
  return explained ? [number, status, errors, ...data] : [number, status, ...data];
}

/**
 * The datasource for one batch, reading its pages through `fetchPage`. `first` is block 0 of a
 * view, already fetched (opening a batch or applying a filter fetches it to check the view), so
 * it is not asked for twice.
 */
export function datasource(
  fetchPage: (view: View, offset: number, limit: number) => Promise<GridPage>,
  view: (sortModel: IGetRowsParams["sortModel"]) => View,
  first: { view: View; page: GridPage } | null,
  onPage: (page: GridPage) => void,
  onError: (e: unknown) => void,
): IDatasource {
  let seed = first;
  return {
    // Known from the first block: the scrollbar is right from the start.
    rowCount: first?.page.total,
    getRows(params: IGetRowsParams) {
      const wanted = view(params.sortModel);
      const limit = params.endRow - params.startRow;
      const reuse = seed !== null && params.startRow === 0 && sameView(seed.view, wanted);
      const page = reuse && seed ? Promise.resolve(seed.page) : fetchPage(wanted, params.startRow, limit);
      seed = null;
      page.then(
        (p) => {
          onPage(p);
          params.successCallback(withErrors(p), p.total);
        },
        (e) => {
          onError(e);
          params.failCallback();
        },
      );
    },
  };
}

/** What the grid asks of the view it sits in. */
export interface GridHooks {
  /** A cell was clicked: its row (for the row's errors). */
  focus(row: Row | undefined): void;
  /** Enter or a double-click on a row: show the whole row. */
  details(index: number): void;
  /** Ctrl+C (with Shift: with the column names). */
  copy(withNames: boolean): void;
  /** The keyboard (or a click) moved to the row at `index`. */
  cursor(index: number): void;
  /** Right-click on a cell. */
  menu(index: number, column: string, row: Row | undefined, x: number, y: number): void;
}

/** The grid widget itself. */
export class Grid {
  readonly api: GridApi<Row>;
  readonly selection = new Selection();
  /** Where `_valid` is in a row, for the row tint. */
  private validAt = -1;
  /** Column ids in display order, kept for the selection's rectangle. */
  private shown: string[] = [];
  /** Whether Shift is down: arrows and clicks with it stretch the selection. */
  private shift = false;
  private total = 0;
  /** What cell renderers read: the search's needle. */
  private context: { needle: string | null } = { needle: null };

  constructor(host: HTMLElement, hooks: Partial<GridHooks> = {}) {
    const invalid = (row: Row | undefined) => row !== undefined && this.validAt >= 0 && row[this.validAt] === false;
    host.addEventListener("keydown", (e) => (this.shift = e.shiftKey), true);
    host.addEventListener("keyup", (e) => (this.shift = e.shiftKey), true);
    host.addEventListener("mousedown", (e) => (this.shift = e.shiftKey), true);
    this.api = createGrid<Row>(host, {
      theme: themeQuartz.withPart(colorSchemeVariable).withParams({
        fontSize: 13,
        headerFontWeight: 600,
        rowHeight: 30,
        headerHeight: 34,
      }),
      rowModelType: "infinite",
      cacheBlockSize: BLOCK,
      // Blocks kept in memory: enough for fast back-and-forth scrolling, bounded on 1M rows.
      maxBlocksInCache: 60,
      maxConcurrentDatasourceRequests: 2,
      blockLoadDebounceMillis: 30,
      suppressFieldDotNotation: true,
      context: this.context,
      // The grid's own selection and copy stand in for the browser's text selection.
      enableCellTextSelection: false,
      preventDefaultOnContextMenu: true,
      defaultColDef: { sortable: true, resizable: true },
      rowClassRules: {
        "row-invalid": (p) => invalid(p.data),
        "row-valid": (p) => p.data !== undefined && !invalid(p.data),
      },
      overlayNoRowsTemplate: "<span>No rows match this view.</span>",
      overlayLoadingTemplate: "<span>Loading rows…</span>",
      onDisplayedColumnsChanged: () => this.readShown(),
      onCellFocused: (e) => {
        const column = typeof e.column === "string" ? e.column : e.column?.getColId();
        if (e.rowIndex === null || e.rowIndex === undefined || column === undefined) return;
        this.pick(e.rowIndex, column, this.shift);
        hooks.cursor?.(e.rowIndex);
      },
      onCellClicked: (e) => {
        const column = e.column.getColId();
        if (column === ROW_NUMBER && e.rowIndex !== null) this.pick(e.rowIndex, column, this.shift, true);
        hooks.focus?.(e.data);
      },
      onCellDoubleClicked: (e) => {
        if (e.rowIndex !== null) hooks.details?.(e.rowIndex);
      },
      onCellKeyDown: (e) => {
        const key = e.event as KeyboardEvent | null | undefined;
        if (!key || e.rowIndex === null) return;
        const ctrl = key.ctrlKey || key.metaKey;
        if (key.key === "Enter") {
          hooks.details?.(e.rowIndex);
        } else if (ctrl && key.key.toLowerCase() === "c") {
          key.preventDefault();
          hooks.copy?.(key.shiftKey);
        } else if (ctrl && key.key.toLowerCase() === "a") {
          key.preventDefault();
          this.readShown();
          const before = this.selected();
          this.selection.all(this.total, this.shown);
          this.marked(before);
        }
      },
      onCellContextMenu: (e) => {
        const mouse = e.event as MouseEvent | null | undefined;
        if (e.rowIndex === null || !mouse) return;
        const column = e.column.getColId();
        // A right-click inside the selection keeps it; elsewhere it picks the cell.
        if (!this.selection.has(e.rowIndex, column, this.shown)) this.pick(e.rowIndex, column, false);
        hooks.menu?.(e.rowIndex, column, e.data, mouse.clientX, mouse.clientY);
      },
    });
  }

  show(columns: ColumnInfo[], showMeta: boolean, source: IDatasource, explained = false): void {
    this.validAt = columns.findIndex((c) => c.name === "_valid");
    this.selection.clear();
    this.api.setGridOption("columnDefs", this.selectable(columnDefs(columns, showMeta, explained)));
    this.api.setGridOption("datasource", source);
  }

  /** A new view of the same columns: its rows, and no pick (a pick is positions in a view). */
  setSource(source: IDatasource): void {
    this.selection.clear();
    this.api.setGridOption("datasource", source);
  }

  /** Shows or hides `_row` and `_part` by giving the grid its columns again, which keeps the
   * columns' widths and the scroll position. */
  showMeta(columns: ColumnInfo[], show: boolean, explained = false): void {
    this.api.setGridOption("columnDefs", this.selectable(columnDefs(columns, show, explained)));
  }

  /** Marks the search's hits in the cells drawn from now on, and brings the first column
   * with a hit in `rows` into view. */
  setSearch(needle: string | null, columns: ColumnInfo[], rows: Row[]): void {
    this.context.needle = needle;
    this.readShown();
    const hit = firstHit(columns, this.shown, rows, needle);
    if (hit !== null) this.api.ensureColumnVisible(hit, "auto");
  }

  /** The view's row count, for Ctrl+A. */
  setTotal(total: number): void {
    this.total = total;
  }

  /** The selected rectangle over the shown columns. */
  selected(): Rect | null {
    return this.selection.rect(this.shown);
  }

  /** Moves the keyboard to the row at `index` (same column), scrolling it into view. */
  moveTo(index: number): void {
    const column = this.api.getFocusedCell()?.column.getColId() ?? ROW_NUMBER;
    this.api.ensureIndexVisible(index);
    this.api.setFocusedCell(index, column);
  }

  /** The row at a position of the view, when the grid has it loaded. */
  rowAt(index: number): Row | undefined {
    return this.api.getDisplayedRowAtIndex(index)?.data;
  }

  destroy(): void {
    this.api.destroy();
  }

  private pick(row: number, column: string, extend: boolean, wholeRows = false): void {
    this.readShown();
    const before = this.selected();
    this.selection.pick({ row, column }, extend, wholeRows);
    this.marked(before);
  }

  /** Draws the selection: the cells on screen in rows the pick left or reached evaluate
   * their class rules again (every cell on screen would cost a frame at each arrow key). */
  private marked(before: Rect | null): void {
    const first = this.api.getFirstDisplayedRowIndex();
    const last = this.api.getLastDisplayedRowIndex();
    const after = this.selected();
    const rowNodes = [];
    for (let i = first; i <= last; i++) {
      const inside = (r: Rect | null) => r !== null && i >= r.from && i <= r.to;
      if (!inside(before) && !inside(after)) continue;
      const node = this.api.getDisplayedRowAtIndex(i);
      if (node) rowNodes.push(node);
    }
    if (rowNodes.length > 0) this.api.refreshCells({ rowNodes, force: true });
  }

  private readShown(): void {
    // An event queued before the grid was destroyed still arrives, when it has no columns.
    const displayed = this.api.getAllDisplayedColumns() as ReturnType<GridApi<Row>["getAllDisplayedColumns"]> | undefined;
    if (displayed !== undefined) this.shown = displayed.map((c) => c.getColId());
  }

  /** Every column marks the cells of the selection. */
  private selectable(defs: ColDef<Row>[]): ColDef<Row>[] {
    return defs.map((d) => ({
      ...d,
      cellClassRules: {
        ...d.cellClassRules,
        "cell-selected": (p) => p.node.rowIndex !== null && this.selection.has(p.node.rowIndex, d.colId ?? "", this.shown),
      },
    }));
  }
}
