"""The staff area: the queue of submissions, their review and decision, heroes, revisions,
the audit log and (for administrators) the staff accounts."""

from __future__ import annotations

import mimetypes

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import accounts, archive, consent, media, provenance, submissions, veterans
from ..extensions import db
from ..models import (
    OPEN_SUBMISSION_STATUSES,
    AuditEvent,
    Hero,
    HeroStatus,
    Photo,
    Revision,
    Submission,
    SubmissionKind,
    SubmissionPhoto,
    SubmissionStatus,
    User,
)
from ..records import snapshot
from ..revisions import changed_fields, word_diff
from . import labels
from .auth import admin_required, current_staff, hero_or_404, staff_headers, staff_required
from .forms import (
    AccountForm,
    ApproveForm,
    ConfirmForm,
    CorrectionEditForm,
    HeroEditForm,
    PublishForm,
    ReasonForm,
    StoryEditForm,
    SubmissionHeroForm,
)
from .labels import FIELD_LABELS, field_text
from .pagination import Pager, page_number
from .safety import provenance_forms
from .security import send_stored

bp = Blueprint("staff", __name__, url_prefix="/staff")

bp.after_request(staff_headers)

PER_PAGE = 50


def _not_notified() -> str:
    return _("Не опубліковано: спершу підтвердьте, що родину офіційно сповіщено про загибель.")


def _page() -> int:
    return page_number(request.args.get("page", "1")) or 1


@bp.get("/")
@staff_required
def queue():
    """Submissions waiting for a decision (or all of them), newest or oldest first."""
    order = "oldest" if request.args.get("order") == "oldest" else "newest"
    which = request.args.get("status", "open")
    query = select(Submission)
    if which == "open":
        query = query.where(Submission.status.in_(OPEN_SUBMISSION_STATUSES))
    elif which in tuple(SubmissionStatus):
        query = query.where(Submission.status == which)
    else:
        which = "all"
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(_page(), PER_PAGE, total)
    column = Submission.created_at.asc() if order == "oldest" else Submission.created_at.desc()
    rows = db.session.scalars(
        query.order_by(column, Submission.id.desc() if order == "newest" else Submission.id)
        .offset(pager.offset)
        .limit(PER_PAGE)
        .options(selectinload(Submission.hero), selectinload(Submission.photos))
    ).all()
    return render_template(
        "staff/queue.html",
        submissions=rows,
        order=order,
        which=which,
        pager=pager,
        labels=FIELD_LABELS,
        statuses=labels.choices(SubmissionStatus),
    )


def _already_decided(error: submissions.ModerationError) -> None:
    """Tell the moderator that someone else decided the submission first (and who)."""
    db.session.rollback()
    if error.decided_by:
        flash(_("Це звернення вже розглянув(-ла) %(email)s.", email=error.decided_by), "error")
    else:
        flash(_("Це звернення вже розглянуто."), "error")


def _submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


def _edit_form(submission: Submission, formdata=None):
    """The form a moderator uses to change what a submission will publish."""
    payload = submission.payload
    if submission.kind == "hero":
        form = SubmissionHeroForm(
            formdata=formdata,
            data={**payload, "awards": "\n".join(a["name"] for a in payload.get("awards") or [])},
        )
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
    duplicates = (
        submissions.possible_duplicates(db.session, item.payload)
        if item.kind == SubmissionKind.HERO
        else []
    )
    diff = None
    if item.kind == SubmissionKind.CORRECTION and item.hero is not None:
        name = item.payload["field"]
        current = snapshot(item.hero).get(name)
        diff = {
            "field": name,
            "label": FIELD_LABELS.get(name, name),
            "before": current,
            "after": item.payload.get("value"),
            "words": word_diff(current, item.payload.get("value")),
        }
    return render_template(
        "staff/submission.html",
        item=item,
        item_consent=consent.of_submission(db.session, item),
        duplicates=duplicates,
        diff=diff,
        edit=_edit_form(item, formdata=None),
        reason=ReasonForm(formdata=None),
        confirm=ApproveForm(formdata=None),
        labels=FIELD_LABELS,
    )


