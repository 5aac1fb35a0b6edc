"""nlu/generated/ is derived from the knowledge files and must be up to date."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.generate.nlu import GENERATED_DIR, build, stale_files
from tests.conftest import KNOWLEDGE_DIR


def test_generated_files_are_up_to_date() -> None:
    assert stale_files(KNOWLEDGE_DIR) == [], "run `python -m bot nlu generate` and commit nlu/generated/"


def test_stale_file_is_detected(tmp_path: Path) -> None:
    for name, content in build_from_knowledge().items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "synonyms.yml").write_text("# edited by hand\n", encoding="utf-8")
    assert stale_files(KNOWLEDGE_DIR, tmp_path) == ["synonyms.yml"]


def build_from_knowledge() -> dict[str, str]:
    from bot.knowledge.loader import load_knowledge

    return build(load_knowledge(KNOWLEDGE_DIR))


def test_names_and_synonyms_come_from_the_knowledge(knowledge) -> None:
    lookups = {entry["lookup"]: entry["examples"] for entry in
               yaml.safe_load((GENERATED_DIR / "lookups.yml").read_text(encoding="utf-8"))["nlu"]}
    assert "- Evidensbaseret opgaveløsning" in lookups["principle"]
    assert "- Vi holder styr på driften" in lookups["field"]
    assert "- Glostrup" in lookups["organisation"]
    synonyms = {entry["synonym"]: entry["examples"] for entry in
                yaml.safe_load((GENERATED_DIR / "synonyms.yml").read_text(encoding="utf-8"))["nlu"]}
    assert "- evidensbaseret opgaveløsning" in synonyms["kalundborg.drift.evidensbaseret-opgaveloesning"]
    assert "- niveau to" in synonyms["2"]
    # A name that belongs to several units is not mapped to one of them.
    shared = [s for u in knowledge.units for s in u.synonyms if s.lower() == "innovation"]
    if len(shared) > 1:
        assert not any("- innovation\n" in v for v in synonyms.values())
