// The connection panel: is the listener up, which URL to give Flatfile, the tunnel, the
// token, and a test import sent end to end through the public URL.

import { type Api, CommandError } from "./api";
import type { Connection } from "./bindings/Connection";
import { confirmAction } from "./confirm";
import { h, replace } from "./dom";
import { currentPlace, gate, onTeamServer, signedIn, startAfresh } from "./session";
import { TeamSection } from "./team";
import { TunnelSection } from "./tunnel";

type ConnectionApi = Pick<
  Api,
  | "connection"
  | "setPublicUrl"
  | "setListenAddress"
  | "restartListener"
  | "rotateToken"
  | "sendTestEvent"
  | "setSigningSecret"
  | "setRetentionDays"
  | "startTunnel"
  | "stopTunnel"
  | "setTunnelPath"
  | "teamServer"
  | "connectTeamServer"
  | "disconnectTeamServer"
>;

/** How long "Copied" stays beside the Copy button. */
export const COPIED_SHOWN_MS = 2000;

export class ConnectionPanel {
  readonly root: HTMLElement;
  private state = h("div", { class: "listener-state", testid: "listener-state", role: "status" });
  private webhook = h("code", { class: "url", testid: "webhook-url" });
  private webhookLabel = h("label", { testid: "webhook-label" }, "Webhook URL for Flatfile");
  private webhookHint = h("p", { class: "hint", testid: "webhook-hint" });
  /** What is wrong with the public URL typed, under its field. */
  private publicUrlError = h("p", { class: "field-error", testid: "public-url-error", role: "alert", hidden: true });
  private local = h("code", { testid: "local-url" });
  private publicUrl: HTMLInputElement;
  private listen: HTMLInputElement;
  private notice = h("p", { class: "notice", testid: "connection-notice", role: "alert" });
  /** "Copied" beside the Copy button, for a moment: a confirmation, not a warning. */
  private copied = h("span", { class: "copied", testid: "copy-status", role: "status" });
  private copiedTimer: number | undefined;
  private test = h("div", { class: "test-result", testid: "test-result", role: "status" });
  private testButton: HTMLButtonElement;
  private fingerprint = h("span", { class: "muted", testid: "token-fingerprint" });
  /** The public address changed since the last import: Flatfile still posts to the old one. */
  private stale = h("div", { class: "notice stale", testid: "stale-address", role: "alert", hidden: true });
  /** Requests to an old or wrong webhook URL: Flatfile still posting after a rotation. */
  private wrongDoors = h("p", { class: "notice", testid: "wrong-doors", role: "status", hidden: true });
  private listenNote = h("p", { class: "hint" });
  private signing = h("span", { class: "muted", testid: "signing-state" });
  private retention: HTMLInputElement;
  private secret: HTMLInputElement;
  private dataDir = h("code", {});
  private cloudflared = h("pre", { testid: "howto-cloudflared" });
  private ngrok = h("pre", { testid: "howto-ngrok" });
  private aboutVersion = h("p", { testid: "about-version" });
  /** The fields only the app on this computer has: its own listener, tunnel how-tos, data. */
  private local_only: HTMLElement[] = [];
  private who = h("p", { class: "hint", testid: "connection-who" });
  private publicUrlHint = h("p", { class: "hint" });
  private retentionHint = h("p", { class: "hint" });
  private copyButton = h("button", { type: "button", testid: "copy-url", onclick: () => void this.copy() }, "Copy");
  private adminControls: [HTMLButtonElement | HTMLInputElement, Parameters<typeof gate>[1]][] = [];
  private tunnel: TunnelSection;
  /** The app's team server (hidden in a browser, which is on one). */
  readonly team: TeamSection;
  current: Connection | null = null;

