"""The living veterans' collection: the person's own withdrawal, and staff moving a veteran
who has fallen to the memorial. Operations flush, write the audit log and never commit.

A veteran gets a private withdrawal code (typed on ``/veterans/withdraw``) and link
(``/veterans/withdraw/<token>``) when their submission is sent, or from staff on request.
Only their SHA-256 is stored: whoever holds one may hide the person's public pages at once,
without an account. Withdrawal sets ``Hero.withdrawn_at``, which :attr:`Hero.is_published`
reads, so the page, search, the API, the sitemaps, the exports and open data all drop the
person in the same commit (the index and the page cache follow the commit). The material is
kept for staff unless the person asked for it to be deleted: then :func:`erase` removes the
record, its revisions, stories and photos from the database and the photo files from disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import DDL, delete, select, text
from sqlalchemy.orm import Session

from . import audit, media
from .dates import PartialDate
from .models import (
    OPEN_SUBMISSION_STATUSES,
    AuditEvent,
    CandleLight,
    Consent,
    FactSource,
    Hero,
    HeroCollection,
    Interview,
    ReminderSubscription,
    Revision,
    RevisionSource,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    User,
    utcnow,
)
from .revisions import recorded

#: Letters of a withdrawal code: no 0/O, 1/I/L, so it can be read over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # about 59 bits: never guessed within the rate limit


class VeteranCheck(StrEnum):
    """What a moderator checks in a veteran's photos and video before publishing: the people,
    places and things the war's other side could use."""

    FACES = "faces"
    POSITIONS = "positions"
    EQUIPMENT = "equipment"


class SafetyNotChecked(ValueError):
    """A veteran's submission approved without every safety check."""


def check_safety(checks) -> list[str]:
    """The checks, all of them required; ``SafetyNotChecked`` otherwise."""
    given = {str(c) for c in checks or ()}
    missing = [c.value for c in VeteranCheck if c.value not in given]
    if missing:
        raise SafetyNotChecked(f"not checked: {', '.join(missing)}")
    return [c.value for c in VeteranCheck]


def secrets_payload(secrets: WithdrawalSecrets) -> dict:
    """The hashes of new secrets, kept with a submission until it becomes a hero."""
    return {
        "code_hash": _digest(normal_code(secrets.code)),
        "token_hash": _digest(secrets.token),
    }


def new_secrets() -> WithdrawalSecrets:
    """A code and link token not yet given to anyone."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
    return WithdrawalSecrets(code, secrets.token_urlsafe(32))


def pending_by_hash(session: Session, kind: str, digest: str) -> Submission | None:
    """An open veteran's submission (not yet a hero) that carries this secret."""
    rows = session.scalars(
        select(Submission).where(
            Submission.kind == SubmissionKind.HERO,
            Submission.status.in_(OPEN_SUBMISSION_STATUSES),
            Submission.hero_id.is_(None),
        )
    )
    for row in rows:
        secret = (row.payload or {}).get("withdraw") or {}
        if secret.get(kind) == digest:
            return row
    return None


def pending_by_code(session: Session, typed: str) -> Submission | None:
    """An open veteran's submission a typed withdrawal code belongs to."""
    code = normal_code(typed)
    if len(code) != CODE_LENGTH:
        return None
    return pending_by_hash(session, "code_hash", _digest(code))


def pending_by_token(session: Session, token: str) -> Submission | None:
    """An open veteran's submission a withdrawal link belongs to."""
    if not token or len(token) > 100:
        return None
    return pending_by_hash(session, "token_hash", _digest(token))


def withdraw_pending(session: Session, submission: Submission, via: str) -> None:
    """The person withdrew before their story was published: it is never published."""
    submission.status = SubmissionStatus.REJECTED
    submission.reason = "withdrawn by the person"
    submission.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        "veteran.withdraw",
        None,
        actor=f"withdrawal {via}",
        object_type="submission",
        object_id=submission.reference,
    )


class VeteranError(ValueError):
    """An operation that cannot be done; the message is for staff."""


