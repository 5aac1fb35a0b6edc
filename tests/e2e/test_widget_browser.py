"""The intranet web-chat widget in a real browser (headless Chromium via Selenium + /usr/bin/chromedriver).

The demo intranet page (tools/widget_demo.py, started by scripts/run.sh on DEMO_PORT) is a different origin than
Rasa, like a real intranet page; the widget talks to Rasa's socket.io channel. One browser for the module;
tests that need a fresh conversation clear the page's storage first. `make rasa-test` builds the widget
(`make widget`) and installs Chromium (scripts/chromium.sh) first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningBot
from tests.e2e.browser import chromium

pytestmark = pytest.mark.rasa

QUESTION = "Hvad forventes af en niveau 2 leder om økonomistyring?"
OFFLINE_TEXT = "Forbindelsen er afbrudt – prøver igen …"
ROOT_JS = "document.getElementById('lederbot-widget').shadowRoot"


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo_url(rasa_bot: RunningBot) -> str:
    return f"http://localhost:{int(rasa_bot.env.get('DEMO_PORT', '8080'))}/"


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


class Page:
    """The demo page with the widget; everything of the widget is inside its (open) shadow root."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        self.url = url

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, condition: Callable[[], Any], message: str, timeout: float = 30) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda _d: condition(), message)

    def load(self, fresh: bool = False) -> None:
        self.driver.get(self.url)
        if fresh:
            self.js("localStorage.clear(); sessionStorage.clear();")
            self.driver.get(self.url)
        self.wait(lambda: self.js("return !!(window.Lederbot && window.Lederbot.connected)"),
                  "the widget did not connect to Rasa's socket.io channel")

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, "lederbot-widget").shadow_root.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, "lederbot-widget").shadow_root.find_elements(By.CSS_SELECTOR, css)

    def keys(self, *keys: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(*keys).perform()

    def focused(self) -> str:
        """The focused element inside the widget, as "tag#id.class", or "" if focus is outside it."""
        return str(self.js("""
            const host = document.getElementById('lederbot-widget');
            if (document.activeElement !== host) return '';
            const el = host.shadowRoot.activeElement;
            return el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className : '';
        """))

    def log_text(self) -> str:
        return squash(self.find(".lb-log").text)

    def history(self) -> list[dict[str, Any]]:
        return list(self.js("return Lederbot.history()"))

    def open(self) -> None:
        if self.find(".lb-launcher").get_attribute("aria-expanded") != "true":
            self.find(".lb-launcher").click()
        self.wait(lambda: self.find(".lb-panel").is_displayed(), "panel did not open")

    def ask(self, text: str) -> None:
        box = self.find("#lederbot-input")
        box.click()
        box.send_keys(text)
        self.keys("\ue007")  # Enter

    def wait_for_text(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: squash(text) in self.log_text(), f"{text!r} not shown in the chat", timeout)

    def wait_for_reply(self, entries_before: int) -> None:
        """Until the bot has answered the last question (its "Hjalp svaret?" or any reply after it)."""
        self.wait(lambda: any(e["from"] == "bot" for e in self.history()[entries_before:]), "no reply")
        self.wait(lambda: self.find(".lb-typing").get_attribute("hidden") is not None, "typing indicator stays")


@pytest.fixture(scope="module")
def page(driver: Any, demo_url: str) -> Page:
    return Page(driver, demo_url)


def rasa_tracker(bot: RunningBot, sender: str) -> dict[str, Any]:
    return bot.tracker(sender)


def test_keyboard_question_gets_the_real_answer_with_source(page: Page, repository) -> None:
    page.load(fresh=True)
    # Welcome message with example questions as buttons, before anything is asked.
    assert page.find(".lb-panel").get_attribute("hidden") is not None
    # Keyboard only: Tab through the intranet page to the chat bubble, Enter opens it with focus in the input.
    for _ in range(60):
        page.keys("\ue004")  # Tab
        if page.focused().startswith("button.lb-launcher"):
            break
    else:
        pytest.fail("Tab never reached the chat bubble")
    page.keys("\ue007")  # Enter
    page.wait(lambda: page.focused() == "textarea#lederbot-input.lb-input", "focus did not move to the input")
    assert page.find(".lb-launcher").get_attribute("aria-expanded") == "true"
    welcome = page.find(".lb-welcome")
    assert "Hej! Jeg er lederassistenten" in welcome.text
    assert QUESTION in [b.text for b in welcome.find_elements("css selector", "button.lb-chip")]

    page.js(f"""
        window.__typingSeen = false;
        const typing = {ROOT_JS}.querySelector('.lb-typing');
        new MutationObserver(() => {{ if (!typing.hidden) window.__typingSeen = true; }})
          .observe(typing, {{attributes: true, attributeFilter: ['hidden']}});
    """)
    page.keys(QUESTION, "\ue007")
    page.wait_for_text(repository.get("kalundborg.drift.oekonomistyring.niveau-2").text)
    page.wait_for_reply(1)
    assert page.js("return window.__typingSeen") is True, "no typing indicator while waiting"

    answer = page.find_all(".lb-row.lb-bot")[-1]
    assert "Differentieret og proaktiv økonomistyring – Niveau 2 (Kalundborg Kommune)" in answer.text
    # The "Kilde:" line is its own element, not part of the answer text.
    source = answer.find_element("css selector", ".lb-source")
    assert squash(source.text).startswith("KILDE Kalundborg Kommunes ledelses- og styringsgrundlag")
    assert source.get_attribute("textContent").startswith("Kilde: Kalundborg Kommunes ledelses- og styringsgrundlag")
    assert not [p for p in answer.find_elements("css selector", "p.lb-text") if "Kilde:" in p.text]
    # Quick replies from the answer, and the quieter "Hjalp svaret?" prompt: an SVG thumb and the word (no emoji
    # font needed; the bot's titles are "👍 Ja"/"👎 Nej").
    assert "Niveau 1" in [b.text for b in answer.find_elements("css selector", ".lb-quick button")]
    feedback = page.find(".lb-row.lb-feedback")
    assert "Hjalp svaret?" in feedback.text
    assert [b.text for b in feedback.find_elements("css selector", "button")] == ["Ja", "Nej"]
    assert page.js(f"""return [...{ROOT_JS}.querySelectorAll('.lb-feedback button')].map(b =>
        b.querySelector('svg path') !== null && b.querySelector('svg').getAttribute('aria-hidden') === 'true'
        && !/[\\u{{1F44D}}\\u{{1F44E}}]/u.test(b.textContent))""") == [True, True]
    assert page.js(
        f"const r = {ROOT_JS}; return parseFloat(getComputedStyle(r.querySelector('.lb-feedback .lb-bubble')).fontSize)"
        " < parseFloat(getComputedStyle(r.querySelector('.lb-bot .lb-text')).fontSize)")


def chips(row: Any) -> list[tuple[str, bool, bool]]:
    """The buttons of a message row as (title, enabled, marked as used); the title without the hidden "(valgt)"."""
    return [(b.get_attribute("textContent").replace(" (valgt)", "").strip(), b.is_enabled(),
             "lb-used" in (b.get_attribute("class") or "").split())
            for b in row.find_elements("css selector", ".lb-quick button")]


def test_each_answer_keeps_its_buttons_and_marks_the_used_one(page: Page, repository) -> None:
    """Feedback and a new answer remove no buttons: the answer keeps them, the one used is disabled and marked."""
    page.open()
    first_id = page.find_all(".lb-row.lb-bot")[-1].get_attribute("data-id")
    first = page.find(f'.lb-row[data-id="{first_id}"]')
    offered = chips(first)
    assert ("Niveau 1", True, False) in offered
    # 👍 first: sent, thanked, and the answer above keeps all its buttons.
    before = len(page.history())
    page.find(".lb-feedback .lb-vote.lb-yes").click()
    page.wait_for_text("Tak for tilbagemeldingen!")
    page.wait_for_reply(before)
    assert [e for e in page.history() if e["from"] == "user"][-1]["payload"] == "/feedback_positive"
    assert chips(first) == offered
    assert chips(page.find(".lb-row.lb-feedback")) == [("Ja", False, True), ("Nej", False, False)]

    before = len(page.history())
    next(b for b in first.find_elements("css selector", ".lb-quick button") if b.text == "Niveau 1").click()
    page.wait_for_text(repository.get("kalundborg.drift.oekonomistyring.niveau-1").text)
    page.wait_for_reply(before)
    asked = [e for e in page.history() if e["from"] == "user"][-1]
    assert (asked["text"], asked["replyTo"]) == ("Niveau 1", first_id)
    # The first answer still has its buttons: "Niveau 1" used (disabled, marked, "(valgt)" for screen readers).
    marked = chips(first)
    assert [t for t, _, _ in marked] == [t for t, _, _ in offered]
    assert ("Niveau 1", False, True) in marked
    assert all(enabled and not used for t, enabled, used in marked if t != "Niveau 1")
    assert "Niveau 1 (valgt)" in [b.get_attribute("textContent") for b in first.find_elements("css selector", "button")]
    latest = page.find_all(".lb-row.lb-bot")[-1]
    assert ("Niveau 2", True, False) in chips(latest)
    assert page.focused() == "textarea#lederbot-input.lb-input"


def test_reload_keeps_history_and_sender_id(page: Page, rasa_bot: RunningBot, repository) -> None:
    sender = page.js("return Lederbot.sessionId")
    shown = page.log_text()
    page.load()
    page.open()  # the panel was open before the reload: it opens again
    assert page.js("return Lederbot.sessionId") == sender
    assert page.log_text() == shown
    assert repository.get("kalundborg.drift.oekonomistyring.niveau-1").text in page.log_text()
    # Rasa knows the same conversation under that sender id.
    questions = [e.get("text") for e in rasa_tracker(rasa_bot, sender)["events"] if e.get("event") == "user"]
    assert QUESTION in questions
    # The used buttons are still marked after the reload.
    assert chips(page.find_all(".lb-row.lb-bot")[0])[0] == ("Niveau 1", False, True)
    assert chips(page.find_all(".lb-row.lb-feedback")[0]) == [("Ja", False, True), ("Nej", False, False)]


def test_second_tab_shows_and_shares_the_conversation(page: Page, repository) -> None:
    driver = page.driver
    first_tab = driver.current_window_handle
    first_text = page.log_text()
    sender = page.js("return Lederbot.sessionId")
    driver.switch_to.new_window("tab")
    try:
        page.load()
        page.open()
        assert page.js("return Lederbot.sessionId") == sender
        assert page.log_text() == first_text
        before = len(page.history())
        page.ask("Hvor længe bør et ledernetværk køre?")
        answer = repository.get("netvaerk.gryden.genstart")
        page.wait_for_text(answer.text or answer.items[0])
        page.wait_for_reply(before)
        second_text = page.log_text()
    finally:
        driver.close()
        driver.switch_to.window(first_tab)
    # The first tab follows (storage event), each message once.
    page.wait(lambda: page.log_text() == second_text, "the first tab did not get the second tab's conversation")
    assert page.log_text().count("Hvor længe bør et ledernetværk køre?") == 1


def test_user_html_is_shown_as_text_and_not_run(page: Page) -> None:
    page.load(fresh=True)
    page.open()
    for attack in ('<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=1</script>"):
        before = len(page.history())
        page.ask(attack)
        page.wait_for_text(attack)
        page.wait_for_reply(before)
    bubbles = [squash(b.text) for b in page.find_all(".lb-user .lb-text")]
    assert bubbles == ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=1</script>"]
    assert page.js("return typeof window.__pwned") == "undefined"
    assert page.js(f"return {ROOT_JS}.querySelectorAll('.lb-log img, .lb-log script').length") == 0


def test_bot_html_is_shown_as_text_and_links_are_safe(page: Page) -> None:
    """The bot never echoes user text, so this calls the widget's real bot_uttered handler (Lederbot.receive,
    the function the socket.io event calls) with a reply that contains HTML."""
    page.load(fresh=True)
    page.open()
    page.js("""Lederbot.receive({
        text: 'Svar <img src=x onerror="window.__pwned=2"> og <script>window.__pwned=3<\\/script>',
        quick_replies: []});
      Lederbot.receive({
        text: 'Se https://intra.example.dk/leder?a=1&b=2. Ikke javascript:window.__pwned=5',
        quick_replies: [{title: '<b onmouseover="window.__pwned=4">fed</b>', payload: '/x'}]});
      Lederbot.receive({text: 'Kilde: <i>Dokument</i> · Afsnit, s. 3'});""")
    page.wait_for_text('Svar <img src=x onerror="window.__pwned=2"> og <script>window.__pwned=3</script>')
    page.wait(lambda: page.find_all(".lb-source"), "no source line")
    assert page.find(".lb-source").get_attribute("textContent") == "Kilde: <i>Dokument</i> · Afsnit, s. 3"
    button = next(b for b in page.find_all(".lb-quick button") if "fed" in b.text)
    assert button.text == '<b onmouseover="window.__pwned=4">fed</b>'
    link = page.find(".lb-log a")
    assert link.get_attribute("href") == "https://intra.example.dk/leder?a=1&b=2"
    assert link.text == "https://intra.example.dk/leder?a=1&b=2"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    assert len(page.find_all(".lb-log a")) == 1  # javascript: is not a link
    assert page.js("return typeof window.__pwned") == "undefined"
    tags = "img, script, b, i"
    assert page.js(f"return {ROOT_JS}.querySelector('.lb-log').querySelectorAll('{tags}').length") == 0


def test_reconnects_after_a_dropped_connection(page: Page, repository) -> None:
    page.load(fresh=True)
    page.open()
    page.ask(QUESTION)
    page.wait_for_text(repository.get("kalundborg.drift.oekonomistyring.niveau-2").text)
    page.wait_for_reply(1)
    sender = page.js("return Lederbot.sessionId")
    earlier = page.history()

    driver = page.driver
    driver.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    try:
        page.js("Lederbot.socket.io.engine.close()")  # the connection drops
        page.wait(lambda: page.find(".lb-status").is_displayed(), "no offline status")
        assert page.find(".lb-status").text == OFFLINE_TEXT
        before = len(page.history())
        page.ask("og niveau 1?")  # typed while offline: queued
        page.wait_for_text("Sendes, når forbindelsen er tilbage")
        assert page.history()[-1]["pending"] is True
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
    page.wait_for_text(repository.get("kalundborg.drift.oekonomistyring.niveau-1").text, timeout=45)
    page.wait_for_reply(before)
    assert not page.find(".lb-status").is_displayed()
    assert "Sendes, når forbindelsen er tilbage" not in page.log_text()
    # The conversation before the drop is intact, on screen and stored.
    assert page.history()[: len(earlier)] == earlier
    # (an answer's paragraphs are separate <p> elements, so compare without whitespace)
    content = "".join(page.find(".lb-log").get_attribute("textContent").split())
    assert all("".join(e["text"].split()) in content for e in earlier)
    assert page.js("return Lederbot.sessionId") == sender
    assert [e["text"] for e in page.history() if e["from"] == "user"] == [QUESTION, "og niveau 1?"]


def test_aria_and_escape_returns_focus_to_the_bubble(page: Page) -> None:
    page.load(fresh=True)
    launcher = page.find(".lb-launcher")
    assert launcher.tag_name == "button"
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.get_attribute("aria-controls") == "lederbot-panel"
    assert launcher.get_attribute("aria-label") == "Spørg lederassistenten"
    panel = page.find("#lederbot-panel")
    assert panel.get_attribute("role") == "dialog"
    assert panel.get_attribute("aria-label") == "Lederassistenten"
    log = page.find(".lb-log")
    assert (log.get_attribute("role"), log.get_attribute("aria-live")) == ("log", "polite")
    assert page.find(".lb-status").get_attribute("role") == "status"
    assert page.find("label[for=lederbot-input]").get_attribute("textContent") == "Dit spørgsmål"
    assert page.find(".lb-close").get_attribute("aria-label") == "Luk chatten"

    launcher.click()
    page.wait(lambda: page.focused() == "textarea#lederbot-input.lb-input", "focus did not move to the input")
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keys("\ue00c")  # Escape
    page.wait(lambda: page.focused() == "button.lb-launcher", "Escape did not return focus to the bubble")
    assert panel.get_attribute("hidden") is not None
    assert launcher.get_attribute("aria-expanded") == "false"
    # Visible focus: the keyboard-focused bubble has an outline.
    assert page.js(f"""const b = {ROOT_JS}.querySelector('.lb-launcher');
        return b.matches(':focus-visible') && getComputedStyle(b).outlineStyle === 'solid'""")


def test_mobile_width_panel_is_full_screen(page: Page) -> None:
    driver = page.driver
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    try:
        page.load(fresh=True)
        page.open()
        box = page.js(f"""const r = {ROOT_JS}.querySelector('.lb-panel').getBoundingClientRect();
            return {{left: r.left, top: r.top, width: r.width, height: r.height,
                     vw: document.documentElement.clientWidth, vh: window.innerHeight}}""")
        assert box["vw"] <= 480
        assert (box["left"], box["top"]) == (0, 0)
        assert box["width"] == box["vw"]
        assert box["height"] == box["vh"]
        # Closing works without the (covered) bubble: the close button, and focus goes back to the bubble.
        page.find(".lb-close").click()
        page.wait(lambda: page.focused() == "button.lb-launcher", "focus not back on the bubble")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# --- reading long answers, buttons, input, "Ny samtale", focus, feedback, lists, phone, extras -------------------

RESULTS = Path(__file__).resolve().parents[2] / "results" / "widget"
TAB, SHIFT, ENTER, ESCAPE = "\ue004", "\ue008", "\ue007", "\ue00c"
GLOSTRUP = "Hvad indebærer relationerne i Glostrup?"  # a real answer taller than a phone's view, with a list
LONG_ANSWER = "\n\n".join([
    "Et langt svar (KL)",
    "Indledningen til et svar, der er længere end panelet er højt.",
    "\n".join(f"• Punkt {i}: en linje, der er lang nok til at fylde godt op i boblen" for i in range(1, 31)),
    "Kilde: Testdokument · Afsnit",
])


def set_viewport(page: Page, width: int, height: int, mobile: bool = False) -> None:
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
                                 "mobile": mobile})


