// Building DOM nodes. Text goes in through text nodes only: every value shown may come from
// a webhook sender, and none of it is ever parsed as HTML.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h("button", { class: "primary", onclick: go }, "Export")` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "testid") {
      el.dataset.testid = String(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Calls `close` when the mouse is pressed outside `root` (a popup's way out), and with
 * `onBlur` when the window loses focus, until the returned function is called: a popup made
 * per open import stops listening with it. */
export function closeOnPressOutside(root: HTMLElement, close: () => void, onBlur = false): () => void {
  const listening = new AbortController();
  document.addEventListener(
    "mousedown",
    (e) => {
      if (!root.contains(e.target as Node)) close();
    },
    { signal: listening.signal },
  );
  if (onBlur) window.addEventListener("blur", close, { signal: listening.signal });
  return () => listening.abort();
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
