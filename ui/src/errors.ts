// Why an import's rows are invalid: the summary of its configuration's rules, each line a way
// to narrow the grid to the rows it flags. Without a configuration, a way to attach one.

import type { Api } from "./api";
import type { ErrorRows } from "./bindings/ErrorRows";
import type { ErrorSummary } from "./bindings/ErrorSummary";
import { h, replace } from "./dom";
import { gate } from "./session";
import { count } from "./format";

export type ErrorsApi = Pick<Api, "importErrors" | "listConfigs" | "useConfig" | "configUse">;

/** The per-import menu's value for "No configuration": no name a configuration is given. */
const NONE = "\u0000none";

export interface ErrorsHooks {
  /** Show only the rows with errors (in one column, or any); `null`: every row again. */
  pick(errors: ErrorRows | null): void;
  /** Go to the configurations, to attach one. */
  attach(): void;
  /** This import was given another configuration: check its rows again. */
  changed(): void;
}

export class ErrorsPanel {
  readonly root = h("section", { class: "errors-panel", testid: "errors-panel", "aria-label": "Why rows are invalid" });
  /** `undefined` until read; `null` when no configuration applies. */
  summary: ErrorSummary | null | undefined = undefined;
  /** The configurations there are, to give this import another one. */
  private names: string[] = [];
  private picked: ErrorRows | null = null;
  /** Given no configuration on purpose. */
  private none = false;
  /** Whether every rule's line is shown, not only the first few. */
  private expanded = false;

  constructor(
    private api: ErrorsApi,
    private event: string,
    private hooks: ErrorsHooks,
  ) {}

  /** Reads the summary again (after parts arrive or a configuration changes). */
  async load(): Promise<void> {
    try {
      const [summary, configs] = await Promise.all([this.api.importErrors(this.event), this.api.listConfigs()]);
      // With nothing explaining it, the menu says whether that was chosen.
      this.none = summary === null && (await this.api.configUse(this.event)).none;
      this.summary = summary;
      this.names = configs.map((c) => c.name);
      this.render();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      replace(this.root, h("p", { class: "error-text", role: "alert" }, `Could not check the rows against the configuration: ${message}`));
    }
  }

  /** Marks the line the grid is narrowed to. */
  select(errors: ErrorRows | null): void {
    this.picked = errors;
    this.render();
  }

  private toggle(): void {
    this.expanded = !this.expanded;
    this.render();
  }

  /** A menu giving this import a configuration of its own, or the automatic one. */
  private chooser(chosen: string | null): HTMLSelectElement {
    const select = h(
      "select",
      {
        testid: "errors-use",
        "aria-label": "Configuration for this import",
        onchange: () => void (select.value === NONE ? this.useNone() : this.use(select.value === "" ? null : select.value)),
      },
      h("option", { value: "" }, "automatic (schema id, else the default)"),
      h("option", { value: NONE, selected: chosen === NONE }, "No configuration"),
      ...this.names.map((n) => h("option", { value: n, selected: n === chosen }, n)),
    );
    return gate(select, "use_config");
  }

  private async useNone(): Promise<void> {
    try {
      await this.api.useConfig(this.event, null, true);
      this.hooks.changed();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      replace(this.root, h("p", { class: "error-text", role: "alert" }, `Could not take the configuration away: ${message}`));
    }
  }

  private async use(name: string | null): Promise<void> {
    try {
      await this.api.useConfig(this.event, name);
      this.hooks.changed();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      replace(this.root, h("p", { class: "error-text", role: "alert" }, `Could not use that configuration: ${message}`));
    }
  }

