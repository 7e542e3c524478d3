import { CommandError } from "../src/api";
import type { ReviewEntry } from "../src/bindings/ReviewEntry";
import type { ReviewStatus } from "../src/bindings/ReviewStatus";
import { ReviewControl, reviewLine } from "../src/review";

type Asked = { event: string; status: ReviewStatus; note: string | null };

function control(answer: (a: Asked) => Promise<ReviewEntry>) {
  const asked: Asked[] = [];
  const c = new ReviewControl(
    {
      setReview: (event, status, note) => {
        asked.push({ event, status, note });
        return answer({ event, status, note });
      },
    },
    "evt-1",
  );
  document.body.replaceChildren(c.root);
  return { c, asked };
}

const el = <T extends HTMLElement>(c: ReviewControl, testid: string) => c.root.querySelector<T>(`[data-testid=${testid}]`) as T;
const entry = (status: ReviewStatus, note: string | null, by = "alice"): ReviewEntry => ({ id: 1, status, by, at: "2026-12-02T10:00:00Z", note });

describe("ReviewControl", () => {
  it("saves a status as soon as it is picked, and says who set it", async () => {
    const { c, asked } = control(async (a) => entry(a.status, a.note));
    c.show({ status: "new", by: null, at: null, note: null });
    const select = el<HTMLSelectElement>(c, "review-status");
    expect(select.value).toBe("new");
    expect(el(c, "review-who").textContent).toBe("");
    select.value = "in_review";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(el(c, "review-who").textContent).toBe("In review by alice"));
    expect(asked).toEqual([{ event: "evt-1", status: "in_review", note: null }]);
  });

  it("keeps a note with the status shown, and shows it", async () => {
    const { c, asked } = control(async (a) => entry(a.status, a.note));
    c.show({ status: "rejected", by: "bob", at: "2026-12-02T09:00:00Z", note: null });
    el<HTMLButtonElement>(c, "review-note-open").click();
    const form = el<HTMLFormElement>(c, "review-note-form");
    expect(form.hidden).toBe(false);
    el<HTMLTextAreaElement>(c, "review-note").value = "row 812 has the wrong country";
    form.requestSubmit();
    await vi.waitFor(() => expect(el(c, "review-note-shown")?.textContent).toBe("row 812 has the wrong country"));
    expect(asked).toEqual([{ event: "evt-1", status: "rejected", note: "row 812 has the wrong country" }]);
    expect(form.hidden).toBe(true);
  });

  it("goes back to what is stored and says why when a change is refused", async () => {
    const { c } = control(() => Promise.reject(new CommandError("forbidden", "changing the note bob wrote needs the admin role; you are signed in as a reviewer")));
    c.show({ status: "approved", by: "bob", at: "2026-12-02T09:00:00Z", note: "fine" });
    const select = el<HTMLSelectElement>(c, "review-status");
    select.value = "rejected";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(el(c, "review-error").textContent).toContain("needs the admin role"));
    expect(select.value).toBe("approved");
    expect(el(c, "review-who").textContent).toContain("Approved by bob");
  });

  it("says nothing for an import nobody has decided on", () => {
    expect(reviewLine({ status: "new", by: null, at: null, note: null })).toBeNull();
    expect(reviewLine({ status: "new", by: "carol", at: "2026-12-02T09:00:00Z", note: null })).toBe("New by carol");
  });
});
