// How a bot message's text and buttons become DOM (src/render.js), on the fake document of fake-dom.mjs.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import {
  SOURCE_PREFIX,
  el,
  isFeedbackPrompt,
  linkify,
  paragraph,
  quickReplies,
  sourceElement,
  splitAnswer,
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
