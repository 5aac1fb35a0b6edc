"""Item- and sentence-level passages, the scope model and the pure parts of follow-ups."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.answering import Answerer, Question, asks_for_more, asks_level_comparison, correction_topic
from bot.core.model import Unit
from bot.core.passages import passage_id, passages_of, sentences, split_passage_id
from bot.core.scope import ScopeModel, scope_examples
from bot.knowledge.service import NLU_FILE, KnowledgeService


def unit(**fields: object) -> Unit:
    base: dict[str, object] = {"id": "org.unit", "kind": "theme", "title": "T", "document_id": "d",
                               "organisation_id": "org", "position": 0}
    return Unit(**{**base, **fields})  # type: ignore[arg-type]


def test_sentences_split_at_sentence_ends_and_never_join_paragraphs() -> None:
    text = "Første sætning her. Anden sætning følger!\n\nNyt afsnit uden punktum\nfortsat linje"
    assert sentences(text) == ["Første sætning her.", "Anden sætning følger!", "Nyt afsnit uden punktum fortsat linje"]


def test_a_list_gives_one_passage_per_item_and_drops_its_lead_in() -> None:
    items = ("er bevidst om mine roller", "føler mig forpligtet over for helheden")
    found = passages_of(unit(text="Det indebærer, at jeg:", items=items))
    assert [p.text for p in found] == list(items)
    assert [p.id for p in found] == ["org.unit#0", "org.unit#1"]


def test_a_single_sentence_unit_is_its_own_passage() -> None:
    assert passages_of(unit(text="Sætter en retning for økonomistyring, der sikrer fleksibilitet.")) == []


def test_passage_ids_round_trip_and_unit_ids_are_not_passages() -> None:
    assert split_passage_id(passage_id("glostrup.rollen", 3)) == ("glostrup.rollen", 3)
    assert split_passage_id("glostrup.rollen") is None


def test_every_stored_passage_has_a_vector(service: KnowledgeService) -> None:
    snapshot = service.repository.snapshot()
    if not snapshot.embeddings:
        pytest.skip("knowledge loaded without embeddings")
    expected = {p.id for u in snapshot.units for p in passages_of(u)}
    assert expected and expected <= set(snapshot.embeddings)


def test_one_item_is_found_as_a_passage_of_its_unit(service: KnowledgeService) -> None:
    answerer = Answerer(service.index(), service.repository.organisations(), scope=service.scope())
    decision = answerer.decide(Question("hvordan skal jeg som leder i glostrup reagere på kritik", "ask_principle"))
    assert decision.kind == "answer" and decision.unit is not None and decision.unit.id == "glostrup.rollen"
    assert decision.passage is not None and "konstruktiv kritik" in decision.passage.text


def test_a_question_naming_the_unit_gets_the_whole_unit(service: KnowledgeService) -> None:
    answerer = Answerer(service.index(), service.repository.organisations(), scope=service.scope())
    decision = answerer.decide(Question("Hvad indebærer relationerne i Glostrup?", "ask_principle"))
    assert decision.unit is not None and decision.unit.id == "glostrup.relationerne" and decision.passage is None


def test_level_comparison_gives_both_levels_of_the_pejlemaerke(service: KnowledgeService) -> None:
    answerer = Answerer(service.index(), service.repository.organisations())
    decision = answerer.decide(Question("sammenlign niveau 1 og 2 for økonomistyring"))
    assert decision.kind == "compare" and decision.unit is not None
    assert decision.unit.id == "kalundborg.drift.oekonomistyring"
    assert [u.level for u in decision.options] == [1, 2]


@pytest.mark.parametrize("text", ["sammenlign niveau 1 og 2 for sikker drift", "hvad er forskellen på niveauerne",
                                  "niveau 1 og niveau 2 om økonomi"])
def test_asks_level_comparison(text: str) -> None:
    assert asks_level_comparison(text)


def test_one_level_is_no_comparison() -> None:
    assert not asks_level_comparison("hvad skal en niveau 2 leder om økonomi")


def test_corrections_and_requests_for_more() -> None:
    assert correction_topic("nej, jeg mente tillid mellem leder og medarbejder") == "tillid mellem leder og medarbejder"
    assert correction_topic("Jeg tænkte på rotation i netværkene?") == "rotation i netværkene"
    assert correction_topic("det var ikke det jeg mente") is None
    assert correction_topic("forkert svar") is None
    assert asks_for_more("fortæl mere") and asks_for_more("kan du uddybe det?")
    assert not asks_for_more("hvad indebærer rollen")


def test_scope_examples_come_from_the_nlu_data_without_annotations() -> None:
    inside, outside = scope_examples(NLU_FILE)
    assert len(inside) > 100 and len(outside) > 50
    assert not any("[" in t or "{" in t for t in inside + outside)


def test_scope_margin_is_positive_nearer_the_outside_examples() -> None:
    inside = np.array([[1.0, 0.0], [0.9, 0.1]], dtype=np.float32)
    outside = np.array([[0.0, 1.0], [0.1, 0.9]], dtype=np.float32)
    model = ScopeModel(inside, outside, k=2)
    assert model.outside_margin(np.array([0.0, 1.0], dtype=np.float32)) > 0
    assert model.outside_margin(np.array([1.0, 0.0], dtype=np.float32)) < 0
