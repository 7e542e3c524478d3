// Importer configurations: add one (from a file or pasted), say which imports it applies to,
// see its fields and validators, edit or remove it. They explain why rows are invalid.

import { type Api, CommandError } from "./api";
import type { ConfigView } from "./bindings/ConfigView";
import { h, replace } from "./dom";
import { pickJsonFile } from "./pick";
import { currentPlace, gate } from "./session";

export type SchemasApi = Pick<Api, "listConfigs" | "addConfig" | "removeConfig" | "chooseConfigFile">;

type Scope = "default" | "schema" | "sheet" | "chosen";

export class SchemasView {
  readonly root: HTMLElement;
  private list = h("div", { class: "configs", testid: "configs" });
  private status = h("p", { class: "form-status", testid: "config-status", role: "status", "aria-live": "polite" });
  private name: HTMLInputElement;
  private body: HTMLTextAreaElement;
  private scope: HTMLSelectElement;
  private schemaId: HTMLInputElement;
  private sheetSlug: HTMLInputElement;
  private sendBack: HTMLInputElement;

  constructor(private api: SchemasApi) {
    this.name = h("input", { type: "text", testid: "config-name", placeholder: "e.g. contacts", "aria-label": "Name" });
    this.body = h("textarea", {
      class: "config-body",
      testid: "config-body",
      rows: 8,
      spellcheck: "false",
      placeholder: '{"type": "Contacts", "fields": [{"key": "email", "label": "Email", "validators": [{"validate": "required"}]}]}',
      "aria-label": "Configuration JSON",
    });
    this.scope = h(
      "select",
      { testid: "config-scope", "aria-label": "Applies to", onchange: () => this.renderScope() },
      h("option", { value: "default" }, "every import"),
      h("option", { value: "schema" }, "imports with schema id…"),
      h("option", { value: "sheet" }, "Flatfile sheets with slug…"),
      h("option", { value: "chosen" }, "only imports I give it to"),
    );
    this.schemaId = h("input", { type: "number", testid: "config-schema", placeholder: "schema id", "aria-label": "Schema id", hidden: true });
    this.sheetSlug = h("input", { type: "text", testid: "config-sheet", placeholder: "sheet slug, e.g. contacts", "aria-label": "Sheet slug", hidden: true });
    this.sendBack = h("input", { type: "checkbox", testid: "config-send-back" });
    this.root = h(
      "section",
      { class: "panel schemas", testid: "schemas-view" },
      h("div", { class: "panel-head" }, h("h1", {}, "Importer configurations")),
      h(
        "p",
        { class: "hint" },
        "Flatfile sends no reasons with invalid rows. Paste the settings your integration passes to ",
        h("code", {}, "new FlatfileImporter(licenseKey, settings)"),
        " (or just its fields), and Hookgrid re-runs each field's validators to show why every row is invalid.",
      ),
      h(
        "form",
        { class: "config-form", onsubmit: (e: Event) => { e.preventDefault(); void this.save(); } },
        h("label", {}, "Name ", this.name),
        h("label", {}, "Applies to ", this.scope, this.schemaId, this.sheetSlug),
        h(
          "label",
          { title: "A Flatfile Platform workbook's submit is answered with the cells this configuration rejects, and Flatfile marks them in the customer's screen" },
          this.sendBack,
          " Send the cells it rejects back to Flatfile",
        ),
        gate(h("button", { type: "button", testid: "config-file", onclick: () => void this.loadFile() }, "Load file…"), "add_config"),
        this.body,
        h("div", { class: "form-actions" }, gate(h("button", { type: "submit", class: "primary", testid: "config-save" }, "Save configuration"), "add_config"), this.status),
      ),
      this.list,
    );
  }

  async load(): Promise<void> {
    this.render(await this.api.listConfigs());
  }

