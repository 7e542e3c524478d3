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

export interface Question {
  title: string;
  body: string;
  /** The field's label, e.g. "Note". */
  label: string;
  /** The button that goes ahead, e.g. "Flag". */
  action: string;
  /** What the field starts with. */
  value?: string;
  maxLength?: number;
  /** Whether an empty answer is one (a cell corrected to empty); else it is refused. */
  allowEmpty?: boolean;
}

/** Asks for a line of text in the app's dialog; resolves the text (trimmed, never empty unless
 *  `allowEmpty`; kept as typed with `allowEmpty`), or `null` when the user cancels. */
export function askText(q: Question, host: HTMLElement = document.body): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h("input", { type: "text", class: "ask-input", testid: "ask-input", "aria-label": q.label, maxlength: q.maxLength === undefined ? null : String(q.maxLength) });
    input.value = q.value ?? "";
    const cancel = h("button", { type: "button", testid: "ask-cancel" }, "Cancel");
    const blank = () => !q.allowEmpty && input.value.trim() === "";
    const go = h("button", { type: "submit", class: "primary", testid: "ask-ok", disabled: blank() }, q.action);
    input.addEventListener("input", () => (go.disabled = blank()));
    const dialog = h(
      "dialog",
      { class: "confirm", testid: "ask-dialog" },
      h("form", { method: "dialog" }, h("h2", {}, q.title), h("p", {}, q.body), h("label", { class: "ask-label" }, q.label, input), h("div", { class: "actions" }, cancel, go)),
    );
    let answer: string | null = null;
    go.addEventListener("click", (e) => {
      e.preventDefault();
      if (blank()) return;
      answer = q.allowEmpty ? input.value : input.value.trim();
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    host.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
