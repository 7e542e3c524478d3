import type { ErrorRows } from "../src/bindings/ErrorRows";
import type { ErrorSummary } from "../src/bindings/ErrorSummary";
import { type ErrorsApi, ErrorsPanel } from "../src/errors";

function api(importErrors: ErrorsApi["importErrors"], used: (string | null)[] = [], none = false): ErrorsApi {
  return {
    importErrors,
    listConfigs: async () => [],
    useConfig: async (_event, name, none) => {
      used.push(none ? "(none)" : name);
    },
    configUse: async () => ({ name: null, none }),
  };
}

const summary: ErrorSummary = {
  config: "contacts",
  choice: "default",
  rules: [
    { column: "email", label: "Email", validator: "regex_matches", message: "Must be a valid email address", rows: 312, source: "configuration", level: "error" },
    { column: "plan", label: "Plan", validator: "select", message: "Not one of the options: free, team", rows: 12, source: "configuration", level: "error" },
    { column: "seats", label: "seats", validator: "required", message: "Required", rows: 0, source: "configuration", level: "error" },
  ],
  rows_with_errors: 320,
  unexplained_invalid: 4,
  flagged_valid: 0,
  unknown_columns: ["extra"],
  missing_fields: [],
  skipped: [],
  fits: true,
  does_not_fit: null,
};

