import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import type { Quarantined } from "../src/bindings/Quarantined";
import type { Retried } from "../src/bindings/Retried";
import { RejectedView } from "../src/rejected";

afterEach(() => clearMocks());

const rejected: Quarantined[] = [
  { id: 2, received_at: "2026-11-27T10:00:00Z", kind: "conflict", reason: "part 1 differs", event: "evt", part: 1, bytes: 2048, retried: false, dismissed: false },
  { id: 1, received_at: "2026-11-27T09:00:00Z", kind: "not_json", reason: "expected value", event: null, part: null, bytes: 8, retried: true, dismissed: false },
];

describe("RejectedView", () => {
  it("lists each rejected request with its reason and size, and shows its body as text", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "list_rejected") return rejected;
      if (cmd === "rejected_body") {
        const id = (args as { id: number }).id;
        return id === 1 ? `<b>body of ${id}</b>` : '{"event":{"id":"evt","n":1.50}}';
      }
      throw new Error(cmd);
    });
    const view = new RejectedView(api);
    document.body.append(view.root);
    expect(await view.load()).toBe(2);
    const rows = [...view.root.querySelectorAll<HTMLElement>("[data-testid=rejected-row]")];
    expect(rows.map((r) => [...r.children].map((c) => c.textContent))).toEqual([
      ["2", expect.any(String), "conflicts with stored parts", "part 1 differs", "evt / 1", "2.0 KB", "RetryDismiss"],
      ["1", expect.any(String), "not JSON · refused again", "expected value", "—", "8 B", "RetryDismiss"],
    ]);
    rows[1]?.click();
    const body = view.root.querySelector<HTMLElement>("[data-testid=rejected-body]");
    await vi.waitFor(() => expect(body?.textContent).toBe("<b>body of 1</b>"));
    expect(body?.querySelector("b")).toBeNull();
    expect(body?.dataset.pretty).toBe("false");
    expect(rows[1]?.classList.contains("selected")).toBe(true);

    // JSON is pretty-printed; "As sent" shows it byte for byte.
    rows[0]?.click();
    await vi.waitFor(() => expect(body?.dataset.pretty).toBe("true"));
    expect(body?.textContent).toBe('{\n  "event": {\n    "id": "evt",\n    "n": 1.5\n  }\n}');
    const asSent = view.root.querySelector<HTMLInputElement>("[data-testid=rejected-as-sent]");
    asSent?.click();
    expect(body?.textContent).toBe('{"event":{"id":"evt","n":1.50}}');
    expect(view.root.querySelector("[data-testid=rejected-body-title]")?.textContent).toBe("Body of #2");
    view.root.remove();
  });
});

describe("Retry", () => {
  it("retries one request, says what became of it, and reads the list again", async () => {
    let list = rejected;
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === "list_rejected") return list;
      if (cmd === "retry_rejected") {
        const id = (args as { id: number }).id;
        list = rejected.filter((q) => q.id !== id);
        return { id, outcome: "stored", message: "stored as part 1 of 2 of batch b", event: "evt", batch: "b" } satisfies Retried;
      }
      throw new Error(cmd);
    });
    let told = 0;
    const view = new RejectedView(api, () => (told += 1));
    await view.load();
    view.root.querySelectorAll<HTMLElement>("[data-testid=retry-one]")[0]?.click();
    await vi.waitFor(() => expect(told).toBe(1));
    const results = [...view.root.querySelectorAll<HTMLElement>("[data-testid=retry-result]")];
    expect(results.map((r) => [r.dataset.outcome, r.textContent])).toEqual([["stored", "✓ #2: stored as part 1 of 2 of batch b"]]);
    expect(view.root.querySelectorAll("[data-testid=rejected-row]")).toHaveLength(1);
    expect(calls).toEqual(["list_rejected", "retry_rejected", "list_rejected"]);
  });

  it("retries all and shows each result, refusals too", async () => {
    const results: Retried[] = [
      { id: 1, outcome: "rejected", message: "still refused (not_json): the body is not valid JSON", event: null, batch: null },
      { id: 2, outcome: "duplicate", message: "already stored as part 1 of 2 of batch b", event: "evt", batch: "b" },
    ];
    mockIPC((cmd) => {
      if (cmd === "list_rejected") return rejected.slice(1);
      if (cmd === "retry_all_rejected") return results;
      throw new Error(cmd);
    });
    const view = new RejectedView(api);
    await view.load();
    await view.retry(null);
    const shown = [...view.root.querySelectorAll<HTMLElement>("[data-testid=retry-result]")];
    expect(shown.map((r) => [r.dataset.outcome, r.className])).toEqual([
      ["rejected", "error"],
      ["duplicate", "ok"],
    ]);
    expect(shown[0]?.textContent).toContain("still refused");
  });

  it("says when retrying stopped, and why", async () => {
    mockIPC((cmd) => {
      if (cmd === "list_rejected") return rejected;
      throw { code: "storage", message: "database or disk is full" };
    });
    const view = new RejectedView(api);
    await view.load();
    await view.retry(null);
    expect(view.root.querySelector("[data-testid=retry-results]")?.textContent).toBe("Retry stopped: database or disk is full");
  });
});

describe("Dismiss", () => {
  it("dismisses one request, then every one refused again, and reads the list again each time", async () => {
    let list = rejected;
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === "list_rejected") return list;
      if (cmd === "dismiss_rejected") {
        const id = (args as { id: number }).id;
        list = list.filter((q) => q.id !== id);
        return null;
      }
      if (cmd === "dismiss_refused_rejected") {
        const gone = list.filter((q) => q.retried).map((q) => q.id);
        list = list.filter((q) => !q.retried);
        return gone;
      }
      throw new Error(cmd);
    });
    let told = 0;
    const view = new RejectedView(api, () => (told += 1));
    await view.load();
    const refused = view.root.querySelector<HTMLButtonElement>("[data-testid=dismiss-refused]");
    expect(refused?.hidden).toBe(false);
    // Dismissing the one refused again leaves a list with nothing refused again.
    view.root.querySelectorAll<HTMLElement>("[data-testid=dismiss-one]")[1]?.click();
    await vi.waitFor(() => expect(told).toBe(1));
    expect(view.root.querySelector("[data-testid=dismiss-result]")?.textContent).toBe("Dismissed #1: kept with its body, no longer listed or counted.");
    expect([...view.root.querySelectorAll("[data-testid=rejected-row]")].map((r) => r.firstElementChild?.textContent)).toEqual(["2"]);
    expect(refused?.hidden).toBe(true);
    await view.dismiss(null);
    expect(view.root.querySelector("[data-testid=dismiss-result]")?.textContent).toBe("Nothing was tried again and refused again.");
    expect(calls).toEqual(["list_rejected", "dismiss_rejected", "list_rejected", "dismiss_refused_rejected", "list_rejected"]);
    expect(told).toBe(2);
  });
});
