"""The staff's spreadsheet import: upload a sheet (and its photos), read the report of every
problem, then import exactly what was checked."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from .. import audit, sheets
from ..columns import IMPORTED, REQUIRED
from ..extensions import db
from ..porting import ImportFailed, committed_import
from .auth import current_staff, staff_headers, staff_required
from .forms import SheetImportForm, SheetUploadForm

bp = Blueprint("sheets", __name__, url_prefix="/staff/import")
#: Problems listed on the page at most (the summary counts them all).
SHOWN_PROBLEMS = 500
bp.after_request(staff_headers)


def _data_dir() -> str:
    return current_app.config["DATA_DIR"]


def _minutes() -> float:
    return float(current_app.config["SHEET_UPLOAD_MINUTES"])


@bp.get("/")
@staff_required
def upload():
    """The form: a sheet, its photos, the key column and whether new heroes stay drafts."""
    return _upload_page(SheetUploadForm())


def _upload_page(form: SheetUploadForm, status: int = 200):
    return render_template(
        "staff/sheet_upload.html", form=form, columns=IMPORTED, required=REQUIRED
    ), status


@bp.post("/")
@staff_required
def receive():
    """Keep the upload under a token and show its report (nothing is written yet)."""
    form = SheetUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 400)
    limits = sheets.limits_from(current_app.config)
    sheets.purge_uploads(_data_dir(), _minutes())
    photos = form.photos.data if form.photos.data and form.photos.data.filename else None
    try:
        kept = sheets.keep_upload(
            _data_dir(),
            form.sheet.data.stream,
            form.sheet.data.filename or "",
            photos.stream if photos else None,
            photos.filename if photos else None,
            key=form.key.data or None,
            draft=bool(form.draft.data),
            limits=limits,
        )
    except sheets.TooLarge as exc:
        field = form.photos if str(exc) == "photos.zip" else form.sheet
        field.errors = [
            _(
                "Файл завеликий: можна не більше %(limit)d МБ.",
                limit=(limits.zip_bytes if field is form.photos else limits.sheet_bytes)
                // (1024 * 1024),
            )
        ]
        return _upload_page(form, 400)
    return redirect(url_for("sheets.report", token=kept.token))


def _upload(token: str) -> sheets.Upload:
    kept = sheets.find_upload(_data_dir(), token, _minutes())
    if kept is None:
        abort(404)
    return kept


def _report_page(kept: sheets.Upload, sheet: sheets.SheetImport, status: int = 200):
    report = sheet.validate(db.session)
    db.session.rollback()  # checking reads only
    return render_template(
        "staff/sheet_report.html",
        upload=kept,
        report=report,
        shown=SHOWN_PROBLEMS,
        form=SheetImportForm(formdata=None),
    ), status


@bp.get("/<token>")
@staff_required
def report(token: str):
    """The report of an upload: every problem, and what importing would do."""
    kept = _upload(token)
    with kept.opened(sheets.limits_from(current_app.config)) as sheet:
        return _report_page(kept, sheet)


@bp.post("/<token>")
@staff_required
def confirm(token: str):
    """Import the upload whose report was shown: checked again, written in one transaction."""
    kept = _upload(token)
    form = SheetImportForm()
    if not form.validate_on_submit():
        abort(400)
    skip = bool(form.skip_invalid.data)
    user = current_staff()
    with kept.opened(sheets.limits_from(current_app.config)) as sheet:
        report = sheet.validate(db.session)
        if not report.can_import(skip):
            db.session.rollback()
            flash(_("Нічого не імпортовано: у таблиці є помилки."), "error")
            return _report_page(kept, sheet, 400)

        def write(written):
            result = sheet.write(db.session, _data_dir(), written)
            audit.record(
                db.session,
                "sheet.import",
                user,
                object_type="sheet",
                object_id=kept.name,
                created=result.created,
                updated=result.updated - result.unchanged,
                unchanged=result.unchanged,
                skipped=len(report.invalid_rows),
                photos=result.photos_stored,
            )
            return result

        try:
            result = committed_import(db.session, _data_dir(), write)
        except ImportFailed:
            flash(_("Імпорт не вдався; нічого не змінено. Спробуйте ще раз."), "error")
            return redirect(url_for("sheets.report", token=token))
    sheets.forget_upload(_data_dir(), token)
    flash(
        _(
            "Імпортовано: нових %(new)d, оновлених %(upd)d, без змін %(same)d, "
            "пропущено рядків з помилками %(skipped)d.",
            new=result.created,
            upd=result.updated - result.unchanged,
            same=result.unchanged,
            skipped=len(report.invalid_rows),
        ),
        "info",
    )
    return redirect(url_for("staff.heroes"))
