// Asking before something that cannot be undone, in the app's own dialog (the same look and
// keyboard handling as the rest: Enter confirms, Esc cancels).

import { h } from "./dom";

export interface Confirmation {
  title: string;
  body: string;
  /** The button that goes ahead, e.g. "Delete". */
  action: string;
}

/** Shows the question; resolves `true` when the user goes ahead. */
export function confirmAction(c: Confirmation, host: HTMLElement = document.body): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h("button", { type: "button", testid: "confirm-cancel" }, "Cancel");
    const go = h("button", { type: "submit", class: "primary danger-fill", testid: "confirm-ok" }, c.action);
    const dialog = h(
      "dialog",
      { class: "confirm", testid: "confirm-dialog" },
      h("form", { method: "dialog" }, h("h2", {}, c.title), h("p", {}, c.body), h("div", { class: "actions" }, cancel, go)),
    );
    let answer = false;
    const done = () => {
      dialog.remove();
      resolve(answer);
    };
    go.addEventListener("click", (e) => {
      e.preventDefault();
      answer = true;
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", done);
    host.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
