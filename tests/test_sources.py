"""Where each fact came from: sources added, verified and removed by staff, and the quiet mark."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from memorial import media
from memorial.extensions import db
from memorial.indexing import named_media
from memorial.models import AuditEvent, FactSource, Hero, User

from helpers import csrf_token, image_bytes, login, record, write_archive


def one_hero(app, tmp_path, external_id="s-1", **fields) -> Hero:
    result = app.test_cli_runner().invoke(
        args=[
            "import-archive",
            str(write_archive(tmp_path / external_id, [record(external_id, **fields)])),
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        hero = db.session.scalar(select(Hero).where(Hero.external_id == external_id))
        db.session.expunge(hero)
        return hero


def add(client, hero: Hero, **data):
    url = f"/staff/heroes/{hero.id}"
    return client.post(
        f"{url}/sources",
        data={"csrf_token": csrf_token(client, url), **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def sources(app) -> list[FactSource]:
    with app.app_context():
        rows = db.session.scalars(select(FactSource).order_by(FactSource.id)).all()
        db.session.expunge_all()
        return rows


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def fetch(client, url: str):
    """A file answer read whole and closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def source_action(client, hero: Hero, source_id: int, action: str):
    url = f"/staff/heroes/{hero.id}"
    return client.post(
        f"/staff/sources/{source_id}/{action}",
        data={"csrf_token": csrf_token(client, url)},
        follow_redirects=True,
    )


def test_a_verified_source_shows_a_quiet_mark_on_the_profile(app, client, staff, tmp_path):
    hero = one_hero(app, tmp_path)
    login(client, staff["moderator"])
    page = add(client, hero, field="rank", kind="official_notice", note="сповіщення ТЦК №12")
    assert "Джерело додано." in page.get_data(as_text=True)
    [source] = sources(app)
    assert source.verified_at is None and source.field == "rank"
    visitor = app.test_client()
    assert "перевірено" not in visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)

    source_action(client, hero, source.id, "verify")
    [source] = sources(app)
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.email == staff["moderator"]))
    assert source.verified_at is not None and source.verified_by_id == moderator.id
    profile = visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)  # the cache noticed
    assert "перевірено" in profile and "офіційне сповіщення" in profile
    assert "сповіщення ТЦК №12" not in profile  # the note is for staff

    source_action(client, hero, source.id, "remove")
    assert sources(app) == []
    assert "перевірено" not in visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert actions(app)[-3:] == ["source.add", "source.verify", "source.remove"]


def test_a_publication_needs_a_link_and_bad_input_changes_nothing(app, client, staff, tmp_path):
    hero = one_hero(app, tmp_path)
    login(client, staff["moderator"])
    page = add(client, hero, field="awards", kind="publication").get_data(as_text=True)
    assert "публікації потрібне посилання" in page
    page = add(
        client, hero, field="awards", kind="publication", link="javascript:alert(1)"
    ).get_data(as_text=True)
    assert "публікації потрібне посилання" in page
    assert add(client, hero, field="name", kind="family").status_code == 200
    assert sources(app) == []
    assert "source.add" not in actions(app)
    add(client, hero, field="awards", kind="publication", link="https://example.org/news/1")
    [source] = sources(app)
    assert source.link == "https://example.org/news/1"


