"""Consistent snapshots of the database and media, safe while the site runs, and their restore.

A backup is a new folder holding the database (``memorial.db`` for SQLite, copied with the
online backup API; ``database.dump`` for PostgreSQL, written by ``pg_dump``), the media files
the snapshot names (photos and submissions' photos) under ``media/``, and ``manifest.json``
with a SHA-256 of every file.
The media list is read from the same snapshot as the database, so the pair agrees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from . import media
from .changes import CANDLES, CONTENT, raise_version
from .extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "memorial.db"
PG_DUMP_FILE = "database.dump"
#: Every media file the database names: published photos and those of submissions (a pending
#: submission's photo becomes a hero's photo when it is approved), and the photos of graves'
#: monuments (no checksum is kept for those: it is taken when the file is copied).
MEDIA_QUERY = (
    "SELECT file_path, sha256 FROM photo UNION "
    "SELECT file_path, sha256 FROM submission_photo UNION "
    "SELECT monument_photo_path, NULL FROM grave WHERE monument_photo_path IS NOT NULL UNION "
    # Converted interviews (an upload still waiting for its conversion is not kept).
    "SELECT file_path, NULL FROM interview WHERE file_path IS NOT NULL "
    "ORDER BY file_path"
)


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


# -- helpers ------------------------------------------------------------------------------
def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up or restored")
    return Path(url.database)


def pg_environment(url: URL) -> dict[str, str]:
    """Environment for the PostgreSQL client tools: the password never shows in ``ps``."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    options = url.query.get("options")
    if options:
        env["PGOPTIONS"] = options if isinstance(options, str) else " ".join(options)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client)"
        )
    return path


def _check_tool_version(tool: str, server_major: int) -> None:
    """pg_dump refuses servers newer than itself; say so before starting."""
    out = subprocess.run(
        [_tool(tool), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match or int(match.group(1)) < server_major:
        raise BackupError(
            f"{tool} ({out.strip()}) is older than the PostgreSQL server "
            f"({server_major}); install a client of version {server_major} or newer"
        )


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{Path(args[0]).name} failed: {reason}")


# -- backup -------------------------------------------------------------------------------
def backup_sqlite(target: Path) -> None:
    """Copy the live SQLite database with the online backup API and verify the copy."""
    source = sqlite3.connect(f"file:{_sqlite_path(db.engine.url)}?mode=ro", uri=True)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest, pages=1024, sleep=0.005)
        result = dest.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copied database failed its integrity check: {result}")
    finally:
        dest.close()
        source.close()


def _sqlite_photos(copy: Path) -> list[tuple[str, str]]:
    """The media files named by the copied database (the snapshot itself)."""
    conn = sqlite3.connect(copy)
    try:
        return conn.execute(MEDIA_QUERY).fetchall()
    finally:
        conn.close()


def backup_postgres(target: Path) -> list[tuple[str, str]]:
    """Dump the database with ``pg_dump`` and read the media list from the same snapshot."""
    url = db.engine.url
    with db.engine.connect() as conn:
        version = conn.dialect.server_version_info
        if not version or not isinstance(version[0], int):
            raise BackupError(f"cannot tell the PostgreSQL server's version ({version!r})")
        server_major = version[0]
        _check_tool_version("pg_dump", server_major)
        conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        # pg_dump joins this transaction's snapshot, so dump and photo list agree exactly.
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        photos = [tuple(r) for r in conn.execute(text(MEDIA_QUERY))]
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            pg_environment(url),
        )
        conn.exec_driver_sql("COMMIT")
    return photos


