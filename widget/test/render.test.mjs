// How a bot message's text and buttons become DOM (src/render.js), on the fake document of fake-dom.mjs.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import {
  BULLET,
  FROM_PREFIX,
  SOURCE_PREFIX,
  SVG_NS,
  atEnd,
  commentForm,
  el,
  feedbackButtons,
  feedbackLabel,
  formatTime,
  fromElement,
  icon,
  isFeedbackPrompt,
  isNegativeFeedback,
  launcherName,
  linkify,
  list,
  messageBlocks,
  messageElements,
  paragraph,
  paragraphBlocks,
  quickReplies,
  scrollTarget,
  sourceElement,
  splitAnswer,
  staleFeedback,
  usedChoices,
  wrapFocus,
} from "../src/render.js";
import { FRAGMENT_NODE, TEXT_NODE, installFakeDocument, toHTML } from "./fake-dom.mjs";

beforeEach(installFakeDocument);

// The fragment's children as [kind, text, href]: easier to read than HTML when only the split matters.
function parts(fragment) {
  return fragment.childNodes.map((n) =>
    n.nodeType === TEXT_NODE ? ["text", n.data] : [n.tagName.toLowerCase(), n.textContent, n.getAttribute("href")],
  );
}

describe("el", () => {
  test("sets className, text and attributes; skips null, undefined and false; true is an empty attribute", () => {
    const node = el("button", {
      className: "lb-chip",
      text: "Ja",
      type: "button",
      hidden: true,
      disabled: false,
      title: null,
      "aria-label": undefined,
      rows: 1,
    });
    assert.equal(node.tagName, "BUTTON");
    assert.equal(node.className, "lb-chip");
    assert.equal(node.textContent, "Ja");
    assert.equal(node.getAttribute("type"), "button");
    assert.equal(node.getAttribute("hidden"), "");
    assert.equal(node.getAttribute("rows"), "1");
    for (const name of ["disabled", "title", "aria-label", "text", "className"]) {
      assert.equal(node.hasAttribute(name), false, name);
    }
  });

  test("appends the children in order, strings as text", () => {
    const node = el("div", {}, [el("span", { text: "a" }), "b", el("em", { text: "c" })]);
    assert.equal(toHTML(node), "<div><span>a</span>b<em>c</em></div>");
  });

  test("text is put in as text, never as markup", () => {
    const node = el("p", { text: '<img src=x onerror="alert(1)">' });
    assert.equal(node.childNodes.length, 1);
    assert.equal(node.childNodes[0].nodeType, TEXT_NODE);
    assert.equal(toHTML(node), "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>");
  });
});

describe("linkify", () => {
  test("text without URLs is one text node", () => {
    const fragment = linkify("Hvad forventes af en leder?");
    assert.equal(fragment.nodeType, FRAGMENT_NODE);
    assert.deepEqual(parts(fragment), [["text", "Hvad forventes af en leder?"]]);
  });

  test("empty text gives an empty fragment", () => {
    assert.deepEqual(parts(linkify("")), []);
  });

  test("an http(s) URL becomes a link opening in a new tab without opener; the text around stays text", () => {
    const fragment = linkify("Læs https://intra.example.dk/ledelse/grundlag her");
    assert.deepEqual(parts(fragment), [
      ["text", "Læs "],
      ["a", "https://intra.example.dk/ledelse/grundlag", "https://intra.example.dk/ledelse/grundlag"],
      ["text", " her"],
    ]);
    const link = fragment.childNodes[1];
    assert.equal(link.getAttribute("target"), "_blank");
    assert.equal(link.getAttribute("rel"), "noopener noreferrer");
  });

  test("trailing punctuation is not part of the link", () => {
    assert.deepEqual(parts(linkify("Se https://a.example.dk/x.")), [
      ["text", "Se "],
      ["a", "https://a.example.dk/x", "https://a.example.dk/x"],
      ["text", "."],
    ]);
    assert.deepEqual(parts(linkify("(se http://a.example.dk/side?id=1),")), [
      ["text", "(se "],
      ["a", "http://a.example.dk/side?id=1", "http://a.example.dk/side?id=1"],
      ["text", "),"],
    ]);
  });

  test("a URL stops at quotes, guillemets and angle brackets", () => {
    assert.deepEqual(parts(linkify("«https://a.example.dk/x»")), [
      ["text", "«"],
      ["a", "https://a.example.dk/x", "https://a.example.dk/x"],
      ["text", "»"],
    ]);
    assert.deepEqual(parts(linkify('"https://a.example.dk/y"<b>')), [
      ["text", '"'],
      ["a", "https://a.example.dk/y", "https://a.example.dk/y"],
      ["text", '"<b>'],
    ]);
  });

  test("several URLs, any case: the link shows the text as written, its href is the normalised URL", () => {
    const fragment = linkify("HTTPS://A.Example.DK og https://b.example.dk/");
    assert.deepEqual(parts(fragment), [
      ["a", "HTTPS://A.Example.DK", "https://a.example.dk/"],
      ["text", " og "],
      ["a", "https://b.example.dk/", "https://b.example.dk/"],
    ]);
  });

  test("something that is not a valid URL stays text", () => {
    assert.deepEqual(parts(linkify("se http://[nope og https://ok.example.dk")), [
      ["text", "se http://[nope og "],
      ["a", "https://ok.example.dk", "https://ok.example.dk/"],
    ]);
  });

  test("other schemes are never links", () => {
    const text = "javascript:alert(1) ftp://x.example.dk mailto:a@b.dk";
    assert.deepEqual(parts(linkify(text)), [["text", text]]);
  });

  test("markup around a URL stays literal text", () => {
    const html = toHTML(linkify("<script>x</script> https://a.example.dk"));
    assert.equal(
      html,
      '&lt;script&gt;x&lt;/script&gt; <a href="https://a.example.dk/" target="_blank" rel="noopener noreferrer">https://a.example.dk</a>',
    );
  });
});

