"""Public submissions end to end: submit, moderate, then visible and searchable."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from memorial import create_app
from memorial.extensions import db
from memorial.models import Hero, Revision, Submission, SubmissionPhoto
from memorial.schema import create_schema

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    gps_jpeg,
    image_bytes,
    login,
    post_form,
    record,
    reference_of,
    search_api,
    submission,
    write_archive,
)

CONTRACT_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "call_sign",
    "birth_date",
    "death_date",
    "birth_place",
    "home_community",
    "rank",
    "position",
    "military_unit",
    "death_place",
    "death_circumstances",
    "burial_place",
    "burial_plot",
    "awards",
    "biography",
    "photos",
    "submitter_name",
    "submitter_relation",
    "submitter_email",
    "submitter_phone",
    "consent",
    "csrf_token",
)


def status_page(client, reference: str) -> str:
    response = post_form(client, "/submit/status", {"code": reference.lower().replace("-", " ")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def approve(client, app, reference: str) -> None:
    """A signed-in moderator's client approves the submission."""
    url = f"/staff/submissions/{submission(app, reference).id}"
    response = client.post(
        f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def status_of(client, url: str) -> int:
    """The status code of a GET, closing the (file) response."""
    response = client.get(url)
    response.close()
    return response.status_code


@pytest.fixture
def hero_app(app, runner, tmp_path):
    """An app holding one published hero imported through the CLI."""
    folder = write_archive(
        tmp_path / "arch", [record("k-1", photos=[{"file": "p.png"}])], {"p.png": image_bytes()}
    )
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "k-1"))
        app.config["TEST_HERO"] = (hero.id, hero.slug)
    return app


def test_new_hero_form_has_contract_field_names(client):
    page = client.get("/submit").get_data(as_text=True)
    for name in CONTRACT_FIELDS:
        assert f'name="{name}"' in page, name
    assert 'enctype="multipart/form-data"' in page and 'method="post"' in page
    assert "style=" not in page
    # No inline script; only the site's own file that checks a recording's size before sending
    # (the form works without it).
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == [s for s in scripts if re.search(r'src="/static/js/interview\.js', s)]


def test_new_hero_with_two_photos_end_to_end(app, client, staff, tmp_path):
    response = post_form(
        client,
        "/submit",
        {
            **SUBMITTER,
            "surname": "Чорновол",
            "given_name": "Богдан",
            "call_sign": "Вітер",
            "birth_date": "03.1990",
            "death_date": "14.03.2023",
            "military_unit": "Третя бригада",
            "biography": "Вчителював у Лимані.\n\nПішов добровольцем.",
            "awards": "орден «За мужність» III ступеня",
            "captions": "На весіллі\nУ Лимані",
        },
        files=[("portrait.jpg", gps_jpeg()), ("second.png", image_bytes("PNG"))],
    )
    reference = reference_of(client, response)
    assert "отримано" in status_page(client, reference)

    item = submission(app, reference)
    with app.app_context():
        photos = db.session.scalars(select(SubmissionPhoto)).all()
        paths = [p.file_path for p in photos]
        assert [p.caption for p in photos] == ["На весіллі", "У Лимані"]
    # Nothing is public before a moderator decides, photos included.
    assert search_api(client, "Чорновол") == []
    for path in paths:
        assert status_of(client, f"/media/{path}") == 404
        assert status_of(client, f"/staff/media/{path}") == 302  # to the login page

    login(client, staff["moderator"])
    queue = client.get("/staff/").get_data(as_text=True)
    assert reference in queue
    review = client.get(f"/staff/submissions/{item.id}").get_data(as_text=True)
    assert "Чорновол" in review and "oksana.private@example.org" in review
    for path in paths:
        served = client.get(f"/staff/media/{path}")
        assert served.status_code == 200
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Type"] in ("image/jpeg", "image/png")
        assert "sandbox" in served.headers["Content-Security-Policy"]
        served.close()
    approve(client, app, reference)

    assert search_api(client, "Чорновол") == ["Чорновол Богдан"]
    assert search_api(client, "Chornovol") == ["Чорновол Богдан"]
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.surname == "Чорновол"))
        slug, hero_id = hero.slug, hero.id
        assert hero.death_date.iso() == "2023-03-14" and hero.birth_date.iso() == "1990-03"
        assert [a.name for a in hero.awards] == ["орден «За мужність» III ступеня"]
        assert len(hero.photos) == 2 and hero.primary_photo.caption == "На весіллі"
    profile = client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert "Вчителював у Лимані." in profile and "«Вітер»" in profile
    for path in paths:
        assert status_of(client, f"/media/{path}") == 200
    status = status_page(client, reference)
    assert "опубліковано" in status and "Відкрити сторінку героя" in status
    assert f'href="/heroes/{slug}"' in status
    # The submitter's contact is private: not on the page, not in the API, not in an export.
    api = json.dumps(client.get(f"/api/v1/heroes/{hero_id}").get_json(), ensure_ascii=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["export", str(tmp_path / "out")]).exit_code == 0
    exported = (tmp_path / "out" / "heroes.json").read_text(encoding="utf-8")
    for private in ("oksana.private@example.org", "000 11 22", "Оксана Мельник"):
        assert private not in profile and private not in api and private not in exported


