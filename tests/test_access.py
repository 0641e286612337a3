"""Who may open every staff URL: anonymous visitors, moderators, administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from memorial.extensions import db
from memorial.models import FactSource, Revision, Submission, SubmissionPhoto, User

from helpers import (
    SUBMITTER,
    csrf_token,
    image_bytes,
    login,
    post_form,
    record,
    reference_of,
    write_archive,
)

# (method, url template, moderator's answer, admin's answer); anonymous is always sent to login.
STAFF_URLS = [
    ("GET", "/staff/", 200, 200),
    ("GET", "/staff/?order=oldest&status=all", 200, 200),
    ("GET", "/staff/submissions/{sub}", 200, 200),
    ("POST", "/staff/submissions/{sub}/edit", 302, 302),
    ("POST", "/staff/submissions/{sub}/ask", 302, 302),
    ("POST", "/staff/submissions/{sub}/reject", 302, 302),
    ("POST", "/staff/submissions/{sub}/approve", 302, 302),
    ("GET", "/staff/heroes", 200, 200),
    ("GET", "/staff/heroes/{hero}", 200, 200),
    ("GET", "/staff/heroes/{hero}/edit", 200, 200),
    ("POST", "/staff/heroes/{hero}/edit", 400, 400),
    ("POST", "/staff/heroes/{hero}/unpublish", 302, 302),
    ("POST", "/staff/heroes/{hero}/publish", 302, 302),
    ("POST", "/staff/heroes/{hero}/embargo", 302, 302),
    ("POST", "/staff/heroes/{hero}/name-only", 302, 302),
    ("POST", "/staff/heroes/{hero}/sources", 302, 302),
    ("POST", "/staff/sources/{source}/verify", 302, 302),
    ("POST", "/staff/sources/{source}/remove", 302, 302),
    ("GET", "/staff/sources/{source}/document", 404, 404),
    ("GET", "/staff/unverified", 200, 200),
    ("GET", "/staff/unverified?field=rank", 200, 200),
    ("GET", "/staff/revisions/{rev}", 200, 200),
    ("POST", "/staff/revisions/{rev}/restore", 302, 302),
    ("GET", "/staff/media/{photo}", 200, 200),
    ("GET", "/staff/media/thumb/320/{photo}", 200, 200),
    ("GET", "/staff/audit", 403, 200),
    ("GET", "/staff/accounts", 403, 200),
    ("POST", "/staff/accounts", 403, 400),
    ("POST", "/staff/accounts/{user}/end-sessions", 403, 302),
    ("POST", "/staff/logout", 302, 302),
]


@pytest.fixture
def objects(app, client, staff, tmp_path):
    """One of each staff object: a submission with a photo, a hero, a revision, a user."""
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["import-archive", str(write_archive(tmp_path / "a", [record("x-1")]))]
        ).exit_code
        == 0
    )
    reference_of(
        client,
        post_form(
            client,
            "/submit",
            {**SUBMITTER, "surname": "Доступ", "given_name": "Тест"},
            files=[("a.png", image_bytes())],
        ),
    )
    with app.app_context():
        hero_id = db.session.scalar(select(Revision.hero_id))
        source = FactSource(hero_id=hero_id, field="rank", kind="family")
        db.session.add(source)
        db.session.commit()
        return {
            "source": source.id,
            "sub": db.session.scalar(select(Submission.id)),
            "hero": db.session.scalar(select(Revision.hero_id)),
            "rev": db.session.scalar(select(Revision.id)),
            "photo": db.session.scalar(select(SubmissionPhoto.file_path)),
            "user": db.session.scalar(select(User.id).where(User.role == "moderator")),
        }


@pytest.mark.parametrize("method,template,moderator,admin", STAFF_URLS)
@pytest.mark.parametrize("role", ["anonymous", "moderator", "admin"])
def test_staff_url_access(app, staff, objects, role, method, template, moderator, admin):
    client = app.test_client()
    if role != "anonymous":
        login(client, staff[role])
    url = template.format(**objects)
    data = {"text": "причина"}
    if method == "POST":
        data["csrf_token"] = (
            csrf_token(client, "/staff/login")
            if role == "anonymous"
            else csrf_token(client, "/staff/heroes")
        )
    response = client.open(url, method=method, data=data)
    response.close()
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login")
    else:
        assert response.status_code == (moderator if role == "moderator" else admin)
        assert response.headers["Cache-Control"] == "no-store"
