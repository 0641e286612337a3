"""A family's request: hide or correct the profile, a photo, a story or a fact; the identity
checks before it is done; freezing while relatives disagree; and every public output."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from sqlalchemy import select

from memorial import create_app
from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Revision, Submission, SubmissionKind
from memorial.schema import create_tables

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    image_bytes,
    login,
    post_form,
    record,
    reference_of,
    search_api,
    write_archive,
)

STORY = "Він завжди допомагав сусідам."
UNIT = "93-тя окрема механізована бригада «Холодний Яр»"


def import_records(app, tmp_path, records, name="a", files=None):
    runner = app.test_cli_runner()
    folder = write_archive(tmp_path / name, records, files)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output


def with_photos(external_id: str = "f-1", **fields) -> tuple[dict, dict]:
    """A hero record with two photos (the first the portrait), and the files."""
    rec = record(
        external_id,
        photos=[
            {"file": "photos/a.png", "caption": "Портрет", "primary": True},
            {"file": "photos/b.png", "caption": "На позиції"},
        ],
        **fields,
    )
    files = {
        "photos/a.png": image_bytes(color=(10, 20, 30)),
        "photos/b.png": image_bytes(color=(200, 10, 10)),
    }
    return rec, files


def the_hero(app, external_id: str = "f-1") -> Hero:
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == external_id))
        hero.photos, hero.stories  # noqa: B018 - loaded before leaving the session
        db.session.expunge_all()
        return hero


def ask_family(client, hero: Hero, target: str, ask: str = "hide", **extra) -> str:
    url = f"/submit/family/{hero.id}"
    data = {**SUBMITTER, "target": target, "ask": ask, **extra}
    return reference_of(client, post_form(client, url, data))


def accept(app, client, reference: str, checks=("called_back",), note: str = ""):
    with app.app_context():
        item = db.session.scalar(select(Submission).where(Submission.reference == reference))
        sid = item.id
    token = csrf_token(client, f"/staff/submissions/{sid}")
    return client.post(
        f"/staff/submissions/{sid}/family-accept",
        data={"csrf_token": token, "checks": list(checks), "note": note},
    )


def status_page(client, reference: str) -> str:
    token = csrf_token(client, "/submit/status")
    page = client.post("/submit/status", data={"csrf_token": token, "code": reference})
    return page.get_data(as_text=True)


def read(client, url: str, **kwargs) -> str:
    """A response's text, the response closed (a download lets its file go)."""
    response = client.get(url, **kwargs)
    try:
        return response.get_data(as_text=True)
    finally:
        response.close()


