import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import { App } from "../src/app";
import type { BatchPage } from "../src/bindings/BatchPage";
import type { Quarantined } from "../src/bindings/Quarantined";
import { connection as fixture, team } from "./fixtures";

afterEach(() => clearMocks());

const connection = fixture({ data_dir: "/home/ops/.local/share/hookgrid" });

describe("App", () => {
  it("says clearly when the disk is full, and clears it once a part is stored again", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "connection") return connection;
        if (cmd === "team_server") return team();
        if (cmd === "list_batches") return { total: 0, batches: [] } satisfies BatchPage;
        if (cmd === "list_rejected") return [] satisfies Quarantined[];
        throw new Error(cmd);
      },
      { shouldMockEvents: true },
    );
    const app = new App(api);
    document.body.append(app.root);
    await app.start();
    const banner = app.root.querySelector<HTMLElement>("[data-testid=banner]");
    expect(banner?.hidden).toBe(true);
    // Without a tunnel the local URL is never offered as the one to paste into Flatfile.
    expect(app.root.querySelector("[data-testid=welcome-url]")).toBeNull();
    expect(app.root.querySelector("[data-testid=welcome-no-url]")?.textContent).toBe(" (it appears here once a tunnel is up).");

    await emit("hookgrid://event", { type: "storage_failed", disk_full: true, message: "database or disk is full" });
    expect(banner?.hidden).toBe(false);
    expect(banner?.textContent).toContain("The disk is full");
    expect(banner?.textContent).toContain("/home/ops/.local/share/hookgrid");

    await emit("hookgrid://event", { type: "part_stored", event: "e", batch: "b", part: 1, of: 2, received: 1, count_mismatch: false });
    expect(banner?.hidden).toBe(true);
    app.root.remove();
  });
  it("keeps the page a user went to while the lists were still loading", async () => {
    const waiting: ((page: BatchPage) => void)[] = [];
    mockIPC(
      (cmd) => {
        if (cmd === "connection") return connection;
        if (cmd === "team_server") return team();
        if (cmd === "list_batches") return new Promise<BatchPage>((done) => waiting.push(done));
        if (cmd === "list_rejected") return [] satisfies Quarantined[];
        throw new Error(cmd);
      },
      { shouldMockEvents: true },
    );
    const app = new App(api);
    document.body.append(app.root);
    const started = app.start();
    app.root.querySelector<HTMLButtonElement>("[data-testid=nav-connection]")?.click();
    await vi.waitFor(() => expect(app.root.querySelector("[data-testid=connection-panel]")).not.toBeNull());
    await vi.waitFor(() => expect(waiting.length).toBeGreaterThan(0));
    for (const done of waiting) done({ total: 0, batches: [] });
    await started;
    expect(app.root.querySelector("[data-testid=connection-panel]")).not.toBeNull();
    expect(app.root.querySelector("[data-testid=welcome-no-url]")).toBeNull();
    app.root.remove();
  });
});
