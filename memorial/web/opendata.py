"""The "Відкриті дані" page and the downloads of the published archive (CSV, XLSX).

A download is built once per content version into ``DATA_DIR/opendata/`` (see
:mod:`memorial.opendata`) by a thread beside the requests (a request waits for it up to
``OPEN_DATA_BUILD_WAIT`` seconds, then answers 503 with ``Retry-After``), and sent from
there with an ``ETag`` and ``Last-Modified``, so a harvester that already has today's file
gets an empty 304. The page itself is not kept by the page cache: it shows the size of files
that are built only when first asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import opendata
from ..clock import today_in_kyiv
from ..extensions import db
from ..models import Hero, Photo
from .veterans import profile_url

log = logging.getLogger(__name__)
bp = Blueprint("opendata", __name__)


def _hero_url(hero: Hero) -> str:
    return profile_url(hero, _external=True)


def _photo_url(photo: Photo) -> str:
    return url_for("public.photo", file_path=photo.file_path, _external=True)


def licence() -> dict[str, str]:
    """The licence the archive's data is given under (``OPEN_DATA_LICENCE_*``)."""
    config = current_app.config
    return {"name": config["OPEN_DATA_LICENCE_NAME"], "url": config["OPEN_DATA_LICENCE_URL"]}


def size_label(size: int) -> str:
    """A file size for people: kilobytes or megabytes, in the interface language."""
    if size < 1024 * 1024:
        return _("%(size)s КБ", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s МБ", size=format_decimal(round(size / 1024 / 1024, 1)))


@bp.get("/opendata")
def page():
    """What the open data is, where to download it, its licence and its fields."""
    data_dir = current_app.config["DATA_DIR"]
    downloads = []
    for fmt in opendata.FORMATS:
        path = opendata.built_file(db.session, data_dir, fmt)
        downloads.append(
            {
                "format": fmt,
                "url": url_for("opendata.download", fmt=fmt),
                "size": path.stat().st_size if path else None,
                "built": today_in_kyiv(opendata.built_at(path)) if path else None,
            }
        )
    total = db.session.scalar(select(func.count(Hero.id)).where(Hero.is_published)) or 0
    terms = licence()
    # What dataset search engines read (schema.org Dataset).
    dataset = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": _("Меморіал: таблиця героїв"),
        "description": _(
            "Опубліковані записи архіву пам'яті загиблих захисників і захисниць України: "
            "імена, дати, місця, звання, військові частини, життєписи, нагороди, адреси "
            "сторінок і фотографій."
        ),
        "url": url_for("opendata.page", _external=True),
        "inLanguage": "uk",
        "isAccessibleForFree": True,
        "license": terms["url"],
        "creator": {"@type": "Organization", "name": _("Меморіал")},
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": opendata.FORMATS[fmt].mimetype,
                "contentUrl": url_for("opendata.download", fmt=fmt, _external=True),
            }
            for fmt in opendata.FORMATS
        ],
    }
    return render_template(
        "public/opendata.html",
        downloads=downloads,
        total=total,
        licence=terms,
        dataset=dataset,
        dictionary=opendata.dictionary(),
        today=today_in_kyiv(),
        size_label=size_label,
    )


#: The builds running in this process: (data folder, format) -> thread.
_builds: dict[tuple[str, str], threading.Thread] = {}
_builds_lock = threading.Lock()


def _build(app: Flask, base_url: str, fmt: str) -> None:
    """Build the file of ``fmt`` for the content version current now (in a thread)."""
    with app.test_request_context(base_url=base_url), force_locale("uk"):
        try:
            # The file is the same for every visitor: its data dictionary is in Ukrainian.
            opendata.ensure_file(db.session, app.config["DATA_DIR"], fmt, _hero_url, _photo_url)
        except Exception:
            log.exception("the open data file %s could not be built", fmt)
        finally:
            db.session.remove()


def _building(fmt: str) -> threading.Thread:
    """The thread building ``fmt`` in this process, started unless one is running.

    A build of 100,000 heroes takes longer than a worker may spend on one request
    (gunicorn's timeout), so it runs beside the requests: a killed request never leaves it
    half done, and every request waiting for the same file waits for the same build.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = (app.config["DATA_DIR"], fmt)
    with _builds_lock:
        thread = _builds.get(key)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(
                target=_build,
                args=(app, app.config["PUBLIC_URL"] or request.host_url, fmt),
                name=f"opendata-{fmt}",
                daemon=True,
            )
            _builds[key] = thread
            thread.start()
    return thread


def _preparing() -> Response:
    """The file is still being built: come back shortly."""
    page = render_template(
        "errors/error.html",
        code=503,
        title=_("Файл готується"),
        message=_(
            "Таблицю саме формують заново, бо архів змінився. Спробуйте завантажити її за хвилину."
        ),
    )
    return Response(page, status=503, headers={"Retry-After": "30", "Cache-Control": "no-store"})


@bp.get("/opendata/heroes.<any(csv, xlsx):fmt>")
def download(fmt: str):
    """The published archive as a file, built when the archive has changed since the last."""
    data_dir = current_app.config["DATA_DIR"]
    deadline = time.monotonic() + float(current_app.config["OPEN_DATA_BUILD_WAIT"])
    while True:
        db.session.rollback()  # read the version afresh, not from an earlier snapshot
        path = opendata.built_file(db.session, data_dir, fmt)
        if path is not None:
            try:
                handle = open(path, "rb")  # noqa: SIM115 (send_file closes it)
                break
            except FileNotFoundError:  # a newer version replaced it meanwhile: take that one
                continue
        build = _building(fmt)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _preparing()
        build.join(remaining)
    stat = os.fstat(handle.fileno())
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    response = send_file(
        handle,
        mimetype=opendata.FORMATS[fmt].mimetype,
        as_attachment=True,
        download_name=f"memorial-heroes-{today_in_kyiv(modified).isoformat()}.{fmt}",
        conditional=True,
        etag=f"{path.stem}-{stat.st_size}-{int(stat.st_mtime)}",
        last_modified=modified,
        max_age=0,
    )
    if response.status_code == 200:
        response.content_length = stat.st_size
    response.cache_control.no_cache = True
    response.cache_control.public = True
    return response
