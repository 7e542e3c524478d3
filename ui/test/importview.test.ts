import { CommandError } from "../src/api";
import type { GridPage } from "../src/bindings/GridPage";
import type { View } from "../src/bindings/View";
import { type ImportApi, ImportView } from "../src/importview";
import { noFilters } from "../src/filters";
import { batch } from "./fixtures";

const columns: GridPage["columns"] = [
  { name: "_row", kind: "int", meta: true },
  { name: "_part", kind: "int", meta: true },
  { name: "_valid", kind: "bool", meta: true },
  { name: "seats", kind: "int", meta: false },
];

/** Pages of a 3,000-row import: every view keeps a third of the rows, except a broken filter. */
function serve(views: View[], asked: { view: View; column: string }[] = []): ImportApi {
  return {
    async fetchPage(_event, view) {
      views.push(view);
      if (view.filter === "seats >") throw new CommandError("bad_filter", "the filter is not a valid SQL expression");
      const total = view.filter === "seats > 999" ? 0 : view.rows === "all" && !view.filter ? 3000 : 1000;
      return { total, batch_rows: 3000, offset: 0, columns, rows: [[0, 1, true, 5]], errors: null, flags: [null], corrections: [[]], corrected_cells: 0, earlier_corrections: null } satisfies GridPage;
    },
    importDetails: () => Promise.reject(new Error("not asked in these tests")),
    importErrors: async () => null,
    listConfigs: async () => [],
    useConfig: async () => undefined,
    setReview: () => Promise.reject(new Error("not asked in these tests")),
    flagRows: () => Promise.reject(new Error("not asked in these tests")),
    correctCell: () => Promise.reject(new Error("not asked in these tests")),
    replaceInColumn: () => Promise.reject(new Error("not asked in these tests")),
    revertCorrection: () => Promise.reject(new Error("not asked in these tests")),
    unflagRows: () => Promise.reject(new Error("not asked in these tests")),
    configUse: async () => ({ name: null, none: false }),
    savePartBody: () => Promise.reject(new Error("not asked in these tests")),
    sentRow: async (_event, row) => ({ row, part: 1, position: row + 1, valid: true, json: `{"seats":"${row}"}`, record: null }),
    columnValues: async (_event, view, column) => {
      asked.push({ view, column });
      return { column, rows: 3000, distinct: 2, empty: 0, missing: 0, values: [{ value: 5, count: 2000 }, { value: 7, count: 1000 }], more: false };
    },
  };
}

