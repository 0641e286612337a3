"""Whole-archive maintenance: rebuilding the index and checking everything agrees."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from flask import Flask, current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, selectinload

from . import changes, media
from .extensions import db
from .models import Hero, Photo
from .search import HeroDocument, backend_for, build_document, index_sync
from .search.tables import SearchOutbox


def published_documents(session: Session, batch: int = 500) -> Iterator[HeroDocument]:
    """Index documents of every published hero, read in batches."""
    last = 0
    while True:
        heroes = session.scalars(
            select(Hero)
            .where(Hero.is_published, Hero.id > last)
            .order_by(Hero.id)
            .limit(batch)
            .options(selectinload(Hero.awards), selectinload(Hero.stories))
        ).all()
        if not heroes:
            return
        for hero in heroes:
            yield build_document(hero)
        last = heroes[-1].id
        session.expunge_all()


def rebuild_index(progress_factory: Callable | None = None) -> int:
    """Build a new index from the database beside the live one, swap it in, then catch up.

    The writer lock is held throughout, so changes committed meanwhile wait in the outbox
    and are applied to the new index right after the swap; searches keep using the old one.
    """
    # Flask declares current_app as a Flask, though it is a proxy that knows the real object.
    app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    backend = backend_for(app)
    with backend.write_lock(blocking=True, timeout=600):
        with Session(db.engine) as session:
            high = session.scalar(select(func.max(SearchOutbox.id))) or 0
            total = session.scalar(select(func.count(Hero.id)).where(Hero.is_published))
            docs = published_documents(session)
            if progress_factory:
                with progress_factory(total or 0, "indexing") as bar:
                    backend.rebuild(docs, progress=bar.update, size_hint=total or 0)
            else:
                backend.rebuild(docs, size_hint=total or 0)
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= high))
            changes.note_version(session)
            session.commit()
        index_sync(app).drain_locked(backend)
    return total or 0


def check_database() -> list[str]:
    """Problems the database itself reports."""
    problems: list[str] = []
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            if rows != ["ok"]:
                problems.extend(f"database: {r}" for r in rows)
            for row in conn.execute(text("PRAGMA foreign_key_check")):
                problems.append(
                    f"database: table {row[0]} row {row[1]} points at a missing {row[2]}"
                )
    elif db.engine.dialect.name == "postgresql":
        # PostgreSQL enforces keys itself; an index left invalid by a failed build is not.
        with db.engine.connect() as conn:
            for (name,) in conn.execute(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE NOT i.indisvalid AND n.nspname = current_schema()"
                )
            ):
                problems.append(f"database: index {name} is invalid; rebuild it with REINDEX")
    from .schema import current_revision, head_revision

    revision = current_revision()
    if revision is not None and revision != head_revision():
        problems.append(
            f"database: schema is at migration {revision}, the code expects "
            f"{head_revision()}; run `memorial init-db`"
        )
    return problems


def check_index() -> list[str]:
    """Every way the search index disagrees with the published heroes in the database."""
    backend = backend_for(current_app)
    indexed = backend.digests()
    problems = []
    with Session(db.engine) as session:
        expected = {doc.id: doc.digest for doc in published_documents(session)}
        statuses = dict(session.execute(select(Hero.id, Hero.status)).all())
    missing = sorted(expected.keys() - indexed.keys())
    problems += _listed(
        missing,
        "index: published hero {} is missing from the index",
        "published heroes missing from the index",
    )
    extra = sorted(indexed.keys() - expected.keys())
    problems += _listed(
        extra,
        "index: hero {} is in the index but {}",
        "heroes in the index but not published",
        lambda hero_id: (
            "does not exist" if statuses.get(hero_id) is None else f"is {statuses[hero_id]}"
        ),
    )
    stale = sorted(h for h in expected.keys() & indexed.keys() if expected[h] != indexed[h])
    problems += _listed(
        stale, "index: hero {} is out of date in the index", "heroes out of date in the index"
    )
    return problems


#: How many heroes of one kind of index problem ``check`` names before it only counts them.
NAMED_PROBLEMS = 20


def _listed(hero_ids: list[int], line: str, summary: str, why=None) -> list[str]:
    """One line per hero up to ``NAMED_PROBLEMS``, then one line counting the rest, so that an
    index of an older build on a large archive does not print a line per hero."""
    out = [
        line.format(hero_id, why(hero_id)) if why else line.format(hero_id)
        for hero_id in hero_ids[:NAMED_PROBLEMS]
    ]
    rest = len(hero_ids) - NAMED_PROBLEMS
    if rest > 0:
        out.append(
            f"index: … and {rest} more {summary} ({len(hero_ids)} in all); "
            "`memorial reindex` rebuilds the index from the database"
        )
    return out


def check_media() -> list[str]:
    """Photos whose file is missing or whose checksum differs from the database."""
    data_dir = current_app.config["DATA_DIR"]
    problems = []
    with Session(db.engine) as session:
        for photo in session.scalars(select(Photo).order_by(Photo.id)):
            try:
                path: Path = media.safe_path(data_dir, photo.file_path)
            except media.MediaError:
                problems.append(f"media: photo {photo.id} has an unsafe path {photo.file_path!r}")
                continue
            if not path.is_file():
                problems.append(f"media: photo {photo.id} file {photo.file_path} is missing")
            elif media.file_sha256(path) != photo.sha256:
                problems.append(
                    f"media: photo {photo.id} file {photo.file_path} does not match its checksum"
                )
    return problems


def run_checks() -> list[str]:
    """All checks; an empty list means database, index and media agree."""
    return check_database() + check_index() + check_media()
