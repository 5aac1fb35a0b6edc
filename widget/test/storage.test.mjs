// What src/storage.js keeps in localStorage / sessionStorage, what it gives back after a reload or from another
// tab, and its limits; on the in-memory storages of fake-storage.mjs.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { ConversationStore, randomId } from "../src/storage.js";
import { FakeStorage, installBlockedWindow, installWindow } from "./fake-storage.mjs";

afterEach(() => {
  delete globalThis.window;
});

const HEX32 = /^[0-9a-f]{32}$/;

function userEntry(id, text = `spørgsmål ${id}`, extra = {}) {
  return { id, from: "user", text, ts: 1000, ...extra };
}

function botEntry(id, text = `svar ${id}`, extra = {}) {
  return { id, from: "bot", text, ts: 2000, ...extra };
}

function stored(local, prefix = "lederbot") {
  return JSON.parse(local.getItem(`${prefix}:history`));
}

describe("randomId", () => {
  test("32 lowercase hex characters (128 random bits), different every time", () => {
    installWindow();
    const ids = new Set(Array.from({ length: 50 }, randomId));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, HEX32);
  });
});

describe("tab id", () => {
  test("a new tab gets an id, kept in its sessionStorage", () => {
    const { sessionStorage } = installWindow();
    const store = new ConversationStore("lederbot", 200);
    assert.match(store.tabId, HEX32);
    assert.equal(sessionStorage.getItem("lederbot:tab"), store.tabId);
  });

  test("a reload of the same tab keeps it; another tab gets its own", () => {
    const localStorage = new FakeStorage();
    const sessionStorage = new FakeStorage();
    installWindow({ localStorage, sessionStorage });
    const first = new ConversationStore("lederbot", 200);
    const reloaded = new ConversationStore("lederbot", 200);
    assert.equal(reloaded.tabId, first.tabId);
    installWindow({ localStorage });
    assert.notEqual(new ConversationStore("lederbot", 200).tabId, first.tabId);
  });
});

describe("sessionId", () => {
  test("made once and kept in localStorage, so every tab and reload uses the same Rasa sender id", () => {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const id = new ConversationStore("lederbot", 200).sessionId();
    assert.match(id, HEX32);
    assert.equal(localStorage.getItem("lederbot:session"), id);
    installWindow({ localStorage }); // another tab
    assert.equal(new ConversationStore("lederbot", 200).sessionId(), id);
  });

  test("a stored id of 8-128 letters, digits, _ or - is used as it is", () => {
    const localStorage = new FakeStorage();
    localStorage.setItem("lederbot:session", "Abc_123-x");
    installWindow({ localStorage });
    assert.equal(new ConversationStore("lederbot", 200).sessionId(), "Abc_123-x");
  });

  test("a stored id that is too short, too long or has other characters is replaced", () => {
    for (const bad of ["short", "x".repeat(129), "has space 123", "ørkenræv123", "<script>1</script>"]) {
      const localStorage = new FakeStorage();
      localStorage.setItem("lederbot:session", bad);
      installWindow({ localStorage });
      const id = new ConversationStore("lederbot", 200).sessionId();
      assert.match(id, HEX32, bad);
      assert.equal(localStorage.getItem("lederbot:session"), id);
    }
  });

  test("newSession: a new id, and the old conversation and reply owner are forgotten", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("lederbot", 200);
    const old = store.sessionId();
    store.append(userEntry("u1"));
    store.claimReplies();
    const fresh = store.newSession();
    assert.match(fresh, HEX32);
    assert.notEqual(fresh, old);
    assert.equal(store.sessionId(), fresh);
    assert.equal(localStorage.getItem("lederbot:history"), null);
    assert.equal(localStorage.getItem("lederbot:owner"), null);
    assert.deepEqual(store.history(), []);
  });
});

