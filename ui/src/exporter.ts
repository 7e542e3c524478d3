// The export panel: which rows, which file (the native save dialog, or typed), then the
// export itself with progress, and where the file went.

import { type Api, CommandError } from "./api";
import type { Batch } from "./bindings/Batch";
import type { ExportScope } from "./bindings/ExportScope";
import type { View } from "./bindings/View";
import { h, replace } from "./dom";
import { rows } from "./format";
import { currentPlace } from "./session";

type ExportApi = Pick<Api, "exportRows" | "chooseExportPath" | "showInFolder">;

const SCOPES: [ExportScope, string][] = [
  ["view", "Current view (filters and sort as shown)"],
  ["all", "All rows"],
  ["valid", "Valid rows only"],
  ["invalid", "Invalid rows only"],
];

/** Rows each scope writes: the import's counts, and the view's as the grid last counted it. */
export function scopeRows(batch: Batch, viewRows: number | null): Record<ExportScope, number | null> {
  return { view: viewRows, all: batch.valid + batch.invalid, valid: batch.valid, invalid: batch.invalid };
}

/**
 * A file name for an import that a customer can tell apart from the next one: who sent it,
 * the day it came, and the start of its batch id (`ops-7-acme-gmbh_2026-11-27_596c1e2a.csv`),
 * made safe for any file system.
 */
export function suggestedName(batch: Batch, ext: "csv" | "parquet" | "xlsx" = "csv"): string {
  const who = (batch.customer_label ?? "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  const day = (batch.completed_at ?? batch.last_received).slice(0, 10);
  const id = batch.batch.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 8).replace(/^\.+|\.+$/g, "") || "import";
  return `${[who, day, id].filter((p) => p !== "").join("_")}.${ext}`;
}

export class ExportDialog {
  readonly root: HTMLDialogElement;
  private batch: Batch | null = null;
  private view: View | null = null;
  private viewRows: number | null = null;
  private counts = new Map<ExportScope, HTMLElement>();
  private path: HTMLInputElement;
  private meta: HTMLInputElement;
  private asSent: HTMLInputElement;
  private withErrors: HTMLInputElement;
  private labels: HTMLInputElement;
  private withFlags: HTMLInputElement;
  private raw: HTMLInputElement;
  private incomplete: HTMLInputElement;
  private incompleteRow: HTMLElement;
  private status = h("div", { class: "export-status", testid: "export-status", role: "status", "aria-live": "polite" });
  /** Says that columns hidden in the grid are exported too. */
  private hiddenNote = h("p", { class: "hint", testid: "export-hidden", hidden: true });
  private go: HTMLButtonElement;
  private chooseButton = h("button", { type: "button", testid: "export-choose", onclick: () => void this.choose() }, "Choose…");
  private whereHint = h("p", { class: "hint", testid: "export-where" });

  constructor(private api: ExportApi) {
    this.path = h("input", { type: "text", testid: "export-path", "aria-label": "File", placeholder: "/home/you/import.csv, .parquet or .xlsx", spellcheck: "false" });
    this.meta = h("input", { type: "checkbox", testid: "export-meta" });
    this.asSent = h("input", { type: "checkbox", testid: "export-as-sent" });
    this.withErrors = h("input", { type: "checkbox", testid: "export-with-errors" });
    this.labels = h("input", { type: "checkbox", testid: "export-labels" });
    this.withFlags = h("input", { type: "checkbox", testid: "export-with-flags" });
    this.raw = h("input", { type: "checkbox", testid: "export-raw" });
    this.incomplete = h("input", { type: "checkbox", testid: "export-incomplete" });
    this.incompleteRow = h("label", { class: "check" }, this.incomplete, " Export although parts are still missing");
    this.go = h("button", { type: "submit", class: "primary", testid: "export-run" }, "Export");
    const scopes = h("fieldset", { class: "scopes" }, h("legend", {}, "Rows"));
    for (const [scope, label] of SCOPES) {
      const rowCount = h("span", { class: "scope-rows", testid: `export-rows-${scope}` });
      this.counts.set(scope, rowCount);
      scopes.append(h("label", { class: "check" }, h("input", { type: "radio", name: "scope", value: scope, testid: `export-scope-${scope}`, checked: scope === "view" }), ` ${label}`, rowCount));
    }
    const form = h(
      "form",
      {
        method: "dialog",
        onsubmit: (e: Event) => { e.preventDefault(); void this.run(); },
        // A changed choice makes the last result stale: it said nothing about this one.
        oninput: () => this.clearResult(),
      },
      h("h2", {}, "Export rows"),
      scopes,
      h(
        "div",
        { class: "field" },
        h("label", {}, "File (.csv, .parquet or .xlsx)"),
        h("div", { class: "row" }, this.path, this.chooseButton),
        this.whereHint,
      ),
      this.hiddenNote,
      h("label", { class: "check" }, this.meta, " Include the _row and _part columns"),
      h(
        "label",
        { class: "check", title: "Columns of numbers are written as numbers by default; this writes every cell as the text Flatfile sent (“0055”, “1.50”, empty cells as empty text)" },
        this.asSent,
        " Values as sent (every cell as the text Flatfile sent)",
      ),
      h(
        "label",
        { class: "check", title: "Needs an importer configuration (Configurations). An .xlsx also marks each failing cell red with its message as a note." },
        this.withErrors,
        " Add an _errors column: why each row is invalid",
      ),
      h(
        "label",
        { class: "check", title: "Needs an importer configuration that explains this import. Columns it has no label for keep their names." },
        this.labels,
        " Headers by the configuration's labels (“First Name”, not first_name)",
      ),
      h("label", { class: "check", title: "Rows a reviewer flagged carry the flag's note; the others are empty" }, this.withFlags, " Add a _flag column: each flagged row's note"),
      h(
        "label",
        {
          class: "check",
          title: "A CSV is made for a spreadsheet: it starts with a UTF-8 mark so Excel reads accents and other scripts, and cells starting with = + - @ get a leading ' so they are shown, not run as formulas. Check this for a program that reads the file.",
        },
        this.raw,
        " CSV for a program (no UTF-8 mark, formulas written as they are)",
      ),
      h("p", { class: "hint" }, "Exports that mix valid and invalid rows keep the _valid column to tell them apart. An .xlsx tints invalid rows and marks failing cells."),
      this.incompleteRow,
      this.status,
      h("div", { class: "actions" }, h("button", { type: "button", testid: "export-close", onclick: () => this.root.close() }, "Close"), this.go),
    );
    this.root = h("dialog", { class: "export-dialog", testid: "export-dialog" }, form);
  }