def reset_viewport(page: Page) -> None:
    page.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


@pytest.fixture
def phone(page: Page) -> Iterator[Page]:
    set_viewport(page, 375, 700, mobile=True)
    try:
        yield page
    finally:
        reset_viewport(page)


def settle(page: Page) -> None:
    """Two animation frames: scroll events and ResizeObserver callbacks have run."""
    page.driver.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));")


def in_view(page: Page, css: str) -> dict[str, float]:
    """Where the element is in the scrolling log: its top/bottom relative to the log's visible top."""
    return dict(page.js(f"""const r = {ROOT_JS}, s = r.querySelector('.lb-scroll'), n = r.querySelector(arguments[0]);
        const box = n.getBoundingClientRect(), view = s.getBoundingClientRect();
        return {{top: box.top - view.top, bottom: box.bottom - view.top, view: s.clientHeight,
                 scrollTop: s.scrollTop, end: s.scrollHeight - s.clientHeight}}""", css))


def wait_for_entries(page: Page, count: int) -> None:
    page.wait(lambda: len(page.history()) >= count, f"fewer than {count} messages")


def ask_and_wait(page: Page, question: str) -> list[dict[str, Any]]:
    """Ask, and wait for the answer and its "Hjalp svaret?" (or the one reply). Returns the new entries."""
    before = len(page.history())
    page.ask(question)
    page.wait_for_reply(before)
    page.wait(lambda: any(e["text"] == "Hjalp svaret?" for e in page.history()[before:]), "no feedback prompt")
    return page.history()[before:]


