// Requests that reached us but were not acknowledged: kept with their reason. One that needs no
// more looking at can be dismissed: it leaves this list and the count, and stays kept.

import type { Api } from "./api";
import type { Quarantined } from "./bindings/Quarantined";
import { h, replace } from "./dom";
import { gate } from "./session";
import type { Retried } from "./bindings/Retried";
import { pretty, received, size } from "./format";

const KINDS: Record<Quarantined["kind"], string> = {
  not_json: "not JSON",
  contract: "not a Flatfile payload",
  conflict: "conflicts with stored parts",
  signature: "signature did not verify",
};

const OUTCOMES: Record<Retried["outcome"], string> = {
  stored: "✓",
  duplicate: "✓",
  rejected: "✕",
};

export class RejectedView {
  readonly root: HTMLElement;
  private body = h("tbody", {});
  private results = h("ul", { class: "retry-results", testid: "retry-results", "aria-live": "polite" });
  private retryAll: HTMLButtonElement;
  private dismissRefused: HTMLButtonElement;
  private preview = h("pre", { class: "body-preview", testid: "rejected-body" });
  private previewTitle = h("span", { testid: "rejected-body-title" });
  private asSent = h("input", { type: "checkbox", testid: "rejected-as-sent", onchange: () => this.render() });
  /** The body shown, as it arrived. */
  private sent: string | null = null;
  private bodyBox = h(
    "details",
    { class: "rejected-body", open: true, hidden: true, testid: "rejected-body-box" },
    h("summary", {}, this.previewTitle),
    h("label", { class: "check", title: "The body byte for byte, without pretty-printing (which rewrites numbers and drops repeated keys)" }, this.asSent, " As sent"),
    this.preview,
  );
  private empty = h("p", { class: "empty" }, "No rejected requests. Requests that are not valid Flatfile imports would be listed here with the reason.");