describe("splitAnswer", () => {
  test("paragraphs split on blank lines, trimmed; the last one is the source if it starts with Kilde:", () => {
    const text = "Økonomistyring (Niveau 2)\n\n  Lederen sikrer overblik.  \n\n\nKilde: Ledelsesgrundlag, s. 4";
    assert.deepEqual(splitAnswer(text), {
      paragraphs: ["Økonomistyring (Niveau 2)", "Lederen sikrer overblik."],
      source: "Kilde: Ledelsesgrundlag, s. 4",
    });
  });

  test("Windows and old Mac line ends count as line ends", () => {
    assert.deepEqual(splitAnswer("a\r\n\r\nb\r\rc"), { paragraphs: ["a", "b", "c"], source: null });
  });

  test("a single line break stays inside the paragraph", () => {
    assert.deepEqual(splitAnswer("linje 1\nlinje 2"), { paragraphs: ["linje 1\nlinje 2"], source: null });
  });

  test("no source: when Kilde: is not last, spans several lines, or is not at the start", () => {
    assert.deepEqual(splitAnswer("Kilde: x\n\nmere tekst"), { paragraphs: ["Kilde: x", "mere tekst"], source: null });
    assert.deepEqual(splitAnswer("svar\n\nKilde: x\ny"), { paragraphs: ["svar", "Kilde: x\ny"], source: null });
    assert.deepEqual(splitAnswer("svar\n\nSe Kilde: x"), { paragraphs: ["svar", "Se Kilde: x"], source: null });
  });

  test("a message that is only the source line (a server that sends paragraphs one by one)", () => {
    assert.deepEqual(splitAnswer("Kilde: Ledelsesgrundlag"), { paragraphs: [], source: "Kilde: Ledelsesgrundlag" });
  });

  test("empty and blank text give nothing", () => {
    assert.deepEqual(splitAnswer(""), { paragraphs: [], source: null });
    assert.deepEqual(splitAnswer(" \n\n \n"), { paragraphs: [], source: null });
  });

  test("SOURCE_PREFIX is the Danish source label", () => {
    assert.equal(SOURCE_PREFIX, "Kilde:");
  });
});

