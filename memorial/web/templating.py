"""Template filters and helpers shared by every page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_number, ngettext
from markupsafe import Markup, escape

from ..dates import PartialDate, age_at_death, day_key, day_month
from ..language import slugify
from ..records import public_view
from . import labels
from .i18n import current_language


def partial_date(value: PartialDate | str | None) -> str:
    """A partial date (or its ISO text, as a veteran's service periods keep it) in the
    interface language (``березень 1987``)."""
    if isinstance(value, str):
        value = PartialDate.parse(value)
    return value.display(current_language()) if value else ""


def age(hero) -> str:
    """``37 років`` when birth and death allow an exact age, else an empty string."""
    years = age_at_death(hero.birth_date, hero.death_date)
    if years is None:
        return ""
    return ngettext("%(num)d рік", "%(num)d років", years)


def paragraphs(text: str | None) -> Markup:
    """Plain text with blank-line paragraphs as escaped ``<p>`` elements.

    A paragraph in another language than the page's says so (a biography may mix both).
    """
    if not text:
        return Markup("")
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup("<p%s>") % lang_attr(p)
        + Markup("<br>").join(escape(line) for line in p.split("\n"))
        + Markup("</p>")
        for p in parts
    )


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (``None`` removes one)."""
    args = {**(request.view_args or {}), **request.args.to_dict(), **changes}
    args = {k: v for k, v in args.items() if v is not None}
    if request.endpoint is None or request.url_rule is None:
        return url_for("public.index", **{k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **args)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


def text_language(text: str | None) -> str | None:
    """The language hero data is written in, guessed from its letters: ``uk``, ``en`` or ``None``.

    Hero data stays as entered, so an English page quoting it must say it is Ukrainian (and a
    volunteer's English story on a Ukrainian page must say it is English) for screen readers.
    """
    if not text:
        return None
    if _CYRILLIC.search(text):
        return "uk"
    return "en" if _LATIN.search(text) else None


def lang_attr(*texts: str | None) -> Markup:
    """`` lang="uk"`` when the texts are in another language than the page, else nothing."""
    found = {text_language(t) for t in texts} - {None}
    if len(found) != 1:
        return Markup("")
    language = found.pop()
    if language == current_language():
        return Markup("")
    return Markup(' lang="%s"') % language


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page as the public reaches it: under ``PUBLIC_URL`` when
    it is set (a QR code printed from a staff machine must not carry its host)."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def number(value: int) -> str:
    """A number formatted for the interface language (``12 345`` or ``12,345``)."""
    return format_number(value)


def static_url(filename: str) -> str:
    """The URL of a static file with a content hash, so it can be cached for a year."""
    cache = current_app.extensions.setdefault("memorial.static_hashes", {})
    digest = cache.get(filename)
    if digest is None:
        path = Path(current_app.static_folder or "") / filename
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except OSError:
            digest = ""
        if not current_app.debug:
            cache[filename] = digest
    return url_for("static", filename=filename, v=digest or None)


def full_date(value: dt.date) -> str:
    """A calendar date in the interface language (``28 листопада 2026``)."""
    return PartialDate(value.year, value.month, value.day).display(current_language())


def day_of_year(value: dt.date) -> str:
    """A day of the year in the interface language, without its year (``14 березня``)."""
    return day_month(value.month, value.day, current_language())


def init_app(app: Flask) -> None:
    """Register the filters and helpers."""
    from .seo import person_jsonld

    app.add_template_global(person_jsonld, "person_jsonld")
    app.add_template_global(slugify, "slug")
    app.add_template_filter(full_date, "fdate")
    app.add_template_filter(day_of_year, "daymonth")
    app.add_template_filter(day_key, "daykey")
    app.add_template_global(static_url, "static_url")
    app.add_template_global(lang_attr, "lang_attr")
    app.add_template_filter(number, "number")
    app.add_template_global(url_with, "url_with")
    app.add_template_global(public_url, "public_url")
    app.add_template_global(public_view, "public_view")
    app.add_template_filter(partial_date, "pdate")
    app.add_template_filter(age, "age")
    app.add_template_filter(paragraphs, "paragraphs")
    app.jinja_env.globals.update(labels.template_globals())
