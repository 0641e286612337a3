"""A submission is decided exactly once, even when moderators act on it at the same moment."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from memorial import create_app, submissions
from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Story, Submission, SubmissionStatus, User

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    login,
    record,
    staff_password_hash,
    write_archive,
)

MODERATORS = 4
STORIES = 8
NEW_HEROES = 3
DONE = "Опубліковано."
ALREADY = "Це звернення вже розглянув(-ла)"


def submitted_stories() -> int:
    """How many stories the moderators published (the imported hero brings one of its own)."""
    return db.session.scalar(select(func.count(Story.id)).where(Story.title.like("Спогад %")))


def prepare(app, tmp_path) -> tuple[list[int], list[int], list[str]]:
    """A hero, story submissions about it, new-hero submissions, and four moderators."""
    folder = write_archive(tmp_path / "a", [record("c-1", surname="Коваль", given_name="Денис")])
    result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    emails = [f"m{n}@example.org" for n in range(MODERATORS)]
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "c-1"))
        stories = [
            submissions.submit(
                db.session,
                "story",
                {"title": f"Спогад {n}", "body": f"Текст спогаду {n}.", "author_name": "Мати"},
                SUBMITTER,
                hero=hero,
            ).id
            for n in range(STORIES)
        ]
        heroes = [
            submissions.submit(
                db.session,
                "hero",
                {"surname": f"Новак{n}", "given_name": "Тарас", "death_date": "2024"},
                SUBMITTER,
            ).id
            for n in range(NEW_HEROES)
        ]
        for email in emails:
            db.session.add(User(email=email, role="moderator", password_hash=staff_password_hash()))
        db.session.commit()
    return stories, heroes, emails


def moderate_at_once(app, tmp_path, emails, ids, action="approve", text=""):
    """Every moderator, each with an app and a client of their own, acts on every submission
    at the same moment; returns (moderator, submission id, status code, page) per answer."""
    url = app.config["DATABASE_URL"]
    clients = []
    for email in emails:
        own = create_app(app_config(tmp_path, DATABASE_URL=url, PROPAGATE_EXCEPTIONS=False))
        client = own.test_client()
        assert login(client, email).status_code == 302
        token = csrf_token(client, f"/staff/submissions/{ids[0]}")
        clients.append((own, client, email, token))
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[str, int, int, str]] = []
    errors: list[BaseException] = []

    def work(client, email, token, order):
        try:
            barrier.wait(timeout=60)
            for sid in order:
                response = client.post(
                    f"/staff/submissions/{sid}/{action}",
                    data={"csrf_token": token, "text": text, "notified": "y"},
                    follow_redirects=True,
                )
                answers.append((email, sid, response.status_code, response.get_data(as_text=True)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(client, email, token, ids))
        for n, (_own, client, email, token) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for own, *_rest in clients:
        with own.app_context():
            db.session.remove()
            db.engine.dispose()
    assert not errors, errors
    return answers


def test_approving_at_once_publishes_each_submission_once(app, tmp_path):
    stories, heroes, emails = prepare(app, tmp_path)
    answers = moderate_at_once(app, tmp_path, emails, stories + heroes)
    with app.app_context():
        found = (
            submitted_stories(),
            db.session.scalar(select(func.count(Hero.id))) - 1,
            sorted(code for *_x, code, _page in answers),
        )
    assert found[:2] == (STORIES, NEW_HEROES), found
    assert [code for *_x, code, _page in answers] == [200] * len(answers)
    for sid in stories + heroes:
        pages = [page for _e, s, _c, page in answers if s == sid]
        assert sum(DONE in page for page in pages) == 1, sid
        assert sum(ALREADY in page for page in pages) == MODERATORS - 1, sid
    with app.app_context():
        assert submitted_stories() == STORIES
        assert db.session.scalar(select(func.count(Hero.id))) == 1 + NEW_HEROES
        decided = db.session.execute(
            select(Submission.id, Submission.status, User.email).join(
                User, User.id == Submission.decided_by_id
            )
        ).all()
        assert {status for _i, status, _e in decided} == {SubmissionStatus.PUBLISHED}
        approvals = db.session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "submission.approve")
        ).all()
        assert len(approvals) == STORIES + NEW_HEROES == len(set(approvals))
    # Each loser was told who decided it.
    winner = {sid: email for sid, _s, email in decided}
    for _email, sid, _code, page in answers:
        if ALREADY in page:
            assert f"{ALREADY} {winner[sid]}." in page


def test_rejecting_and_asking_at_once_decide_once(app, tmp_path):
    stories, heroes, emails = prepare(app, tmp_path)
    answers = moderate_at_once(app, tmp_path, emails, stories[:4], "reject", "Не підходить.")
    answers += moderate_at_once(app, tmp_path, emails, stories[4:], "ask", "Хто автор?")
    assert {code for *_x, code, _page in answers} == {200}
    for sid in stories:
        pages = [page for _e, s, _c, page in answers if s == sid]
        assert sum(ALREADY in page for page in pages) == MODERATORS - 1, sid
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("submission.%"))
        ).all()
        assert sorted(events) == ["submission.ask"] * 4 + ["submission.reject"] * 4
        assert submitted_stories() == 0


def test_a_late_answer_never_reopens_a_decided_submission(app, tmp_path):
    from sqlalchemy.orm import Session

    stories, _heroes, emails = prepare(app, tmp_path)
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.email == emails[0]))
        item = db.session.get(Submission, stories[0])
        submissions.ask_for_information(db.session, item, moderator, "Хто автор?")
        db.session.commit()
        with Session(db.engine) as family:  # the submitter's form is open with the question
            seen = family.get(Submission, stories[0])
            assert seen is not None and seen.status == SubmissionStatus.NEEDS_INFO
            submissions.approve(db.session, item, moderator)  # meanwhile, it is published
            db.session.commit()
            assert submissions.answer_question(seen, "Мати.") is False
            family.commit()
        db.session.expire_all()
        assert db.session.get(Submission, stories[0]).status == SubmissionStatus.PUBLISHED
        assert submitted_stories() == 1
