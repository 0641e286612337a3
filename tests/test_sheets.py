"""The spreadsheet import: real CSV, XLSX and ZIP files made here, through the real
``memorial import-sheet`` command and the staff page, the database checked afterwards."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from memorial.extensions import db
from memorial.models import AuditEvent, Hero, Photo, Revision, Story
from memorial.sheets import parse_date

from helpers import (
    csrf_token,
    deployment_env,
    image_bytes,
    login,
    record,
    run_memorial,
    write_archive,
)

HEADERS = ["Ідентифікатор", "Прізвище", "Ім'я", "Дата народження", "Дата загибелі", "Нагороди"]


def write_csv(path: Path, rows: list[list[str]], encoding="utf-8", delimiter=";") -> Path:
    lines = [delimiter.join(_quote(c, delimiter) for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _quote(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\n")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_xlsx(path: Path, rows: list[list[object]], merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def heroes(app) -> dict[str, Hero]:
    with app.app_context():
        found = db.session.scalars(select(Hero)).all()
        for hero in found:
            _ = (hero.awards, hero.stories, hero.photos)
            db.session.expunge(hero)
        return {h.external_id: h for h in found}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id))) or 0


def media_files(app) -> list[Path]:
    root = Path(app.config["DATA_DIR"]) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def sheet_cli(runner, *args):
    return runner.invoke(args=["import-sheet", *[str(a) for a in args]])


# -- the command, in a process of its own -------------------------------------------------


@pytest.mark.slow
def test_cp1251_semicolon_csv_with_photos_imports_through_the_command(app, tmp_path):
    sheet = write_csv(
        tmp_path / "list.csv",
        [
            [*HEADERS, "Фото", "Військова частина"],
            [
                "s-1",
                "Шевчук",
                "Петро",
                "14.03.1987",
                "03.2022",
                "орден «За мужність» III ступеня\nмедаль «Захиснику Вітчизни»",
                "portrait.jpg; photos/second.png",
                "72 ОМБр",
            ],
            ["s-2", "Коваль", "Іван", "1990", "2023-05-09", "", "", ""],
        ],
        encoding="cp1251",
    )
    photos = write_zip(
        tmp_path / "photos.zip",
        {"portrait.jpg": image_bytes("JPEG"), "photos/second.png": image_bytes(color=(9, 9, 9))},
    )
    result = run_memorial(
        deployment_env(tmp_path), "import-sheet", str(sheet), "--photos", str(photos)
    )
    assert result.returncode == 0, result.stderr
    assert "нових 2" in result.stdout
    found = heroes(app)
    petro = found["s-1"]
    assert (petro.surname, petro.given_name, petro.military_unit) == ("Шевчук", "Петро", "72 ОМБр")
    assert petro.birth_date.iso() == "1987-03-14" and petro.death_date.iso() == "2022-03"
    assert [a.name for a in petro.awards] == [
        "орден «За мужність» III ступеня",
        "медаль «Захиснику Вітчизни»",
    ]
    assert [p.is_primary for p in petro.photos] == [True, False]
    assert petro.status == "published"
    assert found["s-2"].birth_date.iso() == "1990"
    assert len(media_files(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(Revision.id))) == 2


@pytest.mark.slow
def test_an_invalid_row_writes_nothing_and_the_report_names_it_in_ukrainian(app, tmp_path):
    sheet = write_csv(
        tmp_path / "bad.csv",
        [
            [*HEADERS, "Примітка", "Фото"],
            ["b-1", "Добрий", "Рядок", "1980", "2022", "", "", "ok.png"],
            ["b-2", "Поганий", "Рядок", "1990", "31.02.2022", "", "", ""],
        ],
    )
    photos = write_zip(tmp_path / "p.zip", {"ok.png": image_bytes()})
    env = deployment_env(tmp_path)
    result = run_memorial(env, "import-sheet", str(sheet), "--photos", str(photos))
    assert result.returncode != 0
    assert "рядок 3, «Дата загибелі», «31.02.2022»: Не вдалося прочитати дату" in result.stderr
    assert "рядок 1, «Примітка»: попередження" in result.stderr
    assert count(app, Hero) == 0 and media_files(app) == []

    result = run_memorial(
        env, "import-sheet", str(sheet), "--photos", str(photos), "--skip-invalid"
    )
    assert result.returncode == 0, result.stderr
    assert "Рядки з помилками: 3." in result.stdout
    assert "пропущено рядків з помилками: 1" in result.stdout
    assert set(heroes(app)) == {"b-1"} and len(media_files(app)) == 1


@pytest.mark.slow
def test_dry_run_writes_nothing_and_says_what_would_happen(app, tmp_path, runner):
    write_archive(tmp_path / "arch", [record("d-1", surname="Було")])
    assert runner.invoke(args=["import-archive", str(tmp_path / "arch")]).exit_code == 0
    sheet = write_csv(
        tmp_path / "s.csv",
        [
            ["external_id", "surname", "given_name"],
            ["d-1", "Стало", "Андрій"],
            ["d-2", "Нове", "Ім'я"],
        ],
    )
    result = run_memorial(deployment_env(tmp_path), "import-sheet", str(sheet), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Нових героїв: 1; оновлених: 1; без змін: 0" in result.stdout
    assert "нічого не записано" in result.stdout
    assert set(heroes(app)) == {"d-1"} and heroes(app)["d-1"].surname == "Було"


# -- re-import keeps what the sheet does not carry -----------------------------------------


def test_reimport_keeps_stories_photos_and_fields_the_sheet_lacks(app, runner, tmp_path):
    folder = write_archive(
        tmp_path / "arch",
        [record("r-1", photos=[{"file": "one.png", "primary": True}])],
        {"one.png": image_bytes()},
    )
    assert runner.invoke(args=["import-archive", str(folder)]).exit_code == 0
    before = heroes(app)["r-1"]
    sheet = write_csv(
        tmp_path / "s.csv",
        [
            ["Ідентифікатор", "Звання", "Біографія", "Фотографії", "Нагороди"],
            ["r-1", "старший сержант", "", "new.jpg", "орден «За мужність» III ступеня"],
        ],
    )
    photos = write_zip(tmp_path / "p.zip", {"new.jpg": image_bytes("JPEG", color=(1, 200, 3))})
    result = sheet_cli(runner, sheet, "--photos", photos)
    assert result.exit_code == 0, result.output
    assert "оновлених 1" in result.output
    after = heroes(app)["r-1"]
    assert after.rank == "старший сержант"
    assert after.biography == before.biography  # an empty cell keeps the text
    assert after.call_sign == before.call_sign and after.surname == before.surname
    assert [s.body for s in after.stories] == [s.body for s in before.stories]
    # the award kept its date; the new photo joined the old one and became the portrait
    assert [(a.name, a.date.iso()) for a in after.awards] == [
        ("орден «За мужність» III ступеня", "2022-10")
    ]
    assert len(after.photos) == 2 and after.photos[1].is_primary
    assert after.photos[0].sha256 == before.photos[0].sha256
    with app.app_context():
        revisions = db.session.scalars(select(Revision).order_by(Revision.id)).all()
        assert [r.source for r in revisions] == ["import", "import"]
        assert revisions[1].before["rank"] == "сержант"
        assert revisions[1].after["rank"] == "старший сержант"

    # the same sheet again: nothing changes, no revision, the photo is not stored twice
    files = media_files(app)
    result = sheet_cli(runner, sheet, "--photos", photos)
    assert result.exit_code == 0, result.output
    assert "без змін 1" in result.output and "фотографій збережено 0" in result.output
    assert count(app, Revision) == 2 and media_files(app) == files and count(app, Story) == 1


def test_a_stated_key_column_finds_the_heroes(app, runner, tmp_path):
    first = write_csv(
        tmp_path / "a.csv", [["Номер у реєстрі", "Прізвище", "Ім'я"], ["77", "Бондар", "Олег"]]
    )
    assert sheet_cli(runner, first, "--key", "Номер у реєстрі").exit_code == 0
    second = write_csv(tmp_path / "b.csv", [["Номер у реєстрі", "Позивний"], ["77", "Сокіл"]])
    result = sheet_cli(runner, second, "--key", "номер у реєстрі")
    assert result.exit_code == 0, result.output
    found = heroes(app)
    assert set(found) == {"77"} and found["77"].call_sign == "Сокіл"
    missing = sheet_cli(runner, second, "--key", "Код ЄДРПОУ")
    assert missing.exit_code != 0 and "Ключового стовпця" in missing.output


def test_status_column_and_draft_option(app, runner, tmp_path):
    sheet = write_csv(
        tmp_path / "s.csv",
        [["ID", "Прізвище", "Ім'я", "Стан"], ["t-1", "А", "Б", "чернетка"], ["t-2", "В", "Г", ""]],
    )
    assert sheet_cli(runner, sheet).exit_code == 0
    found = heroes(app)
    assert (found["t-1"].status, found["t-2"].status) == ("draft", "published")
    other = write_csv(
        tmp_path / "o.csv", [["ID", "Прізвище", "Ім'я"], ["t-3", "Д", "Е"], ["t-2", "", ""]]
    )
    assert sheet_cli(runner, other, "--draft").exit_code == 0
    found = heroes(app)
    assert found["t-3"].status == "draft" and found["t-2"].status == "published"


# -- CSV and XLSX forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, delimiter", [("utf-8-sig", ","), ("utf-8", "\t"), ("cp1251", ";"), ("utf-8", ";")]
)
def test_csv_encodings_and_separators(app, runner, tmp_path, encoding, delimiter):
    sheet = write_csv(
        tmp_path / "s.csv",
        [
            ["Ідентифікатор", "Прізвище", "Ім'я", "Місце поховання"],
            ["e-1", "Ґонта", "Їжак", "Львів, Личаків"],
        ],
        encoding=encoding,
        delimiter=delimiter,
    )
    result = sheet_cli(runner, sheet)
    assert result.exit_code == 0, result.output
    hero = heroes(app)["e-1"]
    assert (hero.surname, hero.given_name, hero.burial_place) == ("Ґонта", "Їжак", "Львів, Личаків")


def test_xlsx_with_real_dates_years_and_numbers(app, runner, tmp_path):
    sheet = write_xlsx(
        tmp_path / "s.xlsx",
        [
            ["Ідентифікатор", "Прізвище", "Ім'я", "Дата народження", "Дата загибелі", "Нагороди"],
            [101, "Мельник", "Андрій", dt.datetime(1985, 6, 2), 2022, "перша; друга"],
            ["x-2", "Ткач", "Ольга", "05.1990", dt.date(2023, 1, 7), None],
        ],
    )
    result = sheet_cli(runner, sheet)
    assert result.exit_code == 0, result.output
    found = heroes(app)
    assert found["101"].birth_date.iso() == "1985-06-02" and found["101"].death_date.iso() == "2022"
    assert [a.name for a in found["101"].awards] == ["перша", "друга"]
    assert (
        found["x-2"].birth_date.iso() == "1990-05" and found["x-2"].death_date.iso() == "2023-01-07"
    )


def test_xlsx_formula_without_a_value_is_a_problem(app, runner, tmp_path):
    sheet = write_xlsx(
        tmp_path / "f.xlsx",
        [["Ідентифікатор", "Прізвище", "Ім'я"], ["f-1", "Ковальчук", '=CONCAT("Ів","ан")']],
    )
    result = sheet_cli(runner, sheet)
    assert result.exit_code != 0
    assert "рядок 2, «Ім'я»: Формула замість значення" in result.output
    assert count(app, Hero) == 0


def test_merged_header_is_refused(app, runner, tmp_path):
    sheet = write_xlsx(
        tmp_path / "m.xlsx",
        [["Ідентифікатор", "Прізвище", None], ["m-1", "Іваненко", "Іван"]],
        merge="B1:C1",
    )
    result = sheet_cli(runner, sheet)
    assert result.exit_code != 0
    assert "Заголовок має об'єднані клітинки (B1:C1)" in result.output
    assert count(app, Hero) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Таблиця порожня"),
        ("Ідентифікатор;Прізвище;Ім'я\r\n".encode(), "немає жодного рядка з даними"),
        (b"\r\n\r\nx;y;z\r\n", "Перший рядок порожній"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "старого формату Excel (.xls)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "документ PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "не таблиця CSV чи XLSX"),
    ],
    ids=["empty", "header-only", "no-header", "xls", "pdf", "binary"],
)
def test_files_that_are_not_sheets(app, runner, tmp_path, content, message):
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    result = sheet_cli(runner, path)
    assert result.exit_code != 0
    assert message in result.output
    assert count(app, Hero) == 0


def test_ods_is_named(app, runner, tmp_path):
    path = write_zip(
        tmp_path / "list.xlsx",
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
    )
    result = sheet_cli(runner, path)
    assert result.exit_code != 0 and "OpenDocument (.ods)" in result.output


def test_a_50_mb_file_is_refused_before_it_is_read(app, runner, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.write("Ідентифікатор;Прізвище;Ім'я\n".encode())
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing of it is written to the disk
    result = sheet_cli(runner, path)
    assert result.exit_code != 0
    assert "Файл завеликий: 50 МБ, можна не більше 20 МБ" in result.output


def test_row_problems_each_with_a_clear_message(app, runner, tmp_path):
    sheet = write_csv(
        tmp_path / "s.csv",
        [
            [*HEADERS, "Позивний"],
            ["p-1", "Рано", "Помер", "2000", "1999", "", ""],
            ["p-1", "Двічі", "Той самий", "", "", "", ""],
            ["p-3", "Д" * 201, "Довгий", "", "", "", ""],
            ["p-4", "Керівний", "Символ", "", "", "", "a\x07b"],
            ["p-9", "Нуль", "Символ", "", "", "", "a\x00b"],
            ["p-5", "", "Без прізвища", "", "", "", ""],
            ["p-6", "Майбутнє", "Дата", "", "2999", "", ""],
            ["", "Без", "Ідентифікатора", "", "", "", ""],
        ],
    )
    result = sheet_cli(runner, sheet)
    assert result.exit_code != 0
    out = result.output
    assert (
        "рядок 2, «Дата загибелі», «1999»: Дата загибелі (1999) раніша за дату народження (2000)"
        in out
    )
    assert "рядок 3, «Ідентифікатор», «p-1»: Такий ідентифікатор уже є в рядку 2" in out
    assert "рядок 4, «Прізвище»" in out and "Задовгий текст: не більше 200 символів" in out
    assert "рядок 5, «Позивний»" in out and "Недозволений керівний символ" in out
    assert "рядок 7, «Прізвище»: Для нового героя це поле обов'язкове" in out
    assert "рядок 8, «Дата загибелі», «2999»: Дата ще не настала" in out
    assert "рядок 6, «Позивний»" in out
    assert "рядок 9, «Ідентифікатор»: Ідентифікатор не заповнено" in out
    assert count(app, Hero) == 0


def test_sheet_level_problems(app, runner, tmp_path):
    twice = write_csv(
        tmp_path / "a.csv", [["ID", "surname", "Прізвище", "Ім'я"], ["1", "А", "Б", "В"]]
    )
    result = sheet_cli(runner, twice)
    assert result.exit_code != 0
    assert "Стовпці «surname» і «Прізвище» означають одне й те саме поле" in result.output
    no_id = write_csv(tmp_path / "b.csv", [["Прізвище", "Ім'я"], ["А", "Б"]])
    result = sheet_cli(runner, no_id)
    assert result.exit_code != 0 and "Немає стовпця «Ідентифікатор»" in result.output
    assert count(app, Hero) == 0


# -- the photo archive -------------------------------------------------------------------


def _photo_sheet(tmp_path: Path, name: str = "a.jpg") -> Path:
    return write_csv(
        tmp_path / "s.csv", [["ID", "Прізвище", "Ім'я", "Фото"], ["z-1", "Фото", "Тест", name]]
    )


@pytest.mark.parametrize("bad", ["../a.jpg", "/etc/a.jpg", "x/../../a.jpg", "C:/a.jpg"])
def test_zip_with_paths_outside_is_refused_and_nothing_is_unpacked(app, runner, tmp_path, bad):
    photos = write_zip(tmp_path / "p.zip", {bad: image_bytes("JPEG"), "a.jpg": image_bytes("JPEG")})
    result = sheet_cli(runner, _photo_sheet(tmp_path), "--photos", photos)
    assert result.exit_code != 0
    assert "шлях за межі архіву" in result.output
    assert not (tmp_path / "a.jpg").exists() and not (tmp_path.parent / "a.jpg").exists()
    assert count(app, Hero) == 0


def test_zip_bomb_is_refused_before_it_is_unpacked(app, runner, tmp_path):
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("a.jpg", "w", force_zip64=True) as entry,
    ):
        for _ in range(24):
            entry.write(b"\x00" * (1 << 20))
    assert path.stat().st_size < 100_000
    result = sheet_cli(runner, _photo_sheet(tmp_path), "--photos", path)
    assert result.exit_code != 0
    assert "ZIP-бомба" in result.output or "завеликий" in result.output
    assert count(app, Hero) == 0 and media_files(app) == []


def test_missing_and_unreadable_photos_are_row_problems(app, runner, tmp_path):
    sheet = write_csv(
        tmp_path / "s.csv",
        [
            ["ID", "Прізвище", "Ім'я", "Фото"],
            ["z-1", "Нема", "Фото", "missing.jpg"],
            ["z-2", "Биття", "Фото", "broken.jpg"],
            ["z-3", "Добре", "Фото", "good.png"],
        ],
    )
    photos = write_zip(
        tmp_path / "p.zip", {"broken.jpg": b"\xff\xd8 not really a jpeg", "good.png": image_bytes()}
    )
    result = sheet_cli(runner, sheet, "--photos", photos)
    assert result.exit_code != 0
    assert "рядок 2, «Фото», «missing.jpg»: Такого файлу немає в архіві ZIP" in result.output
    assert "рядок 3, «Фото», «broken.jpg»: Не вдалося прочитати зображення" in result.output
    assert count(app, Hero) == 0 and media_files(app) == []
    assert sheet_cli(runner, sheet, "--photos", photos, "--skip-invalid").exit_code == 0
    assert set(heroes(app)) == {"z-3"} and count(app, Photo) == 1


def test_not_a_zip(app, runner, tmp_path):
    fake = tmp_path / "p.zip"
    fake.write_bytes(b"not a zip at all")
    result = sheet_cli(runner, _photo_sheet(tmp_path), "--photos", fake)
    assert result.exit_code != 0 and "не є файлом ZIP" in result.output


def test_parse_date_forms():
    assert parse_date("14.03.1987").iso() == "1987-03-14"
    assert parse_date("03.1987").iso() == "1987-03"
    assert parse_date(" 1987 ").iso() == "1987"
    assert parse_date("1987-03-14 00:00:00").iso() == "1987-03-14"
    assert parse_date(dt.datetime(2022, 2, 24, 0, 0)).iso() == "2022-02-24"
    assert parse_date(1987.0).iso() == "1987"
    for bad in ("14.03.87", "31.02.2022", "вчора", 45000, True):
        with pytest.raises(ValueError):
            parse_date(bad)


# -- the staff page ----------------------------------------------------------------------


def _upload(client, sheet: bytes, name="list.csv", photos: bytes | None = None, **fields):
    data = {"csrf_token": csrf_token(client, "/staff/import/"), "sheet": (io.BytesIO(sheet), name)}
    if photos is not None:
        data["photos"] = (io.BytesIO(photos), "photos.zip")
    data.update(fields)
    return client.post("/staff/import/", data=data, content_type="multipart/form-data")


def _csv_bytes(rows, encoding="cp1251") -> bytes:
    return ("\r\n".join(";".join(r) for r in rows) + "\r\n").encode(encoding)


def test_staff_page_needs_a_login(client):
    assert client.get("/staff/import/").status_code == 302
    assert client.post("/staff/import/", data={}).status_code in (302, 400)


def test_staff_upload_report_then_import(app, client, staff, tmp_path):
    login(client, staff["moderator"])
    page = client.get("/staff/import/").get_data(as_text=True)
    assert "Імпорт таблиці" in page and "Дата загибелі" in page
    sheet = _csv_bytes(
        [
            ["Ідентифікатор", "Прізвище", "Ім'я", "Дата загибелі", "Фото"],
            ["w-1", "Гончар", "Марко", "24.02.2022", "a.jpg"],
            ["w-2", "Поганий", "Рядок", "24.02.2999", ""],
        ]
    )
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr("a.jpg", image_bytes("JPEG"))
    response = _upload(client, sheet, photos=photos.getvalue(), draft="y")
    assert response.status_code == 302
    report_url = response.headers["Location"]
    token = report_url.rstrip("/").rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    page = client.get(report_url).get_data(as_text=True)
    assert "<caption>" in page and "Дата ще не настала" in page and "24.02.2999" in page
    assert "Нових героїв: 1" in page
    assert count(app, Hero) == 0  # the report writes nothing

    # without choosing to skip the bad row, nothing is imported
    token_form = csrf_token(client, report_url)
    response = client.post(report_url, data={"csrf_token": token_form})
    assert response.status_code == 400 and count(app, Hero) == 0
    # without the CSRF token, nothing either
    assert client.post(report_url, data={"skip_invalid": "y"}).status_code == 400
    response = client.post(report_url, data={"csrf_token": token_form, "skip_invalid": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    found = heroes(app)
    assert (
        set(found) == {"w-1"} and found["w-1"].status == "draft" and len(found["w-1"].photos) == 1
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sheet.import"))
        assert event.actor == staff["moderator"] and event.detail["created"] == 1
        assert event.detail["skipped"] == 1
    # the upload is gone once imported: the same address cannot import twice
    assert client.get(report_url).status_code == 404
    assert not (Path(app.config["DATA_DIR"]) / "sheet-uploads" / token).exists()


def test_staff_page_refuses_what_is_not_a_sheet_and_large_files(app, client, staff):
    login(client, staff["moderator"])
    response = _upload(client, b"%PDF-1.7 whatever", name="list.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "документ PDF" in page and "Імпортувати</button>" not in page
    app.config["SHEET_MAX_BYTES"] = 1000
    response = _upload(client, b"x" * 2000)
    assert response.status_code == 400
    assert "Файл завеликий" in response.get_data(as_text=True)
    # only the first upload is kept (until it expires); nothing of the refused one
    assert len(list((Path(app.config["DATA_DIR"]) / "sheet-uploads").iterdir())) == 1


def test_staff_report_of_an_unknown_or_expired_upload(app, client, staff):
    login(client, staff["moderator"])
    assert client.get("/staff/import/" + "A" * 43).status_code == 404
    assert client.get("/staff/import/..%2F..%2Fetc").status_code == 404
    response = _upload(client, _csv_bytes([["ID", "Прізвище", "Ім'я"], ["q-1", "А", "Б"]]))
    url = response.headers["Location"]
    app.config["SHEET_UPLOAD_MINUTES"] = 0
    assert client.get(url).status_code == 404


def test_staff_page_in_english(app, client, staff):
    login(client, staff["moderator"])
    page = client.get("/staff/import/?lang=en").get_data(as_text=True)
    assert "Import a spreadsheet" in page
    response = _upload(
        client, _csv_bytes([["ID", "Прізвище", "Ім'я", "Дата загибелі"], ["q-1", "А", "Б", "xx"]])
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Could not read the date" in page


def _with_saved_value(path: Path, value: str) -> Path:
    """The XLSX at ``path`` as Excel would save it: each formula with its computed value."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    sheet = re.sub(
        rb'<c r="([A-Z]+\d+)"><f>([^<]*)</f><v></v></c>',
        lambda m: b'<c r="%s" t="str"><f>%s</f><v>%s</v></c>' % (m[1], m[2], value.encode()),
        sheet,
    )
    parts["xl/worksheets/sheet1.xml"] = sheet
    saved = path.with_name("saved.xlsx")
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return saved


