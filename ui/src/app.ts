// The window: sidebar (connection, rejected requests, imports) and the main area, which shows
// one of: a first-run welcome, the connection panel, the rejected requests, or an import.

import { type Api, onCoreEvent } from "./api";
import { BatchList } from "./batches";
import type { Batch } from "./bindings/Batch";
import type { Connection } from "./bindings/Connection";
import type { Event } from "./bindings/Event";
import { confirmAction } from "./confirm";
import { ConnectionPanel } from "./connection";
import { h, replace } from "./dom";
import { ExportDialog } from "./exporter";
import { count } from "./format";
import { type ImportState, ImportView } from "./importview";
import { RejectedView } from "./rejected";
import { PeopleView } from "./people";
import { SchemasView } from "./schemas";
import { currentPlace, may, onTeamServer, signedIn, startAfresh } from "./session";
import { signOut } from "./signin";

type Page = "welcome" | "connection" | "rejected" | "schemas" | "people" | "import";

export class App {
  readonly root: HTMLElement;
  private main = h("main", { class: "main", testid: "main" });
  private banner = h("div", { class: "banner", testid: "banner", role: "alert", hidden: true });
  private batches: BatchList;
  private connection: ConnectionPanel;
  private rejected: RejectedView;
  private schemas: SchemasView;
  private exporter: ExportDialog;
  private open: ImportView | null = null;
  /** Each import's filters and sort as the reviewer left them, for this session. */
  private kept = new Map<string, ImportState>();
  private page: Page = "welcome";
  private navConnection = h("button", { type: "button", class: "nav", testid: "nav-connection", onclick: () => this.showConnection() });
  private navRejected = h("button", { type: "button", class: "nav", testid: "nav-rejected", onclick: () => void this.showRejected() });
  private navSchemas = h("button", { type: "button", class: "nav", testid: "nav-schemas", title: "The importer configurations that say why rows are invalid", onclick: () => void this.showSchemas() }, "Configurations");
  /** A team server's people, for its admins. */
  private navPeople = h("button", { type: "button", class: "nav", testid: "nav-people", title: "Who may sign in, their roles and tokens, and who changed what", onclick: () => void this.showPeople() }, "People");
  private people: PeopleView;
  private rejectedCount = 0;
  /** A storage failure is on screen until a part is stored again. */
  private storageTrouble = false;
  /** A dead tunnel is on screen until its URL answers again. */
  private reachTrouble = false;
  /** The team server's event stream is down. */
  private liveTrouble = false;
  /** The app's team server has a problem. */
  private teamTrouble = false;

