"""Consent, recorded: the versioned wording people agree to, and who agreed to what, where.

A consent text is never edited: staff publish a new version and every old one stays as it
was. A consent names the version the person was shown, the scope (the site, the printed book
or both), who gave it and from which submission; withdrawing it keeps the row.

What the scope decides:

- A submission whose consent does not cover the site is never put on the site when it is
  approved: a new hero is created as a draft (not public), and a story or photos stay with the
  submission, where the book finds them (:func:`book_items`). So nothing it brought reaches any
  public output (page, search, API, feeds, exports), all of which read only what is published.
- Heroes and items imported from the archive format carry no consent record: they count as
  consented by the archive's staff, who gathered them (for the site and the book). Staff may
  record a consent given on paper by hand; once a hero has consents of its own, those decide
  :func:`site_allowed` and :func:`book_allowed`.
- Submissions sent before consents were recorded had to tick the site consent: they count as
  consented for the site.

Operations flush, write the audit log and never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import audit
from .archive import change_status
from .models import (
    Consent,
    ConsentScope,
    ConsentText,
    Hero,
    HeroStatus,
    Photo,
    RevisionSource,
    Story,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    User,
    utcnow,
)
from .revisions import recorded

#: Version 1: the wording the forms showed before consents were versioned (the checkbox text
#: followed by the scope reads exactly as the old label did for the site).
FIRST_VERSION = {
    "version": 1,
    "text_uk": "Я погоджуюся, щоб надіслане після перевірки опублікували",
    "text_en": "I agree that what I send may be published after it has been checked",
    "site_uk": "на сайті",
    "site_en": "on the website",
    "book_uk": "у друкованій книзі пам'яті",
    "book_en": "in the printed book of memory",
    "both_uk": "і там, і там",
    "both_en": "both",
}
#: The wording fields of a version.
TEXT_FIELDS = tuple(k for k in FIRST_VERSION if k != "version")
#: Scopes that let an item be shown on the site, and in the book.
SITE_SCOPES = (ConsentScope.SITE, ConsentScope.BOTH)
BOOK_SCOPES = (ConsentScope.BOOK, ConsentScope.BOTH)


class ConsentError(ValueError):
    """A consent that cannot be recorded as asked (unknown version or scope, empty name)."""


def ensure_first_version(session: Session) -> ConsentText:
    """Version 1 of the wording, added when the table is empty (databases made by create_all)."""
    first = session.scalar(select(ConsentText).where(ConsentText.version == 1))
    if first is None:
        try:
            with session.begin_nested():
                session.add(ConsentText(**FIRST_VERSION))
        except IntegrityError:
            pass  # a request served at the same moment added it first
        first = session.scalar(select(ConsentText).where(ConsentText.version == 1))
    assert first is not None
    return first


def current_text(session: Session) -> ConsentText:
    """The newest version of the wording: the one the forms show."""
    newest = session.scalar(select(ConsentText).order_by(ConsentText.version.desc()).limit(1))
    return newest if newest is not None else ensure_first_version(session)


def text_version(session: Session, version: object) -> ConsentText | None:
    """The wording of a version number as sent by a form, or ``None`` when there is none."""
    try:
        number = int(str(version).strip())
    except (TypeError, ValueError):
        return None
    return session.scalar(select(ConsentText).where(ConsentText.version == number))


def all_texts(session: Session) -> list[ConsentText]:
    """Every version, newest first."""
    return list(session.scalars(select(ConsentText).order_by(ConsentText.version.desc())))


def wording(text: ConsentText, scope: str, language: str) -> str:
    """What a person agreed to: the checkbox text and the scope, in one language."""
    lang = "en" if language == "en" else "uk"
    return f"{getattr(text, f'text_{lang}')} {getattr(text, f'{scope}_{lang}')}"


def publish_text(session: Session, user: User, texts: dict[str, str]) -> ConsentText:
    """Publish a new version of the wording (the old ones stay as they were)."""
    values = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    if not all(values.values()):
        raise ConsentError("every wording is required")
    newest = session.scalar(select(func.max(ConsentText.version))) or 0
    text = ConsentText(version=newest + 1, created_by_id=user.id, **values)
    session.add(text)
    session.flush()
    audit.record(
        session,
        "consent.text-publish",
        user,
        object_type="consent_text",
        object_id=text.version,
    )
    return text


def parse_scope(value: object) -> ConsentScope:
    """The scope a form sent; none at all means the site (the form's original meaning)."""
    raw = str(value or "").strip()
    if not raw:
        return ConsentScope.SITE
    try:
        return ConsentScope(raw)
    except ValueError:
        raise ConsentError("unknown scope") from None


def record_for_submission(
    session: Session, submission: Submission, text: ConsentText, scope: ConsentScope
) -> Consent:
    """The consent a submitter gave with a submission (flush only; the public gives it)."""
    consent = Consent(
        text_id=text.id,
        scope=scope,
        person_name=submission.submitter_name,
        person_relation=submission.submitter_relation or "",
        given_at=submission.created_at or utcnow(),
        submission_id=submission.id,
        hero_id=submission.hero_id,
    )
    session.add(consent)
    session.flush()
    return consent


def record_by_hand(
    session: Session,
    hero: Hero,
    user: User,
    *,
    person_name: str,
    person_relation: str,
    scope: str,
    version: object,
    given_on: dt.date,
    note: str = "",
) -> Consent:
    """A consent given outside the site (on paper, in person), recorded by staff."""
    text = text_version(session, version)
    if text is None:
        raise ConsentError("unknown consent text version")
    if not (person_name or "").strip():
        raise ConsentError("the name of who consented is required")
    consent = Consent(
        text_id=text.id,
        scope=parse_scope(scope),
        person_name=person_name.strip(),
        person_relation=(person_relation or "").strip(),
        given_at=dt.datetime.combine(given_on, dt.time(12), tzinfo=dt.UTC),
        hero_id=hero.id,
        note=(note or "").strip(),
        recorded_by_id=user.id,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        "consent.record",
        user,
        object_type="hero",
        object_id=hero.id,
        consent_id=consent.id,
        scope=consent.scope,
        version=text.version,
    )
    return consent


@dataclass
class TakenDown:
    """What the withdrawal of a consent took off the site."""

    page: bool = False
    stories: list[Story] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.page or bool(self.stories or self.photos)


def withdraw(session: Session, consent: Consent, user: User, reason: str) -> TakenDown:
    """Withdraw a consent: the row stays, with when, by whom and why, and what it let the
    site show goes off the site at once (reversibly: nothing is deleted).

    A consent given with a story or photos hides those stories and photos; a consent for the
    whole profile (given with the profile itself, or on paper for the hero) takes the profile
    off the site, unless another consent for the site still stands for it. Staff may show
    things again after talking to the family; each change is a revision."""
    if consent.withdrawn_at is not None:
        raise ConsentError("the consent is already withdrawn")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = user.id
    consent.withdrawal_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        "consent.withdraw",
        user,
        object_type="hero" if consent.hero_id else "submission",
        object_id=consent.hero_id or consent.submission_id,
        consent_id=consent.id,
    )
    return _take_down(session, consent, user, reason.strip())