@dataclass(frozen=True)
class WithdrawalSecrets:
    """A new code and link token, shown once to the person and never stored."""

    code: str
    token: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normal_code(typed: str) -> str:
    """A typed code without spaces and dashes, in capitals (``abcd-efgh`` = ``ABCDEFGH``)."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())[:64]


def issue_secrets(session: Session, hero: Hero, user: User | None = None) -> WithdrawalSecrets:
    """Give ``hero`` a new withdrawal code and link; any earlier ones stop working."""
    fresh = new_secrets()
    hashes = secrets_payload(fresh)
    hero.withdraw_code_hash = hashes["code_hash"]
    hero.withdraw_token_hash = hashes["token_hash"]
    session.flush()
    audit.record(session, "veteran.withdrawal_issued", user, object_type="hero", object_id=hero.id)
    return fresh


def by_code(session: Session, typed: str) -> Hero | None:
    """The person a typed withdrawal code belongs to, or ``None``."""
    code = normal_code(typed)
    if len(code) != CODE_LENGTH:
        return None
    return session.scalar(select(Hero).where(Hero.withdraw_code_hash == _digest(code)))


def by_token(session: Session, token: str) -> Hero | None:
    """The person a withdrawal link belongs to, or ``None``."""
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Hero).where(Hero.withdraw_token_hash == _digest(token)))


def withdraw(session: Session, hero: Hero, via: str, delete_asked: bool = False) -> None:
    """Hide the person's public pages now (``via``: ``code``, ``link`` or ``staff``).

    ``delete_asked`` records the wish that everything be deleted; staff then erase it."""
    if hero.withdrawn_at is None:
        hero.withdrawn_at = utcnow()
    session.flush()
    audit.record(
        session,
        "veteran.withdraw",
        None,
        actor=f"withdrawal {via}",
        object_type="hero",
        object_id=hero.id,
        delete_asked=bool(delete_asked),
    )


def deletion_asked(session: Session, hero: Hero) -> bool:
    """Whether the person asked, when withdrawing, for their material to be deleted."""
    rows = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "veteran.withdraw", AuditEvent.object_id == str(hero.id)
        )
    )
    return any(bool((detail or {}).get("delete_asked")) for detail in rows)


def show_again(session: Session, hero: Hero, user: User, reason: str) -> None:
    """Staff, at the person's own request, make withdrawn pages public again."""
    hero.withdrawn_at = None
    session.flush()
    audit.record(
        session, "veteran.show_again", user, object_type="hero", object_id=hero.id, reason=reason
    )


def set_unit_shown(session: Session, hero: Hero, shown: bool, user: User, reason: str) -> None:
    """Show or keep from the public the veteran's unit, as they decided (a revision)."""
    with recorded(session, hero, RevisionSource.EDIT, user, reason):
        hero.unit_hidden = not shown
    audit.record(
        session, "veteran.unit", user, object_type="hero", object_id=hero.id, shown=bool(shown)
    )


def move_to_fallen(
    session: Session,
    hero: Hero,
    user: User,
    death_date: str,
    consent_confirmed: bool,
    reason: str,
) -> None:
    """A veteran who has fallen joins the memorial, with the family's consent (confirmed by
    staff) and the date of death. Stories, photos and history stay; the old address of the
    veteran's page leads to the memorial's page."""
    if hero.collection != HeroCollection.VETERAN:
        raise VeteranError("only a veteran can be moved to the fallen")
    if not consent_confirmed:
        raise VeteranError("the family's consent must be confirmed")
    if not reason.strip():
        raise VeteranError("say how the family's consent was given")
    try:
        death = PartialDate.parse(death_date)
    except ValueError:
        raise VeteranError("the date of death is not a date") from None
    if death is None:
        raise VeteranError("the date of death is required")
    birth = hero.birth_date
    if birth is not None and birth.sort_key()[:1] > death.sort_key()[:1]:
        raise VeteranError("the date of death is before the year of birth")
    with recorded(session, hero, RevisionSource.EDIT, user, reason.strip()):
        hero.collection = HeroCollection.FALLEN
        hero.death_date = death
        # The withdrawal secrets belonged to the living person.
        hero.withdraw_code_hash = None
        hero.withdraw_token_hash = None
    audit.record(
        session,
        "veteran.move_to_fallen",
        user,
        object_type="hero",
        object_id=hero.id,
        death_date=death.iso(),
        consent=reason.strip(),
    )


