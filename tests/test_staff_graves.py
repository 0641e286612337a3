"""Staff edit burial places: cemeteries, sectors (with a photo stored without its metadata),
reserved places and each hero's grave (link, unlink, reburial). Every refusal is a message on
the form and changes nothing; every change is in the audit log and the grave's history."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from memorial import graves, indexing
from memorial.extensions import db
from memorial.models import (
    AuditEvent,
    Cemetery,
    Grave,
    GraveEvent,
    GraveEventKind,
    GraveSector,
    Hero,
    Revision,
)

from helpers import csrf_token, gps_jpeg, login, record, write_archive

ALLEY = "Краматорськ, Алея Героїв"


def _post(client, url: str, data: dict, prefix: str | None = None, files: dict | None = None):
    """Post a staff form as the browser does: the CSRF token under the form's own name."""
    token = csrf_token(client, "/staff/cemeteries")
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    fields = {(f"{prefix}-{k}" if prefix else k): v for k, v in data.items()}
    payload = {key: token, **fields}
    for name, content in (files or {}).items():
        payload[f"{prefix}-{name}" if prefix else name] = (io.BytesIO(content), "photo.jpg")
    return client.post(url, data=payload, content_type="multipart/form-data")


@pytest.fixture
def setup(app, runner, client, staff, tmp_path):
    """Three heroes (two lie in sector 1 of the alley, 3 rows of 5), a signed-in moderator."""
    folder = write_archive(
        tmp_path / "arch",
        [
            record(
                "s-1",
                surname="Бондар",
                grave={"cemetery": ALLEY, "sector": "1", "row": "1", "place": "2"},
            ),
            record(
                "s-2",
                surname="Мельник",
                grave={"cemetery": ALLEY, "sector": "1", "row": "2", "place": "3"},
            ),
            record("s-3", surname="Ткач", burial_plot=None),
        ],
    )
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sector = db.session.scalar(select(GraveSector))
        graves.resize_sector(db.session, sector, 3, 5)
        db.session.commit()
        ids = {h.external_id: h.id for h in db.session.scalars(select(Hero))}
        out = {"sector_id": sector.id, "cemetery_id": sector.cemetery_id, "heroes": ids}
    login(client, staff["moderator"])
    return out


def _state(app):
    """Everything the grave pages can change, to compare before and after a refusal."""
    with app.app_context():
        return (
            sorted(
                (g.sector_id, g.row, g.place, g.hero_id, g.reserved)
                for g in db.session.scalars(select(Grave))
            ),
            sorted(
                (s.id, s.name, s.rows, s.places) for s in db.session.scalars(select(GraveSector))
            ),
            db.session.scalar(select(func.count(GraveEvent.id))),
            db.session.scalar(select(func.count(Revision.id))),
            db.session.scalar(select(func.count(AuditEvent.id))),
            sorted((h.id, h.burial_place or "") for h in db.session.scalars(select(Hero))),
        )