def test_a_long_answer_is_shown_from_its_first_line_and_keeps_its_place_on_resize(phone: Page) -> None:
    page = phone
    page.load(fresh=True)
    page.open()
    ask_and_wait(page, QUESTION)
    new = ask_and_wait(page, GLOSTRUP)
    answer = next(e for e in new if e["from"] == "bot" and e["text"] != "Hjalp svaret?")
    row = f'.lb-row[data-id="{answer["id"]}"]'
    settle(page)
    where = in_view(page, row)
    assert where["bottom"] - where["top"] > where["view"], "the answer must be taller than the view for this test"
    # Its first line at the top of the log, not scrolled past to the end (the feedback prompt came after it).
    assert 0 <= where["top"] <= 16, where
    assert where["scrollTop"] < where["end"] - 50
    assert page.find(".lb-title-line").is_displayed()
    assert not page.find(".lb-new").is_displayed()
    # The first answer keeps its buttons; its unanswered "Hjalp svaret?" is disabled now that the leader has moved
    # on (the bot files feedback under its latest answer), the latest one is not.
    first_answer, first_prompt = page.find_all(".lb-row.lb-bot")[0], page.find_all(".lb-row.lb-feedback")[0]
    assert ("Niveau 1", True, False) in chips(first_answer)
    assert chips(first_prompt) == [("Ja", False, False), ("Nej", False, False)]
    assert chips(page.find_all(".lb-row.lb-feedback")[-1]) == [("Ja", True, False), ("Nej", True, False)]

    # The leader reads on (not to the end); the phone turns narrower: the same line stays at the top.
    page.js(f"{ROOT_JS}.querySelector('.lb-scroll').scrollTop += 120")
    settle(page)
    assert in_view(page, row)["scrollTop"] < where["end"] - 50
    item = page.js(f"""const r = {ROOT_JS}, top = r.querySelector('.lb-scroll').getBoundingClientRect().top;
        const items = [...r.querySelectorAll('{row} li')];
        const i = items.findIndex(li => li.getBoundingClientRect().top >= top);
        return i""")
    li = f"{row} .lb-list li:nth-child({item + 1})"
    before = in_view(page, li)["top"]
    set_viewport(page, 320, 640, mobile=True)
    settle(page)
    after = in_view(page, li)
    assert abs(after["top"] - before) <= 3, (before, after)


