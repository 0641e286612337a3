"""Public pages kept rendered until what they show changes.

A visitor's page (home, lists, profiles, search, the JSON API, sitemaps) is rendered once and
then served from a cache shared by the app's workers (``MEMORIAL_CACHE_URI``: ``memory://``
keeps pages in each worker, ``redis://…`` shares them between workers and machines, ``none``
turns the cache off). Every key carries the *content version*, a random number in the
database that the change tracker (:mod:`memorial.changes`) replaces after each commit that
changed a hero, story, photo or award, and after each batch the search index takes in; a new
version retires every cached page at once. This module only reads the versions: it is HTTP.
Candles have a version of their own, carried only by the pages that count them (home and
profiles). A worker reads the versions at most once per ``PAGE_CACHE_RECHECK`` seconds, so a
change made through another worker shows everywhere within that time; the worker that made
the change sees it at once.

A page is never cached when it carries a one-time message for the visitor, changes the
session, or is anything but a plain 200. Cached pages get an ``ETag``, so a phone that
already holds a page is answered with an empty 304.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlencode

from cachelib import SimpleCache
from flask import Flask, current_app, g, request, session
from flask_caching import Cache
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import ImmutableMultiDict

from ..changes import CANDLES, CONTENT, Changed, read_versions, tracker
from ..clock import today_in_kyiv
from ..extensions import db
from ..search.documents import FACET_FIELDS
from .i18n import current_language

log = logging.getLogger(__name__)

#: The query arguments of the search page and the search API (see ``finder.parse_search_args``).
SEARCH_ARGS = (
    "q",
    "page",
    "per_page",
    "sort",
    "letter",
    "facets",
    "death_year",
    "birth_year",
    *FACET_FIELDS,
)
#: Pages of one kind that one version may hold at most, whatever ``PAGE_CACHE_MAX_PAGES``
#: says: a site has a handful of robots files and sitemaps, never thousands.
_FEW = 20


class Kind(NamedTuple):
    """What the cache knows of one cached endpoint."""

    #: The query arguments its page reads; every other one is dropped before the view runs,
    #: so ``?utm_source=…`` or ``?x=1`` never make a new page (nor show up in its links).
    args: tuple[str, ...] = ()
    #: At most this many of its pages per content version (``None``: ``PAGE_CACHE_MAX_PAGES``).
    max_pages: int | None = None


#: Endpoints whose GET responses are the same for every anonymous visitor.
PAGE_KINDS: dict[str, Kind] = {
    "public.index": Kind(),
    "public.heroes": Kind(("letter", "page")),
    "public.years": Kind(),
    "public.by_year": Kind(("page",)),
    "public.group_index": Kind(),
    "public.by_group": Kind(("page",)),
    "public.by_day": Kind(("page",)),
    "public.hero": Kind(("at",)),
    "veterans.index": Kind(("letter", "page")),
    "veterans.profile": Kind(),
    "graves.cemeteries": Kind(),
    "graves.cemetery": Kind(),
    "graves.sector_plan": Kind(("grave",)),
    "public.search_page": Kind(SEARCH_ARGS),
    "api.api_search": Kind(SEARCH_ARGS),
    "api.api_hero": Kind(),
    "feeds.atom": Kind(max_pages=_FEW),
    "feeds.calendar": Kind(max_pages=_FEW),
    "feeds.hero_calendar": Kind(),
    "seo.robots": Kind(max_pages=_FEW),
    "seo.sitemap_index": Kind(max_pages=_FEW),
    "seo.sitemap_pages": Kind(max_pages=_FEW),
    "seo.sitemap_heroes": Kind(max_pages=10 * _FEW),
}
CACHED_ENDPOINTS = frozenset(PAGE_KINDS)
#: Query arguments every page understands (read by the language choice, not the view).
_EVERY_PAGE_ARGS = {"lang": ("uk", "en")}
#: Endpoints whose pages show candle counts.
CANDLE_PAGES = frozenset({"public.index", "public.hero"})
#: Response headers that belong to one visitor or one moment, never kept with a page.
_NOT_KEPT = frozenset({"set-cookie", "content-length", "date"})

cache = Cache()
#: endpoint -> function of the view arguments giving the part of a page that differs by
#: visitor (``""`` when it does not); registered with :func:`varies_by`.
_VARIANTS: dict[str, Callable[..., str]] = {}


def varies_by(endpoint: str):
    """Register what makes ``endpoint``'s page differ between anonymous visitors."""

    def register(func: Callable[..., str]) -> Callable[..., str]:
        _VARIANTS[endpoint] = func
        return func

    return register


