"""Search: the only package that knows an index exists.

The database is the truth; an index holds one :class:`HeroDocument` per *published* hero
(built by :func:`build_document`) and can always be rebuilt. The outbox in :mod:`.sync`
keeps it in step with commits. Everything a backend must agree on lives in backend-neutral
code: :mod:`memorial.language` (the one analysis pipeline), :mod:`.documents` (what is
indexed, ``facet_value``), :mod:`.query` (``SearchRequest``/``SearchPage``,
``parse_query``, ``typo_budget``, ``damerau``, the score tiers) and :mod:`.algorithm`, the
one search algorithm.

The split: :func:`search` runs :func:`.algorithm.search` over the app's backend. The
algorithm makes every decision below (what a word may match, which near spellings count and
their Damerau distance, the score tier of each match, the phrase and partial fallbacks, the
terms and the suggestion); a backend only translates them into its own queries.
:class:`.backend.SearchBackend` is the typed interface, with the neutral
:class:`.backend.Word` (a typed word with every term it may match) and
:class:`.backend.Filters`. Backends: ``WhooshBackend`` (:mod:`.whoosh_backend`, the
default) and ``PostgresBackend`` (:mod:`.postgres_backend`, ``SEARCH_BACKEND=postgres``).

Maintenance, used by :mod:`.sync` and the ``reindex``/``check`` commands:

``name``
    A short name (``"whoosh"``, ``"postgres"``).
``write_lock(blocking=True, timeout=60.0)``
    A context manager holding the backend's single writer lock across processes; raises
    :class:`IndexBusy` when it cannot be had (at once when ``blocking`` is false).
``apply(docs, removed)``
    With the lock held: add or replace ``docs`` (by ``id``) and drop the ``removed`` ids, all
    in one atomic commit; visible to searches started after it returns.
``rebuild(docs, progress=None, size_hint=0)``
    With the lock held: replace the whole content by ``docs`` (an iterable, possibly long;
    call ``progress(1)`` per document). Searches keep answering from the old content until the
    new one is swapped in whole. ``size_hint`` is the expected count (to choose parallelism).
``digests() -> dict[int, str]``
    Every indexed id with the ``HeroDocument.digest`` it was indexed from (for ``check``).
``doc_count() -> int``
    How many heroes are indexed.

Search primitives, used only by :mod:`.algorithm` (each takes the session of ``reading``):

``reading()``
    A context manager giving a read session on the latest committed content (a Whoosh
    searcher, a database connection) for one whole search.
``near_terms(session, field, term, budget)``
    Candidate near spellings of ``term`` indexed in ``field`` (``"exact"`` names,
    ``"latin"`` names, ``"text"``), first letter kept; the algorithm measures the distance.
``heroes_with(session, field, term) -> int``
    How many heroes have ``term`` in ``field`` (for suggestions).
``word_part(session, word)`` / ``phrase_part(session, phrase, inflected)``
    A backend query for one :class:`.backend.Word` or one phrase (as typed, or in any
    inflection of each word), scored by the tiers of :mod:`.query`.
``run(session, parts, filters, req, partial) -> SearchPage``
    One page of the heroes matching every part, or with ``partial`` any part (more matched
    parts first, then relevance), filtered, ordered, counted and faceted as ``req`` asks.

Each backend also keeps ``search(req)``, which runs the algorithm over itself.

:func:`search` has these semantics (tests in ``tests/test_search_*.py`` hold every backend
to them):

* ``parse_query(req.q)`` gives words and ``"quoted phrases"``; no input is an error. With
  no words, no phrases and no filter the page is empty (``total`` 0).
* A word matches a hero when any of these match: the name/call-sign exact form
  (``language.exact_term``), any name term (``language.name_terms``: inflections,
  lemmas, surname stems; apostrophes and ґ/г never matter), for a Latin word its
  ``language.latin_terms`` against the transliterated name, call sign included, the
  running text, places or unit (``language.text_terms``), or, for a word of four letters
  or more, a name form within ``typo_budget`` Damerau edits (first letter kept;
  Cyrillic words against Cyrillic names, Latin words against Latin names).
* A phrase matches its words in order, consecutive, in the name or the running text;
  as typed first, in any inflection of each word when that finds nothing.
* Before words are matched, :mod:`.understanding` rewrites the query: dates are taken out
  and match the heroes who died (or, with "народився", were born) that day or month,
  scored ``DATE_SCORE``, or that year; ordinal endings leave numbers (``93-тя``); Roman
  award degrees become Arabic; function words are dropped from loose words. A Cyrillic word
  also matches, as an inflected name, the Ukrainian names a Russian spelling or an everyday
  name stands for (``Евгений``, ``Сергеевич``, ``Саша``). The last word, when no space
  follows it, also matches names it begins (``PREFIX_SCORE``). A Latin query that finds
  fewer than ``SUGGEST_BELOW`` heroes is tried as typed on the Ukrainian and the Russian
  keyboard layouts; the better of those that find more is returned, with the converted
  query as the suggestion. Units are indexed with their abbreviations written out and back
  and a brigade's honorary name beside its number.
* Heroes matching every word and phrase come first. When none does and there are several
  parts, or fewer than ``FILL_BELOW`` do and there are three parts or more (a phrase
  rather than a name), the heroes matching any follow, those matching more parts first,
  then by relevance; ``partial=True`` when none matched all.
* Relevance: a name matched exactly scores ``NAME_SCORE["exact"]``, by inflection or in
  Latin ``NAME_SCORE["inflected"]``, by a near spelling ``FUZZY_SCORE[distance]``; text,
  places and unit add their own (BM25-like) score below those; stories are text of their
  hero.
* Filters (all must hold): ``death_year``/``birth_year`` equal; ``letter`` equal to the
  surname's first letter (any case; Ґ is its own letter); each ``req.filters[key]`` for a key
  of ``FACET_FIELDS`` equal to ``facet_value`` of that field.
* Order: ``relevance`` (best first; with no words, by name), ``name`` (``sort_name``
  ascending), ``death`` (``death_sort`` descending, latest death first).
* ``total`` counts all matches; ``hits`` are page ``req.page`` of ``req.per_page``.
* ``facets`` (only when ``req.facets``): for ``death_year``, ``birth_year`` and every
  ``FACET_FIELDS`` key, ``{value as str: number of matching heroes}`` over all matches
  with the filters applied; empty values left out.
* ``terms``: the query's words (phrases' too) plus the near spellings that matched, for
  snippets. ``suggestion``: when there are words and fewer than ``SUGGEST_BELOW``
  matches, the query with each word that is in no name and no text replaced by the
  nearest name form in the index (smallest distance, then most heroes, then
  alphabetically), capitalised as typed; ``None`` when nothing would change. The year
  a typed number names (1900–2100) also matches the years of birth and death, scoring
  ``YEAR_SCORE``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from . import algorithm
from .backend import SearchBackend
from .documents import HeroDocument, build_document
from .query import Hit, IndexBusy, SearchPage, SearchRequest, parse_query
from .sync import IndexSync, install
from .whoosh_backend import WhooshBackend

__all__ = [
    "HeroDocument",
    "Hit",
    "IndexBusy",
    "SearchPage",
    "SearchRequest",
    "backend_for",
    "build_document",
    "index_sync",
    "init_app",
    "parse_query",
    "search",
]


def init_app(app: Flask) -> None:
    """Attach the configured backend and the index sync to the app."""
    install(app)


def backend_for(app: Flask) -> SearchBackend[Any, Any]:
    """The search backend of ``app`` (created on first use, one per app)."""
    backend: SearchBackend[Any, Any] | None = app.extensions.get("memorial.search_backend")
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
    """Run a search with the one algorithm over the current app's backend."""
    return algorithm.search(backend_for(current_app), request)
