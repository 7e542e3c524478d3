import type { ColumnInfo } from "../src/bindings/ColumnInfo";
import type { View } from "../src/bindings/View";
import type { Grid } from "../src/grid";
import { RowActions, type RowActionsApi } from "../src/rowactions";
import { MAX_COPY_ROWS } from "../src/selection";


const notAsked = async (): Promise<never> => {
  throw new Error("not asked");
};

const columns: ColumnInfo[] = [
  { name: "_row", kind: "int", meta: true },
  { name: "country", kind: "text", meta: false },
];
const view: View = { rows: "all", filter: "country = 'Germany '", search: null, sort: null };

describe("RowActions", () => {
  it("refuses a copy larger than a copy may be, and says to export instead", async () => {
    const fetched: number[] = [];
    const grid = { selected: () => ({ from: 0, to: MAX_COPY_ROWS, columns: ["email"] }), rowAt: () => undefined } as unknown as Grid;
    const actions = new RowActions(
      {
        fetchPage: async (_e, _v, offset) => {
          fetched.push(offset);
          throw new Error("not asked");
        },
        sentRow: notAsked,
        flagRows: notAsked,
        unflagRows: notAsked,
        correctCell: notAsked,
        revertCorrection: notAsked,
      },
      grid,
      { event: () => "evt", view: () => ({ rows: "all", filter: null, search: null, sort: null }), columns: () => [], filterTo: () => undefined, details: () => undefined, flagsChanged: () => undefined },
    );
    await actions.copySelection();
    expect(actions.status.textContent).toBe("Copy takes at most 100,000 rows; this selection has 100,001 rows. Export them instead.");
    expect(fetched).toEqual([]);
    actions.destroy();
  });

  it("flags the picked rows or the whole view with a note asked for, and unflags a flagged row", async () => {
    const asked: { rows: number[] | null; view: View | null; note: string | null }[] = [];
    const api: RowActionsApi = {
      fetchPage: notAsked,
      sentRow: notAsked,
      flagRows: async (_e, rows, v, note) => {
        asked.push({ rows, view: v, note });
        return { flagged: rows?.length ?? 7, kept: 0 };
      },
      unflagRows: async (_e, rows, v) => {
        asked.push({ rows, view: v, note: null });
        return rows?.length ?? 0;
      },
      correctCell: notAsked,
      revertCorrection: notAsked,
    };
    const held: unknown[][] = [
      [10, "DE", [], null],
      [11, "Germany ", [], { row: 11, note: "ask", by: "bob", at: "2026-12-02T10:00:00Z" }],
      [12, "Germany ", [], null],
    ];
    let selected: { from: number; to: number; columns: string[] } | null = null;
    const grid = { selected: () => selected, rowAt: (i: number) => held[i] } as unknown as Grid;
    let redrawn = 0;
    const actions = new RowActions(api, grid, { event: () => "evt", view: () => view, columns: () => columns, filterTo: () => undefined, details: () => undefined, flagsChanged: () => (redrawn += 1) });
    document.body.replaceChildren(actions.menu.root);
    const menu = () => [...actions.menu.root.querySelectorAll<HTMLButtonElement>("button")].map((b) => b.textContent);
    const click = (testid: string) => actions.menu.root.querySelector<HTMLButtonElement>(`[data-testid=${testid}]`)?.click();
    const answer = async (note: string) => {
      const input = await vi.waitFor(() => {
        const found = document.querySelector<HTMLInputElement>("[data-testid=ask-input]");
        if (!found) throw new Error("no dialog yet");
        return found;
      });
      input.value = note;
      input.dispatchEvent(new Event("input"));
      document.querySelector<HTMLButtonElement>("[data-testid=ask-ok]")?.click();
    };

    // One row, not flagged: flag it (no unflag offered).
    actions.openMenu(0, "country", held[0], 0, 0);
    expect(menu()).toContain("Flag row…");
    expect(menu()).not.toContain("Unflag row");
    click("menu-flag");
    await answer("  wrong country ");
    await vi.waitFor(() => expect(actions.status.textContent).toBe("⚑ Flagged 1 row"));
    expect(asked.at(-1)).toEqual({ rows: [10], view: null, note: "wrong country" });

    // A flagged row offers unflag.
    actions.openMenu(1, "country", held[1], 0, 0);
    click("menu-unflag");
    await vi.waitFor(() => expect(actions.status.textContent).toBe("Unflagged 1 row"));
    expect(asked.at(-1)).toEqual({ rows: [11], view: null, note: null });

    // A pick of two rows flags both.
    selected = { from: 1, to: 2, columns: ["country"] };
    actions.openMenu(1, "country", held[1], 0, 0);
    expect(menu()).toContain("Flag 2 rows…");
    click("menu-flag");
    await answer("trailing space");
    await vi.waitFor(() => expect(asked.at(-1)).toEqual({ rows: [11, 12], view: null, note: "trailing space" }));

    // The whole view, as the grid shows it.
    actions.openMenu(0, "country", held[0], 0, 0);
    click("menu-flag-view");
    await answer("check all");
    await vi.waitFor(() => expect(asked.at(-1)).toEqual({ rows: null, view, note: "check all" }));
    await vi.waitFor(() => expect(redrawn).toBe(4));

    // Cancelled: nothing is asked.
    const before = asked.length;
    actions.openMenu(0, "country", held[0], 0, 0);
    click("menu-flag");
    await vi.waitFor(() => expect(document.querySelector("[data-testid=ask-cancel]")).not.toBeNull());
    document.querySelector<HTMLButtonElement>("[data-testid=ask-cancel]")?.click();
    expect(asked).toHaveLength(before);
    actions.destroy();
  });
});

