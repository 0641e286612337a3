"""Staff sign-in, sign-out and account management (administrators only).

Sessions live in Flask's signed cookie, which the server cannot delete, so every session
also carries the account's ``session_token``: replacing the token (sign-out, disabling the
account, or an administrator's "end sessions") ends every session of that account at once.
"""

from __future__ import annotations

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

from .. import accounts, audit
from ..extensions import db, limiter, login_manager
from ..models import Hero, User
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/staff")

_SEEN_KEY = "staff_seen"


def init_app(app: Flask) -> None:
    """Bind Flask-Login and the staff-page rules to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Увійдіть, щоб відкрити цю сторінку.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    accounts.dummy_hash()  # made once per process now, not during a visitor's sign-in

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


def current_staff():
    """The signed-in staff member (the user object itself, not the request-bound proxy)."""
    return current_user._get_current_object()


def hero_or_404(hero_id: int) -> Hero:
    """The hero with ``hero_id``, for a staff page, or the 404 page."""
    return db.get_or_404(Hero, hero_id)


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
            audit.record(
                db.session,
                "access.denied",
                current_user,
                object_type="url",
                object_id=request.path[:60],
            )
            db.session.commit()
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a path of this site's staff area."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and parts.path.startswith("/staff/")
            and "\\" not in target
        ):
            return target
    return url_for("staff.queue")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in; every attempt is logged, and repeated failures make the address they come
    from wait longer and longer for that account. Every refusal reads the same."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        config = current_app.config
        attempt = accounts.sign_in(
            db.session,
            form.email.data,
            form.password.data,
            request.remote_addr or "",
            accounts.Throttle(
                max_failures=int(config["LOGIN_MAX_FAILURES"]),
                first_minutes=float(config["LOGIN_DELAY_MINUTES"]),
                longest_minutes=float(config["LOGIN_LOCK_MINUTES"]),
                forget_hours=float(config["LOGIN_FORGET_HOURS"]),
            ),
        )
        db.session.commit()
        if attempt.user is not None:
            target = _safe_next(request.args.get("next"))
            # Nothing from before sign-in survives: a fresh session (no fixation).
            session.clear()
            login_user(attempt.user)
            session[_SEEN_KEY] = time.time()
            return redirect(target)
        # Waiting or wrong: the same words, so they tell nothing about the account.
        error = _("Неправильна адреса або пароль.")
    status = 200 if error is None and not form.errors else 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@staff_required
def logout():
    """Sign out: the account's token changes, so this and every other session of it ends."""
    accounts.sign_out(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Ви вийшли."), "info")
    return redirect(url_for("auth.login"))
