import "./styles.css";
import { api, useBackend } from "./api";
import { App } from "./app";
import { WebBackend, inApp, tauriBackend } from "./backend";
import { Grid } from "./grid";
import { suppressNativeMenu } from "./menu";
import { RowPanel } from "./rowpanel";
import { type Who, useSession } from "./session";
import { SignIn, whoIsSignedIn } from "./signin";

// AG Grid's theme follows the system's light or dark mode along with the rest of the page.
const dark = window.matchMedia("(prefers-color-scheme: dark)");
const followTheme = () => {
  document.body.dataset.agThemeMode = dark.matches ? "dark" : "light";
};
followTheme();
dark.addEventListener("change", followTheme);

// Right-click shows the app's own menus (the grid's), never the browser's Back/Reload.
suppressNativeMenu();

const root = document.getElementById("app");

function startApp(): void {
  const app = new App(api);
  root?.replaceChildren(app.root);
  void app.start();
  // Once the first screen is drawn: a grid and the row details drawn once off screen, so the
  // first import opened does not pay their first cost (the grid's styles are kept from then on).
  requestAnimationFrame(() =>
    setTimeout(() => {
      Grid.warmUp();
      RowPanel.warmUp();
    }, 0),
  );
}

/** A browser on a team server: sign in first (again when a sign-in ends), then the app. */
function askToSignIn(notice = ""): void {
  const page = new SignIn((who) => signedIn(who), notice);
  root?.replaceChildren(page.root);
  page.focus();
}

let started = false;

function signedIn(who: Who): void {
  useSession("web", who);
  if (started) {
    // Signed in again after a sign-in ended: start over with a fresh page.
    location.reload();
    return;
  }
  started = true;
  startApp();
}

if (inApp()) {
  useBackend(tauriBackend);
  // The app on this computer's data, or connected to a team server (Connection → Team server).
  api
    .teamServer()
    .then((team) => useSession(team.url === null ? "app" : "team", team.identity))
    .catch(() => useSession("app", null))
    .finally(startApp);
} else {
  useBackend(new WebBackend((why) => askToSignIn(`${why} Sign in again.`)));
  whoIsSignedIn()
    .then((who) => (who === null ? askToSignIn() : signedIn(who)))
    .catch((e) => askToSignIn(e instanceof Error ? e.message : String(e)));
}
