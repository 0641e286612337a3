"""Domain operations on the archive. They change models and flush; they never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dates import PartialDate
from .models import Award, Hero, Photo, Story, Submission, SubmissionPhoto, User, utcnow
from .revisions import recorded

#: Plain text fields of a hero, in the order of the archive format.
HERO_TEXT_FIELDS = (
    "surname", "given_name", "patronymic", "call_sign",
    "birth_place", "home_community", "rank", "position", "military_unit",
    "death_place", "death_circumstances", "burial_place", "burial_plot", "biography",
)
HERO_DATE_FIELDS = ("birth_date", "death_date")


@dataclass
class PhotoInput:
    """A photo to attach: stored file facts plus caption and portrait flag."""

    file_path: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    caption: str | None = None
    primary: bool = False


@dataclass
class HeroInput:
    """A validated hero record, ready to be written."""

    external_id: str
    fields: dict
    awards: list[dict] = field(default_factory=list)
    stories: list[dict] = field(default_factory=list)
    photos: list[PhotoInput] = field(default_factory=list)
    status: str = "published"


def set_status(hero: Hero, status: str) -> None:
    """Publish or unpublish a hero; the first publication time is kept."""
    hero.status = status
    if status == "published" and hero.published_at is None:
        hero.published_at = utcnow()


def apply_fields(hero: Hero, fields: dict) -> None:
    """Copy plain and date fields onto a hero; empty strings become ``None``."""
    for name in HERO_TEXT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(hero, name, value.strip() if isinstance(value, str) and value.strip() else
                    (None if name not in ("surname", "given_name") else value))
    for name in HERO_DATE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(hero, name, value if isinstance(value, PartialDate) else PartialDate.parse(value))


def replace_awards(hero: Hero, awards: list[dict]) -> None:
    """Make the hero's awards exactly ``awards`` (in order)."""
    hero.awards.clear()
    for pos, award in enumerate(awards):
        hero.awards.append(Award(
            position=pos, name=award["name"], date=PartialDate.parse(award.get("date")),
            posthumous=bool(award.get("posthumous", False)),
        ))


def replace_stories(hero: Hero, stories: list[dict]) -> None:
    """Make the hero's stories exactly ``stories`` (in order)."""
    hero.stories.clear()
    for pos, story in enumerate(stories):
        hero.stories.append(Story(
            position=pos, title=story.get("title") or "", body=story["body"],
            author_name=story.get("author_name") or "",
            author_relation=story.get("author_relation") or "",
            date=PartialDate.parse(story.get("date")),
        ))


def sync_photos(session: Session, hero: Hero, photos: list[PhotoInput]) -> None:
    """Make the hero's photos match ``photos``; a photo already stored (same checksum) is kept."""
    existing = {p.sha256: p for p in hero.photos}
    wanted: list[Photo] = []
    for photo in photos:
        row = existing.pop(photo.sha256, None)
        if row is None:
            row = Photo(file_path=photo.file_path, sha256=photo.sha256,
                        size_bytes=photo.size_bytes, width=photo.width, height=photo.height)
        wanted.append(row)
    for row in existing.values():
        hero.photos.remove(row)
    # Clear portrait flags first so the one-portrait constraint holds at every flush.
    for row in hero.photos:
        row.is_primary = False
    session.flush()
    for pos, (row, photo) in enumerate(zip(wanted, photos)):
        row.position = pos
        row.caption = photo.caption
        if row not in hero.photos:
            hero.photos.append(row)
    session.flush()
    primary = next((r for r, p in zip(wanted, photos) if p.primary), None)
    if primary is None and wanted:
        primary = wanted[0]
    if primary is not None:
        primary.is_primary = True


def upsert_hero(session: Session, record: HeroInput, *, source: str = "import",
                user: User | None = None, reason: str = "",
                submission_id: int | None = None) -> tuple[Hero, bool]:
    """Create or update the hero with ``record.external_id``; return it and whether it is new.

    The change is kept as a revision (``source`` says whether by import or moderation).
    """
    hero = session.scalar(select(Hero).where(Hero.external_id == record.external_id))
    created = hero is None
    if created:
        hero = Hero(external_id=record.external_id, status="draft")
    with recorded(session, hero, source, user, reason, submission_id):
        if created:
            session.add(hero)
        apply_fields(hero, record.fields)
        replace_awards(hero, record.awards)
        replace_stories(hero, record.stories)
        session.flush()
        sync_photos(session, hero, record.photos)
        set_status(hero, record.status)
        session.flush()
    return hero, created


# --- Submissions and moderation -----------------------------------------------------------

#: Letters and digits that cannot be mistaken for one another when read aloud or retyped.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: Fields a correction may change.
CORRECTABLE_FIELDS = HERO_TEXT_FIELDS + HERO_DATE_FIELDS


class ModerationError(ValueError):
    """A moderation step that cannot be taken in the submission's current state."""


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


