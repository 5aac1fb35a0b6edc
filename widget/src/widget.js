// The chat bubble and panel. The conversation lives in localStorage (ConversationStore); the log on screen is
// kept in step with it, so a reload or another tab shows the same conversation.
import { Connection } from "./connection.js";
import {
  atEnd,
  commentForm,
  el,
  feedbackButtons,
  feedbackLabel,
  formatTime,
  icon,
  isFeedbackPrompt,
  isNegativeFeedback,
  launcherName,
  messageElements,
  paragraph,
  quickReplies,
  scrollTarget,
  staleFeedback,
  usedChoices,
  wrapFocus,
} from "./render.js";
import { ConversationStore, randomId } from "./storage.js";
import { CSS } from "./styles.js";

const TYPING_MAX_MS = 30000;
// Phone-size viewports: the panel is full-screen and modal there (same breakpoint as in styles.js).
const PHONE = "(max-width: 480px)";
const FOCUSABLE = "a[href], button, textarea, input, select, [tabindex]";
// The parts of a message that can be the anchor at the top of the view (list items rather than the whole list).
const ANCHORS = ".lb-bubble > :not(.lb-sr):not(.lb-list), .lb-list > li, .lb-quick, .lb-comment";
const TEXT = {
  offline: "Forbindelsen er afbrudt – prøver igen …",
  pending: "Sendes, når forbindelsen er tilbage",
  typing: "Lederassistenten skriver …",
  you: "Du skrev: ",
  bot: "Lederassistenten: ",
  close: "Luk chatten",
  reset: "Ny samtale",
  resetLabel: "Start en ny samtale (den gemte samtale slettes)",
  resetConfirm: "Start en ny samtale? Den nuværende samtale slettes.",
  yes: "Ja",
  cancel: "Annullér",
  input: "Dit spørgsmål",
  send: "Send",
  log: "Samtale med lederassistenten",
  examples: "Eksempler på spørgsmål",
  newMessages: "Nye beskeder",
  chosen: " (valgt)",
  sent: "Sendt",
  received: "Modtaget",
};

export class Widget {
  constructor(config) {
    this.config = config;
    this.store = new ConversationStore(config.storagePrefix, config.maxHistory);
    this.sessionId = this.store.sessionId();
    this.rendered = []; // [{id, pending}] in the order shown
    this.rows = new Map(); // entry id → its row in the log (the parts of one answer share a row)
    this.groups = new Map(); // bot entry id → {entry, row, group, feedback, form?}: its buttons
    this.openGroup = null; // the bot bubble the next part of the same answer goes into
    this.commentFor = null; // the feedback prompt whose comment box is open
    this.online = false;
    this.typingTimer = null;
    // Scrolling: follow = the view keeps up with new messages (the leader has not scrolled away); autoTop = the
    // scrollTop the widget set last; anchor = the message at the top of the view, kept over resizes.
    this.follow = true;
    this.autoTop = null;
    this.anchor = null;
    this.unseenId = null; // the first message that arrived while the leader read further up
    this.turnStart = null; // the first message of the answer being followed: it stays in view as more parts arrive
    this.unread = 0; // answers that arrived while the panel was closed
    this.inerted = []; // page elements made inert while the panel is modal
    this.starting = true;
    this.build();
    this.sync(this.store.history());
    this.starting = false;
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
    this.phone = typeof window.matchMedia === "function" ? window.matchMedia(PHONE) : null;
    if (this.phone && this.phone.addEventListener) this.phone.addEventListener("change", () => this.updateModal());
    if (config.openOnLoad || this.store.wasOpen()) this.open({ focus: false });
  }

