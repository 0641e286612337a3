"""The staff area: the queue of submissions, their review and decision, heroes and revisions."""

from __future__ import annotations

import difflib
import mimetypes

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import archive, audit, media
from .auth import admin_required, staff_headers, staff_required
from ..extensions import db
from .forms import (
    FIELD_LABELS,
    ConfirmForm,
    CorrectionEditForm,
    HeroEditForm,
    ReasonForm,
    StoryEditForm,
    SubmissionHeroForm,
    to_iso_date,
)
from ..language import first_letter, fold
from ..models import AuditEvent, Hero, Photo, Revision, Submission, SubmissionPhoto
from .pagination import Pager
from ..revisions import changed_fields, snapshot

bp = Blueprint("moderation", __name__, url_prefix="/staff")
bp.after_request(staff_headers)

OPEN_STATUSES = ("received", "needs_info")
PER_PAGE = 50


def _me():
    return current_user._get_current_object()


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.get("/")
@staff_required
def queue():
    """Submissions waiting for a decision (or all of them), newest or oldest first."""
    order = "oldest" if request.args.get("order") == "oldest" else "newest"
    which = request.args.get("status", "open")
    query = select(Submission)
    if which == "open":
        query = query.where(Submission.status.in_(OPEN_STATUSES))
    elif which in ("published", "rejected", "needs_info", "received"):
        query = query.where(Submission.status == which)
    else:
        which = "all"
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(_page(), PER_PAGE, total)
    column = Submission.created_at.asc() if order == "oldest" else Submission.created_at.desc()
    rows = db.session.scalars(
        query.order_by(column, Submission.id.desc() if order == "newest" else Submission.id)
        .offset(pager.offset).limit(PER_PAGE)
        .options(selectinload(Submission.hero), selectinload(Submission.photos))).all()
    return render_template("staff/queue.html", submissions=rows, order=order, which=which,
                           pager=pager, labels=FIELD_LABELS)


def _submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


#: First letters that people confuse when typing a name (so a duplicate may sit under either).
_LOOKALIKE_LETTERS = ("ГҐ", "ИІЇЙ", "ЕЄЭ")


def possible_duplicates(payload: dict, limit: int = 10) -> list[tuple[Hero, int]]:
    """Heroes whose name is the same or close and whose dates do not contradict the payload."""
    surname, given = payload.get("surname") or "", payload.get("given_name") or ""
    if not surname:
        return []
    wanted = fold(f"{surname} {given}")
    letter = first_letter(surname)
    letters = next((group for group in _LOOKALIKE_LETTERS if letter in group), letter)
    query = select(Hero).where(Hero.index_letter.in_(list(letters)))
    for name in ("birth_date", "death_date"):
        year = (payload.get(name) or "")[:4]
        if year.isdigit():
            column = Hero.birth_year if name == "birth_date" else Hero.death_year
            query = query.where(or_(column.is_(None), column.between(int(year) - 1,
                                                                       int(year) + 1)))
    scored = []
    for hero in db.session.scalars(query):
        ratio = difflib.SequenceMatcher(None, wanted,
                                        fold(f"{hero.surname} {hero.given_name}")).ratio()
        if ratio >= 0.75:
            scored.append((hero, round(ratio * 100)))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]


def word_diff(before: object, after: object) -> list[tuple[str, str]]:
    """A word-level difference as ``(op, text)`` pairs: ``same``, ``del`` or ``ins``."""
    old = "" if before is None else str(before)
    new = "" if after is None else str(after)
    a, b = old.split(" "), new.split(" ")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", " ".join(b[j1:j2])))
    return out


def _edit_form(submission: Submission, formdata=None):
    """The form a moderator uses to change what a submission will publish."""
    payload = submission.payload
    if submission.kind == "hero":
        form = SubmissionHeroForm(formdata=formdata, data={
            **payload, "awards": "\n".join(a["name"] for a in payload.get("awards") or [])})
    elif submission.kind == "story":
        form = StoryEditForm(formdata=formdata, data=payload)
    elif submission.kind == "correction":
        form = CorrectionEditForm(formdata=formdata, data=payload)
    else:
        form = ConfirmForm(formdata=formdata)
    return form


@bp.get("/submissions/<int:submission_id>")
@staff_required
def submission(submission_id: int):
    """One submission: what was sent, its photos, duplicates or difference, and the decisions."""
    item = _submission(submission_id)
    duplicates = possible_duplicates(item.payload) if item.kind == "hero" else []
    diff = None
    if item.kind == "correction" and item.hero is not None:
        name = item.payload["field"]
        current = snapshot(item.hero).get(name)
        diff = {"field": name, "label": FIELD_LABELS.get(name, name), "before": current,
                "after": item.payload.get("value"),
                "words": word_diff(current, item.payload.get("value"))}
    return render_template("staff/submission.html", item=item, duplicates=duplicates, diff=diff,
                           edit=_edit_form(item, formdata=None), reason=ReasonForm(formdata=None),
                           confirm=ConfirmForm(formdata=None), labels=FIELD_LABELS)


