"""Personal data is masked before conversations are stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.privacy import mask
from bot.rasa.tracker_store import MaskingSQLTrackerStore
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mit cpr-nr. er 010203-1234", "mit cpr-nr. er [CPR]"),
        ("cpr 0102031234 tak", "cpr [CPR] tak"),
        ("skriv til anne.hansen@kalundborg.dk", "skriv til [E-MAIL]"),
        ("ring på 12 34 56 78", "ring på [TELEFON]"),
        ("ring på +45 12345678", "ring på [TELEFON]"),
        ("ring 1234 5678", "ring [TELEFON]"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", ["niveau 2 og 2-4 år", "764 ledere svarede, 90 pct.", "revideret 1. januar 2006"])
def test_leadership_numbers_are_kept(text: str) -> None:
    assert mask(text) == text


def test_tracker_store_writes_masked_user_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "tracker.db"
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{db}")
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = MaskingSQLTrackerStore(domain=domain)
    text = "jeg hedder Anne, cpr 010203-1234, mail anne@example.dk, tlf 12345678 - hvad er rotation?"
    tracker = DialogueStateTracker.from_events("leder", [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "ask_principle", "confidence": 0.9}, [], {"text": text}, input_channel="rest"),
        SlotSet("last_query", text),
        BotUttered("Rotation (KL) …"),
    ])
    import asyncio

    asyncio.run(store.save(tracker))
    with sa.create_engine(f"sqlite:///{db}").connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, data FROM events")).all()
    stored = " ".join(data for _, data in rows)
    assert "010203" not in stored and "anne@example.dk" not in stored and "12345678" not in stored
    user = json.loads(next(data for kind, data in rows if kind == "user"))
    assert user["text"] == "jeg hedder Anne, cpr [CPR], mail [E-MAIL], tlf [TELEFON] - hvad er rotation?"
    assert user["parse_data"]["text"] == user["text"] and user["input_channel"] == "rest"
    slot = json.loads(next(data for kind, data in rows if kind == "slot"))
    assert slot["name"] == "last_query" and slot["value"] == user["text"]
    # The conversation itself (in memory) still has the original text; only storage is masked.
    assert tracker.latest_message.text == text


def test_purge_deletes_only_old_conversations_and_feedback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from datetime import datetime, timedelta, timezone

    from bot.insights.feedback import Feedback, FeedbackRepository
    from bot.insights.purge import parse_age, purge
    from bot.knowledge.db import make_engine

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    now = datetime.now(timezone.utc)
    old, new = (now - timedelta(days=100)).timestamp(), (now - timedelta(days=5)).timestamp()
    monkeypatch.setenv("TRACKER_DB_URL", tracker_url)
    store = MaskingSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")))
    for sender, stamp in (("gammel", old), ("ny", new)):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, [
            UserUttered("hvad er rotation?", {"name": "ask_principle", "confidence": 0.9}, timestamp=stamp),
        ])))
    feedback_engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    repo = FeedbackRepository(feedback_engine)
    for sender, when in (("gammel", now - timedelta(days=100)), ("ny", now - timedelta(days=5))):
        repo.record(Feedback(when, sender, "rest", "spørgsmål", "netvaerk.gryden.rotation", "v1", True))

    result = purge(make_engine(tracker_url), feedback_engine, parse_age("90d"), now=now)
    assert result.events == 1 and result.feedback == 1
    with sa.create_engine(tracker_url).connect() as conn:
        assert [r[0] for r in conn.execute(sa.text("SELECT sender_id FROM events"))] == ["ny"]
    assert [f.sender_id for f in repo.between(now - timedelta(days=365), now)] == ["ny"]
    with pytest.raises(ValueError):
        parse_age("tre måneder")


def test_tracker_store_on_postgresql(pg_engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same masking tracker store runs on PostgreSQL (TRACKER_DB_URL), as in production."""
    import asyncio

    from tests.conftest import PG_URL

    monkeypatch.setenv("TRACKER_DB_URL", PG_URL)
    store = MaskingSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")))
    sender = "pg-leder"
    with pg_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    text = "ring til mig på 12345678 om rotation"
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "ask_principle", "confidence": 0.9}, [], {"text": text}, input_channel="rest"),
    ])))
    restored = asyncio.run(store.retrieve(sender))
    assert restored is not None and restored.latest_message.text == "ring til mig på [TELEFON] om rotation"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_data_subject_gets_their_conversation_and_can_have_it_deleted(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, request) -> None:
    """`privacy export --sender` gives one conversation's events and feedback; `delete` removes only those."""
    import asyncio
    from datetime import datetime, timezone

    from bot.cli.main import main
    from bot.insights.feedback import Feedback, FeedbackRepository
    from bot.knowledge.db import make_engine
    from tests.conftest import PG_URL

    if database == "postgresql":
        request.getfixturevalue("pg_engine")
    url = PG_URL if database == "postgresql" else f"sqlite:///{tmp_path / 'both.db'}"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    monkeypatch.setenv("KNOWLEDGE_DB_URL", url)
    store = MaskingSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")))
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id IN ('anne-42', 'bo-7')"))
    from bot.insights import tables as feedback_tables

    feedback_tables.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM feedback WHERE sender_id IN ('anne-42', 'bo-7')"))
    for sender in ("anne-42", "bo-7"):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, [
            ActionExecuted("action_listen"),
            UserUttered(f"{sender}: hvad er rotation?", {"name": "ask_principle", "confidence": 0.9}, [],
                        input_channel="rest"),
            BotUttered("Rotation (KL) …"),
        ])))
        FeedbackRepository(engine).record(Feedback(datetime.now(timezone.utc), sender, "rest", "hvad er rotation?",
                                                   "netvaerk.gryden.rotation", "v1", False, "for kort"))
    out = tmp_path / "anne.json"
    assert main(["privacy", "export", "--sender", "anne-42", "--out", str(out)]) == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [e.get("text") for e in exported["events"] if e["type"] == "user"] == ["anne-42: hvad er rotation?"]
    assert "bo-7" not in out.read_text(encoding="utf-8")
    assert [(f["unit_id"], f["helpful"], f["comment"]) for f in exported["feedback"]] == [
        ("netvaerk.gryden.rotation", False, "for kort")]
    assert main(["privacy", "delete", "--sender", "anne-42"]) == 0
    assert "anne-42" in capsys.readouterr().out
    with engine.connect() as conn:
        left = {r[0] for r in conn.execute(sa.text(
            "SELECT sender_id FROM events WHERE sender_id IN ('anne-42', 'bo-7') UNION "
            "SELECT sender_id FROM feedback WHERE sender_id IN ('anne-42', 'bo-7')"))}
    assert left == {"bo-7"}