  build() {
    const { config } = this;
    this.host = el("div", { id: "lederbot-widget", "data-lederbot": "", lang: "da", "data-scheme": config.colorScheme });
    // The configured colours (styles.js uses them in light mode, and those that come in pairs in dark mode too).
    for (const [name, value] of Object.entries({
      "--lb-c-primary": config.colors.primary,
      "--lb-c-primary-text": config.colors.primaryText,
      "--lb-c-bg": config.colors.background,
      "--lb-c-text": config.colors.text,
      "--lb-c-bot-bg": config.colors.botBubble,
      "--lb-c-user-bg": config.colors.userBubble,
      "--lb-c-user-text": config.colors.userText,
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

    this.badge = el("span", { className: "lb-badge", "aria-hidden": "true", hidden: true });
    this.launcher = el(
      "button",
      {
        type: "button",
        className: "lb-launcher",
        "aria-expanded": "false",
        "aria-controls": "lederbot-panel",
        "aria-label": config.launcherLabel,
      },
      [
        icon("chat", "lb-launcher-icon"),
        el("span", { className: "lb-launcher-text", text: config.launcherLabel, "aria-hidden": "true" }),
        this.badge,
      ],
    );
    this.launcher.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));

    const close = el("button", { type: "button", className: "lb-close", "aria-label": TEXT.close, text: "×" });
    close.addEventListener("click", () => this.close());
    this.reset = el("button", {
      type: "button",
      className: "lb-reset",
      "aria-label": TEXT.resetLabel,
      "aria-controls": "lederbot-confirm",
      "aria-expanded": "false",
      text: TEXT.reset,
    });
    this.reset.addEventListener("click", () => this.askReset());
    const heading = el("div", { className: "lb-heading" }, [
      el("h2", { className: "lb-title", id: "lederbot-title", text: config.title }),
    ]);
    if (config.subtitle) heading.append(el("p", { className: "lb-subtitle", text: config.subtitle }));

    // "Ny samtale" asks first: a small inline question under the header.
    const yes = el("button", { type: "button", className: "lb-confirm-yes", text: TEXT.yes });
    yes.addEventListener("click", () => {
      this.hideConfirm();
      this.newConversation();
    });
    this.confirmNo = el("button", { type: "button", className: "lb-confirm-no", text: TEXT.cancel });
    this.confirmNo.addEventListener("click", () => this.cancelReset());
    this.confirm = el(
      "div",
      { id: "lederbot-confirm", className: "lb-confirm", role: "group", "aria-labelledby": "lederbot-confirm-text", hidden: true },
      [
        el("p", { id: "lederbot-confirm-text", className: "lb-confirm-text", text: TEXT.resetConfirm }),
        el("div", { className: "lb-confirm-actions" }, [yes, this.confirmNo]),
      ],
    );

    this.status = el("p", { className: "lb-status", role: "status", hidden: true });
    this.log = el("div", { className: "lb-log", role: "log", "aria-live": "polite", "aria-label": TEXT.log });
    this.typing = el("div", { className: "lb-typing", role: "status", hidden: true }, [
      el("span", { className: "lb-sr", text: TEXT.typing }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
      el("span", { className: "lb-dot", "aria-hidden": "true" }),
    ]);
    this.scroller = el("div", { className: "lb-scroll" }, [this.welcome(), this.log, this.typing]);
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.onResize()).observe(this.scroller);
    this.newButton = el("button", { type: "button", className: "lb-new", hidden: true }, [
      el("span", { text: TEXT.newMessages }),
      el("span", { "aria-hidden": "true", text: " ↓" }),
    ]);
    this.newButton.addEventListener("click", () => this.showUnseen());
    const scrollArea = el("div", { className: "lb-scroll-area" }, [this.scroller, this.newButton]);

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
    this.input.addEventListener("input", () => this.autoGrow());
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
      [el("div", { className: "lb-header" }, [heading, this.reset, close]), this.confirm, this.status, scrollArea, this.form],
    );
    // Keys anywhere in the widget, the launcher included.
    root.addEventListener("keydown", (event) => this.onKeydown(event));
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

  // --- keys, opening and closing -------------------------------------------------------------------------
  onKeydown(event) {
    if (event.key === "Escape" && !event.isComposing) {
      if (!this.confirm.hidden && this.confirm.contains(this.root.activeElement)) {
        event.stopPropagation();
        this.cancelReset(); // Escape in the "Ny samtale?" question answers it with "Annullér"
      } else if (this.isOpen()) {
        event.stopPropagation();
        event.preventDefault();
        this.close();
      }
      return;
    }
    if (event.key === "Tab" && this.isModal()) this.trapTab(event);
  }

  // Tab and Shift+Tab stay inside the modal panel (phone-size viewports).
  trapTab(event) {
    const items = [...this.panel.querySelectorAll(FOCUSABLE)].filter(
      (node) => !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0,
    );
    const active = this.root.activeElement;
    const index = items.indexOf(active);
    if (index === -1 && active && this.panel.contains(active)) return; // e.g. a message row: the browser moves on
    const next = wrapFocus(index, items.length, event.shiftKey);
    if (next >= 0) {
      event.preventDefault();
      items[next].focus();
    }
  }

  isOpen() {
    return !this.panel.hidden;
  }

  isModal() {
    return this.isOpen() && !!this.phone && this.phone.matches;
  }

  // On a phone the open panel covers the page: it is a modal dialog, and the page behind it is inert.
  updateModal() {
    if (this.isModal()) {
      this.panel.setAttribute("aria-modal", "true");
      if (!this.inerted.length && "inert" in HTMLElement.prototype) {
        for (const node of document.body.children) {
          if (node !== this.host && !node.inert && node.tagName !== "SCRIPT") {
            node.inert = true;
            this.inerted.push(node);
          }
        }
      }
    } else {
      this.panel.removeAttribute("aria-modal");
      for (const node of this.inerted) node.inert = false;
      this.inerted = [];
    }
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.store.rememberOpen(true);
    this.updateModal();
    this.autoGrow();
    if (this.unread || !this.anchor) this.scrollToLatest();
    else this.restoreAnchor();
    this.unread = 0;
    this.updateBadge();
    if (focus) this.input.focus();
  }

  close({ focus = true } = {}) {
    this.hideConfirm();
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.store.rememberOpen(false);
    this.updateModal();
    if (focus) this.launcher.focus();
  }

  updateBadge() {
    this.badge.hidden = !this.unread;
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    this.launcher.setAttribute("aria-label", launcherName(this.config.launcherLabel, this.unread));
  }

  // --- sending and receiving -----------------------------------------------------------------------------
  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.autoGrow();
    this.ask(text, text);
  }

