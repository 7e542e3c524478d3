// How the page reaches Rust, chosen once at start: Tauri's IPC inside the desktop app, or
// HTTP to a team server (`hookgrid serve --review-listen`) in a browser. Both carry the same
// commands with the same JSON arguments and results; events come over Tauri's event system
// or a server-sent event stream. Everything above this file is one UI.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Event } from "./bindings/Event";
import type { ExportReport } from "./bindings/ExportReport";
import type { IpcError } from "./bindings/IpcError";

/** A failed command, with the code the Rust side gave it (`bad_filter`, `io`, …). */
export class CommandError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "CommandError";
    this.code = code;
  }
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** What the page does when the live stream says something. */
export interface EventHandlers {
  event: (event: Event) => void;
  /** Events were missed: read everything again. */
  resync: () => void;
  /** The app's tunnel changed (the desktop app only). */
  tunnel: () => void;
  /** The app's team connection changed: connected, lost, back, token refused (the app only). */
  team?: () => void;
  /** The live stream is down (`false`) or back (`true`): a browser reconnects by itself. */
  live?: (up: boolean) => void;
}

export interface Backend {
  /** `app`: inside the desktop app. `web`: a browser signed in to a team server. */
  readonly kind: "app" | "web";
  invoke<T>(command: string, args?: Record<string, unknown>): Promise<T>;
  listen(handlers: EventHandlers): Promise<() => void>;
}

/** Tauri's IPC, inside the desktop app. */
export const tauriBackend: Backend = {
  kind: "app",
  async invoke<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await invoke<T>(command, args);
    } catch (e) {
      if (isIpcError(e)) throw new CommandError(e.code, e.message);
      throw new CommandError("internal", String(e));
    }
  },
  async listen(h: EventHandlers): Promise<() => void> {
    const a = await listen<Event>("hookgrid://event", (e) => h.event(e.payload));
    const b = await listen("hookgrid://resync", () => h.resync());
    const c = await listen("hookgrid://tunnel", () => h.tunnel());
    const d = await listen("hookgrid://team", () => h.team?.());
    return () => {
      a();
      b();
      c();
      d();
    };
  },
};

/** Whether the page runs inside the desktop app. */
export function inApp(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** The error a failed HTTP answer carries (`{code, message}`), or one made from its status. */
async function failure(response: Response): Promise<CommandError> {
  try {
    const body: unknown = await response.json();
    if (isIpcError(body)) return new CommandError(body.code, body.message);
  } catch {
    // Not JSON: a proxy's page, say.
  }
  const text = response.status === 502 || response.status === 504 ? "the team server does not answer" : response.statusText;
  return new CommandError(response.status === 401 ? "unauthorized" : "http", `The server answered ${response.status}: ${text}`);
}

/** The file name of a download, from its `Content-Disposition`. */
export function downloadName(disposition: string | null, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(disposition ?? "");
  return match?.[1] ?? fallback;
}

/** A team server over HTTP, from a browser signed in with its session cookie. */
export class WebBackend implements Backend {
  readonly kind = "web" as const;

  /** `signedOut` runs when the server no longer knows the sign-in (it ended, or the user was
   * removed): the page then asks to sign in again. */
  constructor(private signedOut: (why: string) => void) {}

  private async post(command: string, args?: Record<string, unknown>): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`/api/${command}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(args ?? {}),
      });
    } catch (e) {
      throw new CommandError("unreachable", `The team server cannot be reached (${String(e)}). Check the network, then try again.`);
    }
    if (response.ok) return response;
    const error = await failure(response);
    if (response.status === 401) this.signedOut(error.message);
    throw error;
  }

  async invoke<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    // The commands that write a file answer with the file: the browser saves it.
    if (command === "export_rows") {
      const requested = String((args?.request as { path?: string } | undefined)?.path ?? "");
      return (await this.download(command, args, requested || "export")) as T;
    }
    if (command === "save_part_body") {
      return (await this.download(command, args, `part-${String(args?.part ?? "")}.json`)).path as T;
    }
    const response = await this.post(command, args);
    const text = await response.text();
    return (text === "" ? null : JSON.parse(text)) as T;
  }

  /** A download the browser saves, named as the server says (else `fallback`). */
  private async download(command: string, args: Record<string, unknown> | undefined, fallback: string): Promise<ExportReport> {
    const response = await this.post(command, args);
    const name = downloadName(response.headers.get("content-disposition"), fallback);
    const rows = Number(response.headers.get("x-hookgrid-rows") ?? "0");
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return { rows, path: name };
  }

  async listen(h: EventHandlers): Promise<() => void> {
    let source: EventSource | null = null;
    let stopped = false;
    let seen = false;
    let retry: number | undefined;
    const open = () => {
      source = new EventSource("/api/events");
      source.addEventListener("hello", () => {
        h.live?.(true);
        // A reconnect after a gap: whatever happened meanwhile was not seen.
        if (seen) h.resync();
        seen = true;
      });
      source.addEventListener("event", (e) => h.event(JSON.parse((e as MessageEvent<string>).data) as Event));
      source.addEventListener("resync", () => h.resync());
      source.addEventListener("signed_out", () => {
        source?.close();
        this.signedOut("Your sign-in is no longer valid.");
      });
      source.onerror = () => {
        h.live?.(false);
        if (source?.readyState !== EventSource.CLOSED || stopped) return;
        // Refused outright (not a dropped connection, which EventSource retries itself):
        // signed out, or the server is down. Ask which, then try again.
        void fetch("/api/me", { credentials: "same-origin" })
          .then((r) => {
            if (r.status === 401) this.signedOut("Your sign-in has ended.");
            else retry = window.setTimeout(open, 2000);
          })
          .catch(() => (retry = window.setTimeout(open, 2000)));
      };
    };
    open();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      source?.close();
    };
  }
}
