"""Write a validated KnowledgeSet into the database, replacing the old content atomically."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection, Engine

from bot.core.model import KnowledgeSet
from bot.core.passages import split_passage_id
from bot.knowledge import tables as t


def create_schema(engine: Engine) -> None:
    t.metadata.create_all(engine)


def replace_knowledge(
    engine: Engine,
    knowledge: KnowledgeSet,
    embeddings: dict[str, bytes] | None = None,
    embedding_model: str | None = None,
    example_vectors: list[bytes] | None = None,
) -> None:
    """Replace all knowledge in one transaction: readers see either the old or the new content."""
    create_schema(engine)
    with engine.begin() as conn:
        for table in (t.example_questions, t.passage_embeddings, t.unit_embeddings, t.unit_items, t.units, t.documents,
                      t.organisations, t.knowledge_version):
            conn.execute(delete(table))
        conn.execute(
            insert(t.organisations),
            [
                {"id": o.id, "name": o.name, "full_name": o.full_name, "synonyms": list(o.synonyms)}
                for o in knowledge.organisations
            ],
        )
        conn.execute(
            insert(t.documents),
            [
                {
                    "id": d.id, "organisation_id": d.organisation_id, "title": d.title,
                    "source_title": d.source_title, "source_file": d.source_file, "path": d.path,
                    "year": d.year,
                }
                for d in knowledge.documents
            ],
        )
        conn.execute(
            insert(t.units),
            [
                {
                    "id": u.id, "kind": u.kind, "title": u.title, "document_id": u.document_id,
                    "organisation_id": u.organisation_id, "position": u.position, "text": u.text,
                    "parent_id": u.parent_id, "level": u.level, "label": u.label, "headline": u.headline,
                    "speaker": u.speaker, "page": u.page, "synonyms": list(u.synonyms),
                    "keywords": list(u.keywords), "section_path": list(u.section_path),
                }
                for u in knowledge.units
            ],
        )
        items = [
            {"unit_id": u.id, "position": i, "text": text}
            for u in knowledge.units
            for i, text in enumerate(u.items)
        ]
        if items:
            conn.execute(insert(t.unit_items), items)
        if embeddings:
            _insert_embeddings(conn, embeddings, embedding_model or "")
        if knowledge.examples:
            conn.execute(insert(t.example_questions), [
                {"unit_id": e.unit_id, "position": e.position, "text": e.text,
                 "vector": example_vectors[i] if example_vectors else None}
                for i, e in enumerate(knowledge.examples)
            ])
        conn.execute(
            insert(t.knowledge_version),
            [{
                "version": knowledge.version,
                "loaded_at": datetime.now(timezone.utc),
                "unit_count": len(knowledge.units),
                "embedding_model": embedding_model if embeddings else None,
            }],
        )


def _insert_embeddings(conn: Connection, embeddings: dict[str, bytes], model: str) -> None:
    """Unit vectors by unit id, passage vectors (``unit#position``) by unit and position."""
    unit_rows, passage_rows = [], []
    for key, vector in embeddings.items():
        passage = split_passage_id(key)
        if passage is None:
            unit_rows.append({"unit_id": key, "model": model, "vector": vector})
        else:
            passage_rows.append({"unit_id": passage[0], "position": passage[1], "model": model, "vector": vector})
    if unit_rows:
        conn.execute(insert(t.unit_embeddings), unit_rows)
    if passage_rows:
        conn.execute(insert(t.passage_embeddings), passage_rows)
