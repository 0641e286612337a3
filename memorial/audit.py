"""The audit log: every staff action and every login attempt, appended, never changed."""

from __future__ import annotations

from contextvars import ContextVar, Token

from sqlalchemy.orm import Session

from .models import AuditEvent, User

#: The network address an action came from: set by the web for each request, empty for
#: the command line.
_origin: ContextVar[str] = ContextVar("memorial_audit_origin", default="")


def bind_origin(address: str | None) -> Token[str]:
    """Log what follows in this context (a web request) as coming from ``address``."""
    return _origin.set((address or "")[:64])


def unbind_origin(token: Token[str]) -> None:
    """Forget the address bound by :func:`bind_origin` (the request is over)."""
    _origin.reset(token)


def record(
    session: Session,
    action: str,
    user: User | None = None,
    *,
    actor: str = "",
    object_type: str = "",
    object_id: object = "",
    **detail: object,
) -> AuditEvent:
    """Append one event (flush only); the time is UTC and the address is the origin's."""
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        actor=(user.email if user is not None else actor)[:320],
        object_type=object_type,
        object_id=str(object_id)[:60],
        remote_addr=_origin.get(),
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(event)
    session.flush()
    return event
