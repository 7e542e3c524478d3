import type { View } from "../src/bindings/View";
import { findAndReplace, foundText } from "../src/replacedialog";


const view: View = { rows: "all", filter: "city = 'Bonn'", search: null, sort: null };
const el = <T extends HTMLElement>(testid: string) => document.querySelector<T>(`[data-testid=${testid}]`) as T;
const type = (testid: string, text: string) => {
  const input = el<HTMLInputElement>(testid);
  input.value = text;
  input.dispatchEvent(new Event("input"));
};

describe("findAndReplace", () => {
  it("counts what it would change before it changes anything, then replaces in the view", async () => {
    const asked: { find: string; replace: string; dryRun: boolean; view: View }[] = [];
    const api = {
      replaceInColumn: async (_e: string, v: View, _c: string, find: string, replace: string, dryRun: boolean) => {
        asked.push({ find, replace, dryRun, view: v });
        return { cells: find === "Germany " ? 2 : 0, occurrences: find === "Germany " ? 3 : 0, applied: !dryRun };
      },
    };
    const done = findAndReplace(api, "evt", view, "country");
    expect(el<HTMLButtonElement>("replace-ok").disabled).toBe(true);
    type("replace-with", "Germany");
    type("replace-find", "Spain");
    await vi.waitFor(() => expect(el("replace-count").textContent).toBe("No cell of country in this view holds that text."));
    expect(el<HTMLButtonElement>("replace-ok").disabled).toBe(true);
    type("replace-find", "Germany ");
    await vi.waitFor(() => expect(el("replace-count").textContent).toBe("2 cells (3 occurrences) will change."));
    expect(asked.every((a) => a.dryRun)).toBe(true);
    el<HTMLButtonElement>("replace-ok").click();
    expect(await done).toEqual({ cells: 2, occurrences: 3, applied: true });
    expect(asked.at(-1)).toEqual({ find: "Germany ", replace: "Germany", dryRun: false, view });
    expect(document.querySelector("[data-testid=replace-dialog]")).toBeNull();
  });

  it("changes nothing when cancelled", async () => {
    const api = { replaceInColumn: vi.fn(async () => ({ cells: 1, occurrences: 1, applied: false })) };
    const done = findAndReplace(api, "evt", view, "country");
    el<HTMLButtonElement>("replace-cancel").click();
    expect(await done).toBeNull();
    expect(api.replaceInColumn).not.toHaveBeenCalled();
    expect(foundText({ cells: 1, occurrences: 1, applied: true })).toBe("1 cell");
  });
});
