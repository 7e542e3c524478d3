// A column's tools, opened from its header: its values over the whole view with their counts
// (ticked ones narrow the view, like a spreadsheet's filter list), how many are distinct,
// empty and missing, and hiding or pinning the column. The counts come from Polars over every
// row of the view (`column_values`), never from the rows the grid has loaded.

import type { ColumnKind } from "./bindings/ColumnKind";
import type { ColumnValues } from "./bindings/ColumnValues";
import { closeOnPressOutside, h, replace } from "./dom";
import { type ValueFilter, valuesText } from "./filters";
import { count } from "./format";
import { shownValue } from "./columns";

/** Values a column's list shows: the most common ones. */
export const LISTED_VALUES = 200;

/** The list gets a search box from this many values on. */
const FIND_FROM = 8;

export interface ColumnToolsHooks {
  /** The column's values over the view as it would be without this column's own filter. */
  values(column: string): Promise<ColumnValues>;
  /** The values the column is narrowed to now, or null. */
  chosen(column: string): unknown[] | null;
  /** Narrows the column to `values` (`null`: every value). */
  filter(column: string, values: unknown[] | null, kind: ColumnKind | undefined): void;
  hide(column: string): void;
  pin(column: string, pinned: boolean): void;
  /** Whether the column is pinned; null when it cannot be unpinned. */
  pinned(column: string): boolean | null;
  /** Opens find and replace for the column (a data column), when the user may correct. */
  replace?(column: string): void;
}

/** A value as a key: `null`, `""` and `"5"` and `5` stay apart. */
const key = (value: unknown) => JSON.stringify(value ?? null);

export class ColumnTools {
  readonly root = h("div", { class: "column-tools", role: "dialog", testid: "column-tools", hidden: true });
  private column = "";
  private kind: ColumnKind | undefined;
  /** Bumped per opening: an answer for an earlier one is dropped. */
  private generation = 0;
  private boxes: { value: unknown; box: HTMLInputElement; row: HTMLElement }[] = [];
  private all = h("input", { type: "checkbox", testid: "column-values-all", onchange: () => this.tickAll() });
  private apply = h("button", { type: "button", class: "primary", testid: "column-values-apply", onclick: () => this.commit() }, "Filter");

  /** Stops the tools listening to the page. */
  readonly destroy: () => void;

