"""QR codes on graves and the sheet of plaque labels: the codes decode back to the graves'
permanent addresses (read by a real decoder from the PNG and from the printed PDF), the sheet
holds the names, dates and places at the size chosen, and bad choices are refused by name."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from memorial import graves
from memorial.extensions import db
from memorial.models import Grave, Hero, MonumentStage

from helpers import SURNAMES, buried_records, login, write_archive

SITE = "https://memorial.example.org"


@pytest.fixture
def alley(app, runner, tmp_path, staff, client):
    """Eleven heroes in sector А (rows of ten), one free place, a moderator signed in, and
    the site's public address set (a QR code must carry it, not the staff machine's)."""
    folder = write_archive(tmp_path / "arch", buried_records(11))
    result = runner.invoke(args=["import-archive", str(folder)])
    assert result.exit_code == 0, result.output
    app.config["PUBLIC_URL"] = SITE
    with app.app_context():
        sector = db.session.scalar(select(Grave)).sector
        graves.resize_sector(db.session, sector, 3, 10)
        graves.grave_at(db.session, sector, 3, 5)  # a free place: no label for it
        db.session.commit()
    assert login(client, staff["moderator"]).status_code == 302
    return client


def _codes(app) -> dict[str, tuple[int, str]]:
    """external id → (grave id, code)."""
    with app.app_context():
        rows = db.session.execute(
            select(Hero.external_id, Grave.id, Grave.code).join(Grave, Grave.hero_id == Hero.id)
        )
        return {ext: (gid, code) for ext, gid, code in rows}


def _decode(png: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


def test_the_png_qr_code_decodes_to_the_graves_permanent_address(app, alley):
    grave_id, code = _codes(app)["b-3"]
    response = alley.get(f"/staff/graves/{grave_id}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert f'filename="qr-{code}.png"' in response.headers["Content-Disposition"]
    found = _decode(response.data)
    assert [r.text for r in found] == [f"{SITE}/g/{code}"]
    assert found[0].ec_level == "H"  # survives a scratched, weathered plaque
    # The address the code carries opens the profile saying where one stands.
    landing = alley.get(f"/g/{code}")
    assert landing.status_code == 302 and f"at={code}" in landing.headers["Location"]


def test_the_svg_qr_code_is_well_formed_with_its_quiet_zone(app, alley):
    grave_id, code = _codes(app)["b-0"]
    response = alley.get(f"/staff/graves/{grave_id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert f'filename="qr-{code}.svg"' in response.headers["Content-Disposition"]
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # The finder pattern starts 4 modules in: the quiet zone is kept; a symbol of version V
    # is 17 + 4V modules wide, plus 4 on each side.
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path.get("d").startswith("M4 4.5h7")
    modules = int(root.get("width")) // 10
    assert (modules - 8 - 17) % 4 == 0 and modules > 8 + 21


def test_qr_codes_are_for_staff_only(app, alley, client):
    grave_id, _code = _codes(app)["b-0"]
    alley.post("/staff/logout")
    anonymous = app.test_client()
    for suffix in ("qr.png", "qr.svg", "works"):
        response = anonymous.get(f"/staff/graves/{grave_id}/{suffix}")
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert anonymous.get("/staff/graves/labels.pdf?sector=1").status_code == 302


def _pdf(client, **args):
    return client.get("/staff/graves/labels.pdf", query_string=args)


def _sector_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Grave.sector_id))


@pytest.mark.parametrize(("width", "height", "pages"), [(50, 70, 2), (90, 60, 2), (190, 277, 11)])
def test_the_label_sheet_holds_every_buried_hero_at_the_size_chosen(
    app, alley, width, height, pages
):
    response = _pdf(alley, sector=_sector_id(app), width=width, height=height)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf"
    assert f"{width}x{height}mm" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    # 50×70: 3×3 a page; 90×60: 2×4; a whole page each: 11 labels, the free place has none.
    assert len(reader.pages) == pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    for i in range(11):
        assert f"{SURNAMES[i % len(SURNAMES)]}-{i}" in text
    assert "«Кобзар»" in text and "2 червня 1985" in text and "19 серпня 2022" in text
    assert "ряд 2, місце 1" in text and "Краматорськ, Алея Героїв" in text
    for code in (c for _g, c in _codes(app).values()):
        assert code in text.replace(" ", "")
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert fonts and all("DejaVu" in name for name in fonts)
    descriptor = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    assert any(key.startswith("/FontFile") for key in _descriptor(descriptor))  # embedded


def _descriptor(font):
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    return font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()


@pytest.mark.slow
def test_the_printed_qr_codes_decode_to_the_addresses(app, alley, tmp_path):
    response = _pdf(alley, sector=_sector_id(app))
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(sheet), str(tmp_path / "p")],
        check=True,
        timeout=120,
    )
    page = Image.open(next(tmp_path.glob("p*.png")))
    found = {r.text for r in zxingcpp.read_barcodes(page)}
    codes = _codes(app)
    # The first page: rows 1 (places 1-9) of the plan order, 9 labels.
    assert found == {f"{SITE}/g/{codes[f'b-{i}'][1]}" for i in range(9)}


def test_only_graves_without_a_plaque_and_chosen_codes(app, alley):
    codes = _codes(app)
    with app.app_context():
        for ext in ("b-0", "b-1"):
            grave = db.session.get(Grave, codes[ext][0])
            graves.set_work(db.session, grave, MonumentStage.PHOTO_PLAQUE, _day())
        db.session.commit()
    response = _pdf(alley, sector=_sector_id(app), without_plaque="1")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Коваленко-0" not in text and "Шевченко-1" not in text and "Бондаренко-2" in text

    picked = f"{codes['b-4'][1].lower()}, {codes['b-7'][1]}"
    response = _pdf(alley, codes=picked)
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "Кравченко-4" in text and "Поліщук-7" in text and "Олійник-5" not in text

    one = _pdf(alley, grave=codes["b-9"][0])
    assert "Руденко-9" in PdfReader(io.BytesIO(one.data)).pages[0].extract_text()


def _day():
    import datetime as dt

    return dt.date(2024, 5, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"width": "abc"}, "Ширина етикетки має бути цілим числом міліметрів від 35 до 190."),
        ({"width": "20"}, "Ширина етикетки має бути цілим числом міліметрів від 35 до 190."),
        ({"width": "50.5"}, "Ширина етикетки має бути цілим числом міліметрів від 35 до 190."),
        ({"height": "300"}, "Висота етикетки має бути цілим числом міліметрів від 45 до 277."),
        ({"height": ""}, "Висота етикетки має бути цілим числом міліметрів від 45 до 277."),
        ({"codes": "ZZ"}, "«ZZ» не схоже на код могили."),
        ({"codes": "222222"}, "Могил з кодами 222222 немає."),
    ],
)
def test_bad_sizes_and_codes_are_refused_by_name(app, alley, args, message):
    response = _pdf(alley, sector=_sector_id(app), **args)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'role="alert"' in page
    field = next(iter(args))
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page)  # the field is marked


def test_an_empty_selection_is_refused_with_a_clear_message(app, alley):
    with app.app_context():
        sector = db.session.scalar(select(Grave)).sector
        empty = graves.ensure_sector(db.session, sector.cemetery.name, "Б", 2, 2)
        graves.grave_at(db.session, empty, 1, 1)
        db.session.commit()
        empty_id = empty.id
        for grave in db.session.scalars(select(Grave).where(Grave.hero_id.is_not(None))):
            graves.set_work(db.session, grave, MonumentStage.PHOTO_PLAQUE, _day())
        db.session.commit()
    for args in ({"sector": empty_id}, {"sector": _sector_id(app), "without_plaque": "1"}):
        response = _pdf(alley, **args)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "аркуш був би порожнім" in page
    english = _pdf(alley, sector=empty_id, lang="en")
    assert "the sheet would be empty" in english.get_data(as_text=True)


def test_the_labels_page_offers_sectors_and_sizes(app, alley):
    page = alley.get("/staff/graves/labels").get_data(as_text=True)
    assert "Краматорськ, Алея Героїв: сектор А" in page
    assert re.search(r'name="width"[^>]*value="50"', page)
    assert re.search(r'name="height"[^>]*value="70"', page)


def test_a_duplicate_grave_code_cannot_be_stored(app, alley):
    codes = _codes(app)
    with app.app_context():
        taken = db.session.get(Grave, codes["b-0"][0])
        other = graves.grave_at(db.session, taken.sector, 3, 9)
        db.session.commit()
        other.code = taken.code
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # Asked for a code another grave holds, a new grave gets a fresh one instead.
        fresh = graves.grave_at(db.session, taken.sector, 3, 10, code=taken.code)
        assert fresh.code != taken.code and graves.normal_code(fresh.code) == fresh.code
        db.session.commit()


def test_labels_are_in_ukrainian_whatever_the_staff_interface(app, alley):
    """A plaque stands on a Ukrainian grave: the sheet made from the English interface
    still says «ряд», «місце» and the months in Ukrainian."""
    response = _pdf(alley, sector=_sector_id(app), lang="en")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "сектор А, ряд 1, місце 1" in text and "19 серпня 2022" in text
    assert "row" not in text and "August" not in text
