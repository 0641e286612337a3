"""What families send, and how moderators decide it: operations that flush, log themselves in
the audit log, and never commit.

A submission is decided exactly once: its status leaves the open states in one step, and a
second moderator acting on a decided submission gets :class:`ModerationError`.
"""

from __future__ import annotations

import difflib
import secrets

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session

from . import audit, consent, interviews, veterans
from .archive import add_photos, add_story, apply_fields, upsert_hero
from .dates import to_iso_date
from .language import first_letter, fold
from .models import (
    OPEN_SUBMISSION_STATUSES,
    Hero,
    HeroCollection,
    HeroStatus,
    RevisionSource,
    Submission,
    SubmissionKind,
    SubmissionPhoto,
    SubmissionStatus,
    User,
    utcnow,
)
from .provenance import NotNotified
from .records import (
    HERO_DATE_FIELDS,
    HERO_FIELDS,
    VETERAN_FIELDS,
    HeroInput,
    PhotoInput,
    photo_inputs,
)
from .revisions import recorded

#: Letters and digits that cannot be mistaken for one another when read aloud or retyped.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: Fields a correction may change.
CORRECTABLE_FIELDS = HERO_FIELDS


class ModerationError(ValueError):
    """A moderation step that cannot be taken in the submission's current state.

    ``decided_by``: the e-mail address of the moderator who decided it, when one did.
    """

    def __init__(self, message: str, decided_by: str | None = None) -> None:
        super().__init__(message)
        self.decided_by = decided_by


