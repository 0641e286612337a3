"""Migrations: the only way the schema is made, on SQLite and (in the PostgreSQL run) PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from memorial import create_app
from memorial.extensions import db
from memorial.models import Hero
from memorial.schema import (
    CANDLES_REVISION,
    INITIAL_REVISION,
    SUBMISSIONS_REVISION,
    _alembic_config,
    current_revision,
    head_revision,
)

from helpers import app_config, database_url_for

MODEL_TABLES = set(db.metadata.tables)


def empty_app(tmp_path, **extra):
    """An app on a database that holds no table at all."""
    url = database_url_for(tmp_path, empty=True)
    return create_app(app_config(tmp_path, DATABASE_URL=url, **extra))


def tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_to_head_and_down_to_base(tmp_path):
    app = empty_app(tmp_path)
    runner = app.test_cli_runner()
    assert tables(app) == set()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "upgraded from empty" in result.output
    assert tables(app) == MODEL_TABLES
    with app.app_context():
        assert current_revision() == head_revision()
        command.downgrade(_alembic_config(), "base")
        assert current_revision() is None
    assert tables(app) == set()
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and tables(app) == MODEL_TABLES
    with app.app_context():
        db.engine.dispose()


def test_init_db_twice_changes_nothing(tmp_path, demo_source):
    app = empty_app(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["import-archive", str(demo_source)]).exit_code == 0
    with app.app_context():
        before = db.session.scalars(select(Hero.external_id).order_by(Hero.id)).all()
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "up to date" in second.output
    with app.app_context():
        assert db.session.scalars(select(Hero.external_id).order_by(Hero.id)).all() == before
        assert len(before) > 40
        db.session.remove()
        db.engine.dispose()


def test_models_and_migrations_agree(tmp_path):
    """Autogenerate finds nothing to do after the migrations: they build what the models say."""
    app = empty_app(tmp_path)
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []


@pytest.mark.parametrize("release", [INITIAL_REVISION, SUBMISSIONS_REVISION, CANDLES_REVISION])
def test_database_made_before_migrations_is_adopted(tmp_path, demo_source, release):
    """A database created by create_all before migrations existed keeps its data on init-db."""
    app = empty_app(tmp_path, SEARCH_BACKEND="whoosh")  # the only backend of those releases
    with app.app_context():
        # What such a release's create_all made: its tables without the search tables, and
        # no record of any migration.
        command.upgrade(_alembic_config(), release)
        with db.engine.begin() as conn:
            for name in ("search_document", "search_term", "alembic_version"):
                conn.execute(text(f"DROP TABLE {name}"))
            # A hero saved by that release.
            conn.execute(
                text(
                    "INSERT INTO hero (external_id, slug, status, surname, given_name, "
                    "index_letter, sort_name, created_at, updated_at) "
                    "VALUES ('old-1', 'staryi-hero-1', 'draft', "
                    "'Старий', 'Герой', 'С', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        assert current_revision() is None
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"from {release}" in result.output or "up to date" in result.output
    assert tables(app) == MODEL_TABLES
    assert runner.invoke(args=["import-archive", str(demo_source)]).exit_code == 0
    with app.app_context():
        assert current_revision() == head_revision()
        assert db.session.scalar(select(Hero.surname).where(Hero.external_id == "old-1")) == (
            "Старий"
        )
        assert db.session.scalar(select(db.func.count(Hero.id))) > 40
        db.session.remove()
        db.engine.dispose()
    assert runner.invoke(args=["check"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
