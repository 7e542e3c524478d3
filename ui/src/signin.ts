// The sign-in page of a team server, shown in a browser before anything else, and again when
// a sign-in ends (it expired, the password was changed, the user was removed).

import type { Who } from "./session";
import { h, replace } from "./dom";

/** Asks the server who is signed in: the user, or null when nobody is. */
export async function whoIsSignedIn(): Promise<Who | null> {
  const response = await fetch("/api/me", { credentials: "same-origin" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`The team server answered ${response.status} to /api/me.`);
  return (await response.json()) as Who;
}

/** Ends the sign-in and goes back to the sign-in page. */
export async function signOut(): Promise<void> {
  try {
    await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
  } finally {
    location.reload();
  }
}

export class SignIn {
  readonly root: HTMLElement;
  private name: HTMLInputElement;
  private password: HTMLInputElement;
  private error = h("p", { class: "field-error", testid: "signin-error", role: "alert" });
  private go: HTMLButtonElement;

  /** `notice` says why the page asks again (a sign-in that ended); `done` gets the user. */
  constructor(
    private done: (who: Who) => void,
    notice = "",
  ) {
    this.name = h("input", { type: "text", autocomplete: "username", testid: "signin-name", "aria-label": "Name", required: true, spellcheck: "false" });
    this.password = h("input", { type: "password", autocomplete: "current-password", testid: "signin-password", "aria-label": "Password", required: true });
    this.go = h("button", { type: "submit", class: "primary", testid: "signin-go" }, "Sign in");
    this.error.textContent = notice;
    this.root = h(
      "main",
      { class: "signin", testid: "signin" },
      h(
        "form",
        { onsubmit: (e: Event) => { e.preventDefault(); void this.submit(); } },
        h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "Hookgrid"),
        h("p", { class: "hint" }, `Sign in to review the imports on ${location.host}.`),
        h("label", {}, "Name", this.name),
        h("label", {}, "Password", this.password),
        this.error,
        this.go,
        h("p", { class: "hint" }, "No account yet? An admin adds you on the server with hookgrid user add."),
      ),
    );
  }

  focus(): void {
    (this.name.value ? this.password : this.name).focus();
  }

  private async submit(): Promise<void> {
    this.go.disabled = true;
    replace(this.error, "");
    try {
      const response = await fetch("/api/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: this.name.value, password: this.password.value }),
      });
      if (response.ok) {
        this.password.value = "";
        this.done((await response.json()) as Who);
        return;
      }
      const body = (await response.json().catch(() => null)) as { code?: string; message?: string } | null;
      const wait = response.headers.get("retry-after");
      this.error.textContent =
        response.status === 429
          ? `Too many failed sign-ins. Try again in ${wait ?? "a few"} seconds.`
          : response.status === 401
            ? "The name or the password is wrong."
            : `Could not sign in: ${body?.message ?? response.statusText}`;
      this.password.select();
    } catch (e) {
      this.error.textContent = `The team server cannot be reached (${String(e)}).`;
    } finally {
      this.go.disabled = false;
    }
  }
}