  constructor(
    private api: ConnectionApi,
    private onChange: (c: Connection) => void = () => undefined,
  ) {
    this.publicUrl = h("input", {
      type: "url",
      placeholder: "https://your-tunnel.trycloudflare.com",
      "aria-label": "Public tunnel URL",
      testid: "public-url",
      onkeydown: (e: Event) => {
        if ((e as KeyboardEvent).key === "Enter") void this.savePublicUrl();
      },
    });
    this.listen = h("input", { type: "text", "aria-label": "Listen address", testid: "listen-address", spellcheck: "false" });
    this.retention = h("input", { type: "number", min: "1", step: "1", class: "days", placeholder: "forever", "aria-label": "Days to keep imports", testid: "retention-days" });
    this.secret = h("input", { type: "password", placeholder: "whsec_…", "aria-label": "Signing secret", testid: "signing-secret", autocomplete: "off" });
    this.testButton = h("button", { type: "button", testid: "send-test", onclick: () => void this.sendTest() }, "Send test event");
    const admin = <T extends HTMLButtonElement | HTMLInputElement>(control: T, command: Parameters<typeof gate>[1]): T => {
      this.adminControls.push([control, command]);
      return gate(control, command);
    };
    admin(this.publicUrl, "set_public_url");
    admin(this.testButton, "send_test_event");
    admin(this.secret, "set_signing_secret");
    admin(this.retention, "set_retention_days");
    const listener = h(
      "div",
      { class: "field", testid: "listener-field" },
      h("label", {}, "Listener"),
      h("div", { class: "row" }, this.listen, h("button", { type: "button", testid: "save-listen", onclick: () => void this.saveListen() }, "Apply")),
      this.listenNote,
      h("p", { class: "hint" }, "Local URL: ", this.local, ". Keep 127.0.0.1 so only the tunnel can reach it."),
    );
    const howto = h(
      "details",
      { class: "howto" },
      h("summary", {}, "How to set up a tunnel"),
      h("p", {}, "cloudflared (free, no account for a quick tunnel):"),
      this.cloudflared,
      h("p", {}, "ngrok (needs a free account):"),
      this.ngrok,
      h("p", {}, "Copy the https URL it prints into “Public tunnel URL”, press Save, then “Send test event”. Keep the tunnel running while Flatfile sends imports."),
    );
    const data = h("p", { class: "hint" }, "Data is kept in ", this.dataDir, ".");
    this.local_only.push(listener, howto, data);
    this.team = new TeamSection(api, startAfresh);
    this.team.root.hidden = currentPlace() === "web";
    this.tunnel = new TunnelSection(
      api,
      (c) => this.show(c),
      (message) => (this.notice.textContent = message),
    );
    this.root = h(
      "section",
      { class: "panel connection", testid: "connection-panel" },
      h("h1", {}, "Connection"),
      this.team.root,
      this.who,
      this.state,
      this.notice,
      this.stale,
      this.tunnel.root,
      h(
        "div",
        { class: "field" },
        this.webhookLabel,
        h("div", { class: "row" }, this.webhook, this.copyButton, this.copied),
        this.webhookHint,
      ),
      h(
        "div",
        { class: "field" },
        h("label", {}, "Public tunnel URL"),
        h("div", { class: "row" }, this.publicUrl, admin(h("button", { type: "button", testid: "save-public-url", onclick: () => void this.savePublicUrl() }, "Save"), "set_public_url")),
        this.publicUrlError,
        this.publicUrlHint,
      ),
      h(
        "div",
        { class: "field" },
        h("label", {}, "Check the tunnel"),
        h("div", { class: "row" }, this.testButton, this.test),
      ),
      listener,
      h(
        "div",
        { class: "field" },
        h("label", {}, "Token"),
        h(
          "div",
          { class: "row" },
          admin(h("button", { type: "button", class: "danger", testid: "rotate-token", onclick: () => void this.rotate() }, "Rotate token"), "rotate_token"),
          this.fingerprint,
        ),
        h("p", { class: "hint" }, "A new token stops the old URL at once; paste the new URL into Flatfile."),
        this.wrongDoors,
      ),
      h(
        "div",
        { class: "field" },
        h("label", {}, "Signed requests (optional)"),
        h(
          "div",
          { class: "row" },
          this.secret,
          admin(h("button", { type: "button", testid: "save-signing-secret", onclick: () => void this.saveSecret() }, "Save"), "set_signing_secret"),
          this.signing,
        ),
        h(
          "p",
          { class: "hint" },
          "Only for senders that sign their webhooks (Standard Webhooks, a whsec_… secret): then unsigned requests are refused. Flatfile Portal 2.0 does not sign; the token in the URL is the key. Save an empty field to turn it off.",
        ),
      ),
      h(
        "div",
        { class: "field" },
        h("label", {}, "Keep imports"),
        h(
          "div",
          { class: "row" },
          this.retention,
          " days after their last request",
          admin(h("button", { type: "button", testid: "save-retention", onclick: () => void this.saveRetention() }, "Save"), "set_retention_days"),
        ),
        this.retentionHint,
      ),
      howto,
      data,
      h(
        "details",
        { class: "about", testid: "about" },
        h("summary", {}, "About Hookgrid"),
        this.aboutVersion,
        h(
          "p",
          { class: "hint" },
          "Hookgrid is MIT-licensed. It is built on open-source components, each under its own licence: Tauri and WebKitGTK (MIT/Apache-2.0, LGPL-2.1), tokio, axum, serde and reqwest (MIT/Apache-2.0), Polars (MIT), SQLite (public domain, via rusqlite, MIT), rust_xlsxwriter (MIT/Apache-2.0), regress (MIT/Apache-2.0) and AG Grid Community (MIT).",
        ),
      ),
    );
  }

