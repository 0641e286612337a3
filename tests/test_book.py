"""The book of memory: real volumes built and parsed back with pypdf.

Small volumes (a handful of heroes) built through the command line, the staff page and the
background jobs; the pages are read back as a reader (and a printing house) would.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from memorial import consent, provenance
from memorial.extensions import db
from memorial.models import BookEdition, Hero, Job, JobStatus, Photo, User
from memorial.revisions import recorded

from helpers import csrf_token, image_bytes, login, record, write_archive

LONG_BIO = "\n\n".join(
    f"Абзац {n}: він любив рідне місто, ґанок батьківської хати й пісні, які співала мати. "
    "Захищав Україну з перших днів повномасштабного вторгнення, був надійним побратимом."
    for n in range(1, 16)
)
SECRET_BIO = "Цей життєпис не друкують без згоди родини"
FRAME_BIO = "Життєпис героя в порожній рамці"


def _heroes() -> list[dict]:
    return [
        record(
            "b-1",
            surname="Ґудзь",
            given_name="Андрій",
            patronymic="Петрович",
            death_date="2022-03-05",
            biography=LONG_BIO,
            photos=[{"file": "photos/b1.png", "caption": "Андрій на Донбасі", "primary": True}],
        ),
        record(
            "b-2",
            surname="Бондар",
            given_name="Марія",
            patronymic="Іванівна",
            death_date="2023-07-14",
            military_unit="109-та бригада ТрО",
            biography="Любила <b>квіти</b> & <script>alert(1)</script> книжки.",
            stories=[],
            photos=[],
        ),
        record(
            "b-3",
            surname="Остапенко",
            given_name="Вʼячеслав",
            death_date="2024",
            biography=SECRET_BIO,
        ),
        record(
            "b-4",
            surname="Лисенко",
            given_name="Кирило",
            death_date="2024-12-01",
            biography=FRAME_BIO,
        ),
        record("b-5", surname="Пізній", given_name="Іван", death_date="2025-01-10"),
        record("b-6", surname="Чернетка", given_name="Петро", status="draft"),
    ]


@pytest.fixture
def book_app(app, runner, tmp_path, staff):
    """Six heroes: four of them in 2022–2024 (one printed as a line for want of consent, one
    in an empty frame), one of 2025, one draft."""
    folder = write_archive(
        tmp_path / "archive", _heroes(), {"photos/b1.png": image_bytes(size=(1600, 2000))}
    )
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == staff["admin"]))
        no_book = db.session.scalar(select(Hero).where(Hero.external_id == "b-3"))
        consent.record_by_hand(
            db.session,
            no_book,
            admin,
            person_name="Мати",
            person_relation="мати",
            scope="site",
            version=1,
            given_on=dt.date(2025, 1, 1),
        )
        framed = db.session.scalar(select(Hero).where(Hero.external_id == "b-4"))
        provenance.set_name_only(db.session, framed, True, admin, "родина не готова")
        db.session.commit()
    return app


def _build(runner, out: Path, *extra: str):
    return runner.invoke(
        args=[
            "book",
            "build",
            "--out",
            str(out),
            "--died-from",
            "2022-02-24",
            "--died-to",
            "2024-12-31",
            *extra,
        ]  # fmt: skip
    )


def _text(reader: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def _numbered(text: str) -> dict[str, int]:
    """``Name ...... 7`` lines of a contents or index page."""
    out = {}
    for line in text.splitlines():
        match = re.match(r"^(.+?)[\s.]*?\.{2,}[\s.]*(\d+)\s*$", line.strip())
        if match:
            out[match.group(1).strip(" .")] = int(match.group(2))
    return out


def _page_with(pages: list[str], heading: str) -> int:
    return next(i for i, text in enumerate(pages) if text.lstrip().startswith(heading))


NAMES = {
    "b-1": "Ґудзь Андрій Петрович",
    "b-2": "Бондар Марія Іванівна",
    "b-3": "Остапенко Вʼячеслав Петрович",
    "b-4": "Лисенко Кирило Петрович",
}


def test_volume_toc_and_index_give_each_heros_page(book_app, runner, tmp_path):
    out = tmp_path / "book.pdf"
    result = _build(runner, out, "--size", "A5", "--title", "Книга пам'яті: Краматорськ")
    assert result.exit_code == 0, result.output
    pages = _text(PdfReader(out))
    assert "Книга пам'яті: Краматорськ" in " ".join(pages[0].split())
    toc = _numbered(pages[_page_with(pages, "Зміст")])
    index = _numbered(pages[_page_with(pages, "Покажчик імен")])
    assert set(NAMES.values()) <= set(toc), toc
    assert "Пізній Іван Петрович" not in toc and "Чернетка Петро Петрович" not in toc
    for name in NAMES.values():
        assert toc[name] == index[name]
        page_text = pages[toc[name] - 1]
        assert name in page_text.replace("\n", " "), (name, page_text[:200])
    # In order of death: 2022, 2023, then 2024 (a year alone before a full date).
    ordered = sorted(NAMES.values(), key=lambda n: toc[n])
    assert ordered == [NAMES["b-1"], NAMES["b-2"], NAMES["b-3"], NAMES["b-4"]]
    units = pages[_page_with(pages, "Покажчик військових частин")]
    assert "109-та бригада ТрО" in units


def test_memorial_lines_carry_no_biography_and_html_is_text(book_app, runner, tmp_path):
    out = tmp_path / "book.pdf"
    assert _build(runner, out, "--order", "name").exit_code == 0
    text = "\n".join(_text(PdfReader(out)))
    assert NAMES["b-3"] in text.replace("\n", " ") and NAMES["b-4"] in text.replace("\n", " ")
    assert SECRET_BIO not in text and FRAME_BIO not in text
    assert "<b>квіти</b>" in text and "<script>" in text  # printed as typed, not as markup
    assert "ґанок" in text  # ґ survives the font subset


@pytest.mark.media
def test_fonts_embedded_pdfa_and_structure(book_app, runner, tmp_path):
    out = tmp_path / "book.pdf"
    assert _build(runner, out, "--size", "B5", "--bleed", "3mm", "--marks").exit_code == 0
    reader = PdfReader(out)
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    assert all("Literata" in name for name in fonts), fonts
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfaid:part[>=\"']+3", xmp), xmp[:500]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root.get("/Lang") == "uk"
    # The bleed makes the media box larger than the trimmed page (B5: 176 × 250 mm).
    page = reader.pages[0]
    trim = page.trimbox
    assert float(page.mediabox.width) > float(trim.width)
    assert abs(float(trim.width) - 176 / 25.4 * 72) < 1


@pytest.mark.media
def test_photo_is_scaled_to_print_and_unreadable_photo_is_reported(book_app, runner, tmp_path):
    out = tmp_path / "book.pdf"
    assert _build(runner, out, "--size", "A5").exit_code == 0
    # WeasyPrint shares one resource dictionary between pages: count distinct images.
    images = list({img.name: img for page in PdfReader(out).pages for img in page.images}.values())
    assert len(images) == 1
    # 42 mm at 300 dpi is 496 px: the 1600 px original is scaled down, never up.
    assert images[0].image.width <= 496 and images[0].image.mode == "L"
    with book_app.app_context():
        photo = db.session.scalar(select(Photo))
        path = Path(book_app.config["DATA_DIR"]) / "media" / photo.file_path
    path.write_bytes(b"not an image at all")
    broken = tmp_path / "broken.pdf"
    result = _build(runner, broken)
    assert result.exit_code == 0, result.output
    assert "photo left out" in result.output and NAMES["b-1"] in result.output
    assert not [img for page in PdfReader(broken).pages for img in page.images]
    assert NAMES["b-1"] in "\n".join(_text(PdfReader(broken))).replace("\n", " ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--died-from", "2030-01-01"], "немає жодного"),
        (["--size", "A3"], "A3"),
        (["--died-from", "2024-05-01", "--died-to", "2023-01-01"], "пізніший"),
        (["--title", "Д" * 5000], "задовга"),
        (["--died-from", "вчора"], "РРРР-ММ-ДД"),
        (["--year", "2024", "--died-from", "2024-01-01"], "або рік"),
        (["--bleed", "40mm"], "Виліт"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(book_app, runner, tmp_path, args, message):
    out = tmp_path / "book.pdf"
    result = runner.invoke(args=["book", "build", "--out", str(out), *args])
    assert result.exit_code != 0
    assert message.lower() in result.output.lower(), result.output
    assert not out.exists()
    with book_app.app_context():
        assert db.session.scalar(select(BookEdition).where(BookEdition.status == "done")) is None


def test_year_volume_and_rebuilt_edition_has_same_text_and_diff(book_app, runner, tmp_path):
    first = tmp_path / "first.pdf"
    assert _build(runner, first).exit_code == 0
    with book_app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == "b-2"))
        with recorded(db.session, hero, "edit", reason="proofreading"):
            hero.biography = "Зовсім новий життєпис."
        db.session.commit()
    again = tmp_path / "again.pdf"
    result = runner.invoke(args=["book", "rebuild", "1", "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert _text(PdfReader(again)) == _text(PdfReader(first))
    diff = runner.invoke(args=["book", "diff", "1"])
    assert diff.exit_code == 0
    assert diff.output.strip().splitlines() == [f"edited\t{_id(book_app, 'b-2')}\t{NAMES['b-2']}"]
    year = tmp_path / "year.pdf"
    assert (
        runner.invoke(args=["book", "build", "--year", "2025", "--out", str(year)]).exit_code == 0
    )
    text = "\n".join(_text(PdfReader(year)))
    assert "Пізній Іван" in text and "Ґудзь" not in text


def _id(app, external_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Hero.id).where(Hero.external_id == external_id))


def test_hero_pdf_route(book_app, client):
    with book_app.app_context():
        slug = db.session.scalar(select(Hero.slug).where(Hero.external_id == "b-1"))
        draft = db.session.scalar(select(Hero.slug).where(Hero.external_id == "b-6"))
        framed = db.session.scalar(select(Hero.slug).where(Hero.external_id == "b-4"))
    page = client.get(f"/heroes/{slug}").get_data(as_text=True)
    assert f'href="/heroes/{slug}.pdf"' in page and "Сторінка для друку (PDF)" in page
    english = client.get(f"/heroes/{slug}?lang=en").get_data(as_text=True)
    assert "Printable page (PDF)" in english
    response = client.get(f"/heroes/{slug}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    import io

    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(_text(reader))
    assert NAMES["b-1"] in text.replace("\n", " ") and "Абзац 15" in text
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    etag = response.headers["ETag"]
    again = client.get(f"/heroes/{slug}.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get(f"/heroes/{draft}.pdf").status_code == 404
    assert client.get("/heroes/nobody-999999.pdf").status_code == 404
    line = PdfReader(io.BytesIO(client.get(f"/heroes/{framed}.pdf").data))
    assert FRAME_BIO not in "\n".join(_text(line))


def _wait_for(app, edition_id: int, seconds: float = 120) -> BookEdition:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            edition = db.session.get(BookEdition, edition_id)
            job = db.session.get(Job, edition.job_id) if edition.job_id else None
            if job is not None and job.status in (JobStatus.DONE, JobStatus.FAILED):
                db.session.expunge_all()
                return edition
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)


def test_staff_page_builds_in_background_with_foreword(book_app, client, staff):
    login(client, staff["moderator"])
    page = client.get("/staff/book/")
    assert page.status_code == 200 and "Книга пам'яті" in page.get_data(as_text=True)
    token = csrf_token(client, "/staff/book/")
    saved = client.post(
        "/staff/book/foreword", data={"csrf_token": token, "text": "Слово до читача."}
    )
    assert saved.status_code == 302
    bad = client.post(
        "/staff/book/",
        data={
            "csrf_token": token,
            "died_from": "2024-05-01",
            "died_to": "2023-01-01",
            "size": "A5",
        },
    )
    assert bad.status_code == 400 and "пізніший" in bad.get_data(as_text=True)
    empty = client.post(
        "/staff/book/", data={"csrf_token": token, "year": "1990", "size": "A5", "order": "name"}
    )
    assert empty.status_code == 400 and "немає жодного" in empty.get_data(as_text=True)
    with book_app.app_context():
        assert db.session.scalar(select(BookEdition)) is None
    sent = client.post(
        "/staff/book/",
        data={"csrf_token": token, "year": "2023", "size": "A4", "order": "death", "title": ""},
    )
    assert sent.status_code == 302
    with book_app.app_context():
        number = db.session.scalar(select(BookEdition.id))
    edition = _wait_for(book_app, number)
    assert edition.status == "done", edition.problems
    listing = client.get("/staff/book/").get_data(as_text=True)
    assert f"/staff/book/editions/{number}.pdf" in listing
    import io

    with client.get(f"/staff/book/editions/{number}.pdf") as download:
        assert download.status_code == 200
        text = "\n".join(_text(PdfReader(io.BytesIO(download.data))))
    assert "Слово до читача." in text and "Бондар Марія" in text
    changes = client.get(f"/staff/book/editions/{number}/changes")
    assert changes.status_code == 200 and "Нічого не змінилося" in changes.get_data(as_text=True)


def test_job_left_running_by_a_dead_thread_is_done_again(book_app, client, staff):
    """A job whose worker died (its heartbeat stopped) is started again when the page loads."""
    from memorial import book, jobs

    with book_app.app_context():
        params = book.parse_params(year="2022")
        edition = book.new_edition(db.session, params)
        job = jobs.create(db.session, "book.build", {"edition": edition.id})
        edition.job_id = job.id
        job.status = JobStatus.RUNNING
        job.attempts = 1
        job.heartbeat_at = job.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        db.session.commit()
        number = edition.id
    login(client, staff["moderator"])
    assert client.get("/staff/book/").status_code == 200
    edition = _wait_for(book_app, number)
    assert edition.status == "done"
    with book_app.app_context():
        assert db.session.get(Job, edition.job_id).attempts == 2
