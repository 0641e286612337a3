"""Staff sign-in, sign-out and account management (administrators only).

Sessions live in Flask's signed cookie, which the server cannot delete, so every session
also carries the account's ``session_token``: replacing the token (sign-out, disabling the
account, or an administrator's "end sessions") ends every session of that account at once.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import audit
from ..accounts import AccountError, create_or_update_user, normalize_email, verify_password
from ..extensions import db, limiter, login_manager
from .forms import AccountForm, LoginForm
from ..models import USER_ROLES, User, new_session_token, utcnow

bp = Blueprint("auth", __name__, url_prefix="/staff")

#: Defaults that ``instance/config.py`` or the test configuration may change.
DEFAULTS = {
    "LOGIN_RATE_LIMIT": "10 per minute; 60 per hour",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "STAFF_IDLE_MINUTES": 120,
}
_SEEN_KEY = "staff_seen"


def init_app(app: Flask) -> None:
    """Bind Flask-Login and the staff-page rules to the app."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Увійдіть, щоб відкрити цю сторінку.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @app.before_request
    def end_idle_staff_session():
        """A staff session left idle too long ends (ASVS 7.3.1)."""
        if "_user_id" not in session:
            return
        now = time.time()
        idle = current_app.config["STAFF_IDLE_MINUTES"] * 60
        seen = session.get(_SEEN_KEY, 0)
        if now - seen > idle:
            logout_user()
            session.clear()
        else:
            session[_SEEN_KEY] = now


@login_manager.user_loader
def load_user(ident: str) -> User | None:
    """The account of a session, only while its token is current and the account active."""
    user_id, _sep, token = (ident or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def staff_headers(response):
    """Staff pages are never cached nor indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


bp.after_request(staff_headers)


def staff_required(view):
    """Only signed-in staff (moderators and administrators)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Only administrators; a moderator's attempt is refused and logged."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            audit.record(db.session, "access.denied", current_user, object_type="url",
                         object_id=request.path[:60])
            db.session.commit()
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a path of this site's staff area."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/") \
                and "\\" not in target:
            return target
    return url_for("moderation.queue")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in; every attempt is logged, repeated failures lock the account for a while."""
    if current_user.is_authenticated:
        return redirect(url_for("moderation.queue"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        user = db.session.scalar(select(User).where(User.email == email))
        now = utcnow()
        locked_until = user.locked_until if user is not None else None
        if locked_until is not None and locked_until.tzinfo is None:
            locked_until = locked_until.replace(tzinfo=dt.UTC)
        if user is not None and locked_until is not None and locked_until > now:
            audit.record(db.session, "login.locked", user)
            error = _("Забагато невдалих спроб. Спробуйте через %(n)d хв.",
                      n=current_app.config["LOGIN_LOCK_MINUTES"])
        elif user is not None and user.active and verify_password(user, form.password.data):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            audit.record(db.session, "login.success", user)
            db.session.commit()
            target = _safe_next(request.args.get("next"))
            # Nothing from before sign-in survives: a fresh session (no fixation).
            session.clear()
            login_user(user)
            session[_SEEN_KEY] = time.time()
            return redirect(target)
        else:
            if user is not None:
                user.failed_logins = (user.failed_logins or 0) + 1
                if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                    user.locked_until = now + dt.timedelta(
                        minutes=current_app.config["LOGIN_LOCK_MINUTES"])
                    user.failed_logins = 0
            audit.record(db.session, "login.failure", user, actor=email,
                         reason="inactive" if user is not None and not user.active else
                         "unknown" if user is None else "password")
            error = _("Неправильна адреса або пароль.")
        db.session.commit()
    status = 200 if error is None and not form.errors else 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@staff_required
def logout():
    """Sign out: the account's token changes, so this and every other session of it ends."""
    user = current_user._get_current_object()
    user.session_token = new_session_token()
    audit.record(db.session, "logout", user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Ви вийшли."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/accounts")
@admin_required
def accounts():
    """Staff accounts and the form for a new one."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("auth/accounts.html", users=users, form=AccountForm())


@bp.post("/accounts")
@admin_required
def create_account():
    """Create a staff account (or reset an existing one's password and role)."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user, created = create_or_update_user(db.session, form.email.data,
                                                  form.password.data, form.role.data)
        except AccountError:
            db.session.rollback()
            form.email.errors.append(_("Це не схоже на адресу електронної пошти."))
        else:
            user.session_token = new_session_token()
            audit.record(db.session, "account.create" if created else "account.reset",
                         current_user, object_type="user", object_id=user.id, email=user.email,
                         role=user.role)
            db.session.commit()
            flash(_("Обліковий запис %(email)s збережено.", email=user.email), "info")
            return redirect(url_for("auth.accounts"))
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("auth/accounts.html", users=users, form=form), 400


@bp.post("/accounts/<int:user_id>/<action>")
@admin_required
def change_account(user_id: int, action: str):
    """Disable, enable, change the role of, or end the sessions of an account."""
    from .forms import ConfirmForm

    user = db.session.get(User, user_id) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    me = current_user._get_current_object()
    if action == "disable":
        if user.id == me.id:
            flash(_("Власний обліковий запис вимкнути не можна."), "error")
            return redirect(url_for("auth.accounts"))
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
        if role not in USER_ROLES or (user.id == me.id and role != "admin"):
            flash(_("Власну роль адміністратора зняти не можна."), "error")
            return redirect(url_for("auth.accounts"))
        user.role = role
    else:
        abort(404)
    audit.record(db.session, f"account.{action}", me, object_type="user", object_id=user.id,
                 email=user.email)
    db.session.commit()
    flash(_("Зміни для %(email)s збережено.", email=user.email), "info")
    if user.id == me.id and action == "end-sessions":
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.accounts"))
