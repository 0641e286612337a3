"""The living veterans' collection: its own way in, kept out of the memorial's lists, the
person's withdrawal followed everywhere they appeared, and staff moving a veteran who fell."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import select

from memorial import interviews, media, veterans
from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Interview, Revision

from helpers import csrf_token, login, record, write_archive

VETERAN = {
    "collection": "veteran",
    "surname": "Савченко",
    "given_name": "Ірина",
    "patronymic": "Олегівна",
    "call_sign": "Сова",
    "birth_date": "1990-04-12",
    "death_date": None,
    "death_place": None,
    "death_circumstances": None,
    "burial_place": None,
    "burial_plot": None,
    "awards": [],
    "military_unit": "56-та окрема мотопіхотна бригада",
    "unit_hidden": True,
    "service_periods": [
        {
            "from": "2015-03",
            "to": "2017",
            "unit": "56-та окрема мотопіхотна бригада",
            "role": "медикиня",
        },
        {
            "from": "2022-02-24",
            "to": None,
            "unit": "Секретний підрозділ",
            "role": "бойова медикиня",
        },
    ],
    "life_now": "Вчить волонтерів такмеду в Краматорську.",
    "biography": "Народилася в Краматорську, вчилася на фельдшерку.",
    "stories": [
        {
            "chapter": "before",
            "title": "",
            "body": "До війни працювала на швидкій.",
            "author_name": "Ірина",
        },
        {
            "chapter": "during",
            "title": "Під Мар'їнкою",
            "body": "Ми витягали поранених щоночі.",
            "author_name": "Ірина",
        },
        {
            "chapter": "after",
            "title": "",
            "body": "Тепер відкрила курси першої допомоги.",
            "author_name": "Ірина",
        },
    ],
}


def _import(runner, tmp_path, records, name="arch"):
    folder = write_archive(tmp_path / name, records)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def both(app, runner, tmp_path):
    """One of the fallen and one veteran, both published."""
    _import(runner, tmp_path, [record("f-1"), record("v-1", **VETERAN)])
    with app.app_context():
        fallen = db.session.scalar(select(Hero).where(Hero.external_id == "f-1"))
        veteran = db.session.scalar(select(Hero).where(Hero.external_id == "v-1"))
        return fallen.slug, veteran.slug, veteran.id


def test_demo_archive_imports_unchanged_as_fallen(demo_app, client):
    with demo_app.app_context():
        collections = set(db.session.scalars(select(Hero.collection)))
    assert collections == {"fallen"}
    data = client.get("/api/v1/search?q=&collection=fallen&per_page=5").get_json()
    assert data["total"] > 0
    assert all(r["collection"] == "fallen" for r in data["results"])


def test_veteran_has_its_own_pages_and_stays_out_of_the_memorial(app, client, both):
    fallen_slug, slug, hero_id = both
    page = client.get(f"/veterans/{slug}").get_data(as_text=True)
    assert "Савченко" in page
    assert "1990" in page and "12.04.1990" not in page and "квітня 1990" not in page
    assert "Вчить волонтерів" in page
    # The chapters in the order of a life.
    assert page.index("До війни працювала") < page.index("витягали поранених")
    assert page.index("витягали поранених") < page.index("курси першої допомоги")
    # The unit is kept from the public unless allowed: the hero's and every period's.
    assert "56-та" not in page and "Секретний" not in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0].lower()
    assert "свічк" not in main and "загиб" not in main and "candle" not in main
    # The list of veterans has her; the memorial's lists do not.
    assert slug in client.get("/veterans/").get_data(as_text=True)
    heroes = client.get("/heroes/").get_data(as_text=True)
    assert fallen_slug in heroes and slug not in heroes
    assert client.get(f"/heroes/{slug}").headers["Location"].endswith(f"/veterans/{slug}")
    assert client.post(f"/heroes/{slug}/candle").status_code in (400, 404)
    assert client.get(f"/heroes/{slug}.ics").status_code == 404
    assert (
        client.get(f"/veterans/{fallen_slug}")
        .headers["Location"]
        .endswith(f"/heroes/{fallen_slug}")
    )
    with app.app_context():
        assert "Савченко" not in client.get("/feed.atom").get_data(as_text=True)
        assert "Савченко" not in client.get("/calendar.ics").get_data(as_text=True)
    oai = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").get_data(as_text=True)
    assert f":{hero_id}<" not in oai
    # English too.
    assert client.get(f"/veterans/{slug}?lang=en").status_code == 200
    assert client.get("/veterans/?lang=en").status_code == 200


def test_one_search_with_a_collection_filter_and_facet(client, both):
    _fallen, slug, _id = both
    everyone = client.get("/api/v1/search?q=Краматорськ").get_json()
    assert {r["collection"] for r in everyone["results"]} == {"fallen", "veteran"}
    assert everyone["facets"]["collection"] == {"fallen": 1, "veteran": 1}
    only = client.get("/api/v1/search?q=Краматорськ&collection=veteran").get_json()
    assert [r["collection"] for r in only["results"]] == ["veteran"]
    assert only["results"][0]["url"].endswith(f"/veterans/{slug}")
    assert only["results"][0]["birth_date"] == "1990"
    bad = client.get("/api/v1/search?q=x&collection=living")
    assert bad.status_code == 400 and "collection" in bad.get_json()["error"]
    page = client.get("/search?q=Краматорськ&collection=veteran").get_data(as_text=True)
    assert f"/veterans/{slug}" in page and "Ветерани" in page
    assert client.get("/search?collection=dead").status_code == 400


def test_api_and_export_carry_the_collection_and_keep_the_living_safe(
    app, client, runner, tmp_path, both
):
    _fallen, _slug, hero_id = both
    data = client.get(f"/api/v1/heroes/{hero_id}").get_json()
    assert data["collection"] == "veteran"
    assert data["birth_date"] == "1990"
    assert data["military_unit"] is None
    assert all(p["unit"] is None for p in data["service_periods"])
    assert [s["chapter"] for s in data["stories"]] == ["before", "during", "after"]
    out = tmp_path / "export"
    result = runner.invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    exported = {r["external_id"]: r for r in json.loads((out / "heroes.json").read_text())}
    assert exported["f-1"]["collection"] == "fallen"
    assert exported["v-1"]["collection"] == "veteran"
    assert exported["v-1"]["life_now"].startswith("Вчить")
    # The export imports again into a fresh archive unchanged.
    again = runner.invoke(args=["import-archive", str(out)])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"collection": "living"}, 'collection "living" is not "fallen" or "veteran"'),
        ({"collection": "veteran"}, "has no death_date"),
        ({"life_now": "Працює"}, 'belong to collection "veteran"'),
        (
            {
                "collection": "veteran",
                "death_date": None,
                "stories": [{"body": "x", "chapter": "later"}],
            },
            'stories[1].chapter "later"',
        ),
        (
            {"collection": "veteran", "death_date": None, "service_periods": [{"to": "2020"}]},
            "service_periods[1].from is required",
        ),
    ],
)
def test_a_bad_collection_or_veteran_field_is_refused_clearly(
    app, runner, tmp_path, change, message
):
    folder = write_archive(tmp_path / "bad", [record("b-1", **change)])
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(Hero.id)) is None


def _issue(app, hero_id):
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        secrets = veterans.issue_secrets(db.session, hero)
        db.session.commit()
        return secrets


def test_withdrawal_by_code_hides_the_person_everywhere(app, client, runner, tmp_path, both):
    _fallen, slug, hero_id = both
    secrets = _issue(app, hero_id)
    # Seen (and cached) everywhere first.
    assert client.get(f"/veterans/{slug}").status_code == 200
    assert slug in client.get("/veterans/").get_data(as_text=True)
    assert "Савченко" in json.dumps(
        client.get("/api/v1/search?q=Савченко").get_json(), ensure_ascii=False
    )
    sitemap = client.get("/sitemap-heroes-1.xml").get_data(as_text=True)
    assert f"/veterans/{slug}" in sitemap

    url = "/veterans/withdraw"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "code": secrets.code.lower()}
    )
    assert response.status_code == 200
    assert "приховано" in response.get_data(as_text=True)

    assert client.get(f"/veterans/{slug}").status_code == 404
    assert slug not in client.get("/veterans/").get_data(as_text=True)
    assert client.get(f"/heroes/{slug}").status_code == 404
    assert client.get("/api/v1/search?q=Савченко").get_json()["total"] == 0
    assert client.get(f"/api/v1/heroes/{hero_id}").status_code == 404
    assert f"/veterans/{slug}" not in client.get("/sitemap-heroes-1.xml").get_data(as_text=True)
    out = tmp_path / "after"
    assert runner.invoke(args=["export", str(out)]).exit_code == 0
    assert "Савченко" not in (out / "heroes.json").read_text(encoding="utf-8")
    opendata = client.get("/opendata/heroes.csv")
    assert opendata.status_code == 200
    assert "Савченко" not in opendata.get_data(as_text=True)
    opendata.close()
    # Kept for staff.
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert hero is not None and hero.withdrawn_at is not None


def test_a_wrong_code_reveals_nothing_and_is_rate_limited(app, client, both):
    _fallen, slug, hero_id = both
    _issue(app, hero_id)
    url = "/veterans/withdraw"
    statuses = []
    for _ in range(12):
        response = client.post(
            url, data={"csrf_token": csrf_token(client, url), "code": "AAAA-BBBB-CCCC"}
        )
        statuses.append(response.status_code)
        body = response.get_data(as_text=True)
        assert "Савченко" not in body
    assert statuses[0] == 400 and 429 in statuses
    assert client.get(f"/veterans/{slug}").status_code == 200


def test_the_link_asks_before_it_withdraws(app, client, both):
    _fallen, slug, hero_id = both
    secrets = _issue(app, hero_id)
    url = f"/veterans/withdraw/{secrets.token}"
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert client.get(f"/veterans/{slug}").status_code == 200  # opening it changed nothing
    assert client.get("/veterans/withdraw/not-a-token").status_code == 404
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "delete": "y"})
    assert response.status_code == 200
    assert client.get(f"/veterans/{slug}").status_code == 404
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert veterans.deletion_asked(db.session, hero)


def test_staff_move_a_veteran_who_fell_to_the_memorial(app, client, staff, both):
    _fallen, slug, hero_id = both
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero_id}/veteran"
    refused = client.post(
        f"{url}/move-to-fallen",
        data={
            "csrf_token": csrf_token(client, url),
            "death_date": "2025-01-05",
            "reason": "родина",
        },
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(Hero, hero_id).collection == "veteran"
    moved = client.post(
        f"{url}/move-to-fallen",
        data={
            "csrf_token": csrf_token(client, url),
            "death_date": "2025-01-05",
            "consent": "y",
            "reason": "Згода матері, лист від 06.01.2025",
        },
    )
    assert moved.status_code == 302
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert hero.collection == "fallen" and hero.death_date.iso() == "2025-01-05"
        assert len(hero.stories) == 3
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "veteran.move_to_fallen")
        )
        last = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero_id).order_by(Revision.id.desc())
        ).first()
        assert last.before["collection"] == "veteran" and last.after["collection"] == "fallen"
    visitor = app.test_client()
    assert visitor.get(f"/veterans/{slug}").headers["Location"].endswith(f"/heroes/{slug}")
    assert visitor.get(f"/heroes/{slug}").status_code == 200


def test_staff_erase_a_withdrawn_veteran_who_asked_for_it(app, client, staff, both, tmp_path):
    _fallen, slug, hero_id = both
    recording = tmp_path / "interview.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=2", str(recording)],
        check=True,
    )
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        max_bytes, max_seconds = interviews.limits()
        with open(recording, "rb") as stream:
            rel, path = interviews.store_upload(app.config["DATA_DIR"], stream, max_bytes, [])
        row = interviews.add_interview(
            db.session,
            data_dir=app.config["DATA_DIR"],
            original_path=rel,
            found=interviews.probe(path, max_bytes, max_seconds),
            hero=hero,
            title="Розмова",
        )
        interview_id = row.id
        db.session.commit()  # let go of the read transaction: the conversion writes its own
        assert interviews.convert(interview_id)
        converted = db.session.get(Interview, interview_id).file_path
        web_file = media.safe_path(app.config["DATA_DIR"], converted)
        assert web_file.is_file() and not path.exists()
    page = client.get(f"/veterans/{slug}").get_data(as_text=True)
    assert "<audio" in page and "Розмова" in page  # the veteran's own page plays it
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        veterans.withdraw(db.session, hero, "staff", delete_asked=True)
        db.session.commit()
    login(client, staff["admin"])
    url = f"/staff/heroes/{hero_id}/veteran"
    response = client.post(
        f"{url}/erase", data={"csrf_token": csrf_token(client, url), "confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Hero, hero_id) is None
        assert db.session.scalar(select(Interview)) is None
    assert not web_file.exists()  # the recording is gone with the person
    with app.app_context():
        assert db.session.scalar(select(Revision).where(Revision.hero_id == hero_id)) is None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "veteran.erase"))
    assert client.get("/api/v1/search?q=Савченко").get_json()["total"] == 0


def _veteran_form(client, **extra):
    from helpers import SUBMITTER

    url = "/submit/veteran"
    data = {
        **SUBMITTER,
        "submitter_relation": "",
        "csrf_token": csrf_token(client, url),
        "about": "self",
        "surname": "Бондар",
        "given_name": "Тарас",
        "birth_year": "1988",
        "military_unit": "Розвідрота",
        "period_1_from": "2014",
        "period_1_to": "2016",
        "period_1_role": "розвідник",
        "period_1_unit": "Розвідрота",
        "story_before": "Вчителював у школі №5.",
        "story_during": "Ходили в розвідку під Авдіївкою.",
        "story_after": "Повернувся до класу.",
        "life_now": "Веде гурток історії.",
        **extra,
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_failed_upload_keeps_every_typed_word(client):
    import io

    response = _veteran_form(client, photos=[(io.BytesIO(b"not an image"), "photo.jpg")])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for typed in (
        "Вчителював у школі №5.",
        "Ходили в розвідку під Авдіївкою.",
        "Веде гурток історії.",
        "Бондар",
        "1988",
        "розвідник",
    ):
        assert typed in page
    assert "photo.jpg" in page  # the message names the file


def test_a_veteran_submits_from_a_phone_and_the_moderator_checks_safety(app, client, staff):
    import io

    from helpers import image_bytes, reference_of, submission

    response = _veteran_form(client, photos=[(io.BytesIO(image_bytes("JPEG")), "me.jpg")])
    reference = reference_of(client, response)
    # The code was shown once on the page after sending, and works before publication too.
    item = submission(app, reference)
    assert item.payload["collection"] == "veteran" and "withdraw" in item.payload
    login(client, staff["moderator"])
    page = client.get(f"/staff/submissions/{item.id}").get_data(as_text=True)
    assert "Безпека інших людей" in page, page[page.find("<main") :][:3000]
    assert "облич" in page.lower() and "позиці" in page.lower() and "техніки" in page.lower()
    url = f"/staff/submissions/{item.id}"
    refused = client.post(
        f"{url}/approve", data={"csrf_token": csrf_token(client, url), "safety": ["faces"]}
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Hero).where(Hero.surname == "Бондар")) is None
    approved = client.post(
        f"{url}/approve",
        data={"csrf_token": csrf_token(client, url), "safety": ["faces", "positions", "equipment"]},
    )
    assert approved.status_code == 302
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.surname == "Бондар"))
        assert hero.collection == "veteran" and hero.unit_hidden
        assert hero.birth_date.iso() == "1988"
        assert [s.chapter for s in hero.stories] == ["before", "during", "after"]
        assert hero.withdraw_code_hash and hero.life_now == "Веде гурток історії."
        slug = hero.slug
    page = app.test_client().get(f"/veterans/{slug}").get_data(as_text=True)
    assert "Вчителював" in page and "Розвідрота" not in page
    assert "oksana.private@example.org" not in page and "+380" not in page
    # Withdrawn and, as asked, erased with the submission that brought it and its photo file.
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.surname == "Бондар"))
        stored = [p.file_path for p in hero.photos]
        veterans.withdraw(db.session, hero, "staff", delete_asked=True)
        db.session.commit()
        hero_id = hero.id
    assert stored
    admin = app.test_client()
    login(admin, staff["admin"])
    url = f"/staff/heroes/{hero_id}/veteran"
    assert "просить видалити" in admin.get(url).get_data(as_text=True)
    erased = admin.post(f"{url}/erase", data={"csrf_token": csrf_token(admin, url), "confirm": "y"})
    assert erased.status_code == 302
    with app.app_context():
        from memorial.models import Consent, Submission

        assert db.session.get(Hero, hero_id) is None
        assert (
            db.session.scalar(select(Submission).where(Submission.reference == reference)) is None
        )
        kept = db.session.scalar(select(Consent))
        assert kept is not None and kept.submission_id is None
        data_dir = app.config["DATA_DIR"]
    from pathlib import Path

    assert not any(Path(data_dir, "media", f).exists() for f in stored)


def test_the_code_shown_after_sending_withdraws_before_publication(app, client):
    response = _veteran_form(client)
    assert response.status_code == 302
    done = client.get("/submit/done").get_data(as_text=True)
    import re

    code = re.search(r'id="withdrawal-code">([A-Z0-9-]+)<', done).group(1)
    assert "/veterans/withdraw/" in done
    # Shown once only.
    assert code not in client.get("/submit/done").get_data(as_text=True)
    url = "/veterans/withdraw"
    result = client.post(url, data={"csrf_token": csrf_token(client, url), "code": code})
    assert result.status_code == 200
    with app.app_context():
        from memorial.models import Submission

        item = db.session.scalar(select(Submission))
        assert item.status == "rejected"


def test_withdrawal_retires_the_pages_kept_in_redis_for_every_worker(tmp_path):
    """Two workers sharing pages through Redis: the page one of them keeps is gone for both
    as soon as the person withdraws through the other."""
    import secrets as random

    redis = pytest.importorskip("redis")
    from helpers import close, counted_queries, hero_queries, two_workers

    uri, prefix = "redis://127.0.0.1:6379/8", f"memorial-vet-{random.token_hex(4)}:"
    first, second = two_workers(
        tmp_path, CACHE_URI=uri, PAGE_CACHE_PREFIX=prefix, PAGE_CACHE_RECHECK=0
    )
    try:
        _import(first.test_cli_runner(), tmp_path, [record("v-1", **VETERAN)])
        with first.app_context():
            hero = db.session.scalar(select(Hero).where(Hero.external_id == "v-1"))
            slug, code = hero.slug, veterans.issue_secrets(db.session, hero).code
            db.session.commit()
        reader = second.test_client()
        assert reader.get(f"/veterans/{slug}").status_code == 200
        assert slug in reader.get("/veterans/").get_data(as_text=True)
        with counted_queries(first) as seen:  # the other worker has it from Redis
            assert first.test_client().get(f"/veterans/{slug}").status_code == 200
        assert hero_queries(seen) == []
        person = first.test_client()
        url = "/veterans/withdraw"
        person.post(url, data={"csrf_token": csrf_token(person, url), "code": code})
        assert reader.get(f"/veterans/{slug}").status_code == 404
        assert slug not in reader.get("/veterans/").get_data(as_text=True)
    finally:
        close(first, second)
        server = redis.Redis.from_url(uri)
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)
        server.close()


def test_a_restore_of_an_older_backup_deletes_again_what_was_erased(
    app, client, runner, staff, tmp_path, both
):
    from memorial import create_app

    from helpers import app_config, database_url_for

    _fallen, _slug, hero_id = both
    ledger = tmp_path / "outside-backups" / "erasures.jsonl"
    app.config["ERASURE_LEDGER"] = str(ledger)
    backup = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    with app.app_context():
        veterans.withdraw(db.session, db.session.get(Hero, hero_id), "code", delete_asked=True)
        db.session.commit()
    login(client, staff["admin"])
    url = f"/staff/heroes/{hero_id}/veteran"
    client.post(f"{url}/erase", data={"csrf_token": csrf_token(client, url), "confirm": "y"})
    assert veterans.erased_ids(str(ledger)) == ["v-1"]

    folder = tmp_path / "restored"
    folder.mkdir()
    restored = create_app(
        app_config(
            folder,
            DATABASE_URL=database_url_for(folder, empty=True),
            ERASURE_LEDGER=str(ledger),
        )
    )
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "deleted again 1" in result.output
    with restored.app_context():
        ids = set(db.session.scalars(select(Hero.external_id)))
        db.session.remove()
        db.engine.dispose()
    assert ids == {"f-1"}
    assert restored.test_client().get("/api/v1/search?q=Савченко").get_json()["total"] == 0


def test_a_sheet_names_the_collection_in_ukrainian_and_refuses_another_word(app, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "Ідентифікатор,Прізвище,Ім'я,Зібрання,Чим займається зараз\n"
        "s-1,Гнатюк,Олег,ветерани,Фермер\n"
        "s-2,Ткач,Іван,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-sheet", str(good)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = dict(db.session.execute(select(Hero.external_id, Hero.collection)).all())
        assert rows == {"s-1": "veteran", "s-2": "fallen"}
        assert db.session.scalar(select(Hero.life_now).where(Hero.external_id == "s-1")) == "Фермер"
    bad = tmp_path / "bad.csv"
    bad.write_text("Ідентифікатор,Прізвище,Ім'я,Зібрання\ns-3,Лис,Ігор,живі\n", encoding="utf-8")
    refused = runner.invoke(args=["import-sheet", str(bad)])
    assert refused.exit_code != 0
    assert "Зібрання має бути «загиблі» або «ветерани»" in refused.output
    with app.app_context():
        assert db.session.scalar(select(Hero).where(Hero.external_id == "s-3")) is None


def test_staff_show_the_unit_when_the_veteran_allows_it(app, client, staff, both):
    _fallen, slug, hero_id = both
    assert "56-та" not in client.get(f"/veterans/{slug}").get_data(as_text=True)
    moderator = app.test_client()
    login(moderator, staff["moderator"])
    url = f"/staff/heroes/{hero_id}/veteran"
    refused = moderator.post(f"{url}/unit", data={"csrf_token": csrf_token(moderator, url)})
    assert refused.status_code == 400
    moderator.post(
        f"{url}/unit",
        data={"csrf_token": csrf_token(moderator, url), "reason": "Дозволила телефоном 01.12"},
    )
    page = client.get(f"/veterans/{slug}").get_data(as_text=True)
    assert "56-та окрема мотопіхотна бригада" in page and "Секретний підрозділ" in page


def test_a_veterans_draft_is_published_without_the_death_notice_check(
    app, runner, client, staff, tmp_path
):
    _import(runner, tmp_path, [record("v-2", status="draft", **VETERAN)])
    with app.app_context():
        hero_id = db.session.scalar(select(Hero.id).where(Hero.external_id == "v-2"))
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero_id}"
    assert "Сповіщення родини ще не підтверджено" not in client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/publish", data={"csrf_token": csrf_token(client, url), "text": "так"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Hero, hero_id).status == "published"
