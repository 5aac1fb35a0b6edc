/* HR-værkstedet: live validation and the preview while typing, "Spørg botten" without reloading, and a
   confirmation before publishing or rolling back. Everything works without this file too. Text is always
   set with textContent, never as HTML. */
(function () {
  "use strict";
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().then(function (body) { body.status = response.status; return body; });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderMessages(target, messages) {
    target.replaceChildren();
    var chat = el("div", "chat");
    messages.forEach(function (message) {
      var bubble = el("div", "bubble");
      bubble.appendChild(el("p", "bubble-text", message.text));
      if (message.buttons && message.buttons.length) {
        var chips = el("ul", "chips");
        message.buttons.forEach(function (title) { chips.appendChild(el("li", "", title)); });
        bubble.appendChild(chips);
      }
      chat.appendChild(bubble);
    });
    target.appendChild(chat);
  }

  function fieldsOf(form) {
    var data = {};
    new FormData(form).forEach(function (value, key) { if (key !== "csrf_token") { data[key] = value; } });
    return data;
  }

  function showProblems(form, problems) {
    form.querySelectorAll("[data-problems-for]").forEach(function (slot) { slot.replaceChildren(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    var general = document.getElementById("unit-problems");
    general.replaceChildren();
    var rest = [];
    problems.forEach(function (problem) {
      var slot = problem.field && form.querySelector('[data-problems-for="' + problem.field + '"]');
      if (slot) {
        slot.appendChild(el("p", "problem", problem.text));
        var input = form.querySelector('[name="' + problem.field + '"]');
        if (input) { input.setAttribute("aria-invalid", "true"); }
      } else {
        rest.push(problem.text);
      }
    });
    if (rest.length) {
      var box = el("div", "flash flash-error");
      var list = el("ul", "problems");
      rest.forEach(function (text) { list.appendChild(el("li", "", text)); });
      box.appendChild(list);
      general.appendChild(box);
    }
  }

  var form = document.getElementById("unit-form");
  if (form && form.dataset.checkUrl) {
    var timer = null;
    var status = document.getElementById("check-status");
    var preview = document.getElementById("preview");
    var run = function () {
      status.textContent = "Tjekker …";
      post(form.dataset.checkUrl, fieldsOf(form)).then(function (body) {
        if (body.error) { status.textContent = body.error; return; }
        showProblems(form, body.problems || []);
        status.textContent = body.ok ? "Ingen fejl. Husk at gemme." :
          "Der er " + body.problems.length + " fejl (se ved felterne).";
        if (body.preview) { renderMessages(preview, body.preview); }
        else { preview.replaceChildren(el("p", "flash flash-error", "Forhåndsvisningen kræver, at fejlene er rettet.")); }
      }).catch(function () { status.textContent = "Tjekket kunne ikke køre. Gem for at se fejlene."; });
    };
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 700);
    });
  }

  var ask = document.getElementById("ask-form");
  if (ask && ask.dataset.api) {
    ask.addEventListener("submit", function (event) {
      event.preventDefault();
      var answer = document.getElementById("ask-answer");
      var question = ask.querySelector('[name="question"]').value;
      answer.replaceChildren(el("p", "muted", "Botten tænker …"));
      post(ask.dataset.api, { question: question }).then(function (body) {
        if (body.error) { answer.replaceChildren(el("p", "flash flash-error", body.error)); return; }
        var holder = el("div");
        renderMessages(holder, body.messages);
        answer.replaceChildren(el("p", "muted", "Svar på »" + body.question + "«:"), holder);
      }).catch(function () { ask.submit(); });
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (confirmForm) {
    confirmForm.addEventListener("submit", function (event) {
      if (!window.confirm(confirmForm.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
