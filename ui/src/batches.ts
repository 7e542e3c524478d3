// The sidebar's list of imports: newest first, each with who sent it, its status badge and
// counts, kept live from core events (a batch appears with its first part and turns complete
// in place). A search box and a status filter narrow it; the filtering runs in Rust.

import type { Api } from "./api";
import type { Batch } from "./bindings/Batch";
import type { ListedBatch } from "./bindings/ListedBatch";
import type { BatchFilter } from "./bindings/BatchFilter";
import type { BatchStatus } from "./bindings/BatchStatus";
import type { Event } from "./bindings/Event";
import { h, replace } from "./dom";
import type { ReviewStatus } from "./bindings/ReviewStatus";
import { REVIEW_LABELS, reviewLine } from "./review";
import { gate, onTeamServer } from "./session";
import { badge, count, newestFirst, received, rows, shortId } from "./format";
import { type OpenFileApi, openFlatfileFile } from "./openfile";

/** How long events are gathered before the list is read again (a batch of 1,000 parts
 *  arriving is one reload, not a thousand). */
export const REFRESH_DELAY_MS = 150;

/** Entries read and drawn at most: a ledger of thousands of imports is searched, not
 *  scrolled, and not sent over IPC whole each time a part arrives. */
export const MAX_SHOWN = 200;

/** How test imports' batch ids begin ("Send test event", the tunnel's check), as the core
 * names them (`hookgrid::TEST_IMPORT_PREFIX`; a Rust test keeps the two equal). */
export const TEST_IMPORT_PREFIX = "hookgrid-test-";

const isTest = (b: Batch) => b.batch.startsWith(TEST_IMPORT_PREFIX);

export class BatchList {
  readonly root: HTMLElement;
  /** The newest imports that pass the filter (at most MAX_SHOWN)… */
  batches: ListedBatch[] = [];
  /** …of this many. */
  total = 0;
  private selected: string | null = null;
  private list = h("ul", { class: "batch-list", testid: "batch-list", role: "listbox", "aria-label": "Imports" });
  private empty = h(
    "p",
    { class: "empty", testid: "batches-empty" },
    onTeamServer()
      ? "No imports yet. Flatfile sends them to this team server; they appear here, for everyone signed in, as they arrive."
      : "No imports yet. Open Connection, paste the webhook URL into Flatfile, and imports appear here as they arrive.",
  );
  private more = h("p", { class: "empty", testid: "batches-more", hidden: true });
  /** "Remove the test imports", while the list shows any. */
  private tests = h("p", { class: "tests-line", testid: "batches-tests", hidden: true });
  /** What opening a Flatfile file came to. */
  private opened = h("p", { class: "hint", testid: "open-flatfile-status", role: "status", hidden: true });
  private noMatch = h("p", { class: "empty", testid: "batches-no-match", hidden: true });
  private search: HTMLInputElement;
  private status: HTMLSelectElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped per read: an answer to an older filter is dropped. */
  private generation = 0;

