// Connection → Team server: the desktop app reviewing a team server's imports instead of
// this computer's. A URL and an API token (made on the server with `hookgrid user token`),
// checked before they are kept; then "This computer" switches back.

import { type Api, CommandError } from "./api";
import type { TeamView } from "./bindings/TeamView";
import { h, replace } from "./dom";

type TeamApi = Pick<Api, "teamServer" | "connectTeamServer" | "disconnectTeamServer">;

export class TeamSection {
  readonly root = h("div", { class: "field team", testid: "team" });
  private url: HTMLInputElement;
  private token: HTMLInputElement;
  private status = h("p", { class: "form-status", testid: "team-status", role: "status", "aria-live": "polite" });
  private go: HTMLButtonElement;

  /** `switched` runs once the app uses another place (the page starts afresh there). */
  constructor(
    private api: TeamApi,
    private switched: () => void,
  ) {
    this.url = h("input", { type: "url", testid: "team-url", "aria-label": "Team server address", placeholder: "https://hookgrid.example.com", spellcheck: "false" });
    this.token = h("input", { type: "password", testid: "team-token", "aria-label": "API token", placeholder: "hgt_…", autocomplete: "off" });
    this.go = h("button", { type: "button", class: "primary", testid: "team-connect", onclick: () => void this.connect() }, "Connect");
  }

  show(view: TeamView): void {
    if (view.url === null) {
      replace(
        this.root,
        h("label", {}, "Team server"),
        h("p", { class: "hint" }, "Review a team's imports on its server (hookgrid serve --review-listen) instead of this computer's. Its admin gives you the address and an API token (hookgrid user token NAME --label laptop)."),
        h("div", { class: "row" }, this.url, this.token, this.go),
        this.status,
      );
      return;
    }
    const who = view.identity;
    const problem = view.problem;
    replace(
      this.root,
      h("label", {}, "Team server"),
      h(
        "p",
        { testid: "team-connected", "data-problem": problem?.code ?? "" },
        h("span", { class: `dot ${problem ? "error" : "ok"}` }),
        who ? `Using ${view.url} as ${who.name} (${who.role}).` : `Using ${view.url}.`,
        " This computer's own listener is stopped: Flatfile posts to the team server. Exports are saved on this computer.",
      ),
      problem ? h("p", { class: "notice", testid: "team-problem", role: "alert" }, problem.message) : null,
      problem?.code === "team_signed_out" || problem?.code === "team_version"
        ? h("div", { class: "row" }, this.url, this.token, this.go)
        : null,
      h("div", { class: "row" }, h("button", { type: "button", testid: "team-leave", onclick: () => void this.leave() }, "Use this computer instead")),
      this.status,
    );
    if (document.activeElement !== this.url) this.url.value = view.url;
  }

  async load(): Promise<TeamView> {
    const view = await this.api.teamServer();
    this.show(view);
    return view;
  }

  private async connect(): Promise<void> {
    this.go.disabled = true;
    this.status.textContent = "Checking the team server…";
    try {
      await this.api.connectTeamServer(this.url.value, this.token.value);
      this.token.value = "";
      this.switched();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.status.dataset.state = "error";
      this.status.textContent =
        e instanceof CommandError && e.code === "team_signed_out"
          ? "The server does not accept that token: check it was copied whole (hgt_…), or ask its admin for a new one."
          : message;
    } finally {
      this.go.disabled = false;
    }
  }

  private async leave(): Promise<void> {
    try {
      await this.api.disconnectTeamServer();
      this.switched();
    } catch (e) {
      this.status.textContent = e instanceof Error ? e.message : String(e);
    }
  }
}
