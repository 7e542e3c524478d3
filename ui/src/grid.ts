// The import grid: AG Grid's infinite row model, which keeps only the blocks near the
// viewport and asks Rust for each block (`fetch_page`), so a million-row batch scrolls like
// a small one. Values are shown by AG Grid's default renderer, which writes text, never HTML.

import {
  type ColDef,
  type GridApi,
  type IDatasource,
  type IGetRowsParams,
  CellStyleModule,
  InfiniteRowModelModule,
  ModuleRegistry,
  RowStyleModule,
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

ModuleRegistry.registerModules([InfiniteRowModelModule, RowStyleModule, CellStyleModule, TooltipModule]);

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

/** Column definitions for a batch's columns; with `explained`, cells that break a rule of the
 * configuration are marked and an Errors column names them. */
export function columnDefs(columns: ColumnInfo[], showMeta: boolean, explained = false): ColDef<Row>[] {
  const width = columns.length;
  const problemsIn = (row: Row | undefined, column: string) => rowErrors(row, width).filter((p) => p.column === column);
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  const valid = at("_valid");
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
      valueFormatter: (p) => (p.value === null || p.value === undefined ? "" : String(p.value)),
      tooltipValueGetter: (p) => {
        const problems = problemsIn(p.data, c.name);
        if (problems.length > 0) return problems.map((e) => e.message).join("\n");
        return typeof p.value === "string" && p.value.length > 24 ? p.value : null;
      },
      cellClassRules: { "cell-error": (p) => problemsIn(p.data, c.name).length > 0 },
    }];
  });
  return explained ? [status, errors, ...data] : [status, ...data];
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

/** The grid widget itself. */
export class Grid {
  readonly api: GridApi<Row>;
  /** Where `_valid` is in a row, for the row tint. */
  private validAt = -1;

  /** `onFocus` hears of the row a cell was clicked in. */
  constructor(host: HTMLElement, onFocus: (row: Row | undefined) => void = () => undefined) {
    const invalid = (row: Row | undefined) => row !== undefined && this.validAt >= 0 && row[this.validAt] === false;
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
      enableCellTextSelection: true,
      defaultColDef: { sortable: true, resizable: true },
      rowClassRules: {
        "row-invalid": (p) => invalid(p.data),
        "row-valid": (p) => p.data !== undefined && !invalid(p.data),
      },
      overlayNoRowsTemplate: "<span>No rows match this view.</span>",
      overlayLoadingTemplate: "<span>Loading rows…</span>",
      onCellClicked: (e) => onFocus(e.data),
    });
  }

  show(columns: ColumnInfo[], showMeta: boolean, source: IDatasource, explained = false): void {
    this.validAt = columns.findIndex((c) => c.name === "_valid");
    this.api.setGridOption("columnDefs", columnDefs(columns, showMeta, explained));
    this.api.setGridOption("datasource", source);
  }

  showMeta(columns: ColumnInfo[], show: boolean): void {
    this.api.setColumnsVisible(["_row", "_part"].filter((c) => columns.some((x) => x.name === c)), show);
  }

  destroy(): void {
    this.api.destroy();
  }
}

