import { CommandError, WebBackend, downloadName } from "../src/backend";

const originalFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = originalFetch;
});

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Response(status === 204 ? null : text, { status, headers });
}

describe("WebBackend", () => {
  it("posts a command's arguments as JSON to /api/<command> and answers its JSON", async () => {
    const sent: [string, RequestInit | undefined][] = [];
    globalThis.fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      sent.push([String(url), init]);
      return answer(200, { total: 1, batches: [] });
    }) as typeof fetch;
    const web = new WebBackend(() => undefined);
    const page = await web.invoke<{ total: number }>("list_batches", { filter: null, limit: 200 });
    expect(page.total).toBe(1);
    expect(sent[0]?.[0]).toBe("/api/list_batches");
    expect(sent[0]?.[1]?.method).toBe("POST");
    expect(JSON.parse(String(sent[0]?.[1]?.body))).toEqual({ filter: null, limit: 200 });
  });

  it("turns a refusal into a CommandError with the server's code, and says when the sign-in ended", async () => {
    const ended: string[] = [];
    const web = new WebBackend((why) => ended.push(why));
    globalThis.fetch = vi.fn(async () => answer(400, { code: "bad_filter", message: "the filter is not a valid SQL expression" })) as typeof fetch;
    const refused = await web.invoke("fetch_page", {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommandError);
    expect((refused as CommandError).code).toBe("bad_filter");
    expect(ended).toEqual([]);
    globalThis.fetch = vi.fn(async () => answer(401, { code: "unauthorized", message: "the sign-in has ended: sign in again" })) as typeof fetch;
    const gone = await web.invoke("list_batches", {}).catch((e: unknown) => e);
    expect((gone as CommandError).code).toBe("unauthorized");
    expect(ended).toEqual(["the sign-in has ended: sign in again"]);
    globalThis.fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    const down = await web.invoke("list_batches", {}).catch((e: unknown) => e);
    expect((down as CommandError).code).toBe("unreachable");
  });

  it("downloads an export under the name the server gives, with its row count", async () => {
    globalThis.fetch = vi.fn(async () =>
      answer(200, "a,b\n1,2\n", { "content-disposition": 'attachment; filename="desks.csv"', "x-hookgrid-rows": "1" }),
    ) as typeof fetch;
    const clicked: string[] = [];
    URL.createObjectURL = vi.fn(() => "blob:x");
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    const web = new WebBackend(() => undefined);
    const report = await web.invoke<{ rows: number; path: string }>("export_rows", { request: { path: "x.csv" } });
    expect(report).toEqual({ rows: 1, path: "desks.csv" });
    expect(clicked).toEqual(["desks.csv"]);
    click.mockRestore();
    expect(downloadName(null, "fallback.csv")).toBe("fallback.csv");
  });
});
