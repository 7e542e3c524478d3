import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import { BatchList, COLUMNS_SHOWN, MAX_SHOWN, columnsLine } from "../src/batches";
import type { ListedBatch } from "../src/bindings/ListedBatch";
import type { BatchFilter } from "../src/bindings/BatchFilter";
import type { BatchPage } from "../src/bindings/BatchPage";
import { batch } from "./fixtures";

afterEach(() => clearMocks());

function serve(list: () => ListedBatch[], filters: BatchFilter[] = []) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "list_batches") {
      const { filter, limit } = args as { filter: BatchFilter; limit: number };
      filters.push(filter);
      const all = list();
      return { total: all.length, batches: all.slice(0, limit) } satisfies BatchPage;
    }
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

const items = (list: BatchList) =>
  [...list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]")].map((el) => ({
    event: el.dataset.event,
    status: el.querySelector("[data-testid=batch-status]")?.textContent,
  }));

describe("BatchList", () => {
  it("shows imports newest first with their status, and an empty state without any", async () => {
    let data: ListedBatch[] = [];
    serve(() => data);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-empty]")?.hidden).toBe(false);

    data = [
      batch({ event: "old", first_received: "2026-11-27T08:00:00Z" }),
      batch({ event: "new", first_received: "2026-11-27T09:00:00Z", status: "incomplete", parts_received: 1 }),
    ];
    await list.refresh();
    expect(items(list)).toEqual([
      { event: "new", status: "incomplete 1 of 3" },
      { event: "old", status: "complete" },
    ]);
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-empty]")?.hidden).toBe(true);
  });

  it("reloads once for a burst of part events and flips a batch to complete in place", async () => {
    let data = [batch({ event: "e", status: "incomplete", parts_received: 1 })];
    const calls = serve(() => data);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    data = [batch({ event: "e" })];
    for (let part = 2; part <= 3; part++) {
      list.handle({ type: "part_stored", event: "e", batch: "batch-1", part, of: 3, received: part, count_mismatch: false });
    }
    list.handle({ type: "batch_completed", event: "e", batch: "batch-1", valid: 2500, invalid: 500 });
    await vi.waitFor(() => expect(items(list)).toEqual([{ event: "e", status: "complete" }]));
    expect(calls.filter((c) => c === "list_batches")).toHaveLength(2);
  });

  it("opens an import on click, on Enter and with the arrow keys, which stay on it as the list redraws", async () => {
    serve(() => [batch({ event: "a", first_received: "2026-11-27T11:00:00Z" }), batch({ event: "b" })]);
    const opened: string[] = [];
    const list = new BatchList(api, (b) => opened.push(b.event));
    document.body.append(list.root);
    await list.refresh();
    const [a, b] = list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]");
    a?.click();
    a?.focus();
    const key = (el: Element | null | undefined, k: string) => el?.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
    key(a, "ArrowDown");
    expect(document.activeElement).toBe(b);
    key(b, "ArrowDown");
    key(b, "Enter");
    expect(opened).toEqual(["a", "b", "b"]);

    // A new import arrives above: the list redraws, and the keyboard is still on "b".
    serve(() => [batch({ event: "c", first_received: "2026-11-27T12:00:00Z" }), batch({ event: "a", first_received: "2026-11-27T11:00:00Z" }), batch({ event: "b" })]);
    await list.refresh();
    expect((document.activeElement as HTMLElement).dataset.event).toBe("b");
    key(document.activeElement, "ArrowUp");
    expect(opened.at(-1)).toBe("a");
    key(document.activeElement, "Home");
    expect(opened.at(-1)).toBe("c");
    // No hover tooltips that could outlive a redraw and name the wrong import.
    expect(list.root.querySelectorAll("ul [title]")).toHaveLength(0);
    expect(list.root.querySelector("[data-event=c]")?.getAttribute("aria-label")).toContain("Batch batch-1, complete, 3,000 rows");
    list.root.remove();
  });
});

