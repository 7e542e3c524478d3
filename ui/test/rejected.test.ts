import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import type { Quarantined } from "../src/bindings/Quarantined";
import { RejectedView } from "../src/rejected";

afterEach(() => clearMocks());

const rejected: Quarantined[] = [
  { id: 2, received_at: "2026-11-27T10:00:00Z", kind: "conflict", reason: "part 1 differs", event: "evt", part: 1, bytes: 2048 },
  { id: 1, received_at: "2026-11-27T09:00:00Z", kind: "not_json", reason: "expected value", event: null, part: null, bytes: 8 },
];

describe("RejectedView", () => {
  it("lists each rejected request with its reason, and shows its body as text", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "list_rejected") return rejected;
      if (cmd === "rejected_body") return `<b>body of ${(args as { id: number }).id}</b>`;
      throw new Error(cmd);
    });
    const view = new RejectedView(api);
    expect(await view.load()).toBe(2);
    const rows = [...view.root.querySelectorAll<HTMLElement>("[data-testid=rejected-row]")];
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["2", expect.any(String), "conflicts with stored parts", "part 1 differs", "evt / 1", "2,048 B"],
      ["1", expect.any(String), "not JSON", "expected value", "—", "8 B"],
    ]);
    rows[1]?.click();
    const body = view.root.querySelector<HTMLElement>("[data-testid=rejected-body]");
    await vi.waitFor(() => expect(body?.textContent).toBe("<b>body of 1</b>"));
    expect(body?.querySelector("b")).toBeNull();
    expect(rows[1]?.classList.contains("selected")).toBe(true);
  });
});
