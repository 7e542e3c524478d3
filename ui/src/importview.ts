// One open import: its header, the filters, the counts and the grid.

import type { IGetRowsParams } from "ag-grid-community";
import { type Api, CommandError } from "./api";
import type { Batch } from "./bindings/Batch";
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { GridPage } from "./bindings/GridPage";
import type { RowSet } from "./bindings/RowSet";
import type { Sort } from "./bindings/Sort";
import type { View } from "./bindings/View";
import { DetailsPanel } from "./details";
import { ErrorsPanel } from "./errors";
import { h, replace } from "./dom";
import { gate, may } from "./session";
import { type Filters, describe, noFilters, sameView, sortFrom, toView, valuesOf, withValues } from "./filters";
import { ColumnTools, LISTED_VALUES, filterChips } from "./columntools";
import { badge, count, received, rows } from "./format";
import { problemText, type Row, rowErrors, withErrors } from "./columns";
import { BLOCK, Grid, datasource } from "./grid";
import { RowActions } from "./rowactions";
import { ReviewControl } from "./review";
import { findAndReplace, foundText } from "./replacedialog";
import { RowPanel } from "./rowpanel";

/** What an open import asks of the core: its pages, and its details. */
export type ImportApi = Pick<Api, "fetchPage" | "importDetails" | "savePartBody" | "importErrors" | "listConfigs" | "useConfig" | "configUse" | "sentRow" | "columnValues" | "setReview" | "flagRows" | "unflagRows" | "correctCell" | "revertCorrection" | "replaceInColumn">;


/** What a reviewer narrowed an import to, kept for the session when they go elsewhere. */
export interface ImportState {
  filters: Filters;
  sort: Sort | null;
}

export interface ImportViewHooks {
  /** Opens the export panel for this view, which has `viewRows` rows (when counted), with
   * the columns hidden in the grid. */
  export(batch: Batch, view: View, viewRows: number | null, hidden: string[]): void;
  /** Deletes the import, after asking. */
  remove(batch: Batch): void;
  /** Opens the importer configurations, to attach one. */
  configure(): void;
  /** Opens another import (an earlier revision), by event id. */
  openEvent?(event: string): void;
}

export class ImportView {
  readonly root: HTMLElement;
  private batch: Batch;
  /** The filters of the view shown. */
  private filters: Filters = { ...noFilters };
  /**
   * The filters last asked for. A change made while another view is still loading builds on
   * this one, so a quick "All", then Escape in the SQL box, then a search keeps all three.
   */
  private wanted: Filters = { ...noFilters };
  private columns: ColumnInfo[] = [];
  private view: View = toView(noFilters, null);
  /** The sort set by clicking a header (the grid reports it with each block request). */
  private sort: Sort | null = null;
  private showMeta = false;
  private grid: Grid;
  private details: DetailsPanel;
  private errors: ErrorsPanel;
  /** Whether the rows come with their configuration errors (the grid marks them). */
  private explained = false;
  private detailsButton: HTMLButtonElement;
  private title = h("div", { class: "import-title" });
  private review: ReviewControl;
  private flaggedToggle: HTMLInputElement;
  private counts = h("div", { class: "counts", testid: "row-counts", "aria-live": "polite" });
  private error = h("div", { class: "filter-error", testid: "filter-error", role: "alert" });
  /** "No rows match", with the view that said so and a way out. */
  private nothing = h("div", { class: "no-rows", testid: "no-rows", hidden: true });
  /** A revision sent again starts without the earlier one's corrections: says so. */
  private earlier = h("p", { class: "hint earlier-corrections", testid: "earlier-corrections", hidden: true });
  /**
   * The clicked row's errors, in the counts line: a line of its own above the grid moved the
   * grid under the pointer with each click, so a double-click opened the row above.
   */
  private rowStrip = h("span", { class: "row-errors", testid: "row-errors", "aria-live": "polite" });
  private actions: RowActions;
  private rowPanel: RowPanel;
  private tools: ColumnTools;
  /** The value filters and hidden columns, each with a way to undo it. */
  private chips = h("div", { class: "chips", testid: "filter-chips" });
  /** Rows in the current view. */
  private total = 0;
  private search: HTMLInputElement;
  private sql: HTMLInputElement;
  private rowButtons = new Map<RowSet, HTMLButtonElement>();
  private searchTimer: number | undefined;
  /** Bumped per applied view: answers to an older view are ignored. */
  private generation = 0;

