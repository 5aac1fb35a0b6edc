"""The intranet web-chat widget in a real browser (headless Chromium via Selenium + /usr/bin/chromedriver).

The demo intranet page (tools/widget_demo.py, started by scripts/run.sh on DEMO_PORT) is a different origin than
Rasa, like a real intranet page; the widget talks to Rasa's socket.io channel. One browser for the module;
tests that need a fresh conversation clear the page's storage first. `make rasa-test` builds the widget
(`make widget`) and installs Chromium (scripts/chromium.sh) first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningBot

pytestmark = pytest.mark.rasa

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
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
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("no Chromium: run scripts/chromium.sh")
        pytest.skip("no Chromium: run scripts/chromium.sh")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="lederbot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,900", "--lang=da-DK",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_script_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
    # Quick replies from the answer, and the quieter "Hjalp svaret?" prompt with 👍/👎.
    assert "Niveau 1" in [b.text for b in answer.find_elements("css selector", ".lb-quick button")]
    feedback = page.find(".lb-row.lb-feedback")
    assert "Hjalp svaret?" in feedback.text
    assert [b.text for b in feedback.find_elements("css selector", "button")] == ["👍 Ja", "👎 Nej"]
    assert page.js(
        f"const r = {ROOT_JS}; return parseFloat(getComputedStyle(r.querySelector('.lb-feedback .lb-bubble')).fontSize)"
        " < parseFloat(getComputedStyle(r.querySelector('.lb-bot .lb-text')).fontSize)")


def test_quick_reply_button_asks_for_niveau_1(page: Page, repository) -> None:
    page.open()
    before = len(page.history())
    button = next(b for b in page.find_all(".lb-bot .lb-quick button") if b.text == "Niveau 1")
    button.click()
    page.wait_for_text(repository.get("kalundborg.drift.oekonomistyring.niveau-1").text)
    page.wait_for_reply(before)
    assert [e["text"] for e in page.history() if e["from"] == "user"][-1] == "Niveau 1"
    # Only the latest answer keeps its buttons.
    assert "Niveau 2" in [b.text for b in page.find_all(".lb-bot .lb-quick button")]
    assert "Niveau 1" not in [b.text for b in page.find_all(".lb-bot .lb-quick button")]


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