  async load(): Promise<Connection> {
    if (currentPlace() !== "web") await this.team.load();
    return this.show(await this.api.connection());
  }

  show(c: Connection): Connection {
    this.current = c;
    this.tunnel.show(c);
    const team = onTeamServer();
    for (const el of this.local_only) el.hidden = team;
    for (const [control, command] of this.adminControls) gate(control, command);
    const me = signedIn();
    this.who.hidden = !team;
    replace(this.who, team && me ? `The team server's listener. You are signed in as ${me.name} (${me.role}); ${me.role === "admin" ? "you can change its settings." : "an admin changes its settings."}` : "");
    replace(this.webhook, c.webhook_url ?? "Shown to admins only: it holds the webhook token");
    this.webhook.classList.toggle("hidden-secret", c.webhook_url === null);
    this.copyButton.disabled = c.webhook_url === null;
    const local = c.public_url === null;
    this.webhook.classList.toggle("local-only", local);
    replace(this.webhookLabel, local ? "Webhook URL (local only: Flatfile cannot reach it yet)" : "Webhook URL for Flatfile");
    replace(
      this.webhookHint,
      local && team
        ? "The team server has no public URL yet, so only the server itself reaches this address. Its admin sets the address its tunnel or reverse proxy gives it below (or runs serve with --tunnel)."
        : local
          ? "This address works on this computer only. Start a tunnel above (or enter your tunnel's public URL below); the URL to paste into Flatfile then appears here."
          : "Paste it as the webhook URL of your Flatfile Portal. It contains a secret token: share it only with Flatfile.",
    );
    replace(this.publicUrlHint, team ? "The https address Flatfile reaches the team server at (its tunnel or reverse proxy). Empty: only the server itself can reach it." : "The https address your tunnel gives you. Leave it empty to use the local URL (only this machine can reach it).");
    replace(this.retentionHint, `Older imports are deleted from ${team ? "the team server" : "this computer"} (checked every hour). Leave it empty to keep everything.`);
    replace(this.local, c.local_url);
    replace(this.cloudflared, `cloudflared tunnel --url ${c.local_url}`);
    replace(this.ngrok, `ngrok http ${c.local_url.replace(/^http:\/\//, "")}`);
    replace(this.dataDir, c.data_dir);
    replace(this.aboutVersion, `Version ${c.version} · data in ${c.data_dir} · listening on ${c.listen}`);
    replace(this.fingerprint, `token fingerprint ${c.token_fingerprint}`);
    const s = c.stale;
    this.stale.hidden = s === null;
    if (s !== null) {
      replace(
        this.stale,
        h("p", {}, `Your public address changed since the last import (was ${s.was}, now ${s.now}). Update webhookUrl in your Flatfile importer settings to the new webhook URL, or use a fixed address (a named tunnel).`),
        h("div", { class: "row" }, h("code", { class: "url" }, c.webhook_url ?? "ask an admin"), h("button", { type: "button", testid: "copy-new-url", onclick: () => void this.copy() }, "Copy")),
      );
    }
    const w = c.wrong_doors;
    this.wrongDoors.hidden = w === null;
    this.wrongDoors.textContent =
      w === null
        ? ""
        : `${w.count === 1 ? "1 request" : `${w.count.toLocaleString("en-US")} requests`} to an old or wrong webhook URL since ${clock(w.first_ms)}, last at ${clock(w.last_ms)}. They were refused (404) and not kept. If you rotated the token, paste the webhook URL above into Flatfile.`;
    if (document.activeElement !== this.publicUrl) this.publicUrl.value = c.public_url ?? "";
    if (document.activeElement !== this.listen) this.listen.value = c.listen;
    this.listen.disabled = c.listen_from_env || team;
    this.listen.title = c.listen_from_env ? "Set by HOOKGRID_LISTEN for this run" : "";
    this.listenNote.textContent = c.listen_from_env ? "Set by the HOOKGRID_LISTEN environment variable for this run." : "";
    replace(this.signing, c.signing ? "On: requests must be signed" : "Off");
    if (document.activeElement !== this.retention) this.retention.value = c.retention_days === null ? "" : String(c.retention_days);
    const l = c.listener;
    this.state.dataset.state = l.state;
    if (l.state === "running") {
      replace(this.state, h("span", { class: "dot ok" }), `Listening on ${l.address}`);
      this.notice.textContent = l.loopback
        ? ""
        : `Warning: the listener is bound to ${l.address}, so other machines on your network can reach it. Use 127.0.0.1 unless you mean to expose it.`;
    } else if (l.state === "failed") {
      replace(this.state, h("span", { class: "dot error" }), `Not listening: ${l.message}`);
      this.notice.textContent =
        l.code === "address_in_use"
          ? `Another program is using ${l.address}. Close it (or another Hookgrid), or enter a free address below, e.g. 127.0.0.1:8788, and press Apply.`
          : "Enter an address this machine can listen on, e.g. 127.0.0.1:8787, and press Apply.";
    } else {
      replace(this.state, h("span", { class: "dot" }), "Listener stopped");
      this.notice.textContent = "";
    }
    this.onChange(c);
    return c;
  }