def _take_down(session: Session, consent: Consent, user: User, reason: str) -> TakenDown:
    taken = TakenDown()
    hero = consent.hero
    if consent.scope not in SITE_SCOPES or hero is None:
        return taken
    why = f"consent withdrawn: {reason}"[:1000]
    submission = consent.submission
    if submission is None or submission.kind == SubmissionKind.HERO:
        others = [
            c
            for c in of_hero(session, hero)
            if c.id != consent.id
            and c.active
            and c.scope in SITE_SCOPES
            and (c.submission is None or c.submission.kind == SubmissionKind.HERO)
        ]
        if not others and hero.status == HeroStatus.PUBLISHED:
            change_status(session, hero, HeroStatus.DRAFT, user, why)
            taken.page = True
        return taken
    stories, photos = item_sources(session, hero)
    taken.stories = [s for s in hero.stories if not s.hidden and stories.get(s.id) is submission]
    taken.photos = [p for p in hero.photos if not p.hidden and photos.get(p.id) is submission]
    if taken:
        with recorded(session, hero, RevisionSource.EDIT, user, why, submission.id):
            for story in taken.stories:
                story.hidden = True
            for photo in taken.photos:
                photo.hidden = True
    return taken


def of_submission(session: Session, submission: Submission) -> Consent | None:
    """The consent recorded with a submission (none for those sent before consents were kept)."""
    return session.scalar(select(Consent).where(Consent.submission_id == submission.id))