@bp.post("/submissions/<int:submission_id>/edit")
@staff_required
def edit_submission(submission_id: int):
    """Change what a submission will publish before approving it."""
    item = _submission(submission_id)
    if not item.is_open:
        flash(_("Це звернення вже розглянуто."), "error")
        return redirect(url_for("moderation.submission", submission_id=item.id))
    form = _edit_form(item, formdata=request.form)
    if not form.validate():
        flash(_("Зміни не збережено: виправте позначені поля."), "error")
        return render_template("staff/submission.html", item=item, duplicates=[], diff=None,
                               edit=form, reason=ReasonForm(formdata=None),
                               confirm=ConfirmForm(formdata=None), labels=FIELD_LABELS), 400
    if item.kind == "hero":
        payload = {**form.hero_fields(), "awards": form.award_list()}
    elif item.kind == "story":
        payload = {"title": form.title.data or "", "body": form.body.data,
                   "author_name": form.author_name.data,
                   "author_relation": form.author_relation.data or "",
                   "date": to_iso_date(form.date.data)}
    elif item.kind == "correction":
        value = form.value.data
        if item.payload["field"] in archive.HERO_DATE_FIELDS:
            try:
                value = to_iso_date(value)
            except ValueError:
                flash(_("Не вдалося прочитати дату."), "error")
                return redirect(url_for("moderation.submission", submission_id=item.id))
        payload = {"value": value}
    else:
        payload = {}
    captions = [(request.form.get(f"caption-{p.id}") or "").strip()[:1000] or None
                for p in item.photos]
    archive.edit_submission(item, payload, captions)
    audit.record(db.session, "submission.edit", _me(), object_type="submission",
                 object_id=item.reference)
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for("moderation.submission", submission_id=item.id))


