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
    result = write_import(
        lambda written, bar: import_records(
            db.session, records, current_app.config["DATA_DIR"], written, bar.update
        ),
        len(records),
    )
    done = (
        f"imported {len(records)} heroes: {result.created} new, {result.updated} updated, "
        f"{result.photos_stored} photos stored"
    )
    finish_import(done)


@click.command("import-sheet")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--photos",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A ZIP of the photos the sheet names by file name (the first of a row: portrait).",
)
@click.option("--dry-run", is_flag=True, help="Only check the sheet and say what would happen.")
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid rows and skip the ones with problems."
)
@click.option(
    "--key",
    metavar="HEADER",
    help="The column (by its header) that identifies a hero, instead of external_id.",
)
@click.option("--draft", is_flag=True, help="Keep new heroes as drafts instead of publishing.")
@with_appcontext
def import_sheet_command(
    path: Path,
    photos: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    key: str | None,
    draft: bool,
) -> None:
    """Import a CSV or XLSX sheet of heroes; a re-import updates by external_id.

    The sheet is checked whole first and its report printed (row, column, value, problem,
    in Ukrainian, as staff read it); nothing is written unless every row is valid (or, with
    --skip-invalid, only the valid rows). Empty cells and absent columns keep what the
    archive has; stories and photos already there are kept.
    """
    from flask_babel import force_locale

    from .schema import ensure_schema
    from .sheets import SheetImport, limits_from

    ensure_schema()
    with (
        force_locale("uk"),
        SheetImport(
            path, photos, key=key, draft=draft, limits=limits_from(current_app.config)
        ) as sheet,
    ):
        table = sheet.read()
        rows = len(table.rows) if table is not None else 0
        with progressbar(rows, "перевірка") as bar:
            report = sheet.validate(db.session, bar.update, table=table)
        shown = report.problems[:MAX_LISTED_PROBLEMS]
        for problem in shown:
            click.echo(problem.text(), err=True)
        if len(report.problems) > len(shown):
            click.echo(f"… і ще {len(report.problems) - len(shown)}", err=True)
        for line in report.summary():
            click.echo(line)
        if not report.can_import(skip_invalid):
            if report.sheet_invalid:
                fail("таблицю не імпортовано: виправте її і спробуйте знову")
            if not report.plans:
                fail("таблицю не імпортовано: жодного рядка без помилок")
            fail(
                "таблицю не імпортовано: виправте рядки з помилками "
                "(або імпортуйте лише правильні з --skip-invalid)"
            )
        if dry_run:
            db.session.rollback()
            click.echo("пробний прогін: нічого не записано")
            return
        result = write_import(
            lambda written, bar: sheet.write(
                db.session, current_app.config["DATA_DIR"], written, bar.update
            ),
            len(report.plans),
            label="імпорт",
            retrying="тих самих героїв щойно записано іншим імпортом; імпортую знову",
        )
    skipped = (
        f"; пропущено рядків з помилками: {len(report.invalid_rows)}" if report.invalid_rows else ""
    )
    finish_import(
        f"імпортовано: нових {result.created}, оновлених {result.updated - result.unchanged}, "
        f"без змін {result.unchanged}, фотографій збережено {result.photos_stored}{skipped}"
    )


def write_import(write, total: int, label: str = "importing", retrying: str = ""):
    """Write an import in one transaction with a progress bar; stop the command on failure.

    A failure leaves nothing behind (no row, no media file); when another writer added the
    same heroes meanwhile, the import runs again and updates them.
    """
    from .porting import ImportFailed, ImportInterrupted, committed_import

    def attempt(written):
        with progressbar(total, label) as bar:
            return write(written, bar)

    def commit():
        with quiet_index_log():  # an index failure after the commit is reported later
            db.session.commit()

    try:
        return committed_import(
            db.session,
            current_app.config["DATA_DIR"],
            attempt,
            on_retry=lambda: click.echo(
                retrying or "the same heroes were written meanwhile; importing again", err=True
            ),
            commit=commit,
        )
    except ImportInterrupted:
        fail("import interrupted, nothing was changed")
    except ImportFailed as exc:
        fail(f"import failed, nothing was changed: {exc}")
    raise AssertionError("unreachable")


