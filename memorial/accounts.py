"""Staff accounts: creation, password hashing (argon2id), signing in with a lockout after
repeated failures, and an administrator's changes; each operation logs itself."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import User, UserRole, new_session_token, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 256
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; upgrades the stored hash when parameters changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
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
    """The outcome of a sign-in attempt: the account on success, else why not."""

    user: User | None
    #: ``"locked"`` (too many failures lately) or ``"refused"`` (wrong address or password).
    refused: str | None = None


def sign_in(
    session: Session, email: str, password: str, max_failures: int, lock_minutes: int
) -> SignIn:
    """Check a sign-in attempt and log it; ``max_failures`` wrong passwords in a row lock the
    account for ``lock_minutes`` (flush only)."""
    email = normalize_email(email)
    user = session.scalar(select(User).where(User.email == email))
    now = utcnow()
    locked_until = user.locked_until if user is not None else None
    if locked_until is not None and locked_until.tzinfo is None:
        locked_until = locked_until.replace(tzinfo=dt.UTC)
    if user is not None and locked_until is not None and locked_until > now:
        audit.record(session, "login.locked", user)
        return SignIn(None, "locked")
    if user is not None and user.active and verify_password(user, password):
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(session, "login.success", user)
        return SignIn(user)
    if user is not None:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + dt.timedelta(minutes=lock_minutes)
            user.failed_logins = 0
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
    )
    return SignIn(None, "refused")


def sign_out(session: Session, user: User) -> None:
    """End every session of the account (its token changes) and log it."""
    user.session_token = new_session_token()
    audit.record(session, "logout", user)


#: What an administrator may do to an account.
ACCOUNT_ACTIONS = ("disable", "enable", "end-sessions", "role-moderator", "role-admin")


def change_account(session: Session, admin: User, user: User, action: str) -> None:
    """Disable, enable, change the role of, or end the sessions of an account, and log it.

    An administrator can neither disable their own account nor give up their own role, so
    the archive always keeps one; ``AccountError`` says so.
    """
    if action == "disable":
        if user.id == admin.id:
            raise AccountError("an administrator cannot disable their own account")
        user.active = False
        user.session_token = new_session_token()
    elif action == "enable":
        user.active = True
        user.failed_logins = 0
        user.locked_until = None
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
        session, f"account.{action}", admin, object_type="user", object_id=user.id, email=user.email
    )
