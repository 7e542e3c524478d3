// The import grid: AG Grid's infinite row model, which keeps only the blocks near the
// viewport and asks Rust for each block (`fetch_page`), so a million-row batch scrolls like
// a small one. What its columns show is in columns.ts.

import {
  type ColDef,
  type GridApi,
  type IHeaderParams,
  type IInnerHeaderComponent,
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
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { GridPage } from "./bindings/GridPage";
import type { Sort } from "./bindings/Sort";
import type { View } from "./bindings/View";
import { type ColumnLayout, ROW_NUMBER, type Row, columnDefs, firstHit, withErrors } from "./columns";
import { h } from "./dom";
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

/** The grids' look: one theme object, so every grid in the page shares its styles. */
const THEME = themeQuartz.withPart(colorSchemeVariable).withParams({
  fontSize: 13,
  headerFontWeight: 600,
  rowHeight: 30,
  headerHeight: 34,
});

/**
 * Keeps AG Grid's styles in the page while the app runs. AG Grid removes its stylesheets when
 * the last grid goes and adds them again with the next, so each import opened restyled the
 * whole page; a hidden grid that is never destroyed keeps them.
 */
function keepGridStyles(): void {
  if (document.querySelector("[data-testid=grid-styles]")) return;
  const host = h("div", { hidden: true, "aria-hidden": "true", testid: "grid-styles" });
  document.body.append(host);
  createGrid<Row>(host, { theme: THEME, rowModelType: "infinite" });
}

/** Rows per request: one block of the infinite row model. */
export const BLOCK = 100;

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
  /** A cell got the focus (a click or the keys): its row, for the row's errors. */
  focus(row: Row | undefined): void;
  /** Enter or a double-click on a row: show the whole row. */
  details(index: number): void;
  /** Ctrl+C (with Shift: with the column names). */
  copy(withNames: boolean): void;
  /** The keyboard (or a click) moved to the row at `index`. */
  cursor(index: number): void;
  /** Right-click on a cell. */
  menu(index: number, column: string, row: Row | undefined, x: number, y: number): void;
  /** The button in a column's header: open the column's tools below `anchor`. */
  columnTools(column: string, anchor: DOMRect): void;
}

/** Columns whose header has no tools: the row number, the status and the errors (the Rows
 * buttons and the errors panel narrow by those). */
const WITHOUT_TOOLS = new Set([ROW_NUMBER, "_valid", "_errors"]);

interface HeaderExtras {
  open(column: string, anchor: DOMRect): void;
  /** Whether a value filter narrows the column (its button shows it). */
  filtered(column: string): boolean;
}

/** A data column's header: its name, and a button that opens the column's tools. Inside
 * AG Grid's own header, which keeps sorting, resizing and moving. */
class ColumnHeader implements IInnerHeaderComponent {
  private gui = h("span", { class: "column-header" });

  init(params: IHeaderParams & HeaderExtras): void {
    this.draw(params);
  }

  getGui(): HTMLElement {
    return this.gui;
  }

  refresh(params: IHeaderParams & HeaderExtras): boolean {
    this.draw(params);
    return true;
  }

  private draw(params: IHeaderParams & HeaderExtras): void {
    const column = params.column.getColId();
    const filtered = params.filtered(column);
    const button = h(
      "button",
      {
        type: "button",
        class: filtered ? "column-menu filtered" : "column-menu",
        testid: "column-menu",
        "data-column": column,
        "aria-label": `Values of ${column}, hide or pin it`,
        title: filtered ? "Filtered by value: change or clear" : "Filter by value, count values, hide or pin",
      },
      "▾",
    );
    // The header's own handlers would sort on the click and start a move on the press.
    button.addEventListener("click", (e) => {
      e.stopPropagation();
      params.open(column, button.getBoundingClientRect());
    });
    button.addEventListener("mousedown", (e) => e.stopPropagation());
    this.gui.replaceChildren(h("span", { class: "column-name" }, params.displayName), button);
  }
}

/** A grid narrower than this (px) leaves out its Errors column, so that at the window's
 * smallest size two data columns show beside the row number and status. */