describe("history", () => {
  test("what is saved comes back, stored as {v: 1, session, entries} under <prefix>:history", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("intra", 200);
    const entries = [
      userEntry("u1", "Hvad er et ledernetværk?", { tab: store.tabId }),
      botEntry("b1", "Et netværk.", { buttons: [{ title: "Mere", payload: "/more" }] }),
    ];
    store.save(entries);
    assert.deepEqual(stored(localStorage, "intra"), { v: 1, session: store.sessionId(), entries });
    assert.equal(localStorage.getItem("lederbot:history"), null);
    assert.deepEqual(store.history(), entries);
  });

  test("nothing stored, broken JSON, another version, another session or no entry list: empty history", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("lederbot", 200);
    const session = store.sessionId();
    const entries = [userEntry("u1")];
    assert.deepEqual(store.history(), []);
    for (const value of [
      "{not json",
      "42",
      "[]",
      JSON.stringify({ v: 2, session, entries }),
      JSON.stringify({ v: 1, session: "someothersession", entries }),
      JSON.stringify({ v: 1, session, entries: "u1" }),
      JSON.stringify({ v: 1, session }),
    ]) {
      localStorage.setItem("lederbot:history", value);
      assert.deepEqual(store.history(), [], value);
    }
    localStorage.setItem("lederbot:history", JSON.stringify({ v: 1, session, entries }));
    assert.deepEqual(store.history(), entries);
  });

  test("entries are cleaned on the way back: bad ones dropped, unknown fields and bad buttons stripped", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("lederbot", 200);
    const entries = [
      null,
      "text",
      { id: "s1", from: "system", text: "x" },
      { id: "n1", from: "bot", text: 42 },
      { from: "user", text: "uden id" },
      { id: 7, from: "user", text: "tal-id" },
      {
        id: "b1",
        from: "bot",
        text: "Vælg niveau",
        ts: "1700000000000",
        html: "<b>x</b>",
        buttons: [
          { title: "Niveau 1", payload: "/level1", extra: true },
          { title: "uden payload" },
          null,
          { title: 2, payload: "/x" },
        ],
        pending: "yes",
        tab: 5,
      },
      { id: "b2", from: "bot", text: "uden gyldige knapper", ts: "nej", buttons: [{ title: "x" }] },
      { id: "b3", from: "bot", text: "knapper er ikke en liste", buttons: "x" },
      { id: "u1", from: "user", text: "Niveau 1", payload: "/level1", pending: true, tab: "t1" },
      { id: "u2", from: "user", text: "sendt", payload: 3, pending: false },
    ];
    localStorage.setItem("lederbot:history", JSON.stringify({ v: 1, session: store.sessionId(), entries }));
    assert.deepEqual(store.history(), [
      { id: "b1", from: "bot", text: "Vælg niveau", ts: 1700000000000, buttons: [{ title: "Niveau 1", payload: "/level1" }] },
      { id: "b2", from: "bot", text: "uden gyldige knapper", ts: 0 },
      { id: "b3", from: "bot", text: "knapper er ikke en liste", ts: 0 },
      { id: "u1", from: "user", text: "Niveau 1", ts: 0, payload: "/level1", pending: true, tab: "t1" },
      { id: "u2", from: "user", text: "sendt", ts: 0 },
    ]);
  });

  test("only the last maxHistory entries are kept", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("lederbot", 10);
    const entries = Array.from({ length: 25 }, (_, i) => userEntry(`u${i}`));
    store.save(entries);
    assert.deepEqual(
      stored(localStorage).entries.map((e) => e.id),
      entries.slice(-10).map((e) => e.id),
    );
    for (let i = 25; i < 30; i++) store.append(userEntry(`u${i}`));
    assert.deepEqual(
      store.history().map((e) => e.id),
      ["u20", "u21", "u22", "u23", "u24", "u25", "u26", "u27", "u28", "u29"],
    );
  });

  test("storage full: the older half is dropped until it fits", () => {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const store = new ConversationStore("lederbot", 200);
    const session = store.sessionId();
    const entries = Array.from({ length: 8 }, (_, i) => botEntry(`b${i}`, "x".repeat(100)));
    // Room for three entries: eight do not fit, nor four (the newer half); two (the newer half of those) do.
    localStorage.quota = JSON.stringify({ v: 1, session, entries: entries.slice(-3) }).length;
    store.save(entries);
    assert.deepEqual(
      store.history().map((e) => e.id),
      ["b6", "b7"],
    );
  });

  test("storage too full for even one entry: nothing is thrown and the stored history stays as it was", () => {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const store = new ConversationStore("lederbot", 200);
    store.save([userEntry("u1", "kort")]);
    const before = localStorage.getItem("lederbot:history");
    localStorage.quota = before.length + 10;
    assert.doesNotThrow(() => store.save([userEntry("u1", "kort"), botEntry("b1", "y".repeat(500))]));
    assert.doesNotThrow(() => store.append(botEntry("b2", "z".repeat(500))));
    assert.equal(localStorage.getItem("lederbot:history"), before);
    assert.deepEqual(
      store.history().map((e) => e.id),
      ["u1"],
    );
  });

  test("append re-reads the storage: what another tab wrote meanwhile is kept", () => {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const tabA = new ConversationStore("lederbot", 200);
    installWindow({ localStorage });
    const tabB = new ConversationStore("lederbot", 200);
    tabA.append(userEntry("u1"));
    tabB.append(botEntry("b1"));
    const entries = tabA.append(userEntry("u2"));
    assert.deepEqual(
      entries.map((e) => e.id),
      ["u1", "b1", "u2"],
    );
    assert.deepEqual(tabB.history(), entries);
  });

  test("replyTo (which bot message a button click answered) is kept on user entries only, if it is an id", () => {
    const { localStorage } = installWindow();
    const store = new ConversationStore("lederbot", 200);
    const entries = [
      botEntry("b1", "Vælg", { buttons: [{ title: "Niveau 1", payload: "/level1" }] }),
      userEntry("u1", "Niveau 1", { payload: "/level1", replyTo: "b1" }),
      userEntry("u2", "x", { replyTo: "<b>" }),
      userEntry("u3", "y", { replyTo: 5 }),
      botEntry("b2", "svar", { replyTo: "u1" }),
    ];
    localStorage.setItem("lederbot:history", JSON.stringify({ v: 1, session: store.sessionId(), entries }));
    assert.deepEqual(store.history(), [
      entries[0],
      userEntry("u1", "Niveau 1", { payload: "/level1", replyTo: "b1" }),
      userEntry("u2", "x"),
      userEntry("u3", "y"),
      botEntry("b2", "svar"),
    ]);
  });

  test("update patches one entry by id and cleans it (pending: false drops the flag)", () => {
    installWindow();
    const store = new ConversationStore("lederbot", 200);
    store.append(userEntry("u1", "første", { pending: true }));
    store.append(userEntry("u2", "anden", { pending: true, tab: store.tabId }));
    const entries = store.update("u2", { pending: false, ts: 5000 });
    assert.deepEqual(entries, [
      { id: "u1", from: "user", text: "første", ts: 1000, pending: true },
      { id: "u2", from: "user", text: "anden", ts: 5000, tab: store.tabId },
    ]);
    assert.deepEqual(store.history(), entries);
    assert.deepEqual(store.update("nope", { text: "x" }), entries);
  });

  test("another prefix is another conversation", () => {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const a = new ConversationStore("a", 200);
    const b = new ConversationStore("b", 200);
    a.append(userEntry("u1"));
    assert.notEqual(a.sessionId(), b.sessionId());
    assert.deepEqual(b.history(), []);
    assert.equal(a.history().length, 1);
  });
});

