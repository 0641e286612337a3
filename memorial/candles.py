"""The candle a visitor lights for a hero: once a day, no account, no raw address kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import CandleLight, Hero

VISITOR_COOKIE = "visitor"


def new_visitor_token() -> str:
    """A random token for the visitor cookie."""
    return secrets.token_urlsafe(24)


def visitor_key(secret: str, address: str | None, token: str | None) -> str:
    """A keyed hash of the visitor's address and cookie token (hex, 64 characters)."""
    message = f"{address or ''}\x1f{token or ''}".encode()
    return hmac.new(f"candle:{secret}".encode(), message, hashlib.sha256).hexdigest()


def light_candle(session: Session, hero: Hero, key: str, day: dt.date) -> bool:
    """Record a candle; ``False`` when this visitor already lit one for the hero that day.

    The unique constraint decides, so two simultaneous requests still add only one candle.
    """
    try:
        with session.begin_nested():
            session.add(CandleLight(hero_id=hero.id, visitor_key=key, day=day))
            session.flush()
    except IntegrityError:
        return False
    return True


def candle_count(session: Session, hero_id: int) -> int:
    """How many candles have been lit for a hero."""
    return (
        session.scalar(select(func.count(CandleLight.id)).where(CandleLight.hero_id == hero_id))
        or 0
    )


def lit_today(session: Session, hero_id: int, key: str, day: dt.date) -> bool:
    """Whether this visitor has already lit a candle for the hero today."""
    return (
        session.scalar(
            select(CandleLight.id).where(
                CandleLight.hero_id == hero_id,
                CandleLight.visitor_key == key,
                CandleLight.day == day,
            )
        )
        is not None
    )