describe("Finding imports", () => {
  it("tells imports apart: who sent them, total rows, and a later revision", async () => {
    serve(() => [
      batch({ event: "r2", revision: 2, first_received: "2026-11-27T11:00:00Z", customer: { userId: "ops-7", name: '{"tenant":"acme"}', companyName: "Acme GmbH" }, customer_label: "ops-7 · Acme GmbH" }),
      batch({ event: "r1", customer: { name: "Jo Ops", userId: "u-1" }, customer_label: "Jo Ops" }),
      batch({ event: "none", first_received: "2026-11-27T09:00:00Z", schema: 8 }),
    ]);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const seen = [...list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]")].map((el) => [
      el.querySelector("[data-testid=batch-customer]")?.textContent,
      el.querySelector("[data-testid=batch-rows]")?.textContent,
      el.querySelector("[data-testid=batch-revision]")?.textContent ?? null,
    ]);
    expect(seen).toEqual([
      ["ops-7 · Acme GmbH", "3,000 rows", "rev 2"],
      ["Jo Ops", "3,000 rows", null],
      ["schema 8", "3,000 rows", null],
    ]);
  });

  it("passes the search and the status to Rust, and offers to clear a filter that finds nothing", async () => {
    const filters: BatchFilter[] = [];
    let data = [batch()];
    serve(() => data, filters);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const search = list.root.querySelector<HTMLInputElement>("[data-testid=batch-search]");
    const status = list.root.querySelector<HTMLSelectElement>("[data-testid=batch-status-filter]");
    if (!search || !status) throw new Error("filters missing");
    data = [];
    search.value = "acme";
    search.dispatchEvent(new Event("input"));
    status.value = "incomplete";
    status.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(filters.at(-1)).toEqual({ search: "acme", status: "incomplete" }));
    const noMatch = list.root.querySelector<HTMLElement>("[data-testid=batches-no-match]");
    await vi.waitFor(() => expect(noMatch?.hidden).toBe(false));
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-empty]")?.hidden).toBe(true);
    data = [batch()];
    list.root.querySelector<HTMLElement>("[data-testid=batches-clear]")?.click();
    await vi.waitFor(() => expect(filters.at(-1)).toEqual({ search: null, status: null }));
    expect(filters[0]).toEqual({ search: null, status: null });
  });

  it("draws the newest entries of a long list and says how many more there are", async () => {
    serve(() => Array.from({ length: MAX_SHOWN + 50 }, (_, i) => batch({ event: `e${i}`, first_received: `2026-11-27T10:${String(i % 60).padStart(2, "0")}:00Z` })));
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    expect(list.root.querySelectorAll("[data-testid=batch-item]")).toHaveLength(MAX_SHOWN);
    expect(list.root.querySelector("[data-testid=batches-more]")?.textContent).toBe(`Showing the newest ${MAX_SHOWN} of ${MAX_SHOWN + 50}: search to find older ones.`);
  });

  it("marks test imports and removes them in one click", async () => {
    let all = [
      batch({ event: "e1", batch: "b-real" }),
      batch({ event: "e2", batch: "hookgrid-test-1795910281999" }),
      batch({ event: "e3", batch: "hookgrid-test-1795910282999" }),
    ];
    mockIPC((cmd) => {
      if (cmd === "list_batches") return { total: all.length, batches: all } satisfies BatchPage;
      if (cmd === "delete_test_imports") {
        const before = all.length;
        all = all.filter((b) => !b.batch.startsWith("hookgrid-test-"));
        return before - all.length;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const tagged = [...list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]")].map((el) => el.querySelector("[data-testid=batch-test]")?.textContent ?? "");
    expect(tagged.sort()).toEqual(["", "test", "test"]);
    const remove = list.root.querySelector<HTMLButtonElement>("[data-testid=remove-tests]");
    expect(remove?.textContent).toBe("Remove the test imports");
    remove?.click();
    await vi.waitFor(() => expect(items(list).map((i) => i.event)).toEqual(["e1"]));
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-tests]")?.hidden).toBe(true);
  });

  it("marks imports not opened on this computer yet, and a revision sent again as new", async () => {
    let data = [batch({ event: "evt-seen-a", batch: "a" }), batch({ event: "evt-seen-b", batch: "b" })];
    serve(() => data);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const marked = () =>
      [...list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]")].filter((el) => el.querySelector("[data-testid=batch-new]")).map((el) => el.dataset.event).sort();
    expect(marked()).toEqual(["evt-seen-a", "evt-seen-b"]);
    list.select("evt-seen-a");
    expect(marked()).toEqual(["evt-seen-b"]);
    expect(JSON.parse(localStorage.getItem("hookgrid.opened") ?? "[]")).toContain("evt-seen-a#1");
    await list.refresh();
    expect(marked()).toEqual(["evt-seen-b"]);
    // The reviewer has moved on when the import is sent again (one open counts as seen).
    list.select(null);
    data = [batch({ event: "evt-seen-a", batch: "a", revision: 2 }), data[1] as ListedBatch];
    await list.refresh();
    expect(marked()).toEqual(["evt-seen-a", "evt-seen-b"]);
  });

  it("tells two imports from one sender apart by their columns and the configuration that explains them", async () => {
    const contacts = ["email", "first_name", "last_name", "phone", "country"];
    serve(() => [
      batch({ event: "people", columns: contacts, config: "contacts" }),
      batch({ event: "stock", columns: ["sku", "weight_kg"], config: null }),
      batch({ event: "arriving", status: "incomplete", parts_received: 1 }),
    ]);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const entry = (event: string) => list.root.querySelector<HTMLElement>(`[data-event=${event}]`);
    const text = (event: string, testid: string) => entry(event)?.querySelector(`[data-testid=${testid}]`)?.textContent ?? null;
    expect(text("people", "batch-columns")).toBe("email, first_name, last_name +2");
    expect(text("people", "batch-config")).toBe("contacts");
    expect(entry("people")?.getAttribute("aria-label")).toContain("columns email, first_name, last_name +2, configuration contacts");
    expect(text("stock", "batch-columns")).toBe("sku, weight_kg");
    expect(text("stock", "batch-config")).toBeNull();
    // Columns are known once the import's table is built: until then the line is left out.
    expect(entry("arriving")?.querySelectorAll(".batch-line")).toHaveLength(3);
  });

  it("puts a list of columns in a few words", () => {
    expect(columnsLine(null)).toBeNull();
    expect(columnsLine([])).toBe("no columns");
    const many = Array.from({ length: COLUMNS_SHOWN + 4 }, (_, i) => `c${i}`);
    expect(columnsLine(many)).toBe(`${many.slice(0, COLUMNS_SHOWN).join(", ")} +4`);
    expect(columnsLine(many.slice(0, COLUMNS_SHOWN))).toBe(many.slice(0, COLUMNS_SHOWN).join(", "));
  });

  it("shows where each import stands with its reviewers, and filters by it", async () => {
    const filters: BatchFilter[] = [];
    serve(
      () => [
        batch({ event: "taken", review: { status: "in_review", by: "alice", at: "2026-12-02T10:00:00Z", note: null } }),
        batch({ event: "sent-back", review: { status: "rejected", by: "bob", at: "2026-12-02T10:01:00Z", note: "wrong file" } }),
        batch({ event: "untouched" }),
      ],
      filters,
    );
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    const tag = (event: string) => list.root.querySelector(`[data-event=${event}] [data-testid=batch-review]`)?.textContent ?? null;
    expect(tag("taken")).toBe("In review by alice");
    expect(tag("sent-back")).toBe("Rejected by bob");
    expect(tag("untouched")).toBeNull();
    const menu = list.root.querySelector<HTMLSelectElement>("[data-testid=batch-status-filter]");
    if (!menu) throw new Error("no status menu");
    menu.value = "review:approved";
    menu.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(filters.at(-1)).toEqual({ search: null, status: null, review: "approved" }));
    menu.value = "complete";
    menu.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(filters.at(-1)).toEqual({ search: null, status: "complete" }));
  });
});
