// The tunnel section of the connection panel: start cloudflared or ngrok from here (when
// installed; how to install them when not), see it starting, up at its address or down with
// its last lines of output, and the test import sent through it. Everything the tool printed
// is shown as text.

import type { Api } from "./api";
import type { Connection } from "./bindings/Connection";
import type { Provider } from "./bindings/Provider";
import type { TunnelView } from "./bindings/TunnelView";
import { h, replace } from "./dom";
import { onTeamServer } from "./session";

export type TunnelApi = Pick<Api, "startTunnel" | "stopTunnel" | "setTunnelPath">;

const NAMES: Record<Provider, string> = { cloudflared: "cloudflared", ngrok: "ngrok" };

/** The tunnel's state in words. */
export function tunnelText(view: TunnelView): string {
  const s = view.state;
  const name = NAMES[s.provider];
  switch (s.status) {
    case "starting":
      return s.restarts > 0 ? `Starting ${name} again (restart ${s.restarts})…` : `Starting ${name}…`;
    case "up":
      return `${name} is up at ${s.url ?? "?"}`;
    case "down":
      return `${name} stopped: ${s.message ?? "it exited"}. Starting it again shortly.`;
    case "stopped":
      return `${name} is stopped.`;
  }
}

export class TunnelSection {
  readonly root = h("div", { class: "field tunnel", testid: "tunnel" });
  /** What the section was last drawn from: drawn again only when it changes, so a focused
   * button keeps its focus while the panel reloads. */
  private drawn = "";

  constructor(
    private api: TunnelApi,
    private shown: (c: Connection) => void,
    private failed: (message: string) => void,
  ) {}

  show(c: Connection): void {
    const key = JSON.stringify([c.tunnel, c.tools]);
    if (key === this.drawn) return;
    this.drawn = key;
    const view = c.tunnel;
    if (onTeamServer()) {
      // The team server runs its own tunnel (serve --tunnel), if any: shown, not controlled.
      this.root.hidden = view === null;
      replace(this.root, h("label", {}, "Tunnel"), view === null ? null : this.state(view));
      return;
    }
    const active = view !== null && view.state.status !== "stopped";
    const installed = c.tools.filter((t) => t.path !== null);
    const missing = c.tools.filter((t) => t.path === null);
    const starts = installed.map((t) =>
      h(
        "button",
        { type: "button", class: active ? "" : "primary", testid: `start-tunnel-${t.provider}`, title: t.path ?? "", onclick: () => void this.run(() => this.api.startTunnel(t.provider)) },
        active && view?.state.provider === t.provider ? `Restart ${NAMES[t.provider]}` : `Start ${NAMES[t.provider]} tunnel`,
      ),
    );
    replace(
      this.root,
      h("label", {}, "Tunnel"),
      view === null ? null : this.state(view),
      h(
        "div",
        { class: "row" },
        ...starts,
        active ? h("button", { type: "button", testid: "stop-tunnel", onclick: () => void this.run(() => this.api.stopTunnel()) }, "Stop tunnel") : null,
      ),
      installed.length === 0
        ? h("p", { class: "hint", testid: "tunnel-install" }, "Flatfile reaches this app only through a tunnel, and neither cloudflared nor ngrok is installed. ", ...missing.map((t) => `${NAMES[t.provider]}: ${t.install}. `))
        : missing.length > 0 && !active
          ? h("p", { class: "hint" }, ...missing.map((t) => `${NAMES[t.provider]} is not installed: ${t.install}.`))
          : null,
      !active && installed.length > 0 ? h("p", { class: "hint" }, "Hookgrid runs the tunnel, uses its address as the public URL, sends a test import through it, and starts it again if it stops. It stops with the app.") : null,
      active ? null : this.paths(c),
    );
  }

  /** Where a tool not on PATH is: a path saved per tool (and the saved ones, to change). */
  private paths(c: Connection): HTMLElement {
    const rows = c.tools.map((t) => {
      const input = h("input", { type: "text", class: "tool-path", placeholder: `/path/to/${t.provider}`, "aria-label": `Path to ${t.provider}`, testid: `tunnel-path-${t.provider}`, spellcheck: "false" });
      input.value = t.saved ?? "";
      return h(
        "div",
        { class: "row" },
        h("span", { class: "tool-name" }, t.provider),
        input,
        h("button", { type: "button", testid: `save-tunnel-path-${t.provider}`, onclick: () => void this.run(() => this.api.setTunnelPath(t.provider, input.value)) }, "Save"),
      );
    });
    return h("details", { class: "tool-paths", open: c.tools.some((t) => t.saved !== null) }, h("summary", {}, "Installed somewhere else? Give the path to the tool"), ...rows);
  }

  private state(view: TunnelView): HTMLElement {
    const s = view.state;
    const tone = s.status === "up" ? "ok" : s.status === "down" ? "error" : "";
    const test = view.test;
    return h(
      "div",
      { class: "tunnel-state", testid: "tunnel-state", "data-status": s.status },
      h("p", {}, h("span", { class: `dot ${tone}` }), h("span", { testid: "tunnel-text" }, tunnelText(view))),
      s.status === "up" && test !== null
        ? h(
            "p",
            { class: !test.arrived ? "error" : test.local_only ? "warning" : "ok", testid: "tunnel-test", "data-arrived": String(test.arrived) },
            !test.arrived ? "✕ " : test.local_only ? "⚠ " : "✓ ",
            test.message,
          )
        : s.status === "up"
          ? h("p", { class: "muted", testid: "tunnel-test" }, "Sending a test import through it…")
          : null,
      s.status === "down" && s.log.length > 0 ? h("pre", { class: "tunnel-log", testid: "tunnel-log" }, s.log.join("\n")) : null,
    );
  }

  private async run(work: () => Promise<Connection>): Promise<void> {
    try {
      this.shown(await work());
    } catch (e) {
      this.failed(e instanceof Error ? e.message : String(e));
    }
  }
}
