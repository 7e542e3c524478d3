// Find and replace in one column of the open view: exact text inside a cell (case-sensitive,
// every occurrence), counted before it is applied, applied as corrections (each revertible).

import type { Api } from "./api";
import type { Replaced } from "./bindings/Replaced";
import type { View } from "./bindings/View";
import { h } from "./dom";
import { count } from "./format";

type ReplaceApi = Pick<Api, "replaceInColumn">;

/** "2 cells (3 occurrences)". */
export function foundText(r: Replaced): string {
  const cells = `${count(r.cells)} ${r.cells === 1 ? "cell" : "cells"}`;
  return r.occurrences === r.cells ? cells : `${cells} (${count(r.occurrences)} occurrences)`;
}

/** Opens the dialog for `column` over `view`; resolves what was replaced, or `null` when
 *  nothing was (cancelled, or nothing found). */
export function findAndReplace(api: ReplaceApi, event: string, view: View, column: string, host: HTMLElement = document.body): Promise<Replaced | null> {
  return new Promise((resolve) => {
    const find = h("input", { type: "text", class: "ask-input", testid: "replace-find", "aria-label": "Find" });
    const with_ = h("input", { type: "text", class: "ask-input", testid: "replace-with", "aria-label": "Replace with" });
    const counted = h("p", { class: "hint", testid: "replace-count", role: "status" }, "Type the exact text to find (case matters).");
    const go = h("button", { type: "submit", class: "primary", testid: "replace-ok", disabled: true }, "Replace");
    const cancel = h("button", { type: "button", testid: "replace-cancel" }, "Cancel");
    const dialog = h(
      "dialog",
      { class: "confirm", testid: "replace-dialog" },
      h(
        "form",
        { method: "dialog" },
        h("h2", {}, `Find and replace in ${column}`),
        h("p", {}, "In the rows the grid shows now. Each changed cell becomes a correction: what Flatfile sent stays kept, and each can be reverted."),
        h("label", { class: "ask-label" }, "Find", find),
        h("label", { class: "ask-label" }, "Replace with", with_),
        counted,
        h("div", { class: "actions" }, cancel, go),
      ),
    );
    let result: Replaced | null = null;
    let asked = 0;
    const recount = async () => {
      const generation = ++asked;
      go.disabled = true;
      if (find.value === "") {
        counted.textContent = "Type the exact text to find (case matters).";
        return;
      }
      try {
        const r = await api.replaceInColumn(event, view, column, find.value, with_.value, true);
        if (generation !== asked) return;
        counted.textContent = r.cells === 0 ? `No cell of ${column} in this view holds that text.` : `${foundText(r)} will change.`;
        go.disabled = r.cells === 0;
        go.textContent = r.cells === 0 ? "Replace" : `Replace in ${foundText(r)}`;
      } catch (e) {
        if (generation !== asked) return;
        counted.textContent = `Cannot count: ${e instanceof Error ? e.message : String(e)}`;
      }
    };
    find.addEventListener("input", () => void recount());
    go.addEventListener("click", (e) => {
      e.preventDefault();
      go.disabled = true;
      void api.replaceInColumn(event, view, column, find.value, with_.value, false).then(
        (r) => {
          result = r.applied ? r : null;
          dialog.close();
        },
        (err: unknown) => {
          counted.textContent = `Not replaced: ${err instanceof Error ? err.message : String(err)}`;
          go.disabled = false;
        },
      );
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    host.append(dialog);
    dialog.showModal();
    find.focus();
  });
}
