"""The insight page's pure part (bot.insights.insight) and the CSV for Danish Excel (bot.insights.export):
hand-built questions, answers and feedback in, figures, trends, groups and files out; no database."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.insights.data import Answer, Question, group_similar
from bot.insights.export import CSV_FIELDS, cell, decimal, questions_csv
from bot.insights.feedback import Feedback
from bot.insights.insight import (
    DEFAULT_DAYS,
    MAX_DAYS,
    UNKNOWN_CHANNEL,
    Filters,
    PeriodData,
    apply_filters,
    channel_name,
    channels,
    choose_days,
    count_rows,
    figures,
    filter_choices,
    negative_feedback,
    outcomes,
    period_of_days,
    previous_days,
    share_answered,
    share_trend,
    synonym_words,
    top_units,
    trend,
    unanswered_groups,
)

T0 = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
UNIT = "kalundborg.drift.sikker-drift"
OTHER = "glostrup.rollen"
ORGANISATION_OF = {UNIT: "kalundborg", OTHER: "glostrup"}


def question(text: str, outcome: str = "answered", unit: str | None = None, sender: str = "leder",
             channel: str = "rest", minute: int = 0, conversation: str | None = None) -> Question:
    return Question(T0 + timedelta(minutes=minute), sender, conversation or f"{sender}#0", channel, text,
                    "ask_fact", 0.9, outcome, unit)


def answer(unit: str, sender: str = "leder", channel: str = "rest") -> Answer:
    return Answer(T0, sender, channel, unit)


def feedback(helpful: bool, unit: str | None = UNIT, sender: str = "leder", channel: str = "rest",
             minute: int = 0) -> Feedback:
    return Feedback(T0 + timedelta(minutes=minute), sender, channel, "spørgsmålet", unit, "v1", helpful)


# --- channel names ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "name"), [
    ("rest", "REST/intranet-API"), ("socketio", "Web-chat"), ("webchat", "Web-chat"),
    ("teams", "Microsoft Teams"), ("telegram", "Telegram"), ("Telegram", "Telegram"),
    ("ukendt", UNKNOWN_CHANNEL), ("unknown", UNKNOWN_CHANNEL), ("", UNKNOWN_CHANNEL), (None, UNKNOWN_CHANNEL),
    ("cmdline", "cmdline"),
])
def test_channel_name(raw: str | None, name: str) -> None:
    assert channel_name(raw) == name


def test_filter_choices_are_the_known_channels_and_any_other_seen() -> None:
    seen = [question("a", channel="socketio"), question("b", channel="cmdline")]
    assert filter_choices(seen, [feedback(True, channel="unknown")]) == [
        "cmdline", "Microsoft Teams", "REST/intranet-API", "Telegram", UNKNOWN_CHANNEL, "Web-chat"]


# --- periods ------------------------------------------------------------------------------------------------------

def test_a_period_of_days_runs_from_midnight_to_midnight_in_the_given_zone() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        copenhagen = zoneinfo.ZoneInfo("Europe/Copenhagen")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone data")
    period = period_of_days(date(2026, 10, 20), date(2026, 10, 30), copenhagen)  # summer time ends 25 October
    assert period.start == datetime(2026, 10, 19, 22, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 10, 30, 23, tzinfo=timezone.utc)
    utc = period_of_days(date(2026, 11, 1), date(2026, 11, 1))
    assert (utc.start, utc.end) == (datetime(2026, 11, 1, tzinfo=timezone.utc),
                                    datetime(2026, 11, 2, tzinfo=timezone.utc))


def test_the_previous_period_has_as_many_days() -> None:
    assert previous_days(date(2026, 11, 5), date(2026, 12, 4)) == (date(2026, 10, 6), date(2026, 11, 4))
    assert previous_days(date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 2, 28))


def test_choose_days_defaults_to_the_last_thirty_days() -> None:
    today = date(2026, 12, 4)
    assert choose_days("", "", today) == (date(2026, 11, 5), today, "")
    assert (today - choose_days("", "", today)[0]).days + 1 == DEFAULT_DAYS
    assert choose_days("2026-10-01", "2026-10-31", today) == (date(2026, 10, 1), date(2026, 10, 31), "")
    assert choose_days("2026-12-01", "", today) == (date(2026, 12, 1), today, "")  # "til" empty: today


@pytest.mark.parametrize(("first", "last", "error"), [
    ("i går", "", "kunne ikke læses"), ("2026-12-01", "2026-11-01", "Fra-datoen ligger efter til-datoen"),
    ("2024-01-01", "2026-12-04", f"højst {MAX_DAYS} dage"),
])
def test_choose_days_falls_back_to_the_default_and_says_why(first: str, last: str, error: str) -> None:
    chosen = choose_days(first, last, date(2026, 12, 4))
    assert chosen[:2] == (date(2026, 11, 5), date(2026, 12, 4)) and error in chosen[2]


# --- filters ------------------------------------------------------------------------------------------------------

def test_test_traffic_is_a_sender_with_the_prefix_and_left_out_unless_included() -> None:
    filters = Filters()
    assert filters.is_test("test-e2e-1") and not filters.is_test("leder-test-")
    assert not Filters(test_prefix="").is_test("test-e2e-1")
    assert not filters.keeps("test-e2e-1", "rest", None, {})
    assert Filters(include_test=True).keeps("test-e2e-1", "rest", None, {})
    assert Filters(test_prefix="demo-").keeps("test-e2e-1", "rest", None, {})


def test_the_channel_filter_is_by_human_name_and_the_organisation_by_the_answered_unit() -> None:
    web = Filters(channel="Web-chat")
    assert web.keeps("a", "socketio", None, {}) and web.keeps("a", "webchat", None, {})
    assert not web.keeps("a", "rest", None, {})
    kalundborg = Filters(organisation="kalundborg")
    assert kalundborg.keeps("a", "rest", UNIT, ORGANISATION_OF)
    assert not kalundborg.keeps("a", "rest", OTHER, ORGANISATION_OF)
    assert not kalundborg.keeps("a", "rest", None, ORGANISATION_OF)  # no answer, no organisation
    assert not kalundborg.keeps("a", "rest", "fjernet.enhed", ORGANISATION_OF)


def test_apply_filters_filters_questions_answers_and_feedback_alike() -> None:
    data = apply_filters(
        [question("a", unit=UNIT), question("b", sender="test-1", unit=UNIT), question("c", channel="telegram")],
        [answer(UNIT), answer(UNIT, sender="test-1"), answer(OTHER, channel="telegram")],
        [feedback(True), feedback(False, sender="test-1"), feedback(False, channel="telegram")],
        Filters(channel="REST/intranet-API"), ORGANISATION_OF)
    assert [q.text for q in data.questions] == ["a"]
    assert data.answers == [answer(UNIT)] and data.feedback == [feedback(True)]
    assert apply_filters([], [], None, Filters(), {}).feedback is None  # unreadable stays unreadable


# --- trends and figures -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "previous", "text", "direction"), [
    (6, 4, "+2 (+50 %)", "op"), (3, 6, "−3 (−50 %)", "ned"), (4, 0, "+4 (ny)", "op"), (0, 0, "uændret", "uændret"),
    (5, 5, "uændret", "uændret"), (0, 3, "−3 (−100 %)", "ned"), (2, 3, "−1 (−33 %)", "ned"),
])
def test_trend_of_a_count(current: int, previous: int, text: str, direction: str) -> None:
    result = trend(current, previous)
    assert (result.text, result.direction, result.change) == (text, direction, current - previous)


def test_trend_of_a_share_in_percentage_points() -> None:
    assert share_trend(0.75, 0.5).text == "+25 procentpoint"
    assert share_trend(3 / 7, 1.0).text == "−57 procentpoint"
    assert share_trend(0.5, 0.502).text == "uændret"
    assert share_trend(None, 0.5).text == share_trend(0.5, None).text == "ingen sammenligning"


def test_share_answered_leaves_out_greetings_and_counts_overviews() -> None:
    assert share_answered([question("a"), question("b", "listing"), question("c", "not_answered"),
                           question("hej", "other")]) == pytest.approx(2 / 3)
    assert share_answered([question("hej", "other")]) is None and share_answered([]) is None


def test_figures_compare_each_with_the_previous_period() -> None:
    now = PeriodData([question("a", unit=UNIT), question("b", "not_answered", sender="x"),
                      question("c", "low_confidence", sender="x", conversation="x#1")], [answer(UNIT)],
                     [feedback(True), feedback(False), feedback(False)])
    before = PeriodData([question("a", unit=UNIT)], [answer(UNIT)], [feedback(False)])
    shown = {f.label: (f.value, f.previous, f.trend.text) for f in figures(now, before)}
    assert shown == {
        "Spørgsmål": ("3", "1", "+2 (+200 %)"), "Samtaler": ("3", "1", "+2 (+200 %)"),
        "Andel besvaret": ("33 %", "100 %", "−67 procentpoint"), "Uden (sikkert) svar": ("2", "0", "+2 (ny)"),
        "Positive tilbagemeldinger": ("1", "0", "+1 (ny)"), "Negative tilbagemeldinger": ("2", "1", "+1 (+100 %)"),
    }


def test_figures_without_readable_feedback_say_so() -> None:
    shown = {f.label: f for f in figures(PeriodData([], [], None), PeriodData([], [], [feedback(True)]))}
    negative = shown["Negative tilbagemeldinger"]
    assert (negative.value, negative.previous, negative.trend.text) == ("–", "0", "ingen sammenligning")
    assert shown["Andel besvaret"].value == "–" and shown["Spørgsmål"].trend.text == "uændret"


def test_count_rows_most_first_with_trends_and_optionally_what_is_gone() -> None:
    rows = count_rows(Counter({"b": 2, "a": 2, "c": 5}), Counter({"a": 1, "gone": 3}))
    assert [(r.key, r.count, r.previous, r.trend.text) for r in rows] == [
        ("c", 5, 0, "+5 (ny)"), ("a", 2, 1, "+1 (+100 %)"), ("b", 2, 0, "+2 (ny)")]
    assert [r.key for r in count_rows(Counter({"a": 1}), Counter({"gone": 3}), keep_gone=True)] == ["a", "gone"]
    assert len(count_rows(Counter({str(n): n for n in range(1, 30)}), Counter(), limit=15)) == 15


def test_top_units_count_answers_and_channels_merge_web_chats_names() -> None:
    now = PeriodData([question("a", channel="socketio"), question("b", channel="webchat"),
                      question("c", channel="telegram")],
                     [answer(UNIT), answer(UNIT), answer(OTHER)], [])
    before = PeriodData([question("d", channel="rest")], [answer(UNIT)], [])
    assert [(r.key, r.count, r.trend.text) for r in top_units(now, before)] == [(UNIT, 2, "+1 (+100 %)"),
                                                                                (OTHER, 1, "+1 (ny)")]
    assert [(r.key, r.count, r.previous) for r in channels(now, before)] == [
        ("Web-chat", 2, 0), ("Telegram", 1, 0), ("REST/intranet-API", 0, 1)]


def test_outcomes_in_the_reports_order_with_hrs_names() -> None:
    rows = outcomes(PeriodData([question("a", "not_answered")], [], []), PeriodData([], [], []))
    assert [name for name, _ in rows][:2] == ["Besvaret", "Oversigt vist"] and len(rows) == 7
    assert dict(rows)["Ikke besvaret"].trend.text == "+1 (ny)"


# --- questions without an answer ----------------------------------------------------------------------------------

def test_unanswered_groups_are_group_similars_groups_of_the_to_do_outcomes() -> None:
    asked = [
        question("hvordan booker jeg et mødelokale", "not_answered", minute=1),
        question("Sikker drift?", unit=UNIT, minute=2),  # answered: not HR's to-do
        question("booke mødelokale til mødet", "low_confidence", minute=3),
        question("booke mødelokale til mødet", "not_answered", minute=4),
        question("hvor kan jeg parkere min cykel", "not_answered", minute=5),
        question("hvad med KL", "asked_which", minute=6),
    ]
    groups = unanswered_groups(asked)
    todo = [q for q in asked if q.outcome in ("not_answered", "low_confidence")]
    assert [g.questions for g in groups] == group_similar(todo)
    booking = groups[0]
    assert booking.size == 3 and booking.question == "booke mødelokale til mødet"  # the most asked wording
    assert booking.examples == ["hvordan booker jeg et mødelokale", "booke mødelokale til mødet"]
    assert booking.outcomes == [("Ikke besvaret", 2), ("Usikkert svar", 1)]
    assert booking.synonym == "booke mødelokale til mødet"
    assert len(unanswered_groups(asked, limit=1)) == 1 and unanswered_groups([question("a")]) == []


@pytest.mark.parametrize(("text", "words"), [
    ("Hvordan booker jeg et mødelokale?", "Hvordan booker jeg et mødelokale"),
    ("  »ferie,   afspadsering og  fravær!« ", "ferie afspadsering og fravær"),
    ("ring til [TELEFON] om løn", "ring til om løn"),
    ("...?", ""),
])
def test_synonym_words(text: str, words: str) -> None:
    assert synonym_words(text) == words


def test_negative_feedback_newest_first() -> None:
    items = [feedback(False, minute=1), feedback(True, minute=2), feedback(False, minute=3)]
    assert [f.created_at.minute for f in negative_feedback(items)] == [3, 1]
    assert negative_feedback(None) == []


# --- the CSV ------------------------------------------------------------------------------------------------------

def test_the_csv_is_semicolon_separated_utf8_with_a_bom_and_decimal_commas() -> None:
    rows = [question("Hvad betyder sikker drift; og hvorfor?", unit=UNIT),
            Question(T0, "leder", "leder#0", "telegram", 'æøå "citat"', "nlu_fallback", 0.45, "low_confidence",
                     None, "negativ", "ikke det jeg spurgte om")]
    data = questions_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 3
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(CSV_FIELDS)
    parsed = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert parsed[0]["question"] == "Hvad betyder sikker drift; og hvorfor?" and parsed[0]["unit_id"] == UNIT
    assert parsed[0]["timestamp"] == "2026-11-20T09:00:00+00:00" and parsed[0]["confidence"] == "0,900"
    assert parsed[1] == {**parsed[1], "question": 'æøå "citat"', "confidence": "0,450", "feedback": "negativ",
                         "feedback_comment": "ikke det jeg spurgte om", "unit_id": ""}
    assert questions_csv([]).decode("utf-8-sig") == ";".join(CSV_FIELDS) + "\r\n"


def test_a_cell_that_would_start_a_formula_is_kept_as_text() -> None:
    assert [cell(v) for v in ("=HYPERLINK(\"x\")", "+45 1234", "-1", "@SUM", "hej = hej")] == [
        "'=HYPERLINK(\"x\")", "'+45 1234", "'-1", "'@SUM", "hej = hej"]
    assert decimal(0.4567) == "0,457" and decimal(1.0, 1) == "1,0"
    text = questions_csv([question("=1+1")]).decode("utf-8-sig")
    assert next(csv.DictReader(io.StringIO(text), delimiter=";"))["question"] == "'=1+1"
