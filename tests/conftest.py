"""Fixtures: a real app on a real SQLite file and Whoosh index in ``tmp_path``."""

from __future__ import annotations

import functools
import gc
import os
import secrets
import warnings
from pathlib import Path

import pytest

from memorial import create_app
from memorial.extensions import db
from memorial.schema import create_tables

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = ROOT / "archive_data"


def app_config(tmp_path: Path, **extra) -> dict:
    """Configuration of a test app whose files all live under ``tmp_path``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url_for(tmp_path),
        "SEARCH_BACKEND": os.environ.get("MEMORIAL_TEST_SEARCH_BACKEND") or "whoosh",
        "SEARCH_SYNC": "inline",
        "SERVER_NAME": None,
    }
    config.update(extra)
    if not config["DATABASE_URL"].startswith("postgresql"):
        config["SEARCH_BACKEND"] = "whoosh"  # the postgres backend needs a PostgreSQL database
    return config


@pytest.fixture
def app(tmp_path):
    """An app with an empty schema."""
    app = create_app(app_config(tmp_path))
    with app.app_context():
        create_tables()
    yield app
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


# --- Staff accounts and forms with CSRF tokens ---------------------------------------------

STAFF_PASSWORD = "correct horse battery"


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at ``url`` (as a browser would read it)."""
    import re

    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, f"no CSRF token on {url}: {page[:3000]}"
    return match.group(1)


@functools.cache
def _staff_hash() -> str:
    """One real argon2 hash of the staff password, computed once (hashing is slow on purpose)."""
    from memorial.accounts import hash_password

    return hash_password(STAFF_PASSWORD)


@pytest.fixture
def staff(app):
    """A moderator and an administrator account: ``{"moderator": email, "admin": email}``."""
    from memorial.models import User

    with app.app_context():
        for email, role in (("moder@example.org", "moderator"), ("admin@example.org", "admin")):
            db.session.add(User(email=email, role=role, password_hash=_staff_hash()))
        db.session.commit()
    return {"moderator": "moder@example.org", "admin": "admin@example.org"}


def login(client, email: str, password: str = STAFF_PASSWORD):
    """Sign in through the real form; return the response."""
    token = csrf_token(client, "/staff/login")
    return client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )


# -- PostgreSQL runs -----------------------------------------------------------------------
# With MEMORIAL_TEST_DATABASE_URL=postgresql+psycopg://user@host/db every test gets its own
# database, copied from a template made once per run, and dropped after the test; the
# template is dropped when the run ends. A run asked for PostgreSQL that cannot reach it
# stops with an error instead of skipping.

PG_SERVER_URL = os.environ.get("MEMORIAL_TEST_DATABASE_URL", "")
_RUN_TOKEN = f"{os.getpid()}_{secrets.token_hex(3)}"
_pg_databases: dict[Path, str] = {}
_pg_template: list[str] = []


def _pg_admin():
    """An autocommit connection to the server's maintenance database given in the URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER_URL)
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
        connect_timeout=5,
    )


def _pg_url(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the test server."""
    from sqlalchemy.engine import make_url

    return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _pg_build_template() -> str:
    """Create this run's template database: the schema and the pg_trgm extension."""
    name = f"memorial_tpl_{_RUN_TOKEN}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _pg_template.append(name)
    from sqlalchemy import create_engine

    from memorial import schema  # noqa: F401  (every table)
    from memorial.extensions import db as _db

    engine = create_engine(_pg_url(name))
    try:
        _db.metadata.create_all(engine)
    finally:
        engine.dispose()
    return name


def database_url_for(tmp_path: Path, empty: bool = False) -> str:
    """The database of the test owning ``tmp_path``: an SQLite file, or a fresh PostgreSQL one.

    ``empty``: a database without any table (for migration tests) instead of a copy of the
    run's template that already holds the schema.
    """
    if not PG_SERVER_URL:
        return f"sqlite:///{tmp_path / 'memorial.db'}"
    if tmp_path not in _pg_databases:
        if empty:
            template = "template0"
        else:
            template = _pg_template[0] if _pg_template else _pg_build_template()
        name = f"memorial_t_{_RUN_TOKEN}_{len(_pg_databases)}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        _pg_databases[tmp_path] = name
    return _pg_url(_pg_databases[tmp_path])


def drop_test_databases(names) -> None:
    """Drop PostgreSQL databases made for tests, closing any connection still open."""
    # Apps a test made without disposing of their engines still hold pooled connections;
    # let them go now, quietly, rather than warn during some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    with _pg_admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_configure(config) -> None:
    """Fail the run at once when PostgreSQL was asked for and cannot be reached."""
    if not PG_SERVER_URL:
        return
    if not PG_SERVER_URL.startswith("postgresql"):
        raise pytest.UsageError("MEMORIAL_TEST_DATABASE_URL must be a postgresql+psycopg:// URL")
    try:
        with _pg_admin() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        raise pytest.UsageError(
            f"PostgreSQL test server {PG_SERVER_URL} is unreachable: {exc}"
        ) from None


def pytest_unconfigure(config) -> None:
    """Drop whatever this run left on the PostgreSQL server."""
    if PG_SERVER_URL and (_pg_databases or _pg_template):
        drop_test_databases([*_pg_databases.values(), *_pg_template])


@pytest.fixture(autouse=True)
def _drop_pg_databases_after_test():
    """Drop the PostgreSQL databases the test created once it is over."""
    before = set(_pg_databases)
    yield
    if PG_SERVER_URL:
        made = [key for key in _pg_databases if key not in before]
        if made:
            drop_test_databases([_pg_databases.pop(key) for key in made])
