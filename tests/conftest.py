"""Fixtures: a real app on a real SQLite file and Whoosh index in ``tmp_path``."""

from __future__ import annotations

import gc

import pytest

from memorial import create_app
from memorial.extensions import db
from memorial.schema import create_tables

from helpers import (
    DEMO_ARCHIVE,
    PG_SERVER_URL,
    app_config,
    drop_everything_left,
    drop_test_databases,
    pg_admin,
    pg_databases,
    staff_password_hash,
)


@pytest.fixture
def app(tmp_path):
    """An app with an empty schema."""
    app = create_app(app_config(tmp_path))
    with app.app_context():
        create_tables()
    yield app
    # A test may have switched to the background index thread: end it before the database goes.
    app.extensions["memorial.index_sync"].stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory):
    """The demo archive folder of the repository."""
    assert (DEMO_ARCHIVE / "heroes.json").is_file(), "archive_data/heroes.json is missing"
    return DEMO_ARCHIVE


@pytest.fixture
def demo_app(app, runner, demo_source):
    """An app with the demo archive imported through the CLI."""
    result = runner.invoke(args=["import-archive", str(demo_source)])
    assert result.exit_code == 0, result.output
    return app


# --- Staff accounts ----------------------------------------------------------------------


@pytest.fixture
def staff(app):
    """A moderator and an administrator account: ``{"moderator": email, "admin": email}``."""
    from memorial.models import User

    with app.app_context():
        for email, role in (("moder@example.org", "moderator"), ("admin@example.org", "admin")):
            db.session.add(User(email=email, role=role, password_hash=staff_password_hash()))
        db.session.commit()
    return {"moderator": "moder@example.org", "admin": "admin@example.org"}


# -- PostgreSQL runs -----------------------------------------------------------------------
# With MEMORIAL_TEST_DATABASE_URL=postgresql+psycopg://user@host/db every test gets its own
# database, copied from a template made once per run, and dropped after the test; the
# template is dropped when the run ends (the machinery is in helpers.py). A run asked for
# PostgreSQL that cannot reach it stops with an error instead of skipping.


def pytest_configure(config) -> None:
    """Fail the run at once when PostgreSQL was asked for and cannot be reached."""
    if not PG_SERVER_URL:
        return
    if not PG_SERVER_URL.startswith("postgresql"):
        raise pytest.UsageError("MEMORIAL_TEST_DATABASE_URL must be a postgresql+psycopg:// URL")
    try:
        with pg_admin() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        raise pytest.UsageError(
            f"PostgreSQL test server {PG_SERVER_URL} is unreachable: {exc}"
        ) from None


def pytest_collection_finish(session) -> None:
    """Everything imported so far lives as long as the run: keep the garbage collector from
    walking it again at every collection (PostgreSQL runs collect after every test)."""
    gc.freeze()


def pytest_unconfigure(config) -> None:
    """Drop whatever this run left on the PostgreSQL server."""
    if PG_SERVER_URL:
        drop_everything_left()


@pytest.fixture(autouse=True)
def _drop_pg_databases_after_test():
    """Drop the PostgreSQL databases the test created once it is over."""
    before = set(pg_databases)
    yield
    if PG_SERVER_URL:
        made = [key for key in pg_databases if key not in before]
        if made:
            drop_test_databases([pg_databases.pop(key) for key in made])
