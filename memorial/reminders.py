"""E-mail reminders of a hero's anniversaries: subscribing (double opt-in), the signed links
in every mail, and which reminders are due on a day.

An address is found by its keyed hash (:func:`address_key`); the address itself is kept on the
subscription only while mail may go to it, and is deleted with it. A reminder is claimed by a
row with a unique key (subscription, kind, anniversary) before its mail goes, so no two runs
of ``memorial send-reminders`` ever send it twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from . import clock
from .anniversaries import same_day
from .dates import PartialDate
from .models import Hero, ReminderKind, ReminderSent, ReminderSubscription

CONFIRM = "memorial.reminders.confirm"
UNSUBSCRIBE = "memorial.reminders.unsubscribe"
MANAGE = "memorial.reminders.manage"
#: How long a link to the page of one's subscriptions works (a new one comes with every mail).
MANAGE_DAYS = 400
#: Confirmation letters (new or sent again) one address receives in an hour at most.
MAILS_PER_ADDRESS_HOUR = 3
#: A claim older than this that never became "sent" belongs to a run that was killed.
STALE_CLAIM = dt.timedelta(hours=1)

#: One plain address: ASCII local part (no quoting, no lists), a domain of labels (an
#: internationalised domain is stored in its ASCII form, see :func:`mailbox`).
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class LinkError(Exception):
    """A signed link that cannot be used: ``expired``, else altered or not ours."""

    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "bad signature")
        self.expired = expired


class Request(StrEnum):
    """What a request to be reminded leads to."""

    CONFIRM = "confirm"  # a (new or repeated) confirmation letter goes out
    ALREADY = "already"  # confirmed before: a letter with the link to manage goes out
    HELD = "held"  # no letter: one went out a moment ago, or the address has too many pending


def mailbox(email: str) -> str | None:
    """The address as letters are sent to it (an internationalised domain in its ASCII form),
    or ``None`` unless it is one plain address (the mail server decides the rest)."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return None
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    address = f"{local}@{domain}"
    return address if _EMAIL.match(address) else None


def normalise(email: str) -> str:
    """The form of an address that two spellings of it share (case and spaces aside)."""
    return (mailbox(email) or email.strip()).lower()


def address_key(secret: str, email: str) -> str:
    """A keyed hash of an address (hex, 64 characters): lookups without the address."""
    return hmac.new(
        f"reminder-address:{secret}".encode(), normalise(email).encode(), hashlib.sha256
    ).hexdigest()