def submission_allows_site(session: Session, submission: Submission) -> bool:
    """Whether what a submission brings may go on the site."""
    consent = of_submission(session, submission)
    if consent is None:
        return bool(submission.consent)
    return consent.active and consent.scope in SITE_SCOPES


def attach_hero(session: Session, submission: Submission) -> None:
    """Name the hero on the submission's consent (once the submission has one)."""
    consent = of_submission(session, submission)
    if consent is not None and submission.hero_id is not None:
        consent.hero_id = submission.hero_id
        session.flush()


def of_hero(session: Session, hero: Hero) -> list[Consent]:
    """Every consent concerning a hero, newest first, withdrawn ones too."""
    return list(
        session.scalars(
            select(Consent).where(Consent.hero_id == hero.id).order_by(Consent.given_at.desc())
        )
    )


def _hero_level(session: Session, hero: Hero) -> list[Consent]:
    """Consents about the hero as a whole: by hand, or with the submission that created it."""
    return [
        c
        for c in of_hero(session, hero)
        if c.submission is None or c.submission.kind == SubmissionKind.HERO
    ]


def _allowed(session: Session, hero: Hero, scopes) -> bool:
    consents = _hero_level(session, hero)
    if not consents:
        return True  # from the archive: consented by the archive's staff
    return any(c.active and c.scope in scopes for c in consents)


def site_allowed(hero: Hero, session: Session | None = None) -> bool:
    """Whether the hero's consents cover the site (heroes from the archive format do)."""
    return _allowed(session or _session_of(hero), hero, SITE_SCOPES)


def book_allowed(hero: Hero, session: Session | None = None) -> bool:
    """Whether the hero's consents cover the printed book (heroes from the archive do)."""
    return _allowed(session or _session_of(hero), hero, BOOK_SCOPES)


def _session_of(hero: Hero) -> Session:
    from sqlalchemy.orm import object_session

    session = object_session(hero)
    if session is None:
        raise ConsentError("the hero is not stored")
    return session


def _approved(session: Session, hero: Hero, kinds) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(
                Submission.hero_id == hero.id,
                Submission.status == SubmissionStatus.PUBLISHED,
                Submission.kind.in_([str(k) for k in kinds]),
            )
            .order_by(Submission.id)
            .options(selectinload(Submission.photos))
        )
    )


def item_sources(
    session: Session, hero: Hero
) -> tuple[dict[int, Submission], dict[int, Submission]]:
    """The submission each story and photo of a hero came from (by story text and by the
    photo's content hash); items from the archive format have none."""
    submissions = _approved(
        session, hero, (SubmissionKind.HERO, SubmissionKind.STORY, SubmissionKind.PHOTOS)
    )
    by_body: dict[str, Submission] = {}
    by_hash: dict[str, Submission] = {}
    for sub in submissions:
        payload = sub.payload or {}
        bodies = [payload.get("body")] if sub.kind == SubmissionKind.STORY else []
        bodies += [s.get("body") for s in payload.get("stories") or [] if isinstance(s, dict)]
        for body in bodies:
            if body:
                by_body.setdefault(body.strip(), sub)
        for photo in sub.photos:
            by_hash.setdefault(photo.sha256, sub)
    stories = {s.id: by_body[s.body.strip()] for s in hero.stories if s.body.strip() in by_body}
    photos = {p.id: by_hash[p.sha256] for p in hero.photos if p.sha256 in by_hash}
    return stories, photos


def book_items(session: Session, hero: Hero) -> list[Submission]:
    """Approved stories and photos of a hero consented for the book only: kept with their
    submission (never put on the site), for the printed book to take."""
    subs = _approved(session, hero, (SubmissionKind.STORY, SubmissionKind.PHOTOS))
    consents = consents_by_submission(session, [sub.id for sub in subs])
    return [
        sub
        for sub in subs
        if (c := consents.get(sub.id)) is not None
        and c.active
        and c.scope in BOOK_SCOPES
        and c.scope not in SITE_SCOPES
    ]


def consents_by_submission(session: Session, ids) -> dict[int, Consent]:
    """The consents of several submissions at once, by submission id."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return {
        c.submission_id: c
        for c in session.scalars(select(Consent).where(Consent.submission_id.in_(ids)))
        if c.submission_id is not None
    }
