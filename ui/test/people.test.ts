import type { Role } from "../src/bindings/Role";
import type { UserView } from "../src/bindings/UserView";
import { PeopleView } from "../src/people";
import { useSession } from "../src/session";

afterEach(() => useSession("app", null));

function fakeApi() {
  const users: UserView[] = [{ name: "ana", role: "admin", created: "2026-12-01T09:00:00Z", last_sign_in: null, tokens: [] }];
  const calls: string[] = [];
  return {
    users,
    calls,
    api: {
      listUsers: async () => users.map((u) => ({ ...u })),
      listAudit: async () => [{ at: "2026-12-01T09:00:00Z", user: "ana", action: "user_add", target: "user ben as viewer" }],
      addUser: async (name: string, role: Role) => {
        calls.push(`add ${name} ${role}`);
        users.push({ name, role, created: "2026-12-02T09:00:00Z", last_sign_in: null, tokens: [] });
        return { secret: "abcde-fghjk-mnpqr-stuvw" };
      },
      setUserRole: async (name: string, role: Role) => void calls.push(`role ${name} ${role}`),
      resetUserPassword: async () => ({ secret: "new" }),
      removeUser: async () => undefined,
      addUserToken: async (name: string, label: string) => {
        const user = users.find((u) => u.name === name);
        user?.tokens.push(label);
        return { secret: "hgt_2_secret" };
      },
      revokeUserToken: async () => undefined,
    },
  };
}

describe("PeopleView", () => {
  it("adds a user and shows the password once, then lists them", async () => {
    useSession("web", { name: "ana", role: "admin" });
    const { api, calls } = fakeApi();
    const view = new PeopleView(api);
    document.body.append(view.root);
    await view.load();
    expect(view.root.querySelectorAll("[data-testid=people-user]").length).toBe(1);
    expect(view.root.querySelector("[data-testid=people-audit]")?.textContent).toContain("user ben as viewer");
    const name = view.root.querySelector<HTMLInputElement>("[data-testid=people-name]");
    if (!name) throw new Error("no name field");
    name.value = "ben";
    const role = view.root.querySelector<HTMLSelectElement>("[data-testid=people-role]");
    if (!role) throw new Error("no role");
    role.value = "reviewer";
    view.root.querySelector<HTMLButtonElement>("[data-testid=people-add]")?.click();
    await vi.waitFor(() => expect(view.root.querySelectorAll("[data-testid=people-user]").length).toBe(2));
    expect(calls).toEqual(["add ben reviewer"]);
    expect(view.root.querySelector("[data-testid=people-secret-value]")?.textContent).toBe("abcde-fghjk-mnpqr-stuvw");
    expect(view.root.querySelector("[data-testid=people-secret]")?.textContent).toContain("shown only now");
    view.root.remove();
  });

  it("changes a role from its menu and makes a token shown once", async () => {
    useSession("web", { name: "ana", role: "admin" });
    const { api, calls } = fakeApi();
    const view = new PeopleView(api);
    await view.load();
    const row = view.root.querySelector<HTMLElement>("[data-testid=people-user][data-name=ana]");
    const select = row?.querySelector<HTMLSelectElement>("select");
    if (!row || !select) throw new Error("no row");
    select.value = "viewer";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(calls).toEqual(["role ana viewer"]));
    const label = view.root.querySelector<HTMLInputElement>("[data-testid=people-user][data-name=ana] .token-label");
    if (!label) throw new Error("no label");
    label.value = "laptop";
    label.form?.requestSubmit();
    await vi.waitFor(() => expect(view.root.querySelector("[data-testid=people-secret-value]")?.textContent).toBe("hgt_2_secret"));
    expect(view.root.querySelector("[data-testid=people-user][data-name=ana]")?.textContent).toContain("laptop");
  });
});