def test_new_messages_button_when_the_leader_has_scrolled_up(page: Page) -> None:
    page.load(fresh=True)
    page.open()
    page.js("Lederbot.receive({text: arguments[0]})", LONG_ANSWER)
    page.wait_for_text("Punkt 30")
    settle(page)
    first = in_view(page, ".lb-row.lb-bot")
    assert 0 <= first["top"] <= 16 and first["scrollTop"] < first["end"]  # the start of the answer, not its end
    page.js(f"{ROOT_JS}.querySelector('.lb-scroll').scrollTop = 0")  # the leader scrolls up to the greeting
    settle(page)
    page.js("Lederbot.receive({text: 'Et nyt svar (KL)\\n\\nEndnu en besked.\\n\\nKilde: Test'})")
    button = page.find(".lb-new")
    page.wait(lambda: button.is_displayed(), "no 'Nye beskeder' button")
    assert squash(button.text) == "Nye beskeder ↓"
    assert in_view(page, ".lb-row.lb-bot")["scrollTop"] == 0  # the view did not jump away from what they read
    button.click()
    page.wait(lambda: not button.is_displayed(), "the button stays")
    newest = in_view(page, ".lb-row.lb-bot:last-child")
    assert newest["top"] >= 0 and newest["bottom"] <= newest["view"] + 1
    assert page.focused().startswith("div.lb-row lb-bot")  # focus on the new message, not lost
    # At the end again: the next message is followed without the button.
    page.js("Lederbot.receive({text: 'Og en til.'})")
    page.wait_for_text("Og en til.")
    settle(page)
    assert not button.is_displayed()
    assert in_view(page, ".lb-row.lb-bot:last-child")["bottom"] <= newest["view"] + 1


