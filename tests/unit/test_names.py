"""bot/names.py against the files that spell the same names: domain.yml and the knowledge schema."""

from __future__ import annotations

import json

import yaml

from bot.names import KINDS, Entity, Intent, Slot, UnitKind
from tests.conftest import KNOWLEDGE_DIR, ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_intents_entities_and_slots_are_the_domains() -> None:
    assert {i.value for i in Intent} == set(DOMAIN["intents"])
    assert {e.value for e in Entity} == set(DOMAIN["entities"])
    assert {s.value for s in Slot} == set(DOMAIN["slots"])


def test_unit_kinds_are_the_schemas() -> None:
    schema = json.loads((KNOWLEDGE_DIR / "schema.json").read_text(encoding="utf-8"))
    assert list(KINDS) == schema["properties"]["units"]["items"]["properties"]["kind"]["enum"]
    assert tuple(k.value for k in UnitKind) == KINDS


def test_a_name_is_its_string_for_comparison_hashing_and_formatting() -> None:
    """Values read from YAML or SQL are plain strings; they must meet the members as equals."""
    assert UnitKind.THEME == "theme" and {"theme": 1}[UnitKind.THEME] == 1 and {UnitKind.THEME: 1}["theme"] == 1
    assert f"{Slot.LAST_UNIT}" == str(Slot.LAST_UNIT) == "last_unit"
    assert json.dumps({"name": Slot.LAST_UNIT}) == '{"name": "last_unit"}'
