"""The evaluation sets stay out of the training data and the knowledge keywords.

A case that stands (nearly) verbatim in nlu/ or as a keyword measures memory, not understanding, so
``make eval`` would overstate what a leader asking in their own words gets.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

from bot.core.model import KnowledgeSet
from tests.conftest import ROOT

QUESTION_START = re.compile(r"^(hvad|hvor|hvem|hvordan|hvornår|hvilke|hvilken|hvorfor|kan|skal|må|er|bør)\b")
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def normal(text: str) -> str:
    return re.sub(r"\W+", " ", ANNOTATION.sub(r"\1", text).lower()).strip()


def evaluation_turns() -> set[str]:
    turns = set()
    for path in sorted((ROOT / "tests" / "eval").glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            turns.update(normal(t) for t in case["turns"])
    return turns


def training_examples() -> list[tuple[Path, str]]:
    """Every intent example in nlu/ (lookup tables and synonyms are unit names, not questions)."""
    examples = []
    for path in sorted((ROOT / "nlu").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.append((path, normal(line.strip()[2:])))
    return examples


def test_no_evaluation_turn_is_in_the_training_data() -> None:
    turns = evaluation_turns()
    assert len(turns) > 400
    leaked = [(path.name, ex) for path, ex in training_examples()
              if ex in turns or difflib.get_close_matches(ex, turns, n=1, cutoff=0.9)]
    assert not leaked, f"evaluation questions (or near copies) in nlu/: {leaked}"


def test_no_keyword_or_synonym_is_an_evaluation_question(knowledge: KnowledgeSet) -> None:
    """A keyword may name a topic as the text does ("rettidig samskabelse"); one phrased as a question
    ("hvor mange ledere") must not be (part of) an evaluation question."""
    turns = evaluation_turns()
    question_shaped = [(u.id, w) for u in knowledge.units for w in (*u.keywords, *u.synonyms)
                       if QUESTION_START.match(normal(w))
                       or (len(w.split()) >= 5 and normal(w) not in normal(f"{u.title} {u.text}"))]
    leaked = [(uid, w) for uid, w in question_shaped if any(f" {normal(w)} " in f" {t} " for t in turns)]
    assert not leaked, f"keywords that mirror evaluation questions: {leaked}"


def test_no_example_question_is_an_evaluation_question(knowledge: KnowledgeSet) -> None:
    """The example questions (knowledge/eksempelspoergsmaal/) were written from the texts, not from the sets."""
    turns = evaluation_turns()
    leaked = [(e.unit_id, e.text) for e in knowledge.examples
              if normal(e.text) in turns or difflib.get_close_matches(normal(e.text), turns, n=1, cutoff=0.9)]
    assert not leaked, f"example questions that copy evaluation questions: {leaked}"