@bp.post("/submissions/<int:submission_id>/edit")
@staff_required
def edit_submission(submission_id: int):
    """Change what a submission will publish before approving it."""
    item = _submission(submission_id)
    if not item.is_open:
        flash(_("Це звернення вже розглянуто."), "error")
        return redirect(url_for("staff.submission", submission_id=item.id))
    form = _edit_form(item, formdata=request.form)
    if not form.validate():
        flash(_("Зміни не збережено: виправте позначені поля."), "error")
        return render_template(
            "staff/submission.html",
            item=item,
            item_consent=consent.of_submission(db.session, item),
            duplicates=[],
            diff=None,
            edit=form,
            reason=ReasonForm(formdata=None),
            confirm=ConfirmForm(formdata=None),
            labels=FIELD_LABELS,
        ), 400
    if item.kind == SubmissionKind.CORRECTION:
        try:
            payload = {
                "value": submissions.correction_value(item.payload["field"], form.value.data)
            }
        except ValueError:
            flash(_("Не вдалося прочитати дату."), "error")
            return redirect(url_for("staff.submission", submission_id=item.id))
    else:
        payload = {} if item.kind == SubmissionKind.PHOTOS else form.payload()
    captions = [
        (request.form.get(f"caption-{p.id}") or "").strip()[:1000] or None for p in item.photos
    ]
    try:
        submissions.edit_submission(db.session, item, payload, captions, current_staff())
    except submissions.ModerationError as error:
        _already_decided(error)
        return redirect(url_for("staff.submission", submission_id=submission_id))
    db.session.commit()
    flash(_("Зміни збережено."), "info")
    return redirect(url_for("staff.submission", submission_id=item.id))


