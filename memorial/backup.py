"""Consistent snapshots of the database and media, safe while the site runs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import media
from .extensions import db
from .models import Photo


class BackupError(RuntimeError):
    """A backup could not be made; the message says why."""


def _sqlite_path() -> Path:
    url = db.engine.url
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def backup_sqlite(target: Path) -> None:
    """Copy the live SQLite database with the online backup API and verify the copy."""
    source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True)
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


def make_backup(path: Path, progress_factory: Callable | None = None) -> dict:
    """Write ``database`` and ``media/`` with a checksum manifest into a new folder."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} exists and is not an empty folder")
    path.mkdir(parents=True, exist_ok=True)
    data_dir = current_app.config["DATA_DIR"]
    manifest: dict = {"created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                      "dialect": db.engine.dialect.name, "media": {}}
    if db.engine.dialect.name == "sqlite":
        backup_sqlite(path / "memorial.db")
        manifest["database"] = "memorial.db"
        manifest["database_sha256"] = media.file_sha256(path / "memorial.db")
    else:
        from .pg_backup import dump_postgres

        manifest["database"] = dump_postgres(path)
    # Media are written once and never changed in place, so copying the files the
    # database snapshot names gives a consistent pair.
    with Session(db.engine) as session:
        photos = session.execute(select(Photo.file_path, Photo.sha256)).all()
    missing = []
    bar = progress_factory(len(photos), "media") if progress_factory else None
    try:
        for file_path, sha in photos:
            source = media.safe_path(data_dir, file_path)
            target = path / "media" / file_path
            target.parent.mkdir(parents=True, exist_ok=True)
            if not source.is_file():
                missing.append(file_path)
                continue
            shutil.copyfile(source, target)
            if media.file_sha256(target) != sha:
                raise BackupError(f"media file {file_path} does not match its checksum")
            manifest["media"][file_path] = sha
            if bar:
                bar.update(1)
    finally:
        if bar:
            bar.render_finish()
    if missing:
        raise BackupError(f"{len(missing)} media files are missing, e.g. {missing[0]}")
    (path / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return {"path": str(path), "database": manifest["database"], "media_files": len(photos)}
