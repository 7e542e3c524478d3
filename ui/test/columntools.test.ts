import type { ColumnValues } from "../src/bindings/ColumnValues";
import { ColumnTools, type ColumnToolsHooks, filterChips } from "../src/columntools";

const plan: ColumnValues = {
  column: "plan",
  rows: 120000,
  distinct: 3,
  empty: 9000,
  missing: 1000,
  values: [
    { value: "team", count: 60000 },
    { value: "free", count: 50000 },
    { value: "", count: 9000 },
    { value: null, count: 1000 },
  ],
  more: false,
};

interface Calls {
  filtered: [string, unknown[] | null][];
  hidden: string[];
  pinned: [string, boolean][];
}

function tools(answer: Promise<ColumnValues>, chosen: unknown[] | null = null, pinned: boolean | null = false) {
  const calls: Calls = { filtered: [], hidden: [], pinned: [] };
  const hooks: ColumnToolsHooks = {
    values: () => answer,
    chosen: () => chosen,
    filter: (column, values) => calls.filtered.push([column, values]),
    hide: (column) => calls.hidden.push(column),
    pin: (column, on) => calls.pinned.push([column, on]),
    pinned: () => pinned,
  };
  const t = new ColumnTools(hooks);
  document.body.append(t.root);
  return { t, calls };
}

const anchor = new DOMRect(10, 10, 20, 20);
const q = <T extends Element = HTMLElement>(root: Element, testid: string) => root.querySelector<T>(`[data-testid=${testid}]`);
const rows = (root: Element) => [...root.querySelectorAll<HTMLElement>("[data-testid=column-value]")];
const box = (row: HTMLElement) => row.querySelector<HTMLInputElement>("input") as HTMLInputElement;

describe("ColumnTools", () => {
  it("counts the column's values and narrows it to the ticked ones", async () => {
    const { t, calls } = tools(Promise.resolve(plan));
    await t.show("plan", "text", anchor);
    expect(q(t.root, "column-summary")?.textContent).toBe("120,000 rows · 3 distinct · 9,000 empty · 1,000 missing");
    // Empty and missing are told apart, each with its count.
    expect(rows(t.root).map((r) => r.textContent)).toEqual(["team60,000", "free50,000", "empty9,000", "—1,000"]);
    const apply = q<HTMLButtonElement>(t.root, "column-values-apply") as HTMLButtonElement;
    const all = q<HTMLInputElement>(t.root, "column-values-all") as HTMLInputElement;
    expect(all.checked).toBe(true);

    // Untick "free": the rest is the filter, missing included.
    const free = rows(t.root)[1] as HTMLElement;
    box(free).checked = false;
    box(free).dispatchEvent(new Event("change"));
    expect(all.indeterminate).toBe(true);
    apply.click();
    expect(calls.filtered).toEqual([["plan", ["team", "", null]]]);
    expect(t.open).toBe(false);
  });

  it("means no filter when every value is ticked, and refuses to filter with none", async () => {
    const { t, calls } = tools(Promise.resolve(plan));
    await t.show("plan", "text", anchor);
    const all = q<HTMLInputElement>(t.root, "column-values-all") as HTMLInputElement;
    const apply = q<HTMLButtonElement>(t.root, "column-values-apply") as HTMLButtonElement;
    all.checked = false;
    all.dispatchEvent(new Event("change"));
    expect(rows(t.root).every((r) => !box(r).checked)).toBe(true);
    expect(apply.disabled).toBe(true);
    all.checked = true;
    all.dispatchEvent(new Event("change"));
    apply.click();
    expect(calls.filtered).toEqual([["plan", null]]);
  });

  it("opens with the column's filter ticked, keeps chosen values the list does not reach, and clears it", async () => {
    const { t, calls } = tools(Promise.resolve(plan), ["free", "gold"]);
    await t.show("plan", "text", anchor);
    expect(rows(t.root).filter((r) => box(r).checked).map((r) => r.dataset.value)).toEqual(["free", "gold"]);
    q<HTMLButtonElement>(t.root, "column-values-clear")?.click();
    expect(calls.filtered).toEqual([["plan", null]]);
  });

  it("finds a value among many and says when not all are listed", async () => {
    const many: ColumnValues = {
      ...plan,
      distinct: 5000,
      values: Array.from({ length: 200 }, (_, i) => ({ value: `city ${i}`, count: 300 - i })),
      more: true,
    };
    const { t } = tools(Promise.resolve(many));
    await t.show("city", "text", anchor);
    expect(q(t.root, "column-values-more")?.textContent).toContain("The 200 most common of 5,000 values are listed");
    const find = q<HTMLInputElement>(t.root, "column-find") as HTMLInputElement;
    find.value = "city 19";
    find.dispatchEvent(new Event("input"));
    const shown = rows(t.root).filter((r) => !r.hidden).map((r) => r.dataset.value);
    expect(shown).toEqual(["city 19", ...Array.from({ length: 10 }, (_, i) => `city ${190 + i}`)]);
  });

  it("says why the values could not be counted", async () => {
    const { t } = tools(Promise.reject(new Error("the import was deleted")));
    await t.show("plan", "text", anchor);
    expect(q(t.root, "column-summary")?.textContent).toBe("Could not count the values of plan: the import was deleted. Close this and try again; the grid is unchanged.");
  });

  it("hides and pins the column, and offers no pin for a column always pinned", async () => {
    const { t, calls } = tools(Promise.resolve(plan));
    await t.show("plan", "text", anchor);
    q<HTMLButtonElement>(t.root, "column-pin")?.click();
    await t.show("plan", "text", anchor);
    q<HTMLButtonElement>(t.root, "column-hide")?.click();
    expect(calls.pinned).toEqual([["plan", true]]);
    expect(calls.hidden).toEqual(["plan"]);
    const fixed = tools(Promise.resolve(plan), null, null);
    await fixed.t.show("_part", "int", anchor);
    expect(q(fixed.t.root, "column-pin")).toBeNull();
  });

  it("drops an answer for a column it no longer shows", async () => {
    let late: (v: ColumnValues) => void = () => undefined;
    const { t } = tools(new Promise<ColumnValues>((resolve) => (late = resolve)));
    const first = t.show("plan", "text", anchor);
    t.close();
    late(plan);
    await first;
    expect(rows(t.root)).toHaveLength(0);
  });
  it("closes on a press outside it, and stops listening once destroyed", async () => {
    const { t } = tools(Promise.resolve(plan));
    await t.show("plan", "text", anchor);
    const outside = () => document.body.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    outside();
    expect(t.open).toBe(false);
    await t.show("plan", "text", anchor);
    t.destroy();
    outside();
    expect(t.open).toBe(true);
    t.root.remove();
  });
});

describe("filterChips", () => {
  it("names each value filter and the hidden columns, with a way to undo each", () => {
    const cleared: string[] = [];
    let shown = 0;
    const chips = filterChips(
      [{ column: "plan", values: ["team", null] }, { column: "seats", values: [3] }],
      ["email", "phone"],
      { edit: () => undefined, clear: (c) => cleared.push(c), showAll: () => shown++ },
    );
    expect(chips.map((c) => c.textContent)).toEqual(["plan is one of team, missing×", "seats is 3×", "2 columns hidden: email, phone Show"]);
    chips[1]?.querySelector<HTMLButtonElement>("[data-testid=value-chip-remove]")?.click();
    chips[2]?.querySelector<HTMLButtonElement>("[data-testid=show-columns]")?.click();
    expect(cleared).toEqual(["seats"]);
    expect(shown).toBe(1);
  });
});