def make_backup(path: Path, progress_factory: Callable | None = None) -> dict:
    """Write the database and ``media/`` with a checksum manifest into a new folder."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} exists and is not an empty folder")
    path.mkdir(parents=True, exist_ok=True)
    data_dir = current_app.config["DATA_DIR"]
    dialect = db.engine.dialect.name
    from .schema import current_revision

    manifest: dict = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "dialect": dialect,
        "schema_revision": current_revision(),
        "media": {},
    }
    if dialect == "sqlite":
        backup_sqlite(path / SQLITE_FILE)
        photos = _sqlite_photos(path / SQLITE_FILE)
        manifest["database"] = SQLITE_FILE
    elif dialect == "postgresql":
        photos = backup_postgres(path / PG_DUMP_FILE)
        manifest["database"] = PG_DUMP_FILE
    else:
        raise BackupError(f"backups of {dialect} databases are not supported")
    manifest["database_sha256"] = media.file_sha256(path / manifest["database"])
    missing = []
    with _progress(progress_factory, len(photos), "media") as step:
        for file_path, sha in photos:
            source = media.safe_path(data_dir, file_path)
            target = path / "media" / file_path
            target.parent.mkdir(parents=True, exist_ok=True)
            if not source.is_file():
                missing.append(file_path)
                continue
            if sha is None:
                sha = media.file_sha256(source)
            shutil.copyfile(source, target)
            if media.file_sha256(target) != sha:
                raise BackupError(f"media file {file_path} does not match its checksum")
            manifest["media"][file_path] = sha
            step()
    if missing:
        raise BackupError(f"{len(missing)} media files are missing, e.g. {missing[0]}")
    (path / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return {"path": str(path), "database": manifest["database"], "media_files": len(photos)}


@contextmanager
def _progress(factory: Callable | None, length: int, label: str) -> Iterator[Callable[[], None]]:
    """A step function that advances a progress bar when one was asked for."""
    if factory is None:
        yield lambda: None
        return
    with factory(length, label) as bar:
        yield lambda: bar.update(1)


# -- restore ------------------------------------------------------------------------------
def read_manifest(path: Path) -> dict:
    """The manifest of a backup folder, after checking every file against its checksum."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is not a backup folder: {MANIFEST} is missing") from None
    except ValueError as exc:
        raise BackupError(f"{path / MANIFEST} is not valid JSON: {exc}") from None
    database = path / manifest.get("database", "")
    if not manifest.get("database") or not database.is_file():
        raise BackupError(f"the database file of the backup is missing in {path}")
    if media.file_sha256(database) != manifest.get("database_sha256"):
        raise BackupError(f"{database.name} does not match its checksum in {MANIFEST}")
    for rel, sha in manifest.get("media", {}).items():
        try:
            file = media.safe_path(path, rel)
        except media.MediaError:
            raise BackupError(f"{MANIFEST} names a file outside the backup: {rel!r}") from None
        if not file.is_file() or media.file_sha256(file) != sha:
            raise BackupError(f"media file {rel} of the backup is missing or damaged")
    return manifest


def _database_is_empty() -> bool:
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return not tables


def restore_backup(path: Path, progress_factory: Callable | None = None) -> dict:
    """Restore a backup folder into the app's empty database and data folder."""
    path = Path(path)
    manifest = read_manifest(path)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"the backup holds a {manifest['dialect']} database, but the "
            f"configured database is {dialect}; restore into the same kind"
        )
    data_dir = Path(current_app.config["DATA_DIR"])
    media_dir = media.media_root(data_dir)
    if media_dir.is_dir() and any(media_dir.iterdir()):
        raise BackupError(f"{media_dir} is not empty; restore into an empty data folder")
    if dialect == "sqlite":
        target = _sqlite_path(db.engine.url)
        if target.exists() and target.stat().st_size and not _database_is_empty():
            raise BackupError(f"{target} already holds data; restore into an empty database")
        db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path / manifest["database"], target)
    else:
        if not _database_is_empty():
            raise BackupError(
                "the configured database already holds tables; restore into an empty database"
            )
        db.engine.dispose()
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={db.engine.url.database}",
                str(path / manifest["database"]),
            ],
            pg_environment(db.engine.url),
        )
    items = sorted(manifest.get("media", {}).items())
    with _progress(progress_factory, len(items), "media") as step:
        for rel, _sha in items:
            target_file = media.safe_path(data_dir, rel)
            target_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(media.safe_path(path, rel), target_file)
            step()
    with db.engine.begin() as conn:  # pages cached before the restore must not be served
        if inspect(conn).has_table("content_version"):
            raise_version(conn, CONTENT)
            raise_version(conn, CANDLES)
    return {
        "database": manifest["database"],
        "media_files": len(items),
        "schema_revision": manifest.get("schema_revision"),
    }
