"""Read and validate the HR-edited knowledge files (``knowledge/*.yml``).

Every problem is collected (not just the first) and reported with file and line,
so HR can fix a file in one pass. Nothing is returned unless all files are valid.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from bot.core.model import Document, KnowledgeSet, Organisation, Unit
from bot.knowledge.examples import EXAMPLES_DIR, load_examples
from bot.knowledge.yaml_lines import display, line_of
from bot.names import KINDS, UnitKind

ORGANISATIONS_FILE = "organisations.yml"
ID_PATTERN = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*$")
DOC_ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# "resul- tater": a word broken by a hyphen and a space, where the next word is not a
# conjunction ("Ledelses- og styringsgrundlag" is correct Danish).
STRAY_HYPHEN = re.compile(
    r"\b([A-Za-zÆØÅæøå]{2,})-(?: |[ \t]*\n[ \t]*)(?!og\b|eller\b|samt\b|som\b|til\b|men\b)([a-zæøå]{2,})")
# What ruamel.yaml says, in words HR can act on (the parser's English stays in brackets for a developer).
YAML_PROBLEMS = (
    ("end of stream", "filen slutter, før et anførselstegn (\") eller en parentes er lukket"),
    ("mapping values are not allowed", "der står et kolon (:) i en tekst: sæt teksten i anførselstegn"),
    ("cannot start any token", "et tegn, der ikke må stå her (fx et tabulatortegn): brug mellemrum til indrykning"),
    ("could not find expected ':'", "en linje mangler kolon efter feltnavnet, eller et anførselstegn er ikke lukket"),
    ("expected <block end>", "indrykningen passer ikke med linjerne over: brug samme antal mellemrum som dem"),
    ("duplicate key", "det samme felt står to gange i samme enhed"),
    ("found undefined alias", "et '*' i starten af en tekst: sæt teksten i anførselstegn"),
    ("expected alphabetic or numeric character", "et '&' eller '*' i starten af en tekst: sæt teksten i anførselstegn"),
)

UNIT_FIELDS = {
    "id", "kind", "title", "text", "items", "parent", "level", "label", "headline",
    "speaker", "page", "synonyms", "keywords",
}
DOCUMENT_FIELDS = {"id", "organisation", "title", "source_title", "source_file", "year"}
ORGANISATION_FIELDS = {"id", "name", "full_name", "synonyms", "shared"}


@dataclass(frozen=True)
class Problem:
    """One problem in a knowledge file, with the file and line HR should fix (shown as ``file:line: message``)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge files have problems; ``problems`` lists each with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__("\n".join(str(p) for p in problems))


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.dropped: set[str] = set()  # ids of units left out for their own problems (no follow-on errors)

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))


def _read_yaml(path: Path, display: str, out: _Collector) -> Any:
    yaml = YAML(typ="rt")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        out.add(display, 1, "filen er ikke gemt som UTF-8")
        return None
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        line, message = yaml_problem(exc, text)
        out.add(display, line, message)
    return None


def yaml_problem(exc: MarkedYAMLError, text: str) -> tuple[int, str]:
    """A YAML syntax error as a line number and a Danish sentence that quotes the offending line.

    An unclosed quote is only noticed at the end of the file; the line that opened it is the one to fix.
    """
    english = " ".join(str(part) for part in (exc.context, exc.problem) if part)
    mark = exc.problem_mark
    if "end of stream" in english and exc.context_mark is not None:
        mark = exc.context_mark
    mark = mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    danish = next((words for key, words in YAML_PROBLEMS if key in english), "filen kan ikke læses som YAML")
    lines = text.splitlines()
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return line, f"YAML-fejl: {danish}" + (f" – linjen er: »{shown}«" if shown else "") + f" [{english}]"


def _string(node: CommentedMap, key: str, file: str, out: _Collector, required: bool) -> str | None:
    if key not in node or node[key] is None:
        if required:
            out.add(file, line_of(node), f"feltet '{key}' mangler")
        return None
    value = node[key]
    if not isinstance(value, str):
        out.add(file, line_of(node, key), f"feltet '{key}' skal være tekst")
        return None
    value = value.strip()
    if not value:
        out.add(file, line_of(node, key), f"feltet '{key}' er tomt")
        return None
    for match in STRAY_HYPHEN.finditer(value):
        # In a block (| or >) the text starts on the line after the key: point at the broken word's line.
        offset = value.count("\n", 0, match.start()) + (1 if "\n" in value else 0)
        broken = " ".join(match.group(0).split())
        out.add(file, line_of(node, key) + offset,
                f"orddeling fra PDF'en i '{key}': '{broken}' (skal være ét ord)")
    return value


