"""Ranked search and answer decisions on the real knowledge base (SQLite)."""

from __future__ import annotations

import random

import pytest

from bot.core import text as tx
from bot.core.answering import Answerer, Question, refers_back
from bot.core.fuzzy import Vocabulary
from bot.core.search import SearchIndex, SearchOptions
from bot.knowledge.service import KnowledgeService


@pytest.fixture(scope="module")
def answerer(service: KnowledgeService) -> Answerer:
    return Answerer(service.index(), service.repository.organisations())


def decide(answerer: Answerer, text: str, intent: str | None = None, context: str | None = None):
    return answerer.decide(Question(text, intent), context=context)


@pytest.mark.parametrize(
    ("text", "intent", "unit_id"),
    [
        ("Hvad skal jeg som niveau 2 chef gøre ved sikker drift?", "ask_level",
         "kalundborg.drift.sikker-drift.niveau-2"),
        ("hvad betyder evidensbaseret", "ask_principle", "kalundborg.drift.evidensbaseret-opgaveloesning"),
        ("Hvad indebærer relationerne i Glostrup?", "ask_principle", "glostrup.relationerne"),
        ("Hvilke spørgsmål skal vi stille os om konsulenter til netværkene?", "ask_network_questions",
         "netvaerk.rammer.spoergsmaal"),
        ("Hvad står der om rotation?", "ask_principle", "netvaerk.gryden.rotation"),
        ("Hvad er KL's ledelsesadfærd når vi repræsenterer kommunerne?", "ask_principle", "kl.kommunerne.adfaerd"),
        ("Hvor længe bør et ledernetværk køre?", "ask_principle", "netvaerk.gryden.genstart"),
        ("hvornår blev KL's love sidst revideret", "ask_fact", "kl.org.love"),
    ],
)
def test_issue_examples(answerer: Answerer, text: str, intent: str, unit_id: str) -> None:
    decision = decide(answerer, text, intent)
    assert decision.kind == "answer" and decision.unit is not None and decision.unit.id == unit_id


@pytest.mark.parametrize(
    ("text", "unit_id"),
    [
        ("okonomistyring niveau 2", "kalundborg.drift.oekonomistyring.niveau-2"),     # ø typed as o
        ("oekonomistyring niveau 2", "kalundborg.drift.oekonomistyring.niveau-2"),    # ø typed as oe
        ("hvad er hovedsigtet med ledernetvaerk", "netvaerk.formaal.hovedsigte"),       # æ typed as ae
        ("evidensbaserett opgaveløsing", "kalundborg.drift.evidensbaseret-opgaveloesning"),  # typos
        ("hvad indebærer retnigen i glostrup", "glostrup.retningen"),                    # typo that stems oddly
        ("tværfaglige netværk", "netvaerk.netvaerkstype.tvaerfaglig"),
        ("netværkstype", "netvaerk.netvaerkstype"),                                      # compound
    ],
)
def test_spelling_tolerance(answerer: Answerer, text: str, unit_id: str) -> None:
    decision = decide(answerer, text, "ask_level" if "niveau" in text else "ask_principle")
    assert decision.unit is not None and decision.unit.id == unit_id


def test_question_naming_no_organisation_but_matching_two_asks_which(answerer: Answerer) -> None:
    decision = decide(answerer, "Hvad siger de om innovation?", "ask_principle")
    assert decision.kind == "choose"
    assert {u.organisation_id for u in decision.options} == {"kalundborg", "glostrup"}


def test_named_organisation_resolves_the_ambiguity(answerer: Answerer) -> None:
    decision = decide(answerer, "Hvad siger Glostrup om innovation?", "ask_principle")
    assert decision.kind == "answer" and decision.unit.organisation_id == "glostrup"


def test_home_organisation_is_answered_first(service: KnowledgeService) -> None:
    home = Answerer(service.index(), service.repository.organisations(), home="glostrup")
    decision = home.decide(Question("Hvad siger de om innovation?", "ask_principle"))
    assert decision.kind == "answer" and decision.unit.organisation_id == "glostrup"
    # Other organisations stay reachable by name, and by topics only they have.
    named = home.decide(Question("Hvad siger Kalundborg om innovation?", "ask_principle"))
    assert named.unit.organisation_id == "kalundborg"
    only_there = home.decide(Question("hvad betyder evidensbaseret opgaveløsning", "ask_principle"))
    assert only_there.unit.id == "kalundborg.drift.evidensbaseret-opgaveloesning"


@pytest.mark.parametrize("text", ["Kan du bestille frokost?", "hvordan bliver vejret i morgen",
                                  "hvordan nulstiller jeg min adgangskode", "hvornår får jeg løn"])
def test_out_of_scope_finds_nothing(answerer: Answerer, text: str) -> None:
    assert decide(answerer, text, "ask_principle").kind == "none"


def test_follow_up_with_context(answerer: Answerer) -> None:
    decision = decide(answerer, "og niveau 1?", "follow_up", context="Hvad forventes om økonomistyring på niveau 2?")
    assert decision.unit.id == "kalundborg.drift.oekonomistyring.niveau-1"
    decision = decide(answerer, "hvilke spørgsmål skal ledelsen så stille sig?", "ask_network_questions",
                      context="hvad er formålet med ledernetværk?")
    assert decision.unit.id == "netvaerk.formaal.spoergsmaal"


