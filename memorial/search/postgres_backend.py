"""The shared search backend: the index lives in PostgreSQL, so every app server sees one.

Words are analysed in Python by :mod:`memorial.language` with the very term functions of
the Whoosh fields (``exact_term``, ``name_terms``, ``latin_terms`` with their loose Latin
key, ``text_terms``, and word pairs around function words for phrases) and stored as a
``tsvector`` whose lexemes carry a field prefix, positions and a weight; a GIN index answers
the queries. Names score the fixed ``NAME_SCORE``/``FUZZY_SCORE`` of :mod:`.query`, running
text a rank below them. Candidates for misspelt names are looked up by trigram similarity
(``pg_trgm``) in a small table of the name words present in the index; the shared algorithm
(:mod:`.algorithm`) measures their Damerau distance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from .. import language
from ..extensions import db
from . import algorithm
from .backend import Filters, TermField, Word
from .documents import FACET_FIELDS, HeroDocument
from .query import (
    FUZZY_SCORE,
    NAME_SCORE,
    PREFIX_SCORE,
    YEAR_SCORE,
    Hit,
    SearchPage,
    SearchRequest,
    acquire,
)
from .understanding import ANALYSIS_VERSION

#: Key of the session-level advisory lock that admits one index writer at a time.
WRITE_LOCK_KEY = 0x6D656D6F  # "memo"
#: ts_rank weights of the labels D, C, B, A: running text, places and unit; names score by
#: the fixed ``NAME_SCORE``/``FUZZY_SCORE`` instead. The rank (divided by 1 + log of the
#: document length, as BM25 favours shorter texts) is mapped onto 0..TEXT_CAP, below the
#: lowest name score, as BM25 stays below it in the Whoosh index; TEXT_HALF gives half of it.
TEXT_WEIGHTS = "{0.1, 0.3, 0, 0}"
TEXT_CAP = 14.0
TEXT_HALF = 0.01
MAX_POSITIONS = 256  # PostgreSQL keeps at most this many positions of one lexeme
MAX_POSITION = 16383
MAX_LEXEME = 500
TRIGRAM_THRESHOLD = 0.12  # loose: the Damerau distance decides afterwards
BATCH = 500
#: Beyond this many matches of a query, only the heroes a name, year or date matches and
#: this many others are scored for the page (see ``_run``).
RANK_CAP = 200
#: The comment of the index table, followed by the analysis version the index was built by.
VERSION_NOTE = "memorial search analysis "
_COMMENT = f"COMMENT ON TABLE search_document IS '{VERSION_NOTE}{ANALYSIS_VERSION}'"
#: The lexeme prefix of each field the algorithm looks terms up in.
_PREFIXES: dict[TermField, str] = {"exact": "x", "latin": "l", "text": "t"}


# -- analysis -----------------------------------------------------------------------------
def _quote(lexeme: str) -> str:
    """A lexeme as a quoted ``tsvector``/``tsquery`` literal."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _lex(prefix: str, value: str) -> str:
    """A prefixed lexeme, cut to the length the index keeps (queries cut the same way)."""
    return f"{prefix}:{value}"[:MAX_LEXEME]


class _VectorBuilder:
    """Collects prefixed lexemes with positions and weights for one document."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, list[int]]] = {}

    def _put(self, lexeme: str, weight: str, pos: int) -> None:
        entry = self.entries.setdefault(lexeme, (weight, []))
        if len(entry[1]) < MAX_POSITIONS and (not entry[1] or entry[1][-1] != pos):
            entry[1].append(pos)

    def add(
        self,
        text_value: str,
        prefix: str,
        weight: str,
        variants: Callable[[str], Iterable[str]],
        start: int,
    ) -> None:
        """Add every word of ``text_value``: each position gets the word's indexed variants."""
        pos = start
        for word in language.words(text_value):
            pos = min(pos + 1, MAX_POSITION)
            for variant in dict.fromkeys(variants(word)):
                if variant:
                    self._put(_lex(prefix, variant), weight, pos)

    def add_pairs(self, text_value: str, start: int) -> None:
        """Neighbouring words as one lexeme when either is a function word ("common grams").

        The same pairs the Whoosh index keeps: a phrase typed with a function word is then
        matched as typed by plain lexemes, not by the positions of a very frequent word.
        """
        pos, previous, previous_common = start, None, False
        for word in language.words(text_value):
            exact = language.exact_term(word)
            common = exact in language.COMMON_WORDS
            if previous is not None and (previous_common or common):
                pos = min(pos + 1, MAX_POSITION)
                self._put(_lex("w", f"{previous} {exact}"), "D", pos)
            previous, previous_common = exact, common

    def literal(self) -> str:
        """The ``tsvector`` input text."""
        return " ".join(
            _quote(lexeme) + ":" + ",".join(f"{p}{weight}" for p in positions)
            for lexeme, (weight, positions) in self.entries.items()
        )


