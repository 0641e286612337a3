"""Builders for small archives and records used across the tests."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from PIL import Image

from memorial import clock


def record(external_id: str = "t-1", **fields) -> dict:
    """A valid hero record in the archive format, with ``fields`` overriding the defaults."""
    base = {
        "external_id": external_id,
        "surname": "Коваленко",
        "given_name": "Андрій",
        "patronymic": "Петрович",
        "call_sign": "Кобзар",
        "birth_date": "1985-06-02",
        "death_date": "2022-08-19",
        "birth_place": "Краматорськ",
        "home_community": "Краматорська міська територіальна громада",
        "rank": "сержант",
        "position": "командир відділення",
        "military_unit": "93-тя окрема механізована бригада «Холодний Яр»",
        "death_place": "Бахмут",
        "death_circumstances": "Загинув під час артилерійського обстрілу.",
        "burial_place": "Краматорськ, Алея Героїв",
        "burial_plot": "ряд 1, місце 3",
        "awards": [
            {"name": "орден «За мужність» III ступеня", "date": "2022-10", "posthumous": True}
        ],
        "biography": "Народився в Краматорську.\n\nПрацював електриком на заводі.",
        "stories": [
            {
                "title": "Мій брат",
                "body": "Він завжди допомагав сусідам.",
                "author_name": "Олена",
                "author_relation": "сестра",
                "date": "2023",
            }
        ],
        "photos": [],
        "status": "published",
    }
    base.update(fields)
    return base


def image_bytes(
    fmt: str = "PNG", size=(60, 80), color=(120, 140, 160), exif: bytes | None = None
) -> bytes:
    """A small real image in ``fmt``."""
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def write_archive(folder: Path, records: list, files: dict[str, bytes] | None = None) -> Path:
    """Write ``heroes.json`` and media files into ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heroes.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    for name, data in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def gps_jpeg(size=(64, 48), orientation: int | None = None) -> bytes:
    """A JPEG carrying a GPS position, a camera name, a comment and an ICC profile."""
    from PIL import ImageCms

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 43.0, 25.0)
    gps[3], gps[4] = "E", (37.0, 33.0, 51.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"secret-comment")
    return out.getvalue()


def home(client, day: str, lang: str | None = None):
    """The home page as it shows on ``day`` (ISO), the archive's clock stopped at noon in Kyiv."""
    with clock.frozen(dt.date.fromisoformat(day)):
        return client.get("/" + (f"?lang={lang}" if lang else ""))
