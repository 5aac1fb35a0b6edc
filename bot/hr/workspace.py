"""The knowledge files as the HR workbench edits them: read a unit's fields, change them, add a unit.

The YAML files stay the single source (a change in git and one in the browser meet in the same files), so
an edit is a change of file *text*: ruamel.yaml's round-trip mode keeps comments, key order and the block
style of each text (``>-`` stays folded, ``|-`` stays literal). A set of files is checked with the same
``load_knowledge`` as ``python -m bot knowledge check``, in a scratch copy, so a draft can be validated and
previewed without touching the live files.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.core.model import KnowledgeSet
from bot.knowledge.loader import KnowledgeError, Problem, load_knowledge

Files = dict[str, str]  # path relative to the knowledge directory → file text
EDITABLE = ("title", "headline", "text", "items", "synonyms", "keywords", "level", "label", "speaker")
FOLD_WIDTH = 76  # a changed ``>-`` text is wrapped at this width, as the files wrap theirs
DANISH_LETTERS = {"æ": "ae", "ø": "oe", "å": "aa"}


class WorkspaceError(Exception):
    """An edit the files cannot take (unknown unit, id already used); the message is Danish, for HR."""


@dataclass(frozen=True)
class UnitFields:
    """The fields of one unit HR may change in a form.

    ``label`` and ``speaker`` are ``None`` to leave them as the file has them (an empty string removes them).
    """

    title: str
    text: str = ""
    headline: str = ""
    items: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    level: int | None = None
    label: str | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class UnitLines:
    """The lines (1-based) a unit takes in its file, and the first line of each of its keys.

    A problem's line thus tells which unit, and which field of it, the problem is in.
    """

    path: str
    first: int
    last: int
    keys: dict[str, int]

    def field_at(self, line: int) -> str | None:
        """The key whose value holds ``line`` (None outside the unit)."""
        if not self.first <= line <= self.last:
            return None
        found = None
        for key, start in sorted(self.keys.items(), key=lambda kv: kv[1]):
            if start <= line:
                found = key
        return found


@dataclass(frozen=True)
class UnitLocation:
    """Where a unit is written: its file and its position in that file's ``units:`` list."""

    path: str
    index: int
    kind: str
    parent: str | None
    fields: UnitFields = field(default_factory=lambda: UnitFields(""))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # type: ignore[assignment]  # never re-wrap a line HR (or git) wrote
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def read_files(directory: Path) -> Files:
    """Every knowledge file (documents, organisations, example questions) by its relative path."""
    paths = [*directory.glob("*.yml"), *(directory / "eksempelspoergsmaal").glob("*.yml")]
    return {p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8") for p in sorted(paths)}


def digest(files: Mapping[str, str]) -> str:
    """A short fingerprint of a set of files, to see whether the files on disk moved under a draft."""
    sha = hashlib.sha256()
    for path in sorted(files):
        sha.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return sha.hexdigest()[:16]


def _units_of(text: str) -> tuple[Any, CommentedSeq | None]:
    data = _yaml().load(text)
    units = data.get("units") if isinstance(data, CommentedMap) else None
    return data, units if isinstance(units, CommentedSeq) else None


def locate(files: Mapping[str, str], unit_id: str) -> UnitLocation:
    """The file and position of ``unit_id`` with its current fields (WorkspaceError if there is none)."""
    for path, text in files.items():
        if "/" in path or f"id: {unit_id}" not in text:
            continue
        _, units = _units_of(text)
        for index, node in enumerate(units or []):
            if isinstance(node, CommentedMap) and node.get("id") == unit_id:
                return UnitLocation(path, index, str(node.get("kind", "")), node.get("parent"), _fields_of(node))
    raise WorkspaceError(f"Enheden '{unit_id}' findes ikke i vidensfilerne.")


def _fields_of(node: CommentedMap) -> UnitFields:
    def strings(key: str) -> tuple[str, ...]:
        value = node.get(key) or []
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    level = node.get("level")
    return UnitFields(
        title=str(node.get("title") or ""), text=str(node.get("text") or "").strip(),
        headline=str(node.get("headline") or ""), items=strings("items"), synonyms=strings("synonyms"),
        keywords=strings("keywords"), level=level if isinstance(level, int) else None,
        label=str(node.get("label") or ""), speaker=str(node.get("speaker") or ""),
    )


def unit_lines(files: Mapping[str, str], unit_id: str) -> UnitLines:
    """Where ``unit_id`` is written, line by line (WorkspaceError if there is none)."""
    where = locate(files, unit_id)
    _, units = _units_of(files[where.path])
    assert units is not None
    node = units[where.index]
    first = node.lc.line + 1
    # The last line is the one before the next unit's first key (or the file's end).
    last = units[where.index + 1].lc.line if where.index + 1 < len(units) else files[where.path].count("\n") + 1
    keys = {str(key): int(node.lc.key(key)[0]) + 1 for key in node}
    return UnitLines(where.path, first, last, keys)


def edit_unit(files: Mapping[str, str], unit_id: str, fields: UnitFields) -> Files:
    """The files with ``unit_id``'s editable fields replaced (only its file changes)."""
    where = locate(files, unit_id)
    data, units = _units_of(files[where.path])
    assert units is not None
    _apply(units[where.index], fields)
    return {**files, where.path: _dump(data)}


def add_unit(files: Mapping[str, str], parent_id: str, kind: str, fields: UnitFields) -> tuple[Files, str]:
    """The files with a new unit of ``kind`` under ``parent_id``, placed after the parent's last descendant.

    Its id is made from the title, as HR would write it by hand (``æ`` → ``ae``, words joined by ``-``).
    """
    parent = locate(files, parent_id)
    data, units = _units_of(files[parent.path])
    assert units is not None
    new_id = f"{parent_id}.{slug(fields.title)}"
    if any(isinstance(u, CommentedMap) and u.get("id") == new_id for u in units):
        raise WorkspaceError(f"Der findes allerede en enhed med id '{new_id}'. Vælg en anden titel.")
    node = CommentedMap([("id", new_id), ("kind", kind), ("parent", parent_id)])
    if fields.level is not None:
        node["level"] = fields.level  # where the files write it: before the title
    _apply(node, fields)
    position = _after_descendants(units, parent.index, parent_id)
    previous = units[position - 1]
    # The blank line and section comment after the previous unit belong before the unit that followed it.
    _put_trailing(node, _take_trailing(previous) if isinstance(previous, CommentedMap) else None)
    _put_trailing(previous, ("item", _blank_line())) if isinstance(previous, CommentedMap) else None
    units.insert(position, node)
    return {**files, parent.path: _dump(data)}, new_id


def remove_unit(files: Mapping[str, str], unit_id: str) -> Files:
    """The files without ``unit_id`` (the check then reports any unit that still names it as parent)."""
    where = locate(files, unit_id)
    data, units = _units_of(files[where.path])
    assert units is not None
    del units[where.index]
    return {**files, where.path: _dump(data)}


def _after_descendants(units: CommentedSeq, index: int, parent_id: str) -> int:
    position = index + 1
    while position < len(units):
        node = units[position]
        parent = str(node.get("parent") or "") if isinstance(node, CommentedMap) else ""
        if parent != parent_id and not parent.startswith(parent_id + "."):
            break
        position += 1
    return position


def _take_trailing(node: CommentedMap) -> Any:
    """Remove and return what follows a map's last value (the blank line or comment before the next unit).

    It is put back after the keys an edit adds or removes.
    """
    if not node:
        return None
    last = list(node)[-1]
    value = node[last]
    if isinstance(value, (CommentedSeq, CommentedMap)) and value.ca.end:
        token, value.ca.end = value.ca.end, []
        return ("end", token)
    entry = node.ca.items.get(last)
    if entry and len(entry) > 2 and entry[2] is not None:
        token, entry[2] = entry[2], None
        return ("item", token)
    return None


def _put_trailing(node: CommentedMap, trailing: Any) -> None:
    if trailing is None or not node:
        return
    last = list(node)[-1]
    value = node[last]
    kind, token = trailing
    if isinstance(value, (CommentedSeq, CommentedMap)) and not value.fa.flow_style():
        value.ca.end = token if kind == "end" else [token]
        return
    if kind == "end":
        token = token[0] if isinstance(token, list) and token else token
    node.ca.items.setdefault(last, [None, None, None, None])
    while len(node.ca.items[last]) < 4:
        node.ca.items[last].append(None)
    node.ca.items[last][2] = token


def _apply(node: CommentedMap, fields: UnitFields) -> None:
    """Write the fields into a unit's map, keeping each text's block style and dropping emptied keys."""
    trailing = _take_trailing(node)
    _apply_fields(node, fields)
    _put_trailing(node, trailing)


def _apply_fields(node: CommentedMap, fields: UnitFields) -> None:
    """Write each field, leaving a value that did not change exactly as written (quotes, wrapping, style)."""
    if str(node.get("title") or "") != fields.title.strip():
        node["title"] = fields.title.strip()
    for key in ("label", "speaker"):
        value = getattr(fields, key)
        if value is not None:
            _set_text(node, key, value.strip())
    _set_text(node, "headline", fields.headline.strip())
    _set_text(node, "text", fields.text.strip())
    for key in ("items", "synonyms", "keywords"):
        values = [v.strip() for v in getattr(fields, key) if v.strip()]
        old = node.get(key)
        if isinstance(old, list) and [str(v) for v in old] == values:
            continue
        if values:
            seq = CommentedSeq(values)
            if key != "items":
                seq.fa.set_flow_style()  # synonyms: [a, b] as the files write them
            node[key] = seq
        elif key in node:
            del node[key]
    if fields.level is not None and node.get("level") != fields.level:
        node["level"] = fields.level


def _set_text(node: CommentedMap, key: str, value: str) -> None:
    old = node.get(key)
    if not value:
        if key in node:
            del node[key]
        return
    if old is not None and str(old).strip() == value:
        return  # unchanged: keep the file's own wrapping and style
    if isinstance(old, FoldedScalarString) or (old is None and key == "text" and len(value) > 80 and "\n" not in value):
        node[key] = _folded(value)
    elif isinstance(old, LiteralScalarString) or "\n" in value:
        node[key] = LiteralScalarString(value)
    else:
        node[key] = value


def _folded(value: str, width: int = FOLD_WIDTH) -> FoldedScalarString:
    """A ``>-`` text wrapped at ``width`` at single spaces, so a changed text stays as readable in git as before.

    Folding only at a space between two non-space characters keeps the text exactly as loaded.
    """
    text = FoldedScalarString(value)
    folds: list[int] = []
    line_start = 0
    last_space = -1
    for position, char in enumerate(value):
        if char == "\n":
            line_start, last_space = position + 1, -1
            continue
        if char == " " and 0 < position < len(value) - 1 and not value[position - 1].isspace() \
                and not value[position + 1].isspace():
            last_space = position
        if position - line_start >= width and last_space > line_start:
            folds.append(last_space)
            line_start, last_space = last_space + 1, -1
    text.fold_pos = folds  # type: ignore[attr-defined]
    return text


def _blank_line() -> Any:
    """A comment token holding one empty line, as between two units in the files."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    return CommentToken("\n\n", CommentMark(0), None)


def _dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def slug(title: str) -> str:
    """An id part from a title: lower case, æ/ø/å as ae/oe/aa, other accents dropped, words joined by '-'."""
    text = "".join(DANISH_LETTERS.get(c, c) for c in title.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "enhed"


@contextmanager
def checked_out(files: Mapping[str, str]) -> Iterator[Path]:
    """The files written to a scratch knowledge directory (with the schema), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lederbot-hr-") as scratch:
        root = Path(scratch)
        for path, text in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        yield root


def check(files: Mapping[str, str]) -> tuple[KnowledgeSet | None, list[Problem]]:
    """The knowledge the files hold, or the problems ``knowledge check`` finds.

    The problems' paths are relative to the knowledge directory (``kl-ledelsesgrundlag.yml:12: …``).
    """
    with checked_out(files) as root:
        try:
            return load_knowledge(root), []
        except KnowledgeError as error:
            prefix = str(root) + "/"
            return None, [Problem(p.file.removeprefix(prefix), p.line, p.message) for p in error.problems]


def write_files(directory: Path, files: Mapping[str, str]) -> list[str]:
    """Write the files that differ from disk, each atomically (a temp file renamed over it); the changed paths."""
    changed = []
    for path, text in files.items():
        target = directory / path
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.hr-tmp")
        temp.write_text(text, encoding="utf-8")
        shutil.copymode(target, temp) if target.exists() else None
        temp.replace(target)
        changed.append(path)
    for stale in set(read_files(directory)) - set(files):
        (directory / stale).unlink()
        changed.append(stale)
    return sorted(changed)