def _same(word: str) -> tuple[str, ...]:
    return (word,)


def _exact(word: str) -> tuple[str, ...]:
    return (language.exact_term(word),)


def document_lexemes(doc: HeroDocument) -> str:
    """The ``tsvector`` literal of a document; fields are kept apart by prefix and position.

    The terms are those of the Whoosh fields (``language.exact_term``, ``name_terms``,
    ``latin_terms``, ``text_terms``), so both backends match the same words.
    """
    names = " ".join(part for part in (doc.name, doc.call_sign) if part)
    vector = _VectorBuilder()
    vector.add(names, "x", "A", _exact, 0)
    vector.add(names, "n", "B", language.name_terms, 0)
    vector.add(doc.name_latin, "l", "B", language.latin_terms, 0)
    vector.add(doc.places, "p", "C", language.text_terms, 100)
    vector.add(doc.unit, "u", "C", language.text_terms, 1000)
    vector.add(doc.text, "t", "D", language.text_terms, 2000)
    vector.add_pairs(doc.text, 2000)
    vector.add(doc.dates, "d", "A", _same, 0)
    return vector.literal()


def name_terms(doc: HeroDocument) -> set[tuple[str, str]]:
    """The name words of a document for the misspelling lookup: ("x", Cyrillic), ("l", Latin)."""
    names = " ".join(part for part in (doc.name, doc.call_sign) if part)
    terms = {("x", language.exact_term(w)) for w in language.words(names)}
    terms |= {("l", t) for w in language.words(doc.name_latin) for t in language.latin_terms(w)}
    return {(f, t[:200]) for f, t in terms if t}


def _row(doc: HeroDocument) -> dict:
    row = {
        "hero_id": doc.id,
        "digest": doc.digest,
        "lexemes": document_lexemes(doc),
        "letter": doc.letter.casefold() if doc.letter else "",  # Ґ stays apart from Г
        "sort_name": doc.sort_name[:700],
        "birth_year": doc.birth_year,
        "death_year": doc.death_year,
        "death_sort": doc.death_sort,
    }
    for facet in FACET_FIELDS:
        row[f"f_{facet}"] = (doc.facets.get(facet) or "")[:300]
    return row


_COLUMNS = (
    "hero_id",
    "digest",
    "lexemes",
    "letter",
    "sort_name",
    "birth_year",
    "death_year",
    "death_sort",
    *(f"f_{f}" for f in FACET_FIELDS),
)
_INSERT = text(
    f"INSERT INTO search_document ({', '.join(_COLUMNS)}) VALUES ("
    + ", ".join("CAST(:lexemes AS tsvector)" if c == "lexemes" else f":{c}" for c in _COLUMNS)
    + ") ON CONFLICT (hero_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "hero_id")
)
_INSERT_TERM = text(
    "INSERT INTO search_term (field, term) VALUES (:field, :term) ON CONFLICT DO NOTHING"
)


# -- queries ------------------------------------------------------------------------------
def _any(lexemes: Iterable[str]) -> str:
    """A tsquery matching any of ``lexemes``."""
    unique = list(dict.fromkeys(lexemes))
    return "(" + " | ".join(_quote(x) for x in unique) + ")"


def _any_of(prefix: str, terms: Iterable[str]) -> str:
    """A tsquery matching any of ``terms`` under one field prefix."""
    return _any(_lex(prefix, t) for t in terms if t)


def _sequence(prefix: str, words: list[str], forms: Callable[[str], Iterable[str]]) -> str:
    """Words in this order, consecutive, in one field: any of ``forms`` of each word."""
    return (
        "("
        + " <-> ".join(_any_of(prefix, forms(w) or (language.exact_term(w),)) for w in words)
        + ")"
    )


def _text_forms(word: str) -> tuple[str, ...]:
    return language.text_terms(word) or (language.exact_term(word),)


