"""The workbench's workflow over a copy of the real knowledge files and a real SQLite database:
draft → propose → approve (four eyes) → publish → the bot's repository answers from it → roll back."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.hr import workspace as ws
from bot.hr.accounts import AccountError, AccountStore, Role
from bot.hr.changes import ChangeDesk, ChangeError, ChangeStatus
from bot.knowledge.db import make_engine
from bot.knowledge.publish import load_into
from bot.knowledge.repository import SqlKnowledgeRepository
from tests.conftest import KNOWLEDGE_DIR

LEVEL_2 = "kalundborg.drift.oekonomistyring.niveau-2"


@pytest.fixture
def desk(tmp_path: Path) -> ChangeDesk:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    engine = make_engine(f"sqlite:///{tmp_path / 'knowledge.db'}")
    load_into(engine, directory, with_embeddings=False)
    return ChangeDesk(engine, directory, require_approval=True)


@pytest.fixture
def people(desk: ChangeDesk):
    store = AccountStore(desk._engine)
    return (store.add("rikke", "Rikke Redaktør", Role.EDITOR, "en lang adgangskode 1"),
            store.add("gitte", "Gitte Godkender", Role.APPROVER, "en lang adgangskode 2"),
            store.add("gorm", "Gorm Godkender", Role.APPROVER, "en lang adgangskode 3"))


def edited_level_2(desk: ChangeDesk, text: str) -> dict[str, str]:
    files = desk.current_files()
    fields = ws.locate(files, LEVEL_2).fields
    return ws.edit_unit(files, LEVEL_2, dataclasses.replace(fields, text=text))


def test_four_eyes_publish_is_live_and_rollback_restores(desk: ChangeDesk, people) -> None:
    editor, approver, _ = people
    repo = SqlKnowledgeRepository(desk._engine)
    old_text = repo.get(LEVEL_2).text
    change = desk.save_draft(editor, edited_level_2(desk, "Holder budgettet og forklarer afvigelser i tide."))
    assert repo.get(LEVEL_2).text == old_text  # a draft is not live
    desk.propose(change.id, editor, "Ny formulering fra direktionen")
    with pytest.raises(ChangeError, match="godkendes"):
        desk.publish(change.id, approver)
    desk.approve(change.id, approver)
    version = desk.publish(change.id, approver)
    assert repo.get(LEVEL_2).text == "Holder budgettet og forklarer afvigelser i tide."
    assert desk.get(change.id).status is ChangeStatus.PUBLISHED
    [entry] = version.summary
    assert entry["unit"] == LEVEL_2 and entry["change"] == "ændret"
    assert entry["fields"]["text"] == [old_text, "Holder budgettet og forklarer afvigelser i tide."]
    first = desk.versions()[-1]  # the files before the first publish
    desk.rollback(first.id, approver)
    assert repo.get(LEVEL_2).text == old_text
    assert "Holder budgettet" not in (desk.directory / "kalundborg-ledelses-og-styringsgrundlag.yml").read_text()


def test_nobody_approves_their_own_change_and_an_editor_cannot_publish(desk: ChangeDesk, people) -> None:
    editor, approver, _ = people
    own = desk.save_draft(approver, edited_level_2(desk, "Egen tekst."))
    desk.propose(own.id, approver, "")
    with pytest.raises(ChangeError, match="egen ændring"):
        desk.approve(own.id, approver)
    with pytest.raises(ChangeError, match="Kun en godkender"):
        desk.approve(own.id, editor)
    with pytest.raises(ChangeError, match="Kun en godkender"):
        desk.publish(own.id, editor)


def test_a_broken_edit_cannot_be_proposed_and_names_file_and_line(desk: ChangeDesk, people) -> None:
    editor, _, _ = people
    change = desk.save_draft(editor, edited_level_2(desk, "Et ord med resul- tater delt ved linjeskift."))
    with pytest.raises(ChangeError) as error:
        desk.propose(change.id, editor, "")
    [problem] = error.value.problems
    assert problem.file == "kalundborg-ledelses-og-styringsgrundlag.yml" and problem.line > 1
    assert desk.get(change.id).status is ChangeStatus.DRAFT


def test_an_edit_made_on_disk_meanwhile_is_a_conflict_not_overwritten(desk: ChangeDesk, people) -> None:
    editor, approver, other = people
    change = desk.save_draft(editor, edited_level_2(desk, "Kladdens tekst."))
    desk.propose(change.id, editor, "")
    desk.approve(change.id, approver)
    path = desk.directory / "kalundborg-ledelses-og-styringsgrundlag.yml"
    path.write_text(path.read_text().replace("# --- Indledning", "# --- Indledning (ændret i git)"))
    with pytest.raises(ChangeError, match="ændret siden kladden"):
        desk.publish(change.id, other)
    assert "ændret i git" in path.read_text() and "Kladdens tekst." not in path.read_text()


def test_a_new_pejlemaerke_gets_an_id_from_its_title_and_is_answerable(desk: ChangeDesk, people) -> None:
    editor, approver, _ = people
    files, new_id = ws.add_unit(desk.current_files(), "kalundborg.drift", "pejlemaerke",
                                ws.UnitFields(title="Grøn omstilling på tværs", text="Handler om at omstille."))
    assert new_id == "kalundborg.drift.groen-omstilling-paa-tvaers"
    change = desk.save_draft(editor, files)
    desk.propose(change.id, editor, "")
    desk.approve(change.id, approver)
    version = desk.publish(change.id, approver)
    assert SqlKnowledgeRepository(desk._engine).get(new_id).title == "Grøn omstilling på tværs"
    assert [e["change"] for e in version.summary] == ["tilføjet"]


def test_five_wrong_passwords_lock_the_account(desk: ChangeDesk) -> None:
    now = [datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)]
    store = AccountStore(desk._engine, clock=lambda: now[0])
    store.add("rikke", "Rikke", Role.EDITOR, "en lang adgangskode 1")
    for _ in range(5):
        with pytest.raises(AccountError, match="Forkert"):
            store.sign_in("rikke", "forkert")
    with pytest.raises(AccountError, match="låst"):
        store.sign_in("rikke", "en lang adgangskode 1")
    now[0] += timedelta(minutes=16)
    assert store.sign_in("Rikke", "en lang adgangskode 1").role is Role.EDITOR