def public_outputs(app, client, hero: Hero, tmp_path) -> dict[str, str]:
    """Every public output of the hero, as text."""
    out = {
        "page": read(client, f"/heroes/{hero.slug}"),
        "api": json.dumps(
            json.loads(read(client, f"/api/v1/heroes/{hero.id}")), ensure_ascii=False
        ),
        "csv": read(client, "/opendata/heroes.csv"),
        "sitemap": read(client, "/sitemap-heroes-1.xml"),
        "feed": read(client, "/feed.atom"),
    }
    listed = read(client, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")
    found = re.search(rf"<identifier>([^<]*hero/{hero.id})</identifier>", listed)
    query = {"verb": "GetRecord", "identifier": found.group(1), "metadataPrefix": "oai_dc"}
    out["oai"] = read(client, "/oai", query_string=query) if found else ""
    folder = tmp_path / f"export-{secrets.token_hex(3)}"
    result = app.test_cli_runner().invoke(args=["export", str(folder)])
    assert result.exit_code == 0, result.output
    out["export"] = (folder / "heroes.json").read_text(encoding="utf-8")
    out["export_files"] = " ".join(sorted(p.name for p in (folder / "photos").iterdir()))
    return out


def test_the_form_is_reachable_from_every_profile_and_gives_a_reference(app, client, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert f"/submit/family/{hero.id}" in page
    form = client.get(f"/submit/family/{hero.id}").get_data(as_text=True)
    assert "Я родич: прошу приховати або виправити" in form
    story_id = hero.stories[0].id
    reference = ask_family(client, hero, f"story:{story_id}", how="Я його сестра")
    with app.app_context():
        item = db.session.scalar(select(Submission).where(Submission.reference == reference))
        assert item.kind == SubmissionKind.FAMILY_REQUEST
        assert item.payload["target"] == "story" and item.payload["item_id"] == story_id
        assert item.payload["ask"] == "hide" and item.hero_id == hero.id
    status = status_page(client, reference)
    assert "Прохання родини" in status and "переконатися, що ви родич" in status


def test_bad_requests_are_refused_with_a_message_and_nothing_is_kept(app, client, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    url = f"/submit/family/{hero.id}"
    cases = [
        ({"target": "hero", "ask": "correct", "value": "щось"}, "Усю сторінку можна лише"),
        ({"target": "field:rank", "ask": "correct", "value": ""}, "Напишіть, як має бути."),
        ({"target": "field:birth_date", "ask": "correct", "value": "колись"}, "Не вдалося"),
        ({"target": "photo:999999", "ask": "hide"}, "Not a valid choice"),
        ({"target": "", "ask": "hide"}, "Оберіть, про що прохання."),
    ]
    for data, message in cases:
        response = post_form(client, url, {**SUBMITTER, **data})
        assert response.status_code == 400
        if not message.startswith("Not"):
            assert message in response.get_data(as_text=True)
    robot = post_form(client, url, {**SUBMITTER, "target": "hero", "ask": "hide", "website": "x"})
    assert robot.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Submission)) is None


@pytest.mark.parametrize("cache", ["memory", "redis"])
def test_hidden_items_leave_every_public_output(tmp_path, cache):
    extra = {}
    if cache == "redis":
        pytest.importorskip("redis")
        extra = {
            "CACHE_URI": "redis://127.0.0.1:6379/11",
            "PAGE_CACHE_PREFIX": f"memorial-test-{secrets.token_hex(4)}:",
            "PAGE_CACHE_RECHECK": 0,
        }
    app = create_app(app_config(tmp_path, **extra))
    with app.app_context():
        create_tables()
        from memorial.models import User

        from helpers import staff_password_hash

        db.session.add(User(email="moder@example.org", password_hash=staff_password_hash()))
        db.session.commit()
    try:
        client = app.test_client()
        rec, files = with_photos()
        import_records(app, tmp_path, [rec], files=files)
        hero = the_hero(app)
        second = hero.photos[1]
        before = public_outputs(app, client, hero, tmp_path)
        assert STORY in before["page"] and STORY in before["api"] and STORY in before["export"]
        assert UNIT in before["page"] and UNIT in before["csv"] and UNIT in before["oai"]
        assert second.file_path in before["page"] and second.file_path in before["api"]
        assert search_api(client, "сусідам") and search_api(client, "Холодний")

        refs = [
            ask_family(client, hero, f"story:{hero.stories[0].id}"),
            ask_family(client, hero, f"photo:{second.id}"),
            ask_family(client, hero, "field:military_unit"),
        ]
        login(client, "moder@example.org")
        for ref in refs:
            assert accept(app, client, ref).status_code == 302
        after = public_outputs(app, client, hero, tmp_path)
        for name in ("page", "api", "export", "feed"):
            assert STORY not in after[name], name
        for name in ("page", "api", "csv", "oai", "export"):
            assert UNIT not in after[name], name
        for name in ("page", "api", "csv", "export"):
            assert second.file_path not in after[name], name
        assert f"{second.id}.png" not in after["export_files"]
        assert client.get(f"/media/{second.file_path}").status_code == 404
        assert search_api(client, "сусідам") == [] and search_api(client, "Холодний") == []
        assert f"/heroes/{hero.slug}" in after["sitemap"]
        for ref in refs:
            assert "Ваше прохання виконано" in status_page(client, ref)
        with app.app_context():
            checks = db.session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "submission.approve")
            ).all()
            assert [c["identity"]["checks"] for c in checks] == [["called_back"]] * 3
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if cache == "redis":
            import redis

            server = redis.Redis.from_url(extra["CACHE_URI"])
            for key in server.scan_iter(f"{extra['PAGE_CACHE_PREFIX']}*"):
                server.delete(key)
            server.close()