describe("isFeedbackPrompt", () => {
  const thumbs = [
    { title: "👍", payload: "/feedback_positive" },
    { title: "👎", payload: '/feedback_negative{"x":1}' },
  ];

  test("a bot message whose buttons are all feedback buttons", () => {
    assert.equal(isFeedbackPrompt({ from: "bot", text: "Hjalp svaret?", buttons: thumbs }), true);
  });

  test("not for the user, without buttons, or with any other button", () => {
    assert.equal(isFeedbackPrompt({ from: "user", text: "x", buttons: thumbs }), false);
    assert.equal(isFeedbackPrompt({ from: "bot", text: "x" }), false);
    assert.equal(isFeedbackPrompt({ from: "bot", text: "x", buttons: [] }), false);
    assert.equal(
      isFeedbackPrompt({ from: "bot", text: "x", buttons: [...thumbs, { title: "Mere", payload: "/more" }] }),
      false,
    );
    assert.equal(
      isFeedbackPrompt({ from: "bot", text: "x", buttons: [{ title: "x", payload: "/feedback_positively" }] }),
      false,
    );
    assert.equal(
      isFeedbackPrompt({ from: "bot", text: "x", buttons: [{ title: "x", payload: "please /feedback_positive" }] }),
      false,
    );
  });
});

describe("paragraph", () => {
  test("a <p class=lb-text> with the text linkified", () => {
    assert.equal(
      toHTML(paragraph("Se https://a.example.dk.")),
      '<p class="lb-text">Se <a href="https://a.example.dk/" target="_blank" rel="noopener noreferrer">https://a.example.dk</a>.</p>',
    );
  });

  test("another class on request; text is never markup", () => {
    assert.equal(toHTML(paragraph("<b>fed</b>", "lb-note")), '<p class="lb-note">&lt;b&gt;fed&lt;/b&gt;</p>');
  });
});

describe("sourceElement", () => {
  test("label, a colon for screen readers, and the rest of the line linkified", () => {
    const node = sourceElement("Kilde:   Ledelsesgrundlag 2024, https://intra.example.dk/lg.pdf ");
    assert.equal(
      toHTML(node),
      '<p class="lb-source">' +
        '<span class="lb-source-label">Kilde</span>' +
        '<span class="lb-sr">: </span>' +
        '<span class="lb-source-text">Ledelsesgrundlag 2024, ' +
        '<a href="https://intra.example.dk/lg.pdf" target="_blank" rel="noopener noreferrer">https://intra.example.dk/lg.pdf</a>' +
        "</span></p>",
    );
    assert.equal(node.textContent, "Kilde: Ledelsesgrundlag 2024, https://intra.example.dk/lg.pdf");
  });
});

describe("quickReplies", () => {
  const buttons = [
    { title: "Niveau 1", payload: "/choose_level{\"level\":1}" },
    { title: "<Niveau 2>", payload: "/choose_level{\"level\":2}" },
  ];

  test("a labelled group of buttons, one per reply, titles as text", () => {
    const group = quickReplies(buttons, () => {});
    assert.equal(group.tagName, "DIV");
    assert.equal(group.className, "lb-quick");
    assert.equal(group.getAttribute("role"), "group");
    assert.equal(group.getAttribute("aria-label"), "Svarmuligheder");
    assert.equal(group.children.length, 2);
    for (const [i, button] of group.children.entries()) {
      assert.equal(button.tagName, "BUTTON");
      assert.equal(button.getAttribute("type"), "button");
      assert.equal(button.className, "lb-chip");
      assert.equal(button.textContent, buttons[i].title);
    }
    assert.equal(toHTML(group.children[1]), '<button type="button" class="lb-chip">&lt;Niveau 2&gt;</button>');
  });

  test("a click hands that button's reply to the callback", () => {
    const chosen = [];
    const group = quickReplies(buttons, (b) => chosen.push(b));
    group.children[1].click();
    group.children[0].click();
    assert.deepEqual(chosen, [buttons[1], buttons[0]]);
  });

  test("another class on request; no buttons give an empty group", () => {
    const group = quickReplies([], () => {}, "lb-quick lb-examples");
    assert.equal(group.className, "lb-quick lb-examples");
    assert.equal(group.children.length, 0);
  });
});

// --- structure of bot messages (rendering only: the text stays what every channel gets) ---------------------

describe("paragraphBlocks", () => {
  test("runs of '• ' lines are one list; the lines between them stay text (several lines one block)", () => {
    assert.deepEqual(paragraphBlocks("Det indebærer:\n• at lytte\n• at spørge\nOg mere:\nlinje\n• til sidst"), [
      { kind: "text", text: "Det indebærer:" },
      { kind: "list", items: ["at lytte", "at spørge"] },
      { kind: "text", text: "Og mere:\nlinje" },
      { kind: "list", items: ["til sidst"] },
    ]);
  });

  test("only '• ' with text after it is a list item: '•' alone, '•x' or a bullet inside a line stay text", () => {
    assert.deepEqual(paragraphBlocks("•\n•x\nse • her\n•   "), [{ kind: "text", text: "•\n•x\nse • her\n•   " }]);
  });

  test("items are trimmed", () => {
    assert.deepEqual(paragraphBlocks("•   a  \n• b"), [{ kind: "list", items: ["a", "b"] }]);
  });
});