def finish_import(done: str) -> None:
    """After a committed import: bring the index up to date, then say what was done."""
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
        written = export_archive(
            db.session,
            path,
            current_app.config["DATA_DIR"],
            bar.update,
            base_url=current_app.config["PUBLIC_URL"],
        )
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
    "(default: MEMORIAL_PUBLIC_URL, else https:// and the first of MEMORIAL_SERVER_NAMES).",
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
    base_url = (
        base_url or current_app.config["PUBLIC_URL"] or (f"https://{names[0]}" if names else None)
    )
    if not base_url or not base_url.startswith(("http://", "https://")):
        fail(
            "give the site's address with --base-url https://… "
            "(or set MEMORIAL_PUBLIC_URL or MEMORIAL_SERVER_NAMES)"
        )
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
                lambda hero: url_for(
                    "veterans.profile" if hero.collection == "veteran" else "public.hero",
                    slug=hero.slug,
                    _external=True,
                ),
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
    from . import veterans
    from .backup import BackupError, restore_backup
    from .indexing import rebuild_index, run_checks
    from .schema import upgrade_schema

    try:
        summary = restore_backup(path, progress_factory=progressbar)
    except BackupError as exc:
        fail(str(exc))
    click.echo(upgrade_schema())
    erased, files = veterans.reapply_erasures(
        db.session, current_app.config["ERASURE_LEDGER"], current_app.config["DATA_DIR"]
    )
    db.session.commit()
    veterans.remove_files(files)
    if erased:
        click.echo(f"deleted again {erased} records erased since the backup was made")
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


@click.group("graves")
def graves_group() -> None:
    """Burial places as data: cemeteries, sectors and graves."""


