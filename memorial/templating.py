"""Template filters and helpers shared by every page."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import ngettext
from markupsafe import Markup, escape

from .dates import PartialDate, age_at_death
from .i18n import current_language


def partial_date(value: PartialDate | None) -> str:
    """A partial date in the interface language (``березень 1987``)."""
    return value.display(current_language()) if value else ""


def age(hero) -> str:
    """``37 років`` when birth and death allow an exact age, else an empty string."""
    years = age_at_death(hero.birth_date, hero.death_date)
    if years is None:
        return ""
    return ngettext("%(num)d рік", "%(num)d років", years)


def paragraphs(text: str | None) -> Markup:
    """Plain text with blank-line paragraphs as escaped ``<p>`` elements."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup("<p>") + Markup("<br>").join(escape(line) for line in p.split("\n"))
        + Markup("</p>") for p in parts)


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (``None`` removes one)."""
    args = {**(request.view_args or {}), **request.args.to_dict(), **changes}
    args = {k: v for k, v in args.items() if v is not None}
    if request.endpoint is None or request.url_rule is None:
        return url_for("public.index", **{k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    """Register the filters and helpers."""
    app.add_template_global(url_with, "url_with")
    app.add_template_filter(partial_date, "pdate")
    app.add_template_filter(age, "age")
    app.add_template_filter(paragraphs, "paragraphs")