const NARROW_GRID = 700;

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
  /** Hidden and pinned columns, kept when the grid is given its columns again. */
  private layout: ColumnLayout = { hidden: new Set(), pinned: new Set() };
  private filtered = new Set<string>();
  /** The row a double-click's second press opened, so its dblclick does not open it again. */
  private pressedOpen: number | null = null;
  /** Whether the grid is narrower than [`NARROW_GRID`]. */
  private narrow = false;
  /** What the column definitions were last made from. */
  private made: { columns: ColumnInfo[]; showMeta: boolean; explained: boolean } = { columns: [], showMeta: false, explained: false };
  private labels: Map<string, string> = new Map();
  private hooks: Partial<GridHooks>;

  constructor(host: HTMLElement, hooks: Partial<GridHooks> = {}) {
    this.hooks = hooks;
    const invalid = (row: Row | undefined) => row !== undefined && this.validAt >= 0 && row[this.validAt] === false;
    host.addEventListener("keydown", (e) => (this.shift = e.shiftKey), true);
    host.addEventListener("keyup", (e) => (this.shift = e.shiftKey), true);
    host.addEventListener("mousedown", (e) => (this.shift = e.shiftKey), true);
    // A double-click opens the row under the pointer. Counted on the second press, not by
    // the grid's double-click: the first press picks the cell and redraws it, and a
    // double-click whose two clicks land on different nodes never arrives.
    host.addEventListener("mousedown", (e) => {
      if (e.button !== 0 || e.detail !== 2 || e.shiftKey) return;
      const row = (e.target as Element | null)?.closest?.(".ag-row[row-index]");
      const index = Number(row?.getAttribute("row-index"));
      if (!row || !Number.isInteger(index)) return;
      this.pressedOpen = index;
      hooks.details?.(index);
    });
    this.api = createGrid<Row>(host, {
      theme: THEME,
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
      onGridSizeChanged: (e) => {
        const narrow = e.clientWidth < NARROW_GRID;
        if (narrow === this.narrow) return;
        this.narrow = narrow;
        if (this.api.getColumn("_errors")) this.api.setColumnsVisible(["_errors"], !narrow);
      },
      onCellFocused: (e) => {
        const column = typeof e.column === "string" ? e.column : e.column?.getColId();
        if (e.rowIndex === null || e.rowIndex === undefined || column === undefined) return;
        this.pick(e.rowIndex, column, this.shift);
        // On focus, not on click: a click whose cell was redrawn between mouse down and up
        // (the pick above redraws it) never arrives, and the keys move the focus too.
        hooks.focus?.(this.api.getDisplayedRowAtIndex(e.rowIndex)?.data);
        hooks.cursor?.(e.rowIndex);
      },
      // A double-click that does arrive (one whose cell was not redrawn, or one a script
      // sends) opens the row too, unless its second press already did.
      onCellDoubleClicked: (e) => {
        const opened = this.pressedOpen;
        this.pressedOpen = null;
        if (e.rowIndex !== null && e.rowIndex !== opened) hooks.details?.(e.rowIndex);
      },
      onCellClicked: (e) => {
        const column = e.column.getColId();
        if (column === ROW_NUMBER && e.rowIndex !== null) this.pick(e.rowIndex, column, this.shift, true);
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

  show(columns: ColumnInfo[], showMeta: boolean, source: IDatasource, explained = false, sort: Sort | null = null): void {
    this.validAt = columns.findIndex((c) => c.name === "_valid");
    this.selection.clear();
    this.showMeta(columns, showMeta, explained);
    // The sort the view already has (one kept from earlier), shown in its header before the
    // rows are asked for with it.
    this.api.applyColumnState({ state: sort ? [{ colId: sort.column, sort: sort.descending ? "desc" : "asc" }] : [], defaultState: { sort: null } });
    this.api.setGridOption("datasource", source);
  }

  /** The same view read again where the grid is (flags changed): no jump, no lost pick. */
  reload(): void {
    this.api.refreshInfiniteCache();
  }

  /** A new view of the same columns: its rows, and no pick (a pick is positions in a view). */
  setSource(source: IDatasource): void {
    this.selection.clear();
    this.api.setGridOption("datasource", source);
  }

  /** Shows or hides `_row` and `_part` by giving the grid its columns again, which keeps the
   * columns' widths and the scroll position. */
  showMeta(columns: ColumnInfo[], show: boolean, explained = false): void {
    this.made = { columns, showMeta: show, explained };
    this.api.setGridOption("columnDefs", this.decorated(columnDefs(columns, show, explained, this.layout, this.labels)));
  }

  /** The headers to show for columns whose name is a key (a Flatfile Platform sheet's field
   * labels); given before the columns are. */
  setLabels(labels: Map<string, string>): void {
    this.labels = labels;
  }

  /** Hides a column or shows it again. */
  setHidden(column: string, hidden: boolean): void {
    if (hidden) this.layout.hidden.add(column);
    else this.layout.hidden.delete(column);
    this.remake();
  }

  /** Shows every hidden column. */
  showAll(): void {
    this.layout.hidden.clear();
    this.remake();
  }

  /** Pins a column to the left or lets it scroll again. */
  setPinned(column: string, pinned: boolean): void {
    if (pinned) this.layout.pinned.add(column);
    else this.layout.pinned.delete(column);
    this.remake();
  }

  /** Whether a column is pinned; null for `_row` and `_part`, which always are. */
  isPinned(column: string): boolean | null {
    if (this.made.columns.find((c) => c.name === column)?.meta) return null;
    return this.layout.pinned.has(column);
  }

  /** The hidden data columns, in the import's order. */
  hidden(): string[] {
    return this.made.columns.map((c) => c.name).filter((name) => this.layout.hidden.has(name));
  }

  /** Marks the headers of the columns a value filter narrows. */
  setFiltered(columns: string[]): void {
    this.filtered = new Set(columns);
    this.api.refreshHeader();
  }

  private remake(): void {
    const { columns, showMeta, explained } = this.made;
    this.showMeta(columns, showMeta, explained);
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

  /** Keeps AG Grid's styles from now on, and draws a specimen row off screen, then drops it.
   * The first grid drawn pays for the styles and for compiling AG Grid's column, header and
   * row code (about 150 ms here); this moves that out of the first import a user opens. */
  static warmUp(): void {
    keepGridStyles();
    const host = h("div", { "aria-hidden": "true", style: "position: fixed; left: -10000px; top: 0; width: 900px; height: 300px" });
    document.body.append(host);
    const grid = new Grid(host);
    const columns: ColumnInfo[] = [
      { name: "_row", kind: "int", meta: true },
      { name: "_part", kind: "int", meta: true },
      { name: "_valid", kind: "bool", meta: true },
      // Names no import is likely to have: page-wide selectors never meet the specimen.
      { name: "specimen_text", kind: "text", meta: false },
      { name: "specimen_number", kind: "int", meta: false },
    ];
    const row: Row = [0, 1, false, "someone@example", 3, [{ column: "specimen_text", validator: "regex", message: "is not an email" }]];
    const source: IDatasource = {
      rowCount: 1,
      getRows: (params) => {
        params.successCallback([row], 1);
        // Dropped once the frame that draws the row is done.
        requestAnimationFrame(() =>
          setTimeout(() => {
            grid.destroy();
            host.remove();
          }, 0),
        );
      },
    };
    grid.show(columns, false, source, true);
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

  /** Every column marks the cells of the selection; data columns get the tools button. */
  private decorated(defs: ColDef<Row>[]): ColDef<Row>[] {
    const extras: HeaderExtras = {
      open: (column, anchor) => this.hooks.columnTools?.(column, anchor),
      filtered: (column) => this.filtered.has(column),
    };
    return defs.map((d) => ({
      ...d,
      // In a narrow grid the Errors column gives way to the data: the failing cells stay red,
      // and the clicked row's reasons are beside the count.
      ...(d.colId === "_errors" && this.narrow ? { hide: true } : {}),
      headerComponentParams: WITHOUT_TOOLS.has(d.colId ?? "") ? undefined : { innerHeaderComponent: ColumnHeader, innerHeaderComponentParams: extras },
      cellClassRules: {
        ...d.cellClassRules,
        "cell-selected": (p) => p.node.rowIndex !== null && this.selection.has(p.node.rowIndex, d.colId ?? "", this.shown),
      },
    }));
  }
}
