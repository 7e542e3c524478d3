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
      { event: "evt-1", view, scope: "valid", path: "/tmp/out/batch-1.parquet", meta: false, as_sent: false, allow_incomplete: false, with_errors: false },
    ]);
    const status = dialog.root.querySelector<HTMLElement>("[data-testid=export-status]");
    expect(status?.dataset.state).toBe("done");
    expect(status?.textContent).toContain("Exported 500 rows to /tmp/out/batch-1.parquet");
    dialog.root.remove();
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

  it("suggests a safe file name", () => {
    expect(suggestedName(batch({ batch: "us_sh/../x y" }))).toBe("us_sh_.._x_y.csv");
  });
});
