import { equalsCondition, narrowed } from "../src/filters";
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
    expect(equalsCondition("plan", "team")).toBe(`"plan" = 'team'`);
    expect(equalsCondition("name", "O'Brien")).toBe(`"name" = 'O''Brien'`);
    expect(equalsCondition('odd"col', 5)).toBe(`"odd""col" = 5`);
    expect(equalsCondition("_valid", false)).toBe(`"_valid" = false`);
    expect(equalsCondition("email", "")).toBe(`"email" = ''`);
    expect(equalsCondition("email", null)).toBe(`"email" IS NULL`);
    expect(narrowed("", `"a" = 1`)).toBe(`"a" = 1`);
    expect(narrowed("seats > 1 OR x", `"a" = 1`)).toBe(`(seats > 1 OR x) AND "a" = 1`);
  });
});