def test_accepting_needs_an_identity_check(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    ref = ask_family(client, hero, "field:rank")
    login(client, staff["moderator"])
    accept(app, client, ref, checks=())
    accept(app, client, ref, checks=("other",), note="")
    with app.app_context():
        item = db.session.scalar(select(Submission).where(Submission.reference == ref))
        assert item.is_open
        assert db.session.get(Hero, hero.id).hidden_fields is None
    page = client.get(f"/staff/submissions/{item.id}").get_data(as_text=True)
    assert "Як підтверджено, що це родич" in page and 'name="checks"' in page
    accept(app, client, ref, checks=("other",), note="Бачились на похороні")
    with app.app_context():
        item = db.session.scalar(select(Submission).where(Submission.reference == ref))
        assert not item.is_open
        assert item.payload["identity"] == {"checks": ["other"], "note": "Бачились на похороні"}


def test_a_whole_profile_is_hidden_and_shown_again(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    ref = ask_family(client, hero, "hero")
    login(client, staff["moderator"])
    accept(app, client, ref)
    assert client.get(f"/heroes/{hero.slug}").status_code == 404
    assert f"/heroes/{hero.slug}" not in client.get("/sitemap-heroes-1.xml").get_data(as_text=True)
    assert search_api(client, "Коваленко") == []
    assert "це більше не показується" in status_page(client, ref)
    token = csrf_token(client, f"/staff/heroes/{hero.id}")
    client.post(f"/staff/heroes/{hero.id}/publish", data={"csrf_token": token, "text": "родина"})
    assert client.get(f"/heroes/{hero.slug}").status_code == 200


def test_a_correction_is_a_staff_edit_with_a_reason(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    ref = ask_family(client, hero, "field:rank", ask="correct", value="старший сержант")
    login(client, staff["moderator"])
    accept(app, client, ref)
    with app.app_context():
        assert db.session.get(Hero, hero.id).rank == "старший сержант"
        last = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id.desc())
        ).first()
        assert last.source == "edit" and last.reason == ref
    assert "відомості виправлено" in status_page(client, ref)


def test_flags_survive_import_approval_and_restore(app, client, staff, tmp_path):
    rec, files = with_photos()
    import_records(app, tmp_path, [rec], files=files)
    hero = the_hero(app)
    second = hero.photos[1]
    login(client, staff["moderator"])
    for url in (
        f"/staff/heroes/{hero.id}/story/{hero.stories[0].id}/hidden/on",
        f"/staff/heroes/{hero.id}/photo/{second.id}/hidden/on",
        f"/staff/heroes/{hero.id}/field/military_unit/on",
    ):
        token = csrf_token(client, f"/staff/heroes/{hero.id}")
        assert client.post(url, data={"csrf_token": token}).status_code == 302

    def flags():
        h = the_hero(app)
        return (
            [s.hidden for s in h.stories if s.body == STORY],
            [p.hidden for p in h.photos if p.sha256 == second.sha256],
            h.hidden_fields,
        )

    assert flags() == ([True], [True], ["military_unit"])
    import_records(app, tmp_path, [rec], name="again", files=files)  # a re-import
    assert flags() == ([True], [True], ["military_unit"])
    story_ref = reference_of(
        client,
        post_form(
            client,
            f"/submit/story/{hero.id}",
            {**SUBMITTER, "title": "Ще", "body": "Інший спогад.", "author_name": "Оксана"},
        ),
    )
    with app.app_context():
        sid = db.session.scalar(select(Submission.id).where(Submission.reference == story_ref))
    token = csrf_token(client, f"/staff/submissions/{sid}")
    client.post(f"/staff/submissions/{sid}/approve", data={"csrf_token": token})
    assert flags() == ([True], [True], ["military_unit"])
    with app.app_context():
        first = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id)
        ).first()
        rid = first.id
    token = csrf_token(client, f"/staff/revisions/{rid}")
    client.post(f"/staff/revisions/{rid}/restore", data={"csrf_token": token, "text": "назад"})
    assert flags() == ([True], [True], ["military_unit"])
    # Unhiding brings everything back.
    for url in (
        f"/staff/heroes/{hero.id}/story/{the_hero(app).stories[0].id}/hidden/off",
        f"/staff/heroes/{hero.id}/photo/{second.id}/hidden/off",
        f"/staff/heroes/{hero.id}/field/military_unit/off",
    ):
        token = csrf_token(client, f"/staff/heroes/{hero.id}")
        client.post(url, data={"csrf_token": token})
    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert STORY in page and UNIT in page and second.file_path in page


