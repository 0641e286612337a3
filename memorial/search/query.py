"""Search requests and results, shared by every backend."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import language

MAX_QUERY_CHARS = 500
MAX_WORDS = 16
SORTS = ("relevance", "name", "death")
_PHRASE_RE = re.compile(r'"([^"]+)"')


def damerau(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of neighbours counts as one edit)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


#: Fixed scores of name matches, above what running text scores (BM25 stays below ~30 here):
#: the exact form, then any inflection (or the Latin spelling), then a near spelling by its
#: distance. A word matching a name also adds its places/unit/text score on top.
NAME_SCORE = {"exact": 100.0, "inflected": 60.0}
FUZZY_SCORE = {1: 30.0, 2: 15.0}
#: A typed year that is the year of birth or death: above running text (BM25 stays below
#: ~30 here), below an inflected name.
YEAR_SCORE = 40.0
#: The beginning of a name (the last word, still being typed): every typed letter is right,
#: so above a near spelling and running text, below a whole name.
PREFIX_SCORE = 35.0
#: A typed date that is the day (or month) a hero died, or was born when the visitor says
#: "народився"; the other of the two dates scores half. A day's year adds ``YEAR_SCORE``.
DATE_SCORE = {"day": 90.0, "day of year": 60.0, "month": 45.0}
#: Below this many heroes matching every one of three words or more, those matching most
#: words are added after them (ranked by how many words match, then relevance).
FILL_BELOW = 5
#: Four-digit numbers in this range typed as a word also match the years of birth and death.
YEARS = range(1900, 2101)
#: Below this many results a "did you mean" suggestion is offered.
SUGGEST_BELOW = 3


def year_of(exact: str) -> int | None:
    """The year a typed word names (``"2022"``), or ``None``."""
    if len(exact) == 4 and exact.isdigit() and int(exact) in YEARS:
        return int(exact)
    return None


def typo_budget(word: str) -> int:
    """How many wrong letters a word may carry and still match: more for longer words."""
    n = len(word)
    if n <= 3:
        return 0
    return 1 if n <= 6 else 2


class IndexBusy(Exception):
    """Another process holds the index for writing."""


def acquire(try_once: Callable[[], bool], blocking: bool, timeout: float) -> None:
    """Call ``try_once`` until it takes the writer lock; ``IndexBusy`` when it cannot be had.

    Without ``blocking`` one try is made; otherwise tries repeat until ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while not try_once():
        if not blocking or time.monotonic() > deadline:
            raise IndexBusy("the search index is being written by another process")
        time.sleep(0.05)


@dataclass
class SearchRequest:
    """What a visitor asked for: words, filters, order and page."""

    q: str = ""
    page: int = 1
    per_page: int = 20
    death_year: int | None = None
    birth_year: int | None = None
    letter: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    facets: bool = False


@dataclass
class ParsedQuery:
    """A query taken apart: loose words and quoted phrases, each a list of words."""

    words: list[str]
    phrases: list[list[str]]

    @property
    def empty(self) -> bool:
        """True when there is nothing to match."""
        return not self.words and not self.phrases


def parse_query(text: str) -> ParsedQuery:
    """Split user input into words and ``"quoted phrases"``; no input is ever an error."""
    text = language.normalize(text or "")[:MAX_QUERY_CHARS]
    phrases = []
    for match in _PHRASE_RE.finditer(text):
        phrase = language.words(match.group(1))
        if len(phrase) > 1:
            phrases.append(phrase[:MAX_WORDS])
        elif phrase:
            text = text.replace(match.group(0), " " + phrase[0] + " ")
    rest = _PHRASE_RE.sub(" ", text) if phrases else text
    loose = language.words(rest)
    return ParsedQuery(words=loose[:MAX_WORDS], phrases=phrases[:4])


@dataclass
class Hit:
    """One found hero: its id and relevance score."""

    hero_id: int
    score: float = 0.0


@dataclass
class SearchPage:
    """One page of results, the total and, when asked, counts per filter value."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    partial: bool = False
    terms: list[str] = field(default_factory=list)
    suggestion: str | None = None
