"""Burial places as data: plots read from text, graves in the archive format and the API,
permanent grave addresses, reburials, and the refusals that keep graves consistent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from memorial import graves
from memorial.extensions import db
from memorial.graves import GraveError, Plot, parse_plot
from memorial.models import Grave, GraveEvent, GraveEventKind, GraveSector, Hero, Revision

from helpers import record, write_archive


def invoke(runner, *args):
    return runner.invoke(args=[str(a) for a in args])


@pytest.mark.parametrize(
    ("text", "plot"),
    [
        ("ряд 2, місце 14", Plot(None, 2, 14)),
        ("р. 2 м. 14", Plot(None, 2, 14)),
        ("Р.2, М.14", Plot(None, 2, 14)),
        ("сектор А, ряд 3, місце 1", Plot("А", 3, 1)),
        ("ділянка 6, ряд 8, місце 9", Plot("6", 8, 9)),
        ("ряд №3 місце №12", Plot(None, 3, 12)),
        ("могила 5, ряд 1", Plot(None, 1, 5)),
        ("2/14", Plot(None, 2, 14)),
        ("4-7", Plot(None, 4, 7)),
    ],
)
def test_plots_people_write_are_read(text, plot):
    assert parse_plot(text) == plot


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "біля входу, ліворуч",
        "ряд 2",  # no place
        "місце 14",  # no row
        "ряд 2, ряд 3, місце 1",  # two rows
        "ряд 0, місце 4",  # no row 0
        "ряд 2, місце 9999",
        "сектор А, сектор Б, ряд 1, місце 1",
    ],
)
def test_plots_that_cannot_be_read_are_not_guessed(text):
    assert parse_plot(text) is None


@pytest.mark.parametrize(
    ("typed", "code"), [("ab3k7m", "AB3K7M"), ("AB3-K7M", "AB3K7M"), (" ab3 k7m ", "AB3K7M")]
)
def test_codes_read_as_typed(typed, code):
    assert graves.normal_code(typed) == code


def test_bad_codes_are_refused():
    for typed in ("", "AB3K7", "AB3K7MM", "AB3K7*", "абвгде"):
        assert graves.normal_code(typed) is None


ALLEY = "Краматорськ, Алея Героїв"


def _import(runner, tmp_path, records, name="arch"):
    folder = write_archive(tmp_path / name, records)
    return invoke(runner, "import-archive", folder)


def _grave(app, external_id):
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == external_id))
        grave = hero.grave
        return None if grave is None else graves.describe(grave), grave and grave.code


def test_graves_link_dry_run_changes_nothing_then_links_what_it_can_read(runner, app, tmp_path):
    result = _import(
        runner,
        tmp_path,
        [
            record("g-1", burial_place=ALLEY, burial_plot="ряд 2, місце 14"),
            record("g-2", burial_place=ALLEY, burial_plot="р. 3 м. 1"),
            record("g-3", burial_place=ALLEY, burial_plot="біля каплиці"),
            record("g-4", burial_place=ALLEY, burial_plot="ряд 2, місце 14"),  # same place as g-1
            record("g-5", burial_place=None, burial_plot="ряд 1, місце 1"),
            record("g-6", burial_place=ALLEY, burial_plot="сектор Б, ряд 1, місце 3"),
        ],
    )
    assert result.exit_code == 0, result.output

    dry = invoke(runner, "graves", "link", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 of 6 plots would be linked, 3 could not" in dry.output
    assert "g-3" in dry.output and "'біля каплиці'" in dry.output
    assert "g-4" in dry.output and "already taken" in dry.output and "not linked: g-3" in dry.output
    assert "g-5" in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Grave.id))) == 0
        assert db.session.scalar(select(func.count(GraveSector.id))) == 0

    done = invoke(runner, "graves", "link")
    assert done.exit_code == 0, done.output
    assert "linked 3 of 6 plots" in done.output
    assert _grave(app, "g-1")[0] == f"{ALLEY}, сектор 1, ряд 2, місце 14"
    assert _grave(app, "g-6")[0] == f"{ALLEY}, сектор Б, ряд 1, місце 3"
    assert _grave(app, "g-4")[0] is None
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "g-2"))
        # The link is in the hero's history, and the free text stays as it was.
        assert hero.burial_plot == "р. 3 м. 1"
        last = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id.desc())
        ).first()
        assert last.after["grave"]["row"] == "3" and last.before["grave"] is None

    again = invoke(runner, "graves", "link")
    assert "linked 0 of 3 plots" in again.output  # the unreadable ones are reported again
    assert _grave(app, "g-1") == _grave(app, "g-1")


def test_archive_grave_round_trip_keeps_the_permanent_code(runner, app, tmp_path, client):
    grave = {"cemetery": ALLEY, "sector": "А", "row": "3", "place": 7}
    result = _import(runner, tmp_path, [record("r-1", grave=grave), record("r-2")])
    assert result.exit_code == 0, result.output
    where, code = _grave(app, "r-1")
    assert where == f"{ALLEY}, сектор А, ряд 3, місце 7"

    api = client.get(f"/api/v1/heroes/{_hero_id(app, 'r-1')}")
    body = api.get_json()
    assert body["grave"] == {
        "cemetery": ALLEY,
        "sector": "А",
        "row": "3",
        "place": "7",
        "code": code,
        "url": f"http://localhost/g/{code}",
    }
    other = client.get(f"/api/v1/heroes/{_hero_id(app, 'r-2')}").get_json()
    assert other["grave"] is None

    out = tmp_path / "export"
    exported = invoke(runner, "export", out)
    assert exported.exit_code == 0, exported.output
    records = {r["external_id"]: r for r in json.loads((out / "heroes.json").read_text())}
    assert records["r-1"]["grave"]["code"] == code
    assert records["r-1"]["grave"]["url"] == f"/g/{code}"

    # Another site reading the export gives the grave the code its plaque already carries.
    with app.app_context():
        db.session.execute(Grave.__table__.delete())
        db.session.commit()
    again = invoke(runner, "import-archive", out)
    assert again.exit_code == 0, again.output
    assert _grave(app, "r-1") == (where, code)


def _hero_id(app, external_id):
    with app.app_context():
        return db.session.scalar(select(Hero.id).where(Hero.external_id == external_id))


def test_a_record_without_grave_leaves_the_grave_and_null_removes_it(runner, app, tmp_path):
    grave = {"cemetery": ALLEY, "sector": "А", "row": "1", "place": "1"}
    assert _import(runner, tmp_path, [record("k-1", grave=grave)]).exit_code == 0
    assert _import(runner, tmp_path, [record("k-1", rank="сержант")], "b").exit_code == 0
    assert _grave(app, "k-1")[0] is not None
    assert _import(runner, tmp_path, [record("k-1", grave=None)], "c").exit_code == 0
    assert _grave(app, "k-1")[0] is None


@pytest.mark.parametrize(
    ("grave", "message"),
    [
        ({"cemetery": ALLEY, "sector": "А", "row": "два", "place": "1"}, "grave.row"),
        ({"cemetery": ALLEY, "sector": "А", "row": "0", "place": "1"}, "grave.row"),
        ({"cemetery": ALLEY, "sector": "А", "row": "1", "place": "501"}, "grave.place"),
        ({"cemetery": "", "sector": "А", "row": "1", "place": "1"}, "grave.cemetery"),
        ({"cemetery": ALLEY, "row": "1", "place": "1"}, "grave.sector"),
        ({"cemetery": ALLEY, "sector": "А", "row": "1", "place": "1", "x": 1}, "grave.x"),
        ({"cemetery": ALLEY, "sector": "А", "row": "1", "place": "1", "code": "??"}, "code"),
        ("ряд 1", "grave must be an object"),
    ],
)
def test_bad_graves_in_an_archive_are_refused_by_name(runner, app, tmp_path, grave, message):
    result = _import(runner, tmp_path, [record("b-1", grave=grave)])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Hero.id))) == 0


def test_two_records_in_one_place_write_nothing(runner, app, tmp_path):
    grave = {"cemetery": ALLEY, "sector": "А", "row": "1", "place": "1"}
    result = _import(runner, tmp_path, [record("t-1", grave=grave), record("t-2", grave=grave)])
    assert result.exit_code != 0
    assert "t-2" in result.output and "nothing was changed" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Hero.id))) == 0
        assert db.session.scalar(select(func.count(Grave.id))) == 0


def test_the_permanent_address_opens_the_profile_telling_where_one_stands(
    runner, app, tmp_path, client
):
    grave = {"cemetery": ALLEY, "sector": "А", "row": "4", "place": "12"}
    assert _import(runner, tmp_path, [record("q-1", grave=grave)]).exit_code == 0
    _, code = _grave(app, "q-1")
    response = client.get(f"/g/{code.lower()}")
    assert response.status_code == 302
    profile = client.get(response.headers["Location"])
    page = profile.get_data(as_text=True)
    assert "Ви біля могили" in page and "ряд 4, місце 12" in page
    # Any other value of `at` is not a page of its own.
    wrong = client.get(response.headers["Location"].replace(code, "ZZZZZZ"))
    assert wrong.status_code == 302 and "at=" not in wrong.headers["Location"]
    assert client.get("/g/ZZZZZZ").status_code == 404
    assert client.get("/g/not-a-code").status_code == 404

    # Hidden by the family: the address says nothing about who lies there.
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "q-1"))
        hero.status = "draft"
        db.session.commit()
    hidden = client.get(f"/g/{code}")
    assert hidden.status_code == 200
    assert "Коваленко" not in hidden.get_data(as_text=True)
    assert "не оприлюднені" in hidden.get_data(as_text=True)


def test_a_reburial_frees_the_place_and_is_kept_in_both_histories(runner, app, tmp_path, client):
    grave = {"cemetery": ALLEY, "sector": "А", "row": "2", "place": "5"}
    assert _import(runner, tmp_path, [record("m-1", grave=grave)]).exit_code == 0
    _, code = _grave(app, "m-1")
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "m-1"))
        graves.rebury(db.session, hero, "Львів, Личаківське кладовище, поле 76", note="родина")
        db.session.commit()
        assert hero.grave is None
        assert hero.burial_place == "Львів, Личаківське кладовище, поле 76"
        assert hero.burial_plot is None
        events = db.session.scalars(select(GraveEvent).order_by(GraveEvent.id)).all()
        assert [e.kind for e in events] == [GraveEventKind.LINKED, GraveEventKind.REBURIED]
        assert events[-1].destination.startswith("Львів")
        last = db.session.scalars(
            select(Revision).where(Revision.hero_id == hero.id).order_by(Revision.id.desc())
        ).first()
        assert last.before["grave"]["code"] == code and last.after["grave"] is None
    page = client.get(f"/g/{code}").get_data(as_text=True)
    assert "Родина перенесла поховання" in page and "Личаківське" in page
    profile = client.get(f"/heroes/{_hero_id(app, 'm-1')}", follow_redirects=True)
    assert "Личаківське" in profile.get_data(as_text=True)


def test_taken_places_rows_outside_and_linked_sectors_are_refused(app):
    with app.app_context():
        one = Hero(external_id="x-1", surname="Мельник", given_name="Іван", status="published")
        two = Hero(external_id="x-2", surname="Коваль", given_name="Петро", status="published")
        db.session.add_all([one, two])
        db.session.flush()
        sector = graves.ensure_sector(db.session, ALLEY, "А", 3, 10)
        graves.link(db.session, one, sector, 1, 1)
        db.session.commit()

        with pytest.raises(GraveError, match="уже зайняте.*Мельник"):
            graves.link(db.session, two, sector, 1, 1)
        with pytest.raises(GraveError, match="немає ряду 4"):
            graves.link(db.session, two, sector, 4, 1)
        with pytest.raises(GraveError, match="немає місця 11"):
            graves.link(db.session, two, sector, 1, 11)
        with pytest.raises(GraveError, match="ряд 1, місце 1"):
            graves.delete_sector(db.session, sector)
        with pytest.raises(GraveError):
            graves.set_reserved(db.session, one.grave, True)
        db.session.rollback()
        assert db.session.scalar(select(func.count(GraveSector.id))) == 1
        assert db.session.get(Hero, two.id).grave is None

        free = graves.grave_at(db.session, sector, 3, 10)
        graves.set_reserved(db.session, free, True)
        db.session.commit()
        with pytest.raises(GraveError, match="Ряд 3, місце 10"):
            graves.resize_sector(db.session, sector, 2, 10)
        graves.set_reserved(db.session, free, False)
        graves.resize_sector(db.session, sector, 2, 5)
        graves.unlink(db.session, one)
        graves.delete_sector(db.session, sector)
        db.session.commit()
        assert db.session.scalar(select(func.count(Grave.id))) == 0
