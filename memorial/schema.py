"""Creating the database schema and tuning connections."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def create_schema() -> None:
    """Create every table that does not exist yet (idempotent)."""
    db.create_all()


def ensure_schema() -> None:
    """Make sure the schema exists before a command touches the database."""
    create_schema()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, and wait for a busy writer."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def database_is_sqlite() -> bool:
    """Whether the app's database is an SQLite file."""
    return current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
