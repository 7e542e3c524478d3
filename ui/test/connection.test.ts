import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "../src/api";
import type { TestReport } from "../src/bindings/TestReport";
import { COPIED_SHOWN_MS, ConnectionPanel } from "../src/connection";
import { connection, team } from "./fixtures";

afterEach(() => clearMocks());

const text = (root: HTMLElement, id: string) => root.querySelector(`[data-testid=${id}]`)?.textContent ?? "";

describe("ConnectionPanel", () => {
  it("shows the webhook URL, and saves a public URL that then leads it", async () => {
    let current = connection();
    const saved: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "connection") return current;
      if (cmd === "team_server") return team();
      if (cmd === "set_public_url") {
        const url = (args as { url: string }).url;
        saved.push(url);
        current = connection({ public_url: url, base_url: url, webhook_url: `${url}/hooks/tok1` });
        return current;
      }
      throw new Error(cmd);
    });
    const panel = new ConnectionPanel(api);
    await panel.load();
    expect(text(panel.root, "webhook-url")).toBe("http://127.0.0.1:8787/hooks/tok1");
    expect(text(panel.root, "listener-state")).toContain("Listening on 127.0.0.1:8787");
    expect(text(panel.root, "howto-cloudflared")).toBe("cloudflared tunnel --url http://127.0.0.1:8787");
    expect(text(panel.root, "howto-ngrok")).toBe("ngrok http 127.0.0.1:8787");
    expect(text(panel.root, "about-version")).toBe("Version 0.1.0 · data in /data · listening on 127.0.0.1:8787");

    const input = panel.root.querySelector<HTMLInputElement>("[data-testid=public-url]");
    if (!input) throw new Error("no input");
    input.value = "https://abc.trycloudflare.com";
    panel.root.querySelector<HTMLButtonElement>("[data-testid=save-public-url]")?.click();
    await vi.waitFor(() => expect(text(panel.root, "webhook-url")).toBe("https://abc.trycloudflare.com/hooks/tok1"));
    expect(saved).toEqual(["https://abc.trycloudflare.com"]);
  });

  it("confirms a copied URL beside the button for a moment, not as a warning", async () => {
    mockIPC((cmd) => {
      if (cmd === "connection") return connection();
      if (cmd === "team_server") return team();
      throw new Error(cmd);
    });
    const copied: string[] = [];
    Object.defineProperty(navigator, "clipboard", { value: { writeText: async (t: string) => void copied.push(t) }, configurable: true });
    const panel = new ConnectionPanel(api);
    await panel.load();
    vi.useFakeTimers();
    try {
      panel.root.querySelector<HTMLButtonElement>("[data-testid=copy-url]")?.click();
      await vi.waitFor(() => expect(text(panel.root, "copy-status")).toBe("✓ Copied"));
      expect(copied).toEqual(["http://127.0.0.1:8787/hooks/tok1"]);
      expect(text(panel.root, "connection-notice")).toBe("");
      vi.advanceTimersByTime(COPIED_SHOWN_MS);
      expect(text(panel.root, "copy-status")).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("says what to do when the port is in use, and when a URL is refused", async () => {
    mockIPC((cmd) => {
      if (cmd === "team_server") return team();
      if (cmd === "connection") {
        return connection({
          listener: { state: "failed", address: "127.0.0.1:8787", code: "address_in_use", message: "cannot listen on 127.0.0.1:8787: Address in use" },
        });
      }
      if (cmd === "set_public_url") throw { code: "config", message: '"ftp://x" is not a usable tunnel URL' };
      throw new Error(cmd);
    });
    const panel = new ConnectionPanel(api);
    await panel.load();
    expect(text(panel.root, "listener-state")).toContain("Not listening");
    expect(text(panel.root, "connection-notice")).toContain("Another program is using 127.0.0.1:8787");
    panel.root.querySelector<HTMLButtonElement>("[data-testid=save-public-url]")?.click();
    // The URL's error is under its own field, and the field says it is invalid.
    await vi.waitFor(() => expect(text(panel.root, "public-url-error")).toBe('"ftp://x" is not a usable tunnel URL'));
    expect(panel.root.querySelector("[data-testid=public-url]")?.getAttribute("aria-invalid")).toBe("true");
  });

  it("turns signed requests on with a secret and says so", async () => {
    let current = connection();
    const secrets: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "connection") return current;
      if (cmd === "team_server") return team();
      if (cmd === "set_signing_secret") {
        secrets.push((args as { secret: string }).secret);
        current = connection({ signing: true });
        return current;
      }
      throw new Error(cmd);
    });
    const panel = new ConnectionPanel(api);
    await panel.load();
    expect(text(panel.root, "signing-state")).toBe("Off");
    const input = panel.root.querySelector<HTMLInputElement>("[data-testid=signing-secret]");
    if (!input) throw new Error("no input");
    input.value = "whsec_abc";
    panel.root.querySelector<HTMLButtonElement>("[data-testid=save-signing-secret]")?.click();
    await vi.waitFor(() => expect(text(panel.root, "signing-state")).toContain("On"));
    expect(secrets).toEqual(["whsec_abc"]);
    expect(input.value).toBe("");
  });

  it("saves how long imports are kept, refusing what is not a number of days", async () => {
    let current = connection();
    const saved: (number | null)[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "connection") return current;
      if (cmd === "team_server") return team();
      if (cmd === "set_retention_days") {
        const days = (args as { days: number | null }).days;
        saved.push(days);
        current = connection({ retention_days: days });
        return 3;
      }
      throw new Error(cmd);
    });
    const panel = new ConnectionPanel(api);
    await panel.load();
    const input = panel.root.querySelector<HTMLInputElement>("[data-testid=retention-days]");
    const save = panel.root.querySelector<HTMLButtonElement>("[data-testid=save-retention]");
    if (!input || !save) throw new Error("no field");
    expect(input.value).toBe("");
    input.value = "0";
    save.click();
    await vi.waitFor(() => expect(text(panel.root, "connection-notice")).toContain("whole number of days"));
    input.value = "30";
    save.click();
    await vi.waitFor(() => expect(text(panel.root, "connection-notice")).toContain("kept for 30 days. 3 older imports were deleted"));
    expect(saved).toEqual([30]);
    expect(input.value).toBe("30");
  });

  it("warns when the listener is reachable from other machines", async () => {
    mockIPC(() => connection({ listener: { state: "running", address: "0.0.0.0:8787", loopback: false } }));
    const panel = new ConnectionPanel(api);
    await panel.load();
    expect(text(panel.root, "connection-notice")).toContain("other machines");
  });

  it("reports whether the test event arrived", async () => {
    const report: TestReport = {
      arrived: false,
      url: "https://abc.trycloudflare.com/hooks/…",
      batch: "hookgrid-test-1",
      status: 502,
      message: "The tunnel answered 502: it is running but cannot reach this app.",
      elapsed_ms: 40,
      local_only: false,
    };
    mockIPC((cmd) => (cmd === "send_test_event" ? report : connection()));
    const panel = new ConnectionPanel(api);
    await panel.load();
    panel.root.querySelector<HTMLButtonElement>("[data-testid=send-test]")?.click();
    const result = panel.root.querySelector<HTMLElement>("[data-testid=test-result]");
    await vi.waitFor(() => expect(result?.dataset.result).toBe("failed"));
    expect(result?.textContent).toContain("answered 502");
  });

  it("never calls a test over the local address a success, and labels the local URL as such", async () => {
    const report: TestReport = {
      arrived: true,
      local_only: true,
      url: "http://127.0.0.1:8787/hooks/…",
      batch: "hookgrid-test-1",
      status: 200,
      message: "Local only: the test import reached the listener at http://127.0.0.1:8787, but Flatfile cannot reach this address.",
      elapsed_ms: 4,
    };
    mockIPC((cmd) => (cmd === "send_test_event" ? report : connection()));
    const panel = new ConnectionPanel(api);
    await panel.load();
    expect(text(panel.root, "webhook-label")).toBe("Webhook URL (local only: Flatfile cannot reach it yet)");
    panel.root.querySelector<HTMLButtonElement>("[data-testid=send-test]")?.click();
    const result = panel.root.querySelector<HTMLElement>("[data-testid=test-result]");
    await vi.waitFor(() => expect(result?.dataset.result).toBe("local"));
    expect(result?.textContent?.startsWith("⚠ Local only")).toBe(true);
    expect(result?.querySelector(".ok")).toBeNull();
    panel.show(connection({ public_url: "https://a.trycloudflare.com", webhook_url: "https://a.trycloudflare.com/hooks/tok1" }));
    expect(text(panel.root, "webhook-label")).toBe("Webhook URL for Flatfile");
  });

  it("says when requests came to an old or wrong webhook URL", async () => {
    const first = new Date(2026, 9, 1, 9, 5, 0).getTime();
    const last = new Date(2026, 9, 1, 9, 45, 0).getTime();
    mockIPC((cmd) => {
      if (cmd === "connection") return connection({ wrong_doors: { count: 3, first_ms: first, last_ms: last } });
      if (cmd === "team_server") return team();
      throw new Error(cmd);
    });
    const panel = new ConnectionPanel(api);
    await panel.load();
    const note = panel.root.querySelector<HTMLElement>("[data-testid=wrong-doors]");
    expect(note?.hidden).toBe(false);
    expect(note?.textContent).toBe(
      `3 requests to an old or wrong webhook URL since ${new Date(first).toLocaleString()}, last at ${new Date(last).toLocaleString()}. They were refused (404) and not kept. If you rotated the token, paste the webhook URL above into Flatfile.`,
    );
    panel.show(connection());
    expect(note?.hidden).toBe(true);
  });

  it("says when the public address changed since the last import, with the new URL to copy", async () => {
    mockIPC((cmd) =>
      cmd === "connection"
        ? connection({
            public_url: "https://new-name.trycloudflare.com",
            webhook_url: "https://new-name.trycloudflare.com/hooks/tok1",
            stale: { was: "old-name.trycloudflare.com", now: "new-name.trycloudflare.com", last_import_at: "2026-11-27T10:00:02Z" },
          })
        : cmd === "team_server"
          ? team()
          : null,
    );
    const panel = new ConnectionPanel(api);
    await panel.load();
    const stale = panel.root.querySelector<HTMLElement>("[data-testid=stale-address]");
    expect(stale?.hidden).toBe(false);
    expect(stale?.textContent).toContain("Your public address changed since the last import (was old-name.trycloudflare.com, now new-name.trycloudflare.com). Update webhookUrl in your Flatfile importer settings");
    expect(stale?.querySelector("code")?.textContent).toBe("https://new-name.trycloudflare.com/hooks/tok1");
    panel.show(connection());
    expect(stale?.hidden).toBe(true);
  });
});
