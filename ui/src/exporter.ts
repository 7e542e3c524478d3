// The export panel: which rows, which file (the native save dialog, or typed), then the
// export itself with progress, and where the file went.

import { type Api, CommandError } from "./api";
import type { Batch } from "./bindings/Batch";
import type { ExportScope } from "./bindings/ExportScope";
import type { View } from "./bindings/View";
import { h, replace } from "./dom";
import { rows } from "./format";

type ExportApi = Pick<Api, "exportRows" | "chooseExportPath" | "showInFolder">;

const SCOPES: [ExportScope, string][] = [
  ["view", "Current view (filters and sort as shown)"],
  ["all", "All rows"],
  ["valid", "Valid rows only"],
  ["invalid", "Invalid rows only"],
];

/** A file name for a batch: its id made safe for any file system. */
export function suggestedName(batch: Batch, ext: "csv" | "parquet" = "csv"): string {
  const safe = batch.batch.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "import";
  return `${safe}.${ext}`;
}

export class ExportDialog {
  readonly root: HTMLDialogElement;
  private batch: Batch | null = null;
  private view: View | null = null;
  private path: HTMLInputElement;
  private meta: HTMLInputElement;
  private asSent: HTMLInputElement;
  private withErrors: HTMLInputElement;
  private incomplete: HTMLInputElement;
  private incompleteRow: HTMLElement;
  private status = h("div", { class: "export-status", testid: "export-status", role: "status", "aria-live": "polite" });
  private go: HTMLButtonElement;

  constructor(private api: ExportApi) {
    this.path = h("input", { type: "text", testid: "export-path", "aria-label": "File", placeholder: "/home/you/import.csv, .parquet or .xlsx", spellcheck: "false" });
    this.meta = h("input", { type: "checkbox", testid: "export-meta" });
    this.asSent = h("input", { type: "checkbox", testid: "export-as-sent" });
    this.withErrors = h("input", { type: "checkbox", testid: "export-with-errors" });
    this.incomplete = h("input", { type: "checkbox", testid: "export-incomplete" });
    this.incompleteRow = h("label", { class: "check" }, this.incomplete, " Export although parts are still missing");
    this.go = h("button", { type: "submit", class: "primary", testid: "export-run" }, "Export");
    const scopes = h("fieldset", { class: "scopes" }, h("legend", {}, "Rows"));
    for (const [scope, label] of SCOPES) {
      scopes.append(h("label", { class: "check" }, h("input", { type: "radio", name: "scope", value: scope, testid: `export-scope-${scope}`, checked: scope === "view" }), ` ${label}`));
    }
    const form = h(
      "form",
      { method: "dialog", onsubmit: (e: Event) => { e.preventDefault(); void this.run(); } },
      h("h2", {}, "Export rows"),
      scopes,
      h(
        "div",
        { class: "field" },
        h("label", {}, "File (.csv, .parquet or .xlsx)"),
        h("div", { class: "row" }, this.path, h("button", { type: "button", testid: "export-choose", onclick: () => void this.choose() }, "Choose…")),
      ),
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
      h("p", { class: "hint" }, "Exports that mix valid and invalid rows keep the _valid column to tell them apart. An .xlsx tints invalid rows and marks failing cells."),
      this.incompleteRow,
      this.status,
      h("div", { class: "actions" }, h("button", { type: "button", testid: "export-close", onclick: () => this.root.close() }, "Close"), this.go),
    );
    this.root = h("dialog", { class: "export-dialog", testid: "export-dialog" }, form);
  }

  open(batch: Batch, view: View): void {
    this.batch = batch;
    this.view = view;
    if (!this.path.value) this.path.value = "";
    this.path.placeholder = suggestedName(batch);
    this.incompleteRow.hidden = batch.status !== "incomplete";
    this.incomplete.checked = false;
    replace(this.status);
    this.go.disabled = false;
    if (!this.root.open) this.root.showModal();
    this.path.focus();
  }

  private scope(): ExportScope {
    const checked = this.root.querySelector<HTMLInputElement>("input[name=scope]:checked");
    return (checked?.value as ExportScope | undefined) ?? "view";
  }

  private async choose(): Promise<void> {
    if (!this.batch) return;
    try {
      const chosen = await this.api.chooseExportPath(suggestedName(this.batch));
      if (chosen) this.path.value = chosen;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Exports; asks for a file first when none is given. */
  async run(): Promise<void> {
    if (!this.batch || !this.view) return;
    if (this.path.value.trim() === "") await this.choose();
    const path = this.path.value.trim();
    if (path === "") return;
    const expected = this.expectedRows();
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
      });
      this.status.dataset.state = "done";
      this.status.dataset.rows = String(report.rows);
      replace(
        this.status,
        h("span", { class: "ok" }, `✓ Exported ${rows(report.rows)} to `),
        h("code", { testid: "export-result-path" }, report.path),
        " ",
        h("button", { type: "button", testid: "export-reveal", onclick: () => void this.api.showInFolder(report.path).catch((e) => this.fail(e)) }, "Show in folder"),
      );
    } catch (e) {
      this.fail(e);
    } finally {
      this.go.disabled = false;
    }
  }

  private expectedRows(): number | null {
    const b = this.batch;
    if (!b) return null;
    switch (this.scope()) {
      case "all":
        return b.valid + b.invalid;
      case "valid":
        return b.valid;
      case "invalid":
        return b.invalid;
      case "view":
        return null;
    }
    return null;
  }

  private fail(e: unknown): void {
    this.status.dataset.state = "failed";
    const message = e instanceof Error ? e.message : String(e);
    const hint =
      e instanceof CommandError && e.code === "incomplete"
        ? " Tick “Export although parts are still missing” to export what has arrived."
        : "";
    replace(this.status, h("span", { class: "error" }, `✕ ${message}${hint}`));
  }
}
