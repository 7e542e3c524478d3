// The sidebar's list of imports: newest first, each with its status badge and counts, kept
// live from core events (a batch appears with its first part and turns complete in place).

import type { Api } from "./api";
import type { Batch } from "./bindings/Batch";
import type { Event } from "./bindings/Event";
import { h, replace } from "./dom";
import { badge, count, newestFirst, received, shortId } from "./format";

/** How long events are gathered before the list is read again (a batch of 1,000 parts
 *  arriving is one reload, not a thousand). */
export const REFRESH_DELAY_MS = 150;

export class BatchList {
  readonly root: HTMLElement;
  batches: Batch[] = [];
  private selected: string | null = null;
  private list = h("ul", { class: "batch-list", testid: "batch-list", role: "listbox", "aria-label": "Imports" });
  private empty = h(
    "p",
    { class: "empty", testid: "batches-empty" },
    "No imports yet. Open Connection, paste the webhook URL into Flatfile, and imports appear here as they arrive.",
  );
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private api: Pick<Api, "listBatches">,
    private onSelect: (batch: Batch) => void,
    private onChange: (batches: Batch[]) => void = () => undefined,
  ) {
    this.root = h("div", { class: "batches" }, h("h2", {}, "Imports"), this.empty, this.list);
    this.list.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Reads the list from Rust. */
  async refresh(): Promise<void> {
    const batches = newestFirst(await this.api.listBatches());
    this.batches = batches;
    this.render();
    this.onChange(batches);
  }

  /** A core event: anything that changes a batch schedules one reload. */
  handle(event: Event): void {
    if (event.type === "request_quarantined") return;
    this.schedule();
  }

  /** Reloads soon, once for any number of calls in the meantime. */
  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((e) => console.error("cannot reload imports", e));
    }, REFRESH_DELAY_MS);
  }

  select(event: string | null): void {
    this.selected = event;
    for (const li of this.list.querySelectorAll<HTMLElement>("[data-event]")) {
      const on = li.dataset.event === event;
      li.classList.toggle("selected", on);
      li.setAttribute("aria-selected", String(on));
    }
  }

  find(event: string): Batch | undefined {
    return this.batches.find((b) => b.event === event);
  }

  private render(): void {
    this.empty.hidden = this.batches.length > 0;
    replace(this.list, ...this.batches.map((b) => this.item(b)));
    this.select(this.selected);
  }

  private item(b: Batch): HTMLElement {
    const tag = badge(b);
    return h(
      "li",
      {
        class: "batch",
        role: "option",
        tabindex: "0",
        testid: "batch-item",
        "data-event": b.event,
        "data-batch": b.batch,
        "data-status": b.status,
        title: `batch ${b.batch}\nevent ${b.event}`,
        onclick: () => this.onSelect(b),
      },
      h(
        "div",
        { class: "batch-line" },
        h("span", { class: "batch-id" }, shortId(b.batch)),
        h("span", { class: `badge ${tag.tone}`, title: tag.title, testid: "batch-status" }, tag.label),
      ),
      h(
        "div",
        { class: "batch-line sub" },
        h("span", {}, b.schema === null ? "—" : `schema ${b.schema}`),
        h("span", {}, received(b.first_received)),
      ),
      h(
        "div",
        { class: "batch-line sub" },
        h("span", { class: "valid-count", testid: "batch-valid" }, `${count(b.valid)} valid`),
        h("span", { class: "invalid-count", testid: "batch-invalid" }, `${count(b.invalid)} invalid`),
      ),
    );
  }

  /** Up/down move between imports, Enter opens one. */
  private onKey(e: KeyboardEvent): void {
    const items = [...this.list.querySelectorAll<HTMLElement>("[data-event]")];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
      next?.focus();
    } else if (e.key === "Enter" && at >= 0) {
      const b = this.find(items[at]?.dataset.event ?? "");
      if (b) this.onSelect(b);
    }
  }
}