def test_context_is_not_used_for_a_new_unknown_topic(answerer: Answerer) -> None:
    assert decide(answerer, "hvad med frokost?", "follow_up", context="hvad betyder evidensbaseret").kind == "none"


def test_refers_back() -> None:
    assert refers_back("og niveau 1?") and refers_back("hvilken adfærd hører så til?")
    assert not refers_back("Hvor længe bør et ledernetværk køre?")


def test_each_part_can_be_switched_off(service: KnowledgeService) -> None:
    snapshot = service.repository.snapshot()
    plain = SearchIndex(snapshot, SearchOptions(fuzzy=False, ngrams=False, semantic=False))
    full = SearchIndex(snapshot, SearchOptions(semantic=False))
    # Without fuzzy matching and n-grams a typo finds nothing relevant; with them it does.
    assert not plain.search("evidensbaserett", limit=1)[0].unit.id.startswith("kalundborg.drift.evidens")
    assert full.search("evidensbaserett", limit=1)[0].unit.id.startswith("kalundborg.drift.evidens")


def test_folding_and_levels() -> None:
    assert tx.fold("Økonomi") == tx.fold("oekonomi") == tx.fold("okonomi")
    assert tx.parse_level("hvad gør en niveau to leder") == 2 and tx.parse_level("niv. 1") == 1
    assert tx.parse_level("hvad er et ledernetværk") is None


def _expand_by_scanning(terms: list[str], raw: dict[str, str], q: str, word: str) -> list[tuple[str, float]]:
    """The fuzzy rules applied by scanning the whole vocabulary (how the index used to do it)."""
    matches: list[tuple[str, float]] = []
    if q in terms:
        matches.append((q, 1.0))
    elif len(word) >= 5:
        limit = 1 if len(word) < 8 else 2
        matches += [(t, 0.8) for r, t in raw.items()
                    if abs(len(r) - len(word)) <= limit and tx.edit_distance(word, r, limit) <= limit]
    if len(q) >= 4:
        limit = 1 if len(q) < 8 else 2
        for v in terms:
            if v == q:
                continue
            if len(q) >= 5 and len(v) > len(q) + 2 and (v.startswith(q) or v.endswith(q)):
                matches.append((v, 0.6))
            elif len(v) >= 5 and len(q) > len(v) + 2 and (q.startswith(v) or q.endswith(v)):
                matches.append((v, 0.5))
            elif q not in terms and abs(len(v) - len(q)) <= limit and tx.edit_distance(q, v, limit) <= limit:
                matches.append((v, 0.8))
    return matches


def test_vocabulary_index_finds_typos_and_compound_parts() -> None:
    raw = {"netverk": "netverk", "ledernetverk": "ledernetverk", "retningen": "retning", "retning": "retning",
           "okonomistyring": "okonomistyring", "styring": "styring", "ledelse": "ledels"}
    vocabulary = Vocabulary(list(dict.fromkeys(raw.values())), raw, fuzzy=True)
    assert vocabulary.expand("netverk", "netverk") == (("netverk", 1.0), ("ledernetverk", 0.6))
    assert vocabulary.expand("ledernetverk", "ledernetverk") == (("ledernetverk", 1.0), ("netverk", 0.5))
    # A typo that stems oddly matches the word as written ("retnigen" → "retningen", one swap away).
    assert ("retning", 0.8) in vocabulary.expand("retn", "retnigen")
    assert vocabulary.expand("okonomistyrring", "okonomistyrring") == (("okonomistyring", 0.8),
                                                                        ("okonomistyring", 0.8))
    assert vocabulary.expand("netvarksledels", "netvarksledelse") == (("ledels", 0.5),)  # no 2-edit look-alike
    assert vocabulary.expand("ledelsesstyring", "ledelsesstyring") == (("styring", 0.5), ("ledels", 0.5))
    assert not Vocabulary(list(raw.values()), raw, fuzzy=False).expand("netverkk", "netverkk")


def test_vocabulary_index_matches_a_full_scan() -> None:
    rng = random.Random(3)
    stems = ["leder", "netverk", "styring", "okonomi", "arbejd", "miljo", "samarbejd", "tillid", "retning"]
    words = {"".join(rng.sample(stems, rng.randint(1, 2))) for _ in range(150)}
    words |= {w[:i] + rng.choice("aeiorst") + w[i + 1:] for w in list(words)[:60] for i in (rng.randrange(len(w)),)}
    raw = {w: w[:-1] if len(w) > 6 else w for w in sorted(words)}
    terms = list(dict.fromkeys(raw.values()))
    vocabulary = Vocabulary(terms, raw, fuzzy=True)
    queries = [*terms[:40], *(w[:i] + w[i + 1:] for w in list(raw)[:60] for i in (rng.randrange(len(w)),)),
               *(w[:i] + w[i + 1] + w[i] + w[i + 2:] for w in list(raw)[60:120] for i in (rng.randrange(len(w) - 1),)),
               *(w + "ing" for w in list(raw)[120:160]), *(w[2:] for w in list(raw)[160:200]), "xyzzy", "ledr"]
    for word in queries:
        q = word[:-1] if len(word) > 6 else word
        assert list(vocabulary.expand(q, word)) == _expand_by_scanning(terms, raw, q, word), word
