// What a reviewer does with the rows of the open view: copy the pick, a cell, a row or a row
// as Flatfile sent it, and the grid's context menu that offers those, "filter to this value"
// and row details.

import type { Api } from "./api";
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { View } from "./bindings/View";
import { h } from "./dom";
import { count, rows } from "./format";
import { ROW_NUMBER, type Row, cellText, rowCorrection, rowFlag, sentText, withErrors } from "./columns";
import { askText } from "./confirm";
import { type CommandName } from "./bindings/commands";
import { may } from "./session";
import { BLOCK, type Grid } from "./grid";
import { ContextMenu, type MenuItem } from "./menu";
import { MAX_COPY_ROWS, copyToClipboard, tsv } from "./selection";

export type RowActionsApi = Pick<Api, "fetchPage" | "sentRow" | "flagRows" | "unflagRows" | "correctCell" | "revertCorrection">;

/** The open view the actions work on. */
export interface OpenView {
  event(): string;
  view(): View;
  columns(): ColumnInfo[];
  /** Narrows the view to rows whose `column` holds `value`. */
  filterTo(column: string, value: unknown): void;
  /** Opens the row details at a position of the view. */
  details(index: number): void;
  /** Rows were flagged or unflagged, or a cell corrected: draw the rows again. */
  flagsChanged(): void;
}

/** Rows fetched per request when a copy reaches rows the grid has not loaded. */
const COPY_PAGE = 5000;

export class RowActions {
  /** What the last copy did. */
  readonly status = h("span", { class: "copy-status", testid: "copy-status", role: "status" });
  readonly menu = new ContextMenu();
  private timer: number | undefined;

  constructor(
    private api: RowActionsApi,
    private grid: Grid,
    private view: OpenView,
  ) {}

  destroy(): void {
    window.clearTimeout(this.timer);
    this.menu.destroy();
  }

  /** The row at a position of the view: from the grid when loaded, else fetched. */
  async rowAt(index: number): Promise<Row | undefined> {
    const held = this.grid.rowAt(index);
    if (held !== undefined) return held;
    const page = await this.api.fetchPage(this.view.event(), this.view.view(), index, 1);
    return withErrors(page)[0];
  }

  /** Rows `from..=to` of the view: the grid's when it has them all, else fetched. */
  private async rowsBetween(from: number, to: number): Promise<Row[]> {
    const held: Row[] = [];
    for (let i = from; i <= to; i++) {
      const row = this.grid.rowAt(i);
      if (row === undefined) break;
      held.push(row);
    }
    if (held.length === to - from + 1) return held;
    const fetched: Row[] = [];
    for (let offset = from; offset <= to; offset += COPY_PAGE) {
      const page = await this.api.fetchPage(this.view.event(), this.view.view(), offset, Math.min(COPY_PAGE, to - offset + 1));
      fetched.push(...withErrors(page));
    }
    return fetched;
  }

  /** Copies the selected cells as tab-separated text (with `withNames`, headed by the column
   * names), ready to paste into a spreadsheet. */
  async copySelection(withNames = false): Promise<void> {
    const rect = this.grid.selected();
    if (rect === null) return;
    const n = rect.to - rect.from + 1;
    if (n > MAX_COPY_ROWS) {
      this.say(`Copy takes at most ${rows(MAX_COPY_ROWS)}; this selection has ${rows(n)}. Export them instead.`);
      return;
    }
    if (n > BLOCK) this.say(`Copying ${rows(n)}…`, false);
    const text = this.rowsBetween(rect.from, rect.to).then((picked) => {
      const lines = picked.map((row) => rect.columns.map((c) => cellText(this.view.columns(), c, row)));
      if (withNames) lines.unshift(rect.columns);
      return tsv(lines);
    });
    await this.copyText(text, `${rows(n)} × ${count(rect.columns.length)} ${rect.columns.length === 1 ? "column" : "columns"}`);
  }

