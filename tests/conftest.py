"""Fixtures: a real app on a real SQLite file and Whoosh index in ``tmp_path``."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from memorial import create_app
from memorial.extensions import db
from memorial.schema import create_schema

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = ROOT / "archive_data"


def app_config(tmp_path: Path, **extra) -> dict:
    """Configuration of a test app whose files all live under ``tmp_path``."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": os.environ.get("MEMORIAL_TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path / 'memorial.db'}",
        "SEARCH_SYNC": "inline",
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture
def app(tmp_path):
    """An app with an empty schema."""
    app = create_app(app_config(tmp_path))
    with app.app_context():
        create_schema()
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
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
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
    return client.post("/staff/login", data={"email": email, "password": password,
                                             "csrf_token": token})
