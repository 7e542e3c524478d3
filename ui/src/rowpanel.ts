// Row details: every field of one row (long values wrapped), where it came from (part and
// position), valid or invalid with its reasons, and its JSON exactly as Flatfile sent it.
// Up/Down (or Previous/Next) move through the view's rows while it is open.

import type { Api } from "./api";
import type { CellProblem } from "./bindings/CellProblem";
import type { ColumnInfo } from "./bindings/ColumnInfo";
import type { SentRow } from "./bindings/SentRow";
import type { Flag } from "./bindings/Flag";
import { h, replace } from "./dom";
import { count, received } from "./format";
import { problemText, type Row, rowCorrection, rowErrors, rowFlag, sentText, shownValue } from "./columns";
import { copyToClipboard } from "./selection";

export type RowPanelApi = Pick<Api, "sentRow">;

/** Where the panel's rows come from: the open view. */
export interface RowSource {
  /** The row at a position of the view. */
  row(index: number): Promise<Row | undefined>;
  columns(): ColumnInfo[];
  /** Rows in the view. */
  total(): number;
  /** The panel moved to another row (the grid follows). */
  moved(index: number): void;
  /** Corrects `column` of `row` (asking for the value), when the user may. */
  correct?(row: Row, column: string): void;
}

export class RowPanel {
  readonly root: HTMLElement;
  private body = h("div", { class: "row-panel-body" });
  private heading = h("h2", { testid: "row-panel-title" });
  private prev: HTMLButtonElement;
  private next: HTMLButtonElement;
  /** The row shown, by position in the view. */
  index: number | null = null;
  /** Bumped per row shown: an answer for an earlier row is dropped. */
  private generation = 0;

