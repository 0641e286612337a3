"""The archive's data model (typed SQLAlchemy 2): heroes and what belongs to them."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    cast,
    event,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from . import clock
from .dates import PartialDate
from .extensions import Model, db
from .language import first_letter, full_name, name_sort_key, slug_base


class HeroStatus(StrEnum):
    """Whether the public may see a hero: only a moderator publishes."""

    PUBLISHED = "published"
    DRAFT = "draft"


class HeroCollection(StrEnum):
    """Which part of the archive a person belongs to: the fallen, or the living veterans."""

    FALLEN = "fallen"
    VETERAN = "veteran"


class StoryChapter(StrEnum):
    """The part of a veteran's life a chapter of their story tells."""

    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


class SubmissionKind(StrEnum):
    """What a family sent."""

    HERO = "hero"
    STORY = "story"
    PHOTOS = "photos"
    CORRECTION = "correction"
    FAMILY_REQUEST = "family_request"


class SubmissionStatus(StrEnum):
    """Where a submission stands; the first two wait for a moderator."""

    RECEIVED = "received"
    NEEDS_INFO = "needs_info"
    PUBLISHED = "published"
    REJECTED = "rejected"


#: Statuses of a submission that still waits for a decision.
OPEN_SUBMISSION_STATUSES = (SubmissionStatus.RECEIVED, SubmissionStatus.NEEDS_INFO)


class UserRole(StrEnum):
    """What a staff account may do: moderate, or also manage accounts."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class RevisionSource(StrEnum):
    """How a revision of a hero came about."""

    IMPORT = "import"
    MODERATION = "moderation"
    EDIT = "edit"
    RESTORE = "restore"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"


def one_of(column: str, values: type[StrEnum], name: str) -> CheckConstraint:
    """A constraint keeping ``column`` to the values of an enum."""
    listed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment as an aware UTC datetime (SQLite gives it back without a zone)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current moment in UTC, as stored everywhere in the database."""
    return clock.now()


def _date_checks(prefix: str) -> list[CheckConstraint]:
    """Constraints keeping a partial date's three columns consistent."""
    y, m, d = f"{prefix}_year", f"{prefix}_month", f"{prefix}_day"
    return [
        CheckConstraint(f"{y} IS NULL OR {y} BETWEEN 1000 AND 2999", name=f"{prefix}_year_range"),
        CheckConstraint(
            f"{m} IS NULL OR ({m} BETWEEN 1 AND 12 AND {y} IS NOT NULL)",
            name=f"{prefix}_month_range",
        ),
        CheckConstraint(
            f"{d} IS NULL OR ({d} BETWEEN 1 AND 31 AND {m} IS NOT NULL)", name=f"{prefix}_day_range"
        ),
    ]


def _partial_date_columns(prefix: str):
    """Three nullable integer columns for one partial date."""
    return (
        mapped_column(f"{prefix}_year", Integer, nullable=True, index=True),
        mapped_column(f"{prefix}_month", Integer, nullable=True),
        mapped_column(f"{prefix}_day", Integer, nullable=True),
    )


def _composite(*cols):
    """A ``PartialDate`` composite over three columns that is ``None`` when the year is."""
    return composite(lambda y, m, d: PartialDate(y, m, d) if y is not None else None, *cols)