class PageCache:
    """The page cache of one app: its versions as this worker last read them."""

    #: Seconds the cache is left alone after it failed to answer.
    PAUSE_AFTER_FAILURE = 30.0

    def __init__(self, app: Flask) -> None:
        self.enabled = app.config["CACHE_URI"].lower() not in ("none", "off", "")
        self.recheck = float(app.config["PAGE_CACHE_RECHECK"])
        self.max_pages = int(app.config["PAGE_CACHE_MAX_PAGES"])
        self.timeout = int(app.config["PAGE_CACHE_TIMEOUT"])
        self._versions: dict[int, int] | None = None
        self._read_at = 0.0
        self._paused_until = 0.0
        # With a shared cache server, the pages this worker served last are also kept in
        # its own memory: a key names one version of one page, so a copy is never stale.
        shared = not app.config["CACHE_URI"].startswith("memory://")
        self.near = (
            SimpleCache(
                threshold=int(app.config["PAGE_CACHE_NEAR"]),
                default_timeout=int(app.config["PAGE_CACHE_TIMEOUT"]),
            )
            if shared and self.enabled
            else None
        )

    def get(self, key: str):
        """The page kept under ``key``: from this worker's memory, else the cache."""
        if self.near is not None:
            kept = self.near.get(key)
            if kept is not None:
                return kept
        kept = cache.get(key)
        if kept is not None and self.near is not None:
            self.near.set(key, kept)
        return kept

    def set(self, key: str, page) -> None:
        """Keep a page under ``key``."""
        if self.near is not None:
            self.near.set(key, page)
        cache.set(key, page)

    def room_for(self, counter: str, cap: int) -> bool:
        """Count one more page stored under ``counter``; whether it stays within ``cap``.

        The counter lives beside the pages (in Redis, shared by every worker) and expires
        with them; its name carries the version, so a new version starts from nought.
        """
        backend = cache.cache
        client = getattr(backend, "_write_client", None)
        if client is not None:  # Redis: one round trip, atomic across workers
            name = backend.key_prefix + counter
            pipe = client.pipeline()
            pipe.incr(name)
            pipe.expire(name, self.timeout)
            stored = int(pipe.execute()[0])
        else:
            stored = int(backend.inc(counter) or 0)
        if stored == cap + 1:
            log.warning(
                "page cache: %s already holds %d pages of this version; "
                "further ones are rendered without being kept",
                counter.split(":")[2],
                cap,
            )
        return stored <= cap

    def usable(self) -> bool:
        """Whether to use the cache now: on, and not paused after a failure."""
        return self.enabled and time.monotonic() >= self._paused_until

    def failed(self, what: str) -> None:
        """The cache or the version could not be read: render without it for a while."""
        log.warning(
            "page cache %s; pages are rendered without it for %.0f s",
            what,
            self.PAUSE_AFTER_FAILURE,
            exc_info=True,
        )
        self._paused_until = time.monotonic() + self.PAUSE_AFTER_FAILURE

    def versions(self) -> dict[int, int]:
        """The versions, read again when older than ``recheck`` seconds."""
        now = time.monotonic()
        if self._versions is None or now - self._read_at >= self.recheck:
            self._versions = read_versions(db.session)
            self._read_at = now
        return self._versions

    def forget_version(self) -> None:
        """Read the versions afresh next time (this worker has just replaced one)."""
        self._versions = None

    def committed(self, changed: Changed) -> None:
        """After a commit of this worker that retired a version, read the versions afresh."""
        if changed.versions:
            self.forget_version()


def health() -> str:
    """The page cache's state for ``/healthz``: ``ok``, ``unreachable`` or ``off``."""
    state = page_cache()
    if not state.enabled:
        return "off"
    client = getattr(cache.cache, "_write_client", None)
    if client is None:  # this worker's memory
        return "ok"
    try:
        client.ping()
    except Exception:
        return "unreachable"
    return "ok"


