"""Consent, recorded: versioned wording, the scope a person chose, and what the scope decides."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from memorial import consent, create_app
from memorial.extensions import db
from memorial.models import (
    AuditEvent,
    Consent,
    ConsentText,
    Hero,
    HeroStatus,
    Photo,
    Revision,
    Story,
    Submission,
)

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    database_url_for,
    image_bytes,
    login,
    post_form,
    record,
    reference_of,
    submission,
    write_archive,
)

NEW_WORDING = {
    "text_uk": "Я даю згоду на оприлюднення надісланого після перевірки",
    "text_en": "I consent to what I send being published once checked",
    "site_uk": "на сайті архіву",
    "site_en": "on the archive's website",
    "book_uk": "у друкованій книзі",
    "book_en": "in the printed book",
    "both_uk": "на сайті й у книзі",
    "both_en": "on the website and in the book",
}
STORY = {
    "title": "Лист із фронту",
    "body": "Він писав нам щотижня, навіть коли бракувало сигналу.",
    "author_name": "Оксана",
}


@pytest.fixture
def hero_app(app, runner, tmp_path, staff):
    """An app with one published hero from the archive format (no consent record)."""
    folder = write_archive(
        tmp_path / "arch", [record("k-1", photos=[{"file": "p.png"}])], {"p.png": image_bytes()}
    )
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "k-1"))
        app.config["TEST_HERO"] = (hero.id, hero.slug)
    return app


def staff_client(app, who: str):
    client = app.test_client()
    login(client, who)
    return client


def approve(app, reference: str, moderator: str) -> None:
    client = staff_client(app, moderator)
    url = f"/staff/submissions/{submission(app, reference).id}"
    response = client.post(
        f"{url}/approve", data={"csrf_token": csrf_token(client, url), "notified": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def consent_of(app, reference: str) -> tuple[str, int, str, str, int | None]:
    with app.app_context():
        row = db.session.scalar(
            select(Consent).join(Submission).where(Submission.reference == reference)
        )
        return row.scope, row.text.version, row.person_name, row.person_relation, row.hero_id


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Submission, Consent, ConsentText, AuditEvent)
        )


def publish_version(app, admin: str, wording=NEW_WORDING):
    client = staff_client(app, admin)
    data = {"csrf_token": csrf_token(client, "/staff/consent-texts"), **wording}
    return client.post("/staff/consent-texts", data=data)


def test_the_form_shows_the_version_and_records_it_with_the_scope(hero_app, client):
    hero_id, _ = hero_app.config["TEST_HERO"]
    page = client.get(f"/submit/story/{hero_id}").get_data(as_text=True)
    assert 'name="consent_version" type="hidden" value="1"' in page
    assert "Я погоджуюся, щоб надіслане після перевірки опублікували" in page
    assert "текст згоди, версія 1" in page
    for value, words in (("site", "на сайті"), ("book", "у друкованій книзі пам&#39;яті")):
        assert f'value="{value}"' in page and words in page
    english = client.get(f"/submit/story/{hero_id}?lang=en").get_data(as_text=True)
    assert "I agree that what I send may be published after it has been checked" in english

    response = post_form(
        client,
        f"/submit/story/{hero_id}",
        {**SUBMITTER, **STORY, "consent_scope": "both", "consent_version": "1"},
    )
    reference = reference_of(client, response)
    assert consent_of(hero_app, reference) == ("both", 1, "Оксана Мельник", "дружина", hero_id)


def test_a_version_published_meanwhile_changes_nothing_agreed(hero_app, client, staff):
    hero_id, _ = hero_app.config["TEST_HERO"]
    url = f"/submit/story/{hero_id}"
    token = csrf_token(client, url)  # the visitor opens the form: version 1
    response = publish_version(hero_app, staff["admin"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/consent-texts/2")

    sent = client.post(
        url,
        data={"csrf_token": token, **SUBMITTER, **STORY, "consent_version": "1"},
        content_type="multipart/form-data",
    )
    reference = reference_of(client, sent)
    assert consent_of(hero_app, reference)[:2] == ("site", 1)
    # New visitors see version 2; version 1 is shown exactly as it was.
    assert "текст згоди, версія 2" in client.get(url).get_data(as_text=True)
    admin = staff_client(hero_app, staff["admin"])
    old = admin.get("/staff/consent-texts/1").get_data(as_text=True)
    assert "Я погоджуюся, щоб надіслане після перевірки опублікували на сайті" in old
    assert "I agree that what I send may be published after it has been checked" in old
    assert NEW_WORDING["text_uk"] not in old
    listing = admin.get("/staff/consent-texts").get_data(as_text=True)
    assert "версія 1" in listing and "версія 2" in listing
    with hero_app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "consent.text-publish" in actions


def test_only_administrators_publish_and_empty_wording_is_refused(hero_app, staff):
    before = counts(hero_app)
    moderator = staff_client(hero_app, staff["moderator"])
    page = moderator.get("/staff/consent-texts")
    assert page.status_code == 200 and "Опублікувати версію" not in page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(moderator, "/staff/consent-texts"), **NEW_WORDING}
    assert moderator.post("/staff/consent-texts", data=data).status_code == 403
    refused = publish_version(hero_app, staff["admin"], {**NEW_WORDING, "book_en": "  "})
    assert refused.status_code == 400
    assert "Заповніть це поле." in refused.get_data(as_text=True)
    with hero_app.app_context():
        assert db.session.scalar(select(func.max(ConsentText.version))) == 1
    assert counts(hero_app)[:3] == before[:3]
    assert staff_client(hero_app, staff["admin"]).get("/staff/consent-texts/9").status_code == 404


def test_a_post_with_the_contract_fields_only_means_the_site(app, client):
    response = post_form(client, "/submit", {**SUBMITTER, "surname": "Бойко", "given_name": "Іван"})
    reference = reference_of(client, response)
    assert consent_of(app, reference) == ("site", 1, "Оксана Мельник", "дружина", None)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"consent_version": "99"}, "Текст згоди, який ви бачили, нам невідомий"),
        ({"consent_version": "один"}, "Текст згоди, який ви бачили, нам невідомий"),
        ({"consent_scope": "everywhere"}, "Оберіть, де можна опублікувати"),
    ],
)
def test_tampered_consent_is_refused_with_a_message(hero_app, client, extra, message):
    hero_id, _ = hero_app.config["TEST_HERO"]
    before = counts(hero_app)
    response = post_form(client, f"/submit/story/{hero_id}", {**SUBMITTER, **STORY, **extra})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(hero_app) == before


def test_book_only_story_and_photos_never_reach_the_site(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    story = post_form(
        client, f"/submit/story/{hero_id}", {**SUBMITTER, **STORY, "consent_scope": "book"}
    )
    story_ref = reference_of(client, story)
    photos = post_form(
        client,
        f"/submit/photos/{hero_id}",
        {**SUBMITTER, "consent_scope": "book", "captions": "Лише для книги"},
        files=[("b.png", image_bytes("PNG", color=(10, 200, 30)))],
    )
    photos_ref = reference_of(client, photos)
    approve(hero_app, story_ref, staff["moderator"])
    approve(hero_app, photos_ref, staff["moderator"])

    page = client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert STORY["body"] not in page and "Лише для книги" not in page
    api = client.get(f"/api/v1/heroes/{hero_id}").get_data(as_text=True)
    assert STORY["body"] not in api and "Лише для книги" not in api
    with hero_app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert [s.body for s in hero.stories if s.body == STORY["body"]] == []
        assert len(hero.photos) == 1  # the archive's photo only
        assert consent.site_allowed(hero) and consent.book_allowed(hero)  # from the archive
        book = consent.book_items(db.session, hero)
        assert sorted(s.reference for s in book) == sorted([story_ref, photos_ref])
    moderator = staff_client(hero_app, staff["moderator"])
    staff_page = moderator.get(f"/staff/heroes/{hero_id}/consents").get_data(as_text=True)
    assert story_ref in staff_page and photos_ref in staff_page
    assert "Лише для книги" in staff_page


def test_site_consent_items_show_their_consent_to_staff(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    sent = post_form(
        client, f"/submit/story/{hero_id}", {**SUBMITTER, **STORY, "consent_scope": "both"}
    )
    reference = reference_of(client, sent)
    approve(hero_app, reference, staff["moderator"])
    assert STORY["body"] in client.get(f"/heroes/{slug}").get_data(as_text=True)
    moderator = staff_client(hero_app, staff["moderator"])
    page = moderator.get(f"/staff/heroes/{hero_id}/consents").get_data(as_text=True)
    assert reference in page and "і на сайті, і в книзі" in page
    assert 'href="/staff/consent-texts/1"' in page
    assert "з архіву: згода працівників архіву" in page  # the archive's photo
    item = submission(hero_app, reference)
    moderation = moderator.get(f"/staff/submissions/{item.id}").get_data(as_text=True)
    assert "текст згоди, версія 1" in moderation and "і на сайті, і в книзі" in moderation
    assert f"/staff/heroes/{hero_id}/consents" in moderator.get(
        f"/staff/heroes/{hero_id}"
    ).get_data(as_text=True)


def test_a_book_only_new_hero_stays_a_draft(app, client, staff):
    sent = post_form(
        client,
        "/submit",
        {**SUBMITTER, "surname": "Кравець", "given_name": "Петро", "consent_scope": "book"},
    )
    reference = reference_of(client, sent)
    approve(app, reference, staff["moderator"])
    with app.app_context():
        hero = db.session.get(Hero, submission(app, reference).hero_id)
        assert hero.status == HeroStatus.DRAFT
        assert not consent.site_allowed(hero) and consent.book_allowed(hero)
        assert consent_of(app, reference)[4] == hero.id
        slug = hero.slug
    assert client.get(f"/heroes/{slug}").status_code == 404
    assert client.get("/api/v1/search?q=Кравець").get_json()["total"] == 0


def test_record_by_hand_and_withdraw_keep_the_rows(hero_app, staff):
    hero_id, _ = hero_app.config["TEST_HERO"]
    moderator = staff_client(hero_app, staff["moderator"])
    url = f"/staff/heroes/{hero_id}/consents"
    form = {
        "person_name": "Галина Петрівна",
        "person_relation": "мати",
        "scope": "book",
        "version": "1",
        "given_on": "14.03.2025",
        "note": "згода на папері",
    }
    response = moderator.post(url, data={"csrf_token": csrf_token(moderator, url), **form})
    assert response.status_code == 302
    with hero_app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert not consent.site_allowed(hero) and consent.book_allowed(hero)
        row = db.session.scalar(select(Consent).where(Consent.hero_id == hero_id))
        assert (row.scope, row.text.version, row.given_at.date().isoformat()) == (
            "book",
            1,
            "2025-03-14",
        )
        consent_id = row.id
    page = moderator.get(url).get_data(as_text=True)
    assert "Галина Петрівна" in page and "згода на папері" in page
    assert "профіль опубліковано без згоди на сайт" in page

    withdraw = f"/staff/consents/{consent_id}/withdraw"
    token = csrf_token(moderator, url)
    refused = moderator.post(withdraw, data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 302
    assert "Вкажіть, чому згоду відкликано" in moderator.get(url).get_data(as_text=True)
    done = moderator.post(withdraw, data={"csrf_token": token, "reason": "мати передумала"})
    assert done.status_code == 302
    again = moderator.post(withdraw, data={"csrf_token": token, "reason": "ще раз"})
    assert again.status_code == 302
    page = moderator.get(url).get_data(as_text=True)
    assert "мати передумала" in page and "ще раз" not in page
    with hero_app.app_context():
        row = db.session.get(Consent, consent_id)
        assert row.withdrawn_at is not None and row.withdrawal_reason == "мати передумала"
        hero = db.session.get(Hero, hero_id)
        assert not consent.book_allowed(hero)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("consent.record") == 1 and actions.count("consent.withdraw") == 1
    assert (
        moderator.post("/staff/consents/999/withdraw", data={"csrf_token": token}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "7"}, "Такої версії тексту згоди немає."),
        ({"scope": "everywhere"}, "Оберіть, де можна публікувати."),
        ({"given_on": "2025"}, "Вкажіть повну дату"),
        ({"person_name": ""}, "Заповніть це поле."),
    ],
)
def test_bad_hand_records_change_nothing(hero_app, staff, change, message):
    hero_id, _ = hero_app.config["TEST_HERO"]
    moderator = staff_client(hero_app, staff["moderator"])
    url = f"/staff/heroes/{hero_id}/consents"
    form = {"person_name": "Ім'я", "scope": "site", "version": "1", "given_on": "01.02.2025"}
    before = counts(hero_app)
    response = moderator.post(
        url, data={"csrf_token": csrf_token(moderator, url), **form, **change}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(hero_app) == before


def withdraw_consent(app, who: str, consent_id: int, hero_id: int) -> str:
    """Withdraw through the staff page; the page shown afterwards."""
    moderator = staff_client(app, who)
    url = f"/staff/heroes/{hero_id}/consents"
    data = {"csrf_token": csrf_token(moderator, url), "reason": "родина попросила"}
    response = moderator.post(f"/staff/consents/{consent_id}/withdraw", data=data)
    assert response.status_code == 302
    return moderator.get(url).get_data(as_text=True)


def test_withdrawing_a_storys_consent_takes_the_story_off_the_site(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    sent = post_form(client, f"/submit/story/{hero_id}", {**SUBMITTER, **STORY})
    reference = reference_of(client, sent)
    approve(hero_app, reference, staff["moderator"])
    assert STORY["body"] in client.get(f"/heroes/{slug}").get_data(as_text=True)
    with hero_app.app_context():
        consent_id = db.session.scalar(
            select(Consent.id).join(Submission).where(Submission.reference == reference)
        )
        revisions = db.session.scalar(
            select(func.count()).select_from(Revision).where(Revision.hero_id == hero_id)
        )
    page = withdraw_consent(hero_app, staff["moderator"], consent_id, hero_id)
    assert "З сайту прибрано: історій — 1, фото — 0" in page
    profile = client.get(f"/heroes/{slug}")
    assert profile.status_code == 200 and STORY["body"] not in profile.get_data(as_text=True)
    api = client.get(f"/api/v1/heroes/{slug}").get_data(as_text=True)
    assert STORY["body"] not in api
    with hero_app.app_context():
        hero = db.session.get(Hero, hero_id)
        story = db.session.scalar(select(Story).where(Story.body == STORY["body"]))
        assert story.hidden  # kept for staff, not deleted
        last = db.session.scalar(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id.desc())
        )
        count = db.session.scalar(
            select(func.count()).select_from(Revision).where(Revision.hero_id == hero_id)
        )
        assert count == revisions + 1
        assert last.reason == "consent withdrawn: родина попросила"


def test_withdrawing_the_only_consent_for_the_profile_takes_the_page_down(hero_app, client, staff):
    hero_id, slug = hero_app.config["TEST_HERO"]
    moderator = staff_client(hero_app, staff["moderator"])
    url = f"/staff/heroes/{hero_id}/consents"
    ids = []
    for name in ("Галина Петрівна", "Петро Іванович"):
        form = {"person_name": name, "scope": "site", "version": "1", "given_on": "01.02.2025"}
        moderator.post(url, data={"csrf_token": csrf_token(moderator, url), **form})
    with hero_app.app_context():
        ids = db.session.scalars(
            select(Consent.id).where(Consent.hero_id == hero_id).order_by(Consent.id)
        ).all()
    assert len(ids) == 2
    # The father's consent still stands: the page stays.
    withdraw_consent(hero_app, staff["moderator"], ids[0], hero_id)
    assert client.get(f"/heroes/{slug}").status_code == 200
    page = withdraw_consent(hero_app, staff["moderator"], ids[1], hero_id)
    assert "Сторінку героя знято з сайту" in page
    assert client.get(f"/heroes/{slug}").status_code == 404
    with hero_app.app_context():
        assert db.session.get(Hero, hero_id).status == HeroStatus.DRAFT


def test_a_published_story_is_traced_to_its_submission(hero_app, client, staff):
    """Stories are matched to their submission by text, photos by content: rebuilding them
    (the archive rebuilds stories and photos on every change) keeps the link."""
    hero_id, _ = hero_app.config["TEST_HERO"]
    sent = post_form(client, f"/submit/story/{hero_id}", {**SUBMITTER, **STORY})
    reference = reference_of(client, sent)
    approve(hero_app, reference, staff["moderator"])
    with hero_app.app_context():
        hero = db.session.get(Hero, hero_id)
        stories, _ = consent.item_sources(db.session, hero)
        story = db.session.scalar(select(Story).where(Story.body == STORY["body"]))
        assert stories[story.id].reference == reference
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1


def test_the_migration_seeds_version_one_with_the_forms_wording(tmp_path):
    url = database_url_for(tmp_path, empty=True)
    app = create_app(app_config(tmp_path, DATABASE_URL=url))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        texts = db.session.scalars(select(ConsentText)).all()
        assert [t.version for t in texts] == [1]
        assert consent.wording(texts[0], "site", "uk") == (
            "Я погоджуюся, щоб надіслане після перевірки опублікували на сайті"
        )
        assert consent.wording(texts[0], "book", "en") == (
            "I agree that what I send may be published after it has been checked "
            "in the printed book of memory"
        )
        db.session.remove()
        db.engine.dispose()
