"""Personal data is masked before conversations are stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import mask
from bot.tracker_store import MaskingSQLTrackerStore
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
    # The conversation itself (in memory) still has the original text; only storage is masked.
    assert tracker.latest_message.text == text
