"""Write a validated KnowledgeSet into the database, replacing the old content atomically."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, delete, insert, inspect
from sqlalchemy.engine import Connection, Engine

from bot.core.model import Document, KnowledgeSet, Organisation, Unit
from bot.core.passages import split_passage_id
from bot.knowledge import tables as t


def create_schema(engine: Engine) -> None:
    """Create the knowledge tables that are missing; existing ones are left as they are."""
    t.metadata.create_all(engine)


def _renew_changed_tables(conn: Connection) -> None:
    """Recreate the knowledge tables when this code's columns differ from the database's (a new column).

    The knowledge tables hold nothing but the last load, which the caller is about to replace, so the
    "migration" is to drop and recreate them, inside the load's transaction: readers see the old tables
    until it commits. Feedback and the workbench's tables have their own metadata and are never touched.
    """
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    changed = [table for table in t.metadata.sorted_tables if table.name in existing
               and {c["name"] for c in inspector.get_columns(table.name)} != {c.name for c in table.columns}]
    if changed:
        t.metadata.drop_all(conn, tables=[tb for tb in t.metadata.sorted_tables if tb.name in existing])
        t.metadata.create_all(conn)


# Child tables first, so deleting never breaks a foreign key.
TABLES_IN_DELETE_ORDER = (t.example_questions, t.passage_embeddings, t.unit_embeddings, t.unit_items, t.units,
                          t.documents, t.organisations, t.knowledge_version)


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
        _renew_changed_tables(conn)
        for table in TABLES_IN_DELETE_ORDER:
            conn.execute(delete(table))
        _insert_rows(conn, t.organisations, [_organisation_row(o) for o in knowledge.organisations])
        _insert_rows(conn, t.documents, [_document_row(d) for d in knowledge.documents])
        _insert_rows(conn, t.units, [_unit_row(u) for u in knowledge.units])
        _insert_rows(conn, t.unit_items, [{"unit_id": u.id, "position": i, "text": text}
                                          for u in knowledge.units for i, text in enumerate(u.items)])
        if embeddings:
            _insert_embeddings(conn, embeddings, embedding_model or "")
        _insert_rows(conn, t.example_questions, [
            {"unit_id": e.unit_id, "position": e.position, "text": e.text,
             "vector": example_vectors[i] if example_vectors else None}
            for i, e in enumerate(knowledge.examples)
        ])
        conn.execute(insert(t.knowledge_version), [{
            "version": knowledge.version,
            "loaded_at": datetime.now(timezone.utc),
            "unit_count": len(knowledge.units),
            "embedding_model": embedding_model if embeddings else None,
        }])


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany per table; nothing for no rows (an empty executemany is an error on some drivers)."""
    if rows:
        conn.execute(insert(table), rows)


def _organisation_row(o: Organisation) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "full_name": o.full_name, "synonyms": list(o.synonyms), "shared": o.shared}


def _document_row(d: Document) -> dict[str, Any]:
    return {"id": d.id, "organisation_id": d.organisation_id, "title": d.title, "source_title": d.source_title,
            "source_file": d.source_file, "path": d.path, "year": d.year}


def _unit_row(u: Unit) -> dict[str, Any]:
    return {
        "id": u.id, "kind": str(u.kind), "title": u.title, "document_id": u.document_id,
        "organisation_id": u.organisation_id, "position": u.position, "text": u.text,
        "parent_id": u.parent_id, "level": u.level, "label": u.label, "headline": u.headline,
        "speaker": u.speaker, "page": u.page, "synonyms": list(u.synonyms),
        "keywords": list(u.keywords), "section_path": list(u.section_path),
    }


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