  // replyTo: the bot message whose button (or comment box) this answers.
  ask(text, payload, replyTo = null) {
    const ready = this.connection.ready && this.connection.socket.connected;
    const entry = { id: randomId(), from: "user", text, ts: Date.now(), tab: this.store.tabId };
    if (payload !== text) entry.payload = payload;
    if (replyTo) entry.replyTo = replyTo;
    if (!ready) entry.pending = true;
    this.follow = true;
    this.sync(this.store.append(entry));
    this.connection.send(entry.id, payload);
    if (this.isOpen()) this.input.focus(); // the clicked button is disabled now: keep the keyboard in the input
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

  // 👍/👎: "Ja" is sent at once. "Nej" on the latest prompt first offers a comment box: the bot takes a comment as
  // typed text right after "Hjalp svaret?" (that is how its free-text feedback works), so the box sends the text,
  // or the /feedback_negative payload when it is left empty. Under an older prompt "Nej" is sent at once.
  vote(entry, button, node) {
    const entries = this.store.history();
    const latest = entries[entries.length - 1];
    if (isNegativeFeedback(button) && latest && latest.id === entry.id) {
      this.openComment(entry, button, node);
      return;
    }
    this.closeComment();
    this.ask(feedbackLabel(button), button.payload, entry.id);
  }

  openComment(entry, button, node) {
    const group = this.groups.get(entry.id);
    if (!group) return;
    if (this.commentFor !== entry.id) {
      this.closeComment();
      const id = `lederbot-comment-${entry.id}`;
      group.form = commentForm(id, (text) => {
        if (text) this.ask(text, text, entry.id);
        else this.ask(feedbackLabel(button), button.payload, entry.id);
      });
      group.form.id = `${id}-form`;
      group.row.append(group.form);
      group.toggle = node;
      node.setAttribute("aria-expanded", "true");
      node.setAttribute("aria-controls", group.form.id);
      this.commentFor = entry.id;
    }
    group.form.box.focus({ preventScroll: true });
    const bottom = group.form.getBoundingClientRect().bottom - this.scroller.getBoundingClientRect().bottom;
    if (bottom > 0) this.setScroll(this.scroller.scrollTop + bottom + 8);
  }

  closeComment() {
    const group = this.commentFor && this.groups.get(this.commentFor);
    this.commentFor = null;
    if (!group || !group.form) return;
    group.form.remove();
    group.form = null;
    group.toggle.setAttribute("aria-expanded", "false");
    group.toggle.removeAttribute("aria-controls");
  }

  askReset() {
    if (!this.store.history().length) {
      this.newConversation(); // nothing to delete
      return;
    }
    this.confirm.hidden = false;
    this.reset.setAttribute("aria-expanded", "true");
    this.confirmNo.focus();
  }

  hideConfirm() {
    this.confirm.hidden = true;
    this.reset.setAttribute("aria-expanded", "false");
  }

  cancelReset() {
    this.hideConfirm();
    this.reset.focus();
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
      this.closeComment();
      this.log.replaceChildren();
      this.rendered = [];
      this.rows.clear();
      this.groups.clear();
      this.openGroup = null;
      this.hideNew();
    }
    const added = [];
    entries.forEach((entry, i) => {
      const shown = this.rendered[i];
      if (!shown) {
        this.append(entry);
        this.rendered.push({ id: entry.id, pending: !!entry.pending });
        added.push(entry);
      } else if (shown.pending !== !!entry.pending) {
        const row = this.rows.get(entry.id);
        const marker = row && row.querySelector(".lb-pending");
        if (marker) marker.remove();
        if (entry.pending) this.pendingMarker(entry.id);
        else if (row) this.stamp(row, entry);
        shown.pending = !!entry.pending;
      }
    });
    this.markUsed(entries);
    this.updateTyping();
    this.arrived(added, !same);
  }

