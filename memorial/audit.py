"""The audit log: every staff action and every login attempt, appended, never changed."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy.orm import Session

from .models import AuditEvent, User


def record(session: Session, action: str, user: User | None = None, *, actor: str = "",
           object_type: str = "", object_id: object = "", **detail: object) -> AuditEvent:
    """Append one event (flush only); the time is UTC and the address is the request's."""
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        actor=(user.email if user is not None else actor)[:320],
        object_type=object_type,
        object_id=str(object_id)[:60],
        remote_addr=(request.remote_addr or "")[:64] if has_request_context() else "",
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(event)
    session.flush()
    return event
