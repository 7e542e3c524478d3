import type { IGetRowsParams } from "ag-grid-community";
import { CommandError } from "../src/api";
import type { GridPage } from "../src/bindings/GridPage";
import type { CellProblem } from "../src/bindings/CellProblem";
import type { View } from "../src/bindings/View";
import { noFilters, sortFrom, toView } from "../src/filters";
import { ROW_NUMBER, cellText, cellTone, columnDefs, errorsText, firstHit, highlighted, problemText, rowErrors, rowFlag, shownValue, statusText, withErrors } from "../src/columns";
import { Grid, datasource } from "../src/grid";

const columns: GridPage["columns"] = [
  { name: "_row", kind: "int", meta: true },
  { name: "_part", kind: "int", meta: true },
  { name: "_valid", kind: "bool", meta: true },
  { name: "email", kind: "text", meta: false },
  { name: "seats", kind: "int", meta: false },
];

function page(offset: number, n: number, total = 1000): GridPage {
  const rows = Array.from({ length: n }, (_, i) => [offset + i, 1, (offset + i) % 2 === 0, `u${offset + i}@x`, i]);
  return { total, batch_rows: 1000, offset, columns, rows, errors: null, flags: rows.map(() => null), corrections: rows.map(() => []), corrected_cells: 0, earlier_corrections: null };
}

function request(startRow: number, endRow: number, sortModel: IGetRowsParams["sortModel"] = []) {
  const result: { rows?: unknown[]; last?: number; failed?: boolean } = {};
  const params = {
    startRow,
    endRow,
    sortModel,
    filterModel: {},
    context: undefined,
    successCallback: (rows: unknown[], last?: number) => Object.assign(result, { rows, last }),
    failCallback: () => Object.assign(result, { failed: true }),
  } as unknown as IGetRowsParams;
  return { params, result };
}

describe("datasource", () => {
  it("asks Rust for each block with the view, and reuses the block it was given", async () => {
    const asked: { view: View; offset: number; limit: number }[] = [];
    const fetchPage = async (view: View, offset: number, limit: number) => {
      asked.push({ view, offset, limit });
      return page(offset, limit);
    };
    const filters = { ...noFilters, rows: "invalid" as const, filter: " seats > 1 " };
    const first = { view: toView(filters, null), page: page(0, 100) };
    const seen: number[] = [];
    const source = datasource(fetchPage, (m) => toView(filters, sortFrom(m)), first, (p) => seen.push(p.offset), () => undefined);

    const a = request(0, 100);
    source.getRows(a.params);
    await vi.waitFor(() => expect(a.result.rows).toHaveLength(100));
    expect(asked).toEqual([]);
    expect(a.result.last).toBe(1000);

    const b = request(100, 200, [{ colId: "seats", sort: "desc" }]);
    source.getRows(b.params);
    await vi.waitFor(() => expect(b.result.rows).toHaveLength(100));
    expect(asked).toEqual([
      {
        view: { rows: "invalid", filter: "seats > 1", search: null, sort: { column: "seats", descending: true } },
        offset: 100,
        limit: 100,
      },
    ]);
    expect(seen).toEqual([0, 100]);
  });

  it("fails the block and reports the error when Rust refuses", async () => {
    const refuse = () => Promise.reject(new CommandError("bad_filter", "the filter is not a valid SQL expression"));
    const errors: unknown[] = [];
    const source = datasource(refuse, () => toView(noFilters, null), null, () => undefined, (e) => errors.push(e));
    const r = request(0, 100);
    source.getRows(r.params);
    await vi.waitFor(() => expect(r.result.failed).toBe(true));
    expect(errors[0]).toMatchObject({ code: "bad_filter" });
  });
});