  constructor(
    batch: Batch,
    private api: ImportApi,
    private hooks: ImportViewHooks,
    /** Where the reviewer left this import earlier in the session. */
    kept?: ImportState,
  ) {
    this.batch = batch;
    if (kept) {
      this.filters = kept.filters;
      this.wanted = kept.filters;
      this.sort = kept.sort;
    }
    this.search = h("input", {
      type: "search",
      class: "search",
      placeholder: "Search all columns  (Ctrl+F)",
      "aria-label": "Search all columns",
      testid: "search",
      oninput: () => this.onSearchInput(),
    });
    this.sql = h("input", {
      type: "text",
      class: "sql",
      placeholder: "SQL filter, e.g. plan = 'team' AND seats > 10   (Enter to apply)",
      title: "A SQL condition over the columns, e.g. plan = 'team' AND seats > 10. Cells sent empty: email = ''. Missing ones: email IS NULL. Names with spaces in double quotes: \"first name\".",
      "aria-label": "SQL filter",
      spellcheck: "false",
      testid: "sql-filter",
      onkeydown: (e: Event) => {
        const key = (e as KeyboardEvent).key;
        if (key === "Enter") void this.apply({ ...this.wanted, filter: this.sql.value });
        if (key === "Escape") {
          this.sql.value = "";
          void this.apply({ ...this.wanted, filter: "" });
        }
      },
    });
    this.search.value = this.filters.search;
    this.sql.value = this.filters.filter;
    const rowsToggle = h("div", { class: "segmented", role: "group", "aria-label": "Rows" });
    for (const [set, label] of [
      ["all", "All"],
      ["valid", "Valid"],
      ["invalid", "Invalid"],
    ] as [RowSet, string][]) {
      const b = h(
        "button",
        {
          type: "button",
          testid: `rows-${set}`,
          "aria-pressed": set === "all" ? "true" : "false",
          // "All" is every row: it also lets go of a reason narrowing the grid.
          onclick: () => void this.apply(set === "all" ? { ...this.wanted, rows: set, errors: undefined } : { ...this.wanted, rows: set }),
        },
        label,
      );
      this.rowButtons.set(set, b);
      rowsToggle.append(b);
    }
    this.flaggedToggle = h("input", {
      type: "checkbox",
      testid: "show-flagged",
      onchange: () => void this.apply({ ...this.wanted, flagged: this.flaggedToggle.checked || undefined }),
    });
    const metaToggle = h("input", {
      type: "checkbox",
      testid: "show-meta",
      onchange: (e: Event) => {
        this.showMeta = (e.target as HTMLInputElement).checked;
        this.grid.showMeta(this.columns, this.showMeta, this.explained);
      },
    });
    const gridHost = h("div", { class: "grid-host", testid: "grid" });
    this.grid = new Grid(gridHost, {
      focus: (row) => this.showRowErrors(row),
      details: (index) => void this.rowPanel.show(index),
      cursor: (index) => {
        if (this.rowPanel.open && this.rowPanel.index !== index) void this.rowPanel.show(index);
      },
      copy: (withNames) => void this.actions.copySelection(withNames),
      menu: (index, column, row, x, y) => this.actions.openMenu(index, column, row, x, y),
      columnTools: (column, anchor) => this.openTools(column, anchor),
    });
    // A Flatfile Platform sheet's columns are its field keys; the headers show their labels.
    this.grid.setLabels(new Map((batch.workbook?.fields ?? []).filter((f) => f.label !== f.key).map((f) => [f.key, f.label])));
    this.tools = new ColumnTools({
      values: (column) => this.api.columnValues(this.batch.event, toView(withValues(this.filters, column, null), null), column, LISTED_VALUES),
      chosen: (column) => valuesOf(this.filters, column),
      filter: (column, values, kind) => void this.apply(withValues(this.wanted, column, values, kind)),
      hide: (column) => {
        this.grid.setHidden(column, true);
        this.renderChips();
      },
      pin: (column, pinned) => this.grid.setPinned(column, pinned),
      pinned: (column) => this.grid.isPinned(column),
      replace: may("replace_in_column")
        ? (column) =>
            void findAndReplace(this.api, this.batch.event, this.view, column).then((r) => {
              if (r === null) return;
              this.actions.note(`✓ Replaced in ${foundText(r)} of ${column}`);
              this.flagsChanged();
            })
        : undefined,
    });
    this.actions = new RowActions(api, this.grid, {
      event: () => this.batch.event,
      view: () => this.view,
      columns: () => this.columns,
      filterTo: (column, value) => void this.apply(withValues(this.wanted, column, [value], this.kindOf(column))),
      details: (index) => void this.rowPanel.show(index),
      flagsChanged: () => this.flagsChanged(),
    });
    this.rowPanel = new RowPanel(api, batch.event, {
      row: (index) => this.actions.rowAt(index),
      columns: () => this.columns,
      total: () => this.total,
      moved: (index) => this.grid.moveTo(index),
      correct: may("correct_cell") ? (row, column) => void this.actions.correct(row, column) : undefined,
    });
    this.details = new DetailsPanel(api, batch.event);
    this.review = new ReviewControl(api, batch.event);
    this.errors = new ErrorsPanel(api, batch.event, {
      pick: (errors) => void this.apply({ ...this.wanted, errors: errors ?? undefined }),
      attach: () => this.hooks.configure(),
      changed: () => void this.reexplain(),
    });
    this.detailsButton = h(
      "button",
      { type: "button", testid: "details-toggle", "aria-expanded": "false", title: "Who sent this import, its parts, what is missing", onclick: () => void this.toggleDetails() },
      "Details",
    );
    this.root = h(
      "section",
      { class: "import", testid: "import-view" },
      h(
        "header",
        { class: "import-header" },
        this.title,
        h(
          "div",
          { class: "actions" },
          // In the order Tab reaches them: the everyday action first, the destructive one last.
          h("button", { type: "button", class: "primary", testid: "export-open", title: "Export rows (Ctrl+E)", onclick: () => this.openExport() }, "Export…"),
          this.detailsButton,
          gate(h("button", { type: "button", class: "danger", testid: "delete-batch", title: "Delete this import", onclick: () => this.hooks.remove(this.batch) }, "Delete…"), "delete_batch"),
        ),
      ),
      h(
        "div",
        { class: "toolbar" },
        rowsToggle,
        this.search,
        this.sql,
        h("label", { class: "check", title: "Only the rows a reviewer flagged (right-click a row to flag it)" }, this.flaggedToggle, " ⚑ Flagged"),
        h("label", { class: "check", title: "Show the _row and _part columns" }, metaToggle, " _row/_part"),
      ),
      this.chips,
      this.details.root,
      this.errors.root,
      this.error,
      this.earlier,
      this.nothing,
      h("div", { class: "counts-line" }, this.counts, this.rowStrip, this.actions.status),
      h("div", { class: "grid-area" }, gridHost, this.rowPanel.root),
      this.actions.menu.root,
      this.tools.root,
    );
    this.renderTitle();
  }

