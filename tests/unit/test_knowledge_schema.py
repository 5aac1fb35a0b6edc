"""knowledge/schema.json (used by editors such as VS Code's YAML extension) agrees with the loader."""

from __future__ import annotations

import json

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.names import KINDS
from tests.conftest import KNOWLEDGE_DIR

SCHEMA = json.loads((KNOWLEDGE_DIR / "schema.json").read_text(encoding="utf-8"))
DOCUMENT_FILES = sorted(p for p in KNOWLEDGE_DIR.glob("*.yml") if p.name != "organisations.yml")


def test_schema_is_valid_and_knows_every_kind() -> None:
    Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["units"]["items"]["properties"]["kind"]["enum"] == list(KINDS)


@pytest.mark.parametrize("path", DOCUMENT_FILES, ids=lambda p: p.name)
def test_every_knowledge_file_matches_the_schema(path) -> None:
    errors = list(Draft7Validator(SCHEMA).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert not errors, [e.message for e in errors]
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=./schema.json")


@pytest.mark.parametrize(
    "unit",
    [
        {"id": "a.b", "kind": "value", "title": "Uden tekst"},
        {"id": "a.b", "kind": "level_description", "title": "T", "text": "x", "parent": "a", "level": 3},
        {"id": "A B", "kind": "value", "title": "T", "text": "x"},
        {"id": "a.b", "kind": "tema", "title": "T", "text": "x"},
        {"id": "a.b", "kind": "quote", "title": "T", "text": "x"},
        {"id": "a.b", "kind": "value", "title": "T", "text": "x", "farve": "rød"},
    ],
)
def test_schema_rejects_what_the_loader_rejects(unit) -> None:
    document = {"document": {"id": "d", "organisation": "kl", "title": "T", "source_title": "S",
                             "source_file": "f.txt"}, "units": [unit]}
    assert list(Draft7Validator(SCHEMA).iter_errors(document))