  constructor(
    private api: Pick<Api, "listBatches" | "deleteTestImports"> & OpenFileApi,
    private onSelect: (batch: Batch) => void,
    private onChange: (batches: ListedBatch[]) => void = () => undefined,
  ) {
    this.search = h("input", {
      type: "search",
      class: "batch-search",
      placeholder: "Search imports",
      title: "Finds a batch id, event id, customer, schema or column name",
      "aria-label": "Search imports by batch id, event id, customer, schema or column name",
      testid: "batch-search",
      oninput: () => {
        clearTimeout(this.searchTimer);
        this.searchTimer = setTimeout(() => void this.refresh().catch((e) => console.error("cannot read imports", e)), REFRESH_DELAY_MS);
      },
    });
    this.status = h(
      "select",
      { class: "batch-status-filter", "aria-label": "Status", testid: "batch-status-filter", onchange: () => void this.refresh().catch((e) => console.error("cannot read imports", e)) },
      h("option", { value: "" }, "All"),
      h("optgroup", { label: "Arrived" }, h("option", { value: "complete" }, "Complete"), h("option", { value: "incomplete" }, "Incomplete")),
      h(
        "optgroup",
        { label: "Review" },
        ...(Object.keys(REVIEW_LABELS) as ReviewStatus[]).map((s) => h("option", { value: `review:${s}` }, REVIEW_LABELS[s])),
      ),
    );
    this.root = h(
      "div",
      { class: "batches" },
      h(
        "div",
        { class: "batches-head" },
        h("h2", {}, "Imports"),
        gate(
          h("button", { type: "button", class: "link", testid: "open-flatfile-file", title: "Import a workbook or a records response saved from Flatfile, as if Flatfile had sent it", onclick: () => void this.openFile() }, "Open a Flatfile file…"),
          "import_flatfile",
        ),
      ),
      this.opened,
      h("div", { class: "batch-filters" }, this.search, this.status),
      this.empty,
      this.noMatch,
      this.tests,
      this.list,
      this.more,
    );
    this.list.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** "Open a Flatfile file…": what it came to, said under the heading; the list follows the
   * imports' events. */
  private async openFile(): Promise<void> {
    try {
      const said = await openFlatfileFile(this.api);
      if (said === null) return;
      this.opened.className = "hint";
      replace(this.opened, said);
      await this.refresh();
    } catch (e) {
      this.opened.className = "error";
      replace(this.opened, `The file was not imported: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.opened.hidden = false;
  }

  /** The filter the search box and the status menu make. */
  filter(): BatchFilter {
    const search = this.search.value.trim();
    const chosen = this.status.value;
    const review = chosen.startsWith("review:") ? (chosen.slice("review:".length) as ReviewStatus) : undefined;
    return {
      search: search === "" ? null : search,
      status: chosen === "" || review !== undefined ? null : (chosen as BatchStatus),
      ...(review === undefined ? {} : { review }),
    };
  }

  /** Whether the ledger holds no import at all (not merely none that passes the filter). */
  get none(): boolean {
    return this.total === 0 && !this.filtered();
  }

  private filtered(): boolean {
    const f = this.filter();
    return f.search !== null || f.status !== null || f.review !== undefined;
  }

  /** Reads the list from Rust. */
  async refresh(): Promise<void> {
    // This read uses the search box as it is now: a pending debounced read is not needed.
    clearTimeout(this.searchTimer);
    const generation = ++this.generation;
    const page = await this.api.listBatches(this.filter(), MAX_SHOWN);
    if (generation !== this.generation) return;
    const batches = newestFirst(page.batches);
    this.batches = batches;
    this.total = page.total;
    this.render();
    this.onChange(batches);
  }

  /** A core event: anything that changes a batch, or which configuration explains it,
   *  schedules one reload. */
  handle(event: Event): void {
    const changesImports = ["part_stored", "batch_completed", "batch_ready", "batch_failed", "batch_deleted", "request_retried", "configs_changed", "review_changed"];
    if (changesImports.includes(event.type)) this.schedule();
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
    const b = event === null ? undefined : this.find(event);
    if (b && !opened.has(openedKey(b))) {
      markOpened(b);
      this.items()
        .find((li) => li.dataset.event === b.event)
        ?.querySelector("[data-testid=batch-new]")
        ?.remove();
    }
    for (const li of this.list.querySelectorAll<HTMLElement>("[data-event]")) {
      const on = li.dataset.event === event;
      li.classList.toggle("selected", on);
      li.setAttribute("aria-selected", String(on));
    }
  }

  find(event: string): ListedBatch | undefined {
    return this.batches.find((b) => b.event === event);
  }

  private render(): void {
    const filtered = this.filtered();
    this.empty.hidden = this.batches.length > 0 || filtered;
    this.noMatch.hidden = this.batches.length > 0 || !filtered;
    replace(this.noMatch, "No import matches. ", h("button", { type: "button", class: "link", testid: "batches-clear", onclick: () => this.clearFilter() }, "Show all"));
    // Redrawing replaces the items: the keyboard stays on the import it was on.
    const focused = this.items().find((li) => li === document.activeElement)?.dataset.event;
    replace(this.list, ...this.batches.map((b) => this.item(b)));
    if (focused !== undefined) this.items().find((li) => li.dataset.event === focused)?.focus();
    const tests = this.batches.filter(isTest).length;
    this.tests.hidden = tests === 0;
    replace(
      this.tests,
      gate(h("button", { type: "button", class: "link", testid: "remove-tests", title: "Delete every test import", onclick: () => void this.removeTests() }, tests === 1 ? "Remove the test import" : "Remove the test imports"), "delete_test_imports"),
    );
    this.more.hidden = this.total <= this.batches.length;
    replace(this.more, `Showing the newest ${count(this.batches.length)} of ${count(this.total)}: search to find older ones.`);
    this.select(this.selected);
  }

  private async removeTests(): Promise<void> {
    try {
      await this.api.deleteTestImports();
    } catch (e) {
      replace(this.tests, h("span", { class: "error" }, `Could not remove the test imports: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    await this.refresh().catch((e) => console.error("cannot read imports", e));
  }

  private clearFilter(): void {
    this.search.value = "";
    this.status.value = "";
    void this.refresh().catch((e) => console.error("cannot read imports", e));
  }

  private items(): HTMLElement[] {
    return [...this.list.querySelectorAll<HTMLElement>("[data-event]")];
  }

  // No hover tooltips here: the list moves as imports arrive, and a tooltip left open would
  // then name the import that has moved under the pointer. The label says it all instead.
  private item(b: ListedBatch): HTMLElement {
    const tag = badge(b);
    const who = b.customer_label;
    const columns = columnsLine(b.columns);
    return h(
      "li",
      {
        class: "batch",
        role: "option",
        tabindex: "0",
        testid: "batch-item",
        "aria-label": [
          `${isTest(b) ? "Test import" : "Batch"} ${b.batch}`,
          tag.label,
          rows(b.valid + b.invalid),
          who === null ? null : `from ${who}`,
          columns === null ? null : `columns ${columns}`,
          reviewLine(b.review),
          b.config === null ? null : `configuration ${b.config}`,
        ]
          .filter((part) => part !== null)
          .join(", "),
        "data-event": b.event,
        "data-batch": b.batch,
        "data-status": b.status,
        onclick: () => this.onSelect(b),
      },
      h(
        "div",
        { class: "batch-line" },
        h("span", { class: "batch-id" }, shortId(b.batch)),
        b.revision > 1 ? h("span", { class: "revision", testid: "batch-revision" }, `rev ${b.revision}`) : null,
        isTest(b) ? h("span", { class: "badge muted", testid: "batch-test" }, "test") : null,
        opened.has(openedKey(b)) ? null : h("span", { class: "badge new", testid: "batch-new", "aria-label": "not opened yet" }, "new"),
        h("span", { class: `badge ${tag.tone}`, testid: "batch-status" }, tag.label),
      ),
      h(
        "div",
        { class: "batch-line sub" },
        h("span", { class: "who", testid: "batch-customer" }, who ?? (b.schema === null ? "—" : `schema ${b.schema}`)),
        h("span", {}, received(b.first_received)),
      ),
      h(
        "div",
        { class: "batch-line sub" },
        h("span", { testid: "batch-rows" }, rows(b.valid + b.invalid)),
        h(
          "span",
          {},
          h("span", { class: "valid-count", testid: "batch-valid" }, `${count(b.valid)} valid`),
          " · ",
          h("span", { class: "invalid-count", testid: "batch-invalid" }, `${count(b.invalid)} invalid`),
        ),
      ),
      // Where it stands with its reviewers, once someone has decided (a new one says nothing).
      b.review.by === null
        ? null
        : h(
            "div",
            { class: "batch-line sub" },
            h("span", { class: `review-tag ${b.review.status}`, testid: "batch-review", "data-review": b.review.status }, reviewLine(b.review)),
          ),
      // What two imports from one sender differ by: the file's columns and the configuration
      // that explains it (not known until the import's table is built).
      columns === null && b.config === null
        ? null
        : h(
            "div",
            { class: "batch-line sub" },
            h("span", { class: "batch-columns", testid: "batch-columns" }, columns ?? ""),
            b.config === null ? null : h("span", { class: "badge explained-by", testid: "batch-config" }, b.config),
          ),
    );
  }

  /** Up/down (and Home/End) move to the next import and open it, as in a mail client; Enter
   * opens the one the keyboard is on. */
  private onKey(e: KeyboardEvent): void {
    const items = this.items();
    const at = items.indexOf(document.activeElement as HTMLElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, to))];
      if (next === undefined || next === items[at]) return;
      next.focus();
      const b = this.find(next.dataset.event ?? "");
      if (b) this.onSelect(b);
    } else if (e.key === "Enter" && at >= 0) {
      const b = this.find(items[at]?.dataset.event ?? "");
      if (b) this.onSelect(b);
    }
  }
}

