// Requests that reached us but were not acknowledged: kept with their reason.

import type { Api } from "./api";
import type { Quarantined } from "./bindings/Quarantined";
import { h, replace } from "./dom";
import { count, received } from "./format";

const KINDS: Record<Quarantined["kind"], string> = {
  not_json: "not JSON",
  contract: "not a Flatfile payload",
  conflict: "conflicts with stored parts",
  signature: "signature did not verify",
};

export class RejectedView {
  readonly root: HTMLElement;
  private body = h("tbody", {});
  private preview = h("pre", { class: "body-preview", testid: "rejected-body" });
  private empty = h("p", { class: "empty" }, "No rejected requests. Requests that are not valid Flatfile imports would be listed here with the reason.");

  constructor(private api: Pick<Api, "listRejected" | "rejectedBody">) {
    this.root = h(
      "section",
      { class: "panel rejected", testid: "rejected-view" },
      h("h1", {}, "Rejected requests"),
      h("p", { class: "hint" }, "These reached the webhook URL with the right token but could not be stored as an import. The sender was told why; nothing was lost."),
      this.empty,
      h(
        "table",
        { class: "table", testid: "rejected-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Received"), h("th", {}, "Kind"), h("th", {}, "Reason"), h("th", {}, "Event / part"), h("th", {}, "Size"))),
        this.body,
      ),
      this.preview,
    );
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
          h("td", {}, KINDS[q.kind]),
          h("td", { class: "reason" }, q.reason),
          h("td", {}, q.event === null ? "—" : `${q.event}${q.part === null ? "" : ` / ${q.part}`}`),
          h("td", {}, `${count(q.bytes)} B`),
        ),
      ),
    );
    this.preview.hidden = true;
    return rows.length;
  }

  private async show(id: number): Promise<void> {
    for (const tr of this.body.querySelectorAll("tr")) {
      tr.classList.toggle("selected", tr.firstElementChild?.textContent === String(id));
    }
    this.preview.hidden = false;
    this.preview.textContent = await this.api.rejectedBody(id);
  }
}
