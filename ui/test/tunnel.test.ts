import type { Connection } from "../src/bindings/Connection";
import type { TunnelView } from "../src/bindings/TunnelView";
import { TunnelSection, tunnelText } from "../src/tunnel";
import { connection } from "./fixtures";

function view(over: Partial<TunnelView["state"]> = {}, test: TunnelView["test"] = null): TunnelView {
  return {
    state: { provider: "cloudflared", status: "up", url: "https://a-b.trycloudflare.com", pid: 42, restarts: 0, message: null, log: [], since_ms: 0, ...over },
    test,
  };
}

function section(api: Partial<{ startTunnel: (p: string) => Promise<Connection>; stopTunnel: () => Promise<Connection>; setTunnelPath: (p: string, path: string) => Promise<Connection> }> = {}) {
  const shown: Connection[] = [];
  const failures: string[] = [];
  const s = new TunnelSection(
    {
      startTunnel: api.startTunnel ?? (async () => connection()),
      stopTunnel: api.stopTunnel ?? (async () => connection()),
      setTunnelPath: api.setTunnelPath ?? (async () => connection()),
    } as never,
    (c) => shown.push(c),
    (m) => failures.push(m),
  );
  return { s, shown, failures };
}

const q = (root: HTMLElement, testid: string) => root.querySelector<HTMLElement>(`[data-testid=${testid}]`);

describe("TunnelSection", () => {
  it("offers the installed tool, says how to install the other, and starts it", async () => {
    const started: string[] = [];
    const up = connection({ tunnel: view({ status: "starting", url: null }) });
    const { s, shown } = section({ startTunnel: async (p) => (started.push(p), up) });
    s.show(connection());
    expect(q(s.root, "start-tunnel-cloudflared")?.textContent).toBe("Start cloudflared tunnel");
    expect(q(s.root, "start-tunnel-ngrok")).toBeNull();
    expect(s.root.textContent).toContain("ngrok is not installed: install ngrok.");
    q(s.root, "start-tunnel-cloudflared")?.click();
    await vi.waitFor(() => expect(shown).toEqual([up]));
    expect(started).toEqual(["cloudflared"]);
    s.show(up);
    expect(q(s.root, "tunnel-text")?.textContent).toBe("Starting cloudflared…");
    expect(q(s.root, "stop-tunnel")).not.toBeNull();
  });

  it("says how to install both when neither is there", () => {
    const { s } = section();
    s.show(connection({ tools: [{ provider: "cloudflared", path: null, saved: null, install: "get it from pkg.cloudflare.com" }, { provider: "ngrok", path: null, saved: null, install: "get it from ngrok.com" }] }));
    expect(q(s.root, "tunnel-install")?.textContent).toBe(
      "Flatfile reaches this app only through a tunnel, and neither cloudflared nor ngrok is installed. cloudflared: get it from pkg.cloudflare.com. ngrok: get it from ngrok.com. ",
    );
  });

  it("shows the address, the test import's outcome, and stops it", async () => {
    let stops = 0;
    const { s } = section({ stopTunnel: async () => (stops++, connection()) });
    const arrived = { arrived: true, local_only: false, url: "https://a-b.trycloudflare.com/hooks/…", batch: "t", status: 200, message: "The test import arrived: 2 parts, 6 rows, in 80 ms.", elapsed_ms: 80 };
    s.show(connection({ tunnel: view({}, null) }));
    expect(q(s.root, "tunnel-test")?.textContent).toBe("Sending a test import through it…");
    s.show(connection({ tunnel: view({}, arrived) }));
    expect(q(s.root, "tunnel-text")?.textContent).toBe("cloudflared is up at https://a-b.trycloudflare.com");
    expect(q(s.root, "tunnel-test")?.textContent).toBe("✓ The test import arrived: 2 parts, 6 rows, in 80 ms.");
    q(s.root, "stop-tunnel")?.click();
    await vi.waitFor(() => expect(stops).toBe(1));
  });

  it("shows a tunnel that went down with its last lines, as text", () => {
    const { s } = section();
    const down = view({ status: "down", url: null, restarts: 2, message: "ngrok exited with code 1: authentication failed", log: ["<b>ERR_NGROK_4018</b>", "bye"], provider: "ngrok" });
    s.show(connection({ tunnel: down }));
    expect(tunnelText(down)).toBe("ngrok stopped: ngrok exited with code 1: authentication failed. Starting it again shortly.");
    const log = q(s.root, "tunnel-log");
    expect(log?.textContent).toBe("<b>ERR_NGROK_4018</b>\nbye");
    expect(log?.querySelector("b")).toBeNull();
    expect(q(s.root, "tunnel-state")?.dataset.status).toBe("down");
  });

  it("says why a tunnel could not start", async () => {
    const { s, failures } = section({ startTunnel: () => Promise.reject(new Error("the listener is not running: start it first (Listener → Apply)")) });
    s.show(connection());
    q(s.root, "start-tunnel-cloudflared")?.click();
    await vi.waitFor(() => expect(failures).toEqual(["the listener is not running: start it first (Listener → Apply)"]));
  });

  it("saves the path of a tool installed off PATH", async () => {
    const saved: [string, string][] = [];
    const { s, shown } = section({ setTunnelPath: async (p, path) => (saved.push([p, path]), connection()) });
    s.show(connection());
    const input = s.root.querySelector<HTMLInputElement>("[data-testid=tunnel-path-ngrok]") as HTMLInputElement;
    input.value = "/opt/ngrok/ngrok";
    s.root.querySelector<HTMLButtonElement>("[data-testid=save-tunnel-path-ngrok]")?.click();
    await vi.waitFor(() => expect(saved).toEqual([["ngrok", "/opt/ngrok/ngrok"]]));
    expect(shown).toHaveLength(1);
  });
});
