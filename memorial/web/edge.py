"""What comes in at the edge, cleaned once for every page, form and API call.

Control characters have no place in what a person types: a NUL byte breaks PostgreSQL, CR/LF
in a parameter can split a header, and either one stored in a hero's field makes an archive
that cannot be exported and imported again. A query string carrying one is refused (400);
form fields lose them as they are parsed, before any view or form sees them, keeping a text's
tabs and line breaks (as ``\\n``: line ends are normalised), since families paste text
from anywhere. Ids in URLs are bounded to what the database stores, so an id too large for
it is a plain 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from .errors import Refused

#: The largest id, year or number a URL may carry: PostgreSQL's ``integer``.
MAX_ID = 2**31 - 1
#: Every C0 control character and DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
#: The same but tab and line feed, which a text typed into a form may carry.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_parameter(value: str) -> str:
    """A query parameter without any control character."""
    return _CONTROL.sub("", value)


def clean_text(value: str) -> str:
    """Text typed into a form: line ends as ``\\n``, no other control character."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL_IN_TEXT.sub("", value)


class FormValues(ImmutableMultiDict):
    """Form fields, cleaned as they are parsed (files are left as they are)."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(_cleaned(mapping, clean_text))


def _cleaned(mapping: Any, clean: Callable[[str], str]) -> Any:
    """``mapping`` (pairs, as Werkzeug's parsers pass them, or a dict) with strings cleaned."""
    if mapping is None:
        return None
    pairs = mapping.items() if isinstance(mapping, dict) else mapping
    return [
        (clean(k) if isinstance(k, str) else k, clean(v) if isinstance(v, str) else v)
        for k, v in pairs
    ]


class ArchiveRequest(Request):
    """A request whose form fields arrive without control characters."""

    parameter_storage_class = FormValues


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs: a non-negative number the database can hold, else a 404."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_control_characters() -> None:
    """A query string with a control character in it is refused before anything reads it.

    Nobody types one into an address: it is an attack (CR/LF to split a header, NUL to break
    a query) or a broken link, and cutting it out would quietly answer another question.
    """
    if _CONTROL.search(unquote_plus(request.query_string.decode("latin-1"))):
        raise Refused(_("Адреса сторінки містить недопустимі символи."))


def init_app(app: Flask) -> None:
    """Clean what comes in; call before any blueprint is registered (URL rules bind then)."""
    app.request_class = ArchiveRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)
