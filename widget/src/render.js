// DOM building for messages. Everything that comes from the bot or the user is put in the page as text
// (textContent / text nodes) – never parsed as HTML – so `<script>` or `<img onerror=…>` shows literally.
// The pure parts (how a text is split into title, paragraphs, lists and source; which buttons were used; where
// to scroll; where Tab goes) are plain functions, unit-tested in widget/test.

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

export const SVG_NS = "http://www.w3.org/2000/svg";

// Icons as inline SVG (24×24 paths), built with createElementNS: no icon font or emoji font needed.
export const ICONS = {
  chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z",
  thumbUp:
    "M2 10h4v11H2zM8 21h9.2a2 2 0 0 0 1.96-1.6l1.6-8A2 2 0 0 0 18.8 9H14V5a3 3 0 0 0-3-3l-3 8v11z",
  thumbDown:
    "M22 14h-4V3h4zM16 3H6.8a2 2 0 0 0-1.96 1.6l-1.6 8A2 2 0 0 0 5.2 15H10v4a3 3 0 0 0 3 3l3-8V3z",
  check: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
};

export function icon(name, className = "lb-icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
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
export const FROM_PREFIX = "Fra:";
export const BULLET = "• ";

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

// One paragraph as blocks: runs of "• " lines become {kind: "list", items}, the lines between them
// {kind: "text", text} (several lines stay one text block; white-space: pre-wrap keeps their breaks).
export function paragraphBlocks(paragraph) {
  const blocks = [];
  for (const line of paragraph.split("\n")) {
    const last = blocks[blocks.length - 1];
    if (line.startsWith(BULLET) && line.slice(BULLET.length).trim()) {
      const item = line.slice(BULLET.length).trim();
      if (last && last.kind === "list") last.items.push(item);
      else blocks.push({ kind: "list", items: [item] });
    } else if (last && last.kind === "text") {
      last.text += `\n${line}`;
    } else {
      blocks.push({ kind: "text", text: line });
    }
  }
  return blocks;
}

function isFromLine(paragraph) {
  return paragraph.startsWith(FROM_PREFIX) && !paragraph.includes("\n");
}

// The structure of a bot message, for rendering only (the text itself is what every channel gets):
//   blocks: [{kind: "title"|"text", text} | {kind: "list", items} | {kind: "from", text}], source: "Kilde: …" | null.
// The first line is the title (bold) when the message is an answer (it has a "Kilde:" line), unless it is a
// quoted passage (»…«, whose title is on the "Fra:" line), and when it leads a list ("Felterne i …:\n• …").
export function messageBlocks(text) {
  const { paragraphs, source } = splitAnswer(text);
  const blocks = [];
  paragraphs.forEach((p, i) => {
    if (isFromLine(p)) {
      blocks.push({ kind: "from", text: p.slice(FROM_PREFIX.length).trim() });
      return;
    }
    const parts = paragraphBlocks(p);
    if (i === 0 && parts[0].kind === "text" && !parts[0].text.startsWith("»")) {
      const [first, ...rest] = parts[0].text.split("\n");
      const listNext = parts[1] ? parts[1].kind === "list" : first.endsWith(":") && (paragraphs[1] || "").startsWith(BULLET);
      const leadsList = rest.length === 0 && listNext;
      if ((source && paragraphs.length > 1) || leadsList) {
        blocks.push({ kind: "title", text: first });
        if (rest.length) blocks.push({ kind: "text", text: rest.join("\n") });
        blocks.push(...parts.slice(1));
        return;
      }
    }
    blocks.push(...parts);
  });
  return { blocks, source };
}

export function isFeedbackPrompt(entry) {
  return (
    entry.from === "bot" &&
    Array.isArray(entry.buttons) &&
    entry.buttons.length > 0 &&
    entry.buttons.every((b) => /^\/feedback_(positive|negative)\b/.test(b.payload))
  );
}

export function isNegativeFeedback(button) {
  return /^\/feedback_negative\b/.test(button.payload);
}

export function paragraph(text, className = "lb-text") {
  return el("p", { className }, [linkify(text)]);
}

export function list(items) {
  // list-style: none drops the list role in some screen readers: role="list" keeps it. The "• " stays in the text
  // (hidden from screen readers), so the text is the same as the bot sent, e.g. when copied.
  return el(
    "ul",
    { className: "lb-list", role: "list" },
    items.map((item) =>
      el("li", {}, [el("span", { className: "lb-bullet", "aria-hidden": "true", text: BULLET }), linkify(item)]),
    ),
  );
}

function labelledLine(className, label, rest) {
  return el("p", { className }, [
    el("span", { className: `${className}-label`, text: label }),
    el("span", { className: "lb-sr", text: ": " }),
    el("span", { className: `${className}-text` }, [linkify(rest)]),
  ]);
}

export function sourceElement(line) {
  return labelledLine("lb-source", "Kilde", line.slice(SOURCE_PREFIX.length).trim());
}

export function fromElement(rest) {
  return labelledLine("lb-from", "Fra", rest);
}

// The elements of a bot message (see messageBlocks), and whether it is an answer with a source.
export function messageElements(text) {
  const { blocks, source } = messageBlocks(text);
  const nodes = blocks.map((b) => {
    if (b.kind === "list") return list(b.items);
    if (b.kind === "from") return fromElement(b.text);
    return paragraph(b.text, b.kind === "title" ? "lb-text lb-title-line" : "lb-text");
  });
  if (source) nodes.push(sourceElement(source));
  return { nodes, source };
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

// "👍 Ja" → "Ja": the visible word of a feedback button, without the emoji (the icon is an SVG).
export function feedbackLabel(button) {
  const words = button.title.replace(/^[^\p{L}\p{N}]+/u, "").trim();
  return words || (isNegativeFeedback(button) ? "Nej" : "Ja");
}

// "Hjalp svaret?" buttons: an SVG thumb and the word, so they read well without an emoji font.
export function feedbackButtons(buttons, onChoose) {
  const group = el("div", { className: "lb-quick", role: "group", "aria-label": "Svarmuligheder" });
  for (const b of buttons) {
    const negative = isNegativeFeedback(b);
    const button = el("button", { type: "button", className: `lb-chip lb-vote ${negative ? "lb-no" : "lb-yes"}` }, [
      icon(negative ? "thumbDown" : "thumbUp"),
      el("span", { className: "lb-vote-text", text: feedbackLabel(b) }),
    ]);
    button.addEventListener("click", () => onChoose(b, button));
    group.append(button);
  }
  return group;
}

// The optional comment after "Nej": a labelled text box and "Send"; onSend gets the trimmed text ("" for none).
export function commentForm(id, onSend) {
  const box = el("textarea", { id, className: "lb-comment-input", rows: "2", maxlength: "1000" });
  const form = el("form", { className: "lb-comment" }, [
    el("label", { for: id, className: "lb-comment-label", text: "Hvad manglede? Skriv gerne en kort kommentar (valgfrit)" }),
    el("div", { className: "lb-comment-row" }, [box, el("button", { type: "submit", className: "lb-comment-send", "aria-label": "Send kommentar", text: "Send" })]),
  ]);
  const send = () => onSend(box.value.trim());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  form.box = box;
  return form;
}

// Which buttons of which bot message were used: Map(bot entry id → Set of payloads). A user entry says which
// message it answered (`replyTo`, set when a button was clicked); older entries without it count for the
// nearest earlier bot message with a button of that payload. A feedback comment (text that is no button of the
// prompt it answers) counts as the prompt's "Nej".
export function usedChoices(entries) {
  const used = new Map();
  const mark = (id, payload) => {
    if (!used.has(id)) used.set(id, new Set());
    used.get(id).add(payload);
  };
  entries.forEach((entry, i) => {
    if (entry.from !== "user") return;
    const payload = entry.payload || entry.text;
    let target = null;
    if (entry.replyTo) {
      target = entries.slice(0, i).find((e) => e.id === entry.replyTo && e.from === "bot") || null;
    } else {
      for (let j = i - 1; j >= 0 && !target; j -= 1) {
        const e = entries[j];
        if (e.from === "bot" && Array.isArray(e.buttons) && e.buttons.some((b) => b.payload === payload)) target = e;
      }
    }
    if (!target || !Array.isArray(target.buttons)) return;
    if (target.buttons.some((b) => b.payload === payload)) mark(target.id, payload);
    else if (isFeedbackPrompt(target)) {
      const negative = target.buttons.find(isNegativeFeedback);
      if (negative) mark(target.id, negative.payload);
    }
  });
  return used;
}

// "Hjalp svaret?" prompts the leader has moved on from (asked or chose something else after them): the bot files
// feedback under its latest answer, so a vote there would count for the wrong answer. Their buttons stay, disabled.
export function staleFeedback(entries) {
  const stale = new Set();
  entries.forEach((entry, i) => {
    if (!isFeedbackPrompt(entry)) return;
    if (entries.slice(i + 1).some((e) => e.from === "user" && e.replyTo !== entry.id)) stale.add(entry.id);
  });
  return stale;
}

// Where to scroll so a new answer starts in view: the whole rest of the log if it fits, else the answer's first
// line `gap` px below the top. rowTop is the answer's top in the scroller's content (scrollTop 0 = 0).
export function scrollTarget({ rowTop, scrollHeight, viewHeight, gap = 8 }) {
  const end = Math.max(0, scrollHeight - viewHeight);
  return Math.max(0, Math.min(end, rowTop - gap));
}

// Whether the view is (about) at the end of the log.
export function atEnd({ scrollTop, scrollHeight, viewHeight, slack = 24 }) {
  return scrollHeight - scrollTop - viewHeight <= slack;
}

// Tab in a modal panel: the index to move focus to (wrapping around), or -1 to let the browser move it.
export function wrapFocus(index, count, backwards) {
  if (count === 0) return -1;
  if (index === -1) return backwards ? count - 1 : 0; // focus is not on one of them: go to the first/last
  if (backwards && index === 0) return count - 1;
  if (!backwards && index === count - 1) return 0;
  return -1;
}

// "kl. 14.03" today, "3. mar. kl. 14.03" on another day; "" for no time (history from older versions).
export function formatTime(ts, now = Date.now()) {
  if (!ts) return "";
  const date = new Date(ts);
  const time = new Intl.DateTimeFormat("da-DK", { hour: "2-digit", minute: "2-digit" }).format(date);
  const today = new Date(now);
  const sameDay =
    date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  if (sameDay) return `kl. ${time}`;
  const day = new Intl.DateTimeFormat("da-DK", { day: "numeric", month: "short" }).format(date);
  return `${day} kl. ${time}`;
}

// The launcher's accessible name with the number of unread answers.
export function launcherName(label, unread) {
  if (!unread) return label;
  return `${label} (${unread} ${unread === 1 ? "nyt svar" : "nye svar"})`;
}
