"""Photos: judged by content, re-encoded without metadata, stored under the data folder."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
try:  # HEIC photos from phones are read only when the optional pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ALLOWED_FORMATS += ("HEIF",)
except ImportError:
    pass
HEIC_READABLE = "HEIF" in ALLOWED_FORMATS
#: ISO base media "brands" of HEIC/HEIF/AVIF files, found at bytes 8..12 after "ftyp".
_HEIF_BRANDS = (
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
)
MAX_PIXELS = 40_000_000
#: Frames of an animated image (APNG, animated WebP) count against ``MAX_PIXELS``
#: together, and there may be no more than this many, though only the first is kept.
MAX_FRAMES = 20
MAX_SIDE = 4000
#: A PNG stays PNG (lossless, transparency kept) only up to this many pixels after
#: scaling; larger ones are stored as JPEG. A re-encoded PNG of a large, detailed image
#: can be several times the upload (16 MP of RGBA noise is 64 MB) and costs seconds of
#: CPU to compress, while a JPEG of the same stays bounded.
PNG_MAX_PIXELS = 4_000_000
JPEG_QUALITY = 88
THUMB_SIDES = (320, 800)

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class MediaError(ValueError):
    """An image that cannot be accepted; the message says why and ``reason`` names the rule."""

    def __init__(self, message: str, reason: str = "type") -> None:
        super().__init__(message)
        #: One of ``type``, ``heic``, ``pixels``, ``frames``, ``size``, ``empty``, ``path``.
        self.reason = reason


def is_heif(data: bytes) -> bool:
    """Whether the bytes look like a HEIC/HEIF container (judged by content)."""
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


@dataclass
class StoredImage:
    """A photo written to the media folder."""

    file_path: str
    sha256: str
    size_bytes: int
    width: int
    height: int


def media_root(data_dir: str | os.PathLike) -> Path:
    """Folder of stored photos."""
    return Path(data_dir) / "media"


def safe_path(data_dir: str | os.PathLike, relative: str) -> Path:
    """Resolve a stored file's relative path, refusing anything outside the media folder."""
    root = media_root(data_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise MediaError("path outside the media folder", "path")
    return path


def _check_header(image: Image.Image) -> None:
    """Refuse, from the header alone, an image whose decoding would cost too much."""
    # A phone's MPO JPEG carries a second picture (a preview or a depth map) that is never
    # decoded; an animation's frames are what a viewer or a converter would decode.
    frames = 1 if image.format == "MPO" else getattr(image, "n_frames", 1) or 1
    if frames > MAX_FRAMES:
        raise MediaError(f"image has too many frames ({frames}, at most {MAX_FRAMES})", "frames")
    if image.width * image.height * frames > MAX_PIXELS:
        raise MediaError("image has too many pixels", "pixels")


def open_image(data: bytes, draft_side: int | None = None) -> Image.Image:
    """Open image bytes, trusting only the content; bombs and unknown types are refused.

    Size and frame count are judged from the header before anything is decoded; only the
    first frame is decoded. With ``draft_side`` a JPEG is decoded at the smallest DCT
    scale that is still at least that large, which costs a fraction of a full decode.
    """
    if not data:
        raise MediaError("the file is empty", "empty")
    if is_heif(data) and not HEIC_READABLE:
        raise MediaError("HEIC images cannot be read here; save the photo as JPEG", "heic")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            _check_header(image)
            image.verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            _check_header(image)
            if draft_side and image.format in ("JPEG", "MPO"):
                image.draft("RGB", (draft_side, draft_side))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise MediaError("image has too many pixels", "pixels") from None
        except MediaError:
            raise
        except Exception:
            raise MediaError("not a JPEG, PNG or WebP image") from None
    return image


def reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Re-encode image bytes with orientation applied and every metadata block dropped.

    The work is bounded: the header is judged before decoding, a JPEG is decoded at a
    reduced scale when it is larger than ``MAX_SIDE``, scaling reduces by whole factors
    first, and only small PNGs are kept as PNG (compressed at zlib's default level).
    """
    image = open_image(data, draft_side=MAX_SIDE)
    fmt = image.format
    image = ImageOps.exif_transpose(image)
    # Pillow writes some of ``info`` back on save (JPEG comments, ICC profiles, PNG text):
    # drop it all so that no metadata of the original survives.
    image.info.clear()
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), reducing_gap=3.0)
    out = io.BytesIO()
    if fmt == "PNG" and image.width * image.height <= PNG_MAX_PIXELS:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", compress_level=6)
        ext = "png"
    else:
        image = _flatten(image)
        image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True)
        ext = "jpg"
    return out.getvalue(), ext, image.width, image.height


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB or L image for JPEG; transparent parts become white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("P", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def store_image(data_dir: str | os.PathLike, data: bytes) -> StoredImage:
    """Re-encode and write an image under a server-chosen name; return what was stored."""
    return write_clean(data_dir, *reencode(data))


#: A document scanned to PDF: at most this many pages, each drawn this wide (about 150 dpi
#: on A4, enough to read a stamp) and never taller than :data:`DOCUMENT_PAGE_MAX_HEIGHT`.
DOCUMENT_MAX_PAGES = 10
DOCUMENT_PAGE_WIDTH = 1240
DOCUMENT_PAGE_MAX_HEIGHT = 2400


def store_document(data_dir: str | os.PathLike, data: bytes) -> StoredImage:
    """Store the scan of a document: an image as :func:`store_image` does, a PDF drawn page
    under page into one JPEG. The PDF itself is not kept: whatever it carries besides its
    pages (scripts, attachments, its author and software, the metadata of embedded photos)
    goes no further than this function."""
    if not data.startswith(b"%PDF-"):
        return store_image(data_dir, data)
    image = _pdf_pages(data)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True)
    return write_clean(data_dir, out.getvalue(), "jpg", image.width, image.height)


def _pdf_pages(data: bytes) -> Image.Image:
    """The pages of a PDF drawn one under another on white, as one greyscale-safe RGB image."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise MediaError("the PDF cannot be read (damaged or password-protected)", "pdf") from None
    try:
        if len(pdf) == 0:
            raise MediaError("the PDF has no pages", "pdf")
        if len(pdf) > DOCUMENT_MAX_PAGES:
            raise MediaError(f"the PDF has more than {DOCUMENT_MAX_PAGES} pages", "pages")
        pages = []
        for page in pdf:
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise MediaError("the PDF has an empty page", "pdf")
            scale = min(DOCUMENT_PAGE_WIDTH / width, DOCUMENT_PAGE_MAX_HEIGHT / height)
            pages.append(page.render(scale=scale).to_pil().convert("RGB"))
            page.close()
    except pdfium.PdfiumError:
        raise MediaError("the PDF cannot be read (damaged or password-protected)", "pdf") from None
    finally:
        pdf.close()
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
    top = 0
    for page_image in pages:
        sheet.paste(page_image, (0, top))
        top += page_image.height
    return sheet


def write_clean(
    data_dir: str | os.PathLike,
    clean: bytes,
    ext: str,
    width: int,
    height: int,
    written: list[Path] | None = None,
) -> StoredImage:
    """Write bytes that ``reencode`` produced under a server-chosen name.

    ``written``: the file's path is appended before the file exists, so that whoever undoes
    the work (an import rolled back by Ctrl-C) finds it whenever the interruption comes."""
    digest = hashlib.sha256(clean).hexdigest()
    name = f"{digest[:2]}/{secrets.token_hex(16)}.{ext}"
    path = safe_path(data_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if written is not None:
        written.append(path)
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_bytes(clean)
        os.replace(tmp, path)
    except BaseException:  # a full disk leaves no partial file behind
        tmp.unlink(missing_ok=True)
        raise
    return StoredImage(name, digest, len(clean), width, height)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def thumbnail_path(data_dir: str | os.PathLike, relative: str, side: int) -> Path:
    """Where the thumbnail of a stored photo at ``side`` pixels lives (made on demand)."""
    stem = Path(relative).with_suffix("")
    return media_root(data_dir) / "thumbs" / str(side) / f"{stem}.jpg"


def ensure_thumbnail(data_dir: str | os.PathLike, relative: str, side: int) -> Path:
    """Make (once) and return a JPEG thumbnail no larger than ``side`` pixels."""
    if side not in THUMB_SIDES:
        raise MediaError("unknown thumbnail size")
    source = safe_path(data_dir, relative)
    target = thumbnail_path(data_dir, relative, side)
    if not target.exists():
        with Image.open(source) as opened:
            image = opened.convert("RGB")
            image.thumbnail((side, side * 4 // 3))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            image.save(tmp, "JPEG", quality=82, optimize=True, progressive=True)
            os.replace(tmp, target)
    return target


#: Folder under the media root that holds thumbnails, made on demand from stored photos.
THUMBS_DIR = "thumbs"


def files_on_disk(data_dir: str | os.PathLike) -> list[tuple[str, Path, float]]:
    """Every file under the media folder: relative path, path and modification time."""
    root = media_root(data_dir)
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                mtime = path.stat().st_mtime
            except FileNotFoundError:  # removed meanwhile
                continue
            found.append((path.relative_to(root).as_posix(), path, mtime))
    return sorted(found)


def is_named(relative: str, named: set[str], named_stems: set[str]) -> bool:
    """Whether a file under the media folder belongs to a named photo (itself or a thumbnail)."""
    if relative in named:
        return True
    parts = relative.split("/", 2)
    if len(parts) == 3 and parts[0] == THUMBS_DIR and parts[2].endswith(".jpg"):
        return parts[2][: -len(".jpg")] in named_stems
    return False


def stem(relative: str) -> str:
    """A stored photo's relative path without its extension (what its thumbnails are named by)."""
    return str(Path(relative).with_suffix("").as_posix())
