"""The workbench's insight page (/hr/insights) through Flask's test client, over real conversations saved by the
real tracker store in a scratch SQLite tracker, real feedback in the scratch knowledge database, and the bot's
real search: titles not ids, trends against the previous period, filters, test traffic, the synonym shortcut into
the unit's form, negative feedback and the CSV for Danish Excel."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.hr.accounts import AccountStore, Role
from bot.hr.changes import ChangeDesk
from bot.hr.web import create_app
from bot.insights.feedback import Feedback, FeedbackRepository
from bot.knowledge.db import make_engine
from bot.knowledge.publish import load_into
from bot.knowledge.repository import SqlKnowledgeRepository
from bot.knowledge.service import KnowledgeService
from bot.rasa.tracker_store import MaskingSQLTrackerStore
from bot.settings import Settings
from tests.conftest import KNOWLEDGE_DIR
from tests.integration.test_hr_web import PASSWORDS, Browser, form_values, text_of
from tests.integration.test_report import session, turn

SIKKER_DRIFT = "kalundborg.drift.sikker-drift"
LEVEL_2 = "kalundborg.drift.oekonomistyring.niveau-2"
BOOKING = ("hvordan booker jeg et mødelokale", "booke mødelokale til mødet")
BUDGET = "hvordan holder jeg styr på budgettet?"
SCRIPT = "<script>alert(1)</script> hvad med tillid"
TEST_ONLY = "hemmelig testtekst om kantinen"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)  # the default period: 5 November – 4 December 2026
ANSWER = ("utter_knowledge_answer", "utter_ask_feedback")


def at(month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc).timestamp()


def moment(stamp: float, seconds: int = 30) -> datetime:
    return datetime.fromtimestamp(stamp + seconds, timezone.utc)


CONVERSATIONS: dict[str, list[Event]] = {
    "leder-a": [
        *session(at(11, 20, 8, 59)),
        *turn(at(11, 20, 9), "Hvad betyder sikker drift?", "ask_principle", 0.97, "rest", *ANSWER, unit=SIKKER_DRIFT),
        *turn(at(11, 20, 9, 1), "/show_unit" + json.dumps({"unit_id": SIKKER_DRIFT}), "show_unit", 1.0, "rest",
              *ANSWER, unit=SIKKER_DRIFT),
        *turn(at(11, 20, 9, 5), BOOKING[0], "ask_fact", 0.88, "rest", "utter_no_match"),
    ],
    "leder-b": [
        *turn(at(11, 24, 14), "sikker drift i Kalundborg", "ask_principle", 0.91, "telegram", *ANSWER,
              unit=SIKKER_DRIFT),
        *turn(at(11, 24, 14, 1), BOOKING[1], "nlu_fallback", 0.45, "telegram", "utter_suggest_units"),
        *turn(at(11, 24, 14, 2), SCRIPT, "ask_principle", 0.8, "telegram", "utter_no_match"),
    ],
    "leder-c": [
        *turn(at(12, 1, 10), "Hvad forventes af en niveau 2 leder om økonomistyring?", "ask_level", 0.99,
              "socketio", *ANSWER, unit=LEVEL_2),
        *turn(at(12, 1, 10, 2), BUDGET, "ask_fact", 0.7, "socketio", "utter_no_match"),
    ],
    "test-e2e-1": [
        *turn(at(11, 30, 12), "testspørgsmål om sikker drift", "ask_principle", 0.9, "rest", *ANSWER,
              unit=SIKKER_DRIFT),
        *turn(at(11, 30, 12, 1), TEST_ONLY, "ask_fact", 0.9, "rest", "utter_no_match"),
    ],
    "leder-foer": [  # the previous period (6 October – 4 November)
        *turn(at(10, 20, 9), "Hvad betyder sikker drift?", "ask_principle", 0.97, "rest", *ANSWER, unit=SIKKER_DRIFT),
        *turn(at(10, 20, 9, 1), "hej", "greet", 0.99, "rest", "utter_greet"),
    ],
    "leder-gammel": [  # before both periods
        *turn(at(9, 1, 9), "gammelt spørgsmål om ferieplanlægning", "ask_fact", 0.9, "rest", "utter_no_match"),
    ],
}
FEEDBACK = [
    Feedback(moment(at(11, 20, 9)), "leder-a", "rest", "Hvad betyder sikker drift?", SIKKER_DRIFT, "v1", True),
    Feedback(moment(at(12, 1, 10)), "leder-c", "socketio", "Hvad forventes af en niveau 2 leder om økonomistyring?",
             LEVEL_2, "v1", False, "det var ikke det jeg spurgte om"),
    Feedback(moment(at(11, 30, 12)), "test-e2e-1", "rest", "testspørgsmål om sikker drift", SIKKER_DRIFT, "v1",
             False, "testkommentar fra e2e"),
    Feedback(moment(at(10, 20, 9)), "leder-foer", "rest", "Hvad betyder sikker drift?", SIKKER_DRIFT, "v1", False,
             "forrige periodes kommentar"),
]


@dataclass
class Bench:
    app: Flask
    desk: ChangeDesk
    accounts: AccountStore
    settings: Settings
    titles: dict[str, str]

    def client(self, username: str = "rikke") -> Browser:
        browser = Browser(self.app.test_client())
        assert browser.sign_in(username, PASSWORDS[username]).status_code == 302
        return browser


@pytest.fixture
def bench(tmp_path: Path, domain: Any, monkeypatch: pytest.MonkeyPatch) -> Bench:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    knowledge_url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    engine = make_engine(knowledge_url)
    load_into(engine, directory, with_embeddings=False)
    accounts = AccountStore(engine)
    accounts.add("rikke", "Rikke Redaktør", Role.EDITOR, PASSWORDS["rikke"])
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("TRACKER_DB_URL", tracker_url)  # where the real tracker store writes
    store = MaskingSQLTrackerStore(domain=domain)
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots)))
    feedback = FeedbackRepository(engine)
    for item in FEEDBACK:
        feedback.record(item)
    # The page reads both databases through the settings, as `python -m bot hr serve` does.
    settings = Settings.from_env({"KNOWLEDGE_EMBEDDINGS": "0", "KNOWLEDGE_DB_URL": knowledge_url,
                                  "TRACKER_DB_URL": tracker_url}, env_file=tmp_path / "none.env")
    assert settings.hr_test_sender_prefix == "test-"
    service = KnowledgeService(SqlKnowledgeRepository(engine))
    desk = ChangeDesk(engine, directory, require_approval=True)
    app = create_app(settings, desk, accounts, lambda query: service.index().search(query, limit=8),
                     secret=secrets.token_urlsafe(32), clock=lambda: NOW)
    repository = SqlKnowledgeRepository(engine)
    titles = {unit_id: repository.get(unit_id).title for unit_id in (SIKKER_DRIFT, LEVEL_2)}  # type: ignore[union-attr]
    return Bench(app, desk, accounts, settings, titles)


def table(page: str, element_id: str) -> list[list[str]]:
    """The rows of a table on the page as the visible text of their cells."""
    body = re.search(rf'<table id="{element_id}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def figures(page: str) -> dict[str, str]:
    """Each key figure's label → its value, trend and previous value, as one line of visible text."""
    items = re.findall(r'<li class="figure">(.*?)</li>', page, re.S)
    return {text_of(re.search(r'class="figure-label">(.*?)<', item).group(1)): text_of(item) for item in items}


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