def _string_list(node: CommentedMap, key: str, file: str, out: _Collector) -> tuple[str, ...]:
    if key not in node or node[key] is None:
        return ()
    value = node[key]
    if not isinstance(value, list):
        out.add(file, line_of(node, key), f"feltet '{key}' skal være en liste")
        return ()
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            out.add(file, line_of(value, index), f"punkt {index + 1} i '{key}' er tomt eller ikke tekst")
            continue
        for match in STRAY_HYPHEN.finditer(item):
            out.add(file, line_of(value, index),
                    f"orddeling fra PDF'en i '{key}': '{match.group(0)}' (skal være ét ord)")
        result.append(" ".join(item.split()))
    return tuple(result)


def _unknown_fields(node: CommentedMap, allowed: set[str], file: str, out: _Collector) -> None:
    for key in node:
        if key not in allowed:
            out.add(file, line_of(node, key), f"ukendt felt '{key}' (tilladte felter: {', '.join(sorted(allowed))})")


def _clean_text(text: str) -> str:
    """Normalise whitespace inside paragraphs; keep blank lines between paragraphs."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _read_organisations(path: Path, display: str, out: _Collector) -> list[Organisation]:
    data = _read_yaml(path, display, out)
    if data is None:
        return []
    if not isinstance(data, CommentedMap) or not isinstance(data.get("organisations"), list):
        out.add(display, 1, "filen skal have en liste 'organisations:'")
        return []
    result = []
    for node in data["organisations"]:
        if not isinstance(node, CommentedMap):
            out.add(display, line_of(data["organisations"]), "hver organisation skal være et sæt felter")
            continue
        _unknown_fields(node, ORGANISATION_FIELDS, display, out)
        org_id = _string(node, "id", display, out, required=True)
        name = _string(node, "name", display, out, required=True)
        if org_id and name:
            full = _string(node, "full_name", display, out, required=False) or name
            shared = node.get("shared", False)
            if not isinstance(shared, bool):
                out.add(display, line_of(node, "shared"), "'shared' skal være true eller false")
                shared = False
            result.append(Organisation(org_id, name, full, _string_list(node, "synonyms", display, out), shared))
    return result


def _read_document(
    path: Path, display: str, organisations: dict[str, Organisation], out: _Collector, start: int
) -> tuple[Document | None, list[tuple[Unit, int, int]]]:
    data = _read_yaml(path, display, out)
    if data is None:
        return None, []
    if not isinstance(data, CommentedMap):
        out.add(display, 1, "filen skal have felterne 'document:' og 'units:'")
        return None, []
    document = _read_document_header(data, display, organisations, out)
    if document is None:
        return None, []
    return document, _read_units(data, document, display, out, start)


def _read_document_header(
    data: CommentedMap, display: str, organisations: dict[str, Organisation], out: _Collector
) -> Document | None:
    doc_node = data.get("document")
    if not isinstance(doc_node, CommentedMap):
        out.add(display, 1, "afsnittet 'document:' mangler")
        return None
    _unknown_fields(doc_node, DOCUMENT_FIELDS, display, out)
    doc_id = _string(doc_node, "id", display, out, required=True)
    org_id = _string(doc_node, "organisation", display, out, required=True)
    title = _string(doc_node, "title", display, out, required=True)
    source_title = _string(doc_node, "source_title", display, out, required=True)
    source_file = _string(doc_node, "source_file", display, out, required=True)
    year = doc_node.get("year")
    if year is not None and not isinstance(year, int):
        out.add(display, line_of(doc_node, "year"), "'year' skal være et årstal")
        year = None
    if doc_id and not DOC_ID_PATTERN.match(doc_id):
        out.add(display, line_of(doc_node, "id"), f"dokument-id '{doc_id}' må kun have små bogstaver a-z, tal og '-'")
    if org_id and org_id not in organisations:
        out.add(display, line_of(doc_node, "organisation"),
                f"ukendt organisation '{org_id}' (kendte: {', '.join(sorted(organisations))}; se {ORGANISATIONS_FILE})")
    if not (doc_id and org_id and title and source_title and source_file):
        return None
    return Document(doc_id, org_id, title, source_title, source_file, display, year)


def _read_units(
    data: CommentedMap, document: Document, display: str, out: _Collector, start: int
) -> list[tuple[Unit, int, int]]:
    """The document's units with the line of each and of its ``parent:`` (for the parent checks)."""
    units_node = data.get("units")
    if not isinstance(units_node, list) or not units_node:
        out.add(display, line_of(data, "units") if "units" in data else 1, "listen 'units:' mangler eller er tom")
        return []
    units: list[tuple[Unit, int, int]] = []
    for index, node in enumerate(units_node):
        line = line_of(units_node, index)
        if not isinstance(node, CommentedMap):
            out.add(display, line, "hver enhed skal være et sæt felter (id, kind, title, text …)")
            continue
        unit = _read_unit(node, document, display, out, start + index)
        if unit is not None:
            units.append((unit, line, line_of(node, "parent") if "parent" in node else line))
        elif isinstance(node.get("id"), str):
            out.dropped.add(node["id"])
    return units


