// DOM building for messages. Everything that comes from the bot or the user is put in the page as text
// (textContent / text nodes) – never parsed as HTML – so `<script>` or `<img onerror=…>` shows literally.

export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

const URL_PATTERN = /https?:\/\/[^\s<>"'«»]+/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

// Text with the http(s) URLs in it turned into links; the rest stays text nodes.
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = url.match(TRAILING);
    if (trailing) url = url.slice(0, -trailing[0].length);
    const start = match.index;
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (start > last) fragment.append(document.createTextNode(text.slice(last, start)));
    fragment.append(el("a", { href, target: "_blank", rel: "noopener noreferrer", text: url }));
    last = start + url.length;
  }
  if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

export const SOURCE_PREFIX = "Kilde:";

// "Title (Org)\n\nbody\n\nKilde: …" (one message per answer; a server that splits paragraphs also works): the paragraphs and
// the source line, if the last paragraph is one.
export function splitAnswer(text) {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  let source = null;
  const last = paragraphs[paragraphs.length - 1];
  if (last && last.startsWith(SOURCE_PREFIX) && !last.includes("\n")) {
    source = paragraphs.pop();
  }
  return { paragraphs, source };
}

export function isFeedbackPrompt(entry) {
  return (
    entry.from === "bot" &&
    Array.isArray(entry.buttons) &&
    entry.buttons.length > 0 &&
    entry.buttons.every((b) => /^\/feedback_(positive|negative)\b/.test(b.payload))
  );
}

export function paragraph(text, className = "lb-text") {
  return el("p", { className }, [linkify(text)]);
}

export function sourceElement(line) {
  const rest = line.slice(SOURCE_PREFIX.length).trim();
  return el("p", { className: "lb-source" }, [
    el("span", { className: "lb-source-label", text: "Kilde" }),
    el("span", { className: "lb-sr", text: ": " }),
    el("span", { className: "lb-source-text" }, [linkify(rest)]),
  ]);
}

export function quickReplies(buttons, onChoose, className = "lb-quick") {
  const group = el("div", { className, role: "group", "aria-label": "Svarmuligheder" });
  for (const b of buttons) {
    const button = el("button", { type: "button", className: "lb-chip", text: b.title });
    button.addEventListener("click", () => onChoose(b));
    group.append(button);
  }
  return group;
}
