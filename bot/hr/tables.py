"""The workbench's tables, in the knowledge database beside the knowledge (never replaced by a load).

Changes and versions hold file texts as JSON (path → text), so they are the same on SQLite and PostgreSQL
and a version can be written back exactly as it was published.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()

users = Table(
    "hr_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),          # Role: redaktoer | godkender
    Column("password_hash", String(255), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

changes = Table(
    "hr_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author", String(100), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, index=True),  # ChangeStatus
    Column("base_files", Text, nullable=False),   # JSON: the changed files' text when the draft began
    Column("files", Text, nullable=False),        # JSON: the changed files' new text
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(100)),
    Column("approved_at", DateTime(timezone=True)),
    Column("published_by", String(100)),
    Column("published_at", DateTime(timezone=True)),
    Column("version_id", Integer),
)

versions = Table(
    "hr_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(100), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("knowledge_version", String(64), nullable=False),
    Column("files", Text, nullable=False),        # JSON: every knowledge file as published
    Column("summary", Text, nullable=False),      # JSON: the readable diff against the version before
    Column("change_id", Integer),
    Column("rollback_of", Integer),
)