def test_the_input_grows_with_its_text_and_shift_enter_makes_a_new_line(page: Page) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    def shift_enter() -> None:
        ActionChains(page.driver).key_down(SHIFT).send_keys(ENTER).key_up(SHIFT).perform()

    page.load(fresh=True)
    page.open()
    box = page.find("#lederbot-input")
    assert box.tag_name == "textarea"
    one_line = box.size["height"]
    box.click()
    box.send_keys("Første linje")
    shift_enter()
    box.send_keys("Anden linje")
    shift_enter()
    box.send_keys("Tredje linje")
    assert box.get_property("value") == "Første linje\nAnden linje\nTredje linje"
    assert page.history() == []  # Shift+Enter sent nothing
    three_lines = box.size["height"]
    assert three_lines > one_line + 30
    for i in range(10):
        shift_enter()
        box.send_keys(f"linje {i}")
    tall = box.size["height"]
    assert three_lines < tall <= 141  # up to the max height, then it scrolls
    assert page.js("const b = arguments[0]; return b.scrollHeight > b.clientHeight"
                   " && getComputedStyle(b).overflowY === 'auto'", box)
    page.keys(ENTER)
    page.wait(lambda: page.history(), "Enter did not send")
    sent = page.history()[0]["text"]
    assert sent.startswith("Første linje\nAnden linje\nTredje linje\nlinje 0") and sent.count("\n") == 12
    assert box.get_property("value") == ""
    assert box.size["height"] == one_line
    page.wait_for_reply(1)
    assert page.find(".lb-user .lb-text").get_attribute("textContent") == sent


