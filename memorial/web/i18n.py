"""Interface language: Ukrainian first, English for relatives abroad.

Messages are written in Ukrainian in the code and templates; ``translations/en`` holds
their English form, and ``translations/uk`` only the Ukrainian plural forms.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale

from ..extensions import babel

LANG_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """``?lang=`` first, then the remembered choice, then the browser's, then Ukrainian
    (also outside a request: a command or a worker says otherwise with ``force_locale``)."""
    if not has_request_context():
        return "uk"
    languages = ("uk", "en")
    asked = request.args.get("lang")
    if asked in languages:
        g.lang_chosen = asked
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in languages:
        return remembered
    return request.accept_languages.best_match(languages, default="uk") or "uk"


def current_language() -> str:
    """Two-letter code of the interface language of this request."""
    return str(get_locale() or "uk")[:2]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and remember a language chosen with ``?lang=``."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )

    @app.after_request
    def remember_language(response):
        # Also when the page never rendered text (a redirect), so the next page keeps the choice.
        asked = request.args.get("lang")
        chosen = g.get("lang_chosen") or (asked if asked in ("uk", "en") else None)
        if chosen and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=ONE_YEAR,
                samesite="Lax",
                secure=request.is_secure,
                httponly=True,
            )
        return response

    @app.context_processor
    def language_context():
        return {"lang": current_language()}