describe("columns", () => {
  it("puts a status column first and keeps _row/_part/_valid out of the way", () => {
    const defs = columnDefs(columns, false);
    expect(defs.map((d) => [d.colId, d.hide ?? false])).toEqual([
      ["#", false],
      ["_valid", false],
      ["_row", true],
      ["_part", true],
      ["email", false],
      ["seats", false],
    ]);
    expect(defs[1]?.headerName).toBe("Status");
    expect(columnDefs(columns, true).filter((d) => !d.hide).map((d) => d.colId)).toEqual(["#", "_valid", "_row", "_part", "email", "seats"]);
    expect(defs.find((d) => d.colId === "seats")?.type).toBe("rightAligned");
  });

  it("heads a sheet's columns with their field labels, the key kept in the tooltip", () => {
    const defs = columnDefs(columns, false, false, undefined, new Map([["email", "E-mail <b>address</b>"]]));
    const email = defs.find((d) => d.colId === "email");
    expect(email?.headerName).toBe("E-mail <b>address</b>");
    expect(email?.headerTooltip).toContain("field email");
    expect(defs.find((d) => d.colId === "seats")?.headerName).toBe("seats");
  });

  it("marks rows valid and invalid in words and icons", () => {
    expect(statusText(true)).toBe("✓ valid");
    expect(statusText(false)).toBe("✕ invalid");
    expect(statusText(null)).toBe("");
  });
});

describe("errors", () => {
  const problems: CellProblem[] = [
    { column: "email", validator: "regex_matches", message: "Must be a valid email address", source: "configuration", level: "error" },
    { column: "email", validator: "unique", message: "Must be unique", source: "configuration", level: "error" },
    { column: "seats", validator: "required", message: "Required", source: "configuration", level: "error" },
  ];

  it("marks a cell red for an error, amber for a warning and quietly for a note", () => {
    const warn: CellProblem = { column: "plan", validator: "custom-logic", message: "Free plans expire", source: "flatfile", level: "warn" };
    const info: CellProblem = { ...warn, level: "info", message: "Imported from CRM" };
    expect(cellTone([])).toBeNull();
    expect(cellTone([info])).toBe("info");
    expect(cellTone([info, warn])).toBe("warn");
    expect(cellTone([warn, ...problems])).toBe("error");
    expect(problemText(warn)).toBe("Warning: Free plans expire (Flatfile)");
    expect(problemText(info)).toBe("Note: Imported from CRM (Flatfile)");
    expect(errorsText([warn, info])).toBe("");
  });

  it("carries each row's errors with its values and names the failing columns once", () => {
    const p: GridPage = { ...page(0, 2), errors: [problems, []] };
    const rows = withErrors(p);
    expect(rows[0]).toHaveLength(columns.length + 3);
    expect(rowErrors(rows[0], columns.length)).toEqual(problems);
    expect(rowErrors(rows[1], columns.length)).toEqual([]);
    expect(errorsText(problems)).toBe("email, seats");
    expect(withErrors(page(0, 2)).map((r) => r.slice(0, columns.length))).toEqual(page(0, 2).rows);
  });

  it("carries each row's flag and marks a flagged row's number with its note on hover", () => {
    const flag = { row: 1, note: "ask the customer", by: "alice", at: "2026-12-02T10:00:00Z" };
    const rows = withErrors({ ...page(0, 2), flags: [null, flag] });
    expect(rowFlag(rows[0], columns.length)).toBeNull();
    expect(rowFlag(rows[1], columns.length)).toEqual(flag);
    const number = columnDefs(columns, false).find((d) => d.colId === ROW_NUMBER);
    const format = number?.valueFormatter as (p: unknown) => string;
    const tip = number?.tooltipValueGetter as (p: unknown) => string | null;
    expect(format({ value: 2, data: rows[1] })).toBe("⚑ 2");
    expect(format({ value: 1, data: rows[0] })).toBe("1");
    expect(tip({ data: rows[1] })).toBe("Flagged by alice: ask the customer");
    expect(tip({ data: rows[0] })).toBeNull();
  });

  it("marks a failing cell and shows its messages, only when a configuration applies", () => {
    expect(columnDefs(columns, false).some((d) => d.colId === "_errors")).toBe(false);
    const defs = columnDefs(columns, false, true);
    expect(defs.map((d) => d.colId).slice(0, 3)).toEqual(["#", "_valid", "_errors"]);
    const row = [...(page(0, 1).rows[0] ?? []), problems];
    const email = defs.find((d) => d.colId === "email");
    const seats = defs.find((d) => d.colId === "seats");
    const rule = (d: typeof email) => (d?.cellClassRules as Record<string, (p: unknown) => boolean>)["cell-error"];
    expect(rule(email)?.({ data: row })).toBe(true);
    expect(rule(email)?.({ data: page(0, 1).rows[0] })).toBe(false);
    const tip = email?.tooltipValueGetter as (p: unknown) => string | null;
    expect(tip({ data: row, value: "x" })).toBe("Must be a valid email address\nMust be unique");
    expect((seats?.tooltipValueGetter as (p: unknown) => string | null)({ data: row, value: 3 })).toBe("Required");
    const errorsCol = defs.find((d) => d.colId === "_errors");
    expect((errorsCol?.valueGetter as (p: unknown) => string)({ data: row })).toBe("email, seats");
  });
});

