"""Loading and typed queries against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.core.model import KnowledgeSet
from bot.knowledge.db import make_engine
from bot.knowledge.loader import KnowledgeError
from bot.knowledge.publish import load_into
from bot.knowledge.repository import KnowledgeUnavailable, SqlKnowledgeRepository
from bot.knowledge.store import replace_knowledge
from tests.conftest import KNOWLEDGE_DIR


def test_typed_queries(any_engine: Engine, knowledge: KnowledgeSet) -> None:
    repo = SqlKnowledgeRepository(any_engine)
    assert repo.version() == knowledge.version

    unit = repo.get("kalundborg.drift.sikker-drift")
    assert unit is not None and unit.kind == "pejlemaerke" and unit.organisation_id == "kalundborg"
    assert unit.section_path == ("Vi holder styr på driften", "Sikker drift med prioriterede ressourcer på tværs")

    level2 = repo.level_description("kalundborg.drift.sikker-drift", 2)
    assert level2 is not None and level2.level == 2 and level2.text.startswith("Tager ansvar for driften")

    assert [u.id for u in repo.find(kind="field")] == [
        "kalundborg.samarbejder", "kalundborg.velfaerd", "kalundborg.drift", "kalundborg.styrker"]
    assert len(repo.find(kind="level_description", level=1)) == 12
    assert {u.organisation_id for u in repo.find(kind="theme")} == {"glostrup"}
    assert [u.id for u in repo.find(kind="pejlemaerke", parent="kalundborg.drift")] == [
        "kalundborg.drift.sikker-drift", "kalundborg.drift.oekonomistyring",
        "kalundborg.drift.evidensbaseret-opgaveloesning"]
    assert {u.id for u in repo.siblings("kalundborg.drift.sikker-drift")} >= {
        "kalundborg.drift.oekonomistyring", "kalundborg.drift.evidensbaseret-opgaveloesning"}
    assert repo.get("does.not.exist") is None


def test_items_keep_their_order(any_engine: Engine, knowledge: KnowledgeSet) -> None:
    repo = SqlKnowledgeRepository(any_engine)
    expected = next(u for u in knowledge.units if u.id == "glostrup.relationerne")
    stored = repo.get("glostrup.relationerne")
    assert stored is not None and stored.items == expected.items and len(stored.items) == 8


def test_failed_validation_leaves_previous_content(tmp_path: Path, knowledge: KnowledgeSet) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    load_into(engine, KNOWLEDGE_DIR, with_embeddings=False)
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, broken)
    path = broken / "glostrup-ledelsesgrundlag.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: theme\n", "kind: tema\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_into(engine, broken, with_embeddings=False)
    repo = SqlKnowledgeRepository(engine)
    assert repo.version() == knowledge.version
    assert len(repo.find()) == len(knowledge.units)


def test_database_error_mid_load_rolls_back(any_engine: Engine, knowledge: KnowledgeSet) -> None:
    """A write that fails half-way (here: a duplicate primary key) leaves the old content untouched."""
    repo = SqlKnowledgeRepository(any_engine)
    before = len(repo.find())
    duplicate = dataclasses.replace(knowledge, units=knowledge.units + knowledge.units[:1], version="broken")
    with pytest.raises(IntegrityError):
        replace_knowledge(any_engine, duplicate)
    assert repo.version() == knowledge.version
    assert len(repo.find()) == before


def test_unreadable_database_raises_knowledge_unavailable(tmp_path: Path) -> None:
    repo = SqlKnowledgeRepository(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(KnowledgeUnavailable):
        repo.version()
    with pytest.raises(KnowledgeUnavailable):
        repo.get("kl.dagsorden")
