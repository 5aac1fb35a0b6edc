"""The committed knowledge files: complete, structured as the sources are, and never invented."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.core.model import KnowledgeSet
from tests.conftest import SOURCES_DIR


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("–", "-").replace("»", '"').replace("«", '"')
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)  # PDF line-break hyphenation
    text = re.sub(r"\s+", " ", text)
    return text.lower()


def _source_text() -> str:
    return _normalise("\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES_DIR.glob("*.txt"))))


def _squash(text: str) -> str:
    return re.sub(r"[^a-zæøå0-9]", "", text.lower())


def test_every_sentence_comes_from_the_sources(knowledge: KnowledgeSet) -> None:
    """Each sentence of every text and list item appears in the sources (layout noise removed)."""
    if not SOURCES_DIR.exists():
        pytest.skip("shared/sources is not beside the project")
    source = _squash(_source_text())
    # Page numbers sit inside sentences that cross a page in the network guide's extract.
    source_no_pages = _squash(re.sub(r"\s\d{1,2}\s+\d{1,2}\s", " ", _source_text()))
    missing = []
    for unit in knowledge.units:
        pieces = [unit.text, *unit.items]
        for piece in pieces:
            for sentence in re.split(r"(?<=[.?!:])\s+", piece):
                squashed = _squash(sentence.strip("*"))
                if len(squashed) < 12:
                    continue
                if squashed not in source and squashed not in source_no_pages:
                    missing.append(f"{unit.id}: {sentence[:90]}")
    assert not missing, "Text not found in the sources:\n" + "\n".join(missing)


def test_kalundborg_has_four_fields_with_three_pejlemaerker_and_two_levels(knowledge: KnowledgeSet) -> None:
    units = [u for u in knowledge.units if u.organisation_id == "kalundborg"]
    fields = [u for u in units if u.kind == "field"]
    assert len(fields) == 4
    for field in fields:
        pejlemaerker = [u for u in units if u.parent_id == field.id and u.kind == "pejlemaerke"]
        assert len(pejlemaerker) == 3, field.id
        for p in pejlemaerker:
            assert p.text.startswith("Handler om"), p.id
            levels = sorted(u.level for u in units if u.parent_id == p.id and u.kind == "level_description")
            assert levels == [1, 2], p.id


def test_kalundborg_level_blocks_are_in_source_order(knowledge: KnowledgeSet) -> None:
    by_id = {u.id: u for u in knowledge.units}
    # The first block after "Handler om" is Niveau 1; the block after the NIVEAU headings is Niveau 2.
    assert by_id["kalundborg.drift.sikker-drift.niveau-1"].text.startswith("Udvikler rammen for en sammenhængende")
    assert by_id["kalundborg.drift.sikker-drift.niveau-2"].text.startswith("Tager ansvar for driften i egen enhed")


def test_glostrup_has_five_themes_with_commitments(knowledge: KnowledgeSet) -> None:
    themes = [u for u in knowledge.units if u.kind == "theme" and u.organisation_id == "glostrup"]
    assert [t.title.split(" ")[0] for t in themes] == ["ROLLEN", "RETNINGEN", "RELATIONERNE", "RESULTATERNE",
                                                       "RAMMERNE"]
    for theme in themes:
        assert theme.headline and len(theme.items) >= 6, theme.id


def test_network_guide_has_four_themes_each_with_questions(knowledge: KnowledgeSet) -> None:
    themes = [u for u in knowledge.units if u.kind == "network_theme"]
    assert len(themes) == 4
    for theme in themes:
        sets = [u for u in knowledge.units if u.parent_id == theme.id and u.kind == "question_set"]
        assert len(sets) == 1, theme.id
        assert len(sets[0].items) >= 4 and all(q.endswith("?") for q in sets[0].items), sets[0].id


def test_quotes_keep_their_speaker(knowledge: KnowledgeSet) -> None:
    quotes = [u for u in knowledge.units if u.kind == "quote"]
    assert quotes and all(q.speaker for q in quotes)


def test_every_unit_has_identity_and_source(knowledge: KnowledgeSet) -> None:
    documents = {d.id: d for d in knowledge.documents}
    assert Counter(u.id for u in knowledge.units).most_common(1)[0][1] == 1
    for unit in knowledge.units:
        assert unit.document_id in documents
        assert unit.section_path[-1] == unit.title
        assert (SOURCES_DIR / documents[unit.document_id].source_file).name.endswith(".txt")