def submit(session: Session, kind: str, payload: dict, submitter: dict,
           photos: list[PhotoInput] = (), hero: Hero | None = None) -> Submission:
    """Record a submission from the public with its stored photos (flush only)."""
    submission = Submission(
        reference=new_reference(), kind=kind, status="received",
        hero_id=hero.id if hero is not None else None, payload=payload, original=dict(payload),
        submitter_name=submitter["submitter_name"],
        submitter_relation=submitter.get("submitter_relation") or "",
        submitter_email=submitter.get("submitter_email") or None,
        submitter_phone=submitter.get("submitter_phone") or None,
        consent=bool(submitter.get("consent")),
    )
    for pos, photo in enumerate(photos):
        submission.photos.append(SubmissionPhoto(
            position=pos, file_path=photo.file_path, caption=photo.caption, width=photo.width,
            height=photo.height, size_bytes=photo.size_bytes, sha256=photo.sha256))
    session.add(submission)
    session.flush()
    return submission


def _require_open(submission: Submission) -> None:
    if not submission.is_open:
        raise ModerationError("the submission has already been decided")


def edit_submission(submission: Submission, payload: dict, captions: list[str | None]) -> None:
    """Change what will be published (the submitter's original is kept apart)."""
    _require_open(submission)
    submission.payload = {**submission.payload, **payload}
    for photo, caption in zip(submission.photos, captions):
        photo.caption = caption or None


def ask_for_information(submission: Submission, user: User, question: str) -> None:
    """Ask the submitter a question; they see it on the status page."""
    _require_open(submission)
    submission.status = "needs_info"
    submission.question = question
    submission.decided_by_id = user.id


def answer_question(submission: Submission, answer: str) -> None:
    """The submitter's answer to a moderator's question; the submission is back in the queue."""
    if submission.status != "needs_info":
        raise ModerationError("no question is waiting for an answer")
    previous = f"{submission.answer}\n\n" if submission.answer else ""
    submission.answer = previous + answer
    submission.status = "received"


def reject(submission: Submission, user: User, reason: str) -> None:
    """Decline a submission with a reason the submitter will see; nothing is deleted."""
    _require_open(submission)
    submission.status = "rejected"
    submission.reason = reason
    submission.decided_at = utcnow()
    submission.decided_by_id = user.id


def _submission_photo_inputs(submission: Submission) -> list[PhotoInput]:
    return [PhotoInput(p.file_path, p.sha256, p.size_bytes, p.width, p.height, p.caption)
            for p in submission.photos]


def approve(session: Session, submission: Submission, user: User, reason: str = "") -> Hero:
    """Publish what a submission brings; the hero changes with a revision (flush only)."""
    _require_open(submission)
    payload = submission.payload
    why = reason or f"{submission.reference}"
    if submission.kind == "hero":
        hero, _ = upsert_hero(session, HeroInput(
            external_id=f"submission-{submission.reference.lower()}",
            fields={k: payload.get(k) for k in (*HERO_TEXT_FIELDS, *HERO_DATE_FIELDS)},
            awards=payload.get("awards") or [], stories=payload.get("stories") or [],
            photos=_submission_photo_inputs(submission), status="published",
        ), source="moderation", user=user, reason=why, submission_id=submission.id)
    else:
        hero = submission.hero
        assert hero is not None
        with recorded(session, hero, "moderation", user, why, submission.id):
            if submission.kind == "story":
                hero.stories.append(Story(
                    position=len(hero.stories), title=payload.get("title") or "",
                    body=payload["body"], author_name=payload.get("author_name") or "",
                    author_relation=payload.get("author_relation") or "",
                    date=PartialDate.parse(payload.get("date"))))
            elif submission.kind == "photos":
                kept = [PhotoInput(p.file_path, p.sha256, p.size_bytes, p.width, p.height,
                                   p.caption, p.is_primary) for p in hero.photos]
                known = {p.sha256 for p in kept}
                added = [p for p in _submission_photo_inputs(submission) if p.sha256 not in known]
                sync_photos(session, hero, kept + added)
            elif submission.kind == "correction":
                apply_fields(hero, {payload["field"]: payload.get("value") or ""})
    submission.hero_id = hero.id
    submission.status = "published"
    submission.decided_at = utcnow()
    submission.decided_by_id = user.id
    session.flush()
    return hero


def edit_hero(session: Session, hero: Hero, fields: dict, user: User, reason: str) -> None:
    """A staff edit of a hero's fields, kept as a revision."""
    with recorded(session, hero, "edit", user, reason):
        apply_fields(hero, fields)


def change_status(session: Session, hero: Hero, status: str, user: User, reason: str) -> None:
    """Publish or unpublish (the reversible deletion) a hero, kept as a revision."""
    with recorded(session, hero, "publish" if status == "published" else "unpublish", user,
                  reason):
        set_status(hero, status)


def restore_revision(session: Session, revision, user: User, reason: str = "") -> None:
    """Bring the hero back to the state recorded after ``revision``; itself a new revision."""
    hero = revision.hero
    state = revision.after
    with recorded(session, hero, "restore", user, reason, restored_from_id=revision.id):
        apply_fields(hero, {k: state.get(k) for k in (*HERO_TEXT_FIELDS, *HERO_DATE_FIELDS)})
        replace_awards(hero, state.get("awards") or [])
        replace_stories(hero, state.get("stories") or [])
        session.flush()
        sync_photos(session, hero, [
            PhotoInput(p["file"], p["sha256"], p["size_bytes"], p["width"], p["height"],
                       p.get("caption"), bool(p.get("primary")))
            for p in state.get("photos") or []])
        set_status(hero, state.get("status") or "draft")
