import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import { BatchList } from "../src/batches";
import type { Batch } from "../src/bindings/Batch";
import { batch } from "./fixtures";

afterEach(() => clearMocks());

function serve(list: () => Batch[]) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "list_batches") return list();
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

const items = (list: BatchList) =>
  [...list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]")].map((el) => ({
    event: el.dataset.event,
    status: el.querySelector("[data-testid=batch-status]")?.textContent,
  }));

describe("BatchList", () => {
  it("shows imports newest first with their status, and an empty state without any", async () => {
    let data: Batch[] = [];
    serve(() => data);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-empty]")?.hidden).toBe(false);

    data = [
      batch({ event: "old", first_received: "2026-11-27T08:00:00Z" }),
      batch({ event: "new", first_received: "2026-11-27T09:00:00Z", status: "incomplete", parts_received: 1 }),
    ];
    await list.refresh();
    expect(items(list)).toEqual([
      { event: "new", status: "incomplete 1 of 3" },
      { event: "old", status: "complete" },
    ]);
    expect(list.root.querySelector<HTMLElement>("[data-testid=batches-empty]")?.hidden).toBe(true);
  });

  it("reloads once for a burst of part events and flips a batch to complete in place", async () => {
    let data = [batch({ event: "e", status: "incomplete", parts_received: 1 })];
    const calls = serve(() => data);
    const list = new BatchList(api, () => undefined);
    await list.refresh();
    data = [batch({ event: "e" })];
    for (let part = 2; part <= 3; part++) {
      list.handle({ type: "part_stored", event: "e", batch: "batch-1", part, of: 3, received: part });
    }
    list.handle({ type: "batch_completed", event: "e", batch: "batch-1", valid: 2500, invalid: 500 });
    await vi.waitFor(() => expect(items(list)).toEqual([{ event: "e", status: "complete" }]));
    expect(calls.filter((c) => c === "list_batches")).toHaveLength(2);
  });

  it("opens an import on click and on Enter, and moves with the arrow keys", async () => {
    serve(() => [batch({ event: "a", first_received: "2026-11-27T11:00:00Z" }), batch({ event: "b" })]);
    const opened: string[] = [];
    const list = new BatchList(api, (b) => opened.push(b.event));
    document.body.append(list.root);
    await list.refresh();
    const [a, b] = list.root.querySelectorAll<HTMLElement>("[data-testid=batch-item]");
    a?.click();
    a?.focus();
    a?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(b);
    b?.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(opened).toEqual(["a", "b"]);
    list.root.remove();
  });
});
