// An import's details: who sent it, how Flatfile numbered its parts, each part as stored (rows
// declared and present, size, repeats) with its body to save, and what is still missing.

import type { Api } from "./api";
import type { ImportDetails } from "./bindings/ImportDetails";
import type { PartRange } from "./bindings/PartRange";
import { h, replace } from "./dom";
import { gate } from "./session";
import { count, pretty, received } from "./format";
import { REVIEW_LABELS } from "./review";

type DetailsApi = Pick<Api, "importDetails" | "savePartBody">;

const NUMBERING: Record<ImportDetails["numbering"], string> = {
  from_zero: "event.sequence.index counts from 0 (as real deliveries do)",
  from_one: "event.sequence.index counts from 1 (as Flatfile's documentation says)",
  unknown: "not known yet: only parts that fit either way have arrived (numbered as the request's shape suggests until the first or last part arrives)",
};

/** "3", "3–7" */
export function rangeText(r: PartRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}–${r.to}`;
}

/** "42 s", "5 min", "3 h 4 min", "2 days" */
export function waited(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} days`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export class DetailsPanel {
  readonly root = h("section", { class: "details", testid: "import-details", hidden: true });
  private note = h("p", { class: "hint", testid: "details-note", role: "status" });
  details: ImportDetails | null = null;

  constructor(
    private api: DetailsApi,
    private event: string,
  ) {}

  get open(): boolean {
    return !this.root.hidden;
  }

  async toggle(): Promise<void> {
    this.root.hidden = !this.root.hidden;
    if (this.open) await this.load();
  }

  /** Reads the details again (when shown). */
  async load(): Promise<void> {
    if (!this.open) return;
    try {
      this.details = await this.api.importDetails(this.event);
      this.render(this.details);
    } catch (e) {
      replace(this.root, h("p", { class: "error" }, `Could not read the import's details: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private render(d: ImportDetails): void {
    const who = d.customer_label;
    // A Flatfile Platform sheet: its workbook stands where Portal 2 names the customer.
    const wb = d.workbook;
    const field = (label: string, ...value: (Node | string | null)[]) => h("div", { class: "field-row" }, h("dt", {}, label), h("dd", {}, ...value));
    const status =
      d.status === "complete"
        ? `complete: all ${d.parts_expected} parts arrived`
        : `incomplete: ${d.parts_received} of ${d.parts_expected} parts; missing ${d.missing.length === 1 && d.missing[0]?.from === d.missing[0]?.to ? "part" : "parts"} ${d.missing.map(rangeText).join(", ")}; last part ${waited(d.waiting_seconds ?? 0)} ago`;
    // Who sent it in a line; the whole block as sent (and `name` read as JSON) below the parts.
    const customer = d.customer
      ? h(
          "details",
          { class: "customer-block" },
          h("summary", {}, "Customer block as sent"),
          h("pre", { class: "json", testid: "details-customer" }, JSON.stringify(d.customer, null, 2)),
        )
      : null;
    const nameJson =
      d.customer_name_json === null || d.customer_name_json === undefined
        ? null
        : h("pre", { class: "json compact", testid: "details-customer-name", title: "customer.name holds JSON; shown parsed" }, JSON.stringify(d.customer_name_json, null, 2));
    const parts = h(
      "table",
      { class: "table parts", testid: "details-parts" },
      h(
        "thead",
        {},
        h("tr", {}, ...["Part", "Index sent", "Received", "Declared", "Rows", "Valid", "Invalid", "Size", "Repeats", ""].map((t) => h("th", {}, t))),
      ),
      h(
        "tbody",
        {},
        ...d.parts.map((p) => {
          const present = p.valid + p.invalid;
          const mismatch = p.count_mismatch;
          return h(
            "tr",
            { testid: "details-part", "data-part": p.part, class: mismatch ? "mismatch" : "" },
            h("td", {}, String(p.part)),
            h("td", {}, String(p.index)),
            h("td", {}, received(p.received_at)),
            h("td", {}, p.declared_rows === null ? "—" : count(p.declared_rows)),
            h("td", { title: mismatch ? "A different number of rows than declared" : "" }, count(present), mismatch ? " ⚠" : ""),
            h("td", { class: "valid-count" }, count(p.valid)),
            h("td", { class: "invalid-count" }, count(p.invalid)),
            h("td", {}, bytes(p.bytes)),
            h("td", {}, p.duplicates === 0 ? "—" : String(p.duplicates)),
            h("td", {}, gate(h("button", { type: "button", class: "link", testid: "details-save-part", onclick: () => void this.save(p.part) }, "Save body…"), "save_part_body")),
          );
        }),
      ),
    );
    const history =
      d.review_history.length === 0
        ? null
        : h(
            "table",
            { class: "table review-history", testid: "details-review-history" },
            h("caption", {}, "Review history"),
            h("thead", {}, h("tr", {}, ...["Status", "By", "When", "Note"].map((t) => h("th", {}, t)))),
            h(
              "tbody",
              {},
              ...d.review_history.map((r) =>
                h(
                  "tr",
                  { testid: "details-review" },
                  h("td", {}, REVIEW_LABELS[r.status]),
                  h("td", {}, r.by),
                  h("td", {}, received(r.at)),
                  h("td", { class: "note" }, r.note ?? "—"),
                ),
              ),
            ),
          );
    replace(
      this.root,
      h(
        "dl",
        { class: "facts" },
        field("Batch", h("code", {}, d.batch), d.revision > 1 ? ` (revision ${d.revision})` : ""),
        field("Event", h("code", {}, d.event), d.type ? ` (${d.type})` : ""),
        wb ? null : field("Schema", d.schema === null ? "none" : String(d.schema)),
        field("Status", h("span", { testid: "details-status" }, status)),
        d.mismatched.length > 0 ? field("Count mismatch", `part ${d.mismatched.join(", ")}: a different number of rows than declared`) : null,
        wb ? null : field("Numbering", NUMBERING[d.numbering]),
        ...(wb
          ? [
              field("Workbook", h("span", { testid: "details-workbook" }, wb.name ?? "(no name)"), " ", h("code", {}, wb.id)),
              field("Space", wb.spaceId === null ? "not sent" : h("code", { testid: "details-space" }, wb.spaceId)),
              field("Environment", wb.environmentId === null ? "not sent" : h("code", { testid: "details-environment" }, wb.environmentId)),
              field("Sheet", wb.sheet, wb.slug ? ` (${wb.slug})` : ""),
              field("Event made of", `the sheet id and its ${wb.eventFrom}`),
              field(
                "Sent back",
                d.sent_back === null
                  ? "nothing (no configuration with send-back rejected a cell)"
                  : h(
                      "span",
                      { testid: "details-sent-back" },
                      `${count(d.sent_back.rejected)} rejected ${d.sent_back.rejected === 1 ? "record" : "records"} under configuration “${d.sent_back.config}”`,
                      d.sent_back.listed < d.sent_back.rejected ? ` (the answer marked ${count(d.sent_back.listed)})` : "",
                    ),
              ),
            ]
          : [
              field("Customer", d.customer ? h("span", { testid: "details-customer-label" }, who ?? "(no name, user id or company)") : "none (the request had no customer block)"),
              nameJson ? field("customer.name", nameJson) : null,
            ]),
        field("Came through", d.arrived_via === null ? "not recorded (received before Hookgrid noted addresses)" : h("code", { testid: "details-arrived-via" }, d.arrived_via)),
      ),
      parts,
      this.note,
      history,
      customer,
      d.sent_back === null
        ? null
        : h("details", { class: "customer-block" }, h("summary", {}, "Answer sent back to Flatfile"), h("pre", { class: "json", testid: "details-sent-back-json" }, pretty(d.sent_back.answer).text)),
    );
  }

  private async save(part: number): Promise<void> {
    try {
      const path = await this.api.savePartBody(this.event, part);
      this.note.textContent = path === null ? "" : `Saved the body of part ${part} to ${path}`;
    } catch (e) {
      this.note.textContent = `Part ${part} was not saved: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