@bp.post("/submissions/<int:submission_id>/approve")
@staff_required
def approve(submission_id: int):
    """Publish a submission: the hero appears on the site and in search at once."""
    item = _submission(submission_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        hero = submissions.approve(
            db.session,
            item,
            current_staff(),
            form.text.data or "",
            notified=form.notified.data,
            safety=form.safety.data,
        )
    except veterans.SafetyNotChecked:
        db.session.rollback()
        flash(
            _(
                "Перш ніж опублікувати історію ветерана, перевірте фото й відео: обличчя "
                "інших людей, позиції та техніку. Позначте всі три пункти."
            ),
            "error",
        )
        return redirect(url_for("staff.submission", submission_id=item.id))
    except provenance.NotNotified:
        db.session.rollback()
        flash(
            _not_notified(),
            "error",
        )
        return redirect(url_for("staff.submission", submission_id=item.id))
    except submissions.ModerationError as error:
        _already_decided(error)
        return redirect(url_for("staff.submission", submission_id=submission_id))
    except ValueError:
        db.session.rollback()
        flash(_("Опублікувати не вдалося: перевірте дати та обов'язкові поля."), "error")
        return redirect(url_for("staff.submission", submission_id=item.id))
    db.session.commit()
    flash(_("Опубліковано."), "info")
    return redirect(url_for("staff.hero", hero_id=hero.id))


def _decide(submission_id: int, action: str):
    item = _submission(submission_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Напишіть пояснення для автора звернення."), "error")
        return redirect(url_for("staff.submission", submission_id=item.id))
    try:
        if action == "reject":
            submissions.reject(db.session, item, current_staff(), form.text.data)
        else:
            submissions.ask_for_information(db.session, item, current_staff(), form.text.data)
    except submissions.ModerationError as error:
        _already_decided(error)
        return redirect(url_for("staff.submission", submission_id=submission_id))
    db.session.commit()
    flash(_("Відхилено.") if action == "reject" else _("Запитання надіслано."), "info")
    return redirect(url_for("staff.queue"))


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
        query = query.where(
            or_(
                Hero.surname.ilike(f"%{q}%"), Hero.given_name.ilike(f"%{q}%"), Hero.external_id == q
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pager = Pager(_page(), PER_PAGE, total)
    rows = db.session.scalars(
        query.order_by(Hero.updated_at.desc(), Hero.id.desc()).offset(pager.offset).limit(PER_PAGE)
    ).all()
    return render_template("staff/heroes.html", heroes=rows, q=q, pager=pager)


@bp.get("/heroes/<int:hero_id>")
@staff_required
def hero(hero_id: int):
    """A hero as staff see it, with every revision."""
    item = hero_or_404(hero_id)
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.hero_id == item.id)
        .order_by(Revision.id.desc())
        .options(selectinload(Revision.user))
    ).all()
    return render_template(
        "staff/hero.html",
        hero=item,
        revisions=revisions,
        labels=FIELD_LABELS,
        confirm=ConfirmForm(formdata=None),
        reason=PublishForm(formdata=None),
        **provenance_forms(item),
    )


@bp.route("/heroes/<int:hero_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_hero(hero_id: int):
    """Edit a hero's fields; the change is kept as a revision with its reason."""
    item = hero_or_404(hero_id)
    record = snapshot(item)
    form = (
        HeroEditForm(data={**record, "awards": ""}) if request.method == "GET" else HeroEditForm()
    )
    if form.validate_on_submit():
        archive.edit_hero(db.session, item, form.hero_fields(), current_staff(), form.reason.data)
        db.session.commit()
        flash(_("Зміни збережено."), "info")
        return redirect(url_for("staff.hero", hero_id=item.id))
    return render_template(
        "staff/hero_edit.html", hero=item, form=form
    ), 400 if request.method == "POST" else 200


@bp.post("/heroes/<int:hero_id>/<any(publish, unpublish):action>")
@staff_required
def change_status(hero_id: int, action: str):
    """Unpublish (the reversible deletion) or publish again."""
    item = hero_or_404(hero_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Напишіть, чому."), "error")
        return redirect(url_for("staff.hero", hero_id=item.id))
    status = HeroStatus.PUBLISHED if action == "publish" else HeroStatus.DRAFT
    if action == "publish":
        try:
            provenance.confirm_notified(db.session, item, current_staff(), form.notified.data)
        except provenance.NotNotified:
            db.session.rollback()
            flash(
                _not_notified(),
                "error",
            )
            return redirect(url_for("staff.hero", hero_id=item.id))
    archive.change_status(db.session, item, status, current_staff(), form.text.data)
    db.session.commit()
    flash(_("Опубліковано.") if action == "publish" else _("Знято з публікації."), "info")
    return redirect(url_for("staff.hero", hero_id=item.id))


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
    # Every field as text (dates in words, stories and awards as lines), compared word by word.
    changes = [
        (FIELD_LABELS.get(name, name), word_diff(field_text(name, old), field_text(name, new)))
        for name, old, new in changed_fields(item.before, item.after)
    ]
    return render_template(
        "staff/revision.html", revision=item, changes=changes, confirm=ConfirmForm(formdata=None)
    )


@bp.post("/revisions/<int:revision_id>/restore")
@staff_required
def restore(revision_id: int):
    """Bring the hero back to this revision's state (itself a new revision)."""
    item = _revision(revision_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    reason = form.text.data or _("Відновлено стан ревізії %(n)d", n=item.id)
    archive.restore_revision(db.session, item, current_staff(), reason)
    db.session.commit()
    flash(_("Відновлено."), "info")
    return redirect(url_for("staff.hero", hero_id=item.hero_id))


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first."""
    total = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    pager = Pager(_page(), 100, total)
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).offset(pager.offset).limit(100)
    ).all()
    return render_template("staff/audit.html", events=rows, pager=pager)


def _known_file(file_path: str) -> str:
    """A stored file that a submission or a hero names (pending files are staff-only)."""
    known = db.session.scalar(
        select(SubmissionPhoto.file_path).where(SubmissionPhoto.file_path == file_path)
    ) or db.session.scalar(select(Photo.file_path).where(Photo.file_path == file_path))
    if known is None:
        abort(404)
    return known


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
    return send_stored(path, mimetype)


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
    return send_stored(path, "image/jpeg")


# -- staff accounts (administrators) -------------------------------------------------------
def _accounts_page(form: AccountForm, status: int = 200):
    users = db.session.scalars(select(User).order_by(User.email)).all()
    failures = accounts.failures_by_account(db.session)
    return render_template("staff/accounts.html", users=users, form=form, failures=failures), status


@bp.get("/accounts")
@admin_required
def accounts_page():
    """Staff accounts and the form for a new one."""
    return _accounts_page(AccountForm())


@bp.post("/accounts")
@admin_required
def create_account():
    """Create a staff account (or reset an existing one's password and role)."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user, _created = accounts.create_or_update_user(
                db.session, form.email.data, form.password.data, form.role.data, by=current_staff()
            )
        except accounts.AccountError:
            db.session.rollback()
            form.email.errors.append(_("Це не схоже на адресу електронної пошти."))
        else:
            db.session.commit()
            flash(_("Обліковий запис %(email)s збережено.", email=user.email), "info")
            return redirect(url_for("staff.accounts_page"))
    return _accounts_page(form, 400)


@bp.post("/accounts/<int:user_id>/<action>")
@admin_required
def change_account(user_id: int, action: str):
    """Disable, enable, change the role of, end the sessions of, or unlock an account."""
    user = db.session.get(User, user_id) or abort(404)
    if action not in accounts.ACCOUNT_ACTIONS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    me = current_staff()
    try:
        accounts.change_account(db.session, me, user, action)
    except accounts.AccountError:
        db.session.rollback()
        flash(
            _("Власний обліковий запис вимкнути не можна.")
            if action == "disable"
            else _("Власну роль адміністратора зняти не можна."),
            "error",
        )
        return redirect(url_for("staff.accounts_page"))
    db.session.commit()
    if action == "unlock":
        flash(_("Невдалі спроби входу для %(email)s забуто.", email=user.email), "info")
    else:
        flash(_("Зміни для %(email)s збережено.", email=user.email), "info")
    if user.id == me.id and action == "end-sessions":
        return redirect(url_for("auth.login"))
    return redirect(url_for("staff.accounts_page"))