describe("messageBlocks", () => {
  test("an answer: its first line is the title, bullets a list, the Kilde: line the source", () => {
    const text =
      "RELATIONERNE (Glostrup Kommune)\n\nJeg involverer\n\nDet indebærer, at jeg:\n\n• delegerer\n• viser tillid\n\nKilde: Ledelsesgrundlag";
    assert.deepEqual(messageBlocks(text), {
      blocks: [
        { kind: "title", text: "RELATIONERNE (Glostrup Kommune)" },
        { kind: "text", text: "Jeg involverer" },
        { kind: "text", text: "Det indebærer, at jeg:" },
        { kind: "list", items: ["delegerer", "viser tillid"] },
      ],
      source: "Kilde: Ledelsesgrundlag",
    });
  });

  test("a quoted passage: not bold; its title is on the Fra: line", () => {
    assert.deepEqual(messageBlocks("»Citat«\n\nFra: Tillid (KL)\n\nKilde: Dok, s. 3"), {
      blocks: [
        { kind: "text", text: "»Citat«" },
        { kind: "from", text: "Tillid (KL)" },
      ],
      source: "Kilde: Dok, s. 3",
    });
  });

  test("a line that leads a list is its title, in the same paragraph or the one before", () => {
    assert.deepEqual(messageBlocks("Felterne i X:\n• A\n• B").blocks, [
      { kind: "title", text: "Felterne i X:" },
      { kind: "list", items: ["A", "B"] },
    ]);
    assert.deepEqual(messageBlocks("Pejlemærkerne i X:\n\n• A").blocks, [
      { kind: "title", text: "Pejlemærkerne i X:" },
      { kind: "list", items: ["A"] },
    ]);
  });

  test("plain replies have no title: small talk, a question before a list, a title without body", () => {
    assert.deepEqual(messageBlocks("Tak for tilbagemeldingen!").blocks, [{ kind: "text", text: "Tak for tilbagemeldingen!" }]);
    assert.deepEqual(messageBlocks("Hej\nmed dig").blocks, [{ kind: "text", text: "Hej\nmed dig" }]);
    assert.deepEqual(messageBlocks("Vi taler om\n\nnoget andet").blocks, [
      { kind: "text", text: "Vi taler om" },
      { kind: "text", text: "noget andet" },
    ]);
    assert.deepEqual(messageBlocks("Kun en titel\n\nKilde: x").blocks, [{ kind: "text", text: "Kun en titel" }]);
  });

  test("an answer whose first paragraph has more lines: only the first line is the title", () => {
    assert.deepEqual(messageBlocks("Titel (KL)\nundertitel\n\nbrødtekst\n\nKilde: x").blocks, [
      { kind: "title", text: "Titel (KL)" },
      { kind: "text", text: "undertitel" },
      { kind: "text", text: "brødtekst" },
    ]);
  });

  test("Fra: only as a paragraph of its own line; the prefixes are the Danish labels", () => {
    assert.deepEqual(messageBlocks("Fra: a\nb").blocks, [{ kind: "text", text: "Fra: a\nb" }]);
    assert.deepEqual([FROM_PREFIX, BULLET], ["Fra:", "• "]);
  });
});

