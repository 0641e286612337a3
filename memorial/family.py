"""A family's requests about a profile, and the marks staff put on photos and stories.

A relative asks to hide or to correct the whole profile, one photo, one story or one fact.
A moderator first records how the relation was confirmed, then decides; every outcome is a
revision of the hero (or the reversible unpublishing) and an audit entry, and can be undone
from the staff's hero page. While relatives disagree a moderator freezes the profile: the
public may still send stories, photos and corrections, but none is approved until it is
unfrozen. Operations flush and never commit.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from . import audit
from .archive import change_status, edit_hero
from .models import Hero, HeroStatus, Photo, RevisionSource, Story, Submission, User, utcnow
from .records import HERO_DATE_FIELDS, HIDEABLE_FIELDS
from .revisions import recorded
from .submissions import ModerationError, claim_decision, correction_value


class Target(StrEnum):
    """What a family's request is about."""

    HERO = "hero"
    PHOTO = "photo"
    STORY = "story"
    FIELD = "field"


class Ask(StrEnum):
    """What the family asks for."""

    HIDE = "hide"
    CORRECT = "correct"


class IdentityCheck(StrEnum):
    """How a moderator confirmed that the person asking is a relative."""

    CALLED_BACK = "called_back"
    DOCUMENT_SEEN = "document_seen"
    KNOWN_TO_STAFF = "known_to_staff"
    OTHER = "other"


class Mark(StrEnum):
    """A mark on a photo or a story."""

    HIDDEN = "hidden"
    SENSITIVE = "sensitive"


def request_payload(
    target: str, ask: str, *, item_id: int | None, field: str | None, value: str, how: str
) -> dict:
    """The payload of a family's request; ``ValueError`` when it does not hold together."""
    target, ask = Target(target), Ask(ask)
    if target in (Target.PHOTO, Target.STORY) and not item_id:
        raise ValueError("item")
    if target == Target.FIELD and field not in HIDEABLE_FIELDS:
        raise ValueError("field")
    if ask == Ask.CORRECT:
        if target in (Target.HERO,) or not value.strip():
            raise ValueError("value")
        if target == Target.FIELD:
            value = correction_value(field or "", value) or ""
    return {
        "target": str(target),
        "ask": str(ask),
        "item_id": item_id if target in (Target.PHOTO, Target.STORY) else None,
        "field": field if target == Target.FIELD else None,
        "value": value.strip() if ask == Ask.CORRECT else "",
        "how": how.strip(),
    }


def _item(hero: Hero, target: str, item_id) -> Photo | Story:
    items = hero.photos if target == Target.PHOTO else hero.stories
    found = next((i for i in items if i.id == item_id), None)
    if found is None:
        raise ModerationError("the photo or story is no longer there")
    return found


def accept(
    session: Session,
    submission: Submission,
    user: User,
    checks: list[str],
    note: str = "",
    reason: str = "",
) -> Hero:
    """Do what the family asked, after the moderator recorded how the relation was confirmed
    (at least one check; "other" needs a note). Kept as a revision and in the audit log."""
    checks = [str(IdentityCheck(c)) for c in checks]
    if not checks:
        raise ModerationError("say how the relation was confirmed")
    if IdentityCheck.OTHER in checks and not note.strip():
        raise ModerationError("describe the other way the relation was confirmed")
    hero = submission.hero
    if hero is None:
        raise ModerationError("the submission is not about a hero")
    payload = dict(submission.payload)
    target, ask = payload["target"], payload["ask"]
    identity = {"checks": checks, "note": note.strip()}
    claim_decision(session, submission, user)
    submission.payload = {**payload, "identity": identity}
    why = reason or f"{submission.reference}"
    if target == Target.HERO:
        change_status(session, hero, HeroStatus.DRAFT, user, why)
    elif ask == Ask.HIDE and target == Target.FIELD:
        with recorded(session, hero, RevisionSource.MODERATION, user, why, submission.id):
            hidden = list(hero.hidden_fields or [])
            if payload["field"] not in hidden:
                hidden.append(payload["field"])
            hero.hidden_fields = hidden
    elif ask == Ask.HIDE:
        with recorded(session, hero, RevisionSource.MODERATION, user, why, submission.id):
            _item(hero, target, payload["item_id"]).hidden = True
    elif target == Target.FIELD:
        edit_hero(session, hero, {payload["field"]: payload["value"]}, user, why)
    else:
        with recorded(session, hero, RevisionSource.EDIT, user, why, submission.id):
            item = _item(hero, target, payload["item_id"])
            if isinstance(item, Photo):
                item.caption = payload["value"][:1000]
            else:
                item.body = payload["value"]
    session.flush()
    audit.record(
        session,
        "submission.approve",
        user,
        object_type="submission",
        object_id=submission.reference,
        hero_id=hero.id,
        identity=identity,
    )
    return hero


def set_mark(
    session: Session, hero: Hero, item: Photo | Story, mark: str, on: bool, user: User, reason: str
) -> None:
    """Hide or show, mark or unmark as sensitive, one photo or story of ``hero``."""
    mark = Mark(mark)
    if item.hero_id != hero.id:
        raise ValueError("the item belongs to another hero")
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        setattr(item, mark.value, on)
    kind = "photo" if isinstance(item, Photo) else "story"
    audit.record(
        session,
        f"{kind}.{'' if on else 'un'}{'hide' if mark == Mark.HIDDEN else 'mark_sensitive'}",
        user,
        object_type=kind,
        object_id=item.id,
        hero_id=hero.id,
    )


def set_field_hidden(
    session: Session, hero: Hero, field: str, on: bool, user: User, reason: str
) -> None:
    """Hide one fact of the hero from the public, or show it again."""
    if field not in HIDEABLE_FIELDS:
        raise ValueError(field)
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        hidden = [f for f in (hero.hidden_fields or []) if f != field]
        if on:
            hidden.append(field)
        hero.hidden_fields = hidden or None
    audit.record(
        session,
        "hero.hide_field" if on else "hero.unhide_field",
        user,
        object_type="hero",
        object_id=hero.id,
        field=field,
    )


def freeze(session: Session, hero: Hero, user: User, reason: str) -> None:
    """Freeze the profile while relatives disagree (the reason is for staff only)."""
    if not reason.strip():
        raise ValueError("reason")
    hero.frozen_reason = reason.strip()
    hero.frozen_at = utcnow()
    hero.frozen_by = user.email
    session.flush()
    audit.record(session, "hero.freeze", user, object_type="hero", object_id=hero.id, reason=reason)


def unfreeze(session: Session, hero: Hero, user: User, reason: str = "") -> None:
    """Let the profile change again; held submissions may now be approved."""
    hero.frozen_reason = None
    hero.frozen_at = None
    hero.frozen_by = None
    session.flush()
    audit.record(
        session, "hero.unfreeze", user, object_type="hero", object_id=hero.id, reason=reason
    )


#: Date fields take an ISO date; the others plain text (the form says which).
DATE_FIELDS = HERO_DATE_FIELDS
