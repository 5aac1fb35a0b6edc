// The page's optional `window.LederbotConfig = {...}` merged over these defaults.

export const DEFAULTS = {
  // Where Rasa runs (its socket.io channel). Default: the page's own origin (a reverse proxy in front of Rasa).
  serverUrl: "",
  socketPath: "/socket.io",
  title: "Lederassistenten",
  subtitle: "Svar fra ledelsesgrundlagene",
  greeting:
    "Hej! Jeg er lederassistenten. Jeg svarer med de præcise formuleringer fra ledelsesgrundlagene " +
    "og fortæller, hvor de står. Prøv fx:",
  examples: [
    "Hvad forventes af en niveau 2 leder om økonomistyring?",
    "Hvor længe bør et ledernetværk køre?",
    "Hvad indebærer relationerne i Glostrup?",
  ],
  placeholder: "Skriv dit spørgsmål …",
  launcherLabel: "Spørg lederassistenten",
  colors: {
    primary: "#005b7f",
    primaryText: "#ffffff",
    background: "#ffffff",
    text: "#1c2529",
    botBubble: "#eef3f6",
    userBubble: "#005b7f",
    userText: "#ffffff",
  },
  storagePrefix: "lederbot",
  maxHistory: 200,
  openOnLoad: false,
  // "auto": dark when the browser/OS prefers a dark colour scheme; "light" or "dark" to fix it.
  colorScheme: "auto",
};

const SCHEMES = ["auto", "light", "dark"];

const COLOR = /^[#a-zA-Z0-9(),.%\s-]{1,64}$/;

function text(value, fallback) {
  return typeof value === "string" && value.trim() ? value : fallback;
}

export function resolveConfig(raw, pageOrigin) {
  const given = raw && typeof raw === "object" ? raw : {};
  const colors = { ...DEFAULTS.colors };
  if (given.colors && typeof given.colors === "object") {
    for (const [key, value] of Object.entries(given.colors)) {
      if (key in colors && typeof value === "string" && COLOR.test(value)) colors[key] = value;
    }
  }
  const examples = Array.isArray(given.examples)
    ? given.examples.filter((e) => typeof e === "string" && e.trim()).slice(0, 6)
    : DEFAULTS.examples;
  const max = Number(given.maxHistory);
  return {
    serverUrl: text(given.serverUrl, pageOrigin).replace(/\/+$/, ""),
    socketPath: text(given.socketPath, DEFAULTS.socketPath),
    title: text(given.title, DEFAULTS.title),
    subtitle: typeof given.subtitle === "string" ? given.subtitle : DEFAULTS.subtitle,
    greeting: text(given.greeting, DEFAULTS.greeting),
    examples,
    placeholder: text(given.placeholder, DEFAULTS.placeholder),
    launcherLabel: text(given.launcherLabel, DEFAULTS.launcherLabel),
    colors,
    storagePrefix: text(given.storagePrefix, DEFAULTS.storagePrefix),
    maxHistory: Number.isFinite(max) && max >= 10 ? Math.floor(max) : DEFAULTS.maxHistory,
    openOnLoad: given.openOnLoad === true,
    colorScheme: SCHEMES.includes(given.colorScheme) ? given.colorScheme : DEFAULTS.colorScheme,
  };
}
