"""Error pages in the visitor's language, and JSON errors for the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException

from ..extensions import db

log = logging.getLogger(__name__)


class Refused(BadRequest):
    """A request refused with a message written for people, in their language (shown on the
    error page, not only in the API's answer)."""


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors and for anything unexpected."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # What the exception itself says in headers stays: Allow on a 405, Retry-After on 429.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            return jsonify({"error": exc.description, "status": exc.code}), exc.code, headers
        message = exc.description if isinstance(exc, Refused) else None
        page = render_template(
            "errors/error.html", code=exc.code, title=_title(exc.code), message=message
        )
        return page, exc.code, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s", request.path)
        if _wants_json():
            return jsonify({"error": "internal error", "status": 500}), 500
        return render_template("errors/error.html", code=500, title=_title(500)), 500


def _title(code: int | None) -> str:
    titles = {
        400: _("Запит не вдалося зрозуміти"),
        403: _("Доступ заборонено"),
        404: _("Сторінку не знайдено"),
        405: _("Так звернутися до сторінки не можна"),
        413: _("Файл завеликий"),
        429: _("Забагато запитів"),
        500: _("Сталася помилка на сайті"),
    }
    return titles.get(code or 500, _("Помилка"))
