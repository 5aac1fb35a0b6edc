"""The unit form: what it shows for each kind, how its text becomes ``UnitFields``, and the new-unit templates.

A field the form does not send keeps the value the file has, so a form that leaves out a field (a headline
on a unit that has none) can never blank it. Browsers send text areas with CRLF line ends; they are made
a plain line feed before anything is compared or written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.model import Unit
from bot.hr.workspace import UnitFields
from bot.names import UnitKind

FIELD_NAMES = {
    "title": "Titel", "headline": "Overskrift", "text": "Tekst", "items": "Punkter", "synonyms": "Synonymer",
    "keywords": "Nøgleord", "level": "Niveau", "label": "Knaptekst", "speaker": "Afsender",
}
HEADLINE_KINDS = {UnitKind.THEME.value, UnitKind.NETWORK_THEME.value}
MAX_FIELD_CHARS = 20_000


@dataclass(frozen=True)
class Template:
    """How a new unit of one kind starts: its Danish name, what it is for and the fields it usually has."""

    kind: str
    name: str
    hint: str
    label: str = ""
    items: bool = False


TEMPLATES: dict[str, Template] = {t.kind: t for t in (
    Template("pejlemaerke", "Pejlemærke", "Et pejlemærke under et felt; niveaubeskrivelserne lægges under det."),
    Template("level_description", "Niveaubeskrivelse", "Niveau 1 eller 2 af et pejlemærke.", label="Niveau {level}"),
    Template("theme", "Tema", "Et tema med overskrift og punkter (som Glostrups ROLLEN, RETNINGEN …).", items=True),
    Template("theme_prose", "Temaets uddybning", "Den løbende tekst, der uddyber et tema.", label="Læs mere"),
    Template("network_theme", "Netværkstema", "Et tema i netværksguiden."),
    Template("question_set", "Spørgsmål til ledelsen", "Spørgsmål, én pr. linje under Punkter.",
             label="Spørgsmål til ledelsen", items=True),
    Template("section", "Afsnit", "Et afsnit af et dokument."),
    Template("quote", "Citat", "Et citat; afsenderens titel skal med.", label="Citat"),
    Template("value", "Værdi", "En værdi i et ledelsesgrundlag."),
    Template("value_list", "Værdiliste", "Det, en værdi indebærer, som punkter.", items=True),
    Template("behaviour", "Ledelsesadfærd", "Adfærden, en værdi fører til, som punkter.",
             label="Ledelsesadfærden", items=True),
    Template("field", "Felt", "Et felt, der samler pejlemærker."),
    Template("introduction", "Indledning", "En indledende tekst."),
    Template("expectations", "Forventninger", "Forventninger til lederne.", items=True),
    Template("note", "Note", "En note eller forklaring."),
    Template("list", "Liste", "En liste af punkter.", items=True),
    Template("fact", "Fakta", "Et faktum om organisationen."),
    Template("survey", "Undersøgelse", "En undersøgelse eller måling."),
    Template("literature", "Litteratur", "Litteraturhenvisninger, én pr. linje.", items=True),
    Template("contributors", "Bidragydere", "Dem, der har bidraget, én pr. linje.", items=True),
)}
# What is usually added under a unit of this kind (the first choice of the new-unit form).
CHILD_KIND = {"field": "pejlemaerke", "pejlemaerke": "level_description", "theme": "theme_prose",
              "network_theme": "question_set", "value": "value_list", "introduction": "introduction"}


def kind_name(kind: str) -> str:
    """The Danish name of a kind ("Pejlemærke"), or the kind itself if it has no template."""
    template = TEMPLATES.get(kind)
    return template.name if template else kind


def kinds_under(parent: Unit) -> list[Template]:
    """The templates that fit under ``parent``, the usual one first (a level description only under a pejlemærke)."""
    fitting = [t for t in TEMPLATES.values()
               if t.kind != UnitKind.LEVEL_DESCRIPTION or parent.kind == UnitKind.PEJLEMAERKE]
    first = CHILD_KIND.get(parent.kind, "section")
    return sorted(fitting, key=lambda t: t.kind != first)


def new_unit_fields(template: Template, parent: Unit, siblings: list[Unit]) -> UnitFields:
    """A new unit's starting values: a level description gets the next free level and its usual title and label."""
    level = None
    title = ""
    if template.kind == UnitKind.LEVEL_DESCRIPTION:
        used = {u.level for u in siblings if u.kind == UnitKind.LEVEL_DESCRIPTION}
        level = next((n for n in (1, 2) if n not in used), 1)
        title = f"{parent.title} – Niveau {level}"
    return UnitFields(title=title, level=level, label=template.label.format(level=level or ""),
                      speaker="" if template.kind == UnitKind.QUOTE else None)


def shown_fields(kind: str, fields: UnitFields) -> set[str]:
    """The form fields a unit of ``kind`` with these values shows (a field it has is always shown)."""
    shown = {"title", "text", "items", "synonyms", "keywords", "label"}
    if kind in HEADLINE_KINDS or fields.headline:
        shown.add("headline")
    if kind == UnitKind.QUOTE or fields.speaker:
        shown.add("speaker")
    if kind == UnitKind.LEVEL_DESCRIPTION:
        shown.add("level")
    return shown


def text_value(value: object) -> str:
    """A submitted text, with the browser's CRLF made a plain line feed and cut at a sane length."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")[:MAX_FIELD_CHARS]


def lines(value: str) -> tuple[str, ...]:
    """List items: one per line, blank lines dropped."""
    return tuple(line.strip() for line in value.split("\n") if line.strip())


def commas(value: str) -> tuple[str, ...]:
    """Synonyms and keywords: comma-separated (a new line also separates), duplicates dropped."""
    words = (" ".join(w.split()) for w in re.split(r"[,\n]", value))
    return tuple(dict.fromkeys(w for w in words if w))


def fields_from(data: Mapping[str, object], current: UnitFields, kind: str) -> UnitFields:
    """The fields a form (or the live check's JSON) asks for; a field not sent keeps ``current``'s value."""
    changes: dict[str, object] = {}
    for key in ("title", "headline", "text", "label", "speaker"):
        if key in data:
            changes[key] = text_value(data[key]).strip()
    if "items" in data:
        changes["items"] = lines(text_value(data["items"]))
    for key in ("synonyms", "keywords"):
        if key in data:
            changes[key] = commas(text_value(data[key]))
    if kind == UnitKind.LEVEL_DESCRIPTION and str(data.get("level", "")).strip() in ("1", "2"):
        changes["level"] = int(str(data["level"]).strip())
    return dataclasses.replace(current, **changes)  # type: ignore[arg-type]


def form_values(fields: UnitFields) -> dict[str, str]:
    """The fields as the form's inputs show them (items one per line, synonyms and keywords with commas)."""
    return {
        "title": fields.title, "headline": fields.headline, "text": fields.text, "items": "\n".join(fields.items),
        "synonyms": ", ".join(fields.synonyms), "keywords": ", ".join(fields.keywords),
        "level": str(fields.level or ""), "label": fields.label or "", "speaker": fields.speaker or "",
    }