  /** Back to every row: no row set, filter, search or errors. */
  async clearFilters(): Promise<void> {
    this.search.value = "";
    this.sql.value = "";
    await this.apply({ ...noFilters });
  }

  /** Loads the first page and shows the grid. */
  async open(): Promise<void> {
    this.counts.textContent = "Loading…";
    await Promise.all([this.apply(this.filters), this.errors.load()]);
  }

  /** A configuration was added, changed or given to this import: check the rows again. */
  async reexplain(): Promise<void> {
    await this.errors.load();
    const filters = this.errors.summary ? this.wanted : { ...this.wanted, errors: undefined };
    await this.apply(filters, true);
  }

  get event(): string {
    return this.batch.event;
  }

  /** The filters and sort in use, to come back to. */
  state(): ImportState {
    return { filters: this.filters, sort: this.sort };
  }

  /** Rows were flagged or unflagged (here, or by another reviewer): the marks are drawn
   *  again where the grid is; a view of only flagged rows is read again. */
  flagsChanged(): void {
    if (this.wanted.flagged) void this.apply(this.wanted, true);
    else this.grid.reload();
    // A correction is checked again: the reasons strip counts change, and the clicked row's
    // reasons may be gone.
    void this.errors.load();
    this.showRowErrors(undefined);
    if (this.rowPanel.open && this.rowPanel.index !== null) void this.rowPanel.show(this.rowPanel.index);
  }