@graves_group.command("link")
@click.option("--dry-run", is_flag=True, help="Report what would be linked; change nothing.")
@click.option(
    "--default-sector",
    default="1",
    show_default=True,
    help="The sector of a plot that names none.",
)
@with_appcontext
def graves_link_command(dry_run: bool, default_sector: str) -> None:
    """Link the heroes' free-text burial plots ("ряд 2, місце 14") to structured graves.

    The cemetery is the hero's burial place. Each plot that cannot be read, or names a
    place already taken, is listed; the others are linked.
    """
    from flask_babel import force_locale
    from sqlalchemy import func, select

    from .graves import link_plots
    from .models import Grave, Hero
    from .schema import ensure_schema

    ensure_schema()
    waiting = db.session.scalar(
        select(func.count(Hero.id)).where(Hero.burial_plot.is_not(None), ~Hero.grave.has())
    )
    with force_locale("en"), progressbar(waiting or 0, "reading plots") as bar:
        outcomes = link_plots(db.session, default_sector, bar.update)
        problems = [o for o in outcomes if o.problem is not None]
        for outcome in problems:
            click.echo(
                f"not linked: {outcome.external_id} ({outcome.name}): "
                f"{outcome.plot!r}: {outcome.problem}"
            )
    linked = len(outcomes) - len(problems)
    if dry_run:
        db.session.rollback()
        click.echo(
            f"dry run: {linked} of {len(outcomes)} plots would be linked, "
            f"{len(problems)} could not; nothing was changed"
        )
        return
    db.session.commit()
    _drain_index()
    total = db.session.scalar(select(func.count(Grave.id)).where(Grave.hero_id.is_not(None)))
    click.echo(
        f"linked {linked} of {len(outcomes)} plots, {len(problems)} could not be linked; "
        f"{total} heroes now have a grave"
    )


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Send the day's anniversary reminders (for cron or a systemd timer; safe to repeat)."""
    import datetime as dt

    from . import reminders
    from .clock import today_in_kyiv
    from .mail import MailConfigError, Mailer, MailError, MailServer
    from .schema import ensure_schema
    from .web.reminders import reminder_letter

    ensure_schema()
    config = current_app.config
    if not config["MAIL_URL"]:
        fail("no mail server configured: set MEMORIAL_MAIL_URL (e.g. smtp://127.0.0.1:25)")
    try:
        server = MailServer.from_url(config["MAIL_URL"])
    except MailConfigError as exc:
        fail(str(exc))
    purged = reminders.purge_unconfirmed(
        db.session, dt.timedelta(days=config["REMINDER_CONFIRM_DAYS"])
    )
    db.session.commit()
    if purged:
        click.echo(f"deleted {purged} subscriptions never confirmed")
    stale = reminders.stale_claims(db.session)
    if stale:
        click.echo(
            f"warning: {stale} reminders were claimed by a run that never finished; "
            "they are not sent again (at most once)",
            err=True,
        )
    today = today_in_kyiv()
    items = reminders.due(db.session, today, config["REMINDER_DAYS_BEFORE"])
    counts = {"sent": 0, "taken": 0, "bounced": 0, "removed": 0, "later": 0}
    failure = ""
    stopped = False
    with Mailer(server) as mailer, progressbar(len(items), "sending reminders") as bar:
        for item in items:
            bar.update(1)
            if stopped:
                counts["later"] += 1  # the server is down: leave the rest for the next run
                continue
            subscription_id = item.subscription.id
            recipient = item.subscription.email
            letter = reminder_letter(item, today)
            row = reminders.claim(db.session, item)
            db.session.commit()
            if row is None:
                counts["taken"] += 1  # another run sent it
                continue
            try:
                mailer.send(letter, recipient)
            except MailError as exc:
                if exc.permanent:
                    removed = reminders.bounced(db.session, row, config["REMINDER_MAX_BOUNCES"])
                    db.session.commit()
                    counts["bounced"] += 1
                    counts["removed"] += removed
                    click.echo(
                        f"bounced: subscription {subscription_id}: {exc}"
                        + ("; subscription removed after repeated bounces" if removed else ""),
                        err=True,
                    )
                else:
                    reminders.release(db.session, row)
                    db.session.commit()
                    counts["later"] += 1
                    failure = str(exc)
                    stopped = exc.unavailable
                continue
            reminders.sent(db.session, row)
            db.session.commit()
            counts["sent"] += 1
    click.echo(
        f"{today.isoformat()}: sent {counts['sent']} reminders"
        + (
            f", {counts['bounced']} bounced ({counts['removed']} subscriptions removed)"
            if counts["bounced"]
            else ""
        )
        + (f", {counts['taken']} already sent by another run" if counts["taken"] else "")
    )
    if counts["later"]:
        fail(f"{counts['later']} reminders not sent ({failure}); they will be sent by the next run")


@click.group("book")
def book_group() -> None:
    """The printed book of memory: volumes and their editions."""


def _book_progress():
    """Progress of a build on standard error: one line per tenth of the heroes."""
    shown = {"step": -1}

    def report(done: int, total: int, what: str) -> None:
        step = done * 10 // max(total, 1)
        if step != shown["step"] or done == total:
            shown["step"] = step
            click.echo(f"book: {done}/{total} {what}", err=True)

    return report


def _finish_edition(edition, built, out: Path) -> None:
    import shutil

    from . import book

    shutil.copyfile(built.path, out)
    db.session.commit()
    for problem in built.problems:
        click.echo(f"warning: photo left out: {problem}", err=True)
    click.echo(book.edition_summary(edition))