describe("messageElements", () => {
  test("DOM for an answer: bold title, <ul><li> with the bullet hidden from screen readers, the source", () => {
    const { nodes, source } = messageElements("Titel (KL)\n\nTekst\n\n• <b>a</b>\n• https://a.example.dk\n\nKilde: Dok");
    assert.equal(source, "Kilde: Dok");
    assert.equal(
      nodes.map(toHTML).join(""),
      '<p class="lb-text lb-title-line">Titel (KL)</p>' +
        '<p class="lb-text">Tekst</p>' +
        '<ul class="lb-list" role="list">' +
        '<li><span class="lb-bullet" aria-hidden="true">• </span>&lt;b&gt;a&lt;/b&gt;</li>' +
        '<li><span class="lb-bullet" aria-hidden="true">• </span>' +
        '<a href="https://a.example.dk/" target="_blank" rel="noopener noreferrer">https://a.example.dk</a></li>' +
        "</ul>" +
        '<p class="lb-source"><span class="lb-source-label">Kilde</span><span class="lb-sr">: </span>' +
        '<span class="lb-source-text">Dok</span></p>',
    );
  });

  test("the text of the elements is the bot's text, paragraph by paragraph and line by line", () => {
    const text = "Titel (KL)\n\n»Citat«\n\nFra: T (KL)\n\nDet indebærer:\n• a\n• b\n\nKilde: Dok";
    const { nodes } = messageElements(text);
    const lines = nodes.flatMap((n) => (n.tagName === "UL" ? n.children.map((li) => li.textContent) : [n.textContent]));
    assert.deepEqual(lines, ["Titel (KL)", "»Citat«", "Fra: T (KL)", "Det indebærer:", "• a", "• b", "Kilde: Dok"]);
  });
});

describe("list and fromElement", () => {
  test("list: one <li> per item, each the bullet and the linkified text", () => {
    const node = list(["en", "to"]);
    assert.equal(node.tagName, "UL");
    assert.deepEqual(node.children.map((li) => li.textContent), ["• en", "• to"]);
  });

  test("fromElement: a label and the rest, with a colon for screen readers", () => {
    assert.equal(
      toHTML(fromElement("Tillid <i>(KL)</i>")),
      '<p class="lb-from"><span class="lb-from-label">Fra</span><span class="lb-sr">: </span>' +
        '<span class="lb-from-text">Tillid &lt;i&gt;(KL)&lt;/i&gt;</span></p>',
    );
  });
});

describe("icon", () => {
  test("an SVG made with createElementNS, hidden from screen readers and not focusable", () => {
    const svg = icon("thumbUp");
    assert.equal(svg.namespaceURI, SVG_NS);
    assert.equal(svg.tagName, "svg");
    assert.equal(svg.getAttribute("aria-hidden"), "true");
    assert.equal(svg.getAttribute("focusable"), "false");
    assert.equal(svg.children.length, 1);
    assert.equal(svg.children[0].namespaceURI, SVG_NS);
    assert.match(svg.children[0].getAttribute("d"), /^M[\d .,a-zA-Z-]+$/);
  });
});

describe("feedback", () => {
  const prompt = [
    { title: "👍 Ja", payload: "/feedback_positive" },
    { title: "👎 Nej", payload: "/feedback_negative" },
  ];

  test("feedbackLabel: the word without the emoji; a bare emoji gets Ja/Nej from its payload", () => {
    assert.deepEqual(prompt.map(feedbackLabel), ["Ja", "Nej"]);
    assert.equal(feedbackLabel({ title: "👍", payload: "/feedback_positive" }), "Ja");
    assert.equal(feedbackLabel({ title: "👎", payload: "/feedback_negative" }), "Nej");
    assert.equal(feedbackLabel({ title: "Nej tak", payload: "/feedback_negative" }), "Nej tak");
  });

  test("isNegativeFeedback: the /feedback_negative payload, with or without entities", () => {
    assert.equal(isNegativeFeedback(prompt[1]), true);
    assert.equal(isNegativeFeedback({ title: "x", payload: '/feedback_negative{"a":1}' }), true);
    assert.equal(isNegativeFeedback(prompt[0]), false);
  });

  test("feedbackButtons: an SVG thumb and the visible word, no emoji; a click hands back the button", () => {
    const chosen = [];
    const group = feedbackButtons(prompt, (b, node) => chosen.push([b, node]));
    assert.equal(group.getAttribute("role"), "group");
    const [yes, no] = group.children;
    assert.equal(yes.className, "lb-chip lb-vote lb-yes");
    assert.equal(no.className, "lb-chip lb-vote lb-no");
    assert.deepEqual(group.children.map((b) => b.textContent), ["Ja", "Nej"]);
    assert.deepEqual(group.children.map((b) => b.children[0].namespaceURI), [SVG_NS, SVG_NS]);
    no.click();
    assert.deepEqual(chosen, [[prompt[1], no]]);
  });

  test("commentForm: a labelled box and Send; submit and Enter hand over the trimmed text, Shift+Enter does not", () => {
    const sent = [];
    const form = commentForm("lederbot-comment-1", (text) => sent.push(text));
    assert.equal(form.tagName, "FORM");
    const label = form.children[0];
    assert.equal(label.getAttribute("for"), "lederbot-comment-1");
    assert.match(label.textContent, /valgfrit/);
    assert.equal(form.box.getAttribute("id"), "lederbot-comment-1");
    assert.equal(form.box.tagName, "TEXTAREA");
    const send = form.children[1].children[1];
    assert.deepEqual([send.getAttribute("type"), send.textContent, send.getAttribute("aria-label")], ["submit", "Send", "Send kommentar"]);
    form.box.value = "  Det var den forkerte kommune \n";
    assert.equal(form.dispatch("submit").defaultPrevented, true);
    form.box.value = "";
    assert.equal(form.box.dispatch("keydown", { key: "Enter", shiftKey: false }).defaultPrevented, true);
    assert.equal(form.box.dispatch("keydown", { key: "Enter", shiftKey: true }).defaultPrevented, false);
    assert.equal(form.box.dispatch("keydown", { key: "Enter", isComposing: true }).defaultPrevented, false);
    assert.deepEqual(sent, ["Det var den forkerte kommune", ""]);
  });
});

