import "./styles.css";
import { api } from "./api";
import { App } from "./app";

// AG Grid's theme follows the system's light or dark mode along with the rest of the page.
const dark = window.matchMedia("(prefers-color-scheme: dark)");
const followTheme = () => {
  document.body.dataset.agThemeMode = dark.matches ? "dark" : "light";
};
followTheme();
dark.addEventListener("change", followTheme);

const app = new App(api);
document.getElementById("app")?.replaceChildren(app.root);
void app.start();
