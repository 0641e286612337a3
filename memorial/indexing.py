"""Whole-archive maintenance: rebuilding the index and checking everything agrees."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from flask import Flask, current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, selectinload

from . import changes, media
from .extensions import db
from .models import (
    OPEN_SUBMISSION_STATUSES,
    FactSource,
    Grave,
    GraveSector,
    Hero,
    Interview,
    Photo,
    Submission,
    SubmissionPhoto,
)
from .search import HeroDocument, backend_for, build_document, index_sync
from .search.tables import SearchOutbox
from .search.understanding import ANALYSIS_VERSION


def published_documents(session: Session, batch: int = 500) -> Iterator[HeroDocument]:
    """Index documents of every published hero, read in batches."""
    last = 0
    while True:
        heroes = session.scalars(
            select(Hero)
            .where(Hero.is_published, Hero.id > last)
            .order_by(Hero.id)
            .limit(batch)
            .options(
                selectinload(Hero.awards),
                selectinload(Hero.stories),
                selectinload(Hero.interviews),
            )
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
    built_by = backend.analysis_version()
    if indexed and built_by != ANALYSIS_VERSION:
        # Searches still answer from it, with the older analysis, until the rebuild.
        problems.append(
            f"index: built by an older analysis (version {built_by}, this code uses "
            f"{ANALYSIS_VERSION}); run `memorial reindex`"
        )
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
    """Photos and submission photos whose file is missing or differs from its checksum."""
    data_dir = current_app.config["DATA_DIR"]
    problems = []
    with Session(db.engine) as session:
        for photo in session.scalars(select(Photo).order_by(Photo.id)):
            problems += _file_problems(data_dir, f"photo {photo.id}", photo.file_path, photo.sha256)
        rows = session.execute(
            select(SubmissionPhoto, Submission.reference, Submission.status)
            .join(Submission, Submission.id == SubmissionPhoto.submission_id)
            .order_by(SubmissionPhoto.id)
        )
        for sphoto, reference, status in rows:
            waiting = " (pending)" if status in OPEN_SUBMISSION_STATUSES else ""
            what = f"submission {reference}{waiting} photo {sphoto.id}"
            problems += _file_problems(data_dir, what, sphoto.file_path, sphoto.sha256)
    return problems


def _file_problems(data_dir: str, what: str, file_path: str, sha256: str) -> list[str]:
    try:
        path: Path = media.safe_path(data_dir, file_path)
    except media.MediaError:
        return [f"media: {what} has an unsafe path {file_path!r}"]
    if not path.is_file():
        return [f"media: {what} file {file_path} is missing"]
    if media.file_sha256(path) != sha256:
        return [f"media: {what} file {file_path} does not match its checksum"]
    return []


def named_media(session: Session) -> set[str]:
    """Relative paths of every media file that something names: a photo, a submission photo,
    the photo of a sector or of a grave's monument, the scan of a fact's source."""
    graves = (
        select(GraveSector.photo_path).union_all(select(Grave.monument_photo_path))
    ).subquery()
    named = {p for p in session.scalars(select(graves.c[0])) if p}
    return (
        set(session.scalars(select(Photo.file_path)))
        | set(session.scalars(select(SubmissionPhoto.file_path)))
        | named
        | {p for p in session.scalars(select(FactSource.document_path)) if p}
        | {p for p in session.scalars(select(Interview.file_path)) if p}
        | {p for p in session.scalars(select(Interview.original_path)) if p}
    )


def find_orphans(grace_minutes: float | None = None) -> tuple[list[tuple[str, Path]], int]:
    """Media files that no photo or submission photo names, older than the grace period,
    and how many younger unnamed files were left alone (an upload or an import in progress
    writes its files before it commits).

    Files are listed before the names are read, so a file committed meanwhile counts as named.
    """
    if grace_minutes is None:
        grace_minutes = float(current_app.config["ORPHAN_GRACE_MINUTES"])
    files = media.files_on_disk(current_app.config["DATA_DIR"])
    with Session(db.engine) as session:
        named = named_media(session)
    stems = {media.stem(n) for n in named}
    cutoff = time.time() - grace_minutes * 60
    orphans, recent = [], 0
    for rel, path, mtime in files:
        if media.is_named(rel, named, stems):
            continue
        if mtime > cutoff:
            recent += 1
        else:
            orphans.append((rel, path))
    return orphans, recent


def check_orphans() -> list[str]:
    """Media files on disk that nothing in the database names (``check --fix`` removes them)."""
    orphans, _recent = find_orphans()
    return _listed_files(
        [rel for rel, _ in orphans],
        "media: file {} is named by no photo or submission photo (orphan)",
        "orphaned media files",
    )


def _listed_files(rels: list[str], line: str, summary: str) -> list[str]:
    out = [line.format(rel) for rel in rels[:NAMED_PROBLEMS]]
    rest = len(rels) - NAMED_PROBLEMS
    if rest > 0:
        out.append(
            f"media: … and {rest} more {summary} ({len(rels)} in all); "
            "`memorial check --fix` removes them"
        )
    return out


def remove_orphans(report: Callable[[str], None]) -> int:
    """Delete orphaned media files, saying each one first; return how many were removed."""
    orphans, recent = find_orphans()
    removed = 0
    for rel, path in orphans:
        report(f"removing orphaned media file {rel}")
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    if recent:
        report(
            f"left {recent} unnamed media files younger than "
            f"{current_app.config['ORPHAN_GRACE_MINUTES']} minutes alone "
            "(an upload or import may still be writing them)"
        )
    return removed


def run_checks() -> list[str]:
    """All checks; an empty list means database, index and media agree.

    A check that cannot run (an index that cannot be opened, a full disk) is itself a problem,
    named on one line, and the other checks still run.
    """
    problems: list[str] = []
    for area, check in (
        ("database", check_database),
        ("index", check_index),
        ("media", check_media),
        ("media", check_orphans),
    ):
        try:
            problems += check()
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            hint = "; `memorial reindex` rebuilds the index" if area == "index" else ""
            problems.append(f"{area}: the check could not run: {reason}{hint}")
    return problems


def purge_rejected_photos(report: Callable[[str], None], days: float | None = None) -> int:
    """Delete the photos (rows, files and thumbnails) of submissions rejected more than
    ``REJECTED_PHOTO_RETENTION_DAYS`` ago; return how many were deleted.

    The rows go first in one commit; a file is then removed only if nothing names it any more.
    """
    from .clock import now
    from .models import SubmissionStatus

    if days is None:
        days = float(current_app.config["REJECTED_PHOTO_RETENTION_DAYS"])
    data_dir = current_app.config["DATA_DIR"]
    cutoff = now() - dt.timedelta(days=days)
    with Session(db.engine) as session:
        rows = session.scalars(
            select(SubmissionPhoto)
            .join(Submission, Submission.id == SubmissionPhoto.submission_id)
            .where(Submission.status == SubmissionStatus.REJECTED, Submission.decided_at < cutoff)
            .order_by(SubmissionPhoto.id)
        ).all()
        paths = [row.file_path for row in rows]
        for row in rows:
            report(f"deleting photo {row.id} of rejected submission {row.submission.reference}")
            session.delete(row)
        # Interviews sent with such a submission (never given to a hero) go the same way.
        sent = session.scalars(
            select(Interview)
            .join(Submission, Submission.id == Interview.submission_id)
            .where(
                Interview.hero_id.is_(None),
                Submission.status == SubmissionStatus.REJECTED,
                Submission.decided_at < cutoff,
            )
            .order_by(Interview.id)
        ).all()
        recordings = [p for item in sent for p in (item.file_path, item.original_path) if p]
        for item in sent:
            report(f"deleting interview {item.id} of rejected submission {item.submission_id}")
            session.delete(item)
        session.commit()
        named = named_media(session)
    for rel in paths:
        if rel in named:
            continue
        try:
            media.safe_path(data_dir, rel).unlink(missing_ok=True)
        except media.MediaError:
            continue
        for side in media.THUMB_SIDES:
            media.thumbnail_path(data_dir, rel, side).unlink(missing_ok=True)
    for rel in recordings:
        if rel not in named:
            media.safe_path(data_dir, rel).unlink(missing_ok=True)
    return len(paths) + len(sent)
