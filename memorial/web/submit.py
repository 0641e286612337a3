"""Public submissions: a new hero, a story, photos, or a correction; and their status.

Nothing sent here is public until a moderator approves it. The submitter's contact is kept
on the submission only. Photos are judged by content, re-encoded without any metadata and
stored under server-chosen names before the submission is committed.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from .. import family, interviews, media, submissions, veterans
from ..extensions import db, limiter
from ..models import Hero, SubmissionKind, SubmissionStatus
from ..records import PhotoInput, public_view
from .forms import (
    AnswerForm,
    CorrectionForm,
    FamilyRequestForm,
    NewHeroForm,
    PhotosForm,
    StatusForm,
    StoryForm,
    VeteranForm,
)
from .labels import FIELD_LABELS
from .public import load_published_hero
from .recordings import start_interview_conversion
from .templating import public_url

log = logging.getLogger(__name__)
bp = Blueprint("submit", __name__)

_DONE_KEY = "submitted_reference"
#: The withdrawal code and link of a veteran's submission, shown once on the next page.
_WITHDRAW_KEY = "veteran_withdrawal"


def _submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


def _status_limit() -> str:
    return current_app.config["STATUS_RATE_LIMIT"]


@bp.app_errorhandler(CSRFError)
def csrf_refused(exc: CSRFError):
    """A form without a valid token: say what happened and what to do; nothing was saved."""
    return render_template(
        "submit/refused.html",
        title=_("Форму не прийнято"),
        message=_(
            "Сторінка з формою застаріла або відкрита надто давно, тож ми не можемо перевірити, "
            "що її надіслали ви. Нічого не збережено. Поверніться назад, оновіть сторінку "
            "і надішліть форму ще раз."
        ),
    ), 400


def _honeypot_refused(form):
    """A form whose hidden field was filled in (robots do that) is refused."""
    if request.method == "POST" and (form.website.data or "").strip():
        log.info("submission refused by the honeypot from %s", request.remote_addr)
        return render_template(
            "submit/refused.html",
            title=_("Форму не прийнято"),
            message=_(
                "Форму заповнено так, як це роблять програми-спамери, тому її не прийнято. "
                "Якщо ви людина, залиште порожнім поле «Не заповнюйте це поле» і надішліть ще "
                "раз."
            ),
        ), 400
    return None


def _store_photos(form, written: list) -> list[PhotoInput]:
    """Write the accepted photos (already re-encoded) and describe them for the submission."""
    data_dir = current_app.config["DATA_DIR"]
    inputs = []
    for (clean, ext, width, height), caption in zip(
        form.accepted_photos, form.caption_list(), strict=True
    ):
        stored = media.write_clean(data_dir, clean, ext, width, height, written)
        inputs.append(PhotoInput.stored(stored, caption))
    return inputs


def _save(form, kind: str, payload: dict, hero: Hero | None = None, secrets=None):
    """Store the photos, record the submission, commit once, and show the reference code
    (and, for a veteran, the private withdrawal code and link, once).

    An interview sent with it waits with the submission (no hero yet) and is converted in
    the background, so the moderator hears the cleaned file; approval gives it to the hero."""
    written: list = list(getattr(form, "written_files", []))
    recording = getattr(form, "accepted_recording", None)
    interview = None
    try:
        photos = _store_photos(form, written) if hasattr(form, "accepted_photos") else []
        submission = submissions.submit(db.session, kind, payload, form.submitter(), photos, hero)
        if recording is not None:
            interview = interviews.add_interview(
                db.session,
                data_dir=current_app.config["DATA_DIR"],
                original_path=recording[0],
                found=recording[2],
                submission_id=submission.id,
                title=payload.get("title") or "",
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if interview is not None:
        start_interview_conversion(interview.id)
    session[_DONE_KEY] = submission.reference
    if secrets is not None:
        session[_WITHDRAW_KEY] = {"code": secrets.code, "token": secrets.token}
    return redirect(url_for("submit.done"))


def _render(template: str, form, hero: Hero | None = None, **extra):
    status = 400 if request.method == "POST" else 200
    if hasattr(form, "discard_recording"):
        # A form shown again keeps its typed text; a stored upload would only be an orphan.
        form.discard_recording()
    return render_template(template, form=form, hero=hero, **extra), status


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def new_hero():
    """A new hero profile, with photos."""
    form = NewHeroForm()
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        return _save(form, SubmissionKind.HERO, form.payload())
    return _render("submit/hero.html", form)


@bp.route("/submit/veteran", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def veteran():
    """A living veteran's story, told by themselves or by a relative, from a phone. A form
    refused for one field (a photo that failed, say) comes back with every typed word."""
    form = VeteranForm()
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        fresh = veterans.new_secrets()
        payload = {**form.payload(), "withdraw": veterans.secrets_payload(fresh)}
        return _save(form, SubmissionKind.HERO, payload, secrets=fresh)
    return _render("submit/veteran.html", form)


def _published_hero(hero_id: int) -> Hero:
    """The published person (one of the fallen or a veteran) a form is about, or 404."""
    return load_published_hero(str(hero_id), collection=None)


@bp.route("/submit/story/<int:hero_id>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def story(hero_id: int):
    """A memory of a published hero."""
    hero = _published_hero(hero_id)
    form = StoryForm()
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        return _save(form, SubmissionKind.STORY, form.payload(), hero)
    return _render("submit/story.html", form, hero)


@bp.route("/submit/photos/<int:hero_id>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def photos(hero_id: int):
    """Photos of a published hero, several at once, with captions."""
    hero = _published_hero(hero_id)
    form = PhotosForm()
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        return _save(form, SubmissionKind.PHOTOS, {}, hero)
    return _render("submit/photos.html", form, hero)


@bp.route("/submit/correction/<int:hero_id>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def correction(hero_id: int):
    """A correction of one published field ("повідомити про неточність")."""
    hero = _published_hero(hero_id)
    form = CorrectionForm()
    if request.method == "GET" and request.args.get("field") in submissions.CORRECTABLE_FIELDS:
        form.field.data = request.args["field"]
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        payload = {
            "field": form.field.data,
            "value": submissions.correction_value(form.field.data, form.value.data),
            "note": form.note.data or "",
        }
        return _save(form, SubmissionKind.CORRECTION, payload, hero)
    return _render("submit/correction.html", form, hero)


@bp.route("/submit/family/<int:hero_id>", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def family_request(hero_id: int):
    """A relative asks to hide or correct the profile, a photo, a story or a fact."""
    hero = public_view(_published_hero(hero_id))
    form = FamilyRequestForm(hero)
    if (refused := _honeypot_refused(form)) is not None:
        return refused
    if form.validate_on_submit():
        kind, item_id, name = form.target_parts()
        payload = family.request_payload(
            kind,
            form.ask.data,
            item_id=item_id,
            field=name,
            value=form.value.data or "",
            how=form.how.data or "",
        )
        return _save(form, SubmissionKind.FAMILY_REQUEST, payload, hero.hero)
    return _render("submit/family.html", form, hero)


@bp.get("/submit/done")
def done():
    """The reference code of what was just sent, and what happens next."""
    reference = session.get(_DONE_KEY)
    if not reference:
        return redirect(url_for("submit.status"))
    withdrawal = session.pop(_WITHDRAW_KEY, None)
    link = public_url("veterans.withdraw_link", token=withdrawal["token"]) if withdrawal else None
    return render_template(
        "submit/done.html", reference=reference, withdrawal=withdrawal, withdraw_link=link
    )


@bp.route("/submit/status", methods=["GET", "POST"])
@limiter.limit(_status_limit, methods=["POST"])
def status():
    """The submitter types the reference code and sees where the submission stands."""
    form = StatusForm()
    found = None
    code = 200
    if form.validate_on_submit():
        found = submissions.find(db.session, form.code.data)
        if found is None:
            form.code.errors.append(
                _(
                    "Звернення з таким кодом не знайдено. Перевірте код: "
                    "він має вигляд MEM-7K2F-9QX4."
                )
            )
            code = 404
    elif request.method == "POST":
        code = 400
    # The box for an answer is there only while a moderator waits for one.
    waiting = found is not None and found.status == SubmissionStatus.NEEDS_INFO
    answer = AnswerForm(formdata=None, code=found.reference) if waiting else None
    return render_template(
        "submit/status.html", form=form, submission=found, answer=answer, labels=FIELD_LABELS
    ), code


@bp.post("/submit/status/answer")
@limiter.limit(_submit_limit)
def answer():
    """The submitter answers the moderator's question.

    An answer that can no longer be taken (the submission was decided meanwhile) is never
    dropped silently: the page says so and shows the text back, to keep or send anew.
    """
    form = AnswerForm()
    found = submissions.find(db.session, form.code.data or "") if form.code.data else None
    if found is None:
        abort(404)
    if found.status == SubmissionStatus.NEEDS_INFO and form.validate_on_submit():
        taken = submissions.answer_question(found, form.answer.data)
        db.session.commit()
        db.session.refresh(found)
        if taken:
            return _status_page(found, answered=True)
    elif found.status == SubmissionStatus.NEEDS_INFO:
        return _status_page(found, answer=form, code=400)
    return _status_page(found, not_taken=(form.answer.data or "").strip(), code=409)


def _status_page(found, answer=None, code: int = 200, **flags):
    """The status page of one submission, with the answer form when one is given."""
    return render_template(
        "submit/status.html",
        form=StatusForm(formdata=None),
        submission=found,
        answer=answer,
        labels=FIELD_LABELS,
        **flags,
    ), code
