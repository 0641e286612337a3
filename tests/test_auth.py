"""Staff accounts: sign-in, throttling, sessions that end at once, administration."""

from __future__ import annotations

import datetime as dt
import re

import argon2
from sqlalchemy import select

from memorial import clock, create_app
from memorial.accounts import hash_password
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


ERROR_RE = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
ATTACKER, OWNER = "203.0.113.7", "198.51.100.9"
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def error_of(response) -> str:
    """The one message a refused sign-in shows."""
    found = ERROR_RE.findall(response.get_data(as_text=True))
    assert len(found) == 1, response.get_data(as_text=True)[:2000]
    return found[0]


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_slow_the_address_down_and_every_refusal_reads_the_same(app, staff):
    app.config["LOGIN_MAX_FAILURES"] = 3
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"  # the per-address limit is tested below
    attacker, owner = client_from(app, ATTACKER), client_from(app, OWNER)
    with clock.frozen(T0):
        wrong = [login(attacker, staff["moderator"], "not the password") for _ in range(3)]
        assert {r.status_code for r in wrong} == {400}
        message = error_of(wrong[0])
        assert message == "Неправильна адреса або пароль."
        # The address now waits: even the right password is refused, in the same words.
        waiting = login(attacker, staff["moderator"])
        assert waiting.status_code == 400 and error_of(waiting) == message
        assert "Забагато" not in waiting.get_data(as_text=True)
        unknown = login(attacker, "nobody@example.org", "whatever12345")
        assert error_of(unknown) == message
        # The owner, from their own address, is not locked out.
        assert login(owner, staff["moderator"]).status_code == 302
    assert actions(app) == ["login.failure"] * 3 + ["login.locked", "login.failure"] + [
        "login.success"
    ]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.remote_addr for e in events] == [ATTACKER] * 5 + [OWNER]
        assert events[3].detail["failures"] == 3  # the log says why, the visitor is not told
        assert events[4].actor == "nobody@example.org" and events[4].detail["reason"] == "unknown"
    # The waits grow: 1 minute after the third failure, then 2, then 4.
    moment = T0
    for minutes in (1, 2, 4):
        with clock.frozen(moment + dt.timedelta(minutes=minutes) - dt.timedelta(seconds=5)):
            assert login(attacker, staff["moderator"]).status_code == 400  # still waiting
        moment += dt.timedelta(minutes=minutes)
        with clock.frozen(moment):
            assert login(attacker, staff["moderator"], "still not it").status_code == 400
    with clock.frozen(moment + dt.timedelta(minutes=8)):
        assert login(attacker, staff["moderator"]).status_code == 302  # waited long enough


def test_every_sign_in_costs_one_argon2_verification(app, staff, monkeypatch):
    """Known, unknown, disabled or waiting: the answer always takes one verification of a hash
    made with the same argon2 parameters, so its duration does not tell accounts apart."""
    app.config["LOGIN_MAX_FAILURES"] = 1
    calls: list[argon2.Parameters] = []
    original = argon2.PasswordHasher.verify

    def verify(self, hash, password):  # argon2's own, observed
        calls.append(argon2.extract_parameters(hash))
        return original(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    expected = argon2.extract_parameters(hash_password("any password at all"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == staff["admin"]))
        user.active = False
        db.session.commit()
    cases = [
        (staff["moderator"], "not the password"),  # known, wrong
        ("nobody@example.org", "not the password"),  # unknown
        ("nobody@example.org", STAFF_PASSWORD),  # unknown, now waiting too
        (staff["moderator"], STAFF_PASSWORD),  # known, waiting
        (staff["admin"], STAFF_PASSWORD),  # disabled
    ]
    for email, password in cases:
        calls.clear()
        response = login(app.test_client(), email, password)
        assert response.status_code == 400
        assert calls == [expected], email
    calls.clear()
    assert login(client_from(app, OWNER), staff["moderator"]).status_code == 302
    assert calls == [expected]


def test_an_administrator_unlocks_an_account(app, staff):
    app.config["LOGIN_MAX_FAILURES"] = 2
    attacker, admin, moder = client_from(app, ATTACKER), app.test_client(), app.test_client()
    for _ in range(2):
        login(attacker, staff["moderator"], "not the password")
    assert login(attacker, staff["moderator"]).status_code == 400  # waiting
    login(admin, staff["admin"])
    page = admin.get("/staff/accounts").get_data(as_text=True)
    assert "Розблокувати" in page and "адрес чекає: 1" in page
    with app.app_context():
        moder_id = db.session.scalar(select(User.id).where(User.email == staff["moderator"]))
    # A moderator may not; an administrator may.
    login(moder, staff["moderator"])
    token = csrf_token(moder, "/staff/")
    assert (
        moder.post(f"/staff/accounts/{moder_id}/unlock", data={"csrf_token": token}).status_code
        == 403
    )
    token = csrf_token(admin, "/staff/accounts")
    done = admin.post(
        f"/staff/accounts/{moder_id}/unlock", data={"csrf_token": token}, follow_redirects=True
    )
    assert done.status_code == 200 and "Невдалі спроби входу для moder@example.org забуто." in (
        done.get_data(as_text=True)
    )
    assert "Розблокувати" not in done.get_data(as_text=True)
    assert login(attacker, staff["moderator"]).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.unlock"))
        assert event is not None and event.actor == staff["admin"]
        assert event.object_id == str(moder_id) and event.detail["cleared"] == 1


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
