import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import { importedText, isWorkbook, openFlatfileFile } from "../src/openfile";

afterEach(() => clearMocks());

const sheet = (name: string, stored: boolean, rows: number) => ({ stored, event: `${name}:v1`, batch: name, name, rows });

describe("Open a Flatfile file", () => {
  it("tells a workbook from a records response", () => {
    expect(isWorkbook('{"workbook": {"id": "w"}}')).toBe(true);
    expect(isWorkbook('{"data": {"records": []}}')).toBe(false);
    expect(isWorkbook("not json")).toBe(true);
  });

  it("says what was imported and what already was", () => {
    expect(importedText([sheet("Contacts", true, 1200), sheet("Orders", false, 3)])).toBe("Imported Contacts (1,200 rows). Already imported: Orders (3 rows).");
    expect(importedText([sheet("Orders", false, 3)])).toBe("Already imported: Orders (3 rows).");
  });

  it("imports a workbook as picked, and asks a records response's sheet name first", async () => {
    const sent: unknown[] = [];
    let file = '{"workbook": {"id": "w", "sheets": []}}';
    mockIPC((cmd, args) => {
      if (cmd === "choose_flatfile_file") return file;
      if (cmd === "import_flatfile") {
        sent.push(args);
        return [sheet("Contacts", true, 2)];
      }
      throw new Error(cmd);
    });
    expect(await openFlatfileFile(api)).toBe("Imported Contacts (2 rows).");
    expect(sent).toEqual([{ body: file, sheet: null }]);

    file = '{"data": {"records": []}}';
    const asked = openFlatfileFile(api);
    await vi.waitFor(() => expect(document.querySelector("[data-testid=ask-input]")).not.toBeNull());
    const input = document.querySelector<HTMLInputElement>("[data-testid=ask-input]");
    if (!input) throw new Error("no question");
    input.value = "Stock";
    input.dispatchEvent(new Event("input"));
    document.querySelector<HTMLButtonElement>("[data-testid=ask-ok]")?.click();
    expect(await asked).toBe("Imported Contacts (2 rows).");
    expect(sent[1]).toEqual({ body: file, sheet: "Stock" });
  });
});