def _cache_config(app: Flask) -> dict:
    """Flask-Caching settings for ``MEMORIAL_CACHE_URI``."""
    uri = app.config["CACHE_URI"]
    timeout = int(app.config["PAGE_CACHE_TIMEOUT"])
    if uri.startswith(("redis://", "rediss://", "unix://")):
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": uri,
            "CACHE_KEY_PREFIX": app.config["PAGE_CACHE_PREFIX"],
            "CACHE_DEFAULT_TIMEOUT": timeout,
            # A cache server that stops answering must not hold pages up.
            "CACHE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    if uri.lower() in ("none", "off", ""):
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    if uri != "memory://":
        raise ValueError(f"MEMORIAL_CACHE_URI must be memory://, redis://… or none, not {uri!r}")
    return {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_THRESHOLD": int(app.config["PAGE_CACHE_SIZE"]),
        "CACHE_DEFAULT_TIMEOUT": timeout,
    }


def page_cache(app: Flask | None = None) -> PageCache:
    """The page cache state of ``app`` (default: the current app)."""
    return (app or current_app).extensions["memorial.page_cache"]


def _normalise_args(kind: Kind) -> None:
    """Keep only the query arguments the page reads (first value each, in a fixed order):
    the view, its links and the cache key all see the same arguments."""
    args = request.args
    kept = [(name, args[name]) for name in sorted(kind.args) if args.get(name)]
    for name, allowed in _EVERY_PAGE_ARGS.items():
        if args.get(name) in allowed:
            kept.append((name, args[name]))
    if kept != list(args.items(multi=True)):
        request.args = ImmutableMultiDict(kept)  # type: ignore[misc]


def _page_key(state: PageCache) -> tuple[str, str] | None:
    """The cache key of this request's page and the counter of its kind and version, or
    ``None`` when it must be rendered afresh."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if "_flashes" in session:  # a one-time message is shown on this page
        return None
    variant = _VARIANTS.get(request.endpoint)
    versions = state.versions()
    candles = versions[CANDLES] if request.endpoint in CANDLE_PAGES else 0
    environ = request.environ  # the raw address: cheaper than Werkzeug's decoded URLs
    parts = (
        str(versions[CONTENT]),
        str(candles),
        current_language(),
        today_in_kyiv().isoformat(),
        environ["wsgi.url_scheme"],
        request.host,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        urlencode(list(request.args.items(multi=True))),
        variant(**(request.view_args or {})) if variant else "",
    )
    key = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    counter = f"pages:count:{request.endpoint}:{versions[CONTENT]}:{candles}:{parts[3]}"
    return key, counter


def _serve_cached():
    """Answer from the cache when this page is there; otherwise note the key for later."""
    kind = PAGE_KINDS.get(request.endpoint or "")
    if kind is None:
        return None
    _normalise_args(kind)
    state = page_cache()
    if not state.usable():
        return None
    try:
        key = _page_key(state)
    except SQLAlchemyError:  # e.g. a database not yet upgraded to the content version
        db.session.rollback()
        state.failed("version unreadable")
        return None
    if key is None:
        return None
    key, g.page_cache_counter = key
    try:
        kept = state.get(key)
    except Exception:  # a cache that is down only costs rendering time
        state.failed("unreachable")
        return None
    if kept is None:
        g.page_cache_key = key
        return None
    status, headers, body = kept
    response = current_app.response_class(body, status=status, headers=headers)
    return response.make_conditional(request)


def _keep(response):
    """Store a freshly rendered page under the key noted before the view ran."""
    key = g.pop("page_cache_key", None)
    if request.endpoint not in CACHED_ENDPOINTS or response.status_code != 200:
        return response
    response.vary.update(("Cookie", "Accept-Language"))
    response.headers.setdefault("Cache-Control", "no-cache")
    if response.direct_passthrough:
        return response
    if "ETag" not in response.headers:
        response.add_etag()
    if key is not None and not session.modified and "_flashes" not in session:
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _NOT_KEPT
        ]
        state = page_cache()
        kind = PAGE_KINDS[request.endpoint]
        cap = min(state.max_pages, kind.max_pages or state.max_pages)
        try:
            if state.room_for(g.page_cache_counter, cap):
                state.set(key, (response.status_code, headers, response.get_data()))
        except Exception:
            state.failed("unreachable")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Attach the cache. Call last: serving from the cache comes after every other
    ``before_request`` hook (rate limits still apply), and keeping a page after every other
    ``after_request`` hook (the headers are final)."""
    cache.init_app(app, config=_cache_config(app))
    state = PageCache(app)
    app.extensions["memorial.page_cache"] = state
    tracker(app).follow(state.committed)
    app.before_request(_serve_cached)
    # Flask runs after-request hooks last-registered first: the first in the list runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, _keep)
