// A minimal hand-written stand-in for the browser's `document`: just what src/render.js uses (elements, SVG
// elements, text nodes, fragments, attributes, append, event listeners). It has no HTML parser at all – setting innerHTML
// throws – so a test passing here shows render.js put the bot's text in the page as text only.

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
const FRAGMENT_NODE = 11;
const HTML_NS = "http://www.w3.org/1999/xhtml";

class FakeNode {
  constructor(nodeType) {
    this.nodeType = nodeType;
    this.parentNode = null;
    this.childNodes = [];
  }

  append(...nodes) {
    for (const node of nodes) {
      const child = typeof node === "string" ? new FakeText(node) : node;
      if (child.nodeType === FRAGMENT_NODE) {
        // Like the DOM: appending a fragment moves its children and leaves it empty.
        const moved = child.childNodes;
        child.childNodes = [];
        this.append(...moved);
        continue;
      }
      if (child.parentNode) child.parentNode.childNodes = child.parentNode.childNodes.filter((n) => n !== child);
      child.parentNode = this;
      this.childNodes.push(child);
    }
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join("");
  }

  get children() {
    return this.childNodes.filter((n) => n.nodeType === ELEMENT_NODE);
  }
}

class FakeText extends FakeNode {
  constructor(data) {
    super(TEXT_NODE);
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }
}

class FakeFragment extends FakeNode {
  constructor() {
    super(FRAGMENT_NODE);
  }
}

class FakeElement extends FakeNode {
  constructor(tag, namespaceURI = HTML_NS) {
    super(ELEMENT_NODE);
    this.namespaceURI = namespaceURI;
    // Like the DOM: HTML tag names upper case, SVG ones as written.
    this.tagName = namespaceURI === HTML_NS ? tag.toUpperCase() : tag;
    this.attributes = new Map();
    this.listeners = new Map();
  }

  get className() {
    return this.getAttribute("class") || "";
  }

  set className(value) {
    this.setAttribute("class", value);
  }

  get textContent() {
    return super.textContent;
  }

  set textContent(value) {
    for (const child of this.childNodes) child.parentNode = null;
    this.childNodes = [];
    if (value !== "" && value !== null && value !== undefined) this.append(new FakeText(value));
  }

  set innerHTML(value) {
    throw new Error(`render.js must not parse HTML (innerHTML was set to ${JSON.stringify(String(value))})`);
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
  }

  // Fires the listeners of `type`; returns the event (its defaultPrevented says whether one called preventDefault).
  dispatch(type, props = {}) {
    const event = {
      type,
      target: this,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
      ...props,
    };
    for (const listener of this.listeners.get(type) || []) listener(event);
    return event;
  }

  click() {
    this.dispatch("click");
  }
}

export const fakeDocument = {
  createElement: (tag) => new FakeElement(tag),
  createElementNS: (ns, tag) => new FakeElement(tag, ns),
  createTextNode: (data) => new FakeText(data),
  createDocumentFragment: () => new FakeFragment(),
};

export function installFakeDocument() {
  globalThis.document = fakeDocument;
}

export { TEXT_NODE, ELEMENT_NODE, FRAGMENT_NODE };

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The node as HTML (attributes in the order set), text escaped like a browser's serializer: for assertions.
export function toHTML(node) {
  if (node.nodeType === TEXT_NODE) return escape(node.data);
  const inner = node.childNodes.map(toHTML).join("");
  if (node.nodeType === FRAGMENT_NODE) return inner;
  const tag = node.tagName.toLowerCase();
  const attrs = [...node.attributes].map(([k, v]) => ` ${k}="${escape(v)}"`).join("");
  return `<${tag}${attrs}>${inner}</${tag}>`;
}
