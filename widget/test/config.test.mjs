// How the page's window.LederbotConfig is checked and merged over the defaults (src/config.js).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DEFAULTS, resolveConfig } from "../src/config.js";

const ORIGIN = "https://intra.example.dk";

describe("resolveConfig", () => {
  test("no config, or one that is not an object: the defaults, with the page's origin as server", () => {
    const expected = { ...DEFAULTS, serverUrl: ORIGIN };
    for (const raw of [undefined, null, "https://x.example.dk", 42, true]) {
      assert.deepEqual(resolveConfig(raw, ORIGIN), expected, String(raw));
    }
    assert.deepEqual(resolveConfig({}, ORIGIN), expected);
  });

  test("the result has exactly the known settings: unknown keys are not passed on", () => {
    const config = resolveConfig({ evil: "<script>", onload: () => {} }, ORIGIN);
    assert.deepEqual(Object.keys(config).sort(), Object.keys(DEFAULTS).sort());
  });

  test("serverUrl: the given one without trailing slashes; blank or not a string means the page's origin", () => {
    assert.equal(resolveConfig({ serverUrl: "https://rasa.example.dk///" }, ORIGIN).serverUrl, "https://rasa.example.dk");
    assert.equal(resolveConfig({ serverUrl: "https://rasa.example.dk/bot/" }, ORIGIN).serverUrl, "https://rasa.example.dk/bot");
    assert.equal(resolveConfig({ serverUrl: "   " }, ORIGIN).serverUrl, ORIGIN);
    assert.equal(resolveConfig({ serverUrl: 8080 }, ORIGIN).serverUrl, ORIGIN);
    assert.equal(resolveConfig({}, `${ORIGIN}/`).serverUrl, ORIGIN);
  });

  test("text settings: a non-blank string is used as given, anything else falls back to the default", () => {
    const given = {
      socketPath: "/rasa/socket.io",
      title: "Ledelse",
      greeting: " Hej ",
      placeholder: "Spørg",
      launcherLabel: "Chat",
      storagePrefix: "intra-bot",
    };
    const config = resolveConfig(given, ORIGIN);
    for (const [key, value] of Object.entries(given)) assert.equal(config[key], value, key);
    const blank = resolveConfig(
      { socketPath: "", title: "  ", greeting: 1, placeholder: null, launcherLabel: [], storagePrefix: {} },
      ORIGIN,
    );
    for (const key of Object.keys(given)) assert.equal(blank[key], DEFAULTS[key], key);
  });

  test("subtitle may be set empty (no subtitle); a non-string means the default", () => {
    assert.equal(resolveConfig({ subtitle: "" }, ORIGIN).subtitle, "");
    assert.equal(resolveConfig({ subtitle: "Hjælp" }, ORIGIN).subtitle, "Hjælp");
    assert.equal(resolveConfig({ subtitle: false }, ORIGIN).subtitle, DEFAULTS.subtitle);
  });

  test("colors: known keys with a plain CSS colour are taken; anything else keeps the default", () => {
    const config = resolveConfig(
      {
        colors: {
          primary: "#123456",
          text: "rgb(10, 20, 30)",
          botBubble: "hsl(200, 20%, 95%)",
          userBubble: "red; background: url(https://evil.example)",
          userText: "#fff</style><script>",
          background: 0,
          primaryText: "x".repeat(65),
          unknown: "#000000",
        },
      },
      ORIGIN,
    );
    assert.deepEqual(config.colors, {
      ...DEFAULTS.colors,
      primary: "#123456",
      text: "rgb(10, 20, 30)",
      botBubble: "hsl(200, 20%, 95%)",
    });
    assert.equal(DEFAULTS.colors.primary, "#005b7f", "the defaults are not changed");
    assert.notEqual(resolveConfig({}, ORIGIN).colors, DEFAULTS.colors, "a copy, not the defaults object");
    assert.deepEqual(resolveConfig({ colors: "blue" }, ORIGIN).colors, DEFAULTS.colors);
  });

  test("examples: the non-blank strings, at most six; an empty list means no examples", () => {
    const examples = ["a", "", "  ", 3, null, "b", "c", "d", "e", "f", "g"];
    assert.deepEqual(resolveConfig({ examples }, ORIGIN).examples, ["a", "b", "c", "d", "e", "f"]);
    assert.deepEqual(resolveConfig({ examples: [] }, ORIGIN).examples, []);
    assert.deepEqual(resolveConfig({ examples: "a" }, ORIGIN).examples, DEFAULTS.examples);
  });

  test("maxHistory: a number (or numeric string) of at least 10, rounded down; otherwise the default", () => {
    const cases = [
      [50, 50],
      ["75", 75],
      [10, 10],
      [10.9, 10],
      [9.99, DEFAULTS.maxHistory],
      [0, DEFAULTS.maxHistory],
      [-100, DEFAULTS.maxHistory],
      ["many", DEFAULTS.maxHistory],
      [Infinity, DEFAULTS.maxHistory],
      [undefined, DEFAULTS.maxHistory],
    ];
    for (const [given, expected] of cases) {
      assert.equal(resolveConfig({ maxHistory: given }, ORIGIN).maxHistory, expected, String(given));
    }
  });

  test("openOnLoad only when it is exactly true", () => {
    assert.equal(resolveConfig({ openOnLoad: true }, ORIGIN).openOnLoad, true);
    for (const value of ["true", 1, "yes", false, undefined]) {
      assert.equal(resolveConfig({ openOnLoad: value }, ORIGIN).openOnLoad, false, String(value));
    }
  });

  test("colorScheme: auto (follow the browser), light or dark; anything else is auto", () => {
    assert.equal(DEFAULTS.colorScheme, "auto");
    for (const value of ["auto", "light", "dark"]) {
      assert.equal(resolveConfig({ colorScheme: value }, ORIGIN).colorScheme, value);
    }
    for (const value of ["Dark", "", "night", true, 1, null, undefined]) {
      assert.equal(resolveConfig({ colorScheme: value }, ORIGIN).colorScheme, "auto", String(value));
    }
  });
});