describe("RowActions corrections", () => {
  it("corrects a cell with the value typed (empty too) and reverts a corrected one", async () => {
    const asked: unknown[][] = [];
    const api: RowActionsApi = {
      fetchPage: notAsked,
      sentRow: notAsked,
      flagRows: notAsked,
      unflagRows: notAsked,
      correctCell: async (event, row, column, value) => {
        asked.push(["correct", event, row, column, value]);
        return { id: 9, row, column, sent: "Germany ", value, by: "alice", at: "2026-12-02T10:00:00Z" };
      },
      revertCorrection: async (event, id) => {
        asked.push(["revert", event, id]);
        return null;
      },
    };
    const plain = [10, "Germany ", [], null, []];
    const corrected = [11, "Germany", [], null, [{ id: 4, row: 11, column: "country", sent: "Germany ", value: "Germany", by: "bob", at: "2026-12-02T10:00:00Z" }]];
    const grid = { selected: () => null, rowAt: () => undefined } as unknown as Grid;
    let redrawn = 0;
    const actions = new RowActions(api, grid, { event: () => "evt", view: () => view, columns: () => columns, filterTo: () => undefined, details: () => undefined, flagsChanged: () => (redrawn += 1) });
    document.body.replaceChildren(actions.menu.root);
    const click = (testid: string) => actions.menu.root.querySelector<HTMLButtonElement>(`[data-testid=${testid}]`)?.click();
    const labels = () => [...actions.menu.root.querySelectorAll("button")].map((b) => b.textContent);

    actions.openMenu(0, "country", plain, 0, 0);
    expect(labels()).toContain("Correct country…");
    expect(labels()).not.toContain("Revert the correction");
    click("menu-correct");
    const input = await vi.waitFor(() => {
      const found = document.querySelector<HTMLInputElement>("[data-testid=ask-input]");
      if (!found) throw new Error("no dialog yet");
      return found;
    });
    expect(input.value).toBe("Germany ");
    input.value = "";
    input.dispatchEvent(new Event("input"));
    document.querySelector<HTMLButtonElement>("[data-testid=ask-ok]")?.click();
    await vi.waitFor(() => expect(asked.at(-1)).toEqual(["correct", "evt", 10, "country", ""]));
    await vi.waitFor(() => expect(actions.status.textContent).toBe("✓ Corrected country in row 11"));

    actions.openMenu(1, "country", corrected, 0, 0);
    click("menu-revert");
    await vi.waitFor(() => expect(asked.at(-1)).toEqual(["revert", "evt", 4]));
    await vi.waitFor(() => expect(redrawn).toBe(2));
    // Meta columns are not corrected.
    actions.openMenu(0, "_row", plain, 0, 0);
    expect(labels()).not.toContain("Correct _row…");
    actions.destroy();
  });
});
