"""Staff accounts: sign-in, throttling, sessions that end at once, administration."""

from __future__ import annotations

from sqlalchemy import select

from memorial import create_app
from memorial.extensions import db
from memorial.models import AuditEvent, User
from memorial.schema import create_schema

from helpers import STAFF_PASSWORD, app_config, csrf_token, login


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_logout_and_replayed_cookie(app, client, staff):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    response = login(client, staff["moderator"])
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    with client.session_transaction() as sess:
        assert "planted" not in sess  # a fresh session at sign-in
        stolen = dict(sess)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert client.get("/staff/").status_code == 302
    with client.session_transaction() as sess:  # the old cookie, replayed, no longer works
        sess.update(stolen)
    assert client.get("/staff/").status_code == 302
    assert actions(app) == ["login.success", "logout"]


def test_failed_logins_are_logged_generic_and_lock_the_account(app, client, staff):
    app.config["LOGIN_MAX_FAILURES"] = 3
    for _ in range(3):
        response = login(client, staff["moderator"], "not the password")
        assert response.status_code == 400
        assert "Неправильна адреса або пароль." in response.get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "whatever12345")
    assert "Неправильна адреса або пароль." in unknown.get_data(as_text=True)
    locked = login(client, staff["moderator"])  # the right password, but locked for now
    assert locked.status_code == 400 and "Забагато невдалих спроб" in locked.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
    assert actions(app) == ["login.failure"] * 4 + ["login.locked"]
    with app.app_context():
        failures = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failure")
        ).all()
        assert failures[-1].actor == "nobody@example.org"
        assert failures[0].remote_addr == "127.0.0.1"


def test_login_rate_limit_answers_429(tmp_path):
    app = create_app(app_config(tmp_path, LOGIN_RATE_LIMIT="3 per minute"))
    with app.app_context():
        create_schema()
    client = app.test_client()
    codes = [login(client, "a@example.org", "wrong password").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    with app.app_context():
        db.engine.dispose()


def test_open_redirect_after_login_is_ignored(client, staff):
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login?next=//evil.example/staff/",
        data={"email": staff["moderator"], "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/staff/"


def test_admin_manages_accounts_and_ends_sessions(app, staff):
    admin, moder = app.test_client(), app.test_client()
    login(admin, staff["admin"])
    login(moder, staff["moderator"])
    assert moder.get("/staff/").status_code == 200
    with app.app_context():
        moder_id = db.session.scalar(select(User.id).where(User.email == staff["moderator"]))

    def act(action: str):
        token = csrf_token(admin, "/staff/accounts")
        return admin.post(f"/staff/accounts/{moder_id}/{action}", data={"csrf_token": token})

    assert act("end-sessions").status_code == 302
    assert moder.get("/staff/").status_code == 302
    login(moder, staff["moderator"])
    assert act("disable").status_code == 302
    assert moder.get("/staff/").status_code == 302
    assert login(moder, staff["moderator"]).status_code == 400
    act("enable")
    act("role-admin")
    login(moder, staff["moderator"])
    assert moder.get("/staff/accounts").status_code == 200
    token = csrf_token(admin, "/staff/accounts")
    created = admin.post(
        "/staff/accounts",
        data={
            "csrf_token": token,
            "email": "new@example.org",
            "password": "long enough pass",
            "role": "moderator",
        },
    )
    assert created.status_code == 302
    short = admin.post(
        "/staff/accounts",
        data={
            "csrf_token": token,
            "email": "x@example.org",
            "password": "short",
            "role": "moderator",
        },
    )
    assert short.status_code == 400 and "від 10 до 256" in short.get_data(as_text=True)
    fresh = app.test_client()
    assert login(fresh, "new@example.org", "long enough pass").status_code == 302
    assert "account.end-sessions" in actions(app) and "account.create" in actions(app)


def test_idle_session_ends(app, client, staff):
    login(client, staff["moderator"])
    with client.session_transaction() as sess:
        sess["staff_seen"] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    assert client.get("/staff/").status_code == 302


def forwarded_login_attempts(tmp_path, proxies: int) -> tuple[list[int], list[str]]:
    """Four failed logins from two visitors behind one proxy, 2-per-minute limit."""
    app = create_app(
        app_config(tmp_path / f"p{proxies}", PROXIES=proxies, LOGIN_RATE_LIMIT="2 per minute")
    )
    with app.app_context():
        create_schema()
    codes = []
    for visitor in ("203.0.113.7", "203.0.113.7", "198.51.100.9", "198.51.100.9"):
        client = app.test_client()
        token = csrf_token(client, "/staff/login")
        codes.append(
            client.post(
                "/staff/login",
                data={"email": "a@example.org", "password": "wrong password", "csrf_token": token},
                headers={
                    "X-Forwarded-For": visitor,
                    "X-Forwarded-Proto": "https",
                    "Referer": "https://localhost/staff/login",
                },
            ).status_code
        )
    with app.app_context():
        addresses = list(
            db.session.scalars(
                select(AuditEvent.remote_addr)
                .where(AuditEvent.action == "login.failure")
                .order_by(AuditEvent.id)
            )
        )
        db.session.remove()
        db.engine.dispose()
    return codes, addresses


def test_behind_a_proxy_each_visitor_has_their_own_address(tmp_path):
    codes, addresses = forwarded_login_attempts(tmp_path, proxies=1)
    assert codes == [400, 400, 400, 400]  # two visitors, two allowances
    assert addresses == ["203.0.113.7", "203.0.113.7", "198.51.100.9", "198.51.100.9"]
    # Without a proxy configured, the header is not believed: everyone is the socket's peer.
    codes, addresses = forwarded_login_attempts(tmp_path, proxies=0)
    assert codes == [400, 400, 429, 429] and set(addresses) == {"127.0.0.1"}


def test_a_wrong_proxy_count_is_named(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="MEMORIAL_PROXIES"):
        create_app(app_config(tmp_path, PROXIES="many"))