def erase(session: Session, hero: Hero, user: User | None, data_dir: str) -> list[Path]:
    """Delete a withdrawn veteran who asked for it: the record, its stories, photos, awards,
    revisions, consents' link, candles, reminders, recorded interviews and the photo and
    recording files. The submissions that
    brought the material are emptied of it. Returns the files to remove after the commit.

    The audit log keeps that a deletion happened (the id and who did it), nothing more.
    Revisions are append-only; their guard is lifted for this one deletion only."""
    if hero.withdrawn_at is None:
        raise VeteranError("only withdrawn pages can be deleted")
    hero_id = hero.id
    files = [p.file_path for p in hero.photos]
    for submission in session.scalars(select(Submission).where(Submission.hero_id == hero_id)):
        for photo in submission.photos:
            files.append(photo.file_path)
        submission.payload = {}
        submission.original = {}
        submission.photos.clear()
        submission.submitter_email = None
        submission.submitter_phone = None
        submission.submitter_name = "—"
    session.flush()
    brought = [
        s.id for s in session.scalars(select(Submission).where(Submission.hero_id == hero_id))
    ]
    # A consent stays on record (who agreed to what, when), without the person's material.
    for consent in session.scalars(
        select(Consent).where(
            (Consent.hero_id == hero_id) | Consent.submission_id.in_(brought or [-1])
        )
    ):
        consent.hero_id = None
        consent.submission_id = None
    # Recorded interviews, given to the person or still waiting with a submission: rows and
    # files (the converted file and any original not yet converted).
    for interview in session.scalars(
        select(Interview).where(
            (Interview.hero_id == hero_id) | Interview.submission_id.in_(brought or [-1])
        )
    ):
        files += [p for p in (interview.file_path, interview.original_path) if p]
        session.delete(interview)
    session.execute(delete(CandleLight).where(CandleLight.hero_id == hero_id))
    session.execute(delete(ReminderSubscription).where(ReminderSubscription.hero_id == hero_id))
    session.execute(delete(FactSource).where(FactSource.hero_id == hero_id))
    _delete_revisions(session, hero_id)
    session.flush()
    for submission in session.scalars(select(Submission).where(Submission.hero_id == hero_id)):
        session.delete(submission)
    session.flush()
    session.delete(hero)
    session.flush()
    audit.record(session, "veteran.erase", user, object_type="hero", object_id=hero_id)
    out = []
    for relative in files:
        try:
            out.append(media.safe_path(data_dir, relative))
        except media.MediaError:
            continue
        out += [media.thumbnail_path(data_dir, relative, side) for side in media.THUMB_SIDES]
    return out


def note_erasure(ledger: str, external_id: str) -> None:
    """Append an erased record's external id to the ledger (a file kept apart from backups),
    so a restore of an older backup can delete it again."""
    if not ledger:
        return
    path = Path(ledger)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"external_id": external_id, "at": utcnow().isoformat()}) + "\n")


def erased_ids(ledger: str) -> list[str]:
    """The external ids the ledger holds (none when it is off or absent)."""
    if not ledger or not Path(ledger).is_file():
        return []
    out = []
    for line in Path(ledger).read_text(encoding="utf-8").splitlines():
        try:
            out.append(str(json.loads(line)["external_id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def reapply_erasures(session: Session, ledger: str, data_dir: str) -> tuple[int, list[Path]]:
    """Erase again, after a restore, every record the ledger names that came back with an
    older backup. Returns how many, and the files to remove after the commit."""
    count, files = 0, []
    for external_id in erased_ids(ledger):
        hero = session.scalar(select(Hero).where(Hero.external_id == external_id))
        if hero is None:
            continue
        if hero.withdrawn_at is None:
            hero.withdrawn_at = utcnow()
        files += erase(session, hero, None, data_dir)
        count += 1
    return count, files


def _delete_revisions(session: Session, hero_id: int) -> None:
    """Remove a hero's revisions past the append-only guard, which stays for all others."""
    dialect = session.get_bind().dialect.name
    table = Revision.__table__
    if dialect == "sqlite":
        session.execute(text("DROP TRIGGER IF EXISTS revision_no_delete"))
        session.execute(delete(table).where(table.c.hero_id == hero_id))
        session.execute(
            DDL(
                "CREATE TRIGGER IF NOT EXISTS revision_no_delete BEFORE DELETE ON revision "
                "BEGIN SELECT RAISE(ABORT, 'revision is append-only'); END"
            )
        )
    else:
        session.execute(text("ALTER TABLE revision DISABLE TRIGGER revision_append_only"))
        session.execute(delete(table).where(table.c.hero_id == hero_id))
        session.execute(text("ALTER TABLE revision ENABLE TRIGGER revision_append_only"))


def remove_files(paths: list[Path]) -> None:
    """After the commit: remove the erased photo files and their thumbnails."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
