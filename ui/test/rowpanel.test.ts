import type { ColumnInfo } from "../src/bindings/ColumnInfo";
import type { Row } from "../src/columns";
import { ContextMenu } from "../src/menu";
import { RowPanel } from "../src/rowpanel";

const columns: ColumnInfo[] = [
  { name: "_row", kind: "int", meta: true },
  { name: "_part", kind: "int", meta: true },
  { name: "_valid", kind: "bool", meta: true },
  { name: "name", kind: "text", meta: false },
  { name: "note", kind: "text", meta: false },
];
const rows: Row[] = [
  [0, 1, true, "Ana", "a long note ".repeat(20)],
  [7, 2, false, "", null, [{ column: "name", validator: "required", message: "Required" }]],
];

function panel(moved: number[] = []) {
  const asked: number[] = [];
  const p = new RowPanel(
    {
      sentRow: async (_event: string, row: number) => {
        asked.push(row);
        return { row, part: row === 7 ? 2 : 1, position: row === 7 ? 3 : 1, valid: row === 0, json: `{"name":"${row}"}`, record: null };
      },
    },
    "evt-1",
    { row: async (i) => rows[i], columns: () => columns, total: () => rows.length, moved: (i) => moved.push(i) },
  );
  document.body.append(p.root);
  return { p, asked };
}

const text = (root: HTMLElement, id: string) => root.querySelector(`[data-testid=${id}]`)?.textContent ?? "";

describe("RowPanel", () => {
  it("shows every field, where the row came from and its JSON as sent", async () => {
    const { p } = panel();
    await p.show(1);
    expect(p.open).toBe(true);
    expect(text(p.root, "row-panel-title")).toBe("Row 8");
    expect(text(p.root, "row-panel-status")).toBe("invalid");
    expect(text(p.root, "row-panel-origin")).toBe("part 2, row 3 of that request (invalidRows)");
    expect(text(p.root, "row-panel-json")).toBe('{"name":"7"}');
    expect(p.root.dataset.shown).toBe("1");
    expect(text(p.root, "row-panel-errors")).toBe("name Required");
    const fields = [...p.root.querySelectorAll("[data-testid=row-panel-fields] dd")].map((d) => [d.textContent, d.className]);
    expect(fields).toEqual([["empty", "empty"], ["—", "missing"]]);
    p.root.remove();
  });

  it("moves to the next and previous rows with the arrow keys, and closes with Escape", async () => {
    const moved: number[] = [];
    const { p, asked } = panel(moved);
    await p.show(0);
    expect(text(p.root, "row-panel-title")).toBe("Row 1");
    p.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    await vi.waitFor(() => expect(text(p.root, "row-panel-title")).toBe("Row 8"));
    expect(moved).toEqual([1]);
    // Past the last row: nothing moves.
    p.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(moved).toEqual([1]);
    p.root.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    await vi.waitFor(() => expect(text(p.root, "row-panel-title")).toBe("Row 1"));
    expect(asked).toEqual([0, 7, 0]);
    p.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(p.open).toBe(false);
    p.root.remove();
  });
});

describe("ContextMenu", () => {
  it("runs the item picked and closes; Escape closes it too", () => {
    const menu = new ContextMenu();
    document.body.append(menu.root);
    const ran: string[] = [];
    menu.show(10, 10, [
      { label: "Copy cell", testid: "menu-copy-cell", run: () => ran.push("cell") },
      { label: "Filter", testid: "menu-filter", run: () => ran.push("filter"), disabled: true },
    ]);
    expect(menu.open).toBe(true);
    expect(document.activeElement?.textContent).toBe("Copy cell");
    menu.root.querySelector<HTMLButtonElement>("[data-testid=menu-filter]")?.click();
    expect(ran).toEqual([]);
    menu.root.querySelector<HTMLButtonElement>("[data-testid=menu-copy-cell]")?.click();
    expect(ran).toEqual(["cell"]);
    expect(menu.open).toBe(false);
    menu.show(10, 10, [{ label: "Copy cell", testid: "menu-copy-cell", run: () => ran.push("cell") }]);
    menu.root.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(menu.open).toBe(false);
    menu.root.remove();
  });

  it("lays out a specimen for its warm-up and leaves nothing behind", () => {
    const before = document.body.childElementCount;
    const observer = new MutationObserver(() => undefined);
    observer.observe(document.body, { childList: true });
    RowPanel.warmUp();
    const added = observer.takeRecords().flatMap((r) => [...r.addedNodes]);
    observer.disconnect();
    // The specimen was in the document, drawn as a row would be, and is gone again.
    expect(added.some((n) => n instanceof HTMLElement && n.querySelector("[data-testid=row-panel-json]")?.textContent?.startsWith("{"))).toBe(true);
    expect(document.body.childElementCount).toBe(before);
  });
});

describe("RowPanel corrections", () => {
  it("shows a corrected field with what was sent, and offers Edit for each data field when the user may correct", async () => {
    const corrected: Row = [3, 1, true, "Ann", "x", [], null, [{ id: 1, row: 3, column: "name", sent: "Anne ", value: "Ann", by: "bob", at: "2026-12-02T10:00:00Z" }]];
    const edits: [unknown, string][] = [];
    const p = new RowPanel(
      { sentRow: async (_e: string, row: number) => ({ row, part: 1, position: 4, valid: true, json: "{}", record: null }) },
      "evt-1",
      { row: async () => corrected, columns: () => columns, total: () => 1, moved: () => undefined, correct: (row, column) => edits.push([row[0], column]) },
    );
    document.body.append(p.root);
    await p.show(0);
    expect(text(p.root, "row-panel-corrected")).toBe(" (corrected by bob; sent “Anne ”)");
    const buttons = [...p.root.querySelectorAll<HTMLButtonElement>("[data-testid=row-panel-edit]")];
    expect(buttons.map((b) => b.dataset.column)).toEqual(["name", "note"]);
    buttons[1]?.click();
    expect(edits).toEqual([[3, "note"]]);
    p.root.remove();
  });

  it("names a sheet's record and its place, with Flatfile's warning beside the error", async () => {
    const problems = [
      { column: "name", validator: "custom-logic", message: "Unknown", source: "flatfile", level: "error" },
      { column: "note", validator: "custom-logic", message: "Too long", source: "flatfile", level: "warn" },
    ];
    const shown: Row = [1, 1, false, "x", "y", problems, null, []];
    const p = new RowPanel(
      { sentRow: async (_e: string, row: number) => ({ row, part: 1, position: 2, valid: false, json: "{}", record: "us_rc_2" }) },
      "evt-1",
      { row: async () => shown, columns: () => columns, total: () => 2, moved: () => undefined },
    );
    document.body.append(p.root);
    await p.show(0);
    await vi.waitFor(() => expect(text(p.root, "row-panel-origin")).toBe("record us_rc_2, 2 of its sheet (invalid)"));
    const items = [...p.root.querySelectorAll<HTMLElement>("[data-testid=row-panel-errors] li")];
    expect(items.map((i) => [i.className, i.textContent])).toEqual([
      ["level-error", "name Unknown (Flatfile)"],
      ["level-warn", "note Warning: Too long (Flatfile)"],
    ]);
    p.root.remove();
  });

  it("offers no Edit without a way to correct", async () => {
    const { p } = panel();
    await p.show(0);
    expect(p.root.querySelectorAll("[data-testid=row-panel-edit]")).toHaveLength(0);
    p.root.remove();
  });
});