  constructor(private hooks: ColumnToolsHooks) {
    this.destroy = closeOnPressOutside(this.root, () => {
      if (this.open) this.close();
    });
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  /** Opens the tools of `column` below `anchor` and counts its values. */
  async show(column: string, kind: ColumnKind | undefined, anchor: DOMRect): Promise<void> {
    const generation = ++this.generation;
    this.column = column;
    this.kind = kind;
    this.boxes = [];
    const pinned = this.hooks.pinned(column);
    const summary = h("div", { class: "column-summary", testid: "column-summary", "aria-live": "polite" }, "Counting the values…");
    const list = h("div", { class: "column-values", testid: "column-values" });
    replace(
      this.root,
      h("div", { class: "column-tools-head" }, h("strong", {}, column), kind ? h("span", { class: "muted" }, ` ${kind}`) : null),
      h(
        "div",
        { class: "column-tools-actions" },
        pinned === null ? null : h("button", { type: "button", testid: "column-pin", onclick: () => this.act(() => this.hooks.pin(column, !pinned)) }, pinned ? "Unpin" : "Pin to the left"),
        h("button", { type: "button", testid: "column-hide", onclick: () => this.act(() => this.hooks.hide(column)) }, "Hide column"),
        this.hooks.replace === undefined || pinned === null
          ? null
          : h("button", { type: "button", testid: "column-replace", onclick: () => this.act(() => this.hooks.replace?.(column)) }, "Find and replace…"),
      ),
      summary,
      list,
    );
    this.root.hidden = false;
    this.place(anchor);
    let values: ColumnValues;
    try {
      values = await this.hooks.values(column);
    } catch (e) {
      if (generation !== this.generation) return;
      summary.classList.add("error");
      summary.textContent = `Could not count the values of ${column}: ${e instanceof Error ? e.message : String(e)}. Close this and try again; the grid is unchanged.`;
      return;
    }
    if (generation !== this.generation || !this.open) return;
    replace(summary, ...summaryText(values));
    this.renderList(list, values);
    this.place(anchor);
  }

  close(): void {
    this.generation++;
    this.root.hidden = true;
  }

  private renderList(list: HTMLElement, values: ColumnValues): void {
    const chosen = this.hooks.chosen(this.column);
    const ticked = chosen === null ? null : new Set(chosen.map(key));
    // Chosen values the list does not reach stay listed, so opening the list keeps the filter.
    const listed = [...values.values];
    for (const value of chosen ?? []) {
      if (!listed.some((v) => key(v.value) === key(value))) listed.push({ value, count: 0 });
    }
    const rows = listed.map(({ value, count: n }) => {
      const box = h("input", { type: "checkbox", onchange: () => this.sync() });
      box.checked = ticked === null || ticked.has(key(value));
      const missing = value === null || value === undefined;
      const text = shownValue(value);
      const row = h(
        "label",
        { class: "column-value", testid: "column-value", "data-value": missing ? "" : text },
        box,
        h("span", { class: `value-text${missing ? " cell-missing" : value === "" ? " cell-empty" : ""}` }, text),
        h("span", { class: "value-count" }, count(n)),
      );
      this.boxes.push({ value, box, row });
      return row;
    });
    const find =
      listed.length >= FIND_FROM
        ? h("input", { type: "search", class: "column-find", placeholder: "Find a value", "aria-label": "Find a value", testid: "column-find", oninput: (e: Event) => this.find((e.target as HTMLInputElement).value) })
        : null;
    replace(
      list,
      find,
      h("label", { class: "column-value all" }, this.all, h("span", { class: "value-text" }, "Every value")),
      h("div", { class: "column-value-rows" }, ...rows),
      values.more
        ? h("p", { class: "hint", testid: "column-values-more" }, `The ${count(values.values.length)} most common of ${count(values.distinct)} values are listed; a filter here leaves out those not listed. For others, use the SQL filter.`)
        : null,
      h(
        "div",
        { class: "column-tools-foot" },
        chosen === null ? null : h("button", { type: "button", testid: "column-values-clear", onclick: () => this.act(() => this.hooks.filter(this.column, null, this.kind)) }, "Clear filter"),
        h("button", { type: "button", onclick: () => this.close() }, "Cancel"),
        this.apply,
      ),
    );
    this.sync();
    (find ?? this.all).focus();
  }

  /** Narrows the column to the ticked values; every value ticked means no filter. */
  private commit(): void {
    const ticked = this.boxes.filter((b) => b.box.checked).map((b) => b.value);
    if (ticked.length === 0) return;
    const values = ticked.length === this.boxes.length ? null : ticked;
    this.act(() => this.hooks.filter(this.column, values, this.kind));
  }

  private tickAll(): void {
    for (const b of this.boxes) if (!b.row.hidden) b.box.checked = this.all.checked;
    this.sync();
  }

  /** Shows the values containing `text`. */
  private find(text: string): void {
    const wanted = text.trim().toLowerCase();
    for (const b of this.boxes) b.row.hidden = wanted !== "" && !shownValue(b.value).toLowerCase().includes(wanted);
  }

  /** The "every value" box and the Filter button follow the ticks. */
  private sync(): void {
    const ticked = this.boxes.filter((b) => b.box.checked).length;
    this.all.checked = ticked === this.boxes.length;
    this.all.indeterminate = ticked > 0 && ticked < this.boxes.length;
    this.apply.disabled = ticked === 0;
    this.apply.title = ticked === 0 ? "Tick at least one value" : "";
  }

  private act(work: () => void): void {
    this.close();
    work();
  }

  /** Below the anchor, kept inside the window. */
  private place(anchor: DOMRect): void {
    const { width, height } = this.root.getBoundingClientRect();
    this.root.style.left = `${Math.max(4, Math.min(anchor.left, window.innerWidth - width - 4))}px`;
    this.root.style.top = `${Math.max(4, Math.min(anchor.bottom + 2, window.innerHeight - height - 4))}px`;
  }
}

/** "9,539 rows · 3 distinct · 12 empty · 4 missing". */
function summaryText(v: ColumnValues): string[] {
  return [`${count(v.rows)} rows`, `${count(v.distinct)} distinct`, `${count(v.empty)} empty`, `${count(v.missing)} missing`].flatMap((part, i) => (i === 0 ? [part] : [" · ", part]));
}

/** The strip under the toolbar: each value filter and the hidden columns, each with a way to
 * undo it. */
export function filterChips(
  filters: ValueFilter[],
  hidden: string[],
  hooks: { edit(column: string, anchor: DOMRect): void; clear(column: string): void; showAll(): void },
): HTMLElement[] {
  const chips: HTMLElement[] = filters.map((f) => {
    const label = h("button", { type: "button", class: "chip-label", title: "Change the values", onclick: (e: Event) => hooks.edit(f.column, (e.currentTarget as HTMLElement).getBoundingClientRect()) }, h("b", {}, f.column), ` ${valuesText(f.values)}`);
    return h(
      "span",
      { class: "chip", testid: "value-chip", "data-column": f.column },
      label,
      h("button", { type: "button", class: "chip-remove", "aria-label": `Remove the filter on ${f.column}`, testid: "value-chip-remove", onclick: () => hooks.clear(f.column) }, "×"),
    );
  });
  if (hidden.length > 0) {
    chips.push(
      h(
        "span",
        { class: "chip hidden-columns", testid: "hidden-columns" },
        `${hidden.length === 1 ? "1 column" : `${count(hidden.length)} columns`} hidden: ${hidden.join(", ")} `,
        h("button", { type: "button", class: "link", testid: "show-columns", onclick: () => hooks.showAll() }, "Show"),
      ),
    );
  }
  return chips;
}
