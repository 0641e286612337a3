"""Open data: the CSV and XLSX downloads parsed back, the page, and a new file after a change."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from pathlib import Path

from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from memorial.columns import EXPORTED, column_for
from memorial.extensions import db
from memorial.models import Hero
from memorial.sheets import read_table

from helpers import (
    SUBMITTER,
    csrf_token,
    image_bytes,
    login,
    post_form,
    record,
    reference_of,
    write_archive,
)

RECORDS = [
    record(
        "od-1",
        surname="Відкритий",
        awards=[
            {"name": "орден «За мужність» III ступеня", "date": "2022-10", "posthumous": True},
            {"name": "медаль «Захиснику Вітчизни»"},
        ],
        biography='Перший рядок, з комою.\n\nДругий рядок з «лапками» і "подвійними".',
        photos=[
            {"file": "p/a.png", "caption": "Портрет", "primary": True},
            {"file": "p/b.png", "caption": "На службі"},
        ],
    ),
    record("od-2", surname="Формульний", call_sign='=HYPERLINK("x")', birth_date="1990"),
    record("od-3", surname="Прихований", death_date="2023-04"),
    record("od-draft", surname="Чернетковий", status="draft"),
]
FILES = {"p/a.png": image_bytes(), "p/b.png": image_bytes(color=(10, 20, 30))}


def archive(app, runner, tmp_path) -> dict[str, Hero]:
    folder = write_archive(tmp_path / "a", RECORDS, FILES)
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        heroes = {h.external_id: h for h in db.session.scalars(select(Hero))}
        for hero in heroes.values():
            db.session.expunge(hero)
        return heroes


def send_story_with_contacts(client, hero_id: int) -> None:
    """A family sends a story: its name, e-mail and phone are private."""
    story = {**SUBMITTER, "title": "Спогад", "body": "Він любив читати.", "author_name": "О."}
    reference_of(client, post_form(client, f"/submit/story/{hero_id}", story))


def unpublish(client, email: str, hero_id: int) -> None:
    login(client, email)
    page = f"/staff/heroes/{hero_id}"
    response = client.post(
        f"{page}/unpublish",
        data={"csrf_token": csrf_token(client, page), "text": "Родина попросила приховати."},
    )
    assert response.status_code == 302
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, page)})


def download(client, url: str, **kwargs):
    """A download read whole and closed (the file it was sent from is let go)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads Cyrillic only with the BOM
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_carries_only_published_heroes_and_nothing_private(
    app, runner, tmp_path, client, staff
):
    heroes = archive(app, runner, tmp_path)
    send_story_with_contacts(client, heroes["od-1"].id)
    response = download(client, "/opendata/heroes.csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "memorial-heroes-20" in response.headers["Content-Disposition"]
    raw = response.data.decode("utf-8-sig")
    for private in (*SUBMITTER.values(), "Родина попросила", "p/a.png", "media/"):
        if private != "y":
            assert private not in raw.replace("/media/", "")  # photo addresses are public
    rows = csv_rows(response)
    assert list(rows[0]) == [column.key for column in EXPORTED]
    assert [row["external_id"] for row in rows] == ["od-1", "od-2", "od-3"]
    first = rows[0]
    assert first["biography"] == RECORDS[0]["biography"]  # line breaks and quotes kept
    assert first["awards"].split("\n") == [
        "орден «За мужність» III ступеня",
        "медаль «Захиснику Вітчизни»",
    ]
    assert first["url"] == f"http://localhost/heroes/{heroes['od-1'].slug}"
    photos = first["photo_urls"].split("\n")
    assert len(photos) == 2 and all(p.startswith("http://localhost/media/") for p in photos)
    assert download(client, photos[0].removeprefix("http://localhost")).status_code == 200
    assert rows[1]["birth_date"] == "1990" and rows[2]["death_date"] == "2023-04"
    # A spreadsheet opening the file shows a formula-like value as text, never runs it; the
    # import reads the value back as it was.
    assert rows[1]["call_sign"] == '\'=HYPERLINK("x")'
    saved = tmp_path / "heroes.csv"
    saved.write_bytes(response.data)
    table = read_table(saved)
    assert table.rows[1][1][table.headers.index("call_sign")] == '=HYPERLINK("x")'
    # Every header the CSV writes is one the spreadsheet import knows (or writes only).
    for column in EXPORTED:
        assert column_for(column.key) == (column.key if column.imported else None)


def test_xlsx_has_ukrainian_headers_text_cells_and_the_data_dictionary(
    app, runner, tmp_path, client
):
    heroes = archive(app, runner, tmp_path)
    send_story_with_contacts(client, heroes["od-2"].id)
    response = download(client, "/opendata/heroes.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Герої", "Словник даних"]
    rows = list(book["Герої"].iter_rows(values_only=True))
    assert list(rows[0]) == [column.header for column in EXPORTED]
    assert [column_for(h) for h in rows[0] if column_for(h)] == [
        column.key for column in EXPORTED if column.imported
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {"od-1", "od-2", "od-3"}
    keys = [column.key for column in EXPORTED]
    call_sign = book["Герої"].cell(row=3, column=keys.index("call_sign") + 1)
    assert call_sign.value == '=HYPERLINK("x")' and call_sign.data_type == "s"  # not a formula
    assert by_id["od-1"][keys.index("awards")].count("\n") == 1
    every_cell = " ".join(str(v) for row in rows for v in row if v)
    for private in ("Оксана Мельник", "oksana.private@example.org", "+380 67 000 11 22"):
        assert private not in every_cell
    words = list(book["Словник даних"].iter_rows(values_only=True))
    assert words[0] == ("Поле", "Заголовок", "Тип", "Опис")
    assert [w[0] for w in words[1:]] == keys
    assert all(w[3] for w in words[1:])


def test_a_hidden_hero_leaves_the_next_download_and_the_file_is_built_anew(
    app, runner, tmp_path, client, staff
):
    heroes = archive(app, runner, tmp_path)
    first = download(client, "/opendata/heroes.csv")
    etag = first.headers["ETag"]
    assert (
        download(client, "/opendata/heroes.csv", headers={"If-None-Match": etag}).status_code == 304
    )
    again = download(client, "/opendata/heroes.csv")
    assert again.data == first.data and again.headers["ETag"] == etag  # not built twice
    built = sorted((Path(app.config["DATA_DIR"]) / "opendata").glob("heroes-*.csv"))
    assert len(built) == 1

    unpublish(client, staff["moderator"], heroes["od-3"].id)
    after = download(client, "/opendata/heroes.csv", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert [row["external_id"] for row in csv_rows(after)] == ["od-1", "od-2"]
    book = load_workbook(io.BytesIO(download(client, "/opendata/heroes.xlsx").data))
    assert [row[0] for row in book["Герої"].iter_rows(min_row=2, values_only=True)] == [
        "od-1",
        "od-2",
    ]
    left = sorted(p.name for p in (Path(app.config["DATA_DIR"]) / "opendata").iterdir())
    assert len([n for n in left if n.endswith(".csv")]) == 1  # the old version is gone
    assert not [n for n in left if n.endswith(".part")]


def test_concurrent_downloads_get_one_whole_file(app, runner, tmp_path):
    archive(app, runner, tmp_path)
    bodies: list[bytes] = []
    failures: list[BaseException] = []

    def fetch() -> None:
        try:
            response = download(app.test_client(), "/opendata/heroes.xlsx")
            assert response.status_code == 200
            bodies.append(response.data)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len(bodies) == 4 and len(set(bodies)) == 1
    load_workbook(io.BytesIO(bodies[0]))  # whole, not half-written
    folder = Path(app.config["DATA_DIR"]) / "opendata"
    assert [p.name for p in folder.glob("heroes-*.xlsx")] and not list(folder.glob("*.part"))


def test_page_in_both_languages_with_downloads_licence_dictionary_and_addresses(
    app, runner, tmp_path, client
):
    archive(app, runner, tmp_path)
    page = client.get("/opendata?lang=uk").get_data(as_text=True)
    assert "<h1>Відкриті дані</h1>" in page
    assert 'href="/opendata/heroes.csv"' in page and 'href="/opendata/heroes.xlsx"' in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0' in page
    assert "Зараз в архіві 3 опубліковані записи." in page
    assert "Файл буде сформовано" in page  # nothing downloaded yet
    for column in EXPORTED:
        assert f"<code>{column.key}</code>" in page
        assert str(escape(column.header)) in page
    for address in ("/api/v1/search", "/api/v1/openapi.json", "/feed.atom", "/calendar.ics"):
        assert f"http://localhost{address}" in page
    assert "http://localhost/oai" in page
    assert 'href="/opendata">Відкриті дані</a>' in client.get("/").get_data(as_text=True)
    assert "<loc>http://localhost/opendata</loc>" in client.get("/sitemap-pages.xml").get_data(
        as_text=True
    )

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    dataset = json.loads(found.group(1))
    assert dataset["@type"] == "Dataset"
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert [d["contentUrl"] for d in dataset["distribution"]] == [
        "http://localhost/opendata/heroes.csv",
        "http://localhost/opendata/heroes.xlsx",
    ]

    download(client, "/opendata/heroes.csv")
    page = client.get("/opendata?lang=uk").get_data(as_text=True)
    assert "Розмір:" in page and "КБ" in page

    english = client.get("/opendata?lang=en").get_data(as_text=True)
    assert "<h1>Open data</h1>" in english
    assert "Date of death" not in english or "Дата загибелі" in english  # headers stay Ukrainian
    assert "Size:" in english and "Data dictionary" in english


def test_licence_is_the_citys_choice(tmp_path):
    from memorial import create_app
    from memorial.schema import create_tables

    from helpers import app_config

    app = create_app(
        app_config(
            tmp_path,
            OPEN_DATA_LICENCE_NAME="CC0 1.0",
            OPEN_DATA_LICENCE_URL="https://creativecommons.org/publicdomain/zero/1.0/",
        )
    )
    with app.app_context():
        create_tables()
    try:
        page = app.test_client().get("/opendata").get_data(as_text=True)
        assert 'href="https://creativecommons.org/publicdomain/zero/1.0/"' in page
        assert "CC0 1.0" in page and "CC BY 4.0" not in page
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_export_sheet_command_writes_the_same_rows(app, runner, tmp_path, client):
    archive(app, runner, tmp_path)
    target = tmp_path / "out" / "heroes.xlsx"
    refused = runner.invoke(args=["export-sheet", str(target), "--base-url", "http://localhost"])
    assert refused.exit_code != 0 and "is not a folder" in refused.output
    target.parent.mkdir()
    assert runner.invoke(args=["export-sheet", str(target)]).exit_code != 0  # no address known
    for name in ("heroes.xlsx", "heroes.csv"):
        result = runner.invoke(
            args=["export-sheet", str(target.parent / name), "--base-url", "http://localhost"]
        )
        assert result.exit_code == 0, result.output
        assert "exported 3 heroes" in result.output
    written = (target.parent / "heroes.csv").read_bytes()
    assert written == download(client, "/opendata/heroes.csv").data
    book = load_workbook(target)
    assert book.sheetnames == ["Герої", "Словник даних"]
    again = runner.invoke(args=["export-sheet", str(target), "--base-url", "http://localhost"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert sorted(p.name for p in target.parent.iterdir()) == ["heroes.csv", "heroes.xlsx"]


def test_a_download_that_cannot_wait_for_its_build_says_come_back(tmp_path):
    """With no time to wait, the first download answers 503 while a thread builds the file;
    the next one gets it."""
    from memorial import create_app
    from memorial.schema import create_tables

    from helpers import app_config

    app = create_app(app_config(tmp_path, OPEN_DATA_BUILD_WAIT=0))
    with app.app_context():
        create_tables()
    runner = app.test_cli_runner()
    try:
        archive(app, runner, tmp_path)
        client = app.test_client()
        first = download(client, "/opendata/heroes.csv")
        assert first.status_code == 503 and first.headers["Retry-After"] == "30"
        assert "Файл готується" in first.get_data(as_text=True)
        for thread in threading.enumerate():
            if thread.name.startswith("opendata-"):
                thread.join(60)
        rows = csv_rows(download(client, "/opendata/heroes.csv"))
        assert [row["external_id"] for row in rows] == ["od-1", "od-2", "od-3"]
    finally:
        app.extensions["memorial.index_sync"].stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_hero_hidden_by_hand_in_the_database_leaves_the_next_download_too(
    app, runner, tmp_path, client
):
    """A change the app never saw (SQL typed by hand: no new content version) still makes a
    new file; a temporary file left by a killed build is swept away."""
    from sqlalchemy import text

    heroes = archive(app, runner, tmp_path)
    assert len(csv_rows(download(client, "/opendata/heroes.csv"))) == 3
    folder = Path(app.config["DATA_DIR"]) / "opendata"
    (folder / ".heroes-csv-killed.part").write_bytes(b"half a file")
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            text("UPDATE hero SET status = 'draft' WHERE id = :id"), {"id": heroes["od-2"].id}
        )
    rows = csv_rows(download(client, "/opendata/heroes.csv"))
    assert [row["external_id"] for row in rows] == ["od-1", "od-3"]
    assert not list(folder.glob("*.part"))
