"""The city's standard tracked per grave: staff record each step with its date and note
(audited, bad dates refused by name), the works list filters and exports exactly what it
shows, and the monument's photo is cleaned and shown to the public, the works never."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from memorial import clock, graves, indexing
from memorial.extensions import db
from memorial.models import AuditEvent, Grave, GraveWork, Hero

from helpers import buried_records, csrf_token, gps_jpeg, login, write_archive


@pytest.fixture
def alley(app, runner, tmp_path, staff, client):
    """Five heroes in sector А and two in sector Б of the alley, a moderator signed in."""
    records = buried_records(5) + buried_records(2, sector="Б", prefix="c")
    folder = write_archive(tmp_path / "arch", records)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    assert login(client, staff["moderator"]).status_code == 302
    return client


def _grave_id(app, external_id: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Grave.id)
            .join(Hero, Grave.hero_id == Hero.id)
            .where(Hero.external_id == external_id)
        )


def _record(client, grave_id: int, stage: str, done_on: str, note: str = "", lang=None):
    url = f"/staff/graves/{grave_id}/works"
    token = csrf_token(client, url)
    return client.post(
        url + (f"?lang={lang}" if lang else ""),
        data={"stage": stage, "done_on": done_on, "note": note, "csrf_token": token},
    )


def test_a_step_recorded_is_shown_listed_and_audited(app, alley):
    grave_id = _grave_id(app, "b-1")
    done = _record(alley, grave_id, "temporary_cross", "2022-09-01", "Хрест від громади")
    assert done.status_code == 302
    done = _record(alley, grave_id, "monument", "2024-04-15", "Граніт, бригада Іваненка")
    assert done.status_code == 302
    page = alley.get(f"/staff/graves/{grave_id}/works").get_data(as_text=True)
    assert "2024-04-15" in page and "Граніт, бригада Іваненка" in page
    assert "Досягнутий етап: <strong>Постійний пам&#39;ятник</strong>" in page
    assert '<option value="photo_plaque" selected>' in page  # the next step is offered
    assert f'src="/staff/graves/{grave_id}/qr.svg"' in page
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "grave.work").order_by(AuditEvent.id)
        ).all()
        assert [(e.object_id, e.detail["stage"], e.detail["done_on"]) for e in events] == [
            (str(grave_id), "temporary_cross", "2022-09-01"),
            (str(grave_id), "monument", "2024-04-15"),
        ]
        assert events[0].actor == "moder@example.org"
    # Correcting a step changes it, never adds a second one.
    assert _record(alley, grave_id, "monument", "2024-04-16").status_code == 302
    with app.app_context():
        works = db.session.scalars(select(GraveWork).where(GraveWork.grave_id == grave_id)).all()
        assert sorted((w.stage, w.done_on.isoformat(), w.note) for w in works) == [
            ("monument", "2024-04-16", None),
            ("temporary_cross", "2022-09-01", "Хрест від громади"),
        ]


@pytest.mark.parametrize(
    ("stage", "done_on", "note", "message"),
    [
        ("monument", "2999-01-01", "", "Дата виконання не може бути в майбутньому."),
        ("monument", "2022-08-18", "", "раніша за дату загибелі героя (2022-08-19)"),
        ("monument", "15.04.2024", "", "не схожа на дату (РРРР-ММ-ДД)"),
        ("monument", "2024-02-30", "", "не схожа на дату"),
        ("obelisk", "2024-04-15", "", "Невідомий етап робіт."),
        ("monument", "2024-04-15", "x" * 2001, "Примітка задовга: до 2000 символів."),
        ("temporary_cross", "2024-06-01", "", "не може бути пізніше, ніж «Постійний пам"),
        ("photo_plaque", "2024-01-01", "", "не може бути раніше, ніж «Постійний пам"),
    ],
)
def test_bad_steps_are_refused_by_name_and_nothing_changes(
    app, alley, stage, done_on, note, message
):
    grave_id = _grave_id(app, "b-2")
    assert _record(alley, grave_id, "monument", "2024-04-15").status_code == 302
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    with clock.frozen(dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC)):
        refused = _record(alley, grave_id, stage, done_on, note)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
    assert message in page and 'role="alert"' in page
    field = "stage" if stage == "obelisk" else "note" if note else "done_on"
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page)  # the field is marked
    assert page.count('aria-invalid="true"') == 1
    with app.app_context():
        works = db.session.scalars(select(GraveWork).where(GraveWork.grave_id == grave_id)).all()
        assert [(w.stage, w.done_on) for w in works] == [("monument", dt.date(2024, 4, 15))]
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_refusals_speak_english_on_the_english_interface(app, alley):
    refused = _record(alley, _grave_id(app, "b-2"), "monument", "2999-01-01", lang="en")
    assert refused.status_code == 400
    assert "The date done cannot be in the future." in refused.get_data(as_text=True)


def _stages(app, plan: dict[str, list[tuple[str, str]]]) -> None:
    with app.app_context():
        for ext, steps in plan.items():
            grave = db.session.get(Grave, _grave_id(app, ext))
            for stage, day in steps:
                graves.set_work(db.session, grave, stage, dt.date.fromisoformat(day), "примітка")
        db.session.commit()


PLAN = {
    "b-0": [("temporary_cross", "2022-09-01")],
    "b-1": [("temporary_cross", "2022-09-01"), ("monument", "2024-04-15")],
    "b-2": [("monument", "2024-04-15"), ("photo_plaque", "2024-06-01")],
    "c-0": [("monument", "2024-05-01")],
}


def _names(page: str) -> list[str]:
    return re.findall(r"(\w+-\d) Андрій", page)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        (
            "",
            [
                "Коваленко-0",
                "Шевченко-1",
                "Бондаренко-2",
                "Ткаченко-3",
                "Кравченко-4",
                "Коваленко-0",
                "Шевченко-1",
            ],
        ),
        ("waiting=monument", ["Коваленко-0", "Ткаченко-3", "Кравченко-4", "Шевченко-1"]),
        (
            "waiting=plaque",
            ["Коваленко-0", "Шевченко-1", "Ткаченко-3", "Кравченко-4", "Коваленко-0", "Шевченко-1"],
        ),
        ("stage=none", ["Ткаченко-3", "Кравченко-4", "Шевченко-1"]),
        ("stage=monument", ["Шевченко-1", "Коваленко-0"]),
        ("stage=photo_plaque", ["Бондаренко-2"]),
        ("waiting=monument&sector={b}", ["Шевченко-1"]),
        ("waiting=bogus&stage=bogus&sector=x", None),  # unknown filters are ignored
    ],
)
def test_the_works_list_filters_and_exports_exactly_its_rows(app, alley, query, names):
    _stages(app, PLAN)
    with app.app_context():
        sector_b = db.session.scalar(
            select(Grave.sector_id).where(Grave.id == _grave_id(app, "c-0"))
        )
    query = query.replace("{b}", str(sector_b))
    page = alley.get(f"/staff/graves/works?{query}").get_data(as_text=True)
    shown = _names(page)
    if names is None:
        names = _names(alley.get("/staff/graves/works").get_data(as_text=True))
    assert shown == names

    exported = alley.get(f"/staff/graves/works.csv?{query}")
    assert exported.mimetype == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Герой", "Кладовище", "Сектор", "Ряд", "Місце", "Код", "Досягнутий етап"]
    assert [r[0].split()[0] for r in rows[1:]] == names

    book = load_workbook(io.BytesIO(alley.get(f"/staff/graves/works.xlsx?{query}").data))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert [r[0].split()[0] for r in values[1:]] == names
    assert values[0] == tuple(rows[0])
    for line, row in zip(rows[1:], values[1:], strict=True):
        assert [str(v) if v is not None else "" for v in row[:7]] == line[:7]
        dates = [v.date().isoformat() if v else "" for v in row[7:11]]
        assert dates == line[7:11]


def test_the_exports_carry_dates_and_notes(app, alley):
    _stages(app, PLAN)
    rows = list(
        csv.reader(
            io.StringIO(
                alley.get("/staff/graves/works.csv?stage=photo_plaque").data.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][6:] == [
        "Фототабличка",
        "",
        "2024-04-15",
        "2024-06-01",
        "",
        "Постійний пам'ятник: примітка; Фототабличка: примітка",
    ]
    english = alley.get("/staff/graves/works.csv?stage=photo_plaque&lang=en").data
    assert english.decode("utf-8-sig").splitlines()[0].startswith("Hero,Cemetery,Sector,Row")


def test_the_works_pages_are_for_staff_only(app, alley):
    anonymous = app.test_client()
    for path in (
        "/staff/graves/works",
        "/staff/graves/works.csv",
        "/staff/graves/works.xlsx",
        "/staff/graves/labels",
    ):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_the_monument_photo_is_cleaned_and_the_public_sees_it_but_never_the_works(
    app, alley, client
):
    _stages(app, PLAN)
    grave_id = _grave_id(app, "b-1")
    _record(alley, grave_id, "landscaping", "2024-05-01", "ЗАМІТКА-ДЛЯ-СВОЇХ")
    with app.app_context():
        early_slug = db.session.get(Grave, grave_id).hero.slug
    before = app.test_client().get(f"/heroes/{early_slug}").get_data(as_text=True)
    assert "/monuments/" not in before  # and the page is now in the page cache
    url = f"/staff/graves/{grave_id}/works"
    token = csrf_token(alley, url)
    upload = alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={"csrf_token": token, "photo": (io.BytesIO(gps_jpeg((640, 480))), "m.jpg")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    with app.app_context():
        grave = db.session.get(Grave, grave_id)
        stored = grave.monument_photo_path
        code, slug = grave.code, grave.hero.slug
        assert stored in indexing.named_media(db.session)  # never taken for an orphan
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "grave.monument_photo")
        )
    with Image.open(app.config["DATA_DIR"] + "/media/" + stored) as kept:
        assert not kept.getexif()  # no GPS, no camera: nothing of the original's metadata

    alley.post("/staff/logout", data={"csrf_token": csrf_token(alley, url)})
    public = app.test_client()
    profile = public.get(f"/heroes/{slug}").get_data(as_text=True)
    assert f'src="/monuments/{code}.jpg"' in profile
    photo = public.get(f"/monuments/{code}.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert not Image.open(io.BytesIO(photo.data)).getexif()
    photo.close()
    api = public.get(f"/api/v1/heroes/{slug}").get_data(as_text=True)
    for hidden in ("ЗАМІТКА-ДЛЯ-СВОЇХ", "примітка", "landscaping", "Благоустрій", "2024-05-01"):
        assert hidden not in profile and hidden not in api
    assert "temporary_cross" not in api and "Тимчасовий хрест" not in profile

    with app.app_context():  # a hero taken off the site takes the photo with them
        hero = db.session.scalar(select(Hero).where(Hero.slug == slug))
        hero.status = "draft"
        db.session.commit()
    assert public.get(f"/monuments/{code}.jpg").status_code == 404
    assert public.get("/monuments/222222.jpg").status_code == 404


def test_a_file_that_is_no_photo_is_refused(app, alley):
    grave_id = _grave_id(app, "b-0")
    token = csrf_token(alley, f"/staff/graves/{grave_id}/works")
    refused = alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={"csrf_token": token, "photo": (io.BytesIO(b"not an image"), "m.jpg")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert 'role="alert"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Grave, grave_id).monument_photo_path is None


def test_the_monument_photo_is_backed_up_and_restored(app, alley, runner, tmp_path):
    from memorial import create_app
    from memorial.media import file_sha256, media_root

    from helpers import app_config, database_url_for

    grave_id = _grave_id(app, "b-0")
    token = csrf_token(alley, f"/staff/graves/{grave_id}/works")
    alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={"csrf_token": token, "photo": (io.BytesIO(gps_jpeg((200, 150))), "m.jpg")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        stored = db.session.get(Grave, grave_id).monument_photo_path
    assert stored
    backup = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    original = file_sha256(media_root(app.config["DATA_DIR"]) / stored)
    assert json.loads((backup / "manifest.json").read_text())["media"][stored] == original

    folder = tmp_path / "restored"
    folder.mkdir()
    restored = create_app(app_config(folder, DATABASE_URL=database_url_for(folder, empty=True)))
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert file_sha256(media_root(restored.config["DATA_DIR"]) / stored) == original
    with restored.app_context():
        assert db.session.get(Grave, grave_id).monument_photo_path == stored
        db.session.remove()
        db.engine.dispose()


def test_a_photo_too_large_is_refused_and_a_photo_can_be_taken_away(app, alley):
    grave_id = _grave_id(app, "b-3")
    url = f"/staff/graves/{grave_id}/works"
    app.config["MAX_PHOTO_BYTES"] = 2000
    refused = alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={
            "csrf_token": csrf_token(alley, url),
            "photo": (io.BytesIO(gps_jpeg((640, 480))), "big.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "Файл «big.jpg» завеликий" in refused.get_data(as_text=True)
    app.config["MAX_PHOTO_BYTES"] = 25 * 1024 * 1024
    nothing = alley.post(
        f"/staff/graves/{grave_id}/monument-photo", data={"csrf_token": csrf_token(alley, url)}
    )
    assert nothing.status_code == 400
    assert "Виберіть файл із фото пам" in nothing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Grave, grave_id).monument_photo_path is None

    alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={"csrf_token": csrf_token(alley, url), "photo": (io.BytesIO(gps_jpeg()), "m.jpg")},
        content_type="multipart/form-data",
    )
    removed = alley.post(
        f"/staff/graves/{grave_id}/monument-photo",
        data={"csrf_token": csrf_token(alley, url), "remove": "1"},
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(Grave, grave_id).monument_photo_path is None
        actions = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "grave.monument_photo")
        ).all()
        assert actions == [{}, {"removed": True}]