def new_reference() -> str:
    """An unguessable, readable reference code such as ``MEM-7K2F-9QX4`` (about 40 bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"MEM-{chars[:4]}-{chars[4:]}"


def normalize_reference(text: str) -> str:
    """The canonical form of a reference code as a person may type it (case, spaces, dashes)."""
    chars = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    chars = chars.removeprefix("MEM")
    if len(chars) != 8 or any(ch not in REFERENCE_ALPHABET for ch in chars):
        return ""
    return f"MEM-{chars[:4]}-{chars[4:]}"


def find(session: Session, code: str) -> Submission | None:
    """The submission a reference code names, as a person may type it."""
    reference = normalize_reference(code)
    if not reference:
        return None
    return session.scalar(select(Submission).where(Submission.reference == reference))


def correction_value(field: str, value: str | None) -> str | None:
    """A corrected value as it will be stored: a date field's value in ISO form.

    Raises ``ValueError`` for a date field whose value is not a date.
    """
    if field in HERO_DATE_FIELDS:
        return to_iso_date(value)
    return value


def submit(
    session: Session,
    kind: str,
    payload: dict,
    submitter: dict,
    photos: list[PhotoInput] | tuple = (),
    hero: Hero | None = None,
) -> Submission:
    """Record a submission from the public with its stored photos (flush only)."""
    submission = Submission(
        reference=new_reference(),
        kind=SubmissionKind(kind),
        status=SubmissionStatus.RECEIVED,
        hero_id=hero.id if hero is not None else None,
        payload=payload,
        original=dict(payload),
        submitter_name=submitter["submitter_name"],
        submitter_relation=submitter.get("submitter_relation") or "",
        submitter_email=submitter.get("submitter_email") or None,
        submitter_phone=submitter.get("submitter_phone") or None,
        consent=bool(submitter.get("consent")),
    )
    for pos, photo in enumerate(photos):
        submission.photos.append(
            SubmissionPhoto(
                position=pos,
                file_path=photo.file_path,
                caption=photo.caption,
                width=photo.width,
                height=photo.height,
                size_bytes=photo.size_bytes,
                sha256=photo.sha256,
            )
        )
    session.add(submission)
    session.flush()
    if submission.consent:
        _record_consent(session, submission, submitter)
    return submission


def _record_consent(session: Session, submission: Submission, submitter: dict) -> None:
    """The consent given with a submission: the wording version the form showed (the newest
    when the form did not say) and the scope (the site when it did not say).

    Raises :class:`consent.ConsentError` for an unknown version or scope.
    """
    shown = submitter.get("consent_version")
    if shown in (None, ""):
        text = consent.current_text(session)
    else:
        found = consent.text_version(session, shown)
        if found is None:
            raise consent.ConsentError("unknown consent text version")
        text = found
    scope = consent.parse_scope(submitter.get("consent_scope"))
    consent.record_for_submission(session, submission, text, scope)


def _decided(session: Session, submission: Submission) -> ModerationError:
    """The error for a submission someone else has decided, naming who did."""
    email = session.scalar(
        select(User.email)
        .join(Submission, Submission.decided_by_id == User.id)
        .where(Submission.id == submission.id)
    )
    return ModerationError("the submission has already been decided", email)


def _claim(session: Session, submission: Submission, allowed, **values) -> None:
    """Move the submission out of the states ``allowed`` in one conditional UPDATE, so of two
    moderators acting at once exactly one goes on; the other gets :class:`ModerationError`.

    The row stays locked (PostgreSQL) or the database stays reserved (SQLite) until the
    transaction ends; the submission is then reloaded, so what follows sees what was
    committed before.
    """
    if submission.status not in allowed:
        raise _decided(session, submission)
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status.in_(list(allowed)))
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _decided(session, submission)
    session.refresh(submission)


def _require_open(session: Session, submission: Submission) -> None:
    _claim(session, submission, OPEN_SUBMISSION_STATUSES)


def _log(session: Session, action: str, user: User, submission: Submission, **detail) -> None:
    audit.record(
        session,
        f"submission.{action}",
        user,
        object_type="submission",
        object_id=submission.reference,
        **detail,
    )


def edit_submission(
    session: Session, submission: Submission, payload: dict, captions: list[str | None], user: User
) -> None:
    """Change what will be published (the submitter's original is kept apart)."""
    _require_open(session, submission)
    submission.payload = {**submission.payload, **payload}
    for photo, caption in zip(submission.photos, captions, strict=False):
        photo.caption = caption or None
    _log(session, "edit", user, submission)


def ask_for_information(
    session: Session, submission: Submission, user: User, question: str
) -> None:
    """Ask the submitter a question; they see it on the status page.

    Asking decides the submission for a while: until the answer comes, another moderator's
    question is refused (approving or rejecting is not).
    """
    _claim(
        session,
        submission,
        (SubmissionStatus.RECEIVED,),
        status=SubmissionStatus.NEEDS_INFO,
        question=question,
        decided_by_id=user.id,
    )
    _log(session, "ask", user, submission)


def answer_question(submission: Submission, answer: str) -> bool:
    """The submitter's answer to a moderator's question; the submission is back in the queue.

    Returns ``False`` (and keeps nothing) when a moderator decided the submission meanwhile:
    an answer never reopens a decided submission.
    """
    if submission.status != SubmissionStatus.NEEDS_INFO:
        raise ModerationError("no question is waiting for an answer")
    session = object_session(submission)
    if session is None:
        raise ModerationError("the submission is not stored")
    previous = f"{submission.answer}\n\n" if submission.answer else ""
    try:
        _claim(
            session,
            submission,
            (SubmissionStatus.NEEDS_INFO,),
            status=SubmissionStatus.RECEIVED,
            answer=previous + answer,
        )
    except ModerationError:
        return False
    return True


def reject(session: Session, submission: Submission, user: User, reason: str) -> None:
    """Decline a submission with a reason the submitter will see; nothing is deleted."""
    _claim(
        session,
        submission,
        OPEN_SUBMISSION_STATUSES,
        status=SubmissionStatus.REJECTED,
        reason=reason,
        decided_at=utcnow(),
        decided_by_id=user.id,
    )
    _log(session, "reject", user, submission)


def held(submission: Submission) -> bool:
    """Whether the submission waits for its hero to be unfrozen before it may be approved."""
    return (
        submission.kind != SubmissionKind.FAMILY_REQUEST
        and submission.hero is not None
        and submission.hero.is_frozen
    )


def claim_decision(session: Session, submission: Submission, user: User) -> None:
    """Mark an open submission as done by ``user`` (one moderator wins, as in :func:`approve`)."""
    _claim(
        session,
        submission,
        OPEN_SUBMISSION_STATUSES,
        status=SubmissionStatus.PUBLISHED,
        decided_at=utcnow(),
        decided_by_id=user.id,
    )


def is_veteran_submission(submission: Submission) -> bool:
    """Whether a submission brings a living veteran's story."""
    return (
        submission.kind == SubmissionKind.HERO
        and (submission.payload or {}).get("collection") == HeroCollection.VETERAN
    )


def approve(
    session: Session,
    submission: Submission,
    user: User,
    reason: str = "",
    notified: bool = False,
    safety: list[str] | None = None,
) -> Hero:
    """Publish what a submission brings; the hero changes with a revision (flush only).

    The submission is claimed first (a conditional UPDATE): of moderators approving at once,
    one publishes and the others get :class:`ModerationError`. A family's request is decided
    by :func:`memorial.family.accept`; a submission about a frozen hero waits. A new hero is
    published only when the moderator confirms (``notified``) that the family was officially
    notified; otherwise :class:`memorial.provenance.NotNotified` is raised before anything
    changes.
    """
    if submission.kind == SubmissionKind.FAMILY_REQUEST:
        raise ModerationError("a family's request is accepted with its identity checks")
    if held(submission):
        raise ModerationError("the hero is frozen while relatives disagree")
    veteran = is_veteran_submission(submission)
    if veteran:
        # A living person: no notification of death; the photos are checked for the safety
        # of others instead (raises SafetyNotChecked before anything changes).
        safety = veterans.check_safety(safety)
    elif submission.kind == SubmissionKind.HERO and not notified:
        raise NotNotified("the family's official notification is not confirmed")
    _claim(
        session,
        submission,
        OPEN_SUBMISSION_STATUSES,
        status=SubmissionStatus.PUBLISHED,
        decided_at=utcnow(),
        decided_by_id=user.id,
    )
    payload = submission.payload
    why = reason or f"{submission.reference}"
    # Without consent for the site nothing reaches it: a new hero stays a draft, a story or
    # photos stay with the submission (for the book).
    on_site = consent.submission_allows_site(session, submission)
    if submission.kind == SubmissionKind.HERO:
        fields = {k: payload.get(k) for k in HERO_FIELDS}
        photos = photo_inputs(submission.photos)
        if veteran:
            fields.update({k: payload.get(k) for k in VETERAN_FIELDS})
            fields["collection"] = HeroCollection.VETERAN
            for photo in photos:
                photo.hidden = bool(payload.get("photos_hidden"))
        hero, _ = upsert_hero(
            session,
            HeroInput(
                external_id=f"submission-{submission.reference.lower()}",
                fields=fields,
                awards=payload.get("awards") or [],
                stories=payload.get("stories") or [],
                photos=photos,
                status=HeroStatus.PUBLISHED if on_site else HeroStatus.DRAFT,
            ),
            source=RevisionSource.MODERATION,
            user=user,
            reason=why,
            submission_id=submission.id,
        )
        if veteran:
            secret = payload.get("withdraw") or {}
            hero.withdraw_code_hash = secret.get("code_hash")
            hero.withdraw_token_hash = secret.get("token_hash")
            audit.record(
                session,
                "veteran.safety_checked",
                user,
                object_type="hero",
                object_id=hero.id,
                checks=safety,
            )
        else:
            audit.record(session, "hero.notified", user, object_type="hero", object_id=hero.id)
    else:
        if submission.hero is None:
            raise ModerationError("the submission is not about a hero")
        hero = submission.hero
        if on_site or submission.kind == SubmissionKind.CORRECTION:
            with recorded(session, hero, RevisionSource.MODERATION, user, why, submission.id):
                if submission.kind == SubmissionKind.STORY:
                    add_story(hero, payload)
                elif submission.kind == SubmissionKind.PHOTOS:
                    add_photos(session, hero, photo_inputs(submission.photos))
                elif submission.kind == SubmissionKind.CORRECTION:
                    apply_fields(hero, {payload["field"]: payload.get("value") or ""})
    submission.hero_id = hero.id
    interviews.attach_to_hero(session, submission.id, hero.id, public=on_site)
    consent.attach_hero(session, submission)
    submission.status = SubmissionStatus.PUBLISHED
    submission.decided_at = utcnow()
    submission.decided_by_id = user.id
    session.flush()
    _log(session, "approve", user, submission, hero_id=hero.id)
    return hero


#: First letters that people confuse when typing a name (so a duplicate may sit under either).
_LOOKALIKE_LETTERS = ("ГҐ", "ИІЇЙ", "ЕЄЭ")


def possible_duplicates(session: Session, payload: dict, limit: int = 10) -> list[tuple[Hero, int]]:
    """Heroes whose name is the same or close and whose dates do not contradict the payload,
    with how alike the names are (per cent)."""
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
            query = query.where(or_(column.is_(None), column.between(int(year) - 1, int(year) + 1)))
    scored = []
    for hero in session.scalars(query):
        ratio = difflib.SequenceMatcher(
            None, wanted, fold(f"{hero.surname} {hero.given_name}")
        ).ratio()
        if ratio >= 0.75:
            scored.append((hero, round(ratio * 100)))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]