class _ClockSigner(TimestampSigner):
    """Signs and ages links on the archive's clock (which tests can stop)."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt, signer=_ClockSigner)


def sign(secret: str, salt: str, subscription: ReminderSubscription) -> str:
    """A signed link part naming one subscription (and the address it was made for)."""
    return _serializer(secret, salt).dumps([subscription.id, subscription.address_key[:16]])


def sign_address(secret: str, address_key: str) -> str:
    """A signed link part naming every subscription of one address."""
    return _serializer(secret, MANAGE).dumps(address_key)


def read(secret: str, salt: str, token: str, max_age: dt.timedelta | None = None):
    """What a signed link part says; :class:`LinkError` when altered, foreign or too old."""
    serializer = _serializer(secret, salt)
    try:
        return serializer.loads(token, max_age=int(max_age.total_seconds()) if max_age else None)
    except SignatureExpired:
        raise LinkError(expired=True) from None
    except BadSignature:
        raise LinkError(expired=False) from None


def find_signed(session: Session, payload) -> ReminderSubscription | None:
    """The subscription a (valid) link names, or ``None`` when it is gone."""
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None
    subscription = session.get(ReminderSubscription, payload[0])
    if subscription is None or subscription.address_key[:16] != payload[1]:
        return None
    return subscription


def days_offered(hero: Hero) -> list[str]:
    """The days of a hero one may be reminded of: those known to the day."""
    offered = []
    if hero.death_day is not None:
        offered.append(ReminderKind.DEATH.value)
    if hero.birth_day is not None:
        offered.append(ReminderKind.BIRTH.value)
    return offered


@dataclass
class Asked:
    """A request to be reminded and what it changed (so a failed letter can undo it)."""

    outcome: Request
    subscription: ReminderSubscription | None = None
    created: bool = False
    previous_sent_at: dt.datetime | None = None


def ask(
    session: Session,
    hero: Hero,
    email: str,
    kinds: list[str],
    language: str,
    site_url: str,
    secret: str,
    resend_after: dt.timedelta,
    max_pending: int,
) -> Asked:
    """Record a wish to be reminded of ``hero``'s days, pending until confirmed (flushes).

    One pending subscription per address and hero; its letter goes out again only after
    ``resend_after``; an address with ``max_pending`` unconfirmed ones gets no new ones.
    """
    key = address_key(secret, email)
    now = clock.now()
    found = session.scalar(
        select(ReminderSubscription).where(
            ReminderSubscription.hero_id == hero.id, ReminderSubscription.address_key == key
        )
    )
    recent = (
        session.scalar(
            select(func.count(ReminderSubscription.id)).where(
                ReminderSubscription.address_key == key,
                ReminderSubscription.confirmation_sent_at > now - dt.timedelta(hours=1),
            )
        )
        or 0
    )
    if found is not None:
        last = found.confirmation_sent_at
        if (last is not None and now - _aware(last) < resend_after) or (
            recent >= MAILS_PER_ADDRESS_HOUR
        ):
            return Asked(Request.HELD, found)
        asked = Asked(
            Request.ALREADY if found.confirmed_at else Request.CONFIRM,
            found,
            previous_sent_at=last,
        )
        if found.confirmed_at is None:
            found.email = mailbox(email) or email.strip()
            found.language = language
            found.on_death = ReminderKind.DEATH in kinds
            found.on_birth = ReminderKind.BIRTH in kinds
            found.site_url = site_url
        found.confirmation_sent_at = now
        session.flush()
        return asked
    pending = (
        session.scalar(
            select(func.count(ReminderSubscription.id)).where(
                ReminderSubscription.address_key == key, ReminderSubscription.confirmed_at.is_(None)
            )
        )
        or 0
    )
    if pending >= max_pending or recent >= MAILS_PER_ADDRESS_HOUR:
        return Asked(Request.HELD)
    subscription = ReminderSubscription(
        hero_id=hero.id,
        address_key=key,
        email=mailbox(email) or email.strip(),
        language=language,
        on_death=ReminderKind.DEATH in kinds,
        on_birth=ReminderKind.BIRTH in kinds,
        site_url=site_url,
        confirmation_sent_at=now,
        bounces=0,
    )
    try:
        with session.begin_nested():
            session.add(subscription)
            session.flush()
    except IntegrityError:  # the same request twice at once: the first one stands
        return Asked(Request.HELD)
    return Asked(Request.CONFIRM, subscription, created=True)


def undo(session: Session, asked: Asked) -> None:
    """Forget a request whose letter could not be sent (flushes)."""
    if asked.subscription is None or asked.outcome == Request.HELD:
        return
    if asked.created:
        session.delete(asked.subscription)
    else:
        asked.subscription.confirmation_sent_at = asked.previous_sent_at
    session.flush()


def confirm(session: Session, subscription: ReminderSubscription) -> bool:
    """Confirm a subscription; ``False`` when it was confirmed already (flushes)."""
    if subscription.confirmed_at is not None:
        return False
    subscription.confirmed_at = clock.now()
    session.flush()
    return True


def change_days(session: Session, subscription: ReminderSubscription, kinds: list[str]) -> None:
    """Choose again which days of the hero to be reminded of (at least one; flushes)."""
    if not kinds:
        raise ValueError("at least one day")
    subscription.on_death = ReminderKind.DEATH in kinds
    subscription.on_birth = ReminderKind.BIRTH in kinds
    session.flush()


def unsubscribe(session: Session, subscription: ReminderSubscription) -> None:
    """Delete a subscription, its address and what was sent for it (flushes)."""
    session.delete(subscription)
    session.flush()


def subscriptions_of(session: Session, key: str) -> list[ReminderSubscription]:
    """Every subscription of one address (by its keyed hash), oldest first, heroes loaded."""
    return list(
        session.scalars(
            select(ReminderSubscription)
            .where(ReminderSubscription.address_key == key)
            .order_by(ReminderSubscription.created_at, ReminderSubscription.id)
            .options(joinedload(ReminderSubscription.hero))
        )
    )


def purge_unconfirmed(session: Session, older_than: dt.timedelta) -> int:
    """Delete subscriptions never confirmed within ``older_than``, addresses and all."""
    cutoff = clock.now() - older_than
    result = session.execute(
        delete(ReminderSubscription)
        .where(
            ReminderSubscription.confirmed_at.is_(None), ReminderSubscription.created_at < cutoff
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


@dataclass
class Due:
    """A reminder that should go out: whom, of which day, and when that day is."""

    subscription: ReminderSubscription
    kind: str
    anniversary: dt.date
    date: PartialDate

    @property
    def years(self) -> int:
        """Years since the day (of death, or of birth) on the anniversary."""
        assert self.date.year is not None
        return self.anniversary.year - self.date.year


_COLUMNS = {
    ReminderKind.DEATH: (Hero.death_year, Hero.death_month, Hero.death_day, "on_death"),
    ReminderKind.BIRTH: (Hero.birth_year, Hero.birth_month, Hero.birth_day, "on_birth"),
}


def due(session: Session, today: dt.date, days_before: int) -> list[Due]:
    """Reminders of anniversaries from ``today`` to ``days_before`` days ahead that no run has
    claimed yet, for confirmed subscriptions of published heroes; soonest first.

    A run missed (a day without cron) is caught up by the next one, still before the day.
    """
    found: list[Due] = []
    for offset in range(days_before + 1):
        day = today + dt.timedelta(days=offset)
        for kind, (year_col, month_col, day_col, flag) in _COLUMNS.items():
            claimed = exists().where(
                ReminderSent.subscription_id == ReminderSubscription.id,
                ReminderSent.kind == kind.value,
                ReminderSent.anniversary == day,
            )
            rows = session.scalars(
                select(ReminderSubscription)
                .join(Hero, ReminderSubscription.hero_id == Hero.id)
                .where(
                    Hero.is_remembered,
                    ReminderSubscription.confirmed_at.is_not(None),
                    getattr(ReminderSubscription, flag).is_(True),
                    and_(same_day(month_col, day_col, day), year_col < day.year),
                    ~claimed,
                )
                .order_by(ReminderSubscription.id)
                .options(joinedload(ReminderSubscription.hero))
            )
            for subscription in rows:
                date = getattr(subscription.hero, f"{kind.value}_date")
                found.append(Due(subscription, kind.value, day, date))
    return found


def claim(session: Session, item: Due) -> ReminderSent | None:
    """Take a reminder for this run; ``None`` when another run took it first (flushes)."""
    row = ReminderSent(
        subscription_id=item.subscription.id,
        kind=item.kind,
        anniversary=item.anniversary,
        outcome="claimed",
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def sent(session: Session, row: ReminderSent) -> None:
    """The mail went out: keep the claim as sent, and the address as good (flushes)."""
    row.outcome = "sent"
    row.sent_at = clock.now()
    row.subscription.bounces = 0
    session.flush()


def release(session: Session, row: ReminderSent) -> None:
    """The mail could not go now: free the claim so the next run tries again (flushes)."""
    session.delete(row)
    session.flush()


def bounced(session: Session, row: ReminderSent, max_bounces: int) -> bool:
    """The server refused the address for good: count it; after ``max_bounces`` refusals in
    a row the subscription goes, address and all. ``True`` when it went (flushes)."""
    row.outcome = "bounced"
    subscription = row.subscription
    subscription.bounces += 1
    if subscription.bounces >= max_bounces:
        session.delete(subscription)
        session.flush()
        return True
    session.flush()
    return False


def stale_claims(session: Session) -> int:
    """Claims of the last two days that a killed run never finished: they are never sent
    again (at most once, never twice); counted so the next runs can say so."""
    now = clock.now()
    return (
        session.scalar(
            select(func.count(ReminderSent.id)).where(
                ReminderSent.outcome == "claimed",
                ReminderSent.claimed_at < now - STALE_CLAIM,
                ReminderSent.claimed_at > now - dt.timedelta(days=2),
            )
        )
        or 0
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment with its time zone (SQLite gives it back without one; it is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