  private render(): void {
    const s = this.summary;
    if (s === undefined) return;
    if (s === null) {
      replace(
        this.root,
        h(
          "p",
          { class: "hint", testid: "errors-none" },
          this.none ? "This import was given no configuration: nothing explains why its rows are invalid. " : "Flatfile sends no reasons with invalid rows. Attach the importer's configuration to see why each row is invalid. ",
          gate(h("button", { type: "button", testid: "errors-attach", onclick: () => this.hooks.attach() }, "Attach a configuration…"), "add_config"),
          this.names.length > 0 ? " or use " : null,
          this.names.length > 0 ? this.chooser(this.none ? NONE : null) : null,
        ),
      );
      return;
    }
    if (!s.fits && s.rules.length === 0) {
      // Chosen automatically, it does not fit: it explains nothing here, unless asked to.
      replace(
        this.root,
        h(
          "p",
          { class: "hint", testid: "errors-unfit" },
          `${s.does_not_fit ?? `Configuration “${s.config ?? ""}” does not fit this import`}. Its rules are not applied, so no row is marked by them. `,
          gate(h("button", { type: "button", testid: "errors-apply-anyway", title: `Give this import “${s.config ?? ""}” even so`, onclick: () => void this.use(s.config) }, "Apply it anyway"), "use_config"),
          " or use ",
          this.chooser(null),
        ),
      );
      return;
    }
    const flagging = s.rules.filter((r) => r.rows > 0);
    const fromFlatfile = s.rules.some((r) => r.source === "flatfile");
    const line = (pick: ErrorRows | null, label: Node | string, rows: number, title: string) =>
      h(
        "button",
        {
          type: "button",
          class: "errors-line",
          testid: "errors-line",
          "data-pick": key(pick),
          "aria-pressed": String(key(pick) === key(this.picked)),
          title,
          // The line the grid is narrowed to turns it off again.
          onclick: () => this.hooks.pick(key(pick) === key(this.picked) ? null : pick),
        },
        h("span", { class: "errors-rows" }, count(rows)),
        label,
      );
    const notes: string[] = [];
    if (s.does_not_fit !== null) notes.push(`${s.does_not_fit}.`);
    if (s.unexplained_invalid > 0)
      notes.push(
        s.config === null
          ? `${count(s.unexplained_invalid)} rows Flatfile marked invalid came with no message saying why.`
          : `${count(s.unexplained_invalid)} invalid rows break no rule here: a reason outside this configuration (e.g. a Data Hook).`,
      );
    if (s.flagged_valid > 0) notes.push(`${count(s.flagged_valid)} rows Flatfile accepted break a rule: the configuration may have changed since.`);
    if (s.unknown_columns.length > 0) notes.push(`Columns the configuration does not know: ${s.unknown_columns.join(", ")}.`);
    if (s.missing_fields.length > 0) notes.push(`Fields no row has: ${s.missing_fields.join(", ")}.`);
    for (const k of s.skipped) notes.push(`Skipped ${k.field} / ${k.validator}: ${k.message}`);
    replace(
      this.root,
      h(
        "div",
        { class: "errors-head" },
        h("strong", {}, "Why rows are invalid"),
        h(
          "span",
          { class: "muted", testid: "errors-config" },
          s.config === null ? " · Flatfile's own messages" : ` · configuration “${s.config}”`,
          s.choice === "chosen" ? " (chosen for this import)" : "",
          s.config !== null && fromFlatfile ? " and Flatfile's own messages" : "",
        ),
        " ",
        this.chooser(s.choice === "chosen" ? s.config : null),
      ),
      h(
        "div",
        { class: "errors-lines" },
        flagging.length === 0 ? h("span", { class: "muted" }, s.config === null ? "Flatfile sent no message on any cell." : "No rule of the configuration flags any row.") : null,
        s.rows_with_errors === 0 ? null : line({ column: null }, h("span", {}, "All rows with errors"), s.rows_with_errors, "Show the rows that break any rule"),
        ...shownRules(flagging, this.expanded, this.picked).map((r) => {
          const label = h("span", {}, h("b", {}, r.label), ` · ${r.message}`, r.source === "flatfile" ? h("span", { class: "errors-source" }, "Flatfile") : null);
          if (r.level === "error") {
            return line({ column: r.column }, label, r.rows, `${r.column} · ${r.validator}: show the rows it flags`);
          }
          // A warning or a note does not make a row invalid: counted, not a way to narrow.
          const what = r.level === "warn" ? "A warning" : "A note";
          return h(
            "span",
            { class: `errors-line level-${r.level}`, testid: "errors-line", "data-level": r.level, title: `${what} from Flatfile on ${r.column}: it does not make a row invalid` },
            h("span", { class: "errors-rows" }, count(r.rows)),
            label,
          );
        }),
        flagging.length <= FIRST_RULES
          ? null
          : h(
              "button",
              { type: "button", class: "link", testid: "errors-more", "aria-expanded": String(this.expanded), onclick: () => this.toggle() },
              this.expanded ? "Fewer" : `${count(flagging.length - FIRST_RULES)} more rules`,
            ),
        this.picked === null
          ? null
          : h("button", { type: "button", class: "link", testid: "errors-clear", onclick: () => this.hooks.pick(null) }, "Show every row"),
      ),
      notes.length === 0 ? null : h("ul", { class: "errors-notes", testid: "errors-notes" }, ...notes.map((n) => h("li", {}, n))),
    );
  }
}

/** Rule lines shown before "N more rules": the strip stays a line or two above the grid. */
const FIRST_RULES = 5;

/** The rules whose lines are shown: all, or the first few and the one the grid is narrowed to. */
function shownRules<T extends { column: string }>(rules: T[], expanded: boolean, picked: ErrorRows | null): T[] {
  if (expanded || rules.length <= FIRST_RULES) return rules;
  const first = rules.slice(0, FIRST_RULES);
  const chosen = rules.find((r, i) => i >= FIRST_RULES && picked?.column === r.column);
  return chosen ? [...first, chosen] : first;
}

function key(errors: ErrorRows | null): string {
  return errors === null ? "" : errors.column === null ? "*" : `col:${errors.column}`;
}
