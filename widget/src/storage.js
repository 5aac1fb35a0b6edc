// The conversation kept in localStorage (shared by all tabs of the intranet origin): the sender id Rasa
// knows the user by, the history shown after a reload, and which tab records the bot's replies.

function memoryStorage() {
  const data = new Map();
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  };
}

function usable(kind) {
  try {
    const storage = window[kind];
    const probe = "__lederbot_probe__";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage(); // blocked storage (privacy settings, sandboxed frames): this page only
  }
}

export function randomId() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes); // works on plain http intranet pages too (randomUUID does not)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function cleanButtons(buttons) {
  if (!Array.isArray(buttons)) return [];
  return buttons
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
}

function cleanEntry(e) {
  if (!e || (e.from !== "user" && e.from !== "bot") || typeof e.text !== "string" || typeof e.id !== "string") {
    return null;
  }
  const entry = { id: e.id, from: e.from, text: e.text, ts: Number(e.ts) || 0 };
  const buttons = cleanButtons(e.buttons);
  if (buttons.length) entry.buttons = buttons;
  if (typeof e.payload === "string") entry.payload = e.payload;
  if (e.pending === true) entry.pending = true;
  if (typeof e.tab === "string") entry.tab = e.tab;
  // The bot message whose button (or comment box) a user message answers: its buttons show as used.
  if (e.from === "user" && typeof e.replyTo === "string" && /^[a-zA-Z0-9_-]{1,128}$/.test(e.replyTo)) {
    entry.replyTo = e.replyTo;
  }
  return entry;
}

export class ConversationStore {
  constructor(prefix, maxHistory) {
    this.local = usable("localStorage");
    this.tabStorage = usable("sessionStorage");
    this.keys = {
      session: `${prefix}:session`,
      history: `${prefix}:history`,
      owner: `${prefix}:owner`,
      tab: `${prefix}:tab`,
      open: `${prefix}:open`,
    };
    this.maxHistory = maxHistory;
    // One id per tab (kept over reloads of that tab): says which tab sent the last question.
    this.tabId = this.tabStorage.getItem(this.keys.tab) || randomId();
    this.tabStorage.setItem(this.keys.tab, this.tabId);
  }

  sessionId() {
    let id = this.local.getItem(this.keys.session);
    if (!id || !/^[a-zA-Z0-9_-]{8,128}$/.test(id)) {
      id = randomId();
      this.local.setItem(this.keys.session, id);
    }
    return id;
  }

  newSession() {
    const id = randomId();
    this.local.setItem(this.keys.session, id);
    this.local.removeItem(this.keys.history);
    this.local.removeItem(this.keys.owner);
    return id;
  }

  history() {
    try {
      const data = JSON.parse(this.local.getItem(this.keys.history) || "null");
      if (!data || data.v !== 1 || data.session !== this.sessionId() || !Array.isArray(data.entries)) return [];
      return data.entries.map(cleanEntry).filter(Boolean);
    } catch {
      return [];
    }
  }

  save(entries) {
    let kept = entries.slice(-this.maxHistory);
    for (;;) {
      try {
        this.local.setItem(this.keys.history, JSON.stringify({ v: 1, session: this.sessionId(), entries: kept }));
        return;
      } catch {
        if (kept.length <= 1) return; // storage full: keep the conversation on screen only
        kept = kept.slice(Math.ceil(kept.length / 2));
      }
    }
  }

  append(entry) {
    const entries = this.history(); // always re-read: another tab may have written meanwhile
    entries.push(entry);
    this.save(entries);
    return entries;
  }

  update(id, patch) {
    const entries = this.history().map((e) => (e.id === id ? cleanEntry({ ...e, ...patch }) : e));
    this.save(entries);
    return entries;
  }

  // The tab that sent the latest question records the replies; the others get them via the storage event.
  claimReplies() {
    this.local.setItem(this.keys.owner, this.tabId);
  }

  recordsReplies() {
    const owner = this.local.getItem(this.keys.owner);
    return !owner || owner === this.tabId;
  }

  releaseReplies() {
    if (this.local.getItem(this.keys.owner) === this.tabId) this.local.removeItem(this.keys.owner);
  }

  wasOpen() {
    return this.tabStorage.getItem(this.keys.open) === "1";
  }

  rememberOpen(open) {
    this.tabStorage.setItem(this.keys.open, open ? "1" : "0");
  }
}