# -- the page -------------------------------------------------------------------------------------------------

def test_the_page_needs_a_sign_in_and_is_in_the_menu(bench: Bench) -> None:
    anonymous = bench.app.test_client()
    response = anonymous.get("/hr/insights")
    assert response.status_code == 302 and response.headers["Location"].startswith("/hr/login?next=/hr/insights")
    assert anonymous.get("/hr/insights/questions.csv").status_code == 302
    page = bench.client("rikke").page("/hr/insights")  # a redaktør may look too
    assert '<a href="/hr/insights" aria-current="page">Indsigt</a>' in page
    assert "<h1>Indsigt</h1>" in page and '<label for="from">Fra</label>' in page
    assert 'value="2026-11-05"' in page and 'value="2026-12-04"' in page  # the last 30 days by default
    assert "fra 5. november 2026 til og med 4. december 2026 (30 dage)" in text_of(page)
    assert "6. oktober 2026 – 4. november 2026" in text_of(page)  # what the trends compare with


def test_key_figures_compare_with_the_previous_period(bench: Bench) -> None:
    page = bench.client().page("/hr/insights")
    shown = figures(page)
    assert shown["Spørgsmål"] == "Spørgsmål 7 +5 (+250 %) forrige periode: 2"
    assert shown["Andel besvaret"] == "Andel besvaret 43 % −57 procentpoint forrige periode: 100 %"
    assert shown["Uden (sikkert) svar"] == "Uden (sikkert) svar 4 +4 (ny) forrige periode: 0"
    assert shown["Negative tilbagemeldinger"] == "Negative tilbagemeldinger 1 uændret forrige periode: 1"
    outcomes = {row[0]: row[1:] for row in table(page, "outcomes")}
    assert outcomes["Ikke besvaret"] == ["3", "0", "+3 (ny)"] and outcomes["Besvaret"] == ["3", "1", "+2 (+200 %)"]


