import "./styles.css";
import { api } from "./api";
import { App } from "./app";
import { Grid } from "./grid";
import { suppressNativeMenu } from "./menu";
import { RowPanel } from "./rowpanel";

// AG Grid's theme follows the system's light or dark mode along with the rest of the page.
const dark = window.matchMedia("(prefers-color-scheme: dark)");
const followTheme = () => {
  document.body.dataset.agThemeMode = dark.matches ? "dark" : "light";
};
followTheme();
dark.addEventListener("change", followTheme);

// Right-click shows the app's own menus (the grid's), never the web view's Back/Reload.
suppressNativeMenu();

const app = new App(api);
document.getElementById("app")?.replaceChildren(app.root);
void app.start();
// Once the first screen is drawn: a grid and the row details drawn once off screen, so the
// first import opened does not pay their first cost (the grid's styles are kept from then on).
requestAnimationFrame(() =>
  setTimeout(() => {
    Grid.warmUp();
    RowPanel.warmUp();
  }, 0),
);
