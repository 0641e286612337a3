"""What a search backend provides: index maintenance and the primitives the algorithm uses.

The search algorithm (:mod:`.algorithm`) decides what a query means; a backend only
translates those decisions into its own queries (Whoosh query objects, SQL on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from .documents import HeroDocument
from .query import SearchPage, SearchRequest

#: Where a term is looked up: the exact (Cyrillic) forms of names and call signs, the Latin
#: terms of the transliterated names, or the running text.
TermField = Literal["exact", "latin", "text"]

#: What a backend reads through during one search (a Whoosh searcher, a database connection).
Session = TypeVar("Session")
#: One word or phrase of a query in the backend's own terms (a Whoosh query, a tsquery).
Part = TypeVar("Part")


@dataclass(frozen=True)
class Word:
    """One typed word and every term the algorithm lets it match."""

    typed: str
    #: ``language.exact_term``: the exact form of a name or call sign.
    exact: str
    #: ``language.name_terms``: inflections, lemmas and the surname stem.
    name_terms: tuple[str, ...]
    #: ``language.text_terms``: terms of the running text, places and unit (maybe none).
    text_terms: tuple[str, ...]
    #: ``language.latin_terms`` for a Latin word; ``None`` for a Cyrillic word or a number.
    latin_terms: tuple[str, ...] | None
    #: The year of birth or death a typed number names, scored ``YEAR_SCORE``.
    year: int | None
    #: The field the near spellings were found in (``"exact"`` or ``"latin"``).
    near_field: TermField
    #: Near spellings present in the index with their Damerau distance, scored
    #: ``FUZZY_SCORE[distance]``, in the order found; a spelling near two Latin terms of the
    #: word comes once for each.
    near: tuple[tuple[str, int], ...]
    #: Whether the word may be the beginning of a name still being typed (the last word of
    #: a query), scored ``PREFIX_SCORE``.
    prefix: bool = False
    #: Keys of a typed date (``understanding.DateHint.keys``) with their scores; a date is
    #: a word of its own, with no text.
    dates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Filters:
    """What every result must be, besides matching the words (all must hold)."""

    death_year: int | None = None
    birth_year: int | None = None
    #: The surname's first letter, case-folded (Ґ stays apart from Г).
    letter: str | None = None
    #: ``(FACET_FIELDS key, facet_value)`` pairs, by key.
    facets: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.death_year or self.birth_year or self.letter or self.facets)


class SearchBackend(Protocol[Session, Part]):
    """An index of published heroes: maintained by :mod:`.sync`, searched by :mod:`.algorithm`."""

    #: A short name (``"whoosh"``, ``"postgres"``).
    name: str

    # -- maintenance ----------------------------------------------------------------------
    def write_lock(
        self, blocking: bool = True, timeout: float = 60.0
    ) -> AbstractContextManager[None]:
        """Hold the single writer lock across processes; ``IndexBusy`` when it cannot be had."""
        ...

    def apply(self, docs: list[HeroDocument], removed: list[int]) -> None:
        """With the lock held: add or replace ``docs`` and drop ``removed`` in one commit."""
        ...

    def rebuild(
        self,
        docs: Iterable[HeroDocument],
        progress: Callable[[int], None] | None = None,
        size_hint: int = 0,
    ) -> None:
        """With the lock held: replace the whole content, swapped in whole when done."""
        ...

    def digests(self) -> dict[int, str]:
        """Every indexed hero id with the ``HeroDocument.digest`` it was indexed from."""
        ...

    def doc_count(self) -> int:
        """How many heroes are indexed."""
        ...

    def analysis_version(self) -> int:
        """The ``understanding.ANALYSIS_VERSION`` the index was built by (1 when unknown)."""
        ...

    # -- search primitives ----------------------------------------------------------------
    def reading(self) -> AbstractContextManager[Session]:
        """A read session on the latest committed content, for one whole search."""
        ...

    def near_terms(
        self, session: Session, field: TermField, term: str, budget: int
    ) -> Iterable[str]:
        """Indexed terms of ``field`` that may lie within ``budget`` edits of ``term``, first
        letter kept; candidates only (the algorithm measures the true distance)."""
        ...

    def heroes_with(self, session: Session, field: TermField, term: str) -> int:
        """How many indexed heroes have ``term`` in ``field`` (0 when none)."""
        ...

    def word_part(self, session: Session, word: Word) -> Part:
        """A part matching any term of ``word``, scored by the tiers of :mod:`.query`."""
        ...

    def phrase_part(self, session: Session, phrase: list[str], inflected: bool) -> Part:
        """A part matching ``phrase`` in order in a name or the running text; as typed, or
        with ``inflected`` in any inflection of each word."""
        ...

    def run(
        self,
        session: Session,
        parts: Sequence[Part],
        filters: Filters,
        req: SearchRequest,
        partial: bool,
    ) -> SearchPage:
        """One page of the heroes matching every part (``partial``: any part, those matching
        more parts first, then by relevance), filtered, ordered, counted and faceted as
        ``req`` asks; with no parts, every hero passing the filters."""
        ...