def test_story_end_to_end(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    assert f"/submit/story/{hero_id}" in client.get(f"/heroes/{slug}").get_data(as_text=True)
    response = post_form(
        client,
        f"/submit/story/{hero_id}",
        {
            **SUBMITTER,
            "title": "Останній дзвінок",
            "body": "Він подзвонив мамі зі Співаковки.",
            "author_name": "Оксана",
            "author_relation": "дружина",
            "date": "2024",
        },
    )
    reference = reference_of(client, response)
    assert "Співаковки" not in client.get(f"/heroes/{slug}").get_data(as_text=True)
    login(client, staff["moderator"])
    approve(client, hero_app, reference)
    profile = client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert "Останній дзвінок" in profile and "Співаковки" in profile
    assert search_api(client, "Співаковка") == ["Коваленко Андрій Петрович"]


def test_photos_end_to_end(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    response = post_form(
        client,
        f"/submit/photos/{hero_id}",
        {**SUBMITTER, "captions": "На рибалці\nЗ донькою"},
        files=[("a.jpg", gps_jpeg()), ("b.webp", image_bytes("WEBP"))],
    )
    reference = reference_of(client, response)
    login(client, staff["moderator"])
    approve(client, hero_app, reference)
    with hero_app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert [p.caption for p in hero.photos] == [None, "На рибалці", "З донькою"]
        assert sum(p.is_primary for p in hero.photos) == 1
    profile = client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert "На рибалці" in profile and "З донькою" in profile


def test_correction_shown_as_difference_and_applied_on_approval(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    response = post_form(
        client,
        f"/submit/correction/{hero_id}",
        {**SUBMITTER, "field": "rank", "value": "старший сержант", "note": "Наказ 17/2022"},
    )
    reference = reference_of(client, response)
    assert "старший сержант" not in client.get(f"/heroes/{slug}").get_data(as_text=True)
    login(client, staff["moderator"])
    item = submission(hero_app, reference)
    review = client.get(f"/staff/submissions/{item.id}").get_data(as_text=True)
    assert "<ins>старший</ins>" in review and "Наказ 17/2022" in review
    assert search_api(client, "старший") == []
    approve(client, hero_app, reference)
    assert "старший сержант" in client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert search_api(client, "старший сержант") == ["Коваленко Андрій Петрович"]


def test_question_answer_and_rejection_reach_the_submitter(hero_app, client, staff):
    hero_id, _ = hero_app.config["TEST_HERO"]
    reference = reference_of(
        client,
        post_form(
            client,
            f"/submit/story/{hero_id}",
            {**SUBMITTER, "body": "Коротко.", "author_name": "Оксана"},
        ),
    )
    item = submission(hero_app, reference)
    staff_client = hero_app.test_client()
    login(staff_client, staff["moderator"])
    url = f"/staff/submissions/{item.id}"
    staff_client.post(
        f"{url}/ask",
        data={"csrf_token": csrf_token(staff_client, url), "text": "Коли саме це було?"},
    )
    page = status_page(client, reference)
    assert "потрібні уточнення" in page and "Коли саме це було?" in page
    answered = client.post(
        "/submit/status/answer",
        data={
            "csrf_token": csrf_token(client, "/submit/status"),
            "code": reference,
            "answer": "Навесні 2022 року.",
        },
    )
    assert answered.status_code == 200 and "передано" in answered.get_data(as_text=True)
    review = staff_client.get(url).get_data(as_text=True)
    assert "Навесні 2022 року." in review
    staff_client.post(
        f"{url}/reject",
        data={"csrf_token": csrf_token(staff_client, url), "text": "Ця історія вже є на сторінці."},
    )
    page = status_page(client, reference)
    assert "відхилено" in page and "Ця історія вже є на сторінці." in page
    # A decided submission cannot be approved afterwards.
    staff_client.post(f"{url}/approve", data={"csrf_token": csrf_token(staff_client, url)})
    assert submission(hero_app, reference).status == "rejected"


def test_a_reply_is_offered_only_when_it_can_be_taken_and_never_lost(hero_app, client, staff):
    hero_id, _ = hero_app.config["TEST_HERO"]
    story = {**SUBMITTER, "body": "Коротко.", "author_name": "Оксана"}
    reference = reference_of(client, post_form(client, f"/submit/story/{hero_id}", story))
    # Received, no question: no box to type into.
    assert 'name="answer"' not in status_page(client, reference)
    item = submission(hero_app, reference)
    staff_client = hero_app.test_client()
    login(staff_client, staff["moderator"])
    url = f"/staff/submissions/{item.id}"
    staff_client.post(f"{url}/ask", data={"csrf_token": csrf_token(staff_client, url), "text": "?"})
    assert 'name="answer"' in status_page(client, reference)
    token = csrf_token(client, "/submit/status")
    staff_client.post(
        f"{url}/reject", data={"csrf_token": csrf_token(staff_client, url), "text": "Ні."}
    )
    # The family sends its reply after the decision: it is not taken, and they are told so.
    late = client.post(
        "/submit/status/answer",
        data={"csrf_token": token, "code": reference, "answer": "Навесні 2022 року."},
    )
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Відповідь не додано" in page and "Навесні 2022 року." in page and "відхилено" in page
    assert submission(hero_app, reference).answer is None


def test_bad_input_gets_ukrainian_messages_and_changes_nothing(app, client):
    response = post_form(
        client, "/submit", {"surname": "", "birth_date": "вчора", "submitter_email": "не пошта"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Заповніть це поле.",
        "Не вдалося прочитати дату.",
        "Це не схоже на адресу електронної пошти.",
        "Без вашої згоди ми не можемо опублікувати надіслане.",
    ):
        assert message in page
    assert 'aria-invalid="true"' in page
    unknown = post_form(client, "/submit/status", {"code": "MEM-2222-2222"})
    assert unknown.status_code == 404 and "не знайдено" in unknown.get_data(as_text=True)
    assert client.get("/submit/story/99999").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Submission.id))) == 0


def test_honeypot_is_refused(app, client):
    response = post_form(
        client,
        "/submit",
        {**SUBMITTER, "surname": "Бот", "given_name": "Бот", "website": "http://spam.example"},
    )
    assert response.status_code == 400
    assert "Форму не прийнято" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Submission.id))) == 0


