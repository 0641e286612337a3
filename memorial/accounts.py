"""Staff accounts: creation, password hashing (argon2id), signing in with growing delays
after repeated failures, and an administrator's changes; each operation logs itself.

Signing in tells a visitor nothing about which accounts exist: an unknown address costs the
same argon2 verification as a known one (against a dummy hash), and every refusal, whether
the password was wrong or the address must wait, reads the same. Failures are counted per
network address and account name, so an attacker's address waits 1, 2, 4, … minutes while
the owner, from their own address, still signs in.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import audit
from .models import LoginThrottle, User, UserRole, new_session_token, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 256
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, made with the current parameters: what an unknown account
    is checked against, so that it costs as long as a known one."""
    return _hasher.hash(secrets.token_urlsafe(24))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; upgrades the stored hash when parameters changed."""
    if not _verify(user.password_hash, password):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def normalize_email(email: str) -> str:
    """Trimmed, lower-cased e-mail address."""
    return (email or "").strip().lower()


def create_or_update_user(
    session: Session, email: str, password: str, role: str, by: User | None = None
) -> tuple[User, bool]:
    """Create a staff account, or reset the password and role of an existing one (flush only).

    ``by``: the administrator doing it (then it is logged, and every session of the account
    ends); the command line sets up accounts without one.
    """
    email = normalize_email(email)
    if not _EMAIL_RE.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in tuple(UserRole):
        raise AccountError(f"role must be one of {', '.join(UserRole)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password must have at most {MAX_PASSWORD} characters")
    existing = session.scalar(select(User).where(User.email == email))
    created = existing is None
    if existing is None:
        user = User(email=email)
        session.add(user)
    else:
        user = existing
    user.password_hash = hash_password(password)
    user.role = role
    user.active = True
    if by is not None:
        user.session_token = new_session_token()
    session.flush()
    if by is not None:
        audit.record(
            session,
            "account.create" if created else "account.reset",
            by,
            object_type="user",
            object_id=user.id,
            email=user.email,
            role=user.role,
        )
    return user, created


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the account on success, else why not (for the
    audit log only: the visitor is told the same in every case)."""

    user: User | None
    #: ``"locked"`` (this address must wait for this account) or ``"refused"`` (wrong
    #: address or password, or a disabled account).
    refused: str | None = None


@dataclass(frozen=True)
class Throttle:
    """How sign-in failures slow an address down: ``max_failures`` from one address for one
    account name are free, then each further one makes the address wait ``first_minutes``,
    twice that, four times, … up to ``longest_minutes``; a day without failures forgets them."""

    max_failures: int = 5
    first_minutes: float = 1
    longest_minutes: float = 24 * 60
    forget_hours: float = 24


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _throttle_row(session: Session, email: str, address: str) -> LoginThrottle | None:
    return session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.email == email, LoginThrottle.address == address)
        .with_for_update()
    )


def _count_failure(
    session: Session, email: str, address: str, now: dt.datetime, throttle: Throttle
) -> LoginThrottle:
    """One more failure from ``address`` for ``email``; the address waits once past the free
    ones. Old, finished entries of anyone are forgotten on the way."""
    forget = now - dt.timedelta(hours=throttle.forget_hours)
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < forget,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        ),
        execution_options={"synchronize_session": False},
    )
    row = _throttle_row(session, email, address)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(email=email, address=address, failures=0, last_failure_at=now)
                session.add(row)
        except IntegrityError:  # the same address failed at the same moment in another worker
            row = _throttle_row(session, email, address)
            if row is None:
                raise
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    over = row.failures - throttle.max_failures
    if over >= 0:
        minutes = min(throttle.first_minutes * 2 ** min(over, 30), throttle.longest_minutes)
        row.blocked_until = now + dt.timedelta(minutes=minutes)
    session.flush()
    return row


def sign_in(
    session: Session,
    email: str,
    password: str,
    address: str = "",
    throttle: Throttle | None = None,
) -> SignIn:
    """Check a sign-in attempt from ``address`` and log it (flush only).

    Every attempt costs one argon2 verification, whatever the account (known, unknown,
    disabled, or waiting), so its duration tells nothing.
    """
    throttle = throttle or Throttle()
    email = normalize_email(email)[:320]
    address = (address or "")[:64]
    user = session.scalar(select(User).where(User.email == email))
    now = utcnow()
    right = verify_password(user, password) if user is not None else _verify(dummy_hash(), password)
    row = _throttle_row(session, email, address)
    blocked_until = _aware(row.blocked_until) if row is not None else None
    if blocked_until is not None and blocked_until > now:
        audit.record(
            session,
            "login.locked",
            user,
            actor=email,
            until=blocked_until.isoformat(timespec="seconds"),
            failures=row.failures if row is not None else None,
        )
        return SignIn(None, "locked")
    if user is not None and user.active and right:
        if row is not None:
            session.delete(row)
        user.last_login_at = now
        audit.record(session, "login.success", user)
        return SignIn(user)
    counted = _count_failure(session, email, address, now, throttle)
    audit.record(
        session,
        "login.failure",
        user,
        actor=email,
        reason="inactive"
        if user is not None and not user.active
        else "unknown"
        if user is None
        else "password",
        failures=counted.failures,
    )
    return SignIn(None, "refused")


def failures_by_account(session: Session) -> dict[str, tuple[int, int]]:
    """For each account name with failed sign-ins: (failures, addresses waiting now)."""
    now = utcnow()
    rows = session.execute(
        select(
            LoginThrottle.email,
            func.sum(LoginThrottle.failures),
            func.count(LoginThrottle.id).filter(
                and_(LoginThrottle.blocked_until.is_not(None), LoginThrottle.blocked_until > now)
            ),
        ).group_by(LoginThrottle.email)
    ).all()
    return {email: (int(failures or 0), int(waiting or 0)) for email, failures, waiting in rows}


def sign_out(session: Session, user: User) -> None:
    """End every session of the account (its token changes) and log it."""
    user.session_token = new_session_token()
    audit.record(session, "logout", user)


#: What an administrator may do to an account.
ACCOUNT_ACTIONS = ("disable", "enable", "end-sessions", "role-moderator", "role-admin", "unlock")


def change_account(session: Session, admin: User, user: User, action: str) -> None:
    """Disable, enable, change the role of, end the sessions of, or unlock an account (forget
    its failed sign-ins from every address), and log it.

    An administrator can neither disable their own account nor give up their own role, so
    the archive always keeps one; ``AccountError`` says so.
    """
    cleared: int | None = None
    if action == "disable":
        if user.id == admin.id:
            raise AccountError("an administrator cannot disable their own account")
        user.active = False
        user.session_token = new_session_token()
    elif action == "enable":
        user.active = True
    elif action == "unlock":
        result = session.execute(
            delete(LoginThrottle).where(LoginThrottle.email == user.email),
            execution_options={"synchronize_session": False},
        )
        cleared = result.rowcount  # type: ignore[attr-defined]
    elif action == "end-sessions":
        user.session_token = new_session_token()
    elif action in ("role-moderator", "role-admin"):
        role = action.removeprefix("role-")
        if user.id == admin.id and role != UserRole.ADMIN:
            raise AccountError("an administrator cannot give up their own role")
        user.role = role
    else:
        raise ValueError(f"unknown account action {action!r}")
    audit.record(
        session,
        f"account.{action}",
        admin,
        object_type="user",
        object_id=user.id,
        email=user.email,
        cleared=cleared,
    )
