// The app's own context menu, in place of the web view's (Back, Forward, Reload).

import { closeOnPressOutside, h, replace } from "./dom";

export interface MenuItem {
  label: string;
  testid: string;
  run: () => void;
  disabled?: boolean;
}

export class ContextMenu {
  readonly root = h("div", { class: "context-menu", role: "menu", testid: "context-menu", hidden: true });

  /** Stops the menu listening to the page. */
  readonly destroy: () => void;

  constructor() {
    this.destroy = closeOnPressOutside(this.root, () => this.hide(), true);
    this.root.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Shows `items` at the pointer (kept inside the window). */
  show(x: number, y: number, items: MenuItem[]): void {
    replace(
      this.root,
      ...items.map((item) =>
        h(
          "button",
          {
            type: "button",
            role: "menuitem",
            testid: item.testid,
            disabled: item.disabled === true,
            onclick: () => {
              this.hide();
              item.run();
            },
          },
          item.label,
        ),
      ),
    );
    this.root.hidden = false;
    const { width, height } = this.root.getBoundingClientRect();
    this.root.style.left = `${Math.max(0, Math.min(x, window.innerWidth - width - 4))}px`;
    this.root.style.top = `${Math.max(0, Math.min(y, window.innerHeight - height - 4))}px`;
    this.root.querySelector<HTMLButtonElement>("button:not([disabled])")?.focus();
  }

  hide(): void {
    this.root.hidden = true;
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  private onKey(e: KeyboardEvent): void {
    const items = [...this.root.querySelectorAll<HTMLButtonElement>("button:not([disabled])")];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      e.preventDefault();
      this.hide();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length];
      next?.focus();
    }
  }
}

/** Keeps the web view's own menu away everywhere but in text fields, where Cut, Copy and
 * Paste are what a user expects. */
export function suppressNativeMenu(): void {
  document.addEventListener("contextmenu", (e) => {
    const target = e.target as Element | null;
    if (!target?.closest("input, textarea")) e.preventDefault();
  });
}
