import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import type { ImportDetails } from "../src/bindings/ImportDetails";
import { DetailsPanel, rangeText, waited } from "../src/details";
import { batch } from "./fixtures";

afterEach(() => clearMocks());

function details(over: Partial<ImportDetails> = {}): ImportDetails {
  return {
    ...batch({ status: "incomplete", parts_received: 2, parts_expected: 5, mismatched_parts: 1, mismatched: [4] }),
    customer: { userId: "ops-7", name: '{"tenant":"acme-eu"}', companyName: "Acme GmbH", extra: [1, "<b>x</b>"] },
    customer_label: "ops-7 · Acme GmbH",
    numbering: "from_zero",
    customer_name_json: { tenant: "acme-eu" },
    parts: [
      { part: 1, index: 0, received_at: "2026-11-27T10:00:00Z", declared_rows: 2, valid: 2, invalid: 0, bytes: 2048, duplicates: 0, count_mismatch: false },
      { part: 4, index: 3, received_at: "2026-11-27T10:00:01Z", declared_rows: 5, valid: 1, invalid: 0, bytes: 700, duplicates: 2, count_mismatch: true },
    ],
    missing: [
      { from: 2, to: 3 },
      { from: 5, to: 5 },
    ],
    waiting_seconds: 300,
    review_history: [],
    sent_back: null,
    ...over,
  } satisfies ImportDetails;
}

describe("DetailsPanel", () => {
  it("shows who sent the import, its parts, what is missing and how long it has waited", async () => {
    mockIPC((cmd) => {
      if (cmd === "import_details") return details();
      throw new Error(cmd);
    });
    const panel = new DetailsPanel(api, "evt-1");
    await panel.toggle();
    expect(panel.open).toBe(true);
    const text = (id: string) => panel.root.querySelector(`[data-testid=${id}]`)?.textContent;
    expect(text("details-status")).toBe("incomplete: 2 of 5 parts; missing parts 2–3, 5; last part 5 min ago");
    expect(text("details-customer-label")).toBe("ops-7 · Acme GmbH");
    expect(text("details-customer-name")).toBe('{\n  "tenant": "acme-eu"\n}');
    // Attacker-controlled text stays text.
    expect(text("details-customer")).toContain("<b>x</b>");
    expect(panel.root.querySelector("b")).toBeNull();
    const rows = [...panel.root.querySelectorAll<HTMLElement>("[data-testid=details-part]")];
    expect(rows.map((r) => [...r.children].slice(0, 9).map((c) => c.textContent))).toEqual([
      ["1", "0", expect.any(String), "2", "2", "2", "0", "2.0 KB", "—"],
      ["4", "3", expect.any(String), "5", "1 ⚠", "1", "0", "700 B", "2"],
    ]);
    expect(rows[1]?.classList.contains("mismatch")).toBe(true);
    await panel.toggle();
    expect(panel.open).toBe(false);
  });

  it("names a Flatfile Platform sheet's workbook, space and environment instead of a customer", async () => {
    mockIPC((cmd) => {
      if (cmd === "import_details")
        return details({
          customer: null,
          customer_label: "Q4 contacts · us_sp_1 · us_env_1",
          customer_name_json: null,
          workbook: {
            id: "us_wb_1",
            name: "Q4 <i>contacts</i>",
            spaceId: "us_sp_1",
            environmentId: "us_env_1",
            sheet: "Contacts",
            slug: "contacts",
            eventFrom: "commitId",
            fields: [{ key: "email", label: "Email", type: "string" }],
          },
          sent_back: { config: "contacts", rejected: 12, listed: 10, answer: '{"sheetId":"us_sh_1","rejectedRecords":[]}' },
        });
      throw new Error(cmd);
    });
    const panel = new DetailsPanel(api, "evt-1");
    await panel.toggle();
    const text = (id: string) => panel.root.querySelector(`[data-testid=${id}]`)?.textContent;
    expect(text("details-workbook")).toBe("Q4 <i>contacts</i>");
    expect(panel.root.querySelector("i")).toBeNull();
    expect(text("details-space")).toBe("us_sp_1");
    expect(text("details-environment")).toBe("us_env_1");
    expect(panel.root.textContent).toContain("the sheet id and its commitId");
    expect(panel.root.querySelector("[data-testid=details-customer-label]")).toBeNull();
    expect(text("details-sent-back")).toBe("12 rejected records under configuration “contacts” (the answer marked 10)");
    expect(text("details-sent-back-json")).toContain('"sheetId": "us_sh_1"');
  });

  it("saves a part's body where the user chose, and says where", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "import_details") return details({ status: "complete", missing: [], waiting_seconds: null });
      if (cmd === "save_part_body") {
        asked.push(args);
        return "/home/ops/part-4.json";
      }
      throw new Error(cmd);
    });
    const panel = new DetailsPanel(api, "evt-1");
    await panel.toggle();
    expect(panel.root.querySelector("[data-testid=details-status]")?.textContent).toBe("complete: all 5 parts arrived");
    panel.root.querySelectorAll<HTMLElement>("[data-testid=details-save-part]")[1]?.click();
    await vi.waitFor(() => expect(panel.root.querySelector("[data-testid=details-note]")?.textContent).toBe("Saved the body of part 4 to /home/ops/part-4.json"));
    expect(asked).toEqual([{ event: "evt-1", part: 4 }]);
  });

  it("formats ranges and waits", () => {
    expect(rangeText({ from: 3, to: 3 })).toBe("3");
    expect(rangeText({ from: 3, to: 9 })).toBe("3–9");
    expect(waited(42)).toBe("42 s");
    expect(waited(3 * 3600 + 4 * 60)).toBe("3 h 4 min");
    expect(waited(5 * 86400)).toBe("5 days");
  });
});
