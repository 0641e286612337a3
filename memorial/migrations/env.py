"""Alembic environment: migrate the app's database (run through ``memorial db ...``)."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

from memorial import schema  # noqa: F401  (every table must be known to autogenerate)

log = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]


def _metadata():
    """The metadata the models describe, which migrations must reproduce."""
    return migrate_ext.db.metadata


def _skip_empty_revisions(context, revision, directives) -> None:
    """``db migrate`` with no model change writes no empty revision file."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("no changes in the schema")


def run_offline() -> None:
    """Write the SQL of the migrations instead of running it (``--sql``)."""
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url, target_metadata=_metadata(), literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations on the app's database in one transaction."""
    args = dict(migrate_ext.configure_args)
    args.setdefault("process_revision_directives", _skip_empty_revisions)
    with migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(), **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
