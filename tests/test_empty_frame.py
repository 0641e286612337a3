"""The empty frame: a hero whose family is not ready shows only the name and the dates."""

from __future__ import annotations

import json

from sqlalchemy import select

from memorial import provenance
from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Revision

from helpers import csrf_token, image_bytes, login, record, search_api, write_archive

#: Words of the record that must never show for a hero in an empty frame.
HIDDEN = (
    "Кобзар",  # call sign
    "електриком",  # biography
    "допомагав сусідам",  # story
    "Холодний Яр",  # unit
    "сержант",  # rank
    "артилерійського",  # circumstances
    "Алея Героїв",  # burial
    "За мужність",  # award
    "Краматорськ",  # places
)


def framed_app(app, client, staff, tmp_path) -> Hero:
    """One hero with every field and a portrait, put in an empty frame by a moderator."""
    files = {"p.jpg": image_bytes("JPEG")}
    folder = write_archive(
        tmp_path / "a", [record("f-1", photos=[{"file": "p.jpg", "primary": True}])], files
    )
    result = app.test_cli_runner().invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        hero = db.session.scalar(select(Hero))
        db.session.expunge(hero)
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero.id}"
    client.post(
        f"{url}/name-only",
        data={"csrf_token": csrf_token(client, url), "name_only": "y", "text": "родина просить"},
    )
    return hero


def test_the_profile_shows_the_name_the_dates_and_a_black_frame(app, client, staff, tmp_path):
    hero = framed_app(app, client, staff, tmp_path)
    with app.app_context():
        assert db.session.get(Hero, hero.id).name_only is True
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
            "hero.name_only"
        )
    visitor = app.test_client()
    page = visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert "Коваленко Андрій Петрович" in page
    assert "2 червня 1985" in page and "19 серпня 2022" in page
    assert "empty-frame" in page and "Родина ще не готова розповісти більше" in page
    for word in HIDDEN:
        assert word not in page, word
    assert "/media/" not in page  # no portrait, no og:image
    with app.app_context():
        photo = db.session.scalar(select(Hero).where(Hero.id == hero.id)).photos[0].file_path
    assert visitor.get(f"/media/{photo}").status_code == 404


def test_lists_api_feeds_oai_export_and_search_show_nothing_more(app, client, staff, tmp_path):
    hero = framed_app(app, client, staff, tmp_path)
    visitor = app.test_client()
    outputs = {
        "list": visitor.get("/heroes/").get_data(as_text=True),
        "home": visitor.get("/").get_data(as_text=True),
        "api": visitor.get(f"/api/v1/heroes/{hero.id}").get_data(as_text=True),
        "feed": visitor.get("/feed.atom").get_data(as_text=True),
        "oai": visitor.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").get_data(as_text=True),
        "units": visitor.get("/heroes/unit/").get_data(as_text=True),
    }
    csv = visitor.get("/opendata/heroes.csv")
    outputs["opendata"] = csv.get_data().decode("utf-8-sig")
    csv.close()
    for where, text in outputs.items():
        for word in HIDDEN:
            assert word not in text, (where, word)
    assert "Коваленко" in outputs["list"] and "Коваленко" in outputs["opendata"]
    data = json.loads(outputs["api"])
    assert data["birth_date"] == "1985-06-02" and data["death_date"] == "2022-08-19"
    assert data["photos"] == [] and data["stories"] == [] and data["military_unit"] is None

    # Search finds the person by name, never by the words of the biography or the unit.
    assert search_api(visitor, "Коваленко") == ["Коваленко Андрій Петрович"]
    assert search_api(visitor, "Kovalenko") == ["Коваленко Андрій Петрович"]
    for words in ("електриком", "Холодний Яр", "Бахмут", "Кобзар"):
        assert search_api(visitor, words) == [], words

    # The export keeps only the name and the dates of this hero.
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    exported = (out / "heroes.json").read_text(encoding="utf-8")
    for word in HIDDEN:
        assert word not in exported, word


def test_lifting_the_frame_brings_everything_back(app, client, staff, tmp_path):
    hero = framed_app(app, client, staff, tmp_path)
    url = f"/staff/heroes/{hero.id}"
    client.post(f"{url}/name-only", data={"csrf_token": csrf_token(client, url), "text": "готові"})
    visitor = app.test_client()
    page = visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert "електриком" in page and "empty-frame" not in page
    assert search_api(visitor, "електриком") == ["Коваленко Андрій Петрович"]
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["hero.name_only", "hero.name_only_lifted"]


def test_a_form_without_a_reason_changes_nothing(app, client, staff, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["import-archive", str(write_archive(tmp_path / "a", [record("f-2")]))]
    )
    assert result.exit_code == 0
    with app.app_context():
        hero_id = db.session.scalar(select(Hero.id))
    login(client, staff["moderator"])
    url = f"/staff/heroes/{hero_id}"
    page = client.post(
        f"{url}/name-only",
        data={"csrf_token": csrf_token(client, url), "name_only": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Напишіть, чому." in page
    with app.app_context():
        assert db.session.get(Hero, hero_id).name_only is False


def test_the_book_line_has_the_name_and_the_dates_only(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["import-archive", str(write_archive(tmp_path / "a", [record("f-3")]))]
    )
    assert result.exit_code == 0
    with app.app_context():
        hero = db.session.scalar(select(Hero))
        assert provenance.memorial_line_only(hero) == (
            "Коваленко Андрій Петрович (2 червня 1985 – 19 серпня 2022)"
        )
        hero.birth_date = None
        assert (
            provenance.memorial_line_only(hero) == "Коваленко Андрій Петрович (? – 19 серпня 2022)"
        )


def test_the_frame_is_a_revision_and_a_restore_takes_it_back(app, client, staff, tmp_path):
    hero = framed_app(app, client, staff, tmp_path)
    with app.app_context():
        imported, framed = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id)
        ).all()
        assert framed.after.get("name_only") is True and "name_only" not in framed.before
        first = imported.id
    url = f"/staff/revisions/{first}"
    client.post(f"{url}/restore", data={"csrf_token": csrf_token(client, url), "text": "назад"})
    with app.app_context():
        assert db.session.get(Hero, hero.id).name_only is False
    assert "електриком" in app.test_client().get(f"/heroes/{hero.slug}").get_data(as_text=True)