  /** Opens the dialog for `view` of `batch`; `viewRows` is how many rows the view has, when
   * known, and `hidden` the columns hidden in the grid. Each opening starts afresh: the current
   * view, no file, no result. */
  open(batch: Batch, view: View, viewRows: number | null = null, hidden: string[] = []): void {
    this.batch = batch;
    this.hiddenNote.hidden = hidden.length === 0;
    this.hiddenNote.textContent = `Every column is written, including ${hidden.length === 1 ? "the one" : "those"} hidden in the grid: ${hidden.join(", ")}.`;
    this.view = view;
    this.viewRows = viewRows;
    this.path.value = "";
    this.path.placeholder = suggestedName(batch);
    // A browser saves a download where it saves downloads: the field only names the file.
    const web = currentPlace() === "web";
    this.chooseButton.hidden = web;
    this.whereHint.textContent = web ? "Your browser downloads the file; the name is all you choose." : "A name without a folder is saved in your Documents folder.";
    const current = this.root.querySelector<HTMLInputElement>("input[name=scope][value=view]");
    if (current) current.checked = true;
    const counts = scopeRows(batch, viewRows);
    for (const [scope, el] of this.counts) {
      const n = counts[scope];
      el.textContent = n === null ? "" : ` · ${rows(n)}`;
    }
    this.incompleteRow.hidden = batch.status !== "incomplete";
    this.incomplete.checked = false;
    this.clearResult();
    this.go.disabled = false;
    if (!this.root.open) this.root.showModal();
    this.path.focus();
  }

  /** Forgets the last export's result or error. */
  private clearResult(): void {
    if (this.status.dataset.state === "running") return;
    delete this.status.dataset.state;
    delete this.status.dataset.rows;
    replace(this.status);
  }

  private scope(): ExportScope {
    const checked = this.root.querySelector<HTMLInputElement>("input[name=scope]:checked");
    return (checked?.value as ExportScope | undefined) ?? "view";
  }

  private async choose(): Promise<void> {
    if (!this.batch) return;
    try {
      const chosen = await this.api.chooseExportPath(suggestedName(this.batch));
      if (chosen) {
        this.path.value = chosen;
        this.clearResult();
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** Exports; asks for a file first when none is given. An existing file is replaced only
   * with `overwrite` (the Replace button of the question asked when it exists). */
  async run(overwrite = false): Promise<void> {
    if (!this.batch || !this.view) return;
    const web = currentPlace() === "web";
    if (this.path.value.trim() === "") {
      if (web) this.path.value = suggestedName(this.batch);
      else await this.choose();
    }
    const path = this.path.value.trim();
    if (path === "") return;
    const expected = scopeRows(this.batch, this.viewRows)[this.scope()];
    this.go.disabled = true;
    this.status.dataset.state = "running";
    replace(
      this.status,
      h("progress", { "aria-label": "Exporting" }),
      ` Exporting${expected === null ? "" : ` ${rows(expected)}`}…`,
    );
    try {
      const report = await this.api.exportRows({
        event: this.batch.event,
        view: this.view,
        scope: this.scope(),
        path,
        meta: this.meta.checked,
        as_sent: this.asSent.checked,
        allow_incomplete: this.incomplete.checked,
        with_errors: this.withErrors.checked,
        overwrite,
        raw: this.raw.checked,
        labels: this.labels.checked,
        with_flags: this.withFlags.checked,
      });
      this.status.dataset.state = "done";
      this.status.dataset.rows = String(report.rows);
      replace(
        this.status,
        h("span", { class: "ok" }, `✓ Exported ${rows(report.rows)} to `),
        h("code", { testid: "export-result-path" }, report.path),
        " ",
        web
          ? h("span", { class: "muted" }, "(in your browser's downloads)")
          : h("button", { type: "button", testid: "export-reveal", onclick: () => void this.api.showInFolder(report.path).catch((e) => this.fail(e)) }, "Show in folder"),
      );
    } catch (e) {
      this.fail(e);
    } finally {
      this.go.disabled = false;
    }
  }

  private fail(e: unknown): void {
    if (e instanceof CommandError && e.code === "exists") {
      this.status.dataset.state = "exists";
      replace(
        this.status,
        h("span", { class: "warn" }, `${e.message}. Replace it?`),
        " ",
        h("button", { type: "button", testid: "export-replace", onclick: () => void this.run(true) }, "Replace"),
      );
      return;
    }
    this.status.dataset.state = "failed";
    const message = e instanceof Error ? e.message : String(e);
    const hint =
      e instanceof CommandError && e.code === "incomplete"
        ? " Tick “Export although parts are still missing” to export what has arrived."
        : "";
    replace(this.status, h("span", { class: "error" }, `✕ ${message}${hint}`));
  }
}
