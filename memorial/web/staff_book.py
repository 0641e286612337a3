"""Staff page of the book of memory: build a volume (a background job), follow its progress,
edit the foreword, download the editions and see what changed since one of them.

A build never runs inside the request: the form records an edition and a job, and the page
shows the job's state from the database (it refreshes itself while a job runs, with or
without script). Bad parameters are shown on the form and nothing is recorded.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .. import book, jobs
from ..extensions import db
from ..models import BookEdition, Job, JobStatus
from .auth import staff_headers, staff_required

bp = Blueprint("staff_book", __name__, url_prefix="/staff/book")
bp.after_request(staff_headers)

#: Seconds between reloads of the page while a volume is being built.
REFRESH_SECONDS = 5


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BuildForm(FlaskForm):
    """The parameters of a volume."""

    title = StringField(
        _l("Назва книги"),
        validators=[Optional()],
        filters=[_strip],
        description=_l(
            "До %(max)d знаків; порожня — «Книга пам'яті» з роками.", max=book.MAX_TITLE
        ),
    )
    died_from = StringField(
        _l("Загинули від"),
        validators=[Optional(), Length(max=20)],
        filters=[_strip],
        description=_l("Дата РРРР-ММ-ДД, наприклад 2022-02-24."),
    )
    died_to = StringField(
        _l("Загинули до"),
        validators=[Optional(), Length(max=20)],
        filters=[_strip],
        description=_l("Дата РРРР-ММ-ДД, наприклад 2024-12-31 (включно)."),
    )
    year = StringField(
        _l("Або рік"),
        validators=[Optional(), Length(max=10)],
        filters=[_strip],
        description=_l("Наприклад 2025; замість проміжку дат."),
    )
    order = SelectField(
        _l("Порядок"),
        choices=[
            SelectChoice("death", _l("за датою загибелі")),
            SelectChoice("name", _l("за абеткою")),
        ],
        validate_choice=False,
    )
    size = SelectField(
        _l("Формат сторінки"),
        choices=[SelectChoice(s, s) for s in book.SIZES],
        default="A5",
        validate_choice=False,
    )
    bleed = StringField(
        _l("Виліт, мм"),
        validators=[Optional(), Length(max=10)],
        filters=[_strip],
        description=_l("Для друкарні, зазвичай 3; порожньо — без вильоту."),
    )
    marks = BooleanField(_l("Мітки обрізу"))


class ForewordForm(FlaskForm):
    text = TextAreaField(
        _l("Передмова"),
        validators=[
            Optional(),
            Length(max=book.MAX_FOREWORD, message=_l("Не більше %(max)d символів.")),
        ],
        filters=[_strip],
        description=_l(
            "Порожні рядки відділяють абзаци. Книга друкує останню збережену передмову."
        ),
    )


def _page(form: BuildForm, foreword_form: ForewordForm | None = None, status: int = 200):
    jobs.recover(db.session())
    editions = book.editions(db.session)
    job_ids = [e.job_id for e in editions if e.job_id]
    job_rows = (
        {j.id: j for j in db.session.scalars(select(Job).where(Job.id.in_(job_ids)))}
        if job_ids
        else {}
    )
    running = any(
        e.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        or (
            e.job_id in job_rows
            and job_rows[e.job_id].status in (JobStatus.QUEUED, JobStatus.RUNNING)
        )
        for e in editions
    )
    if foreword_form is None:
        current = book.current_foreword(db.session)
        foreword_form = ForewordForm(formdata=None, data={"text": current.text if current else ""})
    return render_template(
        "staff/book.html",
        form=form,
        foreword_form=foreword_form,
        editions=editions,
        jobs=job_rows,
        running=running,
        refresh=REFRESH_SECONDS,
        uses_redis=jobs.uses_redis(),
    ), status


@bp.get("/")
@staff_required
def page():
    """The book page: the build form, the editions and their progress, the foreword."""
    return _page(BuildForm(formdata=None))


@bp.post("/")
@staff_required
def build():
    """Record an edition with the form's parameters and start building it in the background."""
    form = BuildForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        params = book.parse_params(
            title=form.title.data,
            died_from=form.died_from.data,
            died_to=form.died_to.data,
            year=form.year.data,
            order=form.order.data,
            size=form.size.data,
            bleed=form.bleed.data,
            marks=form.marks.data,
        )
        if not book.count_heroes(db.session, params):
            raise book.BookError(
                _l("У цьому проміжку немає жодного опублікованого героя."), "died_from"
            )
    except book.BookError as exc:
        target = getattr(form, exc.field or "", None) or form.title
        target.errors = [*target.errors, str(exc)]
        return _page(form, status=400)
    user = current_user._get_current_object()
    edition = book.new_edition(db.session, params, user)
    job = jobs.create(db.session, "book.build", {"edition": edition.id}, user)
    edition.job_id = job.id
    db.session.commit()
    jobs.start(job.id)
    flash(_("Книгу (видання %(n)d) поставлено у чергу на верстку.", n=edition.id), "success")
    return redirect(url_for("staff_book.page", _anchor=f"edition-{edition.id}"))


@bp.post("/foreword")
@staff_required
def save_foreword():
    """Save a new text of the foreword (the editions keep the text they printed)."""
    form = ForewordForm()
    if not form.validate_on_submit():
        return _page(BuildForm(formdata=None), form, status=400)
    book.save_foreword(db.session, form.text.data or "", current_user._get_current_object())
    db.session.commit()
    flash(_("Передмову збережено."), "success")
    return redirect(url_for("staff_book.page", _anchor="foreword-title"))


def _edition(number: int) -> BookEdition:
    edition = db.session.get(BookEdition, number)
    if edition is None:
        abort(404)
    return edition


@bp.get("/editions/<int:number>.pdf")
@staff_required
def download(number: int):
    """An edition's file."""
    path = book.edition_file(_edition(number))
    if path is None:
        abort(404)
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=f"book-{number}.pdf"
    )


@bp.get("/editions/<int:number>/changes")
@staff_required
def changes(number: int):
    """What changed since an edition, for proofreading: heroes added, removed, edited."""
    edition = _edition(number)
    if edition.status != JobStatus.DONE:
        abort(404)
    return render_template(
        "staff/book_changes.html", edition=edition, changes=book.changes_since(db.session, edition)
    )


@bp.get("/jobs/<int:job_id>.json")
@staff_required
def job_state(job_id: int):
    """A job's state, for the page's progress bar."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    return jsonify(status=job.status, progress=job.progress, message=job.message, error=job.error)
