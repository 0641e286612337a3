"""The ``memorial`` command line: the app's Flask command group."""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from .extensions import db


def main() -> None:
    """Entry point of the ``memorial`` console script."""
    from . import create_app

    one_line_logging()
    cli = FlaskGroup(create_app=create_app, help="Memorial: the archive of fallen defenders.")
    cli.main(prog_name="memorial")


class OneLineFormatter(logging.Formatter):
    """Log lines for a terminal: an exception is named on the same line, without a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {one_line(record.exc_info[1])}"
        return f"{record.levelname.lower()}: {message}"


def one_line_logging() -> None:
    """Send the app's warnings to standard error, one line each (commands only, once)."""
    logger = logging.getLogger("memorial")
    if any(getattr(h, "memorial_cli", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(OneLineFormatter())
    handler.memorial_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


@contextlib.contextmanager
def quiet_index_log() -> Iterator[None]:
    """While a command reports an index failure itself, the index's own log stays silent."""
    logger = logging.getLogger("memorial.search.sync")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


#: How many bad records of an archive ``import-archive`` lists before it only counts them.
MAX_LISTED_PROBLEMS = 50


def fail(message: str) -> None:
    """Stop the command with a one-line reason and a non-zero exit code."""
    raise click.ClickException(message)


def progressbar(length: int, label: str):
    """A progress bar on standard error, shown only when the work is long enough to need one."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr, show_pos=True, show_eta=True
    )


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema through the migrations (safe to run again)."""
    from .schema import upgrade_schema

    click.echo(upgrade_schema())


@click.command("import-archive")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Import only when the archive has no heroes yet.")
@with_appcontext
def import_archive_command(path: Path, if_empty: bool) -> None:
    """Import a folder in the archive format; a re-import updates by external_id."""
    from sqlalchemy import func, select

    from .models import Hero
    from .porting import ArchiveError, import_records, load_archive
    from .schema import ensure_schema

    ensure_schema()
    if if_empty and db.session.scalar(select(func.count(Hero.id))):
        click.echo("archive already has heroes; nothing imported")
        return
    try:
        records = load_archive(path)
    except ArchiveError as exc:
        # Every bad record on a line of its own, then the one-line reason: one pass mends all.
        shown = exc.problems[:MAX_LISTED_PROBLEMS]
        for problem in shown if len(exc.problems) > 1 else ():
            click.echo(problem, err=True)
        if len(exc.problems) > len(shown):
            click.echo(f"… and {len(exc.problems) - len(shown)} more", err=True)
        fail(str(exc))
    data_dir = current_app.config["DATA_DIR"]
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        written: list[Path] = []
        try:
            _serialise_imports()
            with progressbar(len(records), "importing") as bar:
                result = import_records(db.session, records, data_dir, written, bar.update)
            with quiet_index_log():  # an index failure after the commit is reported below
                db.session.commit()
            break
        except BaseException as exc:
            # Any failure before the commit, Ctrl-C included, leaves no file behind.
            _roll_back(written)
            if isinstance(exc, KeyboardInterrupt):
                fail("import interrupted, nothing was changed")
            if not isinstance(exc, Exception):
                raise
            if isinstance(exc, IntegrityError) and attempt < IMPORT_ATTEMPTS:
                # Another writer added one of these heroes meanwhile: the next attempt
                # finds it and updates it instead of inserting it twice.
                click.echo("the same heroes were written meanwhile; importing again", err=True)
                continue
            fail(f"import failed, nothing was changed: {one_line(exc)}")
    done = (
        f"imported {len(records)} heroes: {result.created} new, {result.updated} updated, "
        f"{result.photos_stored} photos stored"
    )
    _remove_dropped(result.dropped)
    try:
        _drain_index()
    except Exception as exc:
        fail(
            f"{done} (committed to the database), but the search index was not updated: "
            f"{one_line(exc)}; the changes stay queued: run `memorial reindex` once that is fixed"
        )
    click.echo(done)


def one_line(exc: BaseException) -> str:
    """The first line of an error's message (SQLAlchemy appends the SQL and a link)."""
    text_ = str(exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__


def _roll_back(written: list[Path]) -> None:
    """Undo an import that did not commit: the transaction and the media files it wrote."""
    try:
        db.session.rollback()
    finally:
        for file in written:
            with contextlib.suppress(OSError):
                file.unlink(missing_ok=True)


def _remove_dropped(dropped: list[str]) -> None:
    """Delete the files of photos that a committed re-import removed, if nothing names them."""
    if not dropped:
        return
    from . import media
    from .indexing import named_media

    data_dir = current_app.config["DATA_DIR"]
    named = named_media(db.session)
    for rel in dropped:
        if rel in named:
            continue
        try:
            media.safe_path(data_dir, rel).unlink(missing_ok=True)
            for side in media.THUMB_SIDES:
                media.thumbnail_path(data_dir, rel, side).unlink(missing_ok=True)
        except (media.MediaError, OSError):
            pass  # `memorial check` finds what is left


IMPORT_ATTEMPTS = 3
#: Key of the PostgreSQL transaction lock that lets one import write at a time.
IMPORT_LOCK_KEY = 0x696D706F  # "impo"


def _serialise_imports() -> None:
    """On PostgreSQL, wait for other imports to commit first, so that ours sees their heroes.

    SQLite already admits one writer at a time; a race left there is retried by the caller.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK_KEY})


def _drain_index() -> None:
    """Bring the index up to date before a short-lived command exits."""
    from .search import IndexBusy, index_sync

    try:
        left = index_sync().drain(blocking=True)
    except IndexBusy:
        left = -1
    if left:
        click.echo(
            "search index is busy; queued changes will be applied by the running site "
            "or the next `memorial reindex`",
            err=True,
        )


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database and swap it in."""
    from .indexing import rebuild_index
    from .schema import ensure_schema

    ensure_schema()
    total = rebuild_index(progress_factory=progressbar)
    click.echo(f"search index rebuilt: {total} heroes")


@click.command("check")
@click.option(
    "--fix",
    is_flag=True,
    help="First remove orphaned media files (named by no photo), saying each one.",
)
@with_appcontext
def check_command(fix: bool) -> None:
    """Check database integrity, index against database, media checksums and orphaned files."""
    from .indexing import remove_orphans, run_checks

    if fix:
        removed = remove_orphans(click.echo)
        click.echo(f"removed {removed} orphaned media files")
    problems = run_checks()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("all checks passed")


@click.command("purge-rejected")
@with_appcontext
def purge_rejected_command() -> None:
    """Delete the photos of submissions rejected longer ago than the retention period."""
    from .indexing import purge_rejected_photos
    from .schema import ensure_schema

    ensure_schema()
    days = current_app.config["REJECTED_PHOTO_RETENTION_DAYS"]
    count = purge_rejected_photos(click.echo)
    click.echo(f"deleted {count} photos of submissions rejected more than {days:g} days ago")


@click.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def export_command(path: Path) -> None:
    """Write every published hero to a folder in the archive format."""
    from sqlalchemy import func, select

    from .models import Hero
    from .porting import export_archive
    from .schema import ensure_schema

    ensure_schema()
    if path.exists() and not path.is_dir():
        fail(f"{path} exists and is not a folder")
    if path.is_dir() and (path / "heroes.json").exists():
        fail(f"{path} already holds heroes.json; choose an empty folder")
    count = db.session.scalar(select(func.count(Hero.id)).where(Hero.is_published))
    with progressbar(count or 0, "exporting") as bar:
        written = export_archive(db.session, path, current_app.config["DATA_DIR"], bar.update)
    click.echo(f"exported {written} heroes to {path}")


@click.command("export-sheet")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="csv or xlsx (default: from the file name's extension).",
)
@click.option(
    "--base-url",
    help="The site's address for the url and photo_urls columns "
    "(default: https:// and the first of MEMORIAL_SERVER_NAMES).",
)
@with_appcontext
def export_sheet_command(path: Path, fmt: str | None, base_url: str | None) -> None:
    """Write every published hero to a CSV or XLSX sheet, as /opendata gives it out."""
    import os
    import tempfile

    from flask import url_for
    from flask_babel import force_locale
    from sqlalchemy import func, select

    from . import opendata
    from .models import Hero
    from .schema import ensure_schema

    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in opendata.FORMATS:
        fail(f"{path}: give --format csv or xlsx, or a file name ending in .csv or .xlsx")
    names = current_app.config["SERVER_NAMES"]
    base_url = base_url or (f"https://{names[0]}" if names else None)
    if not base_url or not base_url.startswith(("http://", "https://")):
        fail("give the site's address with --base-url https://… (or set MEMORIAL_SERVER_NAMES)")
    if path.exists():
        fail(f"{path} already exists; choose a new file name")
    if not path.parent.is_dir():
        fail(f"{path.parent} is not a folder")
    ensure_schema()
    count = db.session.scalar(select(func.count(Hero.id)).where(Hero.is_published)) or 0
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with (
            current_app.test_request_context(base_url=base_url),
            force_locale("uk"),
            progressbar(count, "exporting") as bar,
            os.fdopen(fd, "wb") as handle,
        ):

            def counted(rows):
                for row in rows:
                    bar.update(1)
                    yield row

            rows = opendata.published_rows(
                db.session,
                lambda hero: url_for("public.hero", slug=hero.slug, _external=True),
                lambda photo: url_for("public.photo", file_path=photo.file_path, _external=True),
            )
            written = opendata.WRITERS[fmt](handle, counted(rows))
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    click.echo(f"exported {written} heroes to {path}")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent snapshot of the database and media to a new folder."""
    from .backup import BackupError, make_backup

    try:
        summary = make_backup(path, progress_factory=progressbar)
    except BackupError as exc:
        fail(str(exc))
    click.echo(json.dumps(summary, ensure_ascii=False))


@click.command("restore")
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Restore a backup folder into an empty database and data folder, then rebuild the index."""
    from .backup import BackupError, restore_backup
    from .indexing import rebuild_index, run_checks
    from .schema import upgrade_schema

    try:
        summary = restore_backup(path, progress_factory=progressbar)
    except BackupError as exc:
        fail(str(exc))
    click.echo(upgrade_schema())
    total = rebuild_index(progress_factory=progressbar)
    problems = run_checks()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        fail(f"restored, but {len(problems)} checks failed; see above")
    click.echo(
        f"restored {summary['database']} and {summary['media_files']} media files; "
        f"search index rebuilt: {total} heroes"
    )


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["moderator", "admin"]), default="moderator", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account (or reset its password and role)."""
    from .accounts import AccountError, create_or_update_user
    from .schema import ensure_schema

    ensure_schema()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            fail("passwords do not match")
    try:
        user, created = create_or_update_user(db.session, email, password, role)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(f"{'created' if created else 'updated'} {role} {user.email}")


COMMANDS = (
    init_db_command,
    import_archive_command,
    reindex_command,
    check_command,
    purge_rejected_command,
    export_command,
    backup_command,
    restore_command,
    create_user_command,
    export_sheet_command,
)


def init_app(app) -> None:
    """Register the commands on the app's ``flask``/``memorial`` group."""
    for command in COMMANDS:
        app.cli.add_command(command)
