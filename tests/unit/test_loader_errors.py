"""HR mistakes are all reported at once, each with file, line and a plain explanation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.knowledge.loader import KnowledgeError, Problem, load_knowledge
from tests.conftest import KNOWLEDGE_DIR

ORGS = (KNOWLEDGE_DIR / "organisations.yml").read_text(encoding="utf-8")

HEADER = """\
document:
  id: test-doc
  organisation: kalundborg
  title: Test
  source_title: Testkilde
  source_file: test.txt
units:
"""


def _dir(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    (tmp_path / "organisations.yml").write_text(ORGS, encoding="utf-8")
    (tmp_path / "test.yml").write_text(header + body, encoding="utf-8")
    return tmp_path


def _problems(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    return [str(p) for p in info.value.problems]


def test_all_problems_reported_with_file_and_line(tmp_path: Path) -> None:
    body = """\
  - id: a.one
    kind: pejlemaerke
    title: Første
    text: Handler om noget.
  - id: a.one
    kind: pejlemaerke
    title: Dublet
    text: Handler om andet.
  - id: a.two
    kind: level_description
    parent: a.missing
    level: 3
    title: Forkert niveau
    text: Tekst.
  - id: a.three
    kind: nonsense
    title: Ukendt art
    text: Skaber bedre resul- tater.
  - id: a.four
    kind: value
    title: Ingen tekst
  - kind: value
    title: Uden id
    text: Tekst.
"""
    problems = _problems(_dir(tmp_path, body))
    file = str(tmp_path / "test.yml")
    expected = [
        f"{file}:12: id 'a.one' findes allerede i {file}:8",
        f"{file}:19: niveaubeskrivelsen 'a.two' skal have 'level: 1' eller 'level: 2'",
        f"{file}:18: 'a.two' henviser til en ukendt parent 'a.missing'",
        f"{file}:23: ukendt kind 'nonsense'",
        f"{file}:25: orddeling fra PDF'en i 'text': 'resul- tater' (skal være ét ord)",
        f"{file}:26: enheden 'a.four' har hverken 'text' eller 'items'",
        f"{file}:29: feltet 'id' mangler",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), (line, problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    body = "  - id: a.one\n    kind: value\n    title: [ikke lukket\n    text: x\n"
    problems = _problems(_dir(tmp_path, body))
    assert problems and problems[0].startswith(f"{tmp_path / 'test.yml'}:") and "YAML-fejl" in problems[0]


def test_unknown_organisation_and_field(tmp_path: Path) -> None:
    header = HEADER.replace("organisation: kalundborg", "organisation: odense")
    body = "  - id: a.one\n    kind: value\n    title: T\n    text: Tekst.\n    farve: rød\n"
    problems = _problems(_dir(tmp_path, body, header))
    assert any(":3: ukendt organisation 'odense'" in p for p in problems)
    assert any(":12: ukendt felt 'farve'" in p for p in problems)


def test_check_command_exits_non_zero_and_prints_problems(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    body = "  - id: a.one\n    kind: value\n    title: T\n"
    assert main(["knowledge", "check", "--dir", str(_dir(tmp_path, body))]) == 1
    err = capsys.readouterr().err
    assert "har hverken 'text' eller 'items'" in err and "test.yml:8" in err


def test_check_command_accepts_the_real_files(capsys: pytest.CaptureFixture) -> None:
    assert main(["knowledge", "check"]) == 0
    assert capsys.readouterr().out.startswith("OK:")


def test_real_files_still_valid_after_copy(tmp_path: Path) -> None:
    for path in KNOWLEDGE_DIR.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    assert len(load_knowledge(tmp_path).units) == len(load_knowledge(KNOWLEDGE_DIR).units)


def _one_document(tmp_path: Path, units: str) -> Path:
    (tmp_path / "organisations.yml").write_text((KNOWLEDGE_DIR / "organisations.yml").read_text(encoding="utf-8"))
    (tmp_path / "x.yml").write_text(
        "document:\n  id: x\n  organisation: kl\n  title: T\n  source_title: S\n  source_file: f\nunits:\n" + units,
        encoding="utf-8")
    return tmp_path


def test_a_word_broken_at_a_line_break_inside_a_block_is_caught_on_its_line(tmp_path: Path) -> None:
    directory = _one_document(tmp_path, "  - id: a\n    kind: note\n    title: A\n    text: |-\n"
                                        "      Gode resul-\n      tater kommer af samarbejde.\n")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(directory)
    [problem] = error.value.problems
    assert (problem.line, problem.message) == (12, "orddeling fra PDF'en i 'text': 'resul- tater' (skal være ét ord)")


def test_an_unclosed_quote_is_explained_in_danish_on_the_line_that_opened_it(tmp_path: Path) -> None:
    directory = _one_document(tmp_path, '  - id: a\n    kind: note\n    title: "A\n    text: Tekst.\n')
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(directory)
    [problem] = error.value.problems
    assert problem.line == 10
    assert problem.message.startswith("YAML-fejl: filen slutter, før et anførselstegn")
    assert '»title: "A«' in problem.message


def test_one_mistake_gives_one_problem_not_its_follow_ons(tmp_path: Path) -> None:
    """A parent left out for its own error is not also reported as an unknown parent of its children."""
    directory = _one_document(tmp_path, "  - id: a\n    kind: note\n    text: Ingen titel.\n"
                                        "  - id: a.b\n    kind: note\n    parent: a\n    title: B\n    text: Tekst.\n")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(directory)
    assert [p.message for p in error.value.problems] == ["feltet 'title' mangler"]


def test_problems_are_sorted_by_file_and_line_and_name_repository_paths() -> None:
    error = KnowledgeError([Problem("b.yml", 3, "x"), Problem("a.yml", 9, "y"), Problem("a.yml", 2, "z")])
    assert [(p.file, p.line) for p in error.problems] == [("a.yml", 2), ("a.yml", 9), ("b.yml", 3)]
    from bot.knowledge.yaml_lines import display

    assert display(KNOWLEDGE_DIR / "kl-ledelsesgrundlag.yml") == "knowledge/kl-ledelsesgrundlag.yml"