@dataclass
class _Part:
    """One word or phrase of a query: what it matches, what it scores and its text terms."""

    match: str
    bonuses: list[tuple[str, float]] = field(default_factory=list)
    text: str | None = None
    #: A typed year: the part also matches heroes born or fallen that year (columns, not
    #: lexemes).
    year: int | None = None


class PostgresBackend:
    """Search in the ``search_document`` table of the app's PostgreSQL database."""

    name = "postgres"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The app's database engine (the index shares the database)."""
        if self._engine is None:
            with self.app.app_context():
                engine = db.engine
            if engine.dialect.name != "postgresql":
                raise RuntimeError(
                    "MEMORIAL_SEARCH_BACKEND=postgres needs a PostgreSQL MEMORIAL_DATABASE_URL"
                )
            self._engine = engine
        return self._engine

    def open(self) -> None:
        """Nothing to open: the index is a table of the database."""

    @contextmanager
    def write_lock(self, blocking: bool = True, timeout: float = 60.0) -> Iterator[None]:
        """Hold the one writer lock of the index: an advisory lock shared by every server."""
        conn = self.engine.connect()
        try:

            def try_lock() -> bool:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": WRITE_LOCK_KEY}
                ).scalar()
                conn.commit()
                return bool(got)

            acquire(try_lock, blocking, timeout)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": WRITE_LOCK_KEY})
                conn.commit()
        finally:
            conn.close()

    # -- writing ------------------------------------------------------------------------
    def _write(self, conn: Connection, docs: list[HeroDocument]) -> None:
        if not docs:
            return
        conn.execute(_INSERT, [_row(doc) for doc in docs])
        terms = set().union(*(name_terms(doc) for doc in docs))
        if terms:
            conn.execute(_INSERT_TERM, [{"field": f, "term": t} for f, t in sorted(terms)])

    def apply(self, docs: list[HeroDocument], removed: list[int]) -> None:
        """Add or replace ``docs`` and drop ``removed`` ids in one transaction."""
        if not docs and not removed:
            return
        with self.engine.begin() as conn:
            self._mark_if_new(conn)
            if removed:
                conn.execute(
                    text("DELETE FROM search_document WHERE hero_id = ANY(:ids)"),
                    {"ids": list(removed)},
                )
            self._write(conn, docs)

    def rebuild(
        self,
        docs: Iterable[HeroDocument],
        progress: Callable[[int], None] | None = None,
        size_hint: int = 0,
    ) -> None:
        """Replace the whole index in one transaction: searches see the old one until commit.

        ``size_hint`` (how many documents to expect) is accepted for the common interface;
        PostgreSQL needs no planning for it.
        """
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM search_document"))
            conn.execute(text("DELETE FROM search_term"))
            batch: list[HeroDocument] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= BATCH:
                    self._write(conn, batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            self._write(conn, batch)
            if progress and batch:
                progress(len(batch))
            # The analysis version, in the same transaction as the content it describes.
            conn.execute(text(_COMMENT))

    # -- reading ------------------------------------------------------------------------
    def digests(self) -> dict[int, str]:
        """Every indexed hero id with its content fingerprint."""
        with self.engine.connect() as conn:
            return dict(conn.execute(text("SELECT hero_id, digest FROM search_document")).all())

    def doc_count(self) -> int:
        """How many heroes the index holds."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM search_document")).scalar_one()

    @staticmethod
    def _mark_if_new(conn: Connection) -> None:
        """An index started empty by this code is of the current analysis: say so, as a
        rebuild does (an older index, not empty, keeps its older version until rebuilt)."""
        note = conn.execute(
            text("SELECT obj_description('search_document'::regclass, 'pg_class')")
        ).scalar()
        if (
            note is None
            and not conn.execute(text("SELECT EXISTS (SELECT FROM search_document)")).scalar()
        ):
            conn.execute(text(_COMMENT))

    def analysis_version(self) -> int:
        """The analysis version the index was built by (the table's comment; none: 1)."""
        with self.engine.connect() as conn:
            note = conn.execute(
                text("SELECT obj_description('search_document'::regclass, 'pg_class')")
            ).scalar()
        if note and note.startswith(VERSION_NOTE) and note[len(VERSION_NOTE) :].isdigit():
            return int(note[len(VERSION_NOTE) :])
        return 1

    # -- search primitives (the algorithm is in .algorithm) ---------------------------------
    def search(self, req: SearchRequest) -> SearchPage:
        """Run a request with the shared search algorithm."""
        return algorithm.search(self, req)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One connection (and transaction) for a whole search, with the trigram threshold."""
        with self.engine.connect() as conn:
            conn.execute(
                text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
                {"t": str(TRIGRAM_THRESHOLD)},
            )
            yield conn

    def near_terms(
        self, conn: Connection, field: TermField, term: str, budget: int
    ) -> Iterable[str]:
        """Name words in the index that may lie near ``term`` (first letter kept): trigrams
        find the candidates through a GIN index, the algorithm measures the distance."""
        return (
            conn.execute(
                text(
                    "SELECT term FROM search_term WHERE field = :f AND term % :w "
                    "AND left(term, 1) = left(:w, 1)"
                ),
                {"f": _PREFIXES[field], "w": term[:200]},
            )
            .scalars()
            .all()
        )

    def heroes_with(self, conn: Connection, field: TermField, term: str) -> int:
        """How many indexed heroes have ``term`` in ``field``."""
        return self._exists(conn, _any([_lex(_PREFIXES[field], term)]))

    def word_part(self, conn: Connection, word: Word) -> _Part:
        """Everything one typed word may match, scored like the Whoosh backend scores it.

        The exact name form earns ``NAME_SCORE["exact"]`` on top of the inflected one, an
        inflection or the Latin spelling ``NAME_SCORE["inflected"]``, a near spelling
        ``FUZZY_SCORE[distance]``; places, unit and text add a rank below those.
        """
        exact = word.exact
        part = _Part(match="", year=word.year)
        alternatives: list[str] = []
        if exact:
            exact_q = _any_of("x", [exact])
            alternatives.append(exact_q)
            part.bonuses.append((exact_q, NAME_SCORE["exact"]))
        if word.name_terms:
            names_q = _any_of("n", word.name_terms)
            alternatives.append(names_q)
            part.bonuses.append((names_q, NAME_SCORE["inflected"]))
        text_terms = word.text_terms or ((exact,) if exact else ())
        if text_terms:
            part.text = (
                "(" + " | ".join(_any_of(prefix, text_terms) for prefix in ("p", "u", "t")) + ")"
            )
            alternatives.append(part.text)
        if word.prefix:
            prefix_q = (
                f"{_quote(_lex('l', word.latin_terms[0]))}:*"
                if word.latin_terms
                else f"{_quote(_lex('x', exact))}:*"
            )
            alternatives.append(prefix_q)
            part.bonuses.append((prefix_q, PREFIX_SCORE))
        for key, score in word.dates:
            date_q = _any_of("d", [key])
            alternatives.append(date_q)
            part.bonuses.append((date_q, score))
        if word.latin_terms:
            latin_q = _any_of("l", word.latin_terms)
            alternatives.append(latin_q)
            part.bonuses.append((latin_q, NAME_SCORE["inflected"]))
        # A spelling near two Latin terms of the word scores once, by the nearer; spellings
        # at one distance share one query.
        near: dict[str, int] = {}
        for term, distance in word.near:
            near[term] = min(distance, near.get(term, distance))
        by_distance: dict[int, list[str]] = defaultdict(list)
        for term, distance in near.items():
            by_distance[distance].append(term)
        prefix = _PREFIXES[word.near_field]
        for distance, terms in sorted(by_distance.items()):
            near_q = _any_of(prefix, terms)
            alternatives.append(near_q)
            part.bonuses.append((near_q, FUZZY_SCORE[distance]))
        part.match = "(" + " | ".join(alternatives) + ")" if alternatives else ""
        return part

    def run(
        self,
        conn: Connection,
        parts: Sequence[_Part],
        filters: Filters,
        req: SearchRequest,
        partial: bool,
    ) -> SearchPage:
        """One page of the heroes matching every part (``partial``: any part)."""
        if parts:
            # The planner prices a scan by the heap's pages and not by the out-of-line
            # (TOAST) vectors it would read: it picks a sequential scan that reads every
            # vector (measured 50 ms at 5,000 heroes against 1 ms through the GIN index).
            conn.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
        clauses, params = self._filter(filters)
        return self._run(conn, list(parts), clauses, params, req, partial=partial)

    def phrase_part(self, conn: Connection, phrase: list[str], inflected: bool) -> _Part:
        """Words in this order in a name or in the running text.

        First as typed: neighbours of a function word by their pair lexeme, the other runs
        by positions of any inflection (as the Whoosh backend does); ``inflected`` asks for
        any inflection of every word by positions.
        """
        in_name = _sequence("n", phrase, language.name_terms)
        in_text = _sequence("t", phrase, _text_forms) if inflected else _phrase_by_pairs(phrase)
        return _Part(
            match=f"({in_name} | {in_text})",
            text=in_text,
            bonuses=[(in_name, NAME_SCORE["inflected"])],
        )

    @staticmethod
    def _filter(filters: Filters) -> tuple[list[str], dict]:
        """The filters as SQL conditions on the document's columns, with their parameters."""
        clauses: list[str] = []
        params: dict = {}
        if filters.death_year:
            clauses.append("death_year = :death_year")
            params["death_year"] = filters.death_year
        if filters.birth_year:
            clauses.append("birth_year = :birth_year")
            params["birth_year"] = filters.birth_year
        if filters.letter:
            clauses.append("letter = :letter")
            params["letter"] = filters.letter
        for key, value in filters.facets:
            clauses.append(f"f_{key} = :f_{key}")
            params[f"f_{key}"] = value
        return clauses, params

    @staticmethod
    def _exists(conn: Connection, query: str) -> int:
        """How many indexed heroes match ``query``."""
        return conn.execute(
            text("SELECT count(*) FROM search_document WHERE lexemes @@ CAST(:q AS tsquery)"),
            {"q": query},
        ).scalar_one()

    def _run(
        self,
        conn: Connection,
        parts: list[_Part],
        clauses: list[str],
        params: dict,
        req: SearchRequest,
        partial: bool = False,
    ) -> SearchPage:
        """One page of the heroes matching every part (``partial``: any part, those matching
        more parts first), filtered, ordered and counted."""
        params = dict(params)
        where = list(clauses)
        score = "0.0"
        matched = "0"
        if parts:
            # A typed year matches a lexeme or a year column: those parts are conditions of
            # their own; the others stay one tsquery, which the GIN index answers at once.
            yearly = {i: p for i, p in enumerate(parts) if p.year is not None}
            for i, part in yearly.items():
                params[f"y{i}"] = part.year
                params[f"m{i}"] = part.match
            # As a condition (NULL years simply do not match; the year indexes answer it) and
            # as a number for scores (0 or 1, never NULL).
            year_where = {i: f"death_year = :y{i} OR birth_year = :y{i}" for i in yearly}
            in_year = {i: f"coalesce({cond}, false)" for i, cond in year_where.items()}
            if partial:
                params["q"] = " | ".join(p.match for p in parts)
                where.insert(
                    0,
                    "("
                    + " OR ".join(["lexemes @@ CAST(:q AS tsquery)", *year_where.values()])
                    + ")",
                )
            else:
                plain = [p.match for i, p in enumerate(parts) if i not in yearly]
                if plain:
                    params["q"] = " & ".join(plain)
                    where.insert(0, "lexemes @@ CAST(:q AS tsquery)")
                where += [
                    f"(lexemes @@ CAST(:m{i} AS tsquery) OR {cond})"
                    for i, cond in year_where.items()
                ]
            terms = [f"{YEAR_SCORE} * ({cond})::int" for cond in in_year.values()]
            texts = [p.text for p in parts if p.text]
            if texts:
                params["tq"] = " | ".join(texts)
                rank = f"ts_rank('{TEXT_WEIGHTS}', lexemes, CAST(:tq AS tsquery), 1)"
                terms.append(f"{TEXT_CAP} * {rank} / ({rank} + {TEXT_HALF})")
            bonuses: dict[str, float] = {}
            for part in parts:
                for query, weight in part.bonuses:
                    bonuses[query] = bonuses.get(query, 0.0) + weight
            for i, (query, weight) in enumerate(bonuses.items()):
                params[f"b{i}"] = query
                terms.append(f"{float(weight)} * (lexemes @@ CAST(:b{i} AS tsquery))::int")
            score = " + ".join(terms)
            if partial:
                for i, part in enumerate(parts):
                    params[f"m{i}"] = part.match
                matched = " + ".join(
                    f"(lexemes @@ CAST(:m{i} AS tsquery)"
                    + (f" OR {in_year[i]}" if i in in_year else "")
                    + ")::int"
                    for i in range(len(parts))
                )
        condition = " AND ".join(where) or "TRUE"
        if req.sort == "name" or not parts:
            order = "sort_name, hero_id"
        elif req.sort == "death":
            order = "death_sort DESC, sort_name, hero_id"
        else:
            order = "matched DESC, score DESC, sort_name, hero_id"
        page_no = max(1, req.page)
        params["limit"] = req.per_page
        params["offset"] = (page_no - 1) * req.per_page
        if req.facets:
            total, facets = self._count_with_facets(conn, condition, params)
        else:
            total, facets = (
                conn.execute(
                    text(f"SELECT count(*) FROM search_document WHERE {condition}"), params
                ).scalar_one(),
                {},
            )
        ranked = condition
        if (
            parts
            and not partial
            and req.sort not in ("name", "death")
            and total > RANK_CAP
            and page_no * req.per_page <= RANK_CAP
        ):
            # A broad word: scoring every match reads every matching vector (0.4 s at
            # 10,000 heroes). Names, years and dates score above any text, so the heroes
            # they match (found through the indexes) are all ranked, and of the others the
            # first RANK_CAP found; the total stays exact.
            # A typed year matches a tenth of an archive: of its heroes (who outscore text
            # alone), too, the first RANK_CAP.
            params["cap"] = RANK_CAP
            named = [f"lexemes @@ CAST(:b{i} AS tsquery)" for i in range(len(bonuses))]
            samples = [f"({cond})" for cond in year_where.values()] + ["TRUE"]
            ranked = (
                "hero_id IN ("
                + " UNION ".join(
                    (
                        [
                            f"SELECT hero_id FROM search_document WHERE {condition} "
                            f"AND ({' OR '.join(named)})"
                        ]
                        if named
                        else []
                    )
                    + [
                        f"(SELECT hero_id FROM search_document WHERE {condition} AND {sample} "
                        "LIMIT :cap)"
                        for sample in samples
                    ]
                )
                + ")"
            )
        rows = (
            conn.execute(
                text(
                    f"SELECT hero_id, {score} AS score, {matched} AS matched FROM search_document "
                    f"WHERE {ranked} ORDER BY {order} LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
            if total
            else []
        )
        hits = [Hit(int(r.hero_id), float(r.score)) for r in rows]
        return SearchPage(total=total, hits=hits, facets=facets)

    @staticmethod
    def _count_with_facets(
        conn: Connection, condition: str, params: dict
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The number of matches and the count of every facet value, in one pass over the
        matches (one grouping set per facet, and the empty set for the total)."""
        names = (*(f"f_{f}" for f in FACET_FIELDS), "death_year", "birth_year")
        sets = ", ".join(["()", *(f"({name})" for name in names)])
        rows = conn.execute(
            text(
                f"SELECT {', '.join(names)}, GROUPING({', '.join(names)}) AS absent, "
                f"count(*) AS n FROM search_document WHERE {condition} "
                f"GROUP BY GROUPING SETS ({sets})"
            ),
            params,
        ).all()
        total = 0
        facets: dict[str, dict[str, int]] = {name.removeprefix("f_"): {} for name in names}
        everything = (1 << len(names)) - 1
        for row in rows:
            if row.absent == everything:  # the empty grouping set: all matches
                total = row.n
                continue
            # GROUPING() sets bit (len - 1 - i) for each column i not grouped by this row.
            i = next(i for i in range(len(names)) if not row.absent & (1 << (len(names) - 1 - i)))
            value = row[i]
            if value is not None and str(value) != "":
                facets[names[i].removeprefix("f_")][str(value)] = row.n
        return total, facets


def _phrase_by_pairs(phrase: list[str]) -> str:
    """A phrase as typed: pair lexemes where a function word is involved, positions elsewhere."""
    exact = [language.exact_term(w) for w in phrase]
    parts: list[str] = []
    run: list[str] = [phrase[0]]
    for i in range(1, len(phrase)):
        a, b = exact[i - 1], exact[i]
        if a in language.COMMON_WORDS or b in language.COMMON_WORDS:
            parts.append(_any_of("w", [f"{a} {b}"]))
            if len(run) > 1:
                parts.append(_sequence("t", run, _text_forms))
            run = [phrase[i]]
        else:
            run.append(phrase[i])
    if len(run) > 1:
        parts.append(_sequence("t", run, _text_forms))
    return "(" + " & ".join(parts) + ")"
