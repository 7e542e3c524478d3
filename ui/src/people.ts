// People (a team server's admins): who may sign in, with which role, their API tokens, and
// the audit log of who changed what. A new password or token is shown once, here, and never
// again: the server keeps only its hash.

import { type Api, CommandError } from "./api";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { Role } from "./bindings/Role";
import type { UserView } from "./bindings/UserView";
import { confirmAction } from "./confirm";
import { h, replace } from "./dom";
import { received } from "./format";
import { signedIn } from "./session";

type PeopleApi = Pick<
  Api,
  "listUsers" | "addUser" | "setUserRole" | "resetUserPassword" | "removeUser" | "addUserToken" | "revokeUserToken" | "listAudit"
>;

const ROLES: [Role, string][] = [
  ["viewer", "viewer: reads and exports"],
  ["reviewer", "reviewer: also configurations and retries"],
  ["admin", "admin: also deletes, settings and people"],
];

/** A menu of the roles; `explained` says what each may do (for a new person). */
function roleSelect(chosen: Role, label: string, explained = false): HTMLSelectElement {
  return h(
    "select",
    { "aria-label": label, title: ROLES.map(([, text]) => text).join("\n") },
    ...ROLES.map(([r, text]) => h("option", { value: r, selected: r === chosen }, explained ? text : r)),
  );
}

export class PeopleView {
  readonly root: HTMLElement;
  private users = h("tbody", {});
  private audit = h("tbody", {});
  /** A password or token just made: shown once, until the next change. */
  private secret = h("div", { class: "notice secret", testid: "people-secret", role: "status", hidden: true });
  private status = h("p", { class: "form-status", testid: "people-status", role: "status", "aria-live": "polite" });
  private name: HTMLInputElement;
  private role: HTMLSelectElement;

  constructor(private api: PeopleApi) {
    this.name = h("input", { type: "text", testid: "people-name", "aria-label": "Name", placeholder: "name", spellcheck: "false" });
    this.role = roleSelect("viewer", "Role", true);
    this.role.dataset.testid = "people-role";
    this.root = h(
      "section",
      { class: "panel people", testid: "people-view" },
      h("h1", {}, "People"),
      h("p", { class: "hint" }, "Who may sign in to this team server, and what each may do. Passwords and tokens are shown once, when they are made: hand them over safely."),
      h(
        "form",
        { class: "row", onsubmit: (e: Event) => { e.preventDefault(); void this.add(); } },
        this.name,
        this.role,
        h("button", { type: "submit", class: "primary", testid: "people-add" }, "Add"),
      ),
      this.secret,
      this.status,
      h(
        "table",
        { class: "table", testid: "people-users" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", {}, "Last sign-in"), h("th", {}, "API tokens"), h("th", {}, ""))),
        this.users,
      ),
      h("h2", {}, "Who changed what"),
      h(
        "table",
        { class: "table", testid: "people-audit" },
        h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Who"), h("th", {}, "What"), h("th", {}, "To what"))),
        this.audit,
      ),
    );
  }

  async load(): Promise<void> {
    const [users, audit] = await Promise.all([this.api.listUsers(), this.api.listAudit()]);
    this.renderUsers(users);
    this.renderAudit(audit);
  }

  private show(what: string, secret: string): void {
    this.secret.hidden = false;
    replace(this.secret, `${what} (shown only now): `, h("code", { testid: "people-secret-value" }, secret));
  }

  private async act(work: () => Promise<void>): Promise<void> {
    this.secret.hidden = true;
    this.status.textContent = "";
    try {
      await work();
      await this.load();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.status.dataset.state = "error";
      this.status.textContent = e instanceof CommandError && e.code === "exists" ? `${message}.` : message;
    }
  }

  private add(): Promise<void> {
    const name = this.name.value.trim();
    const role = this.role.value as Role;
    return this.act(async () => {
      const made = await this.api.addUser(name, role);
      this.name.value = "";
      this.show(`${name}'s password`, made.secret);
    });
  }

  private renderUsers(users: UserView[]): void {
    const me = signedIn()?.name;
    replace(
      this.users,
      ...users.map((u) => {
        const role = roleSelect(u.role, `Role of ${u.name}`);
        role.addEventListener("change", () => void this.act(() => this.api.setUserRole(u.name, role.value as Role)));
        const label = h("input", { type: "text", class: "token-label", placeholder: "label, e.g. laptop", "aria-label": `Label of a new token for ${u.name}` });
        return h(
          "tr",
          { testid: "people-user", "data-name": u.name },
          h("td", {}, u.name, u.name === me ? h("span", { class: "muted" }, " (you)") : null),
          h("td", {}, role),
          h("td", {}, u.last_sign_in === null ? "never" : received(u.last_sign_in)),
          h(
            "td",
            {},
            ...u.tokens.map((t) =>
              h(
                "span",
                { class: "token" },
                t,
                h("button", { type: "button", class: "link", title: `Revoke ${u.name}'s token ${t}: it stops working at once`, onclick: () => void this.act(() => this.api.revokeUserToken(u.name, t)) }, "revoke"),
              ),
            ),
            h(
              "form",
              {
                class: "row token-form",
                onsubmit: (e: Event) => {
                  e.preventDefault();
                  void this.act(async () => {
                    const made = await this.api.addUserToken(u.name, label.value);
                    this.show(`${u.name}'s token ${label.value.trim()}`, made.secret);
                  });
                },
              },
              label,
              h("button", { type: "submit" }, "Make token"),
            ),
          ),
          h(
            "td",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                onclick: () =>
                  void this.act(async () => {
                    const made = await this.api.resetUserPassword(u.name);
                    this.show(`${u.name}'s new password`, made.secret);
                  }),
              },
              "New password",
            ),
            h(
              "button",
              {
                type: "button",
                class: "danger",
                onclick: async () => {
                  const sure = await confirmAction({ title: `Remove ${u.name}?`, body: `${u.name} can no longer sign in; their tokens stop working at once.`, action: "Remove" });
                  if (sure) await this.act(() => this.api.removeUser(u.name));
                },
              },
              "Remove",
            ),
          ),
        );
      }),
    );
  }

  private renderAudit(entries: AuditEntry[]): void {
    const shown = entries.slice(0, 200);
    replace(
      this.audit,
      ...shown.map((e) => h("tr", { testid: "people-audit-line" }, h("td", {}, received(e.at)), h("td", {}, e.user), h("td", {}, e.action), h("td", {}, e.target))),
    );
  }
}
