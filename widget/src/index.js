// Entry point of dist/lederbot-widget.js. On any intranet page:
//   <script>window.LederbotConfig = { serverUrl: "https://lederbot.intra.example.dk" };</script>
//   <script src="https://…/lederbot-widget.js" defer></script>
// (or <script src="…/lederbot-widget.js" data-server-url="https://…" defer></script>).
import { resolveConfig } from "./config.js";
import { Widget } from "./widget.js";

const script = document.currentScript;

function start() {
  if (window.Lederbot && window.Lederbot.version) return; // the script tag is on the page twice
  const fromTag = {};
  if (script && script.dataset) {
    if (script.dataset.serverUrl) fromTag.serverUrl = script.dataset.serverUrl;
    if (script.dataset.title) fromTag.title = script.dataset.title;
  }
  const given = window.LederbotConfig && typeof window.LederbotConfig === "object" ? window.LederbotConfig : {};
  const config = resolveConfig({ ...fromTag, ...given }, window.location.origin);
  window.Lederbot = new Widget(config).api();
}

if (document.body) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
