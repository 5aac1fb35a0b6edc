// The chat bubble and panel. The conversation lives in localStorage (ConversationStore); the log on screen is
// kept in step with it, so a reload or another tab shows the same conversation.
import { Connection } from "./connection.js";
import { el, isFeedbackPrompt, paragraph, quickReplies, sourceElement, splitAnswer } from "./render.js";
import { ConversationStore, randomId } from "./storage.js";
import { CSS } from "./styles.js";

const TYPING_MAX_MS = 30000;
const TEXT = {
  offline: "Forbindelsen er afbrudt – prøver igen …",
  pending: "Sendes, når forbindelsen er tilbage",
  typing: "Lederassistenten skriver …",
  you: "Du skrev: ",
  bot: "Lederassistenten: ",
  close: "Luk chatten",
  reset: "Ny samtale",
  resetLabel: "Start en ny samtale (den gemte samtale slettes)",
  input: "Dit spørgsmål",
  send: "Send",
  log: "Samtale med lederassistenten",
  examples: "Eksempler på spørgsmål",
};

function chatIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z");
  svg.append(path);
  return svg;
}

export class Widget {
  constructor(config) {
    this.config = config;
    this.store = new ConversationStore(config.storagePrefix, config.maxHistory);
    this.sessionId = this.store.sessionId();
    this.rendered = []; // [{id, pending}] in the order shown
    this.openGroup = null; // the bot bubble the next part of the same answer goes into
    this.online = false;
    this.typingTimer = null;
    this.build();
    this.sync(this.store.history());
    this.connection = new Connection({
      serverUrl: config.serverUrl,
      socketPath: config.socketPath,
      sessionId: this.sessionId,
      onStatus: (status) => this.setStatus(status),
      onBotMessage: (message) => this.receive(message),
      onSent: (id) => this.sent(id),
    });
    // Questions this tab typed while offline before a reload: send them now.
    for (const entry of this.store.history()) {
      if (entry.from === "user" && entry.pending && entry.tab === this.store.tabId) {
        this.connection.send(entry.id, entry.payload || entry.text);
      }
    }
    window.addEventListener("storage", (event) => this.onStorage(event));
    if (config.openOnLoad || this.store.wasOpen()) this.open({ focus: false });
  }