@book_group.command("build")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--died-from", default=None, help="YYYY-MM-DD")
@click.option("--died-to", default=None, help="YYYY-MM-DD")
@click.option("--year", default=None, help="YYYY (instead of a range)")
@click.option("--order", default="death", help="death or name")
@click.option("--size", default="A5", help="A4, A5 or B5")
@click.option("--title", default=None)
@click.option("--bleed", default=None, help="bleed around each page, e.g. 3mm")
@click.option("--marks", is_flag=True, help="crop marks")
@with_appcontext
def book_build_command(out: Path, died_from, died_to, year, order, size, title, bleed, marks):
    """Build a volume of the published fallen into OUT (a PDF), recorded as an edition."""
    from . import book

    try:
        params = book.parse_params(
            title=title,
            died_from=died_from,
            died_to=died_to,
            year=year,
            order=order,
            size=size,
            bleed=bleed,
            marks=marks,
        )
    except book.BookError as exc:
        fail(str(exc))
    if not out.parent.is_dir():
        fail(f"no such folder: {out.parent}")
    edition = book.new_edition(db.session, params)
    try:
        built = book.build_edition(db.session, edition, _book_progress())
    except book.BookError as exc:
        db.session.rollback()
        fail(str(exc))
    _finish_edition(edition, built, out)


@book_group.command("rebuild")
@click.argument("number", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def book_rebuild_command(number: int, out: Path):
    """Build edition NUMBER again from its record (same heroes, revisions and foreword)."""
    from . import book
    from .models import BookEdition

    source = db.session.get(BookEdition, number)
    if source is None or source.status != "done":
        fail(f"no finished edition {number}")
    params = book.BookParams.from_json(source.params)
    edition = book.new_edition(db.session, params, rebuilt_from=source)
    try:
        built = book.build_edition(db.session, edition, _book_progress())
    except book.BookError as exc:
        db.session.rollback()
        fail(str(exc))
    _finish_edition(edition, built, out)


@book_group.command("diff")
@click.argument("number", type=int)
@with_appcontext
def book_diff_command(number: int):
    """What changed since edition NUMBER: heroes added, removed, edited."""
    from . import book
    from .models import BookEdition

    edition = db.session.get(BookEdition, number)
    if edition is None or edition.status != "done":
        fail(f"no finished edition {number}")
    changes = book.changes_since(db.session, edition)
    for hero in changes.added:
        click.echo(f"added\t{hero.id}\t{hero.full_name}")
    for hero_id, name in changes.removed:
        click.echo(f"removed\t{hero_id}\t{name}")
    for hero in changes.edited:
        click.echo(f"edited\t{hero.id}\t{hero.full_name}")
    if not changes.any:
        click.echo(f"no changes since edition {number}", err=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Do background jobs from Redis (MEMORIAL_REDIS_URL); jobs a dead worker left are redone."""
    from . import jobs

    if not current_app.config.get("REDIS_URL"):
        fail("MEMORIAL_REDIS_URL is not set: jobs run in a thread of the app")
    jobs.run_worker(burst=burst)


@click.command("convert-interviews")
@click.option(
    "--stuck",
    is_flag=True,
    help="Also convert again the interviews a stopped process left 'converting' "
    "(only while no worker converts).",
)
@with_appcontext
def convert_interviews_command(stuck: bool) -> None:
    """Convert every interview still waiting for its conversion, here and now."""
    from . import interviews
    from .schema import ensure_schema

    ensure_schema()
    waiting = interviews.waiting_conversions(db.session, stuck)
    db.session.commit()
    done = 0
    for interview_id in waiting:
        ok = interviews.convert(interview_id)
        click.echo(f"interview {interview_id}: {'converted' if ok else 'failed'}")
        done += ok
    click.echo(f"converted {done} of {len(waiting)} interviews")
    if done < len(waiting):
        raise SystemExit(1)


COMMANDS = (
    init_db_command,
    import_archive_command,
    import_sheet_command,
    reindex_command,
    check_command,
    purge_rejected_command,
    export_command,
    backup_command,
    restore_command,
    create_user_command,
    graves_group,
    send_reminders_command,
    export_sheet_command,
    book_group,
    worker_command,
    convert_interviews_command,
)


def init_app(app) -> None:
    """Register the commands on the app's ``flask``/``memorial`` group."""
    for command in COMMANDS:
        app.cli.add_command(command)