describe("usedChoices", () => {
  const answer = {
    id: "a1",
    from: "bot",
    text: "Svar",
    buttons: [
      { title: "Niveau 1", payload: "/show_unit1" },
      { title: "Niveau 2", payload: "/show_unit2" },
    ],
  };
  const prompt = {
    id: "f1",
    from: "bot",
    text: "Hjalp svaret?",
    buttons: [
      { title: "👍 Ja", payload: "/feedback_positive" },
      { title: "👎 Nej", payload: "/feedback_negative" },
    ],
  };
  const user = (id, text, extra = {}) => ({ id, from: "user", text, ...extra });
  const plain = (map) => Object.fromEntries([...map].map(([k, v]) => [k, [...v].sort()]));

  test("a button clicked marks that button of that message, also long after it", () => {
    const entries = [
      answer,
      prompt,
      user("u1", "Ja", { payload: "/feedback_positive", replyTo: "f1" }),
      { id: "b2", from: "bot", text: "Tak" },
      user("u2", "Noget andet"),
      { id: "b3", from: "bot", text: "Svar 2", buttons: [{ title: "Niveau 1", payload: "/show_unit1" }] },
      user("u3", "Niveau 2", { payload: "/show_unit2", replyTo: "a1" }),
    ];
    assert.deepEqual(plain(usedChoices(entries)), { f1: ["/feedback_positive"], a1: ["/show_unit2"] });
  });

  test("without replyTo (history of an older widget): the nearest earlier message with such a button", () => {
    const later = { id: "b3", from: "bot", text: "Svar 2", buttons: [{ title: "Niveau 1", payload: "/show_unit1" }] };
    const entries = [answer, later, user("u1", "Niveau 1", { payload: "/show_unit1" })];
    assert.deepEqual(plain(usedChoices(entries)), { b3: ["/show_unit1"] });
  });

  test("a comment sent for a feedback prompt counts as its Nej; other typed text marks nothing", () => {
    const entries = [answer, prompt, user("u1", "Det var den forkerte kommune", { replyTo: "f1" }), user("u2", "hej")];
    assert.deepEqual(plain(usedChoices(entries)), { f1: ["/feedback_negative"] });
  });

  test("a replyTo to an unknown message, a later one or a user message marks nothing", () => {
    const entries = [
      user("u0", "x", { replyTo: "zz" }),
      user("u1", "Niveau 1", { payload: "/show_unit1", replyTo: "a1" }),
      answer,
      user("u2", "y", { replyTo: "u0" }),
      user("u3", "Niveau 9", { payload: "/nope", replyTo: "a1" }),
    ];
    assert.deepEqual(plain(usedChoices(entries)), {});
  });
});