/** Columns shown in a list entry before the rest are counted. */
export const COLUMNS_SHOWN = 3;

/** An import's columns in a few words ("email, first_name, last_name +4"); `null` while
 *  they are not known. */
export function columnsLine(columns: string[] | null): string | null {
  if (columns === null) return null;
  if (columns.length === 0) return "no columns";
  const rest = columns.length - COLUMNS_SHOWN;
  return columns.slice(0, COLUMNS_SHOWN).join(", ") + (rest > 0 ? ` +${rest}` : "");
}

/** Where the imports opened on this computer are kept (this app, or this browser). */
const OPENED_KEY = "hookgrid.opened";
/** The newest this many are remembered; an older import opened long ago may show as new. */
const OPENED_KEPT = 5000;

/** An import and its revision: the same import sent again is new again. */
function openedKey(b: Batch): string {
  return `${b.event}#${b.revision}`;
}

function readOpened(): Set<string> {
  try {
    const kept = JSON.parse(localStorage.getItem(OPENED_KEY) ?? "[]") as unknown;
    return new Set(Array.isArray(kept) ? kept.filter((k): k is string => typeof k === "string") : []);
  } catch {
    return new Set();
  }
}

/** Imports opened here: the list marks the others "new". */
const opened = readOpened();

function markOpened(b: Batch): void {
  opened.add(openedKey(b));
  const kept = [...opened].slice(-OPENED_KEPT);
  try {
    localStorage.setItem(OPENED_KEY, JSON.stringify(kept));
  } catch {
    // Storage full or refused: the mark lasts for this session only.
  }
}

