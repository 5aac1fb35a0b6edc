"""The workbench's insight page ("Indsigt"), its pure part: periods, filters, trends, channel names, groups.

The page reads the tracker events and the feedback of a period and of the period of the same length before it
(``bot.hr.web.insights``); everything from there on is here, so it is tested with hand-built questions and no
database. The figures are counted as the report counts them (:mod:`bot.insights.data`): typed questions only,
answers with a unit including button presses, "answered" leaving out greetings and thanks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from bot.insights.data import OUTCOMES, TODO, TOP_UNITS, Answer, Question, group_similar
from bot.insights.feedback import Feedback

DEFAULT_DAYS = 30
MAX_DAYS = 366
EXAMPLES = 5
UNKNOWN_CHANNEL = "Ukendt kanal"
# What Rasa's tracker holds as ``input_channel`` (each input channel's ``name()``, bot/rasa/channels) → HR's name.
CHANNEL_NAMES = {
    "rest": "REST/intranet-API",
    "socketio": "Web-chat",
    "webchat": "Web-chat",
    "teams": "Microsoft Teams",
    "botframework": "Microsoft Teams",
    "telegram": "Telegram",
}
NO_CHANNEL = frozenset({"", "ukendt", "unknown"})  # the report's and the feedback action's word for "not known"
MASKED = re.compile(r"\[(?:CPR|E-MAIL|TELEFON)\]")
EDGE_PUNCTUATION = " \t\"'«»“”„‘’`´?!.:;,…-–—()[]{}"


def channel_name(channel: str | None) -> str:
    """A channel as HR knows it ("socketio" → "Web-chat"); a channel without a name here keeps its own.

    Args:
        channel: The ``input_channel`` of a message or the ``channel`` of a piece of feedback.

    Returns:
        The human name; ``Ukendt kanal`` when the channel was not recorded.
    """
    raw = (channel or "").strip()
    if raw.lower() in NO_CHANNEL:
        return UNKNOWN_CHANNEL
    return CHANNEL_NAMES.get(raw.lower(), raw)


@dataclass(frozen=True)
class Period:
    """A stretch of time, ``start`` inclusive and ``end`` exclusive (both timezone-aware)."""

    start: datetime
    end: datetime


def period_of_days(first: date, last: date, zone: tzinfo = timezone.utc) -> Period:
    """The period from the start of ``first`` to the end of ``last`` (both included), as days in ``zone``.

    Args:
        first: The first day.
        last: The last day (not before ``first``).
        zone: Whose midnight starts a day (the workbench uses Danish time).

    Returns:
        The period in UTC.
    """
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(timezone.utc)
    return Period(start, end)


def previous_days(first: date, last: date) -> tuple[date, date]:
    """The days of the same number just before ``first``: the period the trends compare with.

    Args:
        first: The chosen period's first day.
        last: Its last day.

    Returns:
        The previous period's first and last day.
    """
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def choose_days(first: str, last: str, today: date) -> tuple[date, date, str]:
    """The days the period picker asks for; the last ``DEFAULT_DAYS`` days up to today when it asks for none.

    Args:
        first: The "fra" date as the form sends it (``2026-11-05``), or empty.
        last: The "til" date, or empty.
        today: Today's date (the default period ends with it).

    Returns:
        The first and last day, and an error in Danish (empty when the dates were fine). A bad choice falls back
        to the default period and says why.
    """
    default = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    if not first.strip() and not last.strip():
        return (*default, "")
    try:
        start = date.fromisoformat(first.strip()) if first.strip() else default[0]
        end = date.fromisoformat(last.strip()) if last.strip() else today
    except ValueError:
        return (*default, "Datoerne kunne ikke læses (skriv dem som 2026-11-05). Siden viser de seneste "
                          f"{DEFAULT_DAYS} dage.")
    if start > end:
        return (*default, f"Fra-datoen ligger efter til-datoen. Siden viser de seneste {DEFAULT_DAYS} dage.")
    if (end - start).days + 1 > MAX_DAYS:
        return (*default, f"Vælg højst {MAX_DAYS} dage ad gangen. Siden viser de seneste {DEFAULT_DAYS} dage.")
    return start, end, ""


@dataclass(frozen=True)
class Filters:
    """Which questions the page counts: one organisation's units, one channel, with or without test traffic.

    ``organisation`` is an organisation id and ``channel`` a channel's human name (:func:`channel_name`); empty
    means all. Test traffic is a sender id starting with ``test_prefix`` (``HR_TEST_SENDER_PREFIX``).
    """

    organisation: str = ""
    channel: str = ""
    include_test: bool = False
    test_prefix: str = "test-"

    def is_test(self, sender_id: str) -> bool:
        """Whether a sender is test traffic (the end-to-end tests and demos), left out unless asked for."""
        return bool(self.test_prefix) and sender_id.startswith(self.test_prefix)

    def keeps(self, sender_id: str, channel: str, unit_id: str | None, organisation_of: Mapping[str, str]) -> bool:
        """Whether one question, answer or piece of feedback passes the filters.

        Args:
            sender_id: Who asked.
            channel: Where (the raw channel).
            unit_id: The unit answered with, if any; with an organisation chosen, only its units' pass.
            organisation_of: Unit id → organisation id.

        Returns:
            True when it is counted.
        """
        if not self.include_test and self.is_test(sender_id):
            return False
        if self.channel and channel_name(channel) != self.channel:
            return False
        return not self.organisation or organisation_of.get(unit_id or "") == self.organisation


@dataclass(frozen=True)
class PeriodData:
    """What one period holds once filtered: typed questions, answers with a unit, feedback (None: unreadable)."""

    questions: list[Question]
    answers: list[Answer]
    feedback: list[Feedback] | None


def apply_filters(questions: Iterable[Question], answers: Iterable[Answer], feedback: Iterable[Feedback] | None,
                  filters: Filters, organisation_of: Mapping[str, str]) -> PeriodData:
    """Keep what passes the filters (:meth:`Filters.keeps`).

    Args:
        questions: The period's questions.
        answers: The period's answers with a unit.
        feedback: The period's feedback, or None when it could not be read.
        filters: What to keep.
        organisation_of: Unit id → organisation id.

    Returns:
        The filtered period.
    """
    def keep(sender: str, channel: str, unit: str | None) -> bool:
        return filters.keeps(sender, channel, unit, organisation_of)

    return PeriodData(
        [q for q in questions if keep(q.sender_id, q.channel, q.unit_id)],
        [a for a in answers if keep(a.sender_id, a.channel, a.unit_id)],
        None if feedback is None else [f for f in feedback if keep(f.sender_id, f.channel, f.unit_id)],
    )


@dataclass(frozen=True)
class Trend:
    """A figure against the previous period: the change, which way, and how HR reads it."""

    change: float
    direction: str  # "op", "ned", "uændret" or "ingen" (nothing to compare)
    text: str


def _signed(value: float) -> str:
    """``+3``, ``−2``, ``0`` (a real minus sign)."""
    number = f"{abs(value):g}".replace(".", ",")
    return f"+{number}" if value > 0 else f"−{number}" if value < 0 else number


def trend(current: int, previous: int) -> Trend:
    """A count against the previous period's: ``+2 (+50 %)``, ``−3 (−50 %)``, ``+4 (ny)``, ``uændret``.

    Args:
        current: This period's count.
        previous: The previous period's count.

    Returns:
        The trend; the per cent is left out when the previous period had none (``ny``).
    """
    change = current - previous
    if change == 0:
        return Trend(0, "uændret", "uændret")
    direction = "op" if change > 0 else "ned"
    if previous == 0:
        return Trend(change, direction, f"{_signed(change)} (ny)")
    return Trend(change, direction, f"{_signed(change)} ({_signed(round(100 * change / previous))} %)")


def share_trend(current: float | None, previous: float | None) -> Trend:
    """A share against the previous period's, in percentage points: ``+25 procentpoint``.

    Args:
        current: This period's share (0–1), None when there was nothing to share.
        previous: The previous period's share, or None.

    Returns:
        The trend; ``ingen sammenligning`` when either period had nothing to count.
    """
    if current is None or previous is None:
        return Trend(0, "ingen", "ingen sammenligning")
    points = round(100 * current) - round(100 * previous)
    if points == 0:
        return Trend(0, "uændret", "uændret")
    return Trend(points, "op" if points > 0 else "ned", f"{_signed(points)} procentpoint")


def share_answered(questions: Iterable[Question]) -> float | None:
    """The share of questions about content that got an answer or an overview (greetings and thanks not counted).

    Args:
        questions: The questions.

    Returns:
        A share from 0 to 1; None when there was no question about content.
    """
    outcomes = Counter(q.outcome for q in questions)
    relevant = sum(outcomes.values()) - outcomes["other"]
    return (outcomes["answered"] + outcomes["listing"]) / relevant if relevant else None


def percent(share: float | None) -> str:
    """``75 %`` (Danish spacing), or ``–`` for no share."""
    return "–" if share is None else f"{round(100 * share)} %"


@dataclass(frozen=True)
class Figure:
    """One key figure: what it counts, its value now and before, and the trend."""

    label: str
    value: str
    previous: str
    trend: Trend


def figures(current: PeriodData, previous: PeriodData) -> list[Figure]:
    """The key figures of the page, each against the previous period.

    Questions, conversations, the share answered, questions without a (sure) answer, positive and negative
    feedback (``–`` when the feedback could not be read).

    Args:
        current: The chosen period, filtered.
        previous: The period before it, filtered the same way.

    Returns:
        The figures in the order the page shows them.
    """
    def count(label: str, measure: Callable[[PeriodData], int | None]) -> Figure:
        now, before = measure(current), measure(previous)
        if now is None or before is None:
            return Figure(label, "–" if now is None else str(now), "–" if before is None else str(before),
                          Trend(0, "ingen", "ingen sammenligning"))
        return Figure(label, str(now), str(before), trend(now, before))

    def votes(helpful: bool) -> Callable[[PeriodData], int | None]:
        return lambda data: None if data.feedback is None else sum(f.helpful is helpful for f in data.feedback)

    share_now, share_before = share_answered(current.questions), share_answered(previous.questions)
    return [
        count("Spørgsmål", lambda data: len(data.questions)),
        count("Samtaler", lambda data: len({q.conversation for q in data.questions})),
        Figure("Andel besvaret", percent(share_now), percent(share_before), share_trend(share_now, share_before)),
        count("Uden (sikkert) svar", lambda data: sum(q.outcome in TODO for q in data.questions)),
        count("Positive tilbagemeldinger", votes(True)),
        count("Negative tilbagemeldinger", votes(False)),
    ]


@dataclass(frozen=True)
class CountRow:
    """One row of a table of counts (a unit, a channel, an outcome) with the previous period's count."""

    key: str
    count: int
    previous: int
    trend: Trend