describe("ImportView", () => {
  it("opens with every row, then narrows to the invalid ones", async () => {
    const views: View[] = [];
    const view = new ImportView(batch({ customer: { userId: "ops-7", companyName: "Acme" }, customer_label: "ops-7 · Acme" }), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    const counts = view.root.querySelector<HTMLElement>("[data-testid=row-counts]");
    expect(counts?.textContent).toBe("3,000 rows");
    expect(view.root.querySelector("[data-testid=import-customer]")?.textContent).toBe("ops-7 · Acme");
    view.root.querySelector<HTMLElement>("[data-testid=rows-invalid]")?.click();
    await vi.waitFor(() => expect(counts?.textContent).toBe("1,000 of 3,000 rows match"));
    expect(view.root.querySelector("[data-testid=rows-invalid]")?.getAttribute("aria-pressed")).toBe("true");
    expect(views.at(-1)?.rows).toBe("invalid");
    view.destroy();
    view.root.remove();
  });

  it("keeps every change made while another view is still loading", async () => {
    const asked: View[] = [];
    const served = serve([]);
    const held: (() => void)[] = [];
    let hold = false;
    const slow: ImportApi = {
      ...served,
      fetchPage: async (event, v, offset, limit) => {
        asked.push(v);
        if (hold) await new Promise<void>((go) => held.push(go));
        const page = await served.fetchPage(event, v, offset, limit);
        // The search matches one row.
        return v.search ? { ...page, total: 1 } : page;
      },
    };
    const view = new ImportView(batch(), slow, { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    await view.apply({ rows: "invalid", filter: "seats > 1", search: "" });
    hold = true;
    // "All", then Escape in the SQL box, then a search, each before the one before has loaded.
    view.root.querySelector<HTMLElement>("[data-testid=rows-all]")?.click();
    const sql = view.root.querySelector<HTMLInputElement>("[data-testid=sql-filter]") as HTMLInputElement;
    sql.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    const last = view.apply({ ...noFilters, search: "ignored" });
    await vi.waitFor(() => expect(held).toHaveLength(3));
    // The older answers land last and are ignored.
    (held.pop() as () => void)();
    await last;
    for (const go of held.reverse()) go();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked.slice(-3)).toEqual([
      { rows: "all", filter: "seats > 1", search: null, sort: null },
      { rows: "all", filter: null, search: null, sort: null },
      { rows: "all", filter: null, search: "ignored", sort: null },
    ]);
    expect(view.state().filters).toEqual({ ...noFilters, search: "ignored" });
    expect(view.root.querySelector("[data-testid=rows-all]")?.getAttribute("aria-pressed")).toBe("true");
    const counts = view.root.querySelector<HTMLElement>("[data-testid=row-counts]");
    expect(counts?.dataset.filtered).toBe("1");
    view.destroy();
    view.root.remove();
  });

  it("going back to the view shown while another loads drops the other", async () => {
    const views: View[] = [];
    const served = serve(views);
    let release: (() => void) | undefined;
    const slow: ImportApi = {
      ...served,
      fetchPage: async (event, v, offset, limit) => {
        if (v.rows === "invalid") await new Promise<void>((go) => (release = go));
        return served.fetchPage(event, v, offset, limit);
      },
    };
    const view = new ImportView(batch(), slow, { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    view.root.querySelector<HTMLElement>("[data-testid=rows-invalid]")?.click();
    await vi.waitFor(() => expect(release).toBeDefined());
    view.root.querySelector<HTMLElement>("[data-testid=rows-all]")?.click();
    await vi.waitFor(() => expect(views.at(-1)?.rows).toBe("all"));
    (release as () => void)();
    // Every microtask of the older answer runs before this timer: it has landed, and was ignored.
    await new Promise((r) => setTimeout(r, 0));
    const counts = view.root.querySelector<HTMLElement>("[data-testid=row-counts]");
    expect(counts?.textContent).toBe("3,000 rows");
    expect(view.root.querySelector("[data-testid=rows-all]")?.getAttribute("aria-pressed")).toBe("true");
    view.destroy();
    view.root.remove();
  });

  it("explains a broken filter and keeps the last view that worked", async () => {
    const views: View[] = [];
    const view = new ImportView(batch(), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    await view.apply({ rows: "all", filter: "seats >", search: "" });
    const error = view.root.querySelector("[data-testid=filter-error]")?.textContent;
    expect(error).toBe("the filter is not a valid SQL expression. The grid still shows the last view that worked. (Cells sent empty: col = ''; missing ones: col IS NULL.)");
    expect(view.root.querySelector("[data-testid=sql-filter]")?.classList.contains("invalid")).toBe(true);
    expect(view.root.querySelector<HTMLElement>("[data-testid=row-counts]")?.textContent).toBe("3,000 rows");
    view.destroy();
    view.root.remove();
  });

  it("says which view matched no rows, and clears it in one click", async () => {
    const views: View[] = [];
    const view = new ImportView(batch(), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    await view.open();
    const nothing = view.root.querySelector<HTMLElement>("[data-testid=no-rows]");
    expect(nothing?.hidden).toBe(true);
    await view.apply({ rows: "invalid", filter: "seats > 999", search: "" });
    expect(nothing?.hidden).toBe(false);
    expect(nothing?.textContent).toContain("No rows match invalid rows · filter seats > 999.");
    nothing?.querySelector<HTMLButtonElement>("[data-testid=no-rows-clear]")?.click();
    await vi.waitFor(() => expect(nothing?.hidden).toBe(true));
    expect(views.at(-1)).toEqual({ rows: "all", filter: null, search: null, sort: null });
    view.destroy();
  });

  it("hands the current view and its row count to the export dialog", async () => {
    const exported: [View, number | null][] = [];
    const view = new ImportView(batch(), serve([]), { export: (_b, v, n) => exported.push([v, n]), remove: () => undefined, configure: () => undefined });
    await view.open();
    await view.apply({ rows: "valid", filter: "seats > 1", search: "" });
    view.openExport();
    expect(exported).toEqual([[{ rows: "valid", filter: "seats > 1", search: null, sort: null }, 1000]]);
    view.destroy();
  });

  it("narrows a column by its values from the header, shows the filter as a chip, and removes it", async () => {
    const views: View[] = [];
    const asked: { view: View; column: string }[] = [];
    const view = new ImportView(batch(), serve(views, asked), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    await view.apply({ ...noFilters, filter: "seats > 1" });
    const menu = await vi.waitFor(() => {
      const b = view.root.querySelector<HTMLButtonElement>("[data-testid=column-menu][data-column=seats]");
      expect(b).not.toBeNull();
      return b as HTMLButtonElement;
    });
    menu.click();
    const tools = view.root.querySelector<HTMLElement>("[data-testid=column-tools]") as HTMLElement;
    await vi.waitFor(() => expect(tools.querySelectorAll("[data-testid=column-value]")).toHaveLength(2));
    // Counted over the whole view, as Rust sees it.
    expect(asked).toEqual([{ view: { rows: "all", filter: "seats > 1", search: null, sort: null }, column: "seats" }]);
    const seven = tools.querySelectorAll<HTMLInputElement>("[data-testid=column-value] input")[1] as HTMLInputElement;
    seven.checked = false;
    seven.dispatchEvent(new Event("change"));
    tools.querySelector<HTMLButtonElement>("[data-testid=column-values-apply]")?.click();
    await vi.waitFor(() => expect(views.at(-1)?.filter).toBe(`(seats > 1) AND ("seats" = 5)`));
    const chip = view.root.querySelector<HTMLElement>("[data-testid=value-chip]");
    expect(chip?.textContent).toBe("seats is 5×");
    // Opened again, the list is counted without the column's own filter.
    view.root.querySelector<HTMLButtonElement>("[data-testid=column-menu][data-column=seats]")?.click();
    await vi.waitFor(() => expect(asked).toHaveLength(2));
    expect(asked[1]?.view.filter).toBe("seats > 1");
    document.body.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    chip?.querySelector<HTMLButtonElement>("[data-testid=value-chip-remove]")?.click();
    await vi.waitFor(() => expect(views.at(-1)?.filter).toBe("seats > 1"));
    expect(view.root.querySelector("[data-testid=value-chip]")).toBeNull();
    view.destroy();
    view.root.remove();
  });

  it("never shows All while a reason narrows the grid, and All lets go of it", async () => {
    const views: View[] = [];
    const view = new ImportView(batch(), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    document.body.append(view.root);
    await view.open();
    const pressed = () => ["all", "valid", "invalid"].map((s) => view.root.querySelector(`[data-testid=rows-${s}]`)?.getAttribute("aria-pressed"));
    expect(pressed()).toEqual(["true", "false", "false"]);
    await view.apply({ ...noFilters, errors: { column: "seats" } });
    expect(pressed()).toEqual(["false", "false", "false"]);
    await view.apply({ ...noFilters, rows: "invalid", errors: { column: "seats" } });
    expect(pressed()).toEqual(["false", "false", "true"]);
    view.root.querySelector<HTMLElement>("[data-testid=rows-all]")?.click();
    await vi.waitFor(() => expect(pressed()).toEqual(["true", "false", "false"]));
    expect(views.at(-1)).toEqual({ rows: "all", filter: null, search: null, sort: null });
    view.destroy();
    view.root.remove();
  });

  it("opens where the reviewer left it: filters, search and sort", async () => {
    const views: View[] = [];
    const first = new ImportView(batch(), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined });
    await first.open();
    await first.apply({ rows: "invalid", filter: "seats > 2", search: "acme" });
    const kept = { ...first.state(), sort: { column: "seats", descending: true } };
    first.destroy();
    const again = new ImportView(batch(), serve(views), { export: () => undefined, remove: () => undefined, configure: () => undefined }, kept);
    document.body.append(again.root);
    await again.open();
    expect(views.at(-1)).toEqual({ rows: "invalid", filter: "seats > 2", search: "acme", sort: { column: "seats", descending: true } });
    expect(again.root.querySelector<HTMLInputElement>("[data-testid=sql-filter]")?.value).toBe("seats > 2");
    expect(again.root.querySelector<HTMLInputElement>("[data-testid=search]")?.value).toBe("acme");
    expect(again.root.querySelector("[data-testid=rows-invalid]")?.getAttribute("aria-pressed")).toBe("true");
    expect(again.state()).toEqual(kept);
    again.destroy();
    again.root.remove();
  });

  it("says a revision sent again starts without the earlier one's corrections, and opens it", async () => {
    const api = serve([]);
    const first = api.fetchPage.bind(api);
    api.fetchPage = async (event, v, offset, limit) => ({ ...(await first(event, v, offset, limit)), earlier_corrections: { event: "evt-0", revision: 1, cells: 3 } });
    const opened: string[] = [];
    const view = new ImportView(batch({ revision: 2 }), api, { export: () => undefined, remove: () => undefined, configure: () => undefined, openEvent: (e) => opened.push(e) });
    document.body.append(view.root);
    await view.open();
    const notice = view.root.querySelector<HTMLElement>("[data-testid=earlier-corrections]");
    expect(notice?.hidden).toBe(false);
    expect(notice?.textContent).toBe("This revision starts without corrections: revision 1 has 3 corrected cells. Open revision 1");
    view.root.querySelector<HTMLButtonElement>("[data-testid=earlier-open]")?.click();
    expect(opened).toEqual(["evt-0"]);
    view.destroy();
    view.root.remove();
  });
});
