// Who is using the page and what they may do. In the desktop app on its own data, the
// person at the computer may do everything; signed in to a team server, their role decides,
// and commands only the desktop app runs are not there at all. Controls a role may not use
// stay visible, disabled, with the reason.

import { COMMAND_ROLES, type CommandName, DESKTOP_ONLY } from "./bindings/commands";
import type { Role } from "./bindings/Role";

export interface Who {
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, reviewer: 1, admin: 2 };

/** `app`: the desktop app on this computer's data. `web`: a browser on a team server.
 * `team`: the desktop app connected to a team server. */
export type Place = "app" | "web" | "team";

let place: Place = "app";
let who: Who | null = null;

/** Records who uses the page, where. `who` is null for the app on its own data. */
export function useSession(where: Place, signedIn: Who | null): void {
  place = where;
  who = signedIn;
}

export function currentPlace(): Place {
  return place;
}

export function signedIn(): Who | null {
  return who;
}

/** Whether the page is on a team server (in a browser, or the app connected to one). */
export function onTeamServer(): boolean {
  return place !== "app";
}

/** Why the current user may not run `command`, or null when they may. */
export function refusal(command: CommandName): string | null {
  if (place === "web" && DESKTOP_ONLY.includes(command)) return "Only in the desktop app";
  if (who === null) return null;
  const needed = COMMAND_ROLES[command];
  if (RANK[who.role] >= RANK[needed]) return null;
  const article = needed === "admin" ? "an" : "a";
  return `Needs ${article} ${needed} (you are signed in as ${who.role === "admin" ? "an" : "a"} ${who.role})`;
}

export function may(command: CommandName): boolean {
  return refusal(command) === null;
}

/** Disables `control` with the reason when the user may not run `command`. */
export function gate<T extends HTMLButtonElement | HTMLInputElement | HTMLSelectElement>(control: T, command: CommandName): T {
  const why = refusal(command);
  control.disabled = why !== null;
  if (why !== null) {
    control.title = why;
    control.dataset.refused = command;
  } else if (control.dataset.refused) {
    control.title = "";
    delete control.dataset.refused;
  }
  return control;
}

let reloading = false;

/** Starts the page afresh (once, however many say so): after a switch of place or user. */
export function startAfresh(): void {
  if (reloading) return;
  reloading = true;
  location.reload();
}
