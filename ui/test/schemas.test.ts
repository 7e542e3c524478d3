import { CommandError } from "../src/api";
import type { ConfigView } from "../src/bindings/ConfigView";
import { type SchemasApi, SchemasView } from "../src/schemas";

const contacts: ConfigView = {
  name: "contacts",
  for_schema: null,
  for_sheet: null,
  is_default: true,
  send_back: false,
  added_at: "2026-11-27T10:00:00.000Z",
  fields: [
    { key: "email", label: "Email", type: "string", validators: ["required", "regex_matches"] },
    { key: "plan", label: "Plan", type: "select", validators: ["select"] },
  ],
  skipped: [{ field: "company", validator: "regex_excludes", message: "the regex /(unclosed/ does not compile" }],
  body: '{"fields": [{"key": "email"}]}',
};

function fake(list: ConfigView[], added: unknown[][]): SchemasApi {
  return {
    listConfigs: async () => list,
    addConfig: async (name, body, forSchema, isDefault, forSheet = null, sendBack = false) => {
      added.push(forSheet === null && !sendBack ? [name, body, forSchema, isDefault] : [name, body, forSchema, isDefault, forSheet, sendBack]);
      if (!body.trim().startsWith("{") && !body.trim().startsWith("[")) throw new CommandError("bad_config", "not an importer configuration: not JSON");
      list.push({ ...contacts, name, for_schema: forSchema, is_default: isDefault, for_sheet: forSheet, send_back: sendBack });
      return list[list.length - 1] as ConfigView;
    },
    removeConfig: async (name) => {
      list.splice(list.findIndex((c) => c.name === name), 1);
    },
    chooseConfigFile: async () => '{"fields": []}',
  };
}

const text = (root: HTMLElement, id: string) => root.querySelector(`[data-testid=${id}]`)?.textContent ?? "";

describe("SchemasView", () => {
  it("lists configurations with what they apply to, their fields and what was skipped", async () => {
    const view = new SchemasView(fake([contacts], []));
    await view.load();
    const config = view.root.querySelector<HTMLElement>("[data-testid=config]");
    expect(config?.textContent).toContain("contacts · every import");
    expect([...(config?.querySelectorAll("tbody tr") ?? [])].map((r) => r.textContent)).toEqual(["emailEmailstringrequired, regex_matches", "planPlanselectselect"]);
    expect(config?.textContent).toContain("Skipped company / regex_excludes: the regex /(unclosed/ does not compile");
  });

  it("saves one for a Flatfile sheet's slug that sends its rejections back, and edits it as saved", async () => {
    const added: unknown[][] = [];
    const view = new SchemasView(fake([], added));
    await view.load();
    const el = <T extends HTMLElement>(id: string) => view.root.querySelector<T>(`[data-testid=${id}]`);
    const name = el<HTMLInputElement>("config-name");
    const scope = el<HTMLSelectElement>("config-scope");
    const slug = el<HTMLInputElement>("config-sheet");
    const sendBack = el<HTMLInputElement>("config-send-back");
    if (!name || !scope || !slug || !sendBack) throw new Error("form");
    name.value = "contacts";
    scope.value = "sheet";
    scope.dispatchEvent(new Event("change"));
    expect(slug.hidden).toBe(false);
    await view.save();
    expect(text(view.root, "config-status")).toBe("Enter the slug of the sheet the configuration applies to.");
    slug.value = "contacts";
    sendBack.checked = true;
    const body = el<HTMLTextAreaElement>("config-body");
    if (body) body.value = '{"fields": []}';
    await view.save();
    expect(added).toEqual([["contacts", '{"fields": []}', null, false, "contacts", true]]);
    expect(el("config")?.textContent).toContain("Flatfile sheets with slug contacts; rejected cells sent back to Flatfile");
    view.edit({ ...contacts, for_sheet: "orders", send_back: true });
    expect([scope.value, slug.value, sendBack.checked]).toEqual(["sheet", "orders", true]);
  });

  it("saves a pasted configuration for a schema id, and explains one that is refused", async () => {
    const added: unknown[][] = [];
    const view = new SchemasView(fake([], added));
    await view.load();
    const set = (id: string, value: string) => {
      const el = view.root.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[data-testid=${id}]`);
      if (el) el.value = value;
    };
    set("config-name", "billing");
    set("config-scope", "schema");
    await view.save();
    expect(text(view.root, "config-status")).toBe("Enter the schema id the configuration applies to.");
    set("config-schema", "42");
    set("config-body", "not json");
    await view.save();
    expect(text(view.root, "config-status")).toBe("Not saved: not an importer configuration: not JSON. Paste the settings object or its fields array, as JSON.");
    set("config-body", '{"fields": [{"key": "email"}]}');
    await view.save();
    expect(added.at(-1)).toEqual(["billing", '{"fields": [{"key": "email"}]}', 42, false]);
    expect(text(view.root, "config-status")).toContain("Saved “billing”");
    expect(text(view.root, "configs")).toContain("billing · imports with schema 42");
    view.root.querySelector<HTMLElement>("[data-testid=config-remove]")?.click();
    await vi.waitFor(() => expect(text(view.root, "configs")).toBe("No configurations yet."));
  });

  it("edits a saved configuration: its text and scope in the form, saved under its name", async () => {
    const added: unknown[][] = [];
    const list = [{ ...contacts, is_default: false, for_schema: 7 }];
    const view = new SchemasView(fake(list, added));
    await view.load();
    view.root.querySelector<HTMLElement>("[data-testid=config-edit]")?.click();
    const field = (id: string) => view.root.querySelector<HTMLInputElement>(`[data-testid=${id}]`);
    expect([field("config-name")?.value, field("config-body")?.value, field("config-scope")?.value, field("config-schema")?.value]).toEqual(["contacts", contacts.body, "schema", "7"]);
    expect(text(view.root, "config-status")).toBe("Editing “contacts”: saving replaces it, and its imports are checked again.");
    const body = field("config-body");
    if (body) body.value = '{"fields": [{"key": "email", "validators": [{"validate": "required"}]}]}';
    await view.save();
    expect(added).toEqual([["contacts", '{"fields": [{"key": "email", "validators": [{"validate": "required"}]}]}', 7, false]]);
  });
});