  constructor(private api: Api) {
    this.batches = new BatchList(api, (b) => void this.openBatch(b), (list) => this.onBatches(list));
    this.connection = new ConnectionPanel(api, (c) => this.onConnection(c));
    this.rejected = new RejectedView(api, () => void this.reloadAll());
    this.schemas = new SchemasView(api);
    this.people = new PeopleView(api);
    this.navPeople.hidden = !(onTeamServer() && may("list_users"));
    this.exporter = new ExportDialog(api);
    this.root = h(
      "div",
      { class: "app" },
      h(
        "aside",
        { class: "sidebar" },
        h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "Hookgrid"),
        h("nav", {}, this.navConnection, this.navRejected, this.navSchemas, this.navPeople),
        this.batches.root,
        this.whoLine(),
      ),
      h("div", { class: "content" }, this.banner, this.main),
      this.exporter.root,
    );
    this.renderNav();
    document.addEventListener("keydown", (e) => this.onKey(e));
    // Anything unexpected is shown, not lost in a console nobody sees.
    window.addEventListener("error", (e) => this.fail("Something went wrong", e.error ?? e.message));
    window.addEventListener("unhandledrejection", (e) => this.fail("Something went wrong", e.reason));
  }

  /** Who is signed in and their role, with the way out (a team server in a browser). */
  private whoLine(): HTMLElement | null {
    const who = signedIn();
    const place = currentPlace();
    if (who === null || place === "app") return null;
    return h(
      "div",
      { class: "signed-in", testid: "who" },
      h("span", { testid: "who-name" }, who.name),
      h("span", { class: "role", testid: "who-role" }, who.role),
      place === "web"
        ? h("button", { type: "button", class: "link", testid: "sign-out", onclick: () => void signOut() }, "Sign out")
        : h("button", { type: "button", class: "link", testid: "who-team", title: "This app reviews a team server's imports: Connection → Team server", onclick: () => this.showConnection() }, "Team server"),
    );
  }

  async start(): Promise<void> {
    await onCoreEvent(
      (e) => this.onEvent(e),
      () => void this.reloadAll(),
      () => void this.connection.load().catch((e) => this.fail("Could not read the connection", e)),
      (up) => this.onLive(up),
      () => void this.onTeam(),
    );
    await this.reloadAll();
    // Still on the first page: a user who went elsewhere while the lists loaded stays there.
    if (this.batches.none && this.page === "welcome") this.showWelcome();
  }

  private async reloadAll(): Promise<void> {
    await Promise.all([
      this.batches.refresh().catch((e) => this.fail("Could not read the imports", e)),
      this.connection.load().catch((e) => this.fail("Could not read the connection", e)),
      this.api
        .listRejected()
        .then((r) => {
          this.rejectedCount = r.length;
          this.renderNav();
        })
        .catch((e) => this.fail("Could not read the rejected requests", e)),
    ]);
  }

  /** The app's team connection changed: a switch of place or user starts the page afresh; a
   * problem (unreachable, token refused) is said in the banner with the way out. */
  private async onTeam(): Promise<void> {
    const view = await this.api.teamServer();
    const place = view.url === null ? "app" : "team";
    const me = signedIn();
    const who = view.identity;
    if (place !== currentPlace() || (who !== null && (me?.name !== who.name || me.role !== who.role))) {
      startAfresh();
      return;
    }
    if (view.problem) {
      this.teamTrouble = true;
      this.warn(view.problem.message);
    } else if (this.teamTrouble) {
      this.teamTrouble = false;
      this.hideBanner();
    }
    if (this.page === "connection") this.connection.team.show(view);
  }

  /** The live stream dropped (a browser reconnects by itself) or came back. */
  private onLive(up: boolean): void {
    if (!up) {
      this.liveTrouble = true;
      this.warn("Live updates stopped: the connection to the team server was lost. Reconnecting… (the lists catch up once it is back)");
    } else if (this.liveTrouble) {
      this.liveTrouble = false;
      this.hideBanner();
    }
  }

  private onEvent(e: Event): void {
    this.batches.handle(e);
    if (e.type === "request_quarantined") {
      this.rejectedCount += 1;
      this.renderNav();
      if (this.page === "rejected") void this.rejected.load();
    }
    if ((e.type === "request_retried" || e.type === "requests_dismissed") && this.page !== "rejected") {
      // Retried or dismissed elsewhere (another reviewer, the CLI): the count changed.
      void this.reloadAll();
    }
    if ((e.type === "flags_changed" || e.type === "corrections_changed") && this.open?.event === e.event) {
      // Flagged here or by another reviewer: the marks are drawn again where the grid is.
      this.open.flagsChanged();
    }
    if (e.type === "batch_failed") {
      this.fail(`Batch ${e.batch} could not be opened`, new Error(e.message));
    }
    if (e.type === "storage_failed") {
      const where = this.connection.current?.data_dir ?? "the data folder";
      this.storageTrouble = true;
      this.warn(
        e.disk_full
          ? `The disk is full: a request from Flatfile could not be stored. Flatfile was answered with an error, but it documents no resending, so that import will likely stay incomplete here. Free space on the disk that holds ${where}, then have the import submitted again. Nothing already received is lost.`
          : `A request from Flatfile could not be stored (${e.message}). Flatfile was answered with an error, but it documents no resending: check that ${where} is writable, then have the import submitted again.`,
      );
    }
    if (e.type === "wrong_token" && this.page === "connection") {
      void this.connection.load().catch((err) => this.fail("Could not read the connection", err));
    }
    if (e.type === "unreachable") {
      this.reachTrouble = true;
      this.warn(
        `Flatfile cannot reach Hookgrid: the tunnel at ${e.url} does not answer (${e.message}). Imports Flatfile sends now are lost (it does not retry). Check the tunnel under Connection, or start it again there.`,
      );
    }
    if (e.type === "reachable" && this.reachTrouble) {
      this.reachTrouble = false;
      this.hideBanner();
    }
    if ((e.type === "part_stored" || e.type === "storage_recovered") && this.storageTrouble) {
      // Storing works again.
      this.storageTrouble = false;
      this.hideBanner();
    }
  }

  private onBatches(list: Batch[]): void {
    if (this.open) {
      const now = list.find((b) => b.event === this.open?.event);
      if (now) void this.open.update(now);
    }
    if (this.page === "welcome" && list.length > 0) this.renderWelcome();
  }

  private onConnection(c: Connection): void {
    this.navConnection.dataset.state = c.listener.state;
    this.renderNav();
    if (this.page === "welcome") this.renderWelcome();
  }

  private renderNav(): void {
    const state = this.connection?.current?.listener.state ?? "stopped";
    replace(
      this.navConnection,
      h("span", { class: `dot ${state === "running" ? "ok" : state === "failed" ? "error" : ""}` }),
      "Connection",
    );
    replace(
      this.navRejected,
      "Rejected requests",
      this.rejectedCount > 0 ? h("span", { class: "count", testid: "rejected-count" }, String(this.rejectedCount)) : null,
    );
    this.navConnection.classList.toggle("selected", this.page === "connection");
    this.navRejected.classList.toggle("selected", this.page === "rejected");
    this.navSchemas.classList.toggle("selected", this.page === "schemas");
    this.navPeople.classList.toggle("selected", this.page === "people");
  }

  private leave(page: Page): void {
    if (this.open && page !== "import") {
      this.kept.set(this.open.event, this.open.state());
      this.open.destroy();
      this.open = null;
      this.batches.select(null);
      // No import on screen: let Rust drop the one it holds in memory. (Opening another
      // import replaces it there, so switching imports needs no call that could race.)
      void this.api.closeBatch().catch(() => undefined);
    }
    this.page = page;
    this.renderNav();
  }

  private showWelcome(): void {
    this.leave("welcome");
    this.renderWelcome();
  }

  private renderWelcome(): void {
    const c = this.connection.current;
    const hasImports = !this.batches.none;
    replace(
      this.main,
      h(
        "section",
        { class: "panel welcome", testid: "welcome" },
        h("h1", {}, hasImports ? "Pick an import" : "Waiting for the first import"),
        hasImports
          ? h("p", {}, "Choose an import on the left to see its rows. Invalid rows are tinted red.")
          : onTeamServer()
            ? h("p", { testid: "welcome-team" }, "Flatfile sends imports to this team server; they appear on the left as they arrive, for everyone signed in. An admin finds the webhook URL to give Flatfile under Connection.")
            : h(
              "ol",
              {},
              h("li", {}, "Start a tunnel to this app under Connection: Flatfile reaches this computer only through one."),
              h(
                "li",
                {},
                "Paste the webhook URL into your Flatfile Portal",
                // The local URL is never offered as the one to paste: Flatfile cannot reach it.
                c && c.public_url !== null && c.webhook_url !== null
                  ? h("span", {}, ":", h("div", {}, h("code", { class: "url", testid: "welcome-url" }, c.webhook_url)))
                  : h("span", { testid: "welcome-no-url" }, " (it appears here once a tunnel is up)."),
              ),
              h("li", {}, "Press “Send test event” to check the path end to end. Imports appear on the left as they arrive."),
            ),
        h("button", { type: "button", class: "primary", onclick: () => this.showConnection() }, "Open Connection"),
      ),
    );
  }

  private showConnection(): void {
    this.leave("connection");
    replace(this.main, this.connection.root);
    void this.connection.load().catch((e) => this.fail("Could not read the connection", e));
  }

  private async showSchemas(): Promise<void> {
    this.leave("schemas");
    replace(this.main, this.schemas.root);
    try {
      await this.schemas.load();
    } catch (e) {
      this.fail("Could not read the configurations", e);
    }
  }

  private async showPeople(): Promise<void> {
    this.leave("people");
    replace(this.main, this.people.root);
    try {
      await this.people.load();
    } catch (e) {
      this.fail("Could not read the people", e);
    }
  }

  private async showRejected(): Promise<void> {
    this.leave("rejected");
    replace(this.main, this.rejected.root);
    try {
      this.rejectedCount = await this.rejected.load();
      this.renderNav();
    } catch (e) {
      this.fail("Could not read the rejected requests", e);
    }
  }

  /** Opens the import with this event id: from the list when it is there, else as read. */
  private async openEvent(event: string): Promise<void> {
    try {
      await this.openBatch(this.batches.find(event) ?? (await this.api.importDetails(event)));
    } catch (e) {
      this.fail("Could not open that revision", e);
    }
  }

  private async openBatch(b: Batch): Promise<void> {
    if (this.open?.event === b.event) return;
    if (this.open) this.kept.set(this.open.event, this.open.state());
    this.open?.destroy();
    this.leave("import");
    this.batches.select(b.event);
    const view = new ImportView(
      b,
      this.api,
      {
        export: (batch, v, n, hidden) => this.exporter.open(batch, v, n, hidden),
        remove: (batch) => void this.deleteBatch(batch),
        configure: () => void this.showSchemas(),
        openEvent: (event) => void this.openEvent(event),
      },
      this.kept.get(b.event),
    );
    this.open = view;
    replace(this.main, view.root);
    this.hideBanner();
    await view.open();
  }

  private async deleteBatch(b: Batch): Promise<void> {
    const rows = b.valid + b.invalid;
    const sure = await confirmAction({
      title: `Delete batch ${b.batch}?`,
      body: `Its ${count(rows)} rows and ${b.parts_received} stored requests are removed from this computer. Rejected requests stay. This cannot be undone.`,
      action: "Delete",
    });
    if (!sure) return;
    try {
      await this.api.deleteBatch(b.event);
      this.kept.delete(b.event);
      this.showWelcome();
      await this.batches.refresh();
      this.renderWelcome();
    } catch (e) {
      this.fail(`Batch ${b.batch} was not deleted`, e);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "f" && this.open) {
      e.preventDefault();
      this.open.focusSearch();
    } else if (mod && e.key.toLowerCase() === "e" && this.open) {
      e.preventDefault();
      this.open.openExport();
    }
  }

  private fail(what: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.warn(`${what}: ${message}`);
  }

  private warn(text: string): void {
    this.banner.hidden = false;
    replace(this.banner, h("span", { testid: "banner-text" }, text), h("button", { type: "button", class: "link", onclick: () => this.hideBanner() }, "Dismiss"));
  }

  private hideBanner(): void {
    this.banner.hidden = true;
  }
}