def test_missing_csrf_is_refused_with_a_clear_page(app, client):
    response = client.post("/submit", data={**SUBMITTER, "surname": "А", "given_name": "Б"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Форму не прийнято" in page and "Нічого не збережено" in page
    forged = client.post(
        "/submit", data={**SUBMITTER, "surname": "А", "given_name": "Б", "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Submission.id))) == 0


def test_rate_limit_answers_429(tmp_path):
    app = create_app(app_config(tmp_path, SUBMIT_RATE_LIMIT="2 per minute"))
    with app.app_context():
        create_schema()
    client = app.test_client()
    codes = [
        post_form(
            client, "/submit", {**SUBMITTER, "surname": "Лис", "given_name": "Іван"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    page = client.get("/submit").get_data(as_text=True)  # reading the form is not limited
    assert "Іван" not in page
    limited = post_form(client, "/submit", {**SUBMITTER, "surname": "Лис", "given_name": "Іван"})
    assert limited.status_code == 429 and "Забагато запитів" in limited.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Submission.id))) == 2
        db.engine.dispose()


SCRIPT = '<script>alert("x")</script>'


def test_stored_script_is_inert_everywhere(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    texts = {
        name: f"{name}{SCRIPT}"
        for name in (
            "patronymic",
            "call_sign",
            "birth_place",
            "home_community",
            "rank",
            "position",
            "military_unit",
            "death_place",
            "death_circumstances",
            "burial_place",
            "burial_plot",
            "biography",
            "awards",
        )
    }
    refs = [
        reference_of(
            client,
            post_form(
                client,
                "/submit",
                {
                    **SUBMITTER,
                    **texts,
                    "surname": f"Шевчук{SCRIPT}",
                    "given_name": f"Ян{SCRIPT}",
                    "submitter_name": f"Автор{SCRIPT}",
                    "submitter_relation": f"брат{SCRIPT}",
                    "captions": f"Підпис{SCRIPT}",
                },
                files=[("x.png", image_bytes())],
            ),
        )
    ]
    refs.append(
        reference_of(
            client,
            post_form(
                client,
                f"/submit/story/{hero_id}",
                {
                    **SUBMITTER,
                    "title": f"Заголовок{SCRIPT}",
                    "body": f"Тіло{SCRIPT}",
                    "author_name": f"Підпис{SCRIPT}",
                    "author_relation": f"сестра{SCRIPT}",
                },
            ),
        )
    )
    refs.append(
        reference_of(
            client,
            post_form(
                client,
                f"/submit/correction/{hero_id}",
                {
                    **SUBMITTER,
                    "field": "position",
                    "value": f"Посада{SCRIPT}",
                    "note": f"Джерело{SCRIPT}",
                },
            ),
        )
    )
    login(client, staff["moderator"])
    pages = [client.get("/staff/?status=all").get_data(as_text=True)]
    for reference in refs:
        item = submission(hero_app, reference)
        pages.append(client.get(f"/staff/submissions/{item.id}").get_data(as_text=True))
        assert "<script>" not in status_page(client, reference)
        approve(client, hero_app, reference)
    with hero_app.app_context():
        new_hero = db.session.scalar(select(Hero).where(Hero.surname.like("Шевчук%")))
        new_slug, new_id = new_hero.slug, new_hero.id
        revision_ids = db.session.scalars(
            select(Revision.id).where(Revision.source == "moderation")
        ).all()
        assert len(revision_ids) == 3
    pages += [
        client.get(f"/heroes/{new_slug}").get_data(as_text=True),
        client.get(f"/heroes/{slug}").get_data(as_text=True),
        client.get("/").get_data(as_text=True),
        client.get("/search", query_string={"q": "Шевчук"}).get_data(as_text=True),
        client.get(f"/staff/heroes/{new_id}").get_data(as_text=True),
        client.get("/staff/heroes").get_data(as_text=True),
    ]
    pages += [client.get(f"/staff/revisions/{rid}").get_data(as_text=True) for rid in revision_ids]
    for number, page in enumerate(pages):
        assert "<script>" not in page, number
        # Shown either as escaped text or inside JSON (where ``<`` becomes ``\u003c``).
        assert "&lt;script&gt;" in page or "\\u003cscript\\u003e" in page, number
    assert client.get("/api/v1/search", query_string={"q": "Шевчук"}).get_json()["total"] == 1


def test_posthumous_written_after_an_award_sets_its_flag(app, client):
    awards = "орден «За мужність» III ступеня (посмертно)\nмедаль «Захиснику Вітчизни»\n"
    fields = {**SUBMITTER, "surname": "Коваль", "given_name": "Іван", "awards": awards}
    sent = submission(app, reference_of(client, post_form(client, "/submit", fields)))
    assert sent.payload["awards"] == [
        {"name": "орден «За мужність» III ступеня", "date": None, "posthumous": True},
        {"name": "медаль «Захиснику Вітчизни»", "date": None, "posthumous": False},
    ]


def test_photos_sent_with_a_form_that_failed_are_asked_for_again(app, client):
    fields = {**SUBMITTER, "surname": "Коваль", "given_name": "Іван", "birth_date": "вчора"}
    photos = [("a.png", image_bytes()), ("b.png", image_bytes(color=(10, 20, 30)))]
    response = post_form(client, "/submit", fields, photos)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Додані фото не збережено, бо в іншому полі є помилка" in page
    assert 'aria-describedby="photos-hint photos-again"' in page
    # Without photos, or with the photos themselves refused, nothing of the kind is said.
    plain = post_form(client, "/submit", fields).get_data(as_text=True)
    assert "не збережено" not in plain
