// Files the user picks in a browser, where there is no native dialog to ask Rust for.

import { h } from "./dom";

/** A `.json` file the user picks in the browser, as text; null when they cancel. */
export function pickJsonFile(): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const input = h("input", { type: "file", accept: ".json,application/json", hidden: true });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      input.remove();
      if (!file) resolve(null);
      else file.text().then(resolve, reject);
    });
    input.addEventListener("cancel", () => {
      input.remove();
      resolve(null);
    });
    document.body.append(input);
    input.click();
  });
}
