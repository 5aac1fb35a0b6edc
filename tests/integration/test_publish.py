"""Publishing a knowledge change: checked, loaded atomically, live in a running service, retrain advice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.generate.nlu import GENERATED_DIR
from bot.knowledge import service as service_module
from bot.knowledge.db import make_engine
from bot.knowledge.repository import SqlKnowledgeRepository
from bot.knowledge.service import KnowledgeService
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path, str]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    generated = tmp_path / "generated"
    shutil.copytree(GENERATED_DIR, generated)
    return knowledge, generated, f"sqlite:///{tmp_path / 'k.db'}"


def publish(knowledge: Path, generated: Path, url: str) -> int:
    return main(["knowledge", "publish", "--dir", str(knowledge), "--db", url, "--nlu-dir", str(generated),
                 "--no-embeddings"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_publish_new_synonym_asks_for_training(workspace, capsys) -> None:
    knowledge, generated, url = workspace
    assert publish(knowledge, generated, url) == 0
    assert "ingen ny træning" in capsys.readouterr().out

    edit(knowledge / "kalundborg-ledelses-og-styringsgrundlag.yml",
         "synonyms: [økonomistyring, økonomi,", "synonyms: [budgetstyring, økonomistyring, økonomi,")
    assert publish(knowledge, generated, url) == 0
    out = capsys.readouterr().out
    assert "make train" in out and "synonyms.yml" in out
    assert "- budgetstyring" in (generated / "lookups.yml").read_text(encoding="utf-8")
    unit = SqlKnowledgeRepository(make_engine(url)).get("kalundborg.drift.oekonomistyring")
    assert unit is not None and "budgetstyring" in unit.synonyms


def test_broken_file_keeps_the_live_content(workspace, capsys) -> None:
    knowledge, generated, url = workspace
    assert publish(knowledge, generated, url) == 0
    repo = SqlKnowledgeRepository(make_engine(url))
    version = repo.version()
    edit(knowledge / "glostrup-ledelsesgrundlag.yml", "kind: theme\n", "kind: tema\n")
    assert publish(knowledge, generated, url) == 1
    err = capsys.readouterr().err
    assert "glostrup-ledelsesgrundlag.yml:" in err and "ukendt kind 'tema'" in err and "Intet er ændret" in err
    assert repo.version() == version and repo.get("glostrup.rollen") is not None


def test_changed_text_is_live_in_a_running_service(workspace, monkeypatch) -> None:
    knowledge, generated, url = workspace
    assert publish(knowledge, generated, url) == 0
    monkeypatch.setattr(service_module, "VERSION_CHECK_SECONDS", 0.0)
    service = KnowledgeService(SqlKnowledgeRepository(make_engine(url)))
    assert service.index().search("hjælp-til-selvhjælp", limit=1)[0].unit.id.startswith(
        "kalundborg.styrker.ressourceopbyggende")
    # HR adds a keyword; the running service finds the unit by it without a restart or retraining.
    edit(knowledge / "kalundborg-ledelses-og-styringsgrundlag.yml",
         "synonyms: [fællesskaber, stærke fællesskaber,", "synonyms: [foreningsliv, fællesskaber, stærke fællesskaber,")
    # … and a new unit is found by search before any retraining.
    path = knowledge / "kl-organisation.yml"
    path.write_text(path.read_text(encoding="utf-8") + (
        "\n  - id: kl.org.testenhed\n    kind: fact\n    title: Kantineordning\n"
        "    text: Kantinen holder åbent for alle medarbejdere.\n"), encoding="utf-8")
    assert publish(knowledge, generated, url) == 0
    assert service.index().search("foreningsliv", limit=1)[0].unit.id == "kalundborg.styrker.staerke-faellesskaber"
    assert service.index().search("kantinen", limit=1)[0].unit.id == "kl.org.testenhed"


@pytest.mark.parametrize("intent", ["ask_principle", "out_of_scope", "nlu_fallback", None])
def test_a_new_synonym_is_answered_in_every_phrasing_without_retraining(workspace, intent) -> None:
    """The knowledge, not the trained NLU, decides what is in scope: whatever intent an untrained word
    gets, the search finds the unit HR named with it."""
    from bot.core.answering import Answerer, Question

    knowledge, generated, url = workspace
    edit(knowledge / "kalundborg-ledelses-og-styringsgrundlag.yml",
         "synonyms: [økonomistyring, økonomi,", "synonyms: [pengestyring, økonomistyring, økonomi,")
    assert publish(knowledge, generated, url) == 0
    service = KnowledgeService(SqlKnowledgeRepository(make_engine(url)))
    answerer = Answerer(service.index(), service.repository.organisations(), scope=service.scope())
    for text in ("Fortæl om pengestyring", "hvad siger kalundborg om pengestyring?", "pengestyring"):
        decision = answerer.decide(Question(text, intent))
        assert decision.kind == "answer" and decision.unit is not None, text
        assert decision.unit.id == "kalundborg.drift.oekonomistyring", text


def test_a_renamed_id_is_reported_against_the_published_knowledge(workspace, capsys, monkeypatch) -> None:
    knowledge, generated, url = workspace
    assert publish(knowledge, generated, url) == 0
    edit(knowledge / "glostrup-ledelsesgrundlag.yml", "id: glostrup.rollen.uddybning", "id: glostrup.rollen.mere")
    examples = knowledge / "eksempelspoergsmaal" / "glostrup-ledelsesgrundlag.yml"
    renamed = examples.read_text(encoding="utf-8").replace("glostrup.rollen.uddybning", "glostrup.rollen.mere")
    examples.write_text(renamed, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DB_URL", url)
    capsys.readouterr()
    assert main(["knowledge", "check", "--dir", str(knowledge)]) == 0
    err = capsys.readouterr().err
    assert "enheden 'glostrup.rollen.uddybning'" in err and "omdøbt eller fjernet" in err