def test_new_conversation_asks_before_it_deletes(page: Page) -> None:
    page.load(fresh=True)
    page.open()
    ask_and_wait(page, QUESTION)
    sender = page.js("return Lederbot.sessionId")
    kept = page.history()
    reset, confirm = page.find(".lb-reset"), page.find(".lb-confirm")
    reset.click()
    assert confirm.is_displayed()
    assert squash(confirm.text).startswith("Start en ny samtale? Den nuværende samtale slettes.")
    assert [b.text for b in confirm.find_elements("css selector", "button")] == ["Ja", "Annullér"]
    assert reset.get_attribute("aria-expanded") == "true"
    assert page.focused() == "button.lb-confirm-no"  # the safe choice has focus
    assert page.history() == kept and page.js("return Lederbot.sessionId") == sender
    page.find(".lb-confirm-no").click()
    assert not confirm.is_displayed()
    assert page.focused() == "button.lb-reset"
    # Escape answers the question with "Annullér" (the panel stays open).
    reset.click()
    page.keys(ESCAPE)
    assert not confirm.is_displayed() and page.find(".lb-panel").is_displayed()
    assert page.focused() == "button.lb-reset"
    assert page.history() == kept
    # "Ja" deletes it and starts a new session.
    reset.click()
    page.find(".lb-confirm-yes").click()
    page.wait(lambda: page.history() == [], "the conversation was not deleted")
    assert page.js("return Lederbot.sessionId") != sender
    assert page.find_all(".lb-log .lb-row") == []
    assert page.focused() == "textarea#lederbot-input.lb-input"


def test_escape_closes_the_widget_from_anywhere_in_it(page: Page) -> None:
    page.load(fresh=True)
    for target in (".lb-launcher", ".lb-examples button", ".lb-reset", "#lederbot-input"):
        page.open()
        page.js(f"{ROOT_JS}.querySelector(arguments[0]).focus()", target)
        page.keys(ESCAPE)
        page.wait(lambda: not page.find(".lb-panel").is_displayed(), f"Escape on {target} did not close")
        assert page.focused() == "button.lb-launcher"
        assert page.find(".lb-launcher").get_attribute("aria-expanded") == "false"


def test_phone_panel_is_modal_and_keeps_the_focus(phone: Page) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    page = phone
    page.load(fresh=True)
    page.find(".lb-launcher").click()
    page.wait(lambda: page.focused() == "textarea#lederbot-input.lb-input", "focus did not move to the input")
    panel = page.find("#lederbot-panel")
    assert panel.get_attribute("aria-modal") == "true"
    outside = "[...document.body.children].filter(n => n.id !== 'lederbot-widget' && n.tagName !== 'SCRIPT')"
    assert page.js(f"return {outside}.every(n => n.inert)")
    assert page.js("return document.getElementById('lederbot-widget').inert") is False
    inside = f"const a = {ROOT_JS}.activeElement; return !!a && !!a.closest('.lb-panel')"
    seen = []
    for _ in range(8):
        page.keys(TAB)
        assert page.js(inside), f"Tab left the panel after {seen}"
        seen.append(page.focused())
    assert "button.lb-reset" in seen and "button.lb-send" in seen  # it went round
    page.js(f"{ROOT_JS}.querySelector('.lb-reset').focus()")
    ActionChains(page.driver).key_down(SHIFT).send_keys(TAB).key_up(SHIFT).perform()
    assert page.focused() == "button.lb-send"
    page.keys(TAB)
    assert page.focused() == "button.lb-reset"
    page.keys(ESCAPE)
    page.wait(lambda: page.focused() == "button.lb-launcher", "focus did not return to the launcher")
    assert panel.get_attribute("aria-modal") is None
    assert page.js(f"return {outside}.every(n => !n.inert)")
    # A wide viewport: an ordinary (non-modal) dialog beside the page.
    reset_viewport(page)
    page.open()
    assert panel.get_attribute("aria-modal") is None
    assert page.js(f"return {outside}.every(n => !n.inert)")
    page.find(".lb-close").click()