def _audited(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


def test_staff_pages_need_a_sign_in(client, setup):
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/cemeteries")})
    for url in (
        "/staff/cemeteries",
        f"/staff/sectors/{setup['sector_id']}",
        f"/staff/heroes/{setup['heroes']['s-1']}/grave",
    ):
        response = client.get(url)
        assert response.status_code in (302, 401), url


def test_a_cemetery_is_added_and_its_visiting_details_edited(app, client, setup):
    response = _post(
        client,
        "/staff/cemeteries",
        {"name": "Слов'янськ, міське кладовище", "address": "вул. Лісна, 3"},
    )
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Cemetery).where(Cemetery.name.startswith("Слов")))
        cemetery_id = item.id
        assert item.address == "вул. Лісна, 3" and item.show_coordinates is False
    visitor = app.test_client()  # not signed in: served from the page cache
    assert "8:00–17:00" not in visitor.get(f"/cemeteries/{cemetery_id}").get_data(as_text=True)
    response = _post(
        client,
        f"/staff/cemeteries/{cemetery_id}",
        {
            "name": "Слов'янськ, міське кладовище",
            "address": "вул. Лісна, 3",
            "opening_hours": "8:00–17:00",
            "directions": "Від вокзалу пішки 10 хвилин.",
            "show_coordinates": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(Cemetery, cemetery_id)
        assert item.opening_hours == "8:00–17:00" and item.show_coordinates is True
    # The visitor's page, kept in the page cache before, shows the change at once.
    assert "8:00–17:00" in visitor.get(f"/cemeteries/{cemetery_id}").get_data(as_text=True)
    assert _audited(app, "cemetery.create") == 1 and _audited(app, "cemetery.edit") == 1
    # A second cemetery of the same name is refused on the form.
    before = _state(app)
    again = _post(client, "/staff/cemeteries", {"name": "Слов'янськ,  міське кладовище"})
    assert again.status_code == 400 and "Кладовище з такою назвою вже є." in again.get_data(
        as_text=True
    )
    assert _state(app) == before


def test_a_sector_is_added_with_a_photo_stripped_of_its_location(app, client, setup):
    url = f"/staff/cemeteries/{setup['cemetery_id']}/sectors"
    response = _post(
        client,
        url,
        {
            "name": "2",
            "rows": "4",
            "places": "10",
            "entrance": "west",
            "description": "Праворуч від каплиці.",
            "photo_caption": "Сектор 2 навесні",
        },
        prefix="sector",
        files={"photo": gps_jpeg()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        item = db.session.scalar(select(GraveSector).where(GraveSector.name == "2"))
        assert (item.rows, item.places, item.entrance) == (4, 10, "west")
        path = app.config["DATA_DIR"] + "/media/" + item.photo_path
        sector_id = item.id
    with Image.open(path) as image:
        assert not image.getexif()  # no GPS, no camera, nothing
    public = client.get(f"/cemeteries/{setup['cemetery_id']}/sectors/{sector_id}/photo")
    assert public.status_code == 200 and public.mimetype == "image/jpeg"
    assert public.get_data()[:2] == b"\xff\xd8"
    public.close()
    with app.app_context():  # the photo and its thumbnail are named: `check --fix` keeps them
        orphans, _recent = indexing.find_orphans(grace_minutes=0)
        assert orphans == []
    assert _audited(app, "sector.create") == 1
    page = client.get(f"/cemeteries/{setup['cemetery_id']}").get_data(as_text=True)
    assert "Сектор 2 навесні" in page and "Праворуч від каплиці." in page


def test_a_file_that_is_no_photo_is_refused_on_the_form(app, client, setup):
    before = _state(app)
    response = _post(
        client,
        f"/staff/sectors/{setup['sector_id']}",
        {"name": "1", "rows": "3", "places": "5", "entrance": "south"},
        prefix="sector",
        files={"photo": b"not an image"},
    )
    assert response.status_code == 400
    assert _state(app) == before


def test_a_sector_grows_but_never_shrinks_over_its_graves(app, client, setup):
    url = f"/staff/sectors/{setup['sector_id']}"
    grown = _post(
        client, url, {"name": "1", "rows": "6", "places": "8", "entrance": "north"}, prefix="sector"
    )
    assert grown.status_code == 302
    before = _state(app)
    shrunk = _post(
        client, url, {"name": "1", "rows": "1", "places": "8", "entrance": "south"}, prefix="sector"
    )
    text = shrunk.get_data(as_text=True)
    assert shrunk.status_code == 400
    assert "Ряд 2, місце 3 зайняте або зарезервоване й лишилося б поза сектором." in text
    assert _state(app) == before
    with_photo = _post(
        client,
        url,
        {"name": "1", "rows": "1", "places": "8", "entrance": "south"},
        prefix="sector",
        files={"photo": gps_jpeg()},
    )
    assert with_photo.status_code == 400 and _state(app) == before
    assert not list((Path(app.config["DATA_DIR"]) / "media").rglob("*.jpg"))
    too_big = _post(
        client,
        url,
        {"name": "1", "rows": "201", "places": "8", "entrance": "south"},
        prefix="sector",
    )
    assert too_big.status_code == 400 and _state(app) == before
    assert _audited(app, "sector.edit") == 1


def test_a_sector_with_graves_is_not_deleted_and_an_empty_one_is(app, client, setup):
    before = _state(app)
    refused = _post(client, f"/staff/sectors/{setup['sector_id']}/delete", {})
    assert refused.status_code == 400
    assert "спершу перенесіть або звільніть їх" in refused.get_data(as_text=True)
    assert _state(app) == before
    with app.app_context():
        empty = graves.ensure_sector(db.session, ALLEY, "Порожній", 2, 2)
        graves.grave_at(db.session, empty, 1, 1)  # a free place with a code
        db.session.commit()
        empty_id = empty.id
    assert _post(client, f"/staff/sectors/{empty_id}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.get(GraveSector, empty_id) is None
    assert _audited(app, "sector.delete") == 1


def test_a_place_is_reserved_and_released_but_a_taken_one_is_not_reserved(app, client, setup):
    url = f"/staff/sectors/{setup['sector_id']}"
    assert (
        _post(client, f"{url}/reserve", {"row": "3", "place": "5"}, prefix="spot").status_code
        == 302
    )
    with app.app_context():
        grave = db.session.scalar(select(Grave).where(Grave.row == 3, Grave.place == 5))
        assert grave.reserved
    plan = client.get(f"/cemeteries/{setup['cemetery_id']}/sectors/{setup['sector_id']}")
    assert "Ряд 3, місце 5: зарезервоване" in plan.get_data(as_text=True)
    before = _state(app)
    taken = _post(client, f"{url}/reserve", {"row": "1", "place": "2"}, prefix="spot")
    assert taken.status_code == 400 and "Зайняте місце не можна зарезервувати." in taken.get_data(
        as_text=True
    )
    outside = _post(client, f"{url}/reserve", {"row": "9", "place": "1"}, prefix="spot")
    assert outside.status_code == 400 and "немає ряду 9" in outside.get_data(as_text=True)
    assert _state(app) == before
    assert (
        _post(client, f"{url}/release", {"row": "3", "place": "5"}, prefix="spot").status_code
        == 302
    )
    with app.app_context():
        assert not db.session.scalar(select(Grave).where(Grave.row == 3, Grave.place == 5)).reserved
    assert _audited(app, "grave.reserve") == 1 and _audited(app, "grave.release") == 1


def test_a_hero_is_linked_to_a_place_and_refusals_change_nothing(app, client, setup):
    hero_id = setup["heroes"]["s-3"]
    url = f"/staff/heroes/{hero_id}/grave"
    page = client.get(url).get_data(as_text=True)
    assert "Вказати місце на плані" in page
    before = _state(app)
    taken = _post(
        client,
        f"{url}/link",
        {"sector": setup["sector_id"], "row": "1", "place": "2"},
        prefix="link",
    )
    text = taken.get_data(as_text=True)
    assert taken.status_code == 400 and "уже зайняте: там похований Бондар" in text
    outside = _post(
        client,
        f"{url}/link",
        {"sector": setup["sector_id"], "row": "4", "place": "1"},
        prefix="link",
    )
    assert outside.status_code == 400 and "немає ряду 4" in outside.get_data(as_text=True)
    no_place = _post(
        client,
        f"{url}/link",
        {"sector": setup["sector_id"], "row": "2", "place": "9"},
        prefix="link",
    )
    assert no_place.status_code == 400 and "немає місця 9" in no_place.get_data(as_text=True)
    not_number = _post(
        client,
        f"{url}/link",
        {"sector": setup["sector_id"], "row": "два", "place": "1"},
        prefix="link",
    )
    assert not_number.status_code == 400
    assert _state(app) == before

    done = _post(
        client,
        f"{url}/link",
        {"sector": setup["sector_id"], "row": "3", "place": "1", "reason": "за довідкою кладовища"},
        prefix="link",
    )
    assert done.status_code == 302
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert (hero.grave.row, hero.grave.place) == (3, 1)
        assert (
            db.session.scalar(select(func.count(Revision.id)).where(Revision.hero_id == hero_id))
            == 2
        )
    assert _audited(app, "grave.link") == 1
    page = client.get(url).get_data(as_text=True)
    assert "поховано / вказано місце" in page and "moder@example.org" in page


def test_unlinking_frees_the_place(app, client, setup):
    hero_id = setup["heroes"]["s-1"]
    response = _post(
        client, f"/staff/heroes/{hero_id}/grave/unlink", {"text": "помилка в документах"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Hero, hero_id).grave is None
    assert _audited(app, "grave.unlink") == 1


def test_a_reburial_frees_the_place_and_keeps_where_to(app, client, setup):
    hero_id = setup["heroes"]["s-2"]
    url = f"/staff/heroes/{hero_id}/grave"
    before = _state(app)
    nowhere = _post(client, f"{url}/rebury", {"destination": "", "sector": "0"}, prefix="rebury")
    assert nowhere.status_code == 400 and "Вкажіть, куди перепоховано." in nowhere.get_data(
        as_text=True
    )
    taken = _post(
        client,
        f"{url}/rebury",
        {"sector": setup["sector_id"], "row": "1", "place": "2"},
        prefix="rebury",
    )
    assert taken.status_code == 400 and "Нове місце вже зайняте." in taken.get_data(as_text=True)
    half = _post(
        client, f"{url}/rebury", {"sector": setup["sector_id"], "row": "1"}, prefix="rebury"
    )
    assert half.status_code == 400 and "вкажіть ряд і місце" in half.get_data(as_text=True)
    assert _state(app) == before

    moved = _post(
        client,
        f"{url}/rebury",
        {
            "destination": "Львів, Личаківське кладовище, поле 76",
            "sector": "0",
            "note": "на прохання родини",
        },
        prefix="rebury",
    )
    assert moved.status_code == 302
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert hero.grave is None and hero.burial_place == "Львів, Личаківське кладовище, поле 76"
        event = db.session.scalar(
            select(GraveEvent).where(GraveEvent.kind == GraveEventKind.REBURIED)
        )
        assert event.destination == "Львів, Личаківське кладовище, поле 76" and event.user_id
        grave_id = event.grave_id
    assert _audited(app, "grave.rebury") == 1
    history = client.get(f"/staff/cemeteries/graves/{grave_id}").get_data(as_text=True)
    assert "перепоховано" in history and "Личаківське" in history and "moder@example.org" in history
    profile = client.get(f"/heroes/{_slug(app, hero_id)}").get_data(as_text=True)
    assert "Личаківське кладовище" in profile


def test_a_reburial_to_a_new_place_in_the_archive(app, client, setup):
    hero_id = setup["heroes"]["s-2"]
    moved = _post(
        client,
        f"/staff/heroes/{hero_id}/grave/rebury",
        {"sector": setup["sector_id"], "row": "3", "place": "4"},
        prefix="rebury",
    )
    assert moved.status_code == 302
    with app.app_context():
        hero = db.session.get(Hero, hero_id)
        assert (hero.grave.row, hero.grave.place) == (3, 4)
        old = db.session.scalar(select(Grave).where(Grave.row == 2, Grave.place == 3))
        assert old.hero_id is None


def test_the_staff_pages_render(client, setup):
    for url in (
        "/staff/cemeteries",
        f"/staff/cemeteries/{setup['cemetery_id']}",
        f"/staff/sectors/{setup['sector_id']}",
        f"/staff/heroes/{setup['heroes']['s-1']}/grave",
        f"/staff/heroes/{setup['heroes']['s-3']}/grave",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"
    hero = client.get(f"/staff/heroes/{setup['heroes']['s-1']}").get_data(as_text=True)
    assert f"/staff/heroes/{setup['heroes']['s-1']}/grave" in hero
    for url in (
        "/staff/cemeteries/999",
        "/staff/sectors/999",
        "/staff/heroes/999/grave",
        "/staff/cemeteries/graves/999",
    ):
        assert client.get(url).status_code == 404, url


def _slug(app, hero_id):
    with app.app_context():
        return db.session.get(Hero, hero_id).slug


def test_a_place_gets_coordinates_kept_private_until_the_cemetery_shows_them(app, client, setup):
    with app.app_context():
        grave_id = db.session.get(Hero, setup["heroes"]["s-1"]).grave.id
    url = f"/staff/cemeteries/graves/{grave_id}"
    before = _state(app)
    half = _post(client, url, {"latitude": "48.7389"})
    assert half.status_code == 400 and "і широту, і довготу" in half.get_data(as_text=True)
    wrong = _post(client, url, {"latitude": "148.7", "longitude": "37.5"})
    assert wrong.status_code == 400
    assert _state(app) == before
    saved = _post(
        client, url, {"latitude": "48.738912", "longitude": "37.584321", "note": "біля клена"}
    )
    assert saved.status_code == 302
    assert _audited(app, "grave.edit") == 1
    plan = f"/cemeteries/{setup['cemetery_id']}/sectors/{setup['sector_id']}"
    visitor = app.test_client()
    assert "48.738912" not in visitor.get(plan).get_data(as_text=True)
    with app.app_context():
        db.session.get(Cemetery, setup["cemetery_id"]).show_coordinates = True
        db.session.commit()
    assert "48.738912, 37.584321" in visitor.get(plan).get_data(as_text=True)
