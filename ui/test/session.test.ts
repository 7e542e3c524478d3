import { gate, may, refusal, useSession } from "../src/session";

afterEach(() => useSession("app", null));

describe("session", () => {
  it("lets the app on its own data do everything", () => {
    useSession("app", null);
    expect(may("delete_batch")).toBe(true);
    expect(may("choose_export_path")).toBe(true);
  });

  it("disables what a role may not do, with the reason, and what only the app does", () => {
    useSession("web", { name: "vic", role: "viewer" });
    expect(may("list_batches")).toBe(true);
    expect(refusal("retry_rejected")).toBe("Needs a reviewer (you are signed in as a viewer)");
    expect(refusal("delete_batch")).toBe("Needs an admin (you are signed in as a viewer)");
    expect(refusal("choose_export_path")).toBe("Only in the desktop app");
    const button = gate(document.createElement("button"), "delete_batch");
    expect(button.disabled).toBe(true);
    expect(button.title).toBe("Needs an admin (you are signed in as a viewer)");
    useSession("web", { name: "ada", role: "admin" });
    gate(button, "delete_batch");
    expect(button.disabled).toBe(false);
    expect(button.title).toBe("");
  });

  it("in the app on a team server, the role decides but the app's own commands stay", () => {
    useSession("team", { name: "rey", role: "reviewer" });
    expect(may("choose_export_path")).toBe(true);
    expect(may("retry_rejected")).toBe(true);
    expect(may("set_retention_days")).toBe(false);
  });
});