def _read_unit(node: CommentedMap, document: Document, file: str, out: _Collector, position: int) -> Unit | None:
    _unknown_fields(node, UNIT_FIELDS, file, out)
    unit_id = _string(node, "id", file, out, required=True)
    kind = _string(node, "kind", file, out, required=True)
    title = _string(node, "title", file, out, required=True)
    text = _string(node, "text", file, out, required=False) or ""
    items = _string_list(node, "items", file, out)
    if unit_id and not ID_PATTERN.match(unit_id):
        out.add(file, line_of(node, "id"), f"id '{unit_id}' må kun have små bogstaver a-z, tal, '.' og '-'")
    if kind and kind not in KINDS:
        out.add(file, line_of(node, "kind"), f"ukendt kind '{kind}' (tilladte: {', '.join(KINDS)})")
    if kind and kind != UnitKind.FIELD and not text and not items and "text" not in node:
        out.add(file, line_of(node), f"enheden '{unit_id}' har hverken 'text' eller 'items'")
    level = _read_level(node, kind, unit_id, file, out)
    speaker = _string(node, "speaker", file, out, required=kind == UnitKind.QUOTE)
    page = node.get("page")
    if page is not None and not isinstance(page, int):
        out.add(file, line_of(node, "page"), "'page' skal være et sidetal")
        page = None
    parent = _string(node, "parent", file, out, required=False)
    if not (unit_id and kind and title):
        return None
    return Unit(
        id=unit_id,
        kind=kind,
        title=" ".join(title.split()),
        document_id=document.id,
        organisation_id=document.organisation_id,
        position=position,
        text=_clean_text(text),
        items=items,
        parent_id=parent,
        level=level,
        label=_string(node, "label", file, out, required=False),
        headline=_string(node, "headline", file, out, required=False),
        speaker=speaker,
        page=page,
        synonyms=_string_list(node, "synonyms", file, out),
        keywords=_string_list(node, "keywords", file, out),
    )


def _read_level(node: CommentedMap, kind: str | None, unit_id: str | None, file: str, out: _Collector) -> int | None:
    """``level`` (1 or 2), which only a level description has."""
    level = node.get("level")
    if kind == UnitKind.LEVEL_DESCRIPTION:
        if level not in (1, 2):
            out.add(file, line_of(node, "level") if "level" in node else line_of(node),
                    f"niveaubeskrivelsen '{unit_id}' skal have 'level: 1' eller 'level: 2'")
            return None
        return int(level)
    if level is not None:
        out.add(file, line_of(node, "level"), "'level' bruges kun på kind: level_description")
    return None


def _with_section_paths(units: list[Unit]) -> list[Unit]:
    by_id = {u.id: u for u in units}
    result = []
    for unit in units:
        path: list[str] = [unit.title]
        seen = {unit.id}
        parent = unit.parent_id
        while parent and parent in by_id and parent not in seen:
            seen.add(parent)
            path.insert(0, by_id[parent].title)
            parent = by_id[parent].parent_id
        result.append(_replace(unit, section_path=tuple(path)))
    return result