  // Where the view goes when messages arrive.
  arrived(added, redrawn) {
    if (this.starting) return;
    const bot = added.filter((e) => e.from === "bot");
    if (!this.isOpen()) {
      const answers = bot.filter((e) => !isFeedbackPrompt(e)).length;
      if (answers && !redrawn) {
        this.unread += answers;
        this.updateBadge();
      }
      if (redrawn) this.anchor = null;
      return;
    }
    if (redrawn) {
      this.follow = true;
      this.turnStart = null;
      this.scrollToLatest();
    } else if (!added.length) {
      return;
    } else if (added[added.length - 1].from === "user") {
      this.follow = true; // the leader asked: show the question and the typing dots
      this.turnStart = null;
      this.hideNew();
      this.scrollToEnd();
    } else if (this.follow) {
      if (!this.turnStart || !this.rows.has(this.turnStart)) this.turnStart = bot[0].id;
      this.scrollToLatest();
    } else {
      const row = this.rows.get(bot[0].id);
      if (row && !this.rowVisible(row)) this.showNew(bot[0].id);
    }
  }

  append(entry) {
    if (entry.from === "user") {
      this.openGroup = null;
      const row = el("div", { className: "lb-row lb-user", "data-id": entry.id }, [
        el("div", { className: "lb-bubble" }, [el("span", { className: "lb-sr", text: TEXT.you }), paragraph(entry.text)]),
      ]);
      this.stamp(row, entry);
      this.log.append(row);
      this.rows.set(entry.id, row);
      if (entry.pending) this.pendingMarker(entry.id);
      return;
    }
    if (isFeedbackPrompt(entry)) {
      // "Hjalp svaret?" Ja/Nej: a quiet line under the answer, not a message of its own weight.
      this.openGroup = null;
      const row = el("div", { className: "lb-row lb-feedback", "data-id": entry.id }, [
        el("p", { className: "lb-bubble lb-text", text: entry.text }),
      ]);
      this.stamp(row, entry);
      const group = feedbackButtons(entry.buttons, (b, node) => this.vote(entry, b, node));
      row.append(group);
      this.groups.set(entry.id, { entry, row, group, feedback: true, form: null });
      this.log.append(row);
      this.rows.set(entry.id, row);
      return;
    }
    // Over socket.io Rasa sends each paragraph of an answer as its own message: they share one bubble.
    let bubble = this.openGroup;
    let row;
    if (bubble) {
      row = bubble.parentElement;
    } else {
      bubble = el("div", { className: "lb-bubble" }, [el("span", { className: "lb-sr", text: TEXT.bot })]);
      row = el("div", { className: "lb-row lb-bot", "data-id": entry.id }, [bubble]);
      this.stamp(row, entry);
      this.log.append(row);
    }
    this.rows.set(entry.id, row);
    const { nodes, source } = messageElements(entry.text);
    bubble.append(...nodes);
    if (source) {
      bubble.classList.add("lb-answer");
      // A server that sent the title as a message of its own: it is the title all the same.
      const first = bubble.querySelector(".lb-text");
      if (!bubble.querySelector(".lb-title-line") && first && !first.textContent.includes("\n") && !first.textContent.startsWith("»")) {
        first.classList.add("lb-title-line");
      }
    }
    const hasButtons = Array.isArray(entry.buttons) && entry.buttons.length > 0;
    if (hasButtons) {
      const group = quickReplies(entry.buttons, (b) => this.ask(b.title, b.payload, entry.id));
      row.append(group);
      this.groups.set(entry.id, { entry, row, group, feedback: false, form: null });
    }
    this.openGroup = hasButtons || source ? null : bubble;
  }