  async save(): Promise<void> {
    const scope = this.scope.value as Scope;
    const schema = scope === "schema" ? Number.parseInt(this.schemaId.value, 10) : null;
    if (scope === "schema" && (schema === null || Number.isNaN(schema))) {
      this.say("error", "Enter the schema id the configuration applies to.");
      return;
    }
    const sheet = scope === "sheet" ? this.sheetSlug.value.trim() : null;
    if (sheet === "") {
      this.say("error", "Enter the slug of the sheet the configuration applies to.");
      return;
    }
    if (this.name.value.trim() === "") {
      this.say("error", "Give the configuration a name.");
      return;
    }
    try {
      const saved = await this.api.addConfig(this.name.value.trim(), this.body.value, schema, scope === "default", sheet, this.sendBack.checked);
      const validators = saved.fields.reduce((n, f) => n + f.validators.length, 0);
      this.body.value = "";
      // The list shows it before the message says it is saved.
      await this.load();
      this.say("done", `Saved “${saved.name}”: ${saved.fields.length} fields, ${validators} validators.${saved.skipped.length > 0 ? ` ${saved.skipped.length} skipped (see below).` : ""}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const hint = e instanceof CommandError && e.code === "bad_config" ? " Paste the settings object or its fields array, as JSON." : "";
      this.say("error", `Not saved: ${message}.${hint}`);
    }
  }

  private async loadFile(): Promise<void> {
    try {
      // A browser has no native dialog to ask Rust for: it picks the file itself.
      const text = currentPlace() === "web" ? await pickJsonFile() : await this.api.chooseConfigFile();
      if (text === null) return;
      this.body.value = text;
      this.say("", "Loaded. Name it and save.");
    } catch (e) {
      this.say("error", e instanceof Error ? e.message : String(e));
    }
  }

  /** Puts a saved configuration in the form: saving it under its name replaces it, and the
   * imports it explains are checked again against the new rules. */
  edit(c: ConfigView): void {
    this.name.value = c.name;
    this.body.value = c.body;
    this.scope.value = c.for_schema !== null ? "schema" : c.for_sheet !== null ? "sheet" : c.is_default ? "default" : "chosen";
    this.schemaId.value = c.for_schema === null ? "" : String(c.for_schema);
    this.sheetSlug.value = c.for_sheet ?? "";
    this.sendBack.checked = c.send_back;
    this.renderScope();
    this.say("", `Editing “${c.name}”: saving replaces it, and its imports are checked again.`);
    this.body.focus();
  }

  private async remove(name: string): Promise<void> {
    try {
      await this.api.removeConfig(name);
      await this.load();
    } catch (e) {
      this.say("error", `Not removed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private say(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  private renderScope(): void {
    this.schemaId.hidden = this.scope.value !== "schema";
    this.sheetSlug.hidden = this.scope.value !== "sheet";
  }

  private render(configs: ConfigView[]): void {
    if (configs.length === 0) {
      replace(this.list, h("p", { class: "empty" }, "No configurations yet."));
      return;
    }
    replace(
      this.list,
      ...configs.map((c) =>
        h(
          "article",
          { class: "config", testid: "config" },
          h(
            "div",
            { class: "config-head" },
            h("strong", {}, c.name),
            h("span", { class: "muted" }, ` · ${appliesTo(c)} · added ${c.added_at.slice(0, 16).replace("T", " ")}`),
            gate(h("button", { type: "button", class: "edit", testid: "config-edit", title: "Change its fields, validators or the imports it applies to", onclick: () => this.edit(c) }, "Edit"), "add_config"),
            gate(h("button", { type: "button", class: "danger", testid: "config-remove", onclick: () => void this.remove(c.name) }, "Remove"), "remove_config"),
          ),
          h(
            "table",
            { class: "table" },
            h("thead", {}, h("tr", {}, h("th", {}, "Field"), h("th", {}, "Label"), h("th", {}, "Type"), h("th", {}, "Validators"))),
            h(
              "tbody",
              {},
              ...c.fields.map((f) => h("tr", {}, h("td", {}, h("code", {}, f.key)), h("td", {}, f.label), h("td", {}, f.type), h("td", {}, f.validators.join(", ") || "—"))),
            ),
          ),
          c.skipped.length === 0
            ? null
            : h("ul", { class: "errors-notes" }, ...c.skipped.map((s) => h("li", {}, `Skipped ${s.field} / ${s.validator}: ${s.message}`))),
        ),
      ),
    );
  }
}

function appliesTo(c: ConfigView): string {
  const to = c.for_schema !== null ? `imports with schema ${c.for_schema}` : c.for_sheet !== null ? `Flatfile sheets with slug ${c.for_sheet}` : c.is_default ? "every import" : "imports it is given to";
  return c.send_back ? `${to}; rejected cells sent back to Flatfile` : to;
}