def count_rows(current: Counter[str], previous: Counter[str], limit: int | None = None,
               keep_gone: bool = False) -> list[CountRow]:
    """Rows of counts, most first (equal counts by key), each with its trend.

    Args:
        current: Count per key in the chosen period.
        previous: Count per key in the previous period.
        limit: At most this many rows.
        keep_gone: Also list keys the previous period had and this one has not (with count 0).

    Returns:
        The rows.
    """
    keys = set(current) | (set(previous) if keep_gone else set())
    ordered = sorted((k for k in keys if current[k] or previous[k]), key=lambda k: (-current[k], -previous[k], k))
    return [CountRow(k, current[k], previous[k], trend(current[k], previous[k])) for k in ordered[:limit]]


def top_units(current: PeriodData, previous: PeriodData, limit: int = TOP_UNITS) -> list[CountRow]:
    """The most answered units (button presses included), each with its trend.

    Args:
        current: The chosen period, filtered.
        previous: The period before it.
        limit: How many units.

    Returns:
        Rows keyed by unit id, most answered first.
    """
    return count_rows(Counter(a.unit_id for a in current.answers), Counter(a.unit_id for a in previous.answers),
                      limit)


def channels(current: PeriodData, previous: PeriodData) -> list[CountRow]:
    """Questions per channel by the channel's human name (web-chat's two names counted as one).

    Args:
        current: The chosen period, filtered.
        previous: The period before it.

    Returns:
        Rows keyed by channel name, a channel used only in the previous period included (count 0).
    """
    def per_channel(data: PeriodData) -> Counter[str]:
        return Counter(channel_name(q.channel) for q in data.questions)

    return count_rows(per_channel(current), per_channel(previous), keep_gone=True)