  /** The batch changed (a part arrived, or it completed): show the new state. */
  async update(batch: Batch): Promise<void> {
    const grew = batch.parts_received !== this.batch.parts_received || batch.status !== this.batch.status;
    const reviewed = batch.review.at !== this.batch.review.at;
    this.batch = batch;
    this.renderTitle();
    if (grew) await Promise.all([this.apply(this.wanted, true), this.details.load(), this.errors.load()]);
    else if (reviewed) await this.details.load();
  }

  async toggleDetails(): Promise<void> {
    await this.details.toggle();
    this.detailsButton.setAttribute("aria-expanded", String(this.details.open));
  }

  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  openExport(): void {
    const counted = Number(this.counts.dataset.filtered);
    this.hooks.export(this.batch, this.view, this.counts.dataset.filtered === undefined || Number.isNaN(counted) ? null : counted, this.grid.hidden());
  }

  destroy(): void {
    window.clearTimeout(this.searchTimer);
    this.tools.close();
    this.tools.destroy();
    this.actions.destroy();
    this.grid.destroy();
  }

  private onSearchInput(): void {
    window.clearTimeout(this.searchTimer);
    this.searchTimer = window.setTimeout(() => void this.apply({ ...this.wanted, search: this.search.value }), 250);
  }

  /**
   * Checks the view by fetching its first block, then shows it. A view that does not work
   * (a filter that does not parse) leaves the grid as it was and says why under the filter.
   */
  async apply(filters: Filters, force = false): Promise<void> {
    const view = toView(filters, this.sort);
    // Compared with the view asked for last: going back to the shown view while another loads
    // must still drop the other.
    if (!force && sameView(view, toView(this.wanted, this.sort)) && this.columns.length > 0) return;
    const generation = ++this.generation;
    this.wanted = filters;
    let first: GridPage;
    try {
      first = await this.api.fetchPage(this.batch.event, view, 0, BLOCK);
    } catch (e) {
      if (generation !== this.generation) return;
      // The view shown stays, and the next change builds on it.
      this.wanted = this.filters;
      this.showError(e);
      return;
    }
    if (generation !== this.generation) return;
    this.error.textContent = "";
    this.sql.classList.remove("invalid");
    // Another view puts other rows where the clicked one was.
    if (!sameView(view, this.view)) this.showRowErrors(undefined);
    this.filters = filters;
    this.flaggedToggle.checked = filters.flagged === true;
    this.view = view;
    // While a reason narrows the grid, "All" is not what it shows.
    const narrowed = filters.errors !== undefined && filters.errors !== null;
    for (const [set, b] of this.rowButtons) b.setAttribute("aria-pressed", String(set === filters.rows && !(narrowed && set === "all")));
    const explained = first.errors !== null;
    const fresh = this.columns.length === 0 || JSON.stringify(this.columns) !== JSON.stringify(first.columns) || explained !== this.explained;
    this.columns = first.columns;
    this.explained = explained;
    this.errors.select(filters.errors ?? null);
    this.renderCounts(first);
    const source = datasource(
      (v, offset, limit) => this.api.fetchPage(this.batch.event, v, offset, limit),
      (model: IGetRowsParams["sortModel"]) => {
        // Header clicks change the sort; the filters stay.
        this.sort = sortFrom(model);
        const sorted = toView(this.filters, this.sort);
        if (!sameView(sorted, this.view)) this.showRowErrors(undefined);
        this.view = sorted;
        return this.view;
      },
      { view, page: first },
      (p) => {
        if (generation === this.generation) this.renderCounts(p);
      },
      (e) => this.showError(e),
    );
    if (fresh) {
      this.grid.show(first.columns, this.showMeta, source, explained, this.sort);
    } else {
      this.grid.setSource(source);
    }
    this.grid.setSearch(view.search, first.columns, withErrors(first));
    this.grid.setFiltered((filters.values ?? []).map((v) => v.column));
    this.renderChips();
  }

  /** The tools of a column, from its header or its filter's chip. */
  private openTools(column: string, anchor: DOMRect): void {
    void this.tools.show(column, this.kindOf(column), anchor);
  }

  private kindOf(column: string) {
    return this.columns.find((c) => c.name === column)?.kind;
  }

