// In-memory stand-ins for window.localStorage / window.sessionStorage (the Storage API src/storage.js uses),
// and a fake `window` holding them, set on globalThis for src/storage.js.

export class FakeStorage {
  // quota: the longest value setItem accepts (like a full localStorage it throws QuotaExceededError beyond it).
  constructor({ quota = Infinity } = {}) {
    this.data = new Map();
    this.quota = quota;
    this.writes = 0;
  }

  getItem(key) {
    return this.data.has(key) ? this.data.get(key) : null;
  }

  setItem(key, value) {
    const text = String(value);
    if (text.length > this.quota) {
      const err = new Error("The quota has been exceeded.");
      err.name = "QuotaExceededError";
      throw err;
    }
    this.writes += 1;
    this.data.set(key, text);
  }

  removeItem(key) {
    this.data.delete(key);
  }

  get length() {
    return this.data.size;
  }
}

// A browser tab: its own sessionStorage, and the origin's localStorage (shared with the other tabs).
export function installWindow({ localStorage = new FakeStorage(), sessionStorage = new FakeStorage() } = {}) {
  globalThis.window = { localStorage, sessionStorage, crypto: globalThis.crypto };
  return globalThis.window;
}

// A window whose storage throws on access (privacy settings, sandboxed frames).
export function installBlockedWindow() {
  const blocked = () => {
    const err = new Error("The operation is insecure.");
    err.name = "SecurityError";
    throw err;
  };
  globalThis.window = { crypto: globalThis.crypto };
  Object.defineProperty(globalThis.window, "localStorage", { get: blocked });
  Object.defineProperty(globalThis.window, "sessionStorage", { get: blocked });
  return globalThis.window;
}