def test_a_frozen_profile_holds_public_edits_until_unfrozen(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    ref = ask_family(client, hero, "field:rank", ask="correct", value="солдат")
    login(client, staff["moderator"])
    token = csrf_token(client, f"/staff/heroes/{hero.id}")
    client.post(
        f"/staff/heroes/{hero.id}/freeze",
        data={"csrf_token": token, "text": "Мати і дружина кажуть різне"},
    )
    public = app.test_client()
    page = public.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert "Сторінку тимчасово не змінюємо: родина уточнює відомості." in page
    assert "Мати і дружина" not in page
    assert "родина уточнює відомості" in status_page(public, ref)
    story_ref = reference_of(
        public,
        post_form(
            public,
            f"/submit/story/{hero.id}",
            {**SUBMITTER, "body": "Новий спогад.", "author_name": "Оксана"},
        ),
    )
    assert "чекає: сторінку заморожено" in client.get("/staff/").get_data(as_text=True)
    with app.app_context():
        sid = db.session.scalar(select(Submission.id).where(Submission.reference == story_ref))
    staff_page = client.get(f"/staff/submissions/{sid}").get_data(as_text=True)
    assert "це звернення чекає" in staff_page and "/approve" not in staff_page
    token = csrf_token(client, f"/staff/submissions/{sid}")
    client.post(f"/staff/submissions/{sid}/approve", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Submission, sid).is_open
    assert "Мати і дружина" in client.get(f"/staff/heroes/{hero.id}").get_data(as_text=True)
    token = csrf_token(client, f"/staff/heroes/{hero.id}")
    client.post(f"/staff/heroes/{hero.id}/unfreeze", data={"csrf_token": token, "text": "Згода"})
    token = csrf_token(client, f"/staff/submissions/{sid}")
    client.post(f"/staff/submissions/{sid}/approve", data={"csrf_token": token})
    with app.app_context():
        assert not db.session.get(Submission, sid).is_open
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "hero.freeze" in actions and "hero.unfreeze" in actions
    assert "Сторінку тимчасово" not in client.get(f"/heroes/{hero.slug}").get_data(as_text=True)


def test_reject_and_question_as_for_other_submissions(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    first = ask_family(client, hero, "field:rank")
    second = ask_family(client, hero, "field:position")
    login(client, staff["moderator"])
    with app.app_context():
        ids = [
            db.session.scalar(select(Submission.id).where(Submission.reference == r))
            for r in (first, second)
        ]
    token = csrf_token(client, f"/staff/submissions/{ids[0]}")
    client.post(f"/staff/submissions/{ids[0]}/reject", data={"csrf_token": token, "text": "Ні"})
    token = csrf_token(client, f"/staff/submissions/{ids[1]}")
    client.post(f"/staff/submissions/{ids[1]}/ask", data={"csrf_token": token, "text": "Хто ви?"})
    assert "Ми не змогли виконати" in status_page(client, first)
    assert "Хто ви?" in status_page(client, second)


def test_a_migrated_database_takes_family_requests_and_marks(tmp_path):
    from helpers import database_url_for

    app = create_app(app_config(tmp_path, DATABASE_URL=database_url_for(tmp_path, empty=True)))
    try:
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        import_records(app, tmp_path, [record("f-1")])
        client = app.test_client()
        hero = the_hero(app)
        reference = ask_family(client, hero, "field:rank")
        with app.app_context():
            found = db.session.scalar(select(Hero).where(Hero.id == hero.id))
            found.stories[0].sensitive = True
            found.hidden_fields = ["rank"]
            db.session.commit()
            kind = db.session.scalar(
                select(Submission.kind).where(Submission.reference == reference)
            )
            assert kind == SubmissionKind.FAMILY_REQUEST
        assert "сержант" not in client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_lists_by_a_hidden_fact_leave_the_hero_out(app, client, staff, tmp_path):
    import_records(app, tmp_path, [record("f-1")])
    hero = the_hero(app)
    shown = {
        "/heroes/unit/": "Холодний Яр",
        "/heroes/year/": "/heroes/year/2022",
        "/heroes/year/2022": hero.surname,
        "/heroes/day/08-19": hero.surname,
        f"/heroes/{hero.slug}": "19 серпня 2022",
        f"/heroes/{hero.slug}.ics": "0819",
    }
    for url, marker in shown.items():
        assert marker in read(client, url), url
    login(client, staff["moderator"])
    for name in ("military_unit", "death_date"):
        token = csrf_token(client, f"/staff/heroes/{hero.id}")
        client.post(f"/staff/heroes/{hero.id}/field/{name}/on", data={"csrf_token": token})
    for url, marker in shown.items():
        assert marker not in read(client, url), url
    assert "Холодний Яр" not in read(client, f"/heroes/{hero.slug}")
    found = json.loads(read(client, "/api/v1/search?q=Коваленко"))["results"]
    assert found[0]["death_date"] is None and found[0]["birth_date"] == "1985-06-02"
    calendar = read(client, f"/heroes/{hero.slug}.ics")
    assert "0602" in calendar and "0819" not in calendar