  private async copyText(text: string | Promise<string>, what: string): Promise<void> {
    try {
      await copyToClipboard(text);
      this.say(`✓ Copied ${what}`);
    } catch (e) {
      this.say(`✕ Could not copy: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Says `text` beside the counts for a moment (what another tool of the view did). */
  note(text: string): void {
    this.say(text);
  }

  /** A short note beside the counts: gone after a moment, or (`fades` false) when the next
   * note replaces it. */
  private say(text: string, fades = true): void {
    window.clearTimeout(this.timer);
    this.status.textContent = text;
    if (fades) this.timer = window.setTimeout(() => (this.status.textContent = ""), 4000);
  }

  openMenu(index: number, column: string, row: Row | undefined, x: number, y: number): void {
    if (row === undefined) return;
    const rect = this.grid.selected();
    const many = rect !== null && (rect.to > rect.from || rect.columns.length > 1);
    const at = this.view.columns().findIndex((c) => c.name === column);
    const filterable = at >= 0;
    const rowNumber = row[this.view.columns().findIndex((c) => c.name === "_row")];
    const shown = this.view.columns().filter((c) => !c.meta || c.name === "_valid").map((c) => c.name);
    this.menu.show(x, y, [
      ...(many ? [{ label: "Copy selection", testid: "menu-copy-selection", run: () => void this.copySelection() }] : []),
      { label: "Copy cell", testid: "menu-copy-cell", run: () => void this.copyText(cellText(this.view.columns(), column, row), "the cell") },
      { label: "Copy row", testid: "menu-copy-row", run: () => void this.copyText(tsv([shown.map((c) => cellText(this.view.columns(), c, row))]), "the row") },
      {
        label: "Copy row as JSON (as sent)",
        testid: "menu-copy-json",
        disabled: typeof rowNumber !== "number",
        run: () =>
          void this.copyText(
            this.api.sentRow(this.view.event(), rowNumber as number).then((sent) => sent.json),
            "the row as sent",
          ),
      },
      {
        label: filterable ? `Filter to ${column} = this value` : "Filter to this value",
        testid: "menu-filter",
        disabled: !filterable || column === ROW_NUMBER,
        run: () => this.view.filterTo(column, row[at]),
      },
      { label: "Show row details", testid: "menu-details", run: () => this.view.details(index) },
      ...this.correctItems(column, row),
      ...this.flagItems(row, rect),
    ]);
  }

  /** Correct the clicked cell (a data column), or revert its correction. */
  private correctItems(column: string, row: Row): MenuItem[] {
    const columns = this.view.columns();
    const at = columns.findIndex((c) => c.name === column);
    const rowNumber = row[columns.findIndex((c) => c.name === "_row")];
    if (at < 0 || columns[at]?.meta || typeof rowNumber !== "number") return [];
    const corrected = rowCorrection(row, columns.length, column);
    const correct = gated({ label: `Correct ${column}…`, testid: "menu-correct", run: () => void this.correct(row, column) }, "correct_cell");
    if (corrected === null) return [correct];
    const revert = gated(
      {
        label: "Revert the correction",
        testid: "menu-revert",
        run: () =>
          void this.runEdit(async () => {
            await this.api.revertCorrection(this.view.event(), corrected.id);
            this.say(`✓ ${column} in row ${count(rowNumber + 1)} is as sent again`);
          }),
      },
      "revert_correction",
    );
    return [correct, revert];
  }

  /** Asks for the new value of `column` in `row` (as the grid holds it) and corrects it. */
  async correct(row: Row, column: string): Promise<void> {
    const columns = this.view.columns();
    const rowNumber = row[columns.findIndex((c) => c.name === "_row")];
    if (typeof rowNumber !== "number") return;
    const current = row[columns.findIndex((c) => c.name === column)];
    const corrected = rowCorrection(row, columns.length, column);
    const value = await askText({
      title: `Correct ${column} in row ${count(rowNumber + 1)}`,
      body: `What Flatfile sent stays kept beside the correction${corrected ? ` (sent: ${sentText(corrected.sent)})` : ""}; the row is checked again.`,
      label: "Value",
      action: "Correct",
      value: current === null || current === undefined ? "" : String(current),
      allowEmpty: true,
    });
    if (value === null) return;
    await this.runEdit(async () => {
      await this.api.correctCell(this.view.event(), rowNumber, column, value);
      this.say(`✓ Corrected ${column} in row ${count(rowNumber + 1)}`);
    });
  }

  private async runEdit(action: () => Promise<void>): Promise<void> {
    try {
      await action();
      this.view.flagsChanged();
    } catch (e) {
      this.say(`✕ Not saved: ${e instanceof Error ? e.message : String(e)}`, false);
    }
  }

  /** Flag or unflag the picked rows (or the row clicked), or every row of the view. */
  private flagItems(row: Row, rect: ReturnType<Grid["selected"]>): MenuItem[] {
    const columns = this.view.columns();
    const rowAt = columns.findIndex((c) => c.name === "_row");
    const picked = rect !== null && rect.to > rect.from ? { from: rect.from, to: rect.to } : null;
    const n = picked === null ? 1 : picked.to - picked.from + 1;
    const what = n === 1 ? "row" : `${count(n)} rows`;
    const flagged = rowFlag(row, columns.length) !== null;
    const rowsOf = async (): Promise<number[]> => {
      if (picked === null) return typeof row[rowAt] === "number" ? [row[rowAt] as number] : [];
      return (await this.rowsBetween(picked.from, picked.to)).map((r) => r[rowAt]).filter((v): v is number => typeof v === "number");
    };
    const tooMany = n > MAX_COPY_ROWS;
    return [
      gated({ label: `Flag ${what}…`, testid: "menu-flag", disabled: tooMany, run: () => void this.flag(rowsOf, what) }, "flag_rows"),
      ...(flagged || picked !== null ? [gated({ label: `Unflag ${what}`, testid: "menu-unflag", disabled: tooMany, run: () => void this.unflag(rowsOf, what) }, "unflag_rows")] : []),
      gated({ label: "Flag every row in this view…", testid: "menu-flag-view", run: () => void this.flagView() }, "flag_rows"),
    ];
  }

  private async flag(rowsOf: () => Promise<number[]>, what: string): Promise<void> {
    const note = await askText({ title: `Flag ${what}`, body: "A note for whoever looks next: what to ask the customer or check.", label: "Note", action: "Flag", maxLength: MAX_FLAG_NOTE });
    if (note === null) return;
    await this.run(async () => {
      const done = await this.api.flagRows(this.view.event(), await rowsOf(), null, note);
      this.say(done.kept > 0 ? `⚑ Flagged ${rows(done.flagged)}; ${rows(done.kept)} kept their note (flagged by another reviewer: only an admin changes it)` : `⚑ Flagged ${rows(done.flagged)}`);
    });
  }

  private async unflag(rowsOf: () => Promise<number[]>, what: string): Promise<void> {
    await this.run(async () => {
      const removed = await this.api.unflagRows(this.view.event(), await rowsOf(), null);
      this.say(removed === 0 ? `The ${what} had no flag` : `Unflagged ${rows(removed)}`);
    });
  }

  private async flagView(): Promise<void> {
    const note = await askText({ title: "Flag every row in this view", body: "Every row the grid shows now (its filter, search and reasons) gets this note.", label: "Note", action: "Flag", maxLength: MAX_FLAG_NOTE });
    if (note === null) return;
    await this.run(async () => {
      const done = await this.api.flagRows(this.view.event(), null, this.view.view(), note);
      this.say(`⚑ Flagged ${rows(done.flagged)}${done.kept > 0 ? `; ${rows(done.kept)} kept another reviewer's note` : ""}`);
    });
  }

  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
      this.view.flagsChanged();
    } catch (e) {
      this.say(`✕ Not flagged: ${e instanceof Error ? e.message : String(e)}`, false);
    }
  }
}

/** `item`, disabled when the user's role may not run `command`. */
function gated(item: MenuItem, command: CommandName): MenuItem {
  return may(command) ? item : { ...item, disabled: true };
}

/** Longest flag note (`MAX_FLAG_NOTE_CHARS` in Rust). */
const MAX_FLAG_NOTE = 2000;
