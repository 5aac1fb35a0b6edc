"""SQLAlchemy table definitions for the knowledge base (works on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

knowledge_version = Table(
    "knowledge_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(64), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("unit_count", Integer, nullable=False),
    Column("embedding_model", String(100)),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("full_name", String(300), nullable=False),
    Column("synonyms", JSON, nullable=False),
    Column("shared", Boolean, nullable=False, default=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("organisation_id", String(64), ForeignKey("organisations.id"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("source_title", String(300), nullable=False),
    Column("source_file", String(300), nullable=False),
    Column("path", String(500), nullable=False),
    Column("year", Integer),
)

units = Table(
    "units",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("document_id", String(64), ForeignKey("documents.id"), nullable=False),
    Column("organisation_id", String(64), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("parent_id", String(200), index=True),
    Column("level", Integer),
    Column("label", String(200)),
    Column("headline", String(500)),
    Column("speaker", String(200)),
    Column("page", Integer),
    Column("synonyms", JSON, nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("section_path", JSON, nullable=False),
)

unit_items = Table(
    "unit_items",
    metadata,
    Column("unit_id", String(200), ForeignKey("units.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", Text, nullable=False),
)

unit_embeddings = Table(
    "unit_embeddings",
    metadata,
    Column("unit_id", String(200), ForeignKey("units.id"), primary_key=True),
    Column("model", String(100), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

# One vector per item or sentence of a unit (bot.core.passages); the passages themselves are derived
# from the unit at index time, so only their vectors are stored.
passage_embeddings = Table(
    "passage_embeddings",
    metadata,
    Column("unit_id", String(200), ForeignKey("units.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("model", String(100), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

# How leaders ask for a unit or one of its passages (bot.knowledge.examples); search aids, never shown.
# ``position`` is the passage's position in the unit (NULL: the whole unit); ``vector`` its query embedding.
example_questions = Table(
    "example_questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", String(200), ForeignKey("units.id"), nullable=False, index=True),
    Column("position", Integer),
    Column("text", Text, nullable=False),
    Column("vector", LargeBinary),
)