def _replace(unit: Unit, **changes: Any) -> Unit:
    from dataclasses import replace

    return replace(unit, **changes)


Located = tuple[Unit, str, int]  # a unit, its file and its line



def load_knowledge(directory: Path) -> KnowledgeSet:
    """Read and validate every knowledge file in ``directory``; raise KnowledgeError listing all problems."""
    out = _Collector()
    directory = Path(directory)
    org_path = directory / ORGANISATIONS_FILE
    organisations: list[Organisation] = []
    if org_path.exists():
        organisations = _read_organisations(org_path, display(org_path), out)
    else:
        out.add(display(org_path), 1, "filen med organisationer mangler")
    files = sorted(p for p in directory.glob("*.yml") if p.name != ORGANISATIONS_FILE)
    if not files:
        out.add(display(directory), 1, "der er ingen vidensfiler (*.yml)")
    documents, located, parent_lines = _read_documents(files, {o.id: o for o in organisations}, out)
    _check_unique_ids(located, out)
    _check_parents(located, parent_lines, out)
    if out.problems:
        raise KnowledgeError(out.problems)
    examples = load_examples(directory, {unit.id: unit for unit, _, _ in located}, out.add)
    if out.problems:
        raise KnowledgeError(out.problems)
    version = _version([org_path, *files, *sorted((directory / EXAMPLES_DIR).glob("*.yml"))])
    all_units = _with_section_paths([unit for unit, _, _ in located])
    return KnowledgeSet(tuple(organisations), tuple(documents), tuple(all_units), version, examples)


def _read_documents(
    files: list[Path], org_by_id: dict[str, Organisation], out: _Collector
) -> tuple[list[Document], list[Located], dict[int, int]]:
    """Every document and its units in file order, with the line of each unit's ``parent:`` by position."""
    documents: list[Document] = []
    located: list[Located] = []
    parent_lines: dict[int, int] = {}
    doc_files: dict[str, str] = {}
    for path in files:
        document, units = _read_document(path, display(path), org_by_id, out, start=len(located))
        if document is None:
            continue
        if document.id in doc_files:
            out.add(display(path), 1, f"dokument-id '{document.id}' bruges også i {doc_files[document.id]}")
        doc_files[document.id] = display(path)
        documents.append(document)
        for unit, line, parent_line in units:
            parent_lines[len(located)] = parent_line
            located.append((unit, display(path), line))
    return documents, located, parent_lines


def _check_unique_ids(located: list[Located], out: _Collector) -> None:
    first_seen: dict[str, tuple[str, int]] = {}
    for unit, file, line in located:
        if unit.id in first_seen:
            other_file, other_line = first_seen[unit.id]
            out.add(file, line, f"id '{unit.id}' findes allerede i {other_file}:{other_line}")
        else:
            first_seen[unit.id] = (file, line)


def _check_parents(located: list[Located], parent_lines: dict[int, int], out: _Collector) -> None:
    """A parent exists, in the same file, is not the unit itself; a level description sits under a pejlemærke."""
    by_id = {unit.id: (unit, file) for unit, file, _ in located}
    for position, (unit, file, _) in enumerate(located):
        line = parent_lines[position]
        if unit.parent_id is None:
            continue
        if unit.parent_id in out.dropped:
            continue  # the parent's own problem is reported; "unknown parent" would only repeat it
        if unit.parent_id not in by_id:
            out.add(file, line, f"'{unit.id}' henviser til en ukendt parent '{unit.parent_id}'")
        elif by_id[unit.parent_id][1] != file:
            out.add(file, line, f"parent '{unit.parent_id}' står i en anden fil ({by_id[unit.parent_id][1]})")
        elif unit.parent_id == unit.id:
            out.add(file, line, f"'{unit.id}' kan ikke være sin egen parent")
        if (unit.kind == UnitKind.LEVEL_DESCRIPTION and unit.parent_id in by_id
                and by_id[unit.parent_id][0].kind != UnitKind.PEJLEMAERKE):
            out.add(file, line, f"niveaubeskrivelsen '{unit.id}' skal ligge under et pejlemærke")


def _version(paths: list[Path]) -> str:
    """The knowledge version: a digest of every file's name and bytes, so any edit makes a new version."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
