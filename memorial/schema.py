"""The database schema: created and changed by migrations; connections tuned per database."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine

from . import models  # noqa: F401  (the schema is every table of these two modules)
from .extensions import db
from .search import tables as search_tables  # noqa: F401

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The first migration: the schema of the first release (heroes, photos, staff).
INITIAL_REVISION = "26590db84f93"
#: Submissions, revisions and the audit log, also made by ``create_all`` before migrations.
SUBMISSIONS_REVISION = "4bdac6a8f567"
#: Candles of memory, also made by ``create_all`` before migrations.
CANDLES_REVISION = "0babe75b4a08"
#: The content version of the page cache, also made by ``create_all`` (the test suite's schema).
CONTENT_VERSION_REVISION = "5c1f3e9a7d20"
#: The login throttle, also made by ``create_all`` (the test suite's schema).
LOGIN_THROTTLE_REVISION = "8e4d2b7c1a90"
#: E-mail reminders, also made by ``create_all`` (the test suite's schema).
REMINDERS_REVISION = "3a7c9e1d5b42"
#: A family's requests: hidden and sensitive items, frozen profiles (``create_all`` too).
FAMILYREQ_REVISION = "7d2e4f6a8b10"
#: Cemeteries, sectors and graves, also made by ``create_all`` (the test suite's schema).
GRAVES_REVISION = "5b6d3bdf8f1d"
#: The provenance migration (the notified check, the embargo, fact sources).
PROVENANCE_REVISION = "7d2f4a6c8e13"
#: Consent texts and recorded consents, also made by ``create_all`` (the test suite's schema).
CONSENT_REVISION = "7d2e4c6a9b13"
#: Background jobs and the book's foreword and editions (``create_all`` too).
BOOK_REVISION = "4b8e1f2a6c37"
#: Veterans: the second collection, withdrawal (``create_all`` too).
VETERANS_REVISION = "3b8e5a1c7d42"
#: Recorded interviews, also made by ``create_all`` (the test suite's schema).
INTERVIEWS_REVISION = "9c4e1a7b3d52"
#: Tables that came with migrations: a database made by ``create_all`` before then lacks them.
_ADDED_WITH_MIGRATIONS = ("search_document", "search_term")


def _revision_before_migrations(inspector) -> str:
    """The migration whose schema a database made by ``create_all`` (no migrations) matches.

    Such databases come from releases before migrations existed; newest first.
    """
    if "interview" in inspector.get_table_names():
        return INTERVIEWS_REVISION
    if "hero" in inspector.get_table_names() and "withdrawn_at" in {
        c["name"] for c in inspector.get_columns("hero")
    }:
        return VETERANS_REVISION
    if "book_edition" in inspector.get_table_names():
        return BOOK_REVISION
    if "consent_text" in inspector.get_table_names():
        return CONSENT_REVISION
    if "hero" in inspector.get_table_names() and "frozen_at" in {
        c["name"] for c in inspector.get_columns("hero")
    }:
        return FAMILYREQ_REVISION
    if "fact_source" in inspector.get_table_names():
        return PROVENANCE_REVISION
    if "reminder_subscription" in inspector.get_table_names():
        return REMINDERS_REVISION
    if "grave" in inspector.get_table_names():
        return GRAVES_REVISION
    if "login_throttle" in inspector.get_table_names():
        return LOGIN_THROTTLE_REVISION
    if "content_version" in inspector.get_table_names():
        return CONTENT_VERSION_REVISION
    if "candle_light" in inspector.get_table_names():
        return CANDLES_REVISION
    if "user_account" in inspector.get_table_names():
        columns = {c["name"] for c in inspector.get_columns("user_account")}
        if "session_token" in columns:
            return SUBMISSIONS_REVISION
    return INITIAL_REVISION


def _alembic_config():
    """The Alembic configuration of the app's migrations folder."""
    return current_app.extensions["migrate"].migrate.get_config(str(MIGRATIONS))


def current_revision() -> str | None:
    """The migration the database is at, or ``None`` when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest migration in the package."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the package has no migrations")
    return head


def upgrade_schema() -> str:
    """Bring the database to the newest migration (idempotent); return what was done.

    A database created before migrations existed (tables but no ``alembic_version``) is
    completed with the tables the first migration added, stamped at that migration and
    then upgraded like any other.
    """
    from alembic import command

    config = _alembic_config()
    before = current_revision()
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    if before is None and "hero" in tables:
        adopted = _revision_before_migrations(inspector)
        missing = [
            db.metadata.tables[name] for name in _ADDED_WITH_MIGRATIONS if name not in tables
        ]
        db.metadata.create_all(db.engine, tables=missing)
        command.stamp(config, adopted)
        before = adopted
    head = head_revision()
    if before == head:
        return f"database schema is up to date ({head})"
    command.upgrade(config, "head")
    return f"database schema upgraded from {before or 'empty'} to {head}"


def create_tables() -> None:
    """Create the tables straight from the models: the test suite's fast path.

    The migration tests prove that migrations produce exactly this schema; deployments
    use :func:`upgrade_schema`.
    """
    db.create_all()
    from .consent import ensure_first_version

    ensure_first_version(db.session())
    db.session.commit()


def create_schema() -> None:
    """Create or upgrade the schema through the migrations (idempotent)."""
    upgrade_schema()


def ensure_schema() -> None:
    """Make sure a schema exists before a command touches the database."""
    if not inspect(db.engine).has_table("hero"):
        upgrade_schema()


def sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, and wait for a busy writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def bind_connection_hooks(engine: Engine) -> None:
    """Tune every new connection of ``engine``: bound by the app factory, so every process
    that serves or changes the archive has them (not only those that import this module)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", sqlite_pragmas):
        event.listen(engine, "connect", sqlite_pragmas)


def database_is_sqlite() -> bool:
    """Whether the app's database is an SQLite file."""
    return current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