  constructor(
    private api: RowPanelApi,
    private event: string,
    private source: RowSource,
  ) {
    this.prev = h("button", { type: "button", testid: "row-panel-prev", title: "Previous row (Up)", onclick: () => void this.move(-1) }, "↑");
    this.next = h("button", { type: "button", testid: "row-panel-next", title: "Next row (Down)", onclick: () => void this.move(1) }, "↓");
    this.root = h(
      "aside",
      { class: "row-panel", testid: "row-panel", hidden: true, tabindex: "-1", "aria-label": "Row details", onkeydown: (e: Event) => this.onKey(e as KeyboardEvent) },
      h(
        "header",
        {},
        this.heading,
        h("div", { class: "row-panel-nav" }, this.prev, this.next, h("button", { type: "button", testid: "row-panel-close", title: "Close (Esc)", onclick: () => this.close() }, "✕")),
      ),
      this.body,
    );
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  /** Shows the row at `index` of the view. */
  async show(index: number): Promise<void> {
    const generation = ++this.generation;
    this.index = index;
    // Set once the row is shown whole (with where it came from): what tests wait for.
    delete this.root.dataset.shown;
    this.root.hidden = false;
    this.prev.disabled = index <= 0;
    this.next.disabled = index >= this.source.total() - 1;
    const row = await this.source.row(index);
    if (generation !== this.generation) return;
    if (row === undefined) {
      replace(this.heading, "Row");
      replace(this.body, h("p", { class: "empty" }, "This row is no longer in the view."));
      return;
    }
    const columns = this.source.columns();
    const n = rowNumber(row, columns);
    // Asked for before the panel is drawn, so the request and the drawing overlap.
    const asked = n === null ? null : this.api.sentRow(this.event, n);
    const { sentAt, raw } = this.draw(row, columns);
    if (asked === null) return;
    try {
      const sent: SentRow = await asked;
      if (generation !== this.generation) return;
      replace(
        sentAt,
        sent.record === null
          ? `part ${count(sent.part)}, row ${count(sent.position)} of that request (${sent.valid ? "validRows" : "invalidRows"})`
          : `record ${sent.record}, ${count(sent.position)} of its sheet (${sent.valid ? "valid" : "invalid"})`,
      );
      replace(raw, sent.json);
      this.root.dataset.shown = String(index);
    } catch (e) {
      if (generation !== this.generation) return;
      replace(sentAt, `cannot read the request: ${e instanceof Error ? e.message : String(e)}`);
      replace(raw, "");
    }
  }

  /** Lays out a specimen of the panel once, off screen, and drops it. The first text laid out
   * in each new font face and size is slow in WebKitGTK (it looks the font up then): about 50 ms
   * for the panel's headings, fields and monospace JSON, which would otherwise fall into the
   * first row details a user opens. Called once the first screen is drawn. */
  static warmUp(): void {
    const specimen = new RowPanel({ sentRow: () => Promise.reject(new Error("a specimen")) }, "", {
      row: () => Promise.resolve(undefined),
      columns: () => [],
      total: () => 0,
      moved: () => undefined,
    });
    const columns: ColumnInfo[] = [
      { name: "email", kind: "text", meta: false },
      { name: "note", kind: "text", meta: false },
      { name: "_row", kind: "int", meta: true },
      { name: "_valid", kind: "bool", meta: true },
    ];
    const problem: CellProblem = { column: "email", validator: "regex", message: "is not an email", source: "configuration", level: "error" };
    const { sentAt, raw } = specimen.draw(["someone@example", "", 0, false, [problem]], columns);
    replace(sentAt, "part 1, row 1 of that request (invalidRows)");
    replace(raw, '{"email":"someone@example","note":""}');
    const root = specimen.root;
    root.hidden = false;
    root.setAttribute("aria-hidden", "true");
    root.style.cssText = "position: fixed; left: -10000px; right: auto; top: 0; height: 600px";
    document.body.append(root);
    void root.offsetHeight; // lays it out now
    root.remove();
  }

  /** Fills the heading and body with `row`; returns the two places the row as sent fills in. */
  private draw(row: Row, columns: ColumnInfo[]): { sentAt: HTMLElement; raw: HTMLElement } {
    const n = rowNumber(row, columns);
    replace(this.heading, n === null ? "Row" : `Row ${count(n + 1)}`);
    const valid = row[columns.findIndex((c) => c.name === "_valid")] === true;
    const problems = rowErrors(row, columns.length);
    const sentAt = h("span", { class: "muted", testid: "row-panel-origin" }, "finding its request…");
    const raw = h("pre", { class: "row-json", testid: "row-panel-json" }, "…");
    replace(
      this.body,
      h(
        "p",
        { class: "row-panel-meta" },
        h("span", { class: valid ? "badge ok" : "badge bad", testid: "row-panel-status" }, valid ? "valid" : "invalid"),
        " ",
        sentAt,
      ),
      flagLine(rowFlag(row, columns.length)),
      problems.length === 0
        ? null
        : h("ul", { class: "row-panel-errors", testid: "row-panel-errors" }, ...problems.map((p) => h("li", { class: `level-${p.level}`, "data-source": p.source }, h("b", {}, p.column), ` ${problemText(p)}`))),
      h(
        "dl",
        { class: "row-fields", testid: "row-panel-fields" },
        ...columns.flatMap((c, i) => {
          if (c.meta) return [];
          const value = row[i];
          const tone = value === null || value === undefined ? "missing" : value === "" ? "empty" : "";
          const corrected = rowCorrection(row, columns.length, c.name);
          const edit = this.source.correct
            ? h("button", { type: "button", class: "link row-panel-edit", testid: "row-panel-edit", "data-column": c.name, title: `Correct ${c.name}`, onclick: () => this.source.correct?.(row, c.name) }, "Edit")
            : null;
          return [
            h("dt", {}, c.name),
            h(
              "dd",
              { class: tone },
              shownValue(value),
              corrected === null ? null : h("span", { class: "muted", testid: "row-panel-corrected" }, ` (corrected by ${corrected.by}; sent ${sentText(corrected.sent)})`),
              edit === null ? null : " ",
              edit,
            ),
          ];
        }),
      ),
      h("h3", {}, "As sent ", h("button", { type: "button", class: "link", testid: "row-panel-copy-json", onclick: () => void copyToClipboard(raw.textContent ?? "") }, "Copy")),
      raw,
    );
    return { sentAt, raw };
  }

  close(): void {
    this.generation++;
    this.index = null;
    this.root.hidden = true;
  }

  private async move(delta: number): Promise<void> {
    if (this.index === null) return;
    const to = this.index + delta;
    if (to < 0 || to >= this.source.total()) return;
    const shown = this.show(to);
    this.source.moved(to);
    await shown;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      void this.move(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Escape") {
      e.preventDefault();
      this.close();
    }
  }
}

/** The row's number (`_row`, 0-based) when the view has it. */
function rowNumber(row: Row, columns: ColumnInfo[]): number | null {
  const n = row[columns.findIndex((c) => c.name === "_row")];
  return typeof n === "number" ? n : null;
}

/** A flagged row's note, who flagged it and when; nothing for a row without a flag. */
function flagLine(flag: Flag | null): HTMLElement | null {
  if (flag === null) return null;
  return h("p", { class: "row-panel-flag", testid: "row-panel-flag" }, h("b", {}, "⚑ "), flag.note, h("span", { class: "muted" }, ` (flagged by ${flag.by}, ${received(flag.at)})`));
}