def test_most_asked_units_by_title_and_organisation_linking_to_their_form(bench: Bench) -> None:
    page = bench.client().page("/hr/insights")
    rows = table(page, "top-units")
    assert rows[0] == [bench.titles[SIKKER_DRIFT], "Kalundborg Kommune", "3", "1", "+2 (+200 %)"]  # a press counts
    assert rows[1] == [bench.titles[LEVEL_2], "Kalundborg Kommune", "1", "0", "+1 (ny)"]
    units = section(page, "units-heading")
    assert SIKKER_DRIFT not in text_of(units)  # ids only in the links
    assert f'<a href="/hr/units/{SIKKER_DRIFT}">' in units and f'<a href="/hr/units/{LEVEL_2}">' in units


def test_channels_by_their_human_names(bench: Bench) -> None:
    page = bench.client().page("/hr/insights")
    rows = {row[0]: row[1:] for row in table(page, "channels")}
    assert rows == {"Telegram": ["3", "0", "+3 (ny)"], "REST/intranet-API": ["2", "2", "uændret"],
                    "Web-chat": ["2", "0", "+2 (ny)"]}
    assert "socketio" not in page
    options = re.findall(r'<option value="([^"]*)"', page.split('id="channel"')[1].split("</select>")[0])
    assert options == ["", "Microsoft Teams", "REST/intranet-API", "Telegram", "Web-chat"]


def test_filters_by_channel_and_by_the_answered_units_organisation(bench: Bench) -> None:
    browser = bench.client()
    telegram = browser.page("/hr/insights?channel=Telegram")
    assert figures(telegram)["Spørgsmål"].startswith("Spørgsmål 3 ")
    assert [row[0] for row in table(telegram, "channels")] == ["Telegram"]
    assert table(telegram, "top-units") == [[bench.titles[SIKKER_DRIFT], "Kalundborg Kommune", "1", "0", "+1 (ny)"]]
    assert '<option value="Telegram" selected>' in telegram

    kalundborg = browser.page("/hr/insights?organisation=kalundborg")
    assert figures(kalundborg)["Spørgsmål"].startswith("Spørgsmål 3 ")  # only those answered with its units
    assert "Spørgsmål uden svar hører ikke til nogen organisation" in text_of(kalundborg)
    glostrup = browser.page("/hr/insights?organisation=glostrup")
    assert "Ingen svar i perioden." in glostrup and "Ingen negative tilbagemeldinger i perioden." in glostrup


def test_a_chosen_period_and_bad_dates(bench: Bench) -> None:
    browser = bench.client()
    october = browser.page("/hr/insights?from=2026-10-01&to=2026-10-31")
    assert figures(october)["Spørgsmål"] == "Spørgsmål 2 +1 (+100 %) forrige periode: 1"  # the 31 days before
    assert "31. august 2026 – 30. september 2026" in text_of(october)
    backwards = browser.page("/hr/insights?from=2026-12-01&to=2026-11-01")
    assert "Fra-datoen ligger efter til-datoen. Siden viser de seneste 30 dage." in text_of(backwards)
    assert 'value="2026-11-05"' in backwards
    assert "kunne ikke læses" in text_of(browser.page("/hr/insights?from=i+går"))


def test_unanswered_questions_grouped_with_a_synonym_form_from_the_bots_search(bench: Bench) -> None:
    page = bench.client().page("/hr/insights")
    todo = section(page, "todo-heading")
    groups = re.findall(r'<li class="group">(.*?)</li>\s*(?=<li class="group">|</ol>)', todo, re.S)
    assert len(groups) == 3
    assert f"2 spørgsmål: »{BOOKING[0]}«" in text_of(groups[0]) and BOOKING[1] in text_of(groups[0])
    assert "1 ikke besvaret, 1 usikkert svar" in text_of(groups[0])
    assert TEST_ONLY not in page  # test traffic is not HR's to-do
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in todo and "<script>alert" not in page

    budget = next(g for g in groups if "budgettet" in g)
    form = re.search(r'<form method="get" action="/hr/insights/synonym" class="synonym-form">.*?</form>', budget,
                     re.S).group(0)
    assert 'value="hvordan holder jeg styr på budgettet"' in form  # the question's words, without the "?"
    assert re.search(r'<label for="unit-\d+">Tilføj som synonym til …</label>', form)
    options = re.findall(r'<option value="([^"]+)">(.*?)</option>', form)
    assert options and all("Kommune" in label or "KL" in label for _, label in options)  # titles (organisation)