describe("ErrorsPanel", () => {
  it("lists the rules that flag rows, most first, and narrows the grid to a line's rows", async () => {
    const picked: (ErrorRows | null)[] = [];
    const panel = new ErrorsPanel(api(async () => summary), "evt-1", { pick: (e) => picked.push(e), attach: () => undefined, changed: () => undefined });
    await panel.load();
    const lines = [...panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")];
    expect(lines.map((l) => l.textContent)).toEqual([
      "320All rows with errors",
      "312Email · Must be a valid email address",
      "12Plan · Not one of the options: free, team",
    ]);
    lines[1]?.click();
    lines[0]?.click();
    expect(picked).toEqual([{ column: "email" }, { column: null }]);
    panel.select({ column: "email" });
    const pressed = [...panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")].map((l) => l.getAttribute("aria-pressed"));
    expect(pressed).toEqual(["false", "true", "false"]);
    panel.root.querySelector<HTMLElement>("[data-testid=errors-clear]")?.click();
    expect(picked.at(-1)).toBeNull();
    // The line the grid is narrowed to turns it off; another line moves to it.
    panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")[1]?.click();
    expect(picked.at(-1)).toBeNull();
    panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")[2]?.click();
    expect(picked.at(-1)).toEqual({ column: "plan" });
    const notes = panel.root.querySelector("[data-testid=errors-notes]")?.textContent ?? "";
    expect(notes).toContain("4 invalid rows break no rule here");
    expect(notes).toContain("Columns the configuration does not know: extra.");
  });

  it("offers to attach a configuration when none applies", async () => {
    let asked = 0;
    const panel = new ErrorsPanel(api(async () => null), "evt-1", { pick: () => undefined, attach: () => (asked += 1), changed: () => undefined });
    await panel.load();
    expect(panel.root.querySelector("[data-testid=errors-none]")?.textContent).toContain("Flatfile sends no reasons with invalid rows.");
    panel.root.querySelector<HTMLElement>("[data-testid=errors-attach]")?.click();
    expect(asked).toBe(1);
  });

  it("says when the rows cannot be checked", async () => {
    const panel = new ErrorsPanel(api(() => Promise.reject(new Error("contacts: not an importer configuration"))), "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => undefined });
    await panel.load();
    expect(panel.root.textContent).toBe("Could not check the rows against the configuration: contacts: not an importer configuration");
  });
});

describe("ErrorsPanel chooser", () => {
  it("gives this import another configuration, or the automatic one back", async () => {
    const used: (string | null)[] = [];
    let changed = 0;
    const panel = new ErrorsPanel(
      { ...api(async () => ({ ...summary, choice: "chosen" as const }), used), listConfigs: async () => [{ name: "contacts", for_schema: null, for_sheet: null, is_default: true, send_back: false, added_at: "", fields: [], skipped: [], body: "{}" }, { name: "strict", for_schema: 7, for_sheet: null, is_default: false, send_back: false, added_at: "", fields: [], skipped: [], body: "{}" }] },
      "evt-1",
      { pick: () => undefined, attach: () => undefined, changed: () => (changed += 1) },
    );
    await panel.load();
    const select = panel.root.querySelector<HTMLSelectElement>("[data-testid=errors-use]");
    expect([...(select?.options ?? [])].map((o) => o.value)).toEqual(["", "\u0000none", "contacts", "strict"]);
    expect(select?.value).toBe("contacts");
    expect(panel.root.querySelector("[data-testid=errors-config]")?.textContent).toBe(" · configuration “contacts” (chosen for this import)");
    if (select) {
      select.value = "strict";
      select.dispatchEvent(new Event("change"));
    }
    await vi.waitFor(() => expect(changed).toBe(1));
    if (select) {
      select.value = "";
      select.dispatchEvent(new Event("change"));
    }
    await vi.waitFor(() => expect(used).toEqual(["strict", null]));
  });

  it("says a configuration chosen automatically does not fit, and applies it when asked", async () => {
    const used: (string | null)[] = [];
    let changed = 0;
    const unfit: ErrorSummary = {
      ...summary,
      rules: [],
      rows_with_errors: 0,
      unexplained_invalid: 0,
      unknown_columns: [],
      fits: false,
      does_not_fit: "configuration contacts does not fit this import: none of its fields are here",
    };
    const panel = new ErrorsPanel(api(async () => unfit, used), "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => (changed += 1) });
    await panel.load();
    const said = panel.root.querySelector("[data-testid=errors-unfit]")?.textContent ?? "";
    expect(said).toContain("configuration contacts does not fit this import: none of its fields are here. Its rules are not applied");
    expect(panel.root.querySelectorAll("[data-testid=errors-line]")).toHaveLength(0);
    panel.root.querySelector<HTMLElement>("[data-testid=errors-apply-anyway]")?.click();
    await vi.waitFor(() => expect(changed).toBe(1));
    expect(used).toEqual(["contacts"]);
  });

  it("notes when a configuration given by hand does not fit", async () => {
    const forced: ErrorSummary = { ...summary, choice: "chosen", fits: false, does_not_fit: "configuration contacts does not fit this import: only 1 of its 4 fields are here (applied because it was given to this import)" };
    const panel = new ErrorsPanel(api(async () => forced), "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => undefined });
    await panel.load();
    expect(panel.root.querySelector("[data-testid=errors-notes]")?.textContent).toContain("(applied because it was given to this import).");
    expect(panel.root.querySelectorAll("[data-testid=errors-line]").length).toBeGreaterThan(0);
  });

  it("offers no configuration for an import, and says when it was given none", async () => {
    const used: (string | null)[] = [];
    let changed = 0;
    const panel = new ErrorsPanel({ ...api(async () => summary, used), listConfigs: async () => [{ name: "contacts" } as never] }, "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => (changed += 1) });
    await panel.load();
    const menu = panel.root.querySelector<HTMLSelectElement>("[data-testid=errors-use]");
    expect([...(menu?.options ?? [])].map((o) => o.textContent)).toEqual(["automatic (schema id, else the default)", "No configuration", "contacts"]);
    if (menu) {
      menu.selectedIndex = 1;
      menu.dispatchEvent(new Event("change"));
    }
    await vi.waitFor(() => expect(changed).toBe(1));
    expect(used).toEqual(["(none)"]);

    const given = new ErrorsPanel({ ...api(async () => null, [], true), listConfigs: async () => [{ name: "contacts" } as never] }, "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => undefined });
    await given.load();
    expect(given.root.querySelector("[data-testid=errors-none]")?.textContent).toContain("This import was given no configuration");
    const shown = given.root.querySelector<HTMLSelectElement>("[data-testid=errors-use]");
    expect(shown?.selectedOptions[0]?.textContent).toBe("No configuration");
  });

  it("shows Flatfile's own messages without a configuration: errors narrow the grid, a warning is only counted", async () => {
    const flatfile: ErrorSummary = {
      ...summary,
      config: null,
      choice: null,
      rules: [
        { column: "email", label: "Email", validator: "custom-logic", message: "Invalid <b>email</b>", rows: 3, source: "flatfile", level: "error" },
        { column: "plan", label: "Plan", validator: "custom-logic", message: "Free plans expire", rows: 2, source: "flatfile", level: "warn" },
      ],
      rows_with_errors: 3,
      unexplained_invalid: 1,
      unknown_columns: [],
    };
    const picked: (ErrorRows | null)[] = [];
    const panel = new ErrorsPanel(api(async () => flatfile), "evt-1", { pick: (e) => picked.push(e), attach: () => undefined, changed: () => undefined });
    await panel.load();
    expect(panel.root.querySelector("[data-testid=errors-config]")?.textContent).toBe(" · Flatfile's own messages");
    const lines = [...panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")];
    expect(lines.map((l) => l.textContent)).toEqual(["3All rows with errors", "3Email · Invalid <b>email</b>Flatfile", "2Plan · Free plans expireFlatfile"]);
    expect(panel.root.querySelector("b b")).toBeNull();
    expect(lines[2]?.dataset.level).toBe("warn");
    expect(lines[2]?.tagName).toBe("SPAN");
    lines[1]?.click();
    lines[2]?.click();
    expect(picked).toEqual([{ column: "email" }]);
    expect(panel.root.querySelector("[data-testid=errors-notes]")?.textContent).toContain("1 rows Flatfile marked invalid came with no message");
  });

  it("shows the first rules and the rest behind a count, never in a hidden scroll box", async () => {
    const many: ErrorSummary = {
      ...summary,
      rules: Array.from({ length: 8 }, (_, i) => ({ column: `c${i}`, label: `C${i}`, validator: "required", message: "Required", rows: 100 - i, source: "configuration", level: "error" })),
    };
    const panel = new ErrorsPanel(api(async () => many), "evt-1", { pick: () => undefined, attach: () => undefined, changed: () => undefined });
    await panel.load();
    const lines = () => [...panel.root.querySelectorAll<HTMLElement>("[data-testid=errors-line]")].map((l) => l.dataset.pick);
    expect(lines()).toEqual(["*", "col:c0", "col:c1", "col:c2", "col:c3", "col:c4"]);
    const more = () => panel.root.querySelector<HTMLElement>("[data-testid=errors-more]");
    expect(more()?.textContent).toBe("3 more rules");
    more()?.click();
    expect(lines()).toHaveLength(9);
    expect(more()?.textContent).toBe("Fewer");
    more()?.click();
    // A rule the grid is narrowed to stays in view when the list is folded.
    panel.select({ column: "c7" });
    expect(lines()).toEqual(["*", "col:c0", "col:c1", "col:c2", "col:c3", "col:c4", "col:c7"]);
  });
});