  build() {
    const { config } = this;
    this.host = el("div", { id: "lederbot-widget", "data-lederbot": "" });
    for (const [name, value] of Object.entries({
      "--lb-primary": config.colors.primary,
      "--lb-primary-text": config.colors.primaryText,
      "--lb-bg": config.colors.background,
      "--lb-text": config.colors.text,
      "--lb-bot-bg": config.colors.botBubble,
      "--lb-user-bg": config.colors.userBubble,
      "--lb-user-text": config.colors.userText,
    })) {
      this.host.style.setProperty(name, value);
    }
    const root = this.host.attachShadow({ mode: "open" });
    this.root = root;
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS); // no inline <style>: works under a strict Content-Security-Policy
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", { text: CSS }));
    }

    this.launcher = el(
      "button",
      {
        type: "button",
        className: "lb-launcher",
        "aria-expanded": "false",
        "aria-controls": "lederbot-panel",
        "aria-label": config.launcherLabel,
      },
      [chatIcon(), el("span", { className: "lb-launcher-text", text: config.launcherLabel, "aria-hidden": "true" })],
    );
    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));

    const close = el("button", { type: "button", className: "lb-close", "aria-label": TEXT.close, text: "×" });
    close.addEventListener("click", () => this.close());
    const reset = el("button", { type: "button", className: "lb-reset", "aria-label": TEXT.resetLabel, text: TEXT.reset });
    reset.addEventListener("click", () => this.newConversation());
    const heading = el("div", { className: "lb-heading" }, [
      el("h2", { className: "lb-title", id: "lederbot-title", text: config.title }),
    ]);
    if (config.subtitle) heading.append(el("p", { className: "lb-subtitle", text: config.subtitle }));

    this.status = el("p", { className: "lb-status", role: "status", hidden: true });
    this.log = el("div", { className: "lb-log", role: "log", "aria-live": "polite", "aria-label": TEXT.log });
    this.typing = el("div", { className: "lb-typing", role: "status", hidden: true }, [
      el("span", { className: "lb-sr", text: TEXT.typing }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
    ]);
    this.scroller = el("div", { className: "lb-scroll" }, [this.welcome(), this.log, this.typing]);

    this.input = el("textarea", {
      id: "lederbot-input",
      className: "lb-input",
      rows: "1",
      placeholder: config.placeholder,
      autocomplete: "off",
      maxlength: "1000",
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit ? this.form.requestSubmit() : this.submit();
      }
    });
    this.form = el("form", { className: "lb-form" }, [
      el("label", { className: "lb-sr", for: "lederbot-input", text: TEXT.input }),
      this.input,
      el("button", { type: "submit", className: "lb-send", text: TEXT.send }),
    ]);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });

    this.panel = el(
      "div",
      { id: "lederbot-panel", className: "lb-panel", role: "dialog", "aria-label": config.title, hidden: true },
      [el("div", { className: "lb-header" }, [heading, reset, close]), this.status, this.scroller, this.form],
    );
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
    root.append(this.launcher, this.panel);
    document.body.append(this.host);
  }

  welcome() {
    const bubble = el("div", { className: "lb-bubble" }, [paragraph(this.config.greeting)]);
    const row = el("div", { className: "lb-row lb-welcome" }, [bubble]);
    if (this.config.examples.length) {
      const examples = quickReplies(
        this.config.examples.map((q) => ({ title: q, payload: q })),
        (b) => this.ask(b.title, b.payload),
        "lb-quick lb-examples",
      );
      examples.setAttribute("aria-label", TEXT.examples);
      row.append(examples);
    }
    return row;
  }

  // --- opening and closing -------------------------------------------------------------------------------
  isOpen() {
    return !this.panel.hidden;
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.store.rememberOpen(true);
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close({ focus = true } = {}) {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.store.rememberOpen(false);
    if (focus) this.launcher.focus();
  }

  // --- sending and receiving -----------------------------------------------------------------------------
  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.ask(text, text);
  }

  ask(text, payload) {
    const ready = this.connection.ready && this.connection.socket.connected;
    const entry = { id: randomId(), from: "user", text, ts: Date.now(), tab: this.store.tabId };
    if (payload !== text) entry.payload = payload;
    if (!ready) entry.pending = true;
    this.sync(this.store.append(entry));
    this.connection.send(entry.id, payload);
    if (this.isOpen()) this.input.focus(); // the clicked quick reply is gone: keep the keyboard in the input
  }

  sent(id) {
    this.store.claimReplies();
    const entry = this.store.history().find((e) => e.id === id);
    if (entry && entry.pending) this.sync(this.store.update(id, { pending: false, ts: Date.now() }));
    this.updateTyping();
  }

  // The handler for Rasa's bot_uttered event: {text, quick_replies|buttons: [{title, payload}]}.
  receive(message) {
    if (!message || typeof message !== "object") return;
    // Every tab of the session gets the reply (same socket.io room); the tab that asked records it once.
    if (!this.store.recordsReplies()) return;
    let text = typeof message.text === "string" ? message.text : "";
    const raw = Array.isArray(message.quick_replies) ? message.quick_replies : message.buttons;
    const buttons = (Array.isArray(raw) ? raw : [])
      .filter((b) => b && typeof b.title === "string" && b.title.trim())
      .map((b) => ({ title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title }))
      .slice(0, 12);
    const src = message.attachment && message.attachment.payload && message.attachment.payload.src;
    if (!text && typeof src === "string") text = src;
    if (!text.trim() && !buttons.length) return;
    const entry = { id: randomId(), from: "bot", text, ts: Date.now() };
    if (buttons.length) entry.buttons = buttons;
    this.sync(this.store.append(entry));
  }

  newConversation() {
    this.sessionId = this.store.newSession();
    this.connection.changeSession(this.sessionId);
    this.sync([]);
    this.input.focus();
  }

  onStorage(event) {
    const keys = this.store.keys;
    if (event.key !== null && event.key !== keys.history && event.key !== keys.session) return;
    const id = this.store.sessionId();
    if (id !== this.sessionId) {
      this.sessionId = id;
      this.connection.changeSession(id);
    }
    this.sync(this.store.history());
  }

  setStatus(status) {
    this.online = status === "online";
    this.status.textContent = this.online ? "" : TEXT.offline;
    this.status.hidden = this.online;
    this.updateTyping();
  }

  // --- rendering -----------------------------------------------------------------------------------------
  // Bring the log in step with the stored conversation: append what is new, or redraw if it changed otherwise.
  sync(entries) {
    const same = this.rendered.length <= entries.length && this.rendered.every((r, i) => r.id === entries[i].id);
    if (!same) {
      this.log.replaceChildren();
      this.rendered = [];
      this.openGroup = null;
    }
    const lastUser = entries.map((e) => e.from).lastIndexOf("user");
    entries.forEach((entry, i) => {
      const shown = this.rendered[i];
      if (!shown) {
        this.append(entry, i > lastUser);
        this.rendered.push({ id: entry.id, pending: !!entry.pending });
      } else if (shown.pending !== !!entry.pending) {
        const marker = this.log.querySelector(`[data-id="${entry.id}"] .lb-pending`);
        if (marker) marker.remove();
        if (entry.pending) this.pendingMarker(entry.id);
        shown.pending = !!entry.pending;
      }
    });
    this.updateTyping();
    this.scrollToEnd();
  }

  append(entry, currentTurn) {
    if (entry.from === "user") {
      for (const node of this.log.querySelectorAll(".lb-quick")) node.remove(); // only the latest answer's buttons
      this.openGroup = null;
      const row = el("div", { className: "lb-row lb-user", "data-id": entry.id }, [
        el("div", { className: "lb-bubble" }, [el("span", { className: "lb-sr", text: TEXT.you }), paragraph(entry.text)]),
      ]);
      this.log.append(row);
      if (entry.pending) this.pendingMarker(entry.id);
      return;
    }
    const choose = (b) => this.ask(b.title, b.payload);
    if (isFeedbackPrompt(entry)) {
      // "Hjalp svaret?" 👍/👎: a quiet line under the answer, not a message of its own weight.
      this.openGroup = null;
      const row = el("div", { className: "lb-row lb-feedback", "data-id": entry.id }, [
        el("p", { className: "lb-bubble lb-text", text: entry.text }),
      ]);
      if (currentTurn) row.append(quickReplies(entry.buttons, choose));
      this.log.append(row);
      return;
    }
    // Over socket.io Rasa sends each paragraph of an answer as its own message: they share one bubble.
    let bubble = this.openGroup;
    if (!bubble) {
      bubble = el("div", { className: "lb-bubble" }, [el("span", { className: "lb-sr", text: TEXT.bot })]);
      this.log.append(el("div", { className: "lb-row lb-bot", "data-id": entry.id }, [bubble]));
    }
    const { paragraphs, source } = splitAnswer(entry.text);
    for (const p of paragraphs) bubble.append(paragraph(p));
    if (source) {
      bubble.append(sourceElement(source));
      bubble.classList.add("lb-answer");
    }
    const hasButtons = Array.isArray(entry.buttons) && entry.buttons.length > 0;
    if (hasButtons && currentTurn) bubble.parentElement.append(quickReplies(entry.buttons, choose));
    this.openGroup = hasButtons || source ? null : bubble;
  }

  pendingMarker(id) {
    const row = this.log.querySelector(`[data-id="${id}"]`);
    if (row) row.append(el("p", { className: "lb-pending", text: TEXT.pending }));
  }

  updateTyping() {
    clearTimeout(this.typingTimer);
    const entries = this.store.history();
    const last = entries[entries.length - 1];
    const age = last ? Date.now() - last.ts : Infinity;
    const waiting = this.online && last && last.from === "user" && !last.pending && age < TYPING_MAX_MS;
    this.typing.hidden = !waiting;
    if (waiting) {
      this.typingTimer = setTimeout(() => this.updateTyping(), TYPING_MAX_MS - age + 50);
      this.scrollToEnd();
    }
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // window.Lederbot: for the page (open the chat from a link) and for the browser tests.
  api() {
    const widget = this;
    return Object.freeze({
      version: __WIDGET_VERSION__,
      open: () => widget.open(),
      close: () => widget.close(),
      ask: (text) => widget.ask(String(text), String(text)),
      receive: (message) => widget.receive(message), // the real bot_uttered handler
      newConversation: () => widget.newConversation(),
      history: () => widget.store.history(),
      get sessionId() {
        return widget.sessionId;
      },
      get connected() {
        return widget.connection.ready;
      },
      get socket() {
        return widget.connection.socket;
      },
    });
  }
}