def test_xlsx_formula_with_its_saved_value_is_read_as_that_value(app, runner, tmp_path):
    sheet = write_xlsx(
        tmp_path / "f.xlsx",
        [["Ідентифікатор", "Прізвище", "Ім'я"], ["f-1", "Ковальчук", '=CONCAT("Ів","ан")']],
    )
    result = sheet_cli(runner, _with_saved_value(sheet, "Іван"))
    assert result.exit_code == 0, result.output
    assert heroes(app)["f-1"].given_name == "Іван"


def test_xlsx_that_unpacks_too_large_is_refused_before_it_is_read(app, runner, tmp_path):
    sheet = write_xlsx(
        tmp_path / "s.xlsx", [["Ідентифікатор", "Прізвище", "Ім'я"], ["g-1", "А", "Б"]]
    )
    with zipfile.ZipFile(sheet, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\x00" * (3 * 1024 * 1024))
    app.config["SHEET_MAX_BYTES"] = 100_000  # so 1 MB unpacked is the most an XLSX may hold
    assert sheet.stat().st_size < 100_000
    result = sheet_cli(runner, sheet)
    assert result.exit_code != 0
    assert "підозріло стиснутий" in result.output
    assert count(app, Hero) == 0


def test_one_picture_named_twice_is_stored_once(app, runner, tmp_path):
    sheet = write_csv(
        tmp_path / "s.csv",
        [["ID", "Прізвище", "Ім'я", "Фото"], ["two-1", "Двоє", "Фото", "a.jpg; b/a-copy.jpg"]],
    )
    same = image_bytes("JPEG", color=(40, 50, 60))
    photos = write_zip(tmp_path / "p.zip", {"a.jpg": same, "b/a-copy.jpg": same})
    result = sheet_cli(runner, sheet, "--photos", photos)
    assert result.exit_code == 0, result.output
    assert count(app, Photo) == 1 and len(media_files(app)) == 1
    with app.app_context():
        from memorial.indexing import run_checks

        assert run_checks() == []


def test_staff_report_lists_a_bounded_number_of_problems(app, client, staff, monkeypatch):
    from memorial.web import sheets as sheet_pages

    monkeypatch.setattr(sheet_pages, "SHOWN_PROBLEMS", 2)
    login(client, staff["moderator"])
    rows = [["ID", "Прізвище", "Ім'я", "Дата загибелі"]]
    rows += [[f"n-{i}", "А", "Б", "колись"] for i in range(5)]
    page = client.get(_upload(client, _csv_bytes(rows)).headers["Location"]).get_data(as_text=True)
    assert page.count("Не вдалося прочитати дату") == 2
    assert "Показано перші 2 з 5" in page and "з помилками: 5" in page


def test_staff_upload_without_a_file_or_with_a_hostile_zip(app, client, staff):
    login(client, staff["moderator"])
    token = csrf_token(client, "/staff/import/")
    response = client.post("/staff/import/", data={"csrf_token": token})
    assert response.status_code == 400 and "Виберіть файл таблиці" in response.get_data(True)
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("../../a.jpg", image_bytes("JPEG"))
    sheet = _csv_bytes([["ID", "Прізвище", "Ім'я", "Фото"], ["h-1", "А", "Б", "a.jpg"]])
    response = _upload(client, sheet, photos=hostile.getvalue())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "шлях за межі архіву" in page and "Імпортувати</button>" not in page
    assert count(app, Hero) == 0


def test_staff_key_column(app, client, staff):
    login(client, staff["moderator"])
    sheet = _csv_bytes([["Номер", "Прізвище", "Ім'я"], ["k-1", "Ключ", "Стовпець"]])
    report_url = _upload(client, sheet, key="Номер").headers["Location"]
    response = client.post(report_url, data={"csrf_token": csrf_token(client, report_url)})
    assert response.status_code == 302
    assert heroes(app)["k-1"].surname == "Ключ"