describe("who records the replies", () => {
  function twoTabs() {
    const localStorage = new FakeStorage();
    installWindow({ localStorage });
    const a = new ConversationStore("lederbot", 200);
    installWindow({ localStorage });
    const b = new ConversationStore("lederbot", 200);
    return { localStorage, a, b };
  }

  test("no owner yet: every tab records", () => {
    const { a, b } = twoTabs();
    assert.equal(a.recordsReplies(), true);
    assert.equal(b.recordsReplies(), true);
  });

  test("the tab that sent the last question records; the others do not", () => {
    const { localStorage, a, b } = twoTabs();
    a.claimReplies();
    assert.equal(localStorage.getItem("lederbot:owner"), a.tabId);
    assert.equal(a.recordsReplies(), true);
    assert.equal(b.recordsReplies(), false);
    b.claimReplies();
    assert.equal(a.recordsReplies(), false);
    assert.equal(b.recordsReplies(), true);
  });

  test("only the owner can release; then every tab records again", () => {
    const { localStorage, a, b } = twoTabs();
    a.claimReplies();
    b.releaseReplies();
    assert.equal(localStorage.getItem("lederbot:owner"), a.tabId);
    a.releaseReplies();
    assert.equal(localStorage.getItem("lederbot:owner"), null);
    assert.equal(b.recordsReplies(), true);
  });
});

describe("open state", () => {
  test("remembered per tab in sessionStorage, closed by default", () => {
    const localStorage = new FakeStorage();
    const { sessionStorage } = installWindow({ localStorage });
    const store = new ConversationStore("lederbot", 200);
    assert.equal(store.wasOpen(), false);
    store.rememberOpen(true);
    assert.equal(sessionStorage.getItem("lederbot:open"), "1");
    assert.equal(new ConversationStore("lederbot", 200).wasOpen(), true); // a reload of the tab
    installWindow({ localStorage });
    assert.equal(new ConversationStore("lederbot", 200).wasOpen(), false); // another tab
    installWindow({ localStorage, sessionStorage });
    store.rememberOpen(false);
    assert.equal(sessionStorage.getItem("lederbot:open"), "0");
    assert.equal(store.wasOpen(), false);
  });
});

describe("blocked storage", () => {
  test("storage that throws on access: the conversation is kept in memory for this page", () => {
    installBlockedWindow();
    const store = new ConversationStore("lederbot", 200);
    assert.match(store.tabId, HEX32);
    const id = store.sessionId();
    assert.equal(store.sessionId(), id);
    store.append(userEntry("u1"));
    assert.deepEqual(
      store.history().map((e) => e.id),
      ["u1"],
    );
    store.rememberOpen(true);
    assert.equal(store.wasOpen(), true);
    // Nothing is shared: a second store on the same page starts afresh.
    assert.notEqual(new ConversationStore("lederbot", 200).sessionId(), id);
  });

  test("storage whose setItem throws (Safari private mode): memory instead, the real storage is not written", () => {
    class ReadOnlyStorage extends FakeStorage {
      setItem() {
        throw new Error("QuotaExceededError");
      }
    }
    const localStorage = new ReadOnlyStorage();
    installWindow({ localStorage });
    const store = new ConversationStore("lederbot", 200);
    store.append(userEntry("u1"));
    assert.equal(store.history().length, 1);
    assert.equal(localStorage.length, 0);
    assert.equal(store.local === localStorage, false);
  });
});
