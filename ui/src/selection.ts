// Cell and range selection over the grid, built on AG Grid Community's events (its own range
// selection and clipboard are Enterprise): a click picks a cell, Shift+click stretches a
// rectangle from it, a click on the row number picks whole rows, Ctrl+A the whole view.
// Rows are positions in the current view, so a selection can reach rows the grid has not
// loaded; copying fetches them.

/** A cell: its row's position in the view and its column's id. */
export interface Cell {
  row: number;
  column: string;
}

/** The selected rectangle: rows `from..=to` of the view, and columns by id in display order. */
export interface Rect {
  from: number;
  to: number;
  columns: string[];
}

/** Rows one copy may take; more is an export's job. */
export const MAX_COPY_ROWS = 100_000;

export class Selection {
  private anchor: Cell | null = null;
  private focus: Cell | null = null;
  /** Whole rows (every shown column), picked by the row number. */
  private wholeRows = false;

  /** Picks one cell, or with `extend` stretches the selection from its anchor to it. */
  pick(cell: Cell, extend: boolean, wholeRows = false): void {
    if (!extend || this.anchor === null) {
      this.anchor = cell;
      this.wholeRows = wholeRows;
    } else {
      this.wholeRows = this.wholeRows || wholeRows;
    }
    this.focus = cell;
  }

  /** Every row of a view of `total` rows. */
  all(total: number, columns: string[]): void {
    if (total === 0 || columns.length === 0) return this.clear();
    this.anchor = { row: 0, column: columns[0] ?? "" };
    this.focus = { row: total - 1, column: columns[columns.length - 1] ?? "" };
    this.wholeRows = true;
  }

  clear(): void {
    this.anchor = null;
    this.focus = null;
    this.wholeRows = false;
  }

  /** The selected rectangle over the columns shown, in their order; null when nothing is. */
  rect(shown: string[]): Rect | null {
    if (this.anchor === null || this.focus === null) return null;
    const from = Math.min(this.anchor.row, this.focus.row);
    const to = Math.max(this.anchor.row, this.focus.row);
    if (this.wholeRows) return { from, to, columns: shown };
    const a = shown.indexOf(this.anchor.column);
    const b = shown.indexOf(this.focus.column);
    if (a < 0 || b < 0) return { from, to, columns: [this.focus.column] };
    return { from, to, columns: shown.slice(Math.min(a, b), Math.max(a, b) + 1) };
  }

  /** Whether a cell is selected (cheap enough for every cell the grid draws). */
  has(row: number, column: string, shown: string[]): boolean {
    const r = this.rect(shown);
    return r !== null && row >= r.from && row <= r.to && r.columns.includes(column);
  }
}

/** One spreadsheet cell as text: quoted when it holds a tab, a line break or a quote, as
 * spreadsheets read pasted text. */
function field(text: string): string {
  return /[\t\n\r"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Tab-separated lines, as a spreadsheet pastes them. */
export function tsv(lines: string[][]): string {
  return lines.map((cells) => cells.map(field).join("\t")).join("\n");
}

/** Puts text on the clipboard. Text still being fetched is handed over as a promise, so the
 * copy stays tied to the key press or click that asked for it (WebKit refuses a clipboard
 * write that comes after an await). */
export async function copyToClipboard(text: string | Promise<string>): Promise<void> {
  if (typeof text !== "string" && typeof ClipboardItem !== "undefined") {
    const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
    await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
    return;
  }
  await navigator.clipboard.writeText(await text);
}