def test_no_offers_a_comment_that_the_bot_takes_as_feedback(page: Page, rasa_bot: RunningBot) -> None:
    page.load(fresh=True)
    page.open()
    ask_and_wait(page, QUESTION)
    prompt = page.history()[-1]
    before = len(page.history())
    no = page.find(".lb-feedback .lb-vote.lb-no")
    no.click()
    form = page.find(".lb-comment")
    assert form.is_displayed()
    assert no.get_attribute("aria-expanded") == "true"
    assert "valgfrit" in form.find_element("css selector", "label").text
    assert page.focused().startswith("textarea#lederbot-comment-")
    assert len(page.history()) == before  # nothing sent before "Send"
    comment = "Det var den forkerte kommune"
    page.keys(comment)
    form.find_element("css selector", ".lb-comment-send").click()
    page.wait_for_reply(before)
    sent = page.history()[before]
    assert (sent["text"], sent.get("payload"), sent["replyTo"]) == (comment, None, prompt["id"])
    assert page.find_all(".lb-comment") == []
    assert chips(page.find(".lb-row.lb-feedback")) == [("Ja", False, False), ("Nej", False, True)]
    # The bot took the words as negative feedback on the answer (its free-text feedback, right after the prompt).
    events = rasa_tracker(rasa_bot, page.js("return Lederbot.sessionId"))["events"]
    last = max(i for i, e in enumerate(events) if e.get("event") == "user")
    assert events[last]["text"] == comment
    assert events[last]["parse_data"]["intent"]["name"] == "feedback_negative"
    assert "action_negative_feedback" in [e.get("name") for e in events[last:] if e.get("event") == "action"]
    page.wait_for_text("Beklager.")

    # Without a comment "Send" sends the "Nej" button's own payload.
    ask_and_wait(page, "Hvor længe bør et ledernetværk køre?")
    before = len(page.history())
    page.find_all(".lb-feedback .lb-vote.lb-no")[-1].click()
    page.find(".lb-comment-send").click()
    page.wait_for_reply(before)
    sent = page.history()[before]
    assert (sent["text"], sent["payload"]) == ("Nej", "/feedback_negative")


def test_lists_titles_and_from_lines_are_real_structure(page: Page) -> None:
    page.load(fresh=True)
    page.open()
    new = ask_and_wait(page, GLOSTRUP)
    answer = next(e for e in new if e["from"] == "bot" and e["text"] != "Hjalp svaret?")
    bubble = page.find(f'.lb-row[data-id="{answer["id"]}"] .lb-bubble')
    bullets = [line for line in answer["text"].split("\n") if line.startswith("• ")]
    assert len(bullets) >= 3
    lists = bubble.find_elements("css selector", "ul.lb-list")
    assert len(lists) == 1
    items = lists[0].find_elements("css selector", "li")
    assert [li.get_attribute("textContent") for li in items] == bullets
    title = bubble.find_element("css selector", ".lb-title-line")
    assert title.text == answer["text"].split("\n")[0]
    assert int(title.value_of_css_property("font-weight")) >= 700
    # Hanging indent: every line of a wrapped item starts at the same x, right of the bullet.
    lines = page.js("""return arguments[0].map(li => {
        const text = li.lastChild, range = document.createRange();
        range.selectNodeContents(text);
        const lefts = [...range.getClientRects()].map(r => Math.round(r.left));
        return {lefts, bullet: li.querySelector('.lb-bullet').getBoundingClientRect().left};
      })""", items)
    assert any(len(item["lefts"]) > 1 for item in lines), "no item wraps: widen the test text"
    for item in lines:
        assert len(set(item["lefts"])) == 1 and item["bullet"] < item["lefts"][0]
    # The bubble's text is still the bot's text (other channels get the same plain text).
    shown = bubble.get_attribute("textContent").removeprefix("Lederassistenten: ")
    assert "".join(shown.split()) == "".join(answer["text"].split())

    page.js("Lederbot.receive({text: '»Et citat fra teksten.«\\n\\nFra: Tillid (KL)\\n\\nKilde: Dokument, s. 3'})")
    page.wait(lambda: page.find_all(".lb-from"), "no Fra: line")
    source_of = page.find(".lb-from")
    assert source_of.get_attribute("textContent") == "Fra: Tillid (KL)"
    assert source_of.find_element("css selector", ".lb-from-label").text.upper() == "FRA"
    passage = page.find_all(".lb-row.lb-bot")[-1].find_element("css selector", "p.lb-text")
    assert passage.text == "»Et citat fra teksten.«" and int(passage.value_of_css_property("font-weight")) < 700


def test_phone_launcher_is_a_round_icon_button(phone: Page) -> None:
    page = phone
    page.load(fresh=True)
    launcher = page.find(".lb-launcher")
    box = launcher.rect
    assert box["width"] == box["height"] <= 60
    assert launcher.value_of_css_property("border-radius") == "50%"
    assert not page.find(".lb-launcher-text").is_displayed()
    assert launcher.accessible_name == "Spørg lederassistenten"
    assert launcher.find_element("css selector", "svg").is_displayed()
    reset_viewport(page)
    assert page.find(".lb-launcher-text").is_displayed()  # on a wide page it keeps its text


def test_lang_timestamps_and_unread_badge(page: Page) -> None:
    page.load(fresh=True)
    assert page.js("return document.getElementById('lederbot-widget').lang") == "da"
    badge = page.find(".lb-badge")
    assert not badge.is_displayed()
    page.js("Lederbot.receive({text: 'Et svar, mens panelet var lukket.'})")
    page.wait(lambda: badge.is_displayed(), "no unread badge")
    assert badge.text == "1"
    assert page.find(".lb-launcher").get_attribute("aria-label") == "Spørg lederassistenten (1 nyt svar)"
    page.js("Lederbot.receive({text: 'Og et til.'})")
    page.wait(lambda: badge.text == "2", "the badge does not count")
    assert page.find(".lb-launcher").get_attribute("aria-label") == "Spørg lederassistenten (2 nye svar)"
    page.open()
    assert not badge.is_displayed()
    assert page.find(".lb-launcher").get_attribute("aria-label") == "Spørg lederassistenten"
    # The time of a message: a tooltip on hover, a <time> for screen readers.
    import re

    bubble = page.find(".lb-row.lb-bot .lb-bubble")
    assert re.fullmatch(r"Modtaget kl\. \d\d[.:]\d\d", bubble.get_attribute("title"))
    time = page.find(".lb-row.lb-bot time.lb-time")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", time.get_attribute("datetime"))
    assert time.get_attribute("textContent").strip() == bubble.get_attribute("title").removeprefix("Modtaget ")


