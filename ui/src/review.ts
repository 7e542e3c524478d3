// Where an import stands with its reviewers, in its header: a menu of the four statuses (a
// change is saved at once), who set it and when, and its note, which "Note…" edits.

import type { Api } from "./api";
import type { Review } from "./bindings/Review";
import type { ReviewStatus } from "./bindings/ReviewStatus";
import { h, replace } from "./dom";
import { gate } from "./session";
import { received } from "./format";

/** How each status reads to people. */
export const REVIEW_LABELS: Record<ReviewStatus, string> = {
  new: "New",
  in_review: "In review",
  approved: "Approved",
  rejected: "Rejected",
};

/** Longest note kept (`MAX_NOTE_CHARS` in Rust; a longer one is refused there). */
export const MAX_NOTE_CHARS = 2000;

/** "In review by alice", "Approved by bob"; `null` for an import nobody has decided on. */
export function reviewLine(review: Review): string | null {
  if (review.by === null) return null;
  return `${REVIEW_LABELS[review.status]} by ${review.by}`;
}

type ReviewApi = Pick<Api, "setReview">;

export class ReviewControl {
  readonly root: HTMLElement;
  private select: HTMLSelectElement;
  private who = h("span", { class: "review-who", testid: "review-who" });
  private noteButton: HTMLButtonElement;
  private form: HTMLFormElement;
  private noteInput: HTMLTextAreaElement;
  private message = h("span", { class: "error", testid: "review-error", role: "alert" });
  private review: Review = { status: "new", by: null, at: null, note: null };

  constructor(
    private api: ReviewApi,
    private event: string,
  ) {
    this.select = h(
      "select",
      { class: "review-status", testid: "review-status", "aria-label": "Review status", onchange: () => void this.save(this.select.value as ReviewStatus, null) },
      ...(Object.keys(REVIEW_LABELS) as ReviewStatus[]).map((s) => h("option", { value: s }, REVIEW_LABELS[s])),
    );
    this.noteButton = h("button", { type: "button", class: "link", testid: "review-note-open", onclick: () => this.openNote() }, "Note…");
    this.noteInput = h("textarea", { class: "review-note-input", testid: "review-note", rows: "2", maxlength: String(MAX_NOTE_CHARS), "aria-label": "Review note", placeholder: "Why (optional): “asked the customer about row 812”" });
    this.form = h(
      "form",
      { class: "review-note-form", testid: "review-note-form", hidden: true, onsubmit: (e: Event) => {
        e.preventDefault();
        void this.save(this.select.value as ReviewStatus, this.noteInput.value);
      } },
      this.noteInput,
      h("button", { type: "submit", class: "primary", testid: "review-note-save" }, "Save note"),
      h("button", { type: "button", testid: "review-note-cancel", onclick: () => this.closeNote() }, "Cancel"),
    );
    this.root = h(
      "div",
      { class: "review", testid: "review" },
      gate(this.select, "set_review"),
      gate(this.noteButton, "set_review"),
      this.who,
      this.message,
      this.form,
    );
  }

  /** Shows the import's review as it stands (a note being written stays). */
  show(review: Review): void {
    this.review = review;
    this.select.value = review.status;
    const line = reviewLine(review);
    replace(
      this.who,
      line === null ? "" : h("span", { title: review.at === null ? "" : `set ${received(review.at)}` }, line),
      review.note === null ? "" : h("q", { class: "review-note-shown", testid: "review-note-shown" }, review.note),
    );
  }

  private openNote(): void {
    this.noteInput.value = this.review.note ?? "";
    this.form.hidden = false;
    this.noteInput.focus();
  }

  private closeNote(): void {
    this.form.hidden = true;
  }

  private async save(status: ReviewStatus, note: string | null): Promise<void> {
    this.message.textContent = "";
    try {
      const entry = await this.api.setReview(this.event, status, note);
      this.show({ status: entry.status, by: entry.by, at: entry.at, note: entry.note });
      this.closeNote();
    } catch (e) {
      // Not saved: the menu goes back to what is stored, and says why.
      this.select.value = this.review.status;
      this.message.textContent = `The review was not saved: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
