"""Build the offline Danish spaCy pipeline: spacy.blank('da') + the lookup lemmatizer.

No pretrained Danish pipeline can be downloaded here, so the pipeline is built from
spaCy's Danish language data and the lemma table in spacy-lookups-data, and saved with
``to_disk`` so Rasa's SpacyNLP can load it by path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "var" / "spacy-da"


def build_pipeline() -> Any:
    """A blank Danish pipeline with the lookup lemmatizer, initialised; spaCy is imported only when called."""
    import spacy

    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def save_pipeline(target: Path = DEFAULT_DIR) -> Path:
    """Build the pipeline and save it to ``target`` (returned), where Rasa's SpacyNLP loads it by path."""
    nlp = build_pipeline()
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target
