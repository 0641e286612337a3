"""The public side of burial places: cemeteries with what a visitor needs, and the plan of a
sector drawn on the server (SVG and its table), the grave a profile points to marked on it,
and coordinates that never leave the site unless staff switch them on for the cemetery."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from memorial import graves
from memorial.extensions import db
from memorial.models import Cemetery, Grave, GraveSector, Hero

from helpers import record, write_archive

SVG = "{http://www.w3.org/2000/svg}"
CEMETERY = "Тестове кладовище, Алея Героїв"
LATITUDE, LONGITUDE = 48.7391234, 37.5849876


def _grave(row: int, place: int, sector: str = "1") -> dict:
    return {"cemetery": CEMETERY, "sector": sector, "row": str(row), "place": str(place)}


@pytest.fixture
def sector(app, runner, tmp_path):
    """A sector of 4 rows of 6 places: two published heroes, one draft, one reserved place,
    a grave with coordinates; returns the ids and codes the tests need."""
    records = [
        record("p-1", surname="Бондар", given_name="Іван", grave=_grave(1, 2)),
        record("p-2", surname="Мельник", given_name="Олег", grave=_grave(3, 5)),
        record("p-3", surname="Таємний", given_name="Петро", status="draft", grave=_grave(2, 1)),
    ]
    folder = write_archive(tmp_path / "arch", records)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        item = db.session.scalar(select(GraveSector).where(GraveSector.name == "1"))
        graves.resize_sector(db.session, item, 4, 6)
        graves.set_reserved(db.session, graves.grave_at(db.session, item, 4, 6), True)
        heroes = {h.external_id: h for h in db.session.scalars(select(Hero))}
        first = heroes["p-1"].grave
        first.latitude, first.longitude = LATITUDE, LONGITUDE
        db.session.commit()
        return {
            "cemetery_id": item.cemetery_id,
            "sector_id": item.id,
            "url": f"/cemeteries/{item.cemetery_id}/sectors/{item.id}",
            "codes": {key: h.grave.code for key, h in heroes.items()},
            "slugs": {key: h.slug for key, h in heroes.items()},
            "ids": {key: h.id for key, h in heroes.items()},
        }


def _svg(html: str) -> ET.Element:
    found = re.search(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="plan-svg".*?</svg>', html, re.S
    )
    assert found, "no plan drawn"
    return ET.fromstring(found.group(0))


def _cells(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in svg.iter() if (e.get("class") or "").split()[:1] == [cls]]


def test_the_plan_is_well_formed_svg_with_every_place_and_links_to_the_published(client, sector):
    response = client.get(sector["url"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = _svg(html)
    links = svg.findall(f".//{SVG}a")
    assert sorted(a.get("href") for a in links) == sorted(
        f"/heroes/{sector['slugs'][k]}" for k in ("p-1", "p-2")
    )
    named = {a.get("href"): a.get("aria-label") for a in links}
    first = named[f"/heroes/{sector['slugs']['p-1']}"]
    assert first.startswith("Ряд 1, місце 2: Бондар Іван") and "2022" in first
    assert all(a.find(f"{SVG}title").text == a.get("aria-label") for a in links)
    # 24 places: 2 links, 1 hidden (a draft), 1 reserved, 20 free; free and reserved are told
    # apart by outline and hatching, not colour only.
    assert len(_cells(svg, "plan-taken")) == 2
    hidden = _cells(svg, "plan-hidden")
    assert len(hidden) == 1 and hidden[0].get("id") == "place-2-1"
    reserved = _cells(svg, "plan-reserved")
    assert len(reserved) == 1 and reserved[0].find(f"{SVG}rect").get("fill") == "url(#hatch)"
    free = _cells(svg, "plan-free")
    assert len(free) == 20
    assert all(g.find(f"{SVG}rect").get("stroke-dasharray") for g in free)
    assert svg.find(".//*[@class='plan-compass']") is not None
    entrance = svg.find(".//*[@class='plan-entrance']")
    assert entrance is not None and entrance.find(f"{SVG}text").text == "Вхід"
    # A hero the public may not see: the place is taken, the name is nowhere.
    assert "Таємний" not in html and sector["slugs"]["p-3"] not in html
    assert "Ряд 2, місце 1: зайняте" in html


def test_the_table_says_the_same_as_the_drawing(client, sector):
    html = client.get(sector["url"]).get_data(as_text=True)
    table = html[html.index('<table class="places-table">') : html.index("</table>") + 8]
    rows = re.findall(
        r"<tr[^>]*>\s*<td>(\d+)</td><td>(\d+)</td>\s*<td[^>]*>(.*?)</td>", table, re.S
    )
    assert [(r, p) for r, p, _ in rows] == [("1", "2"), ("2", "1"), ("3", "5"), ("4", "6")]
    assert "Бондар Іван" in rows[0][2] and f'href="/heroes/{sector["slugs"]["p-1"]}"' in rows[0][2]
    assert "зайняте" in rows[1][2] and "зарезервоване" in rows[3][2]
    assert "02.06.1985 — 19.08.2022" in table or "червня 1985" in table or "1985" in table
    assert "Вільних місць: 20" in html
    assert "Ряд 1: місця 1, 3–6" in html


def test_a_profile_leads_to_its_grave_marked_on_the_plan(client, sector):
    profile = client.get(f"/heroes/{sector['slugs']['p-2']}").get_data(as_text=True)
    code = sector["codes"]["p-2"]
    link = f"{sector['url']}?grave={code}#here"
    assert f'href="{link}"' in profile and "Де могила?" in profile
    html = client.get(f"{sector['url']}?grave={code}").get_data(as_text=True)
    assert "Тут: ряд 3, місце 5" in html
    svg = _svg(html)
    marked = [a for a in svg.findall(f".//{SVG}a") if a.get("aria-current") == "location"]
    assert [a.get("id") for a in marked] == ["place-3-5"]
    outline = svg.find(f".//{SVG}g[@class='plan-here']")
    assert outline is not None
    assert re.search(r'<tr class="is-here" aria-current="location">\s*<td>3</td><td>5</td>', html)
    # Without the code, nothing is marked.
    plain = client.get(sector["url"]).get_data(as_text=True)
    assert "Тут:" not in plain and "plan-here" not in plain.split("</svg>")[0].split("<svg", 2)[1]


def test_a_code_typed_loosely_is_normalised_and_others_go_to_the_plain_plan(client, sector):
    code = sector["codes"]["p-1"]
    loose = client.get(f"{sector['url']}?grave={code.lower()}")
    assert loose.status_code == 302 and loose.headers["Location"].endswith(f"?grave={code}")
    for wrong in ("nonsense", "ZZZZZZ", sector["codes"]["p-1"] + "X"):
        response = client.get(f"{sector['url']}?grave={wrong}")
        assert response.status_code == 302, wrong
        assert response.headers["Location"] == sector["url"]


def test_a_grave_of_another_sector_is_not_marked_here(app, client, sector):
    with app.app_context():
        cemetery = db.session.get(Cemetery, sector["cemetery_id"])
        other = graves.ensure_sector(db.session, cemetery.name, "2", 1, 3)
        code = graves.grave_at(db.session, other, 1, 1).code
        db.session.commit()
    response = client.get(f"{sector['url']}?grave={code}")
    assert response.status_code == 302 and response.headers["Location"] == sector["url"]


def test_unknown_cemeteries_and_sectors_are_not_found(client, sector):
    assert client.get(f"/cemeteries/{sector['cemetery_id'] + 100}").status_code == 404
    assert client.get(f"/cemeteries/{sector['cemetery_id']}/sectors/999").status_code == 404
    assert client.get(f"/cemeteries/999/sectors/{sector['sector_id']}").status_code == 404
    assert client.get(f"{sector['url']}/photo").status_code == 404  # none uploaded


def test_cemeteries_tell_how_to_visit(app, client, sector):
    with app.app_context():
        cemetery = db.session.get(Cemetery, sector["cemetery_id"])
        cemetery.address = "вул. Героїв, 1"
        cemetery.opening_hours = "щодня 8:00–18:00"
        cemetery.directions = "Автобус №5 до зупинки «Кладовище»."
        db.session.commit()
    listing = client.get("/cemeteries").get_data(as_text=True)
    assert CEMETERY in listing and "вул. Героїв, 1" in listing and "щодня 8:00–18:00" in listing
    assert f'href="{sector["url"]}"' in listing
    page = client.get(f"/cemeteries/{sector['cemetery_id']}").get_data(as_text=True)
    assert "Автобус №5" in page and f'href="{sector["url"]}"' in page
    assert "оприлюднено: 2." in page  # the draft is not counted


def test_a_larger_sector_is_drawn_and_a_huge_one_given_as_its_table(app, client, sector):
    with app.app_context():
        item = db.session.get(GraveSector, sector["sector_id"])
        graves.resize_sector(db.session, item, 20, 25)
        db.session.commit()
    svg = _svg(client.get(sector["url"]).get_data(as_text=True))
    assert len(_cells(svg, "plan-free")) == 500 - 4
    with app.app_context():
        item = db.session.get(GraveSector, sector["sector_id"])
        graves.resize_sector(db.session, item, 200, 500)
        db.session.commit()
    html = client.get(sector["url"]).get_data(as_text=True)
    assert 'class="plan-svg"' not in html and "Бондар Іван" in html


# -- coordinates --------------------------------------------------------------------------


def _everything_public(client, runner, sector, tmp_path) -> str:
    """Every page and file a visitor or a robot can get that names the graves."""
    parts = [
        client.get(sector["url"]).get_data(as_text=True),
        client.get(f"{sector['url']}?grave={sector['codes']['p-1']}").get_data(as_text=True),
        client.get(f"/cemeteries/{sector['cemetery_id']}").get_data(as_text=True),
        client.get("/cemeteries").get_data(as_text=True),
        client.get(f"/heroes/{sector['slugs']['p-1']}").get_data(as_text=True),
        client.get(f"/api/v1/heroes/{sector['ids']['p-1']}").get_data(as_text=True),
        client.get("/api/v1/search?q=Бондар").get_data(as_text=True),
        client.get("/sitemap.xml").get_data(as_text=True),
        client.get("/sitemap-pages.xml").get_data(as_text=True),
        client.get("/sitemap-heroes-1.xml").get_data(as_text=True),
    ]
    out = tmp_path / f"export-{len(list(tmp_path.iterdir()))}"
    result = runner.invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    parts.append((out / "heroes.json").read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_coordinates_are_never_published_unless_switched_on(app, client, runner, sector, tmp_path):
    hero = json.loads(client.get(f"/api/v1/heroes/{sector['ids']['p-1']}").data)
    assert set(hero["grave"]) == {"cemetery", "sector", "row", "place", "code", "url"}
    text = _everything_public(client, runner, sector, tmp_path)
    for number in (LATITUDE, LONGITUDE):
        assert str(number)[:6] not in text
    assert "Координати" not in text

    with app.app_context():
        db.session.get(Cemetery, sector["cemetery_id"]).show_coordinates = True
        db.session.commit()
    plan = client.get(sector["url"]).get_data(as_text=True)
    assert "Координати" in plan and "48.739123, 37.584988" in plan
    # Switched on, they show on the plan only: the API and the export keep to their format.
    api = client.get(f"/api/v1/heroes/{sector['ids']['p-1']}").get_data(as_text=True)
    assert str(LATITUDE)[:6] not in api


def test_the_cached_plan_follows_a_change_of_the_sector(app, client, sector):
    client.get(sector["url"])  # kept in the page cache
    with app.app_context():
        grave = db.session.scalar(select(Grave).where(Grave.code == sector["codes"]["p-2"]))
        graves.unlink(db.session, grave.hero)
        db.session.commit()
    html = client.get(sector["url"]).get_data(as_text=True)
    assert "Мельник" not in html


def test_the_demo_archive_shows_a_plan_of_its_alley(demo_app, client):
    with demo_app.app_context():
        item = db.session.scalar(
            select(GraveSector)
            .join(Cemetery)
            .where(Cemetery.name == "Краматорськ, Алея Героїв", GraveSector.name == "1")
        )
        assert item is not None
        url = f"/cemeteries/{item.cemetery_id}/sectors/{item.id}"
        expected = {f"/heroes/{g.hero.slug}" for g in item.graves if g.hero and g.hero.is_published}
    assert len(expected) >= 4
    svg = _svg(client.get(url).get_data(as_text=True))
    assert {a.get("href") for a in svg.findall(f".//{SVG}a")} == expected


def test_the_sitemap_names_the_cemeteries_and_plans(client, sector):
    text = client.get("/sitemap-pages.xml").get_data(as_text=True)
    assert "/cemeteries</loc>" in text
    assert f"/cemeteries/{sector['cemetery_id']}</loc>" in text
    assert f"{sector['url']}</loc>" in text


def test_a_free_place_scanned_points_to_the_plan(app, client, sector):
    with app.app_context():
        item = db.session.get(GraveSector, sector["sector_id"])
        code = graves.grave_at(db.session, item, 4, 1).code
        db.session.commit()
    page = client.get(f"/g/{code}").get_data(as_text=True)
    assert f'href="{sector["url"]}?grave={code}#here"' in page
    html = client.get(f"{sector['url']}?grave={code}").get_data(as_text=True)
    assert "Тут: ряд 4, місце 1" in html and "Вільних місць: 20" in html
    svg = _svg(html)
    marked = [g for g in _cells(svg, "plan-free") if g.get("aria-current") == "location"]
    assert [g.get("id") for g in marked] == ["place-4-1"]
    assert svg.find(f".//{SVG}g[@class='plan-here']") is not None
