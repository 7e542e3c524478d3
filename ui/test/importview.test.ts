import { CommandError } from "../src/api";
import type { GridPage } from "../src/bindings/GridPage";
import type { View } from "../src/bindings/View";
import { type ImportApi, ImportView } from "../src/importview";
import { batch } from "./fixtures";

const columns: GridPage["columns"] = [
  { name: "_row", kind: "int", meta: true },
  { name: "_part", kind: "int", meta: true },
  { name: "_valid", kind: "bool", meta: true },
  { name: "seats", kind: "int", meta: false },
];

/** Pages of a 3,000-row import: every view keeps a third of the rows, except a broken filter. */
function serve(views: View[]): ImportApi {
  return {
    async fetchPage(_event, view) {
      views.push(view);
      if (view.filter === "seats >") throw new CommandError("bad_filter", "the filter is not a valid SQL expression");
      const total = view.filter === "seats > 999" ? 0 : view.rows === "all" && !view.filter ? 3000 : 1000;
      return { total, batch_rows: 3000, offset: 0, columns, rows: [[0, 1, true, 5]], errors: null } satisfies GridPage;
    },
    importDetails: () => Promise.reject(new Error("not asked in these tests")),
    importErrors: async () => null,
    listConfigs: async () => [],
    useConfig: async () => undefined,
    savePartBody: () => Promise.reject(new Error("not asked in these tests")),
    sentRow: async (_event, row) => ({ row, part: 1, position: row + 1, valid: true, json: `{"seats":"${row}"}` }),
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
});