def test_the_synonym_shortcut_opens_the_units_form_with_the_words_filled_in(bench: Bench) -> None:
    browser = bench.client()
    response = browser.client.get("/hr/insights/synonym", query_string={"unit": LEVEL_2,
                                                                         "synonym": "styr på budgettet?"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/hr/units/{LEVEL_2}" and parse_qs(target.query) == {"synonym": ["styr på budgettet"]}

    page = browser.page(response.headers["Location"])
    values = form_values(page, "unit-form")
    assert values["synonyms"].endswith(", styr på budgettet") or values["synonyms"] == "styr på budgettet"
    assert "»styr på budgettet« er skrevet ind i feltet Synonymer. Gem for at lægge det i din kladde." in text_of(page)
    assert not any("styr på budgettet" in text for text in bench.desk.current_files().values())  # nothing saved

    saved = browser.edit(LEVEL_2, synonyms=values["synonyms"])  # HR saves the form as it was opened
    assert "Gemt i din kladde" in text_of(saved)
    assert "styr på budgettet" in form_values(browser.page(f"/hr/units/{LEVEL_2}"), "unit-form")["synonyms"]
    again = browser.page(f"/hr/units/{LEVEL_2}?synonym=styr+på+budgettet")
    assert "»styr på budgettet« er allerede et synonym for enheden." in text_of(again)
    assert browser.client.get("/hr/insights/synonym?synonym=x").status_code == 400  # no unit chosen


def test_negative_feedback_with_its_question_and_the_units_title(bench: Bench) -> None:
    page = bench.client().page("/hr/insights")
    rows = table(page, "negative")
    assert rows == [["1. december 2026 kl. 11.00", "Hvad forventes af en niveau 2 leder om økonomistyring?",
                     bench.titles[LEVEL_2], "Kalundborg Kommune", "Web-chat", "det var ikke det jeg spurgte om"]]
    assert f'<a href="/hr/units/{LEVEL_2}">' in section(page, "negative-heading")
    assert "forrige periodes kommentar" not in page and "testkommentar fra e2e" not in page


def test_test_traffic_is_left_out_unless_the_toggle_asks_for_it(bench: Bench) -> None:
    browser = bench.client()
    default = browser.page("/hr/insights")
    assert '<input id="test" name="test" type="checkbox" value="1">' in default
    assert "2 spørgsmål fra testtrafik er ikke talt med." in text_of(default)
    assert TEST_ONLY not in default and "testkommentar fra e2e" not in default

    shown = browser.page("/hr/insights?test=1")
    assert '<input id="test" name="test" type="checkbox" value="1" checked>' in shown
    assert figures(shown)["Spørgsmål"].startswith("Spørgsmål 9 ")
    assert table(shown, "top-units")[0][:3] == [bench.titles[SIKKER_DRIFT], "Kalundborg Kommune", "4"]
    assert TEST_ONLY in shown and "testkommentar fra e2e" in shown
    assert "Testtrafik er talt med." in text_of(shown)


def test_the_csv_opens_in_danish_excel_and_follows_the_filters(bench: Bench) -> None:
    browser = bench.client()
    page = browser.page("/hr/insights?channel=Web-chat")
    link = re.search(r'<a href="([^"]+)" id="csv-link">', page).group(1).replace("&amp;", "&")
    assert link.startswith("/hr/insights/questions.csv?") and "channel=Web-chat" in link

    response = browser.client.get("/hr/insights/questions.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="spoergsmaal-2026-11-05-til-2026-12-04.csv"')
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == ("timestamp;sender_id;channel;question;intent;confidence;outcome;unit_id;"
                                    "feedback;feedback_comment")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 7 and not any(r["sender_id"].startswith("test-") for r in rows)
    by_text = {r["question"]: r for r in rows}
    assert by_text["Hvad forventes af en niveau 2 leder om økonomistyring?"]["feedback"] == "negativ"
    assert by_text[BOOKING[1]]["confidence"] == "0,450"  # a decimal comma, as Danish Excel reads numbers

    web_chat = list(csv.DictReader(io.StringIO(browser.client.get(link).get_data().decode("utf-8-sig")),
                                   delimiter=";"))
    assert {r["channel"] for r in web_chat} == {"socketio"} and len(web_chat) == 2
    with_tests = browser.client.get("/hr/insights/questions.csv?test=1").get_data().decode("utf-8-sig")
    assert TEST_ONLY in with_tests


def test_unreadable_databases_are_said_in_danish_and_the_page_stays_up(bench: Bench) -> None:
    def broken(_start: datetime, _end: datetime) -> list[Any]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    app = create_app(bench.settings, bench.desk, bench.accounts, lambda query: [], secret=secrets.token_urlsafe(32),
                     clock=lambda: NOW, tracker_events=broken, feedback=broken)
    browser = Browser(app.test_client())
    assert browser.sign_in("rikke", PASSWORDS["rikke"]).status_code == 302
    page = text_of(browser.page("/hr/insights"))
    assert "Samtalerne kunne ikke læses fra bottens database (TRACKER_DB_URL)." in page
    assert "Tilbagemeldingerne kunne ikke læses." in page and "Ingen spørgsmål i perioden." in page
    response = browser.client.get("/hr/insights/questions.csv")
    assert response.status_code == 503 and "Samtalerne kunne ikke læses" in text_of(response.get_data(as_text=True))