CONTRAST_JS = """
const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
const lum = c => {
  const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const r = document.getElementById('lederbot-widget').shadowRoot;
const pair = (fg, bg) => { const f = r.querySelector(fg), b = r.querySelector(bg);
                           return ratio(getComputedStyle(f).color, getComputedStyle(b).backgroundColor); };
return {
  panel: lum(getComputedStyle(r.querySelector('.lb-panel')).backgroundColor),
  header: getComputedStyle(r.querySelector('.lb-header')).backgroundColor,
  primary: getComputedStyle(document.getElementById('lederbot-widget')).getPropertyValue('--lb-c-primary').trim(),
  bot: pair('.lb-bot .lb-text', '.lb-bot .lb-bubble'),
  user: pair('.lb-user .lb-text', '.lb-user .lb-bubble'),
  header_text: pair('.lb-title', '.lb-header'),
  chip: pair('.lb-bot .lb-chip:not(:disabled)', '.lb-bot .lb-chip:not(:disabled)'),
  muted: pair('.lb-feedback .lb-bubble', '.lb-panel'),
  input: pair('#lederbot-input', '#lederbot-input'),
};
"""


def axe_path() -> Path | None:
    given = os.environ.get("AXE_CORE_JS")
    for candidate in ([Path(given)] if given else []) + [
            Path(__file__).resolve().parents[2] / "widget" / "node_modules" / "axe-core" / "axe.min.js"]:
        if candidate.is_file():
            return candidate
    return None


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations inside the widget (its shadow root included); [] when axe-core is not installed."""
    path = axe_path()
    if path is None:
        return []
    if not page.js("return !!window.axe"):
        page.js(path.read_text(encoding="utf-8"))
    result = page.driver.execute_async_script("""const done = arguments[0];
        axe.run({include: [['#lederbot-widget']]}, {resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))),
                e => done(['axe failed: ' + e]));""")
    return list(result)


def test_dark_mode_screenshots_and_accessibility(page: Page) -> None:
    """Desktop (1280×900) and phone (375×700), light and dark, open with a conversation: screenshots in
    results/widget/, readable colours in both schemes (the configured primary colour kept), and axe-core finds
    nothing when it is installed (AXE_CORE_JS=…/axe.min.js or widget/node_modules/axe-core)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    set_viewport(page, 1280, 900)
    try:
        page.load(fresh=True)
        page.open()
        ask_and_wait(page, QUESTION)
        ask_and_wait(page, GLOSTRUP)
        title = ".lb-row.lb-bot:nth-last-child(2)"  # the Glostrup answer (the feedback prompt is after it)
        settle(page)
        assert 0 <= in_view(page, title)["top"] <= 24
        for scheme in ("light", "dark"):
            page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                        {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            for name, (width, height, mobile) in {"desktop": (1280, 900, False), "phone": (375, 700, True)}.items():
                set_viewport(page, width, height, mobile)
                settle(page)
                # Resizing between desktop and phone keeps the answer's start where it was.
                assert 0 <= in_view(page, title)["top"] <= 24, (scheme, name)
                colours = page.js(CONTRAST_JS)
                assert (colours["panel"] < 0.05) if scheme == "dark" else (colours["panel"] > 0.9), colours
                assert colours["header"] == "rgb(0, 64, 94)" and colours["primary"] == "#00405e"  # the page's config
                for pair in ("bot", "user", "header_text", "chip", "muted", "input"):
                    assert colours[pair] >= 4.5, (scheme, name, pair, colours)
                assert axe_violations(page) == [], (scheme, name)
                shot = RESULTS / f"{name}-{scheme}.png"
                page.driver.save_screenshot(str(shot))
                assert shot.stat().st_size > 10_000
        # The other states, for axe: the comment box, the "Ny samtale?" question, the phone's modal panel.
        page.find_all(".lb-feedback .lb-vote.lb-no")[-1].click()
        page.find(".lb-reset").click()
        assert axe_violations(page) == []
        reset_viewport(page)
        settle(page)
        assert axe_violations(page) == []
    finally:
        reset_viewport(page)


def test_axe_core_is_there_to_check_the_widget() -> None:
    if axe_path() is None and os.environ.get("CI"):
        pytest.fail("axe-core is missing: it is a devDependency of widget/ (npm ci)")
    if axe_path() is None:
        pytest.skip("axe-core not installed: set AXE_CORE_JS to axe.min.js (npm install axe-core) to run its checks")
