"""Staff: recorded interviews of a hero: attach (upload, title, transcript, visibility),
follow the conversion, edit, delete, and hear or see any of them (public or not)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import interviews, jobs
from ..extensions import db
from ..models import Hero, Interview, InterviewStatus
from .auth import staff_headers, staff_required
from .forms import ConfirmForm, InterviewEditForm, InterviewForm, interview_error
from .recordings import send_interview, start_interview_conversion

bp = Blueprint("staff_interviews", __name__, url_prefix="/staff")
bp.after_request(staff_headers)

#: Endpoints whose forms may carry an interview: they accept a request that much larger.
UPLOAD_ENDPOINTS = ("staff_interviews.add", "submit.new_hero", "submit.story")
#: Endpoints whose forms carry a transcript (up to 500,000 characters, 2 bytes each in UTF-8).
TRANSCRIPT_ENDPOINTS = ("staff_interviews.add", "staff_interviews.edit")


def allow_large_uploads() -> None:
    """Before anything reads the form (the CSRF check does): a form that may carry an
    interview accepts one up to the limit, beside the usual size of a form."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        config = current_app.config
        request.max_content_length = config["INTERVIEW_MAX_BYTES"] + (
            config["MAX_CONTENT_LENGTH"] or 0
        )
    if request.endpoint in TRANSCRIPT_ENDPOINTS and request.method == "POST":
        request.max_form_memory_size = 2 * 1024 * 1024


@bp.app_template_global()
def submission_interviews(submission_id: int) -> list[Interview]:
    """The interviews sent with a submission (the staff submission page lists them)."""
    return list(
        db.session.scalars(
            select(Interview).where(Interview.submission_id == submission_id).order_by(Interview.id)
        )
    )


def _hero(hero_id: int) -> Hero:
    hero = db.session.get(Hero, hero_id)
    if hero is None:
        abort(404)
    return hero


def _interview(interview_id: int) -> Interview:
    row = db.session.get(Interview, interview_id)
    if row is None:
        abort(404)
    return row


def _hero_page(hero: Hero, form: InterviewForm, status: int = 200):
    rows = db.session.scalars(
        select(Interview).where(Interview.hero_id == hero.id).order_by(Interview.id)
    ).all()
    return render_template(
        "staff/interviews.html",
        hero=hero,
        interviews=rows,
        form=form,
        Status=InterviewStatus,
        format_time=interviews.format_time,
    ), status


@bp.get("/heroes/<int:hero_id>/interviews")
@staff_required
def hero_interviews(hero_id: int):
    """A hero's interviews and the form to attach one."""
    return _hero_page(_hero(hero_id), InterviewForm(formdata=None))


@bp.post("/heroes/<int:hero_id>/interviews")
@staff_required
def add(hero_id: int):
    """Store an upload judged by content and start its conversion in the background."""
    hero = _hero(hero_id)
    form = InterviewForm()
    if not form.validate_on_submit() or form.accepted_recording is None:
        form.discard_recording()
        return _hero_page(hero, form, 400)
    rel, _path, found = form.accepted_recording
    try:
        row = interviews.add_interview(
            db.session,
            data_dir=current_app.config["DATA_DIR"],
            original_path=rel,
            found=found,
            hero=hero,
            title=form.title.data or "",
            transcript=form.transcript.data or "",
            visibility=form.visibility.data,
            user=current_user._get_current_object(),  # type: ignore[attr-defined]
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        form.discard_recording()
        raise
    start_interview_conversion(row.id)
    flash(_("Запис отримано; він перетворюється для вебу."), "info")
    return redirect(url_for("staff_interviews.interview", interview_id=row.id), code=303)


@bp.get("/interviews/<int:interview_id>")
@staff_required
def interview(interview_id: int):
    """One interview: conversion progress, player, transcript, edit and delete (a conversion
    whose worker died is started again here)."""
    jobs.recover(db.session())
    row = _interview(interview_id)
    form = InterviewEditForm(formdata=None, obj=row)
    return _interview_page(row, form)


def _interview_page(row: Interview, form: InterviewEditForm, status: int = 200):
    try:
        lines = interviews.parse_transcript(row.transcript)
    except interviews.InterviewError:
        lines = [interviews.TranscriptLine(None, row.transcript)]
    return render_template(
        "staff/interview.html",
        interview=row,
        form=form,
        confirm=ConfirmForm(formdata=None),
        lines=lines,
        Status=InterviewStatus,
        format_time=interviews.format_time,
    ), status


@bp.get("/interviews/<int:interview_id>/progress")
@staff_required
def progress(interview_id: int):
    """The conversion's state as JSON (the page's small script reads it)."""
    row = _interview(interview_id)
    return jsonify(status=row.status, progress=row.progress)


@bp.post("/interviews/<int:interview_id>")
@staff_required
def edit(interview_id: int):
    """Change the title, visibility or transcript (checked against the recording's length)."""
    row = _interview(interview_id)
    form = InterviewEditForm()
    if not form.validate_on_submit():
        return _interview_page(row, form, 400)
    try:
        interviews.parse_transcript(form.transcript.data or "", row.duration)
    except interviews.InterviewError as exc:
        form.transcript.errors = [interview_error(exc)]
        return _interview_page(row, form, 400)
    row.title = (form.title.data or "").strip()
    row.visibility = form.visibility.data
    row.transcript = form.transcript.data or ""
    db.session.commit()
    flash(_("Збережено."), "info")
    return redirect(url_for("staff_interviews.interview", interview_id=row.id), code=303)


@bp.post("/interviews/<int:interview_id>/retry")
@staff_required
def retry(interview_id: int):
    """Convert again an interview whose conversion failed."""
    row = _interview(interview_id)
    if row.status == InterviewStatus.FAILED and row.original_path:
        start_interview_conversion(row.id)
    return redirect(url_for("staff_interviews.interview", interview_id=row.id), code=303)


@bp.post("/interviews/<int:interview_id>/delete")
@staff_required
def delete(interview_id: int):
    """Delete an interview and its files."""
    row = _interview(interview_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    hero_id, submission_id = row.hero_id, row.submission_id
    files = interviews.delete_interview(
        db.session,
        row,
        current_user._get_current_object(),  # type: ignore[attr-defined]
    )
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)
    flash(_("Інтерв'ю видалено."), "info")
    if hero_id is not None:
        return redirect(url_for("staff_interviews.hero_interviews", hero_id=hero_id), code=303)
    return redirect(url_for("staff.submission", submission_id=submission_id), code=303)


@bp.get("/interviews/<int:interview_id>/file")
@staff_required
def file(interview_id: int):
    """The converted file, public or not (range requests served)."""
    row = _interview(interview_id)
    return send_interview(row, max_age=0)