class Hero(Model):
    """A fallen defender and every published fact about them."""

    __tablename__ = "hero"
    __table_args__ = (
        one_of("status", HeroStatus, "status_known"),
        one_of("collection", HeroCollection, "collection_known"),
        CheckConstraint("length(surname) > 0 AND length(given_name) > 0", name="name_present"),
        *_date_checks("birth"),
        *_date_checks("death"),
        CheckConstraint(
            "birth_year IS NULL OR death_year IS NULL OR birth_year <= death_year",
            name="born_before_death",
        ),
        # "Recently published" on the home page reads this index instead of sorting them all.
        Index("ix_hero_status_published_at", "status", "published_at", "id"),
        # "Remembered on this day" (home page, day pages) finds its heroes without a scan.
        Index("ix_hero_death_month_day", "death_month", "death_day"),
        Index("ix_hero_birth_month_day", "birth_month", "birth_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=HeroStatus.DRAFT, index=True)
    #: The fallen (the memorial) or a living veteran (their own collection, their own pages).
    collection: Mapped[str] = mapped_column(
        String(10), default=HeroCollection.FALLEN, server_default="fallen", index=True
    )

    surname: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(200))
    patronymic: Mapped[str | None] = mapped_column(String(200))
    call_sign: Mapped[str | None] = mapped_column(String(200))

    birth_year, birth_month, birth_day = _partial_date_columns("birth")
    death_year, death_month, death_day = _partial_date_columns("death")
    birth_date = _composite(birth_year, birth_month, birth_day)
    death_date = _composite(death_year, death_month, death_day)

    birth_place: Mapped[str | None] = mapped_column(String(300))
    home_community: Mapped[str | None] = mapped_column(String(300))
    rank: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(300))
    military_unit: Mapped[str | None] = mapped_column(String(300))
    death_place: Mapped[str | None] = mapped_column(String(300))
    death_circumstances: Mapped[str | None] = mapped_column(Text)
    burial_place: Mapped[str | None] = mapped_column(String(300))
    burial_plot: Mapped[str | None] = mapped_column(String(200))
    biography: Mapped[str | None] = mapped_column(Text)

    # Derived from the name on every write: the А–Я letter and a key that sorts in
    # Ukrainian alphabetical order (SQLite and PostgreSQL collations disagree on Є, І, Ї, Ґ).
    index_letter: Mapped[str] = mapped_column(String(4), default="", index=True)
    sort_name: Mapped[str] = mapped_column(
        String(700).with_variant(String(700, collation="C"), "postgresql"), default="", index=True
    )

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    awards: Mapped[list[Award]] = relationship(
        back_populates="hero", cascade="all, delete-orphan", order_by="Award.position"
    )
    stories: Mapped[list[Story]] = relationship(
        back_populates="hero", cascade="all, delete-orphan", order_by="Story.position"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="hero", cascade="all, delete-orphan", order_by="Photo.position"
    )
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="hero", cascade="all, delete-orphan", order_by="Interview.id"
    )
    #: The grave the hero lies in now, when the burial place is known as data.
    grave: Mapped[Grave | None] = relationship(back_populates="hero", uselist=False)

    # -- provenance --
    #: When and by whom staff confirmed that the family had been officially notified of the
    #: death; a new hero is published only after it (an archive import counts as that
    #: confirmation, recorded as such).
    notified_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notified_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The embargo: a published hero stays invisible until this moment (UTC).
    publish_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the archive noticed that the embargo had passed (to refresh the search index and
    #: the page cache once); cleared whenever ``publish_at`` changes.
    publish_released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: "The family is not ready": only the name and the dates are shown, in an empty frame.
    name_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # -- familyreq --
    #: Fields (names from the archive format) hidden from the public at the family's request.
    hidden_fields: Mapped[list | None] = mapped_column(JSON)
    #: Set while relatives disagree: the profile is not changed until a moderator unfreezes it.
    frozen_reason: Mapped[str | None] = mapped_column(Text)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    frozen_by: Mapped[str | None] = mapped_column(String(320))
    # -- veterans --
    #: Periods of service: ``[{"from": "2014-05", "to": "2016" | None, "unit": ..., "role": ...}]``.
    service_periods: Mapped[list | None] = mapped_column(JSON)
    #: The unit (the hero's and in every service period) is kept from the public.
    unit_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: What the veteran does now.
    life_now: Mapped[str | None] = mapped_column(Text)
    #: When the person withdrew their public pages (everything public asks ``is_published``).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: SHA-256 of the private withdrawal code and link token (the secrets are never stored).
    withdraw_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    withdraw_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    @property
    def is_veteran(self) -> bool:
        """Whether the person belongs to the living veterans' collection."""
        return self.collection == HeroCollection.VETERAN

    @property
    def full_name(self) -> str:
        """Surname, given name and patronymic, as the archive shows them."""
        return full_name(self.surname, self.given_name, self.patronymic)

    @hybrid_property
    def is_published(self) -> bool:
        """Whether the public may see this hero; on the class, the same as an SQL condition.

        The one place that says what is public: every page, the API, search, the sitemaps
        and the export ask it.
        """
        if self.status != HeroStatus.PUBLISHED or self.withdrawn_at is not None:
            return False
        return self.publish_at is None or as_utc(self.publish_at) <= clock.now()

    @is_published.inplace.expression
    @classmethod
    def _is_published_expression(cls):
        return and_(
            cls.status == HeroStatus.PUBLISHED,
            cls.withdrawn_at.is_(None),
            or_(cls.publish_at.is_(None), cls.publish_at <= clock.now()),
        )

    @hybrid_property
    def is_remembered(self) -> bool:
        """Published and one of the fallen: what the memorial's own lists, candles, days of
        memory, feeds and reminders show (never a living veteran)."""
        return bool(self.is_published) and self.collection == HeroCollection.FALLEN

    @is_remembered.inplace.expression
    @classmethod
    def _is_remembered_expression(cls):
        return and_(cls.is_published, cls.collection == HeroCollection.FALLEN)

    @property
    def primary_photo(self) -> Photo | None:
        """The portrait lists, previews and link cards show: the chosen one, else the first
        photo; none when that photo is hidden or marked sensitive (it is then shown only on
        the profile, behind its notice)."""
        chosen = next((p for p in self.photos if p.is_primary), None)
        if chosen is None:
            chosen = self.photos[0] if self.photos else None
        if chosen is None or chosen.hidden or chosen.sensitive:
            return None
        return chosen

    @property
    def is_frozen(self) -> bool:
        """Whether the profile is frozen while relatives disagree."""
        return self.frozen_at is not None

    def compute_slug(self) -> str:
        """The readable URL part: transliterated surname and given name, then the id."""
        return f"{slug_base(self.surname, self.given_name)}-{self.id}"

    def __repr__(self) -> str:
        return f"<Hero {self.id} {self.external_id}>"


# The look for embargoes that have passed reads this index only: the heroes not yet released,
# by their moment (``provenance.release_due``).
Index("ix_hero_embargo_due", Hero.publish_released_at, Hero.publish_at)


@event.listens_for(Hero.publish_at, "set")
def _embargo_changed(hero: Hero, value, old, initiator) -> None:
    """A new embargo is noticed again when it passes."""
    if value != old:
        hero.publish_released_at = None


def published_heroes(collection: str | None = HeroCollection.FALLEN):
    """A select of the heroes the public may see: of one collection (the fallen unless
    asked), or of both with ``collection=None``."""
    query = select(Hero).where(Hero.is_published)
    if collection is not None:
        query = query.where(Hero.collection == collection)
    return query


def field_shown(name: str):
    """SQL: the hero's field ``name`` (archive name, e.g. ``military_unit``, ``death_date``)
    is not hidden from the public at the family's request (lists by it leave the hero out)."""
    return or_(
        Hero.hidden_fields.is_(None),
        ~cast(Hero.hidden_fields, Text).contains(f'"{name}"'),
    )


@event.listens_for(Hero, "before_insert")
@event.listens_for(Hero, "before_update")
def _derive_name_keys(mapper, connection, hero: Hero) -> None:
    """Keep the index letter and the sort key in step with the name."""
    hero.index_letter = first_letter(hero.surname)
    hero.sort_name = name_sort_key(hero.surname, hero.given_name, hero.patronymic)


@event.listens_for(Hero, "after_insert")
@event.listens_for(Hero, "after_update")
def _keep_slug(mapper, connection, hero: Hero) -> None:
    """Give every hero a slug made from its name and id, in the same flush that saves it."""
    slug = hero.compute_slug()
    if hero.slug != slug:
        connection.execute(
            update(Hero.__table__).where(Hero.__table__.c.id == hero.id).values(slug=slug)
        )
        set_committed_value(hero, "slug", slug)


class Award(Model):
    """A state or military award of a hero."""

    __tablename__ = "award"
    __table_args__ = (
        *_date_checks("award"),
        CheckConstraint("length(name) > 0", name="name_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(500))
    award_year, award_month, award_day = _partial_date_columns("award")
    date = _composite(award_year, award_month, award_day)
    posthumous: Mapped[bool] = mapped_column(Boolean, default=False)

    hero: Mapped[Hero] = relationship(back_populates="awards")


class Story(Model):
    """A memory of a hero told by a relative, friend or comrade."""

    __tablename__ = "story"
    __table_args__ = (
        *_date_checks("story"),
        CheckConstraint("length(body) > 0", name="body_present"),
        CheckConstraint(
            "chapter IS NULL OR chapter IN ('before', 'during', 'after')", name="chapter_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(300), default="")
    author_relation: Mapped[str] = mapped_column(String(200), default="")
    story_year, story_month, story_day = _partial_date_columns("story")
    date = _composite(story_year, story_month, story_day)
    #: For a veteran's story: the chapter of their life it tells (before, during, after the war).
    chapter: Mapped[str | None] = mapped_column(String(10))

    hero: Mapped[Hero] = relationship(back_populates="stories")

    # -- familyreq --
    #: Hidden from the public at the family's request (kept, and restored by unhiding).
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Shown on the profile only behind a short notice, never in previews.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class Photo(Model):
    """A stored image of a hero: the file lives under the data folder, named by the server."""

    __tablename__ = "photo"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("size_bytes >= 0 AND width > 0 AND height > 0", name="dimensions"),
        # At most one portrait per hero.
        Index(
            "uq_photo_primary_per_hero",
            "hero_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    file_path: Mapped[str] = mapped_column(String(500), unique=True)
    caption: Mapped[str | None] = mapped_column(String(1000))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    hero: Mapped[Hero] = relationship(back_populates="photos")

    # -- familyreq --
    #: Hidden from the public at the family's request (kept, and restored by unhiding).
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Shown on the profile only behind a short notice, never in previews.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class User(Model):
    """A staff account: a moderator or an administrator."""

    __tablename__ = "user_account"
    __table_args__ = (
        one_of("role", UserRole, "role_known"),
        CheckConstraint("length(email) > 3", name="email_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default=UserRole.MODERATOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Part of every session of this user; replacing it ends them all at once.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: new_session_token())
    #: No longer used: failed sign-ins are counted per address in :class:`LoginThrottle`
    #: (one address's failures no longer lock the owner out); kept for old databases.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    # Flask-Login protocol: the session remembers "id:token", so a new token ends it.
    @property
    def is_active(self) -> bool:
        """Whether the account may sign in."""
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded account (Flask-Login)."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous (Flask-Login)."""
        return False

    @property
    def is_admin(self) -> bool:
        """Whether the account manages other accounts."""
        return self.role == UserRole.ADMIN

    def get_id(self) -> str:
        """The identifier Flask-Login keeps in the session."""
        return f"{self.id}:{self.session_token}"


class LoginThrottle(Model):
    """Failed sign-ins from one network address for one account name, as typed (known or
    not, so the answer does not tell which): after a few, that address waits longer and
    longer before it may try that name again; other addresses are not concerned."""

    __tablename__ = "login_throttle"
    __table_args__ = (
        UniqueConstraint("email", "address", name="uq_login_throttle_email_address"),
        CheckConstraint("failures >= 0", name="failures_counted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


# --- Submissions from the public, revisions of heroes, and the audit log -------------------


def new_session_token() -> str:
    """A random token; changing a user's token ends every session that carries the old one."""
    return secrets.token_urlsafe(24)


class Submission(Model):
    """Something a family sent: a new hero, a story, photos or a correction, awaiting a moderator.

    The submitter's contact stays on this row only: it is never shown publicly, exported or
    returned by the API.
    """

    __tablename__ = "submission"
    __table_args__ = (
        one_of("kind", SubmissionKind, "kind_known"),
        one_of("status", SubmissionStatus, "status_known"),
        CheckConstraint("kind = 'hero' OR hero_id IS NOT NULL", name="hero_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SubmissionStatus.RECEIVED, index=True)
    hero_id: Mapped[int | None] = mapped_column(ForeignKey("hero.id"), index=True)
    #: What was submitted, in archive field names (edited by moderators before approval).
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The payload as the submitter sent it, never changed.
    original: Mapped[dict] = mapped_column(JSON, default=dict)
    submitter_name: Mapped[str] = mapped_column(String(300))
    submitter_relation: Mapped[str] = mapped_column(String(200), default="")
    submitter_email: Mapped[str | None] = mapped_column(String(320))
    submitter_phone: Mapped[str | None] = mapped_column(String(50))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    hero: Mapped[Hero | None] = relationship()
    photos: Mapped[list[SubmissionPhoto]] = relationship(
        back_populates="submission",
        cascade="all, delete-orphan",
        order_by="SubmissionPhoto.position",
    )

    @property
    def is_open(self) -> bool:
        """Whether a moderator still has to decide."""
        return self.status in OPEN_SUBMISSION_STATUSES


class SubmissionPhoto(Model):
    """A photo sent with a submission: stored re-encoded, never public until approved."""

    __tablename__ = "submission_photo"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("size_bytes >= 0 AND width > 0 AND height > 0", name="dimensions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    file_path: Mapped[str] = mapped_column(String(500), unique=True)
    caption: Mapped[str | None] = mapped_column(String(1000))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="photos")


class Revision(Model):
    """One change to a hero: who, when (UTC), why, and the full record before and after."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    restored_from_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    #: The hero in the archive format (photos by stored path); ``None`` when it was created.
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    hero: Mapped[Hero] = relationship()
    user: Mapped[User | None] = relationship()


class AuditEvent(Model):
    """An entry of the append-only audit log: every staff action and every login attempt."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: The e-mail address as it was at the time (or as typed at a failed login).
    actor: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(60), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


# Audit events and revisions are never changed or removed: the database refuses it.
_APPEND_ONLY = ("audit_event", "revision")
for _table in _APPEND_ONLY:
    for _op in ("UPDATE", "DELETE"):
        event.listen(
            db.metadata.tables[_table],
            "after_create",
            DDL(
                f"CREATE TRIGGER IF NOT EXISTS {_table}_no_{_op.lower()} BEFORE {_op} ON {_table} "
                f"BEGIN SELECT RAISE(ABORT, '{_table} is append-only'); END"
            ).execute_if(dialect="sqlite"),
        )
    for _ddl in (
        (
            f"CREATE OR REPLACE FUNCTION {_table}_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_table} is append-only'; END $$"
        ),
        (
            f"CREATE TRIGGER {_table}_append_only BEFORE UPDATE OR DELETE ON {_table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_table}_append_only()"
        ),
    ):
        event.listen(
            db.metadata.tables[_table], "after_create", DDL(_ddl).execute_if(dialect="postgresql")
        )


class CandleLight(Model):
    """A candle a visitor lit for a hero; the unique key allows one per visitor a day."""

    __tablename__ = "candle_light"
    __table_args__ = (
        UniqueConstraint("hero_id", "visitor_key", "day", name="uq_candle_light_once_a_day"),
        CheckConstraint("length(visitor_key) = 64", name="visitor_key_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    # A keyed hash of the visitor's address and cookie: the raw address is never stored.
    visitor_key: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ContentVersion(Model):
    """A random number replaced whenever something visitors can see changes: row 1 for the
    archive's content, row 2 for the candles.

    Cached public pages carry them in their key, so a new one retires the pages it concerns.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


# --- Burial places: cemeteries, sectors and graves ---------------------------------------------


class MonumentStage(StrEnum):
    """The city's standard for a grave, step by step, in order."""

    TEMPORARY_CROSS = "temporary_cross"
    MONUMENT = "monument"
    PHOTO_PLAQUE = "photo_plaque"
    LANDSCAPING = "landscaping"


class GraveEventKind(StrEnum):
    """What happened to a grave, as its history keeps it."""

    LINKED = "linked"
    UNLINKED = "unlinked"
    REBURIED = "reburied"
    RESERVED = "reserved"
    RELEASED = "released"
    WORK = "work"


class EntranceSide(StrEnum):
    """The side of a sector's plan the visitor enters from (north is up)."""

    NORTH = "north"
    EAST = "east"
    SOUTH = "south"
    WEST = "west"


class Cemetery(Model):
    """A cemetery and what a visitor needs to reach it."""

    __tablename__ = "cemetery"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    address: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(String(500))
    directions: Mapped[str | None] = mapped_column(Text)
    # Where graves lie is published only when staff switch it on for the cemetery (the
    # national burial map stays closed during the war).
    show_coordinates: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    sectors: Mapped[list[GraveSector]] = relationship(
        back_populates="cemetery", order_by="GraveSector.name"
    )


class GraveSector(Model):
    """A sector of a cemetery laid out in rows of places, such as an honorary alley."""

    __tablename__ = "grave_sector"
    __table_args__ = (
        UniqueConstraint("cemetery_id", "name", name="uq_grave_sector_cemetery_name"),
        CheckConstraint("length(name) > 0", name="name_present"),
        CheckConstraint("row_count BETWEEN 1 AND 200", name="rows_range"),
        CheckConstraint("place_count BETWEEN 1 AND 500", name="places_range"),
        one_of("entrance", EntranceSide, "entrance_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A sector with graves cannot be deleted (RESTRICT): its graves are moved or freed first.
    cemetery_id: Mapped[int] = mapped_column(
        ForeignKey("cemetery.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    #: Rows, and places in the longest row.
    rows: Mapped[int] = mapped_column("row_count", Integer)
    places: Mapped[int] = mapped_column("place_count", Integer)
    entrance: Mapped[str] = mapped_column(String(10), default=EntranceSide.SOUTH)
    description: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(300))
    photo_caption: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cemetery: Mapped[Cemetery] = relationship(back_populates="sectors")
    graves: Mapped[list[Grave]] = relationship(
        back_populates="sector", order_by="(Grave.row, Grave.place)"
    )


class Grave(Model):
    """One place of a sector: free, reserved or holding a hero; its code never changes."""

    __tablename__ = "grave"
    __table_args__ = (
        UniqueConstraint("sector_id", "row_no", "place_no", name="uq_grave_sector_row_place"),
        CheckConstraint("row_no >= 1 AND place_no >= 1", name="position_positive"),
        CheckConstraint("hero_id IS NULL OR NOT reserved", name="reserved_only_free"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The short permanent code a QR code on the grave carries.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    sector_id: Mapped[int] = mapped_column(
        ForeignKey("grave_sector.id", ondelete="RESTRICT"), index=True
    )
    row: Mapped[int] = mapped_column("row_no", Integer)
    place: Mapped[int] = mapped_column("place_no", Integer)
    #: The hero who lies here now; a hero has at most one current grave.
    hero_id: Mapped[int | None] = mapped_column(
        ForeignKey("hero.id", ondelete="SET NULL"), unique=True
    )
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    monument_photo_path: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    sector: Mapped[GraveSector] = relationship(back_populates="graves")
    hero: Mapped[Hero | None] = relationship(back_populates="grave")
    works: Mapped[list[GraveWork]] = relationship(
        back_populates="grave", cascade="all, delete-orphan", order_by="GraveWork.id"
    )
    events: Mapped[list[GraveEvent]] = relationship(
        back_populates="grave",
        order_by="GraveEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class GraveWork(Model):
    """One step of the city's standard done (or planned) on a grave."""

    __tablename__ = "grave_work"
    __table_args__ = (
        UniqueConstraint("grave_id", "stage", name="uq_grave_work_grave_stage"),
        one_of("stage", MonumentStage, "stage_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grave_id: Mapped[int] = mapped_column(ForeignKey("grave.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    grave: Mapped[Grave] = relationship(back_populates="works")


class GraveEvent(Model):
    """A line of a grave's history: who lay down or left, who reserved it, what was built."""

    __tablename__ = "grave_event"
    __table_args__ = (one_of("kind", GraveEventKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grave_id: Mapped[int] = mapped_column(ForeignKey("grave.id", ondelete="CASCADE"), index=True)
    hero_id: Mapped[int | None] = mapped_column(
        ForeignKey("hero.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Where the hero was moved to, for a reburial.
    destination: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    grave: Mapped[Grave] = relationship(back_populates="events")


# --- E-mail reminders of anniversaries --------------------------------------------------


class ReminderKind(StrEnum):
    """Which day of a hero a reminder is about."""

    DEATH = "death"  # the day of memory
    BIRTH = "birth"


class ReminderSubscription(Model):
    """One address's wish to be reminded of one hero's days, pending until confirmed.

    The address is found by its keyed hash; the address itself is kept only while mail may
    still go to it, and goes with the row (unsubscribing, expiry, repeated bounces).
    """

    __tablename__ = "reminder_subscription"
    __table_args__ = (
        UniqueConstraint("hero_id", "address_key", name="uq_reminder_subscription_hero_address"),
        CheckConstraint("language IN ('uk', 'en')", name="language_known"),
        CheckConstraint("on_death OR on_birth", name="some_day"),
        CheckConstraint("bounces >= 0", name="bounces_counted"),
        CheckConstraint("length(address_key) = 64", name="address_key_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2), default="uk")
    on_death: Mapped[bool] = mapped_column(Boolean, default=True)
    on_birth: Mapped[bool] = mapped_column(Boolean, default=False)
    # The site address the links in its mails lead to (where the visitor subscribed).
    site_url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    bounces: Mapped[int] = mapped_column(Integer, default=0)

    hero: Mapped[Hero] = relationship()
    sent: Mapped[list[ReminderSent]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def kinds(self) -> list[str]:
        """The days asked for, the day of memory first."""
        return [
            k
            for k, on in ((ReminderKind.DEATH, self.on_death), (ReminderKind.BIRTH, self.on_birth))
            if on
        ]


class ReminderSent(Model):
    """A reminder claimed for one subscription, one kind and one anniversary: the unique key
    is taken before the mail goes, so two runs (even at once) never send it twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("subscription_id", "kind", "anniversary", name="uq_reminder_sent_once"),
        one_of("kind", ReminderKind, "kind_known"),
        CheckConstraint("outcome IN ('claimed', 'sent', 'bounced')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_subscription.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    anniversary: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10), default="claimed")
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    subscription: Mapped[ReminderSubscription] = relationship(back_populates="sent")


# -- provenance --------------------------------------------------------------------------
class FactField(StrEnum):
    """The facts of a hero that a source can stand behind."""

    BIRTH_DATE = "birth_date"
    DEATH_DATE = "death_date"
    MILITARY_UNIT = "military_unit"
    RANK = "rank"
    DEATH_CIRCUMSTANCES = "death_circumstances"
    AWARDS = "awards"
    BURIAL = "burial"


class SourceKind(StrEnum):
    """Where a fact came from."""

    FAMILY = "family"
    UNIT = "unit"
    OFFICIAL_NOTICE = "official_notice"
    DOCUMENT = "document"
    PUBLICATION = "publication"


class FactSource(Model):
    """One source of one fact of a hero, as staff recorded and (perhaps) verified it."""

    __tablename__ = "fact_source"
    __table_args__ = (
        one_of("field", FactField, "field_known"),
        one_of("kind", SourceKind, "kind_known"),
        CheckConstraint("kind <> 'publication' OR length(link) > 0", name="publication_linked"),
        Index("ix_fact_source_unverified", "verified_at", "field"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int] = mapped_column(ForeignKey("hero.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    link: Mapped[str] = mapped_column(String(1000), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: A scan of the document (an image stored through :mod:`memorial.media`), staff-only
    #: unless ``document_public``.
    document_path: Mapped[str | None] = mapped_column(String(300))
    document_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    hero: Mapped[Hero] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])


# -- consent --


class ConsentScope(StrEnum):
    """Where a person agreed that what they sent may be published."""

    SITE = "site"
    BOOK = "book"
    BOTH = "both"


class ConsentText(Model):
    """One version of the consent wording; never edited: a change is a new version."""

    __tablename__ = "consent_text"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    #: The checkbox wording, and what each scope means, in Ukrainian and English.
    text_uk: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    site_uk: Mapped[str] = mapped_column(Text)
    site_en: Mapped[str] = mapped_column(Text)
    book_uk: Mapped[str] = mapped_column(Text)
    book_en: Mapped[str] = mapped_column(Text)
    both_uk: Mapped[str] = mapped_column(Text)
    both_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User | None] = relationship()


class Consent(Model):
    """A person's recorded consent: which wording, which scope, who, when, from what.

    Withdrawal keeps the row (``withdrawn_at``); a consent is never deleted.
    """

    __tablename__ = "consent"
    __table_args__ = (one_of("scope", ConsentScope, "scope_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("consent_text.id"), index=True)
    scope: Mapped[str] = mapped_column(String(10))
    person_name: Mapped[str] = mapped_column(String(300))
    person_relation: Mapped[str] = mapped_column(String(200), default="")
    given_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id"), index=True, unique=True
    )
    hero_id: Mapped[int | None] = mapped_column(ForeignKey("hero.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    text: Mapped[ConsentText] = relationship()
    submission: Mapped[Submission | None] = relationship()
    hero: Mapped[Hero | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def active(self) -> bool:
        """Whether the consent stands (was not withdrawn)."""
        return self.withdrawn_at is None


# -- jobs and the book --


class JobStatus(StrEnum):
    """Where a background job is: waiting, being done, done, or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    """A piece of slow work done outside any web request (a book volume, a conversion).

    Its state lives here, not in the worker, so a page reload shows it and a job whose worker
    died is found by its old heartbeat and done again.
    """

    __tablename__ = "job"
    __table_args__ = (one_of("status", JobStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED, index=True)
    #: Per cent done, 0 to 100, and what is being done, in the interface language of the day.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: Renewed while the job runs; a running job whose heartbeat is old lost its worker.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class BookForeword(Model):
    """One saved text of the book's foreword; the newest is the one a volume prints.

    A save adds a row, so an edition names the very text it printed."""

    __tablename__ = "book_foreword"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class BookEdition(Model):
    """One built volume of the book of memory: what was asked, what went in, the file."""

    __tablename__ = "book_edition"
    __table_args__ = (one_of("status", JobStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The build's parameters (range, order, size, title, bleed, marks).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Every hero that went in, in book order: ``{"id", "revision", "line", "items"}``
    #: (the newest revision id, whether only the memorial line was printed, and the
    #: submissions consented for the book only whose items were printed).
    heroes: Mapped[list] = mapped_column(JSON, default=list)
    foreword_id: Mapped[int | None] = mapped_column(
        ForeignKey("book_foreword.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    #: The file, relative to the instance folder, its SHA-256, size and pages.
    file_path: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    #: Heroes whose photo could not be read (their page was made without it).
    problems: Mapped[list] = mapped_column(JSON, default=list)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    rebuilt_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("book_edition.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    foreword: Mapped[BookForeword | None] = relationship()
    job: Mapped[Job | None] = relationship()


class InterviewKind(StrEnum):
    """What a recorded interview is: sound only, or picture and sound."""

    AUDIO = "audio"
    VIDEO = "video"


class InterviewStatus(StrEnum):
    """Where the conversion of an interview to the web format stands."""

    PENDING = "pending"
    CONVERTING = "converting"
    READY = "ready"
    FAILED = "failed"


class InterviewVisibility(StrEnum):
    """Who may hear or see an interview: everyone, or staff only (kept in the archive)."""

    PUBLIC = "public"
    STAFF = "staff"


class Interview(Model):
    """A recorded interview about a hero (or sent with a submission, not yet approved).

    Only the converted web file is kept: the upload (``original_path``) carries the phone's
    metadata and is deleted as soon as the conversion succeeds.
    """

    __tablename__ = "interview"
    __table_args__ = (
        one_of("kind", InterviewKind, "kind_known"),
        one_of("status", InterviewStatus, "status_known"),
        one_of("visibility", InterviewVisibility, "visibility_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("hero_id IS NOT NULL OR submission_id IS NOT NULL", name="owner_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hero_id: Mapped[int | None] = mapped_column(
        ForeignKey("hero.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=InterviewStatus.PENDING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(10), default=InterviewVisibility.PUBLIC)
    #: The upload as received, relative to the media folder; deleted once converted.
    original_path: Mapped[str | None] = mapped_column(String(500))
    #: The converted web file (AAC in MP4 for sound, H.264/AAC MP4 for video).
    file_path: Mapped[str | None] = mapped_column(String(500), unique=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    #: Playing time in seconds (of the upload until converted, then of the web file).
    duration: Mapped[float | None] = mapped_column(Float)
    #: Plain text; a line may start with a timestamp (``[00:12:34]`` or ``12:34``).
    transcript: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    converted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    hero: Mapped[Hero | None] = relationship(back_populates="interviews")
    submission: Mapped[Submission | None] = relationship()

    @property
    def is_public(self) -> bool:
        """Whether the public may hear or see it (its hero's own publication aside)."""
        return (
            self.hero_id is not None
            and self.status == InterviewStatus.READY
            and self.visibility == InterviewVisibility.PUBLIC
        )
