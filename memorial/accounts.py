"""Staff accounts: creation and password hashing (argon2id)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import USER_ROLES, User

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


def create_or_update_user(session: Session, email: str, password: str, role: str
                          ) -> tuple[User, bool]:
    """Create a staff account, or reset the password and role of an existing one (flush only)."""
    email = normalize_email(email)
    if not _EMAIL_RE.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in USER_ROLES:
        raise AccountError(f"role must be one of {', '.join(USER_ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password must have at most {MAX_PASSWORD} characters")
    user = session.scalar(select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(email=email)
        session.add(user)
    user.password_hash = hash_password(password)
    user.role = role
    user.active = True
    session.flush()
    return user, created