@bp.post("/submissions/<int:submission_id>/approve")
@staff_required
def approve(submission_id: int):
    """Publish a submission: the hero appears on the site and in search at once."""
    item = _submission(submission_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        hero = archive.approve(db.session, item, _me(), form.text.data or "")
    except archive.ModerationError:
        db.session.rollback()
        flash(_("Це звернення вже розглянуто."), "error")
        return redirect(url_for("moderation.submission", submission_id=item.id))
    except ValueError:
        db.session.rollback()
        flash(_("Опублікувати не вдалося: перевірте дати та обов'язкові поля."), "error")
        return redirect(url_for("moderation.submission", submission_id=item.id))
    audit.record(db.session, "submission.approve", _me(), object_type="submission",
                 object_id=item.reference, hero_id=hero.id)
    db.session.commit()
    flash(_("Опубліковано."), "info")
    return redirect(url_for("moderation.hero", hero_id=hero.id))


def _decide(submission_id: int, action: str):
    item = _submission(submission_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Напишіть пояснення для автора звернення."), "error")
        return redirect(url_for("moderation.submission", submission_id=item.id))
    try:
        if action == "reject":
            archive.reject(item, _me(), form.text.data)
        else:
            archive.ask_for_information(item, _me(), form.text.data)
    except archive.ModerationError:
        flash(_("Це звернення вже розглянуто."), "error")
        return redirect(url_for("moderation.submission", submission_id=item.id))
    audit.record(db.session, f"submission.{action}", _me(), object_type="submission",
                 object_id=item.reference)
    db.session.commit()
    flash(_("Відхилено.") if action == "reject" else _("Запитання надіслано."), "info")
    return redirect(url_for("moderation.queue"))


@bp.post("/submissions/<int:submission_id>/reject")
@staff_required
def reject(submission_id: int):
    """Decline with a reason that the submitter sees on the status page."""
    return _decide(submission_id, "reject")


@bp.post("/submissions/<int:submission_id>/ask")
@staff_required
def ask(submission_id: int):
    """Ask the submitter for more information."""
    return _decide(submission_id, "ask")


@bp.get("/heroes")
@staff_required
def heroes():
    """Every hero, drafts included, found by surname; recently changed first."""
    q = (request.args.get("q") or "").strip()[:100]
    query = select(Hero)
    if q:
        query = query.where(or_(Hero.surname.ilike(f"%{q}%"), Hero.given_name.ilike(f"%{q}%"),
                                Hero.external_id == q))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(_page(), PER_PAGE, total)
    rows = db.session.scalars(query.order_by(Hero.updated_at.desc(), Hero.id.desc())
                              .offset(pager.offset).limit(PER_PAGE)).all()
    return render_template("staff/heroes.html", heroes=rows, q=q, pager=pager)


def _hero(hero_id: int) -> Hero:
    hero = db.session.get(Hero, hero_id)
    if hero is None:
        abort(404)
    return hero


@bp.get("/heroes/<int:hero_id>")
@staff_required
def hero(hero_id: int):
    """A hero as staff see it, with every revision."""
    item = _hero(hero_id)
    revisions = db.session.scalars(select(Revision).where(Revision.hero_id == item.id)
                                   .order_by(Revision.id.desc())
                                   .options(selectinload(Revision.user))).all()
    return render_template("staff/hero.html", hero=item, revisions=revisions,
                           confirm=ConfirmForm(formdata=None), reason=ReasonForm(formdata=None))


@bp.route("/heroes/<int:hero_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_hero(hero_id: int):
    """Edit a hero's fields; the change is kept as a revision with its reason."""
    item = _hero(hero_id)
    record = snapshot(item)
    form = HeroEditForm(data={**record, "awards": ""}) if request.method == "GET" \
        else HeroEditForm()
    if form.validate_on_submit():
        archive.edit_hero(db.session, item, form.hero_fields(), _me(), form.reason.data)
        audit.record(db.session, "hero.edit", _me(), object_type="hero", object_id=item.id)
        db.session.commit()
        flash(_("Зміни збережено."), "info")
        return redirect(url_for("moderation.hero", hero_id=item.id))
    return render_template("staff/hero_edit.html", hero=item, form=form), \
        400 if request.method == "POST" else 200


@bp.post("/heroes/<int:hero_id>/<any(publish, unpublish):action>")
@staff_required
def change_status(hero_id: int, action: str):
    """Unpublish (the reversible deletion) or publish again."""
    item = _hero(hero_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Напишіть, чому."), "error")
        return redirect(url_for("moderation.hero", hero_id=item.id))
    status = "published" if action == "publish" else "draft"
    archive.change_status(db.session, item, status, _me(), form.text.data)
    audit.record(db.session, f"hero.{action}", _me(), object_type="hero", object_id=item.id)
    db.session.commit()
    flash(_("Опубліковано.") if action == "publish" else _("Знято з публікації."), "info")
    return redirect(url_for("moderation.hero", hero_id=item.id))


def _revision(revision_id: int) -> Revision:
    revision = db.session.get(Revision, revision_id)
    if revision is None:
        abort(404)
    return revision


@bp.get("/revisions/<int:revision_id>")
@staff_required
def revision(revision_id: int):
    """One revision: who, when, why, and every changed field before and after."""
    item = _revision(revision_id)
    changes = [(name, FIELD_LABELS.get(name, name), old, new,
                word_diff(old, new) if isinstance(new, str) or isinstance(old, str) else None)
               for name, old, new in changed_fields(item.before, item.after)]
    return render_template("staff/revision.html", revision=item, changes=changes,
                           confirm=ConfirmForm(formdata=None))


@bp.post("/revisions/<int:revision_id>/restore")
@staff_required
def restore(revision_id: int):
    """Bring the hero back to this revision's state (itself a new revision)."""
    item = _revision(revision_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.text.data or _("Відновлено стан ревізії %(n)d", n=item.id)
    archive.restore_revision(db.session, item, _me(), reason)
    audit.record(db.session, "revision.restore", _me(), object_type="revision",
                 object_id=item.id, hero_id=item.hero_id)
    db.session.commit()
    flash(_("Відновлено."), "info")
    return redirect(url_for("moderation.hero", hero_id=item.hero_id))


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first."""
    total = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    pager = Pager(_page(), 100, total)
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())
                              .offset(pager.offset).limit(100)).all()
    return render_template("staff/audit.html", events=rows, pager=pager)


def _known_file(file_path: str) -> str:
    """A stored file that a submission or a hero names (pending files are staff-only)."""
    known = db.session.scalar(select(SubmissionPhoto.file_path).where(
        SubmissionPhoto.file_path == file_path)) or db.session.scalar(
        select(Photo.file_path).where(Photo.file_path == file_path))
    if known is None:
        abort(404)
    return known


def _send(path, mimetype: str):
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/media/<path:file_path>")
@staff_required
def media_file(file_path: str):
    """A stored photo, pending or published, for staff only."""
    known = _known_file(file_path)
    try:
        path = media.safe_path(current_app.config["DATA_DIR"], known)
    except media.MediaError:
        abort(404)
    mimetype = mimetypes.guess_type(path.name)[0]
    if not path.is_file() or mimetype not in ("image/jpeg", "image/png", "image/webp"):
        abort(404)
    return _send(path, mimetype)


@bp.get("/media/thumb/<int:side>/<path:file_path>")
@staff_required
def media_thumb(side: int, file_path: str):
    """A thumbnail of a stored photo, pending or published, for staff only."""
    if side not in media.THUMB_SIDES:
        abort(404)
    known = _known_file(file_path)
    try:
        path = media.ensure_thumbnail(current_app.config["DATA_DIR"], known, side)
    except (media.MediaError, OSError):
        abort(404)
    return _send(path, "image/jpeg")