describe("row numbers and values", () => {
  it("numbers rows from 1 by their place in the import, whatever the view", () => {
    const number = columnDefs(columns, false)[0];
    const get = number?.valueGetter as (p: unknown) => unknown;
    expect(number?.colId).toBe(ROW_NUMBER);
    expect(get({ data: [41, 1, true, "a@x", 3] })).toBe(42);
    expect(get({ data: undefined })).toBeNull();
  });

  it("shows a missing value and an empty one differently, and copies both as nothing", () => {
    expect([shownValue(null), shownValue(undefined), shownValue(""), shownValue(0), shownValue("x")]).toEqual(["—", "—", "empty", "0", "x"]);
    const email = columnDefs(columns, false).find((d) => d.colId === "email");
    const rules = email?.cellClassRules as Record<string, (p: unknown) => boolean>;
    expect(rules["cell-missing"]?.({ data: [], value: null })).toBe(true);
    expect(rules["cell-empty"]?.({ data: [], value: "" })).toBe(true);
    expect(rules["cell-empty"]?.({ data: [], value: null })).toBe(false);
    const row = [4, 1, false, "", null];
    expect([ROW_NUMBER, "_valid", "email", "seats"].map((c) => cellText(columns, c, row))).toEqual(["5", "invalid", "", ""]);
  });
});

describe("search hits", () => {
  const parts = (text: string, needle: string | null) =>
    highlighted(text, needle).map((p) => (typeof p === "string" ? p : `[${p.textContent}]`)).join("");

  it("marks every hit in a cell, whatever its case, as text", () => {
    expect(parts("Anna and ANN", "ann")).toBe("[Ann]a and [ANN]");
    expect(parts("no hit", "zz")).toBe("no hit");
    expect(parts("<b>x</b>", "x")).toBe("<b>[x]</b>");
    expect(parts("abc", null)).toBe("abc");
    expect(highlighted("abc", "b").filter((p) => typeof p !== "string").every((p) => (p as HTMLElement).tagName === "MARK")).toBe(true);
  });

  it("finds the first shown column holding a hit", () => {
    const rows = [[0, 1, true, "a@x", 15], [1, 1, true, "b@x", 2]];
    expect(firstHit(columns, ["#", "_valid", "email", "seats"], rows, "15")).toBe("seats");
    expect(firstHit(columns, ["#", "_valid", "email", "seats"], rows, "B@")).toBe("email");
    expect(firstHit(columns, ["seats", "email"], rows, "zz")).toBeNull();
    expect(firstHit(columns, ["email"], rows, "")).toBeNull();
  });
});

describe("Grid.warmUp", () => {
  it("keeps one hidden grid for the styles, and draws a specimen row off screen, then drops it", async () => {
    const before = document.body.childElementCount;
    Grid.warmUp();
    // The hidden grid and the specimen.
    expect(document.body.childElementCount).toBe(before + 2);
    // The specimen is dropped only after its rows were asked for and drawn.
    await vi.waitFor(() => expect(document.body.childElementCount).toBe(before + 1));
    const grids = [...document.querySelectorAll(".ag-root-wrapper")];
    expect(grids.map((g) => g.closest("[data-testid=grid-styles]") !== null)).toEqual([true]);
    // Once is enough: a second warm-up keeps the same hidden grid.
    Grid.warmUp();
    await vi.waitFor(() => expect(document.body.childElementCount).toBe(before + 1));
  });
});
