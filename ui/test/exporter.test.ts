import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import type { ExportReport } from "../src/bindings/ExportReport";
import type { ExportRequest } from "../src/bindings/ExportRequest";
import { ExportDialog, suggestedName } from "../src/exporter";
import { batch } from "./fixtures";

afterEach(() => clearMocks());

// jsdom has no modal dialogs.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal = function () {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function () {
    this.removeAttribute("open");
  };
});

const view = { rows: "invalid" as const, filter: "seats > 1", search: null, sort: null };

describe("ExportDialog", () => {
  it("asks for a file with the native dialog, exports the chosen scope and reports rows and path", async () => {
    const requests: ExportRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "choose_export_path") return "/tmp/out/batch-1.parquet";
      if (cmd === "export_rows") {
        const r = (args as { request: ExportRequest }).request;
        requests.push(r);
        return { rows: 500, path: r.path } satisfies ExportReport;
      }
      throw new Error(cmd);
    });
    const dialog = new ExportDialog(api);
    document.body.append(dialog.root);
    dialog.open(batch(), view);
    dialog.root.querySelector<HTMLInputElement>("[data-testid=export-scope-valid]")?.click();
    await dialog.run();
    expect(requests).toEqual([
      { event: "evt-1", view, scope: "valid", path: "/tmp/out/batch-1.parquet", meta: false, as_sent: false, allow_incomplete: false, with_errors: false, overwrite: false, raw: false, labels: false, with_flags: false },
    ]);
    const status = dialog.root.querySelector<HTMLElement>("[data-testid=export-status]");
    expect(status?.dataset.state).toBe("done");
    expect(status?.textContent).toContain("Exported 500 rows to /tmp/out/batch-1.parquet");
    dialog.root.remove();
  });

  it("makes a CSV for a person unless a CSV for a program is ticked", async () => {
    const requests: ExportRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "export_rows") {
        const r = (args as { request: ExportRequest }).request;
        requests.push(r);
        return { rows: 3, path: r.path } satisfies ExportReport;
      }
      throw new Error(cmd);
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch(), view);
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/for-people.csv";
    await dialog.run();
    if (path) path.value = "/tmp/for-a-program.csv";
    dialog.root.querySelector<HTMLInputElement>("[data-testid=export-raw]")?.click();
    await dialog.run();
    expect(requests.map((r) => [r.raw, r.path])).toEqual([
      [false, "/tmp/for-people.csv"],
      [true, "/tmp/for-a-program.csv"],
    ]);
    // Headers by the configuration's labels, when ticked.
    dialog.root.querySelector<HTMLInputElement>("[data-testid=export-labels]")?.click();
    await dialog.run();
    expect(requests.map((r) => r.labels)).toEqual([false, false, true]);
  });

  it("asks for values as sent when that is ticked", async () => {
    const requests: ExportRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "export_rows") {
        const r = (args as { request: ExportRequest }).request;
        requests.push(r);
        return { rows: 3, path: r.path } satisfies ExportReport;
      }
      throw new Error(cmd);
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch(), view);
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/as-sent.csv";
    dialog.root.querySelector<HTMLInputElement>("[data-testid=export-as-sent]")?.click();
    await dialog.run();
    expect(requests.map((r) => [r.as_sent, r.path])).toEqual([[true, "/tmp/as-sent.csv"]]);
  });

  it("explains a refused export and how to go on", async () => {
    mockIPC(() => {
      throw { code: "incomplete", message: "batch b is incomplete (1 of 3 parts)" };
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch({ status: "incomplete" }), view);
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/x.csv";
    await dialog.run();
    const status = dialog.root.querySelector<HTMLElement>("[data-testid=export-status]");
    expect(status?.dataset.state).toBe("failed");
    expect(status?.textContent).toContain("Export although parts are still missing");
  });

  it("says how many rows each choice writes", () => {
    mockIPC(() => undefined);
    const dialog = new ExportDialog(api);
    dialog.open(batch({ valid: 100000, invalid: 20000 }), view, 9539);
    const text = (scope: string) => dialog.root.querySelector(`[data-testid=export-rows-${scope}]`)?.textContent;
    expect([text("view"), text("all"), text("valid"), text("invalid")]).toEqual([" · 9,539 rows", " · 120,000 rows", " · 100,000 rows", " · 20,000 rows"]);
    dialog.open(batch(), view);
    expect(text("view")).toBe("");
  });

  it("says that columns hidden in the grid are written too", () => {
    mockIPC(() => undefined);
    const dialog = new ExportDialog(api);
    const note = () => dialog.root.querySelector<HTMLElement>("[data-testid=export-hidden]");
    dialog.open(batch(), view, null, ["email", "phone"]);
    expect(note()?.hidden).toBe(false);
    expect(note()?.textContent).toBe("Every column is written, including those hidden in the grid: email, phone.");
    dialog.open(batch(), view);
    expect(note()?.hidden).toBe(true);
  });

  it("forgets the last result when another file is chosen or typed", async () => {
    const chosen = ["/tmp/first.csv", "/tmp/second.csv"];
    mockIPC((cmd, args) => {
      if (cmd === "choose_export_path") return chosen.shift() ?? null;
      if (cmd === "export_rows") return { rows: 7, path: (args as { request: ExportRequest }).request.path } satisfies ExportReport;
      throw new Error(cmd);
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch(), view);
    await dialog.run();
    const status = dialog.root.querySelector<HTMLElement>("[data-testid=export-status]");
    expect(status?.textContent).toContain("Exported 7 rows to /tmp/first.csv");
    dialog.root.querySelector<HTMLButtonElement>("[data-testid=export-choose]")?.click();
    await vi.waitFor(() => expect(dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]")?.value).toBe("/tmp/second.csv"));
    expect(status?.textContent).toBe("");
    expect(status?.dataset.state).toBeUndefined();

    await dialog.run();
    expect(status?.textContent).toContain("/tmp/second.csv");
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/third.csv";
    path?.dispatchEvent(new Event("input", { bubbles: true }));
    expect(status?.textContent).toBe("");
  });

  it("opens afresh each time: the current view, no file", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "export_rows") return { rows: 1, path: (args as { request: ExportRequest }).request.path } satisfies ExportReport;
      throw new Error(cmd);
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch(), view);
    dialog.root.querySelector<HTMLInputElement>("[data-testid=export-scope-invalid]")?.click();
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/old.csv";
    await dialog.run();
    dialog.root.close();
    dialog.open(batch({ batch: "batch-2" }), view);
    expect(dialog.root.querySelector<HTMLInputElement>("[data-testid=export-scope-view]")?.checked).toBe(true);
    expect(path?.value).toBe("");
    expect(path?.placeholder).toBe("2026-11-27_batch-2.csv");
    expect(dialog.root.querySelector<HTMLElement>("[data-testid=export-status]")?.textContent).toBe("");
  });

  it("replaces an existing file only when the user says so", async () => {
    const asked: boolean[] = [];
    mockIPC((_cmd, args) => {
      const r = (args as { request: ExportRequest }).request;
      asked.push(r.overwrite);
      if (!r.overwrite) throw { code: "exists", message: `${r.path} already exists` };
      return { rows: 4, path: r.path } satisfies ExportReport;
    });
    const dialog = new ExportDialog(api);
    dialog.open(batch(), view);
    const path = dialog.root.querySelector<HTMLInputElement>("[data-testid=export-path]");
    if (path) path.value = "/tmp/taken.csv";
    await dialog.run();
    const status = dialog.root.querySelector<HTMLElement>("[data-testid=export-status]");
    expect(status?.dataset.state).toBe("exists");
    expect(status?.textContent).toContain("/tmp/taken.csv already exists. Replace it?");
    dialog.root.querySelector<HTMLButtonElement>("[data-testid=export-replace]")?.click();
    await vi.waitFor(() => expect(status?.dataset.state).toBe("done"));
    expect(asked).toEqual([false, true]);
  });

  it("suggests a safe file name that says who sent the import and when", () => {
    expect(suggestedName(batch({ batch: "596c1e2a-7f3b-4c1d-9a0e-1b2c3d4e5f60", customer_label: "ops-7 · Acme GmbH" }))).toBe("ops-7-acme-gmbh_2026-11-27_596c1e2a.csv");
    expect(suggestedName(batch({ customer_label: "Müller & Söhne / 東京" }), "parquet")).toBe("müller-söhne-東京_2026-11-27_batch-1.parquet");
    // Nothing to climb out of the folder with; no sender, then the day and the id.
    expect(suggestedName(batch({ batch: "../../etc", customer_label: null, completed_at: null }))).toBe("2026-11-27__.._et.csv");
    expect(suggestedName(batch({ batch: "..", customer_label: "  " }))).toBe("2026-11-27_import.csv");
  });
});
