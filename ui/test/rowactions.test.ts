import type { Grid } from "../src/grid";
import { RowActions } from "../src/rowactions";
import { MAX_COPY_ROWS } from "../src/selection";

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
        sentRow: async () => {
          throw new Error("not asked");
        },
      },
      grid,
      { event: () => "evt", view: () => ({ rows: "all", filter: null, search: null, sort: null }), columns: () => [], filterTo: () => undefined, details: () => undefined },
    );
    await actions.copySelection();
    expect(actions.status.textContent).toBe("Copy takes at most 100,000 rows; this selection has 100,001 rows. Export them instead.");
    expect(fetched).toEqual([]);
    actions.destroy();
  });
});
