"""The search's lemmas come from spaCy's Danish lookup table, read without importing spaCy."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.core import text as tx
from tests.conftest import ROOT


def test_the_table_is_the_one_the_nlu_pipeline_uses() -> None:
    from bot.generate.spacy_model import build_pipeline

    reference = build_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    table = tx._lemma_table()
    assert len(table) == len(reference) > 500_000
    assert all(reference.get(word) == lemma for word, lemma in table.items())
    assert [tx.lemma(w) for w in ["ledere", "netværkene", "pejlemærkerne", "gik"]] == ["leder", "netværk",
                                                                                          "pejlemærke", "gå"]


def test_the_action_server_does_not_load_spacy_or_tensorflow(sqlite_url: str) -> None:
    """spaCy pulls in TensorFlow (hundreds of MB); answering a question must not import either."""
    code = (
        "import sys; from actions.common import answerer; from bot.core.answering import Question\n"
        "finder, _ = answerer(); finder.decide(Question('Hvad forventes af en niveau 2 leder om økonomistyring?'))\n"
        "print(sorted(m for m in ('spacy', 'tensorflow', 'thinc', 'rasa') if m in sys.modules))"
    )
    env = dict(os.environ, KNOWLEDGE_DB_URL=sqlite_url, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