def outcomes(current: PeriodData, previous: PeriodData) -> list[tuple[str, CountRow]]:
    """Questions per outcome, in the report's order, with HR's name for each outcome.

    Args:
        current: The chosen period, filtered.
        previous: The period before it.

    Returns:
        ``(name, row)`` for every outcome, also those with no question.
    """
    now = Counter(q.outcome for q in current.questions)
    before = Counter(q.outcome for q in previous.questions)
    return [(name, CountRow(key, now[key], before[key], trend(now[key], before[key])))
            for key, name in OUTCOMES.items()]


def synonym_words(text: str) -> str:
    """A question's words as a synonym: masked parts and commas out, punctuation at the ends off, one space apart.

    Args:
        text: The question as the leader typed it (masked by the tracker store).

    Returns:
        The words, e.g. ``Hvordan booker jeg et mødelokale`` for "Hvordan booker jeg et mødelokale?".
    """
    words = " ".join(re.sub(r"[,;\n\r\t]", " ", MASKED.sub(" ", text)).split())
    return words.strip(EDGE_PUNCTUATION)


@dataclass(frozen=True)
class Group:
    """Similar questions without a (sure) answer: one topic HR may want to write or point a synonym at."""

    questions: list[Question]
    examples: list[str]
    outcomes: list[tuple[str, int]]  # (HR's name of the outcome, how many)
    question: str  # the wording asked most often (the first of equals): what the bot's search is asked

    @property
    def size(self) -> int:
        """How many questions the group holds."""
        return len(self.questions)

    @property
    def synonym(self) -> str:
        """The words to offer as a synonym: those of the most asked wording."""
        return synonym_words(self.question)


