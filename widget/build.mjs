// Builds dist/lederbot-widget.js: one self-contained IIFE (socket.io-client included) for a <script> tag.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["src/index.js"],
  outfile: "dist/lederbot-widget.js",
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2019", "chrome90", "edge90", "firefox90", "safari15"],
  minify: true,
  sourcemap: "linked",
  legalComments: "eof",
  charset: "utf8",
  define: { __WIDGET_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: `/* Lederassistenten web-chat ${pkg.version} – built from widget/src (make widget) */` },
  logLevel: "info",
});
