import { badge, count, newestFirst, pretty, received, rows, shortId, size } from "../src/format";
import { batch } from "./fixtures";

describe("badge", () => {
  it("says complete when every part arrived and counts agree", () => {
    expect(badge(batch())).toMatchObject({ label: "complete", tone: "ok" });
  });
  it("says how many parts arrived while incomplete", () => {
    const b = batch({ status: "incomplete", parts_received: 2, parts_expected: 5 });
    expect(badge(b)).toMatchObject({ label: "incomplete 2 of 5", tone: "waiting" });
  });
  it("flags a count mismatch and names the parts", () => {
    const b = batch({ mismatched_parts: 2, mismatched: [2, 5] });
    expect(badge(b)).toMatchObject({ label: "count mismatch", tone: "warning" });
    expect(badge(b).title).toContain("parts 2, 5 hold");
  });
  it("flags a count mismatch while parts are still missing", () => {
    const b = batch({ status: "incomplete", parts_received: 1, mismatched_parts: 1, mismatched: [1] });
    expect(badge(b)).toMatchObject({ label: "incomplete 1 of 3, count mismatch", tone: "warning" });
    expect(badge(b).title).toBe("1 of 3 parts have arrived; part 1 holds a different number of rows than Flatfile declared");
  });
});

describe("formatting", () => {
  it("groups thousands and pluralises rows", () => {
    expect(count(1234567)).toBe("1,234,567");
    expect(rows(1)).toBe("1 row");
    expect(rows(1000)).toBe("1,000 rows");
  });
  it("shortens long ids only", () => {
    expect(shortId("abc")).toBe("abc");
    expect(shortId("0123456789abcdef")).toBe("0123456789ab…");
  });
  it("shows the time today and the date before", () => {
    const now = new Date("2026-11-27T18:00:00");
    const today = new Date("2026-11-27T09:05:03").toISOString();
    expect(received(today, now)).toBe("09:05:03");
    expect(received(new Date("2026-11-20T09:05:03").toISOString(), now)).toBe("20 Nov 09:05");
    expect(received("not a time", now)).toBe("not a time");
  });
  it("orders imports newest first", () => {
    const old = batch({ event: "a", first_received: "2026-11-26T10:00:00Z" });
    const mid = batch({ event: "b", first_received: "2026-11-27T09:00:00Z" });
    const neu = batch({ event: "c", first_received: "2026-11-27T10:00:00Z" });
    expect(newestFirst([mid, old, neu]).map((b) => b.event)).toEqual(["c", "b", "a"]);
  });
});

describe("sizes and bodies", () => {
  it("reads sizes in B, KB and MB", () => {
    expect([size(0), size(1023), size(2048), size(354_304), size(1_468_006)]).toEqual(["0 B", "1023 B", "2.0 KB", "346 KB", "1.4 MB"]);
  });

  it("pretty-prints JSON and leaves anything else as it is", () => {
    expect(pretty('{"a":[1,2]}')).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true });
    expect(pretty("not json")).toEqual({ text: "not json", json: false });
  });
});
