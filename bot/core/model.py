"""Plain data types for knowledge units, shared by the loader, the store and the actions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Organisation:
    """An organisation whose texts the knowledge holds; its names and ``synonyms`` are how questions name it."""

    id: str
    name: str
    full_name: str
    synonyms: tuple[str, ...] = ()
    shared: bool = False  # its texts apply to every organisation (KL's): asked beside the home organisation's


@dataclass(frozen=True)
class Document:
    """One source publication: answers cite ``source_title``; ``path`` is the knowledge file it was read from."""

    id: str
    organisation_id: str
    title: str
    source_title: str
    source_file: str
    path: str
    year: int | None = None


@dataclass(frozen=True)
class Unit:
    """One answerable piece of a document (a value, a pejlemærke, a level description, a theme, a quote …).

    ``kind`` is a ``UnitKind`` value, ``parent_id`` places the unit in its document's tree, ``position`` orders
    all units of the knowledge. ``section_path`` is the titles from the top of the tree down to the unit's own.
    """

    id: str
    kind: str
    title: str
    document_id: str
    organisation_id: str
    position: int
    text: str = ""
    items: tuple[str, ...] = ()
    parent_id: str | None = None
    level: int | None = None
    label: str | None = None
    headline: str | None = None
    speaker: str | None = None
    page: int | None = None
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    section_path: tuple[str, ...] = field(default=())

    @property
    def button_label(self) -> str:
        """What a button to this unit says: its ``label`` ("Læs mere") if it has one, else its title."""
        return self.label or self.title


@dataclass(frozen=True)
class ExampleQuestion:
    """One way a leader asks for ``unit_id`` (or its passage at ``position``); a search aid, never shown."""

    unit_id: str
    position: int | None
    text: str


@dataclass(frozen=True)
class KnowledgeSet:
    """Everything read from the knowledge files, validated and ready to store."""

    organisations: tuple[Organisation, ...]
    documents: tuple[Document, ...]
    units: tuple[Unit, ...]
    version: str
    examples: tuple[ExampleQuestion, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """All knowledge of one version, for building the search index."""

    version: str
    units: tuple[Unit, ...]
    organisations: tuple[Organisation, ...]
    documents: tuple[Document, ...]
    embeddings: dict[str, np.ndarray]
    embedding_model: str | None
    examples: tuple[ExampleQuestion, ...] = ()
    example_vectors: np.ndarray | None = None  # one row per example (None without embeddings)