  private renderChips(): void {
    replace(
      this.chips,
      ...filterChips(this.filters.values ?? [], this.grid.hidden(), {
        edit: (column, anchor) => this.openTools(column, anchor),
        clear: (column) => void this.apply(withValues(this.wanted, column, null)),
        showAll: () => {
          this.grid.showAll();
          this.renderChips();
        },
      }),
    );
    this.chips.hidden = this.chips.childElementCount === 0;
  }

  /** Says why the clicked row is invalid (nothing when it breaks no rule). */
  private showRowErrors(row: Row | undefined): void {
    const problems = rowErrors(row, this.columns.length);
    if (!this.explained || row === undefined || problems.length === 0) {
      replace(this.rowStrip);
      this.rowStrip.removeAttribute("title");
      return;
    }
    const at = this.columns.findIndex((c) => c.name === "_row");
    const n = typeof row[at] === "number" ? (row[at] as number) + 1 : null;
    replace(
      this.rowStrip,
      h("strong", {}, n === null ? "This row: " : `Row ${count(n)}: `),
      ...problems.flatMap((p, i) => [i > 0 ? " · " : "", h("b", {}, p.column), ` ${problemText(p)}`]),
    );
    // One line however many cells fail; the whole list on hover.
    this.rowStrip.title = problems.map((p) => `${p.column}: ${problemText(p)}`).join("\n");
  }

  private showError(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof CommandError ? e.code : "internal";
    if (code === "bad_filter" || code === "unknown_column") {
      this.sql.classList.add("invalid");
      this.error.textContent = `${message}. The grid still shows the last view that worked. (Cells sent empty: col = ''; missing ones: col IS NULL.)`;
    } else {
      this.error.textContent = `Could not load rows: ${message}`;
    }
  }

  private renderCounts(p: GridPage): void {
    this.total = p.total;
    this.grid.setTotal(p.total);
    const narrowedBy = describe(this.filters);
    this.nothing.hidden = !(p.total === 0 && p.batch_rows > 0 && narrowedBy !== null);
    if (!this.nothing.hidden) {
      replace(
        this.nothing,
        `No rows match ${narrowedBy}. `,
        h("button", { type: "button", class: "link", testid: "no-rows-clear", onclick: () => void this.clearFilters() }, "Clear the filters"),
      );
    }
    const matched = p.total === p.batch_rows ? `${rows(p.batch_rows)}` : `${count(p.total)} of ${rows(p.batch_rows)} match`;
    const shown = p.corrected_cells === 0 ? matched : `${matched} · ${count(p.corrected_cells)} corrected ${p.corrected_cells === 1 ? "cell" : "cells"}`;
    const earlier = p.earlier_corrections;
    this.earlier.hidden = earlier === null;
    if (earlier !== null) {
      replace(
        this.earlier,
        `This revision starts without corrections: revision ${earlier.revision} has ${count(earlier.cells)} corrected ${earlier.cells === 1 ? "cell" : "cells"}. `,
        this.hooks.openEvent ? h("button", { type: "button", class: "link", testid: "earlier-open", onclick: () => this.hooks.openEvent?.(earlier.event) }, `Open revision ${earlier.revision}`) : null,
      );
    }
    this.counts.dataset.total = String(p.batch_rows);
    this.counts.dataset.filtered = String(p.total);
    replace(this.counts, shown);
  }

  private renderTitle(): void {
    const b = this.batch;
    const tag = badge(b);
    replace(
      this.title,
      // A Flatfile Platform sheet is known by its name; its id is the batch.
      h("h1", { title: b.batch }, b.workbook ? `Sheet ${b.workbook.sheet}` : `Batch ${b.batch}`),
      h(
        "div",
        { class: "meta" },
        h("span", { class: `badge ${tag.tone}`, title: tag.title, testid: "import-status" }, tag.label),
        h("span", {}, b.workbook ? `sheet ${b.batch}` : b.schema === null ? "no schema" : `schema ${b.schema}`),
        h("span", {}, `received ${received(b.first_received)}`),
        // The two counts are read together: they wrap as one.
        h("span", { class: "counts" }, h("span", { class: "valid-count" }, `${count(b.valid)} valid`), " · ", h("span", { class: "invalid-count" }, `${count(b.invalid)} invalid`)),
        b.revision > 1 ? h("span", { title: `event ${b.event}` }, `revision ${b.revision}`) : null,
        b.customer_label === null ? null : h("span", { testid: "import-customer" }, b.customer_label),
      ),
      this.review.root,
    );
    this.review.show(b.review);
  }
}