  // The time of a message: a tooltip on its bubble, and a visually hidden <time> for screen readers.
  stamp(row, entry) {
    const when = formatTime(entry.ts);
    const bubble = row.querySelector(".lb-bubble");
    const old = row.querySelector(".lb-time");
    if (old) old.remove();
    if (!when || entry.pending) {
      if (bubble) bubble.removeAttribute("title");
      return;
    }
    if (bubble) bubble.setAttribute("title", `${entry.from === "user" ? TEXT.sent : TEXT.received} ${when}`);
    const time = el("time", { className: "lb-sr lb-time", datetime: new Date(entry.ts).toISOString(), text: ` ${when}` });
    if (bubble && bubble.nextSibling) row.insertBefore(time, bubble.nextSibling);
    else row.append(time);
  }

  // Each answer keeps its buttons: the ones used are disabled and marked; a feedback prompt once answered, or once
  // the leader has moved on (see staleFeedback), is disabled as a whole.
  markUsed(entries) {
    const used = usedChoices(entries);
    const stale = staleFeedback(entries);
    const latest = entries[entries.length - 1];
    for (const [id, g] of this.groups) {
      const chosen = used.get(id) || new Set();
      const answered = g.feedback && (chosen.size > 0 || stale.has(id));
      g.group.querySelectorAll("button").forEach((node, i) => {
        const b = g.entry.buttons[i];
        const isChosen = !!b && chosen.has(b.payload);
        node.disabled = isChosen || answered;
        node.classList.toggle("lb-used", isChosen);
        const mark = node.querySelector(".lb-chosen");
        if (isChosen && !mark) {
          if (!g.feedback) node.prepend(icon("check", "lb-icon lb-check"));
          node.append(el("span", { className: "lb-sr lb-chosen", text: TEXT.chosen }));
        } else if (!isChosen && mark) {
          mark.remove();
          const check = node.querySelector(".lb-check");
          if (check) check.remove();
        }
      });
      if (this.commentFor === id && (answered || !latest || latest.id !== id)) this.closeComment();
    }
  }

  pendingMarker(id) {
    const row = this.rows.get(id);
    if (row) row.append(el("p", { className: "lb-pending", text: TEXT.pending }));
  }

  updateTyping() {
    clearTimeout(this.typingTimer);
    const entries = this.store.history();
    const last = entries[entries.length - 1];
    const age = last ? Date.now() - last.ts : Infinity;
    const waiting = this.online && last && last.from === "user" && !last.pending && age < TYPING_MAX_MS;
    const appears = waiting && this.typing.hidden;
    this.typing.hidden = !waiting;
    if (waiting) {
      this.typingTimer = setTimeout(() => this.updateTyping(), TYPING_MAX_MS - age + 50);
      if (appears && this.follow && this.isOpen()) this.scrollToEnd();
    }
  }

  // The input grows with its text up to its max-height (styles.js), then scrolls.
  autoGrow() {
    const box = this.input;
    if (!this.isOpen()) return;
    box.style.height = "auto";
    const border = box.offsetHeight - box.clientHeight;
    const max = parseFloat(getComputedStyle(box).maxHeight) || 160;
    const wanted = box.scrollHeight + border;
    box.style.height = `${Math.min(wanted, max)}px`;
    box.style.overflowY = wanted > max ? "auto" : "hidden";
  }

  // --- scrolling -----------------------------------------------------------------------------------------
  metrics() {
    const s = this.scroller;
    return { scrollTop: s.scrollTop, scrollHeight: s.scrollHeight, viewHeight: s.clientHeight };
  }

  isAtEnd() {
    return atEnd(this.metrics());
  }

  rowVisible(row) {
    const view = this.scroller.getBoundingClientRect();
    const box = row.getBoundingClientRect();
    return box.top < view.bottom - 16 && box.bottom > view.top;
  }