def unanswered_groups(questions: Iterable[Question], limit: int | None = None) -> list[Group]:
    """The questions without a (sure) answer, grouped as :func:`~bot.insights.data.group_similar` does.

    Args:
        questions: The period's questions (all outcomes; only not answered and low confidence are used).
        limit: At most this many groups, the largest.

    Returns:
        The groups, largest first, each with up to ``EXAMPLES`` distinct wordings.
    """
    groups = []
    for members in group_similar([q for q in questions if q.outcome in TODO])[:limit]:
        kinds = Counter(OUTCOMES[q.outcome] for q in members).most_common()
        examples = list(dict.fromkeys(q.text for q in members))[:EXAMPLES]
        groups.append(Group(members, examples, kinds, Counter(q.text for q in members).most_common(1)[0][0]))
    return groups


def negative_feedback(feedback: Iterable[Feedback] | None) -> list[Feedback]:
    """The answers leaders marked as unhelpful, newest first.

    Args:
        feedback: The period's feedback (None: could not be read).

    Returns:
        The negative pieces.
    """
    return sorted((f for f in feedback or () if not f.helpful), key=lambda f: f.created_at, reverse=True)


def filter_choices(questions: Iterable[Question], feedback: Iterable[Feedback] | None = None) -> list[str]:
    """The channel names the channel filter offers: the known channels and any other seen in the period.

    Args:
        questions: Questions of the chosen and the previous period (unfiltered).
        feedback: Their feedback.

    Returns:
        The names, sorted, each once.
    """
    seen = {channel_name(q.channel) for q in questions} | {channel_name(f.channel) for f in feedback or ()}
    return sorted(set(CHANNEL_NAMES.values()) | seen, key=str.casefold)