  constructor(
    private api: Pick<Api, "listRejected" | "rejectedBody" | "retryRejected" | "retryAllRejected" | "dismissRejected" | "dismissRefusedRejected">,
    /** Told after a retry or a dismissal, so the count and the imports can be read again. */
    private onChanged: () => void = () => undefined,
  ) {
    this.retryAll = gate(h("button", { type: "button", testid: "retry-all", title: "Try every rejected request again, oldest first", onclick: () => void this.retry(null) }, "Retry all"), "retry_all_rejected");
    this.dismissRefused = gate(
      h("button", { type: "button", testid: "dismiss-refused", title: "Dismiss every request that was tried again and refused again: they leave this list and its count, and stay kept with their bodies", onclick: () => void this.dismiss(null) }, "Dismiss the refused again"),
      "dismiss_refused_rejected",
    );
    this.root = h(
      "section",
      { class: "panel rejected", testid: "rejected-view" },
      h("div", { class: "panel-head" }, h("h1", {}, "Rejected requests"), h("div", { class: "actions" }, this.dismissRefused, this.retryAll)),
      h(
        "p",
        { class: "hint" },
        "These reached the webhook URL with the right token but could not be stored as an import; the sender was told why, and each is kept here with its body. Flatfile does not resend a refused request: after fixing the cause (or updating Hookgrid), Retry tries one again as if it had just arrived. Dismiss takes one nobody needs to look at again out of this list and its count; it stays kept with its body.",
      ),
      this.results,
      this.empty,
      // The reason takes the room left, down to a minimum; past that the table scrolls
      // sideways, so Retry and Dismiss are never cut off.
      h(
        "div",
        { class: "table-scroll", testid: "rejected-scroll" },
        h(
          "table",
          { class: "table", testid: "rejected-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Received"), h("th", {}, "Kind"), h("th", {}, "Reason"), h("th", {}, "Event / index"), h("th", {}, "Size"), h("th", {}, ""))),
          this.body,
        ),
      ),
      this.bodyBox,
    );
  }

  /** Retries one request (or all of them, with `null`) and says what became of each. */
  async retry(id: number | null): Promise<void> {
    this.retryAll.disabled = true;
    replace(this.results, h("li", {}, id === null ? "Trying every rejected request again…" : `Trying #${id} again…`));
    try {
      const results = id === null ? await this.api.retryAllRejected() : [await this.api.retryRejected(id)];
      replace(
        this.results,
        ...(results.length === 0 ? [h("li", {}, "Nothing to retry.")] : []),
        ...results.map((r) => h("li", { class: r.outcome === "rejected" ? "error" : "ok", testid: "retry-result", "data-outcome": r.outcome }, `${OUTCOMES[r.outcome]} #${r.id}: ${r.message}`)),
      );
    } catch (e) {
      replace(this.results, h("li", { class: "error" }, `Retry stopped: ${e instanceof Error ? e.message : String(e)}`));
    } finally {
      gate(this.retryAll, "retry_all_rejected");
    }
    await this.load();
    this.onChanged();
  }

  /** Dismisses one request (or, with `null`, every one retried and refused again). */
  async dismiss(id: number | null): Promise<void> {
    try {
      let ids = [id ?? 0];
      if (id === null) ids = await this.api.dismissRefusedRejected();
      else await this.api.dismissRejected(id);
      const list = ids.map((i) => `#${i}`).join(", ");
      replace(this.results, h("li", { class: "ok", testid: "dismiss-result" }, ids.length === 0 ? "Nothing was tried again and refused again." : `Dismissed ${list}: kept with its body, no longer listed or counted.`));
    } catch (e) {
      replace(this.results, h("li", { class: "error" }, `Could not dismiss: ${e instanceof Error ? e.message : String(e)}`));
    }
    await this.load();
    this.onChanged();
  }

  async load(): Promise<number> {
    const rows = await this.api.listRejected();
    this.empty.hidden = rows.length > 0;
    replace(
      this.body,
      ...rows.map((q) =>
        h(
          "tr",
          { tabindex: "0", testid: "rejected-row", onclick: () => void this.show(q.id), onkeydown: (e: Event) => (e as KeyboardEvent).key === "Enter" && void this.show(q.id) },
          h("td", {}, String(q.id)),
          h("td", {}, received(q.received_at)),
          h("td", {}, KINDS[q.kind], q.retried ? h("span", { class: "muted", title: "Tried again and refused again" }, " · refused again") : null),
          h("td", { class: "reason", title: q.reason }, q.reason),
          h("td", { class: "event", title: q.event ?? "" }, q.event === null ? "—" : `${q.event}${q.part === null ? "" : ` / ${q.part}`}`),
          h("td", { class: "size", title: `${q.bytes.toLocaleString("en-US")} bytes` }, size(q.bytes)),
          h(
            "td",
            { class: "row-actions" },
            gate(h("button", { type: "button", class: "link", testid: "retry-one", onclick: (e: Event) => { e.stopPropagation(); void this.retry(q.id); } }, "Retry"), "retry_rejected"),
            gate(h("button", { type: "button", class: "link", testid: "dismiss-one", title: "No longer list or count it; it stays kept with its body", onclick: (e: Event) => { e.stopPropagation(); void this.dismiss(q.id); } }, "Dismiss"), "dismiss_rejected"),
          ),
        ),
      ),
    );
    this.retryAll.hidden = rows.length === 0;
    this.dismissRefused.hidden = !rows.some((q) => q.retried);
    this.bodyBox.hidden = true;
    return rows.length;
  }

  private async show(id: number): Promise<void> {
    for (const tr of this.body.querySelectorAll("tr")) {
      tr.classList.toggle("selected", tr.firstElementChild?.textContent === String(id));
    }
    this.sent = await this.api.rejectedBody(id);
    replace(this.previewTitle, `Body of #${id}`);
    this.bodyBox.hidden = false;
    this.bodyBox.open = true;
    this.render();
  }

  /** The body, pretty-printed when it is JSON and "As sent" is not ticked. */
  private render(): void {
    if (this.sent === null) return;
    const shown = this.asSent.checked ? { text: this.sent, json: false } : pretty(this.sent);
    this.preview.textContent = shown.text;
    this.preview.dataset.pretty = String(shown.json);
  }
}
