"""Search: the only package that knows an index exists.

A small interface over interchangeable backends (``apply``, ``rebuild``, ``search``,
``digests``) and the outbox that keeps the index in step with commits.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .documents import HeroDocument, build_document
from .query import Hit, SearchPage, SearchRequest, parse_query
from .sync import IndexSync, install
from .whoosh_backend import IndexBusy, WhooshBackend

__all__ = [
    "HeroDocument", "Hit", "IndexBusy", "SearchPage", "SearchRequest", "backend_for",
    "build_document", "index_sync", "init_app", "parse_query", "search",
]


def init_app(app: Flask) -> None:
    """Attach the configured backend and the index sync to the app."""
    install(app)


def backend_for(app: Flask):
    """The search backend of ``app`` (created on first use, one per app)."""
    backend = app.extensions.get("memorial.search_backend")
    if backend is None:
        name = app.config["SEARCH_BACKEND"]
        if name == "whoosh":
            backend = WhooshBackend(Path(app.config["DATA_DIR"]) / "search")
        else:
            from .postgres_backend import PostgresBackend

            backend = PostgresBackend(app)
        app.extensions["memorial.search_backend"] = backend
    return backend


def index_sync(app: Flask | None = None) -> IndexSync:
    """The outbox drainer of the app."""
    return (app or current_app).extensions["memorial.index_sync"]


def search(request: SearchRequest) -> SearchPage:
    """Run a search against the current app's backend."""
    return backend_for(current_app).search(request)
