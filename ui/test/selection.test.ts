import { type Filters, allOf, describe as inWords, noFilters, toView, valuesCondition, valuesOf, valuesText, withValues } from "../src/filters";
import { Selection, tsv } from "../src/selection";

const shown = ["#", "_valid", "email", "plan", "seats"];

describe("Selection", () => {
  it("picks a cell, stretches a rectangle with Shift, and whole rows from the row number", () => {
    const s = new Selection();
    expect(s.rect(shown)).toBeNull();
    s.pick({ row: 5, column: "plan" }, false);
    expect(s.rect(shown)).toEqual({ from: 5, to: 5, columns: ["plan"] });
    s.pick({ row: 2, column: "email" }, true);
    expect(s.rect(shown)).toEqual({ from: 2, to: 5, columns: ["email", "plan"] });
    expect(s.has(3, "plan", shown)).toBe(true);
    expect(s.has(3, "seats", shown)).toBe(false);
    expect(s.has(6, "plan", shown)).toBe(false);
    s.pick({ row: 10, column: "#" }, false, true);
    s.pick({ row: 12, column: "#" }, true, true);
    expect(s.rect(shown)).toEqual({ from: 10, to: 12, columns: shown });
    s.all(1000, shown);
    expect(s.rect(shown)).toEqual({ from: 0, to: 999, columns: shown });
    s.all(0, shown);
    expect(s.rect(shown)).toBeNull();
  });

  it("copies as tab-separated lines a spreadsheet pastes, quoting what would break them", () => {
    expect(tsv([["a", "b"], ["1", ""]])).toBe("a\tb\n1\t");
    expect(tsv([["tab\there", 'say "hi"', "two\nlines"]])).toBe('"tab\there"\t"say ""hi"""\t"two\nlines"');
  });
});

describe("Filter to this value", () => {
  it("writes a condition for text, numbers, booleans, empty and missing values", () => {
    expect(valuesCondition("plan", ["team"])).toBe(`"plan" = 'team'`);
    expect(valuesCondition("name", ["O'Brien"])).toBe(`"name" = 'O''Brien'`);
    expect(valuesCondition('odd"col', [5])).toBe(`"odd""col" = 5`);
    expect(valuesCondition("_valid", [false])).toBe(`"_valid" = false`);
    expect(valuesCondition("email", [""])).toBe(`"email" = ''`);
    expect(valuesCondition("email", [null])).toBe(`"email" IS NULL`);
    expect(allOf(["", `"a" = 1`])).toBe(`"a" = 1`);
    expect(allOf(["seats > 1 OR x", `"a" = 1`])).toBe(`(seats > 1 OR x) AND ("a" = 1)`);
  });
});

describe("value filters", () => {
  it("write the SQL the CLI's --where takes", () => {
    expect(valuesCondition("plan", ["team", "free"])).toBe(`"plan" IN ('team', 'free')`);
    expect(valuesCondition("plan", ["team", "", null])).toBe(`"plan" IN ('team', '') OR "plan" IS NULL`);
    expect(valuesCondition("plan", [null])).toBe(`"plan" IS NULL`);
    expect(valuesCondition("seats", [3, 7], "int")).toBe(`"seats" IN (3, 7)`);
    // JSON drops a float's `.0`; Polars wants one type in a list.
    expect(valuesCondition("rate", [0.5, 2], "float")).toBe(`"rate" IN (0.5, 2.0)`);
    expect(valuesCondition("ok", [true], "bool")).toBe(`"ok" = true`);
    // Money comes as its text, every decimal kept, and is compared as the number it is.
    expect(valuesCondition("revenue", ["4.90", "-0.05", null], "decimal")).toBe(`"revenue" IN (4.90, -0.05) OR "revenue" IS NULL`);
    expect(valuesCondition("x", [])).toBe("false");
  });

  it("join the typed filter in the view, one per column, and read in words", () => {
    let f: Filters = { ...noFilters, filter: "seats > 1 OR x" };
    f = withValues(f, "plan", ["team", null]);
    f = withValues(f, "rate", [2], "float");
    f = withValues(f, "plan", ["free"]);
    expect(valuesOf(f, "plan")).toEqual(["free"]);
    expect(toView(f, null).filter).toBe(`(seats > 1 OR x) AND ("rate" = 2.0) AND ("plan" = 'free')`);
    expect(inWords(f)).toBe("filter seats > 1 OR x · rate is 2 · plan is free");
    const none = withValues(withValues(f, "plan", null), "rate", null);
    expect(none.values).toBeUndefined();
    expect(toView(none, null).filter).toBe("seats > 1 OR x");
    expect(allOf(["", " a "])).toBe("a");
    expect(valuesText(["a", "", null, 1, 2, 3, 4])).toBe("is one of a, empty, missing, 1, 2, 2 more");
  });
});