def test_a_scan_is_staff_only_unless_marked_public(app, client, staff, tmp_path):
    hero = one_hero(app, tmp_path)
    login(client, staff["moderator"])
    add(
        client,
        hero,
        field="death_date",
        kind="document",
        document=(io.BytesIO(image_bytes("JPEG")), "scan.jpg"),
    )
    add(
        client,
        hero,
        field="burial",
        kind="document",
        document=(io.BytesIO(image_bytes("PNG")), "scan.png"),
        document_public="y",
    )
    private, public = sources(app)
    assert private.document_path and not private.document_public
    assert public.document_path and public.document_public
    with app.app_context():  # the orphan sweep keeps the scans
        assert {private.document_path, public.document_path} <= named_media(db.session)
    assert fetch(client, f"/staff/sources/{private.id}/document").status_code == 200
    visitor = app.test_client()
    assert fetch(visitor, f"/staff/sources/{private.id}/document").status_code in (302, 401, 403)
    assert fetch(visitor, f"/documents/{private.id}").status_code == 404
    assert fetch(visitor, f"/documents/{public.id}").status_code == 404  # not verified yet
    for item in (private, public):
        source_action(client, hero, item.id, "verify")
    assert fetch(visitor, f"/documents/{private.id}").status_code == 404
    answer = fetch(visitor, f"/documents/{public.id}")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    profile = visitor.get(f"/heroes/{hero.slug}").get_data(as_text=True)
    assert f"/documents/{public.id}" in profile and f"/documents/{private.id}" not in profile

    # A damaged PDF, too many pages, or not a document at all: refused, nothing stored.
    for data, message in (
        (b"%PDF-1.4", "PDF не вдалося прочитати"),
        (scanned_pdf(11), "більше 10 сторінок"),
        (b"<html><script>alert(1)</script>", "JPEG, PNG, WebP або PDF"),
    ):
        page = add(
            client, hero, field="rank", kind="document", document=(io.BytesIO(data), "a.pdf")
        ).get_data(as_text=True)
        assert message in page
    assert len(sources(app)) == 2


def scanned_pdf(pages: int) -> bytes:
    """A PDF as a scanner makes it (a picture per page), with its author and title inside."""
    images = [Image.new("RGB", (600, 840), (250, 250, 245)) for _ in range(pages)]
    for number, image in enumerate(images):
        image.paste((20, 20, 20), (60, 60 + number * 40, 540, 90 + number * 40))
    out = io.BytesIO()
    images[0].save(
        out,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=72,
        author="Petrenko scanner",
        title="Довідка з військкомату",
    )
    return out.getvalue()


def test_a_pdf_scan_is_kept_as_one_picture_of_its_pages_without_the_pdf(
    app, client, staff, tmp_path
):
    hero = one_hero(app, tmp_path)
    login(client, staff["moderator"])
    data = scanned_pdf(2)
    assert PdfReader(io.BytesIO(data)).metadata.author == "Petrenko scanner"
    add(client, hero, field="death_date", kind="document", document=(io.BytesIO(data), "s.pdf"))
    [source] = sources(app)
    stored = media.safe_path(app.config["DATA_DIR"], source.document_path)
    assert stored.suffix == ".jpg"
    picture = Image.open(stored)
    assert picture.format == "JPEG" and not picture.info.get("exif")
    # Both pages, one under the other, each drawn about 1240 px wide.
    assert abs(picture.width - media.DOCUMENT_PAGE_WIDTH) <= 1  # pdfium rounds up
    assert abs(picture.height - 2 * 840 * media.DOCUMENT_PAGE_WIDTH / 600) <= 2
    raw = stored.read_bytes()
    assert b"%PDF" not in raw and "Petrenko".encode("utf-16-be") not in raw
    # The dark bar of the second page is where the second page was drawn.
    second_bar_y = picture.height // 2 + round(115 * media.DOCUMENT_PAGE_WIDTH / 600)
    assert picture.convert("L").getpixel((picture.width // 2, second_bar_y)) < 80
    answer = fetch(client, f"/staff/sources/{source.id}/document")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"


def test_staff_list_heroes_with_unverified_facts_by_field(app, client, staff, tmp_path):
    first = one_hero(app, tmp_path, "u-1", surname="Антоненко")
    second = one_hero(app, tmp_path, "u-2", surname="Бойко")
    login(client, staff["moderator"])
    add(client, first, field="rank", kind="family")
    add(client, second, field="military_unit", kind="unit")
    add(client, second, field="rank", kind="family")
    page = client.get("/staff/unverified").get_data(as_text=True)
    assert "Антоненко" in page and "Бойко" in page
    page = client.get("/staff/unverified?field=military_unit").get_data(as_text=True)
    assert "Антоненко" not in page and "Бойко" in page
    assert client.get("/staff/unverified?field=nonsense").status_code == 200
    with app.app_context():
        ids = db.session.scalars(select(FactSource.id).where(FactSource.field == "military_unit"))
        [unit_source] = list(ids)
    source_action(client, second, unit_source, "verify")
    page = client.get("/staff/unverified?field=military_unit").get_data(as_text=True)
    assert "Бойко" not in page and "Усі джерела перевірено." in page
    assert app.test_client().get("/staff/unverified").status_code in (302, 401, 403)