  private async run(work: () => Promise<Connection>): Promise<void> {
    try {
      this.show(await work());
    } catch (e) {
      this.notice.textContent = e instanceof CommandError ? e.message : String(e);
    }
  }

  private async savePublicUrl(): Promise<void> {
    try {
      this.show(await this.api.setPublicUrl(this.publicUrl.value));
      this.publicUrlError.hidden = true;
      this.publicUrl.removeAttribute("aria-invalid");
    } catch (e) {
      this.publicUrlError.hidden = false;
      this.publicUrlError.textContent = e instanceof Error ? e.message : String(e);
      this.publicUrl.setAttribute("aria-invalid", "true");
    }
  }

  private async saveSecret(): Promise<void> {
    await this.run(() => this.api.setSigningSecret(this.secret.value));
    this.secret.value = "";
  }

  private async saveRetention(): Promise<void> {
    const text = this.retention.value.trim();
    const days = text === "" ? null : Number(text);
    if (days !== null && (!Number.isInteger(days) || days < 1)) {
      this.notice.textContent = "Enter a whole number of days (1 or more), or leave it empty to keep imports forever.";
      return;
    }
    try {
      const deleted = await this.api.setRetentionDays(days);
      this.show(await this.api.connection());
      this.notice.textContent =
        days === null ? "Imports are kept forever." : `Imports are kept for ${days} days.${deleted > 0 ? ` ${deleted} older imports were deleted.` : ""}`;
    } catch (e) {
      this.notice.textContent = e instanceof CommandError ? e.message : String(e);
    }
  }

  private saveListen(): Promise<void> {
    return this.run(() => this.api.setListenAddress(this.listen.value));
  }

  private async rotate(): Promise<void> {
    const sure = await confirmAction({
      title: "Rotate the token?",
      body: "The current webhook URL stops working at once. Paste the new one into Flatfile afterwards.",
      action: "Rotate",
    });
    if (sure) await this.run(() => this.api.rotateToken());
  }

  private async sendTest(): Promise<void> {
    this.testButton.disabled = true;
    this.test.dataset.result = "pending";
    replace(this.test, "Sending a test import…");
    try {
      const r = await this.api.sendTestEvent();
      // Arriving over a local address proves the listener, not the way in from Flatfile.
      this.test.dataset.result = r.arrived ? (r.local_only ? "local" : "arrived") : "failed";
      const [tone, mark] = !r.arrived ? ["error", "✕ "] : r.local_only ? ["warning", "⚠ "] : ["ok", "✓ "];
      replace(this.test, h("span", { class: tone }, mark), r.message, h("span", { class: "muted" }, ` (${r.url})`));
    } catch (e) {
      this.test.dataset.result = "failed";
      replace(this.test, `✕ ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.testButton.disabled = false;
    }
  }

  private async copy(): Promise<void> {
    const url = this.current?.webhook_url ?? "";
    try {
      await navigator.clipboard.writeText(url);
      this.copied.textContent = "✓ Copied";
      window.clearTimeout(this.copiedTimer);
      this.copiedTimer = window.setTimeout(() => {
        this.copied.textContent = "";
      }, COPIED_SHOWN_MS);
    } catch {
      // No clipboard access: select the URL so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(this.webhook);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      this.notice.textContent = "Press Ctrl+C to copy the selected URL.";
    }
  }
}

/** A time of day (and the date when not today), in the user's locale. */
function clock(ms: number): string {
  const at = new Date(ms);
  const today = new Date().toDateString() === at.toDateString();
  return today ? at.toLocaleTimeString() : at.toLocaleString();
}
