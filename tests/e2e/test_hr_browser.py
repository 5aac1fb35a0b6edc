"""The HR workbench in headless Chromium, as an HR consultant uses it, against the real running bot.

The session's bot (tests/conftest.py ``rasa_bot``) answers from a copy of the knowledge that its workbench
edits, reached through the demo page's address as ``make run`` offers it (``/hr/`` on DEMO_PORT). A redaktør
signs in, edits a Niveau 2 text and a synonym and sees the preview, hits a Danish error, proposes; a godkender
approves and publishes; the REST channel answers with the new text within seconds, also when asked with the
new synonym; a rollback brings the old text back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT, RunningBot
from tests.e2e.browser import chromium

pytestmark = pytest.mark.rasa

LEVEL_2 = "kalundborg.drift.oekonomistyring.niveau-2"
NEW_TEXT = "Holder budgettet i egen enhed og forklarer afvigelser i god tid for ledelsen."
SYNONYM = "pengeoverblik"
PASSWORDS = {"rikke": "rikkes lange kodeord 1", "gitte": "gittes lange kodeord 2"}


def add_user(bot: RunningBot, username: str, role: str) -> None:
    subprocess.run([sys.executable, "-m", "bot", "hr", "add-user", "--username", username, "--name", username.title(),
                    "--role", role, "--password-stdin", "--db", bot.env["KNOWLEDGE_DB_URL"]],
                   input=PASSWORDS[username], text=True, check=True, cwd=ROOT, env=bot.env, capture_output=True)


def rest_answer(bot: RunningBot, message: str) -> str:
    body = json.dumps({"sender": f"hr-e2e-{uuid.uuid4().hex[:8]}", "message": message}).encode()
    request = urllib.request.Request(f"{bot.base_url}/webhooks/rest/webhook", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        messages: list[dict[str, Any]] = json.loads(response.read())
    return messages[0].get("text", "") if messages else ""


def answered_within(bot: RunningBot, question: str, text: str, seconds: float = 5.0) -> bool:
    """Whether the bot's first message contains ``text`` within ``seconds`` (each try a fresh sender)."""
    deadline = time.monotonic() + seconds
    while True:
        if text in rest_answer(bot, question):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


@pytest.fixture(scope="module")
def hr(rasa_bot: RunningBot) -> Iterator[str]:
    add_user(rasa_bot, "rikke", "redaktoer")
    add_user(rasa_bot, "gitte", "godkender")
    yield f"http://localhost:{int(rasa_bot.env['DEMO_PORT'])}/hr"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("1280,1000") as driver:
        yield driver


def wait_until(predicate: Any, seconds: float = 10.0) -> Any:
    """The predicate's first true value; a page replaced while it looked (a form post) counts as not yet."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while True:
        try:
            value = predicate()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting in the browser")
        time.sleep(0.2)


def sign_in(driver: Any, hr: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{hr}/")
    wait_until(lambda: "/hr/login" in driver.current_url)  # no session: the sign-in page
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[username])
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: "/hr/login" not in driver.current_url)


def click_button(driver: Any, label: str) -> None:
    """Click the button with this label once the page shows it; confirmation dialogs are answered yes."""
    from selenium.webdriver.common.by import By

    def button() -> Any:
        return next((b for b in driver.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == label), None)

    found = wait_until(button)
    driver.execute_script("window.confirm = () => true;")  # on the page the button is on
    found.click()


def set_field(driver: Any, field_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def test_edit_preview_error_approve_publish_synonym_and_rollback(browser: Any, hr: str, rasa_bot: RunningBot,
                                                                 repository: Any) -> None:
    from selenium.webdriver.common.by import By

    old_text = repository.get(LEVEL_2).text
    question = "Hvad forventes af en niveau 2 leder om økonomistyring?"
    assert old_text in rest_answer(rasa_bot, question)

    sign_in(browser, hr, "rikke")
    browser.get(f"{hr}/units/{LEVEL_2}")
    # A word broken by a PDF line break is explained in Danish, live, next to the field.
    set_field(browser, "text", "Gode resul- tater kommer af samarbejde.")
    beside_text = browser.find_element(By.ID, "problems-text")
    wait_until(lambda: "orddeling fra PDF'en i 'text': 'resul- tater'" in beside_text.text)
    assert browser.find_element(By.ID, "text").get_attribute("aria-invalid") == "true"
    set_field(browser, "text", NEW_TEXT)
    synonyms = browser.find_element(By.ID, "synonyms").get_attribute("value")
    set_field(browser, "synonyms", f"{synonyms}, {SYNONYM}" if synonyms else SYNONYM)
    click_button(browser, "Gem i min kladde")
    wait_until(lambda: NEW_TEXT in browser.find_element(By.ID, "preview").text)  # the draft's answer
    assert old_text in rest_answer(rasa_bot, question)  # a draft is not live

    browser.find_element(By.PARTIAL_LINK_TEXT, "ændring").click()
    change_url = browser.current_url
    set_field(browser, "comment", "Ny formulering og et synonym")
    click_button(browser, "Send til godkendelse")
    wait_until(lambda: "venter på" in browser.page_source)
    assert not [b for b in browser.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == "Godkend"]

    sign_in(browser, hr, "gitte")
    browser.get(change_url)
    click_button(browser, "Godkend")
    wait_until(lambda: any(b.text.strip() == "Udgiv nu" for b in browser.find_elements(By.CSS_SELECTOR, "button")))
    click_button(browser, "Udgiv nu")
    assert answered_within(rasa_bot, question, NEW_TEXT), "the published text did not reach the bot within 5 s"
    for phrasing in (f"Hvad forventes af en niveau 2 leder om {SYNONYM}?", f"{SYNONYM} niveau 2",
                     f"hvad står der om {SYNONYM} for niveau 2 i Kalundborg"):
        assert NEW_TEXT in rest_answer(rasa_bot, phrasing), phrasing

    browser.get(f"{hr}/history")
    click_button(browser, "Rul tilbage til denne version")  # the only one: the files before the first publish
    assert answered_within(rasa_bot, question, old_text), "the rollback did not reach the bot within 5 s"
    assert NEW_TEXT not in rest_answer(rasa_bot, question)
