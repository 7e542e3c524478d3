import { confirmAction } from "../src/confirm";


describe("confirmAction", () => {
  it("resolves true only when the action is chosen, and removes itself", async () => {
    const question = { title: "Delete batch b?", body: "This cannot be undone.", action: "Delete" };
    const yes = confirmAction(question);
    const dialog = document.querySelector<HTMLElement>("[data-testid=confirm-dialog]");
    expect(dialog?.textContent).toContain("Delete batch b?");
    expect(document.activeElement?.textContent).toBe("Cancel");
    document.querySelector<HTMLButtonElement>("[data-testid=confirm-ok]")?.click();
    expect(await yes).toBe(true);
    expect(document.querySelector("[data-testid=confirm-dialog]")).toBeNull();

    const no = confirmAction(question);
    document.querySelector<HTMLButtonElement>("[data-testid=confirm-cancel]")?.click();
    expect(await no).toBe(false);
  });
});