describe("staleFeedback", () => {
  const prompt = (id) => ({
    id,
    from: "bot",
    text: "Hjalp svaret?",
    buttons: [
      { title: "Ja", payload: "/feedback_positive" },
      { title: "Nej", payload: "/feedback_negative" },
    ],
  });

  test("a prompt is stale once the leader sent something else after it (its own Ja/Nej/comment does not count)", () => {
    const entries = [
      { id: "a1", from: "bot", text: "Svar" },
      prompt("f1"),
      { id: "u1", from: "user", text: "Ja", payload: "/feedback_positive", replyTo: "f1" },
      { id: "t1", from: "bot", text: "Tak" },
      prompt("f2"),
      { id: "u2", from: "user", text: "Næste spørgsmål" },
      prompt("f3"),
    ];
    assert.deepEqual([...staleFeedback(entries)], ["f1", "f2"]);
    assert.deepEqual([...staleFeedback(entries.slice(0, 5))], []); // answered f1, then f2 as the latest
  });

  test("the latest prompt, and messages that are not prompts, are never stale", () => {
    assert.deepEqual([...staleFeedback([prompt("f1"), { id: "b", from: "bot", text: "x" }])], []);
    assert.deepEqual([...staleFeedback([{ id: "b", from: "bot", text: "x" }, { id: "u", from: "user", text: "y" }])], []);
  });
});

describe("scrolling", () => {
  test("scrollTarget: an answer taller than the view starts `gap` px below the top", () => {
    assert.equal(scrollTarget({ rowTop: 1000, scrollHeight: 2500, viewHeight: 500 }), 992);
    assert.equal(scrollTarget({ rowTop: 1000, scrollHeight: 2500, viewHeight: 500, gap: 0 }), 1000);
  });

  test("scrollTarget: when the rest of the log fits, the end; never below 0", () => {
    assert.equal(scrollTarget({ rowTop: 1000, scrollHeight: 1300, viewHeight: 500 }), 800);
    assert.equal(scrollTarget({ rowTop: 4, scrollHeight: 2000, viewHeight: 500 }), 0);
    assert.equal(scrollTarget({ rowTop: 100, scrollHeight: 300, viewHeight: 500 }), 0);
  });

  test("atEnd: within `slack` px of the end", () => {
    assert.equal(atEnd({ scrollTop: 500, scrollHeight: 1000, viewHeight: 500 }), true);
    assert.equal(atEnd({ scrollTop: 480, scrollHeight: 1000, viewHeight: 500 }), true);
    assert.equal(atEnd({ scrollTop: 470, scrollHeight: 1000, viewHeight: 500 }), false);
    assert.equal(atEnd({ scrollTop: 0, scrollHeight: 300, viewHeight: 500 }), true);
  });
});

describe("wrapFocus", () => {
  test("Tab on the last goes to the first, Shift+Tab on the first to the last", () => {
    assert.equal(wrapFocus(4, 5, false), 0);
    assert.equal(wrapFocus(0, 5, true), 4);
  });

  test("in between the browser moves focus itself (-1)", () => {
    assert.equal(wrapFocus(2, 5, false), -1);
    assert.equal(wrapFocus(2, 5, true), -1);
    assert.equal(wrapFocus(0, 5, false), -1);
    assert.equal(wrapFocus(4, 5, true), -1);
  });

  test("focus on none of them: to the first (Tab) or the last (Shift+Tab); nothing focusable: -1", () => {
    assert.equal(wrapFocus(-1, 3, false), 0);
    assert.equal(wrapFocus(-1, 3, true), 2);
    assert.equal(wrapFocus(-1, 0, false), -1);
    assert.equal(wrapFocus(0, 1, false), 0);
  });
});

describe("formatTime and launcherName", () => {
  const at = (y, m, d, h, min) => new Date(y, m - 1, d, h, min).getTime();

  test("today only the time, another day the date too; no time for 0", () => {
    const now = at(2026, 3, 5, 18, 0);
    assert.match(formatTime(at(2026, 3, 5, 9, 7), now), /^kl\. 09[.:]07$/);
    assert.match(formatTime(at(2026, 3, 4, 23, 59), now), /^4\. mar\.? kl\. 23[.:]59$/);
    assert.equal(formatTime(0, now), "");
  });

  test("the launcher's name counts unread answers in Danish", () => {
    assert.equal(launcherName("Spørg lederassistenten", 0), "Spørg lederassistenten");
    assert.equal(launcherName("Spørg lederassistenten", 1), "Spørg lederassistenten (1 nyt svar)");
    assert.equal(launcherName("Spørg lederassistenten", 3), "Spørg lederassistenten (3 nye svar)");
  });
});