  setScroll(top) {
    this.scroller.scrollTop = top;
    this.autoTop = this.scroller.scrollTop;
    this.saveAnchor();
  }

  scrollToEnd() {
    this.setScroll(this.scroller.scrollHeight);
  }

  // The row's first line at the top of the view if the rest of the log is taller than the view, else the end.
  scrollToRow(row) {
    const s = this.scroller;
    const rowTop = row.getBoundingClientRect().top - s.getBoundingClientRect().top + s.scrollTop;
    this.setScroll(scrollTarget({ rowTop, scrollHeight: s.scrollHeight, viewHeight: s.clientHeight }));
  }

  // The start of the latest answer: the one being followed, else the first message after the last question.
  scrollToLatest() {
    const start = this.turnStart && this.rows.get(this.turnStart);
    if (start) {
      this.scrollToRow(start);
      return;
    }
    const rows = [...this.log.children];
    let lastUser = -1;
    rows.forEach((row, i) => {
      if (row.classList.contains("lb-user")) lastUser = i;
    });
    const target = rows[lastUser + 1] || rows[rows.length - 1];
    if (target) this.scrollToRow(target);
    else this.setScroll(0);
  }

  sizeKey() {
    return `${this.scroller.clientWidth}x${this.scroller.clientHeight}`;
  }

  onScroll() {
    // The browser moves the scroll position itself when the layout changes (e.g. to the phone layout), before the
    // ResizeObserver runs: that is a resize, not the leader scrolling.
    if (this.anchor && this.isOpen() && this.anchor.size !== this.sizeKey()) {
      this.onResize();
      return;
    }
    if (this.autoTop === null || Math.abs(this.scroller.scrollTop - this.autoTop) > 2) {
      this.autoTop = null; // the leader scrolled: follow new messages only from the end of the log
      this.follow = this.isAtEnd();
      if (this.follow) this.turnStart = null; // they read to the end: what comes next starts a new answer
    }
    if (!this.newButton.hidden) {
      const row = this.rows.get(this.unseenId);
      if (this.isAtEnd() || (row && this.rowVisible(row))) this.hideNew();
    }
    this.saveAnchor();
  }

  // What is at the top of the view – the message, and inside a tall one the paragraph or list item – and how far
  // below the top it is (or: the view is at the end).
  saveAnchor() {
    if (!this.isOpen()) return;
    const top = this.scroller.getBoundingClientRect().top;
    const below = (node) => node.getBoundingClientRect().bottom > top + 1;
    const row = [...this.scroller.querySelectorAll(".lb-row")].find(below) || null;
    const part = row && [...row.querySelectorAll(ANCHORS)].find(below);
    const node = part || row;
    const offset = node ? node.getBoundingClientRect().top - top : 0;
    this.anchor = { end: this.isAtEnd() && this.follow, node, offset, size: this.sizeKey() };
  }

  restoreAnchor() {
    const a = this.anchor;
    if (!a || (!a.end && (!a.node || !a.node.isConnected))) {
      this.scrollToLatest();
      return;
    }
    if (a.end) {
      this.scrollToEnd();
      return;
    }
    const s = this.scroller;
    const now = a.node.getBoundingClientRect().top - s.getBoundingClientRect().top;
    if (Math.abs(now - a.offset) < 1) return;
    s.scrollTop += now - a.offset;
    if (this.follow) this.autoTop = s.scrollTop;
  }

  // The panel changed size (window resize, rotation, the input growing): keep the same message in view.
  onResize() {
    if (!this.isOpen() || !this.anchor) return;
    const a = this.anchor;
    this.restoreAnchor();
    if (this.anchor === a) a.size = this.sizeKey(); // the same place, now at this size
  }

  showNew(id) {
    if (!this.unseenId || !this.rows.has(this.unseenId)) this.unseenId = id;
    this.newButton.hidden = false;
  }

  hideNew() {
    this.newButton.hidden = true;
    this.unseenId = null;
  }

  // "Nye beskeder ↓": to the first message that came while the leader read further up; focus goes to it.
  showUnseen() {
    const row = this.rows.get(this.unseenId) || this.log.lastElementChild;
    this.hideNew();
    this.follow = true;
    if (!row) return;
    this.turnStart = row.getAttribute("data-id");
    this.scrollToRow(row);
    row.setAttribute("tabindex", "-1");
    row.focus({ preventScroll: true });
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
