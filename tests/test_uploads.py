"""Uploads: judged by content, limits enforced, every bit of metadata removed."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from memorial import create_app, media
from memorial.extensions import db
from memorial.models import Submission, SubmissionPhoto
from memorial.schema import create_schema

from helpers import (
    SUBMITTER,
    app_config,
    csrf_token,
    gps_jpeg,
    image_bytes,
    post_form,
    reference_of,
)


def send(client, files):
    return post_form(
        client, "/submit", {**SUBMITTER, "surname": "Гук", "given_name": "Лев"}, files=files
    )


def stored_files(app) -> list[bytes]:
    with app.app_context():
        paths = db.session.scalars(select(SubmissionPhoto.file_path)).all()
        return [media.safe_path(app.config["DATA_DIR"], p).read_bytes() for p in paths]


def png_bomb(side: int = 9000) -> bytes:
    """A tiny PNG that claims ``side`` × ``side`` pixels (one compressed blank image)."""
    raw = zlib.compress(b"\x00" * (side // 8 + 1) * side, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_gps_and_every_metadata_block_are_removed_orientation_kept(app, client):
    original = gps_jpeg(size=(64, 48), orientation=6)
    assert b"SecretCam" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    reference_of(client, send(client, [("phone.jpg", original)]))
    [stored] = stored_files(app)
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(0x8825) == {}
    assert image.size == (48, 64)  # rotated as the camera meant, then the tag dropped
    assert "icc_profile" not in image.info and "comment" not in image.info
    for secret in (b"SecretCam", b"secret-comment", b"Exif\x00\x00", b"GPS", b"ICC_PROFILE"):
        assert secret not in stored
    # The GPS IFD's own bytes (its rational degrees) are absent too.
    for order in ("<", ">"):
        degrees = struct.pack(f"{order}IIIIII", 48, 1, 43, 1, 25, 1)
        assert degrees not in stored
    assert any(struct.pack(f"{o}IIIIII", 48, 1, 43, 1, 25, 1) in original for o in "<>")


def refused(client, app, files, message: str) -> None:
    response = send(client, files)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-500:]
    assert message in page, page[-3000:]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Submission.id))) == 0
    assert not list((media.media_root(app.config["DATA_DIR"])).rglob("*.jpg"))


def test_decompression_bomb_is_refused(app, client):
    bomb = png_bomb()
    assert len(bomb) < 20_000
    refused(client, app, [("bomb.png", bomb)], "забагато пікселів")


def test_polyglots_and_renamed_html_are_refused(app, client):
    gif_js = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=alert(document.domain);//;"
    jpeg_html = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>"
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    for name, data in (("cat.gif", gif_js), ("photo.jpg", jpeg_html), ("evil.jpg", html)):
        refused(client, app, [(name, data)], "не є фотографією у форматі JPEG, PNG або WebP")


def test_image_with_a_script_tail_is_stored_without_it(app, client):
    polyglot = image_bytes("PNG") + b"<script>alert(1)</script>"
    reference_of(client, send(client, [("tail.png", polyglot)]))
    [stored] = stored_files(app)
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "PNG"


def test_oversized_file_is_refused(tmp_path):
    app = create_app(app_config(tmp_path, MAX_PHOTO_BYTES=30_000))
    with app.app_context():
        create_schema()
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 30_000
    refused(app.test_client(), app, [("big.png", out.getvalue())], "завеликий")
    with app.app_context():
        db.engine.dispose()


def test_body_over_the_request_limit_is_413_in_ukrainian(tmp_path):
    # The form may carry an interview: its limit is the form's plus the interview's.
    app = create_app(app_config(tmp_path, MAX_CONTENT_LENGTH=50_000, INTERVIEW_MAX_BYTES=1000))
    with app.app_context():
        create_schema()
    client = app.test_client()
    response = send(client, [("big.jpg", b"\xff" * 60_000)])
    assert response.status_code == 413
    assert "Файл завеликий" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_heic_gets_a_clear_answer(app, client):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    response = send(client, [("IMG_0001.HEIC", heic)])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    if media.HEIC_READABLE:  # the optional reader is installed: this stub is not a real photo
        assert "пошкоджений" in page
    else:
        assert "HEIC" in page and "JPEG" in page


def test_too_many_photos_and_empty_files(app, client):
    app.config["MAX_PHOTOS"] = 2
    refused(client, app, [(f"{i}.png", image_bytes()) for i in range(3)], "до 2 фотографій")
    refused(client, app, [("empty.jpg", b"")], "порожній")


def animated_png(frames: int, size=(16, 16)) -> bytes:
    """An APNG of ``frames`` different frames."""
    images = [Image.new("RGB", size, (n * 7 % 256, 0, 0)) for n in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "PNG", save_all=True, append_images=images[1:])
    return out.getvalue()


def test_animation_with_many_frames_is_refused_from_its_header(app, client):
    data = animated_png(media.MAX_FRAMES + 10)
    assert Image.open(io.BytesIO(data)).n_frames == media.MAX_FRAMES + 10
    refused(client, app, [("moving.png", data)], "надто великою кількістю кадрів")


def test_frames_count_against_the_pixel_limit(app, client):
    # Five frames of 10 megapixels: each is under the limit, all five are not.
    data = animated_png(5, size=(4000, 2500))
    refused(client, app, [("frames.png", data)], "забагато пікселів")


def send_large(client, name: str, data: bytes):
    """Post one large file; the test client's spooled body is closed afterwards."""
    payload = {
        "csrf_token": csrf_token(client, "/submit"),
        **SUBMITTER,
        "surname": "Гук",
        "given_name": "Лев",
        "photos": [(io.BytesIO(data), name)],
    }
    builder = EnvironBuilder(
        path="/submit", method="POST", data=payload, content_type="multipart/form-data"
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def test_a_large_png_is_stored_as_a_bounded_jpeg(app, client):
    """A detailed PNG was re-encoded as PNG at zlib's highest level: 16 MP of RGBA noise took
    seconds of CPU and wrote a file as large as the raw pixels (64 MB). Large PNGs are now
    stored as JPEG, whose size is bounded; transparency becomes white."""
    side = 2200
    noisy = Image.merge(
        "RGBA", [Image.effect_noise((side, side), 90).convert("L") for _ in range(4)]
    )
    out = io.BytesIO()
    noisy.save(out, "PNG", compress_level=1)
    upload = out.getvalue()
    assert side * side > media.PNG_MAX_PIXELS and len(upload) > 10_000_000
    reference_of(client, send_large(client, "scan.png", upload))
    [stored] = stored_files(app)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (side, side)
    assert len(stored) < len(upload) // 2


def test_a_small_png_with_transparency_stays_png(app, client):
    image = Image.new("RGBA", (50, 40), (10, 20, 30, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    reference_of(client, send(client, [("logo.png", out.getvalue())]))
    [stored] = stored_files(app)
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "PNG" and kept.mode == "RGBA"


def test_a_large_jpeg_is_decoded_reduced_and_scaled_to_the_limit(app, client):
    out = io.BytesIO()
    Image.new("RGB", (8400, 4200), (90, 120, 150)).save(out, "JPEG", quality=80)
    reference_of(client, send_large(client, "wide.jpg", out.getvalue()))
    [stored] = stored_files(app)
    assert Image.open(io.BytesIO(stored)).size == (4000, 2000)


def test_a_phone_mpo_counts_only_the_picture_that_is_decoded(app, client):
    """A phone's MPO JPEG holds a second picture that is never decoded: it is no animation."""
    first, second = (Image.new("RGB", (5000, 4500), c) for c in ((1, 2, 3), (3, 2, 1)))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 2
    reference_of(client, send_large(client, "portrait.jpg", out.getvalue()))
    [stored] = stored_files(app)
    assert Image.open(io.BytesIO(stored)).size == (4000, 3600)
