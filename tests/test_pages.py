"""Public pages: every one answers, in Ukrainian, and never shows a draft."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape
from sqlalchemy import select

from memorial.extensions import db
from memorial.models import Hero

from helpers import record, write_archive


def demo_records(demo_source):
    return json.loads((demo_source / "heroes.json").read_text(encoding="utf-8"))


def hero_by_external(app, external_id):
    with app.app_context():
        return db.session.scalar(select(Hero).where(Hero.external_id == external_id))


def test_home(demo_app, client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="uk">' in page
    assert "Архів пам'яті" in page or "Архів пам’яті" in page
    assert 'name="q"' in page and 'role="search"' in page
    assert "вигадані" in page  # the demo notice
    with demo_app.app_context():
        published = db.session.query(Hero).filter_by(status="published").count()
    assert f'<span class="count">{published}</span> ім' in page


def test_every_published_profile_and_no_draft(demo_app, client, demo_source):
    records = demo_records(demo_source)
    drafts = [r for r in records if r.get("status") == "draft"]
    assert drafts, "the demo archive should hold drafts"
    for rec in records:
        hero = hero_by_external(demo_app, rec["external_id"])
        response = client.get(f"/heroes/{hero.slug}")
        if rec.get("status", "published") == "published":
            assert response.status_code == 200, rec["external_id"]
            page = response.get_data(as_text=True)
            assert rec["surname"] in page
            for story in rec.get("stories", []):
                assert escape(story["author_name"]) in page
        else:
            assert response.status_code == 404
            assert client.get(f"/api/v1/heroes/{hero.id}").status_code == 404
    listing = "".join(client.get(f"/heroes/?page={n}").get_data(as_text=True) for n in (1, 2, 3))
    for rec in drafts:
        assert escape(rec["surname"] + " " + rec["given_name"]) not in listing


def test_profile_shows_every_field(app, client, runner, tmp_path):
    rec = record(
        "p-1",
        surname="Журавський",
        given_name="Євген",
        patronymic="Олександрович",
        birth_date="1987-03-14",
        death_date="2022-05-24",
    )
    assert (
        runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", [rec]))]).exit_code
        == 0
    )
    hero = hero_by_external(app, "p-1")
    assert hero.slug == f"zhuravskyi-yevhen-{hero.id}"
    page = client.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    for text in (
        "Журавський Євген Олександрович",
        "Кобзар",
        "14 березня 1987",
        "24 травня 2022",
        "35 років",
        "сержант",
        "командир відділення",
        "Холодний Яр",
        "Краматорськ, Алея Героїв",
        "ряд 1, місце 3",
        "Бахмут",
        "Загинув під час",
        "орден «За мужність» III ступеня",
        "посмертно",
        "Працював електриком",
        "Він завжди допомагав",
        "Олена",
        "сестра",
    ):
        assert text in page, text
    english = client.get(f"/heroes/{hero.slug}?lang=en").get_data(as_text=True)
    assert "14 March 1987" in english and '<html lang="en">' in english


def test_old_slug_redirects(app, client, runner, tmp_path):
    runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", [record("p-1")]))])
    hero = hero_by_external(app, "p-1")
    response = client.get(f"/heroes/old-name-{hero.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(hero.slug)
    assert client.get(f"/heroes/{hero.id}").status_code == 301


@pytest.mark.parametrize(
    "url",
    [
        "/heroes/nobody-99999",
        "/heroes/%3Cscript%3E",
        "/nowhere",
        "/heroes/?page=999",
        "/media/aa/nothing.jpg",
        "/media/thumb/320/aa/nothing.jpg",
        "/media/thumb/7/aa/x.jpg",
    ],
)
def test_missing_pages_are_404_in_ukrainian(demo_app, client, url):
    response = client.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Сторінку не знайдено" in page
    assert "Traceback" not in page


def test_500_page_is_ukrainian_and_hides_details(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Сталася помилка" in page and "secret internals" not in page


def test_alphabet_index_and_pagination(demo_app, client, demo_source):
    records = [r for r in demo_records(demo_source) if r.get("status", "published") == "published"]
    demo_app.config["HEROES_PER_PAGE"] = 10
    pages = []
    n = 1
    while True:
        response = client.get(f"/heroes/?page={n}")
        if response.status_code == 404:
            break
        pages.append(response.get_data(as_text=True))
        n += 1
    assert len(pages) == -(-len(records) // 10)
    first = records[0]
    letter = first["surname"][0].upper()
    page = client.get(f"/heroes/?letter={letter}").get_data(as_text=True)
    for rec in records:
        name = escape(f"{rec['surname']} {rec['given_name']}")
        if rec["surname"][0].upper() == letter:
            assert name in page
        else:
            assert name not in page


def test_list_is_in_ukrainian_alphabetical_order(app, client, runner, tmp_path):
    names = ["Яковенко", "Ґудзь", "Гнатюк", "Євтух", "Бондар", "Іваненко", "Їжакевич"]
    recs = [record(f"o-{i}", surname=s, stories=[]) for i, s in enumerate(names)]
    runner.invoke(args=["import-archive", str(write_archive(tmp_path / "a", recs))])
    page = client.get("/heroes/").get_data(as_text=True)
    positions = [
        page.index(f"{s} Андрій")
        for s in ["Бондар", "Гнатюк", "Ґудзь", "Євтух", "Іваненко", "Їжакевич", "Яковенко"]
    ]
    assert positions == sorted(positions)


def test_search_page(demo_app, client):
    page = client.get("/search?q=Журавського").get_data(as_text=True)
    assert "Журавський Євген" in page
    marked = client.get("/search?q=Краматорська").get_data(as_text=True)
    assert "<mark>Краматорськ" in marked
    empty = client.get("/search").get_data(as_text=True)
    assert 'name="q"' in empty
    bad = client.get("/search?q=x&page=abc")
    assert bad.status_code == 400 and "цілим числом" in bad.get_data(as_text=True)


def test_photos_of_published_heroes_only(demo_app, client, demo_source):
    with demo_app.app_context():
        heroes = db.session.scalars(select(Hero)).all()
        shown = [(h.status, p.file_path) for h in heroes for p in h.photos]
    assert any(s == "published" for s, _ in shown)
    for status, path in shown:
        response = client.get(f"/media/{path}")
        thumb = client.get(f"/media/thumb/320/{path}")
        response.close()
        thumb.close()
        if status == "published":
            assert response.status_code == 200
            assert response.mimetype in ("image/png", "image/jpeg")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
        else:
            assert response.status_code == 404 and thumb.status_code == 404


def test_language_choice_is_remembered(demo_app, client):
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/heroes/").get_data(as_text=True)
    assert '<html lang="uk">' in client.get("/?lang=uk").get_data(as_text=True)
    assert '<html lang="uk">' in client.get("/").get_data(as_text=True)
