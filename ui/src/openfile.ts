// "Open a Flatfile file…": a workbook, or a records response pulled with Flatfile's API, imported
// as if Flatfile had posted it. The app picks the file with the native dialog, a browser with its
// own; a records response names no sheet, so the user gives its name.

import type { Api } from "./api";
import type { SheetReceipt } from "./bindings/SheetReceipt";
import { askText } from "./confirm";
import { count } from "./format";
import { pickJsonFile } from "./pick";
import { currentPlace } from "./session";

export type OpenFileApi = Pick<Api, "importFlatfile" | "chooseFlatfileFile">;

/** Whether `text` is a workbook (a top-level `workbook` object) rather than a records response. */
export function isWorkbook(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && "workbook" in parsed;
  } catch {
    // Not JSON: the import says so.
    return true;
  }
}

/** What an import of a file came to, in a sentence. */
export function importedText(sheets: SheetReceipt[]): string {
  const fresh = sheets.filter((s) => s.stored);
  const names = (list: SheetReceipt[]) => list.map((s) => `${s.name} (${count(s.rows)} rows)`).join(", ");
  if (fresh.length === 0) return `Already imported: ${names(sheets)}.`;
  const old = sheets.filter((s) => !s.stored);
  return `Imported ${names(fresh)}.${old.length > 0 ? ` Already imported: ${names(old)}.` : ""}`;
}

/** Asks for a file and imports it; resolves what happened in a sentence, or null when the user
 * cancelled. A refusal is thrown, with the server's reason. */
export async function openFlatfileFile(api: OpenFileApi): Promise<string | null> {
  const text = currentPlace() === "web" ? await pickJsonFile() : await api.chooseFlatfileFile();
  if (text === null) return null;
  let sheet: string | null = null;
  if (!isWorkbook(text)) {
    sheet = await askText({
      title: "Which sheet is this?",
      body: "A records response from Flatfile's API does not name its sheet. Its name becomes the import's batch; a configuration for the sheet's slug (its name in lower case) explains it.",
      label: "Sheet name",
      action: "Import",
    });
    if (sheet === null) return null;
  }
  return importedText(await api.importFlatfile(text, sheet));
}
