"""The shared search backend: the index lives in PostgreSQL, so every app server sees one.

Words are analysed in Python by :mod:`memorial.language` exactly as for the Whoosh index
(folded surface forms and every lemma of Ukrainian words, official transliteration of
names) and stored as a ``tsvector`` whose lexemes carry a field prefix, positions and a
weight; a GIN index answers the queries. Misspelt names are looked up by trigram
similarity (``pg_trgm``) in a small table of the name words present in the index and
ranked by Damerau distance, like the Whoosh backend does.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from .. import language
from ..extensions import db
from .documents import FACET_FIELDS, HeroDocument
from .query import Hit, SearchPage, SearchRequest, damerau, parse_query, typo_budget
from .whoosh_backend import IndexBusy

#: Key of the session-level advisory lock that admits one index writer at a time.
WRITE_LOCK_KEY = 0x6D656D6F  # "memo"
#: ts_rank weights of the labels D, C, B, A: running text, places and unit, names, exact names.
RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"
MAX_POSITIONS = 256  # PostgreSQL keeps at most this many positions of one lexeme
MAX_POSITION = 16383
TRIGRAM_THRESHOLD = 0.12  # loose: the Damerau distance decides afterwards
BATCH = 500


# -- analysis -----------------------------------------------------------------------------
def _quote(lexeme: str) -> str:
    """A lexeme as a quoted ``tsvector``/``tsquery`` literal."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _latin(word: str) -> str:
    """A name word in the official Latin transliteration, as the Latin name field holds it."""
    return language.translit_uk(word).lower().replace("'", "")


class _VectorBuilder:
    """Collects prefixed lexemes with positions and weights for one document."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, list[int]]] = {}

    def add(self, text_value: str, prefix: str, weight: str, variants: Callable, start: int
            ) -> None:
        """Add every word of ``text_value``: each position gets the word's indexed variants."""
        pos = start
        for word in language.words(text_value):
            pos = min(pos + 1, MAX_POSITION)
            for variant in dict.fromkeys(variants(word)):
                if not variant:
                    continue
                lexeme = f"{prefix}:{variant}"[:500]
                entry = self.entries.setdefault(lexeme, (weight, []))
                if len(entry[1]) < MAX_POSITIONS and (not entry[1] or entry[1][-1] != pos):
                    entry[1].append(pos)

    def literal(self) -> str:
        """The ``tsvector`` input text."""
        return " ".join(
            _quote(lexeme) + ":" + ",".join(f"{p}{weight}" for p in positions)
            for lexeme, (weight, positions) in self.entries.items()
        )


def _exact(word: str) -> tuple[str, ...]:
    return (language.fold(word),)


def _name_forms(word: str) -> tuple[str, ...]:
    folded = language.fold(word)
    return (folded, *language.lemmas(folded))


def _text_forms(word: str) -> tuple[str, ...]:
    return language.lemmas(language.fold(word))


def _latin_forms(word: str) -> tuple[str, ...]:
    return (_latin(word),)


def document_lexemes(doc: HeroDocument) -> str:
    """The ``tsvector`` literal of a document; fields are kept apart by prefix and position."""
    names = " ".join(part for part in (doc.name, doc.call_sign) if part)
    vector = _VectorBuilder()
    vector.add(names, "x", "A", _exact, 0)
    vector.add(names, "n", "B", _name_forms, 0)
    vector.add(doc.name_latin, "l", "B", _latin_forms, 0)
    vector.add(doc.places, "p", "C", _text_forms, 100)
    vector.add(doc.unit, "u", "C", _text_forms, 1000)
    vector.add(doc.text, "t", "D", _text_forms, 2000)
    return vector.literal()


def name_terms(doc: HeroDocument) -> set[tuple[str, str]]:
    """The name words of a document for the misspelling lookup: ("x", Cyrillic), ("l", Latin)."""
    names = " ".join(part for part in (doc.name, doc.call_sign) if part)
    terms = {("x", language.fold(w)) for w in language.words(names)}
    terms |= {("l", _latin(w)) for w in language.words(doc.name_latin)}
    return {(f, t[:200]) for f, t in terms if t}


def _row(doc: HeroDocument) -> dict:
    row = {
        "hero_id": doc.id, "digest": doc.digest, "lexemes": document_lexemes(doc),
        "letter": language.fold(doc.letter) if doc.letter else "",
        "sort_name": doc.sort_name[:700], "birth_year": doc.birth_year,
        "death_year": doc.death_year, "death_sort": doc.death_sort,
    }
    for facet in FACET_FIELDS:
        row[f"f_{facet}"] = (doc.facets.get(facet) or "")[:300]
    return row


_COLUMNS = ("hero_id", "digest", "lexemes", "letter", "sort_name", "birth_year", "death_year",
            "death_sort", *(f"f_{f}" for f in FACET_FIELDS))
_INSERT = text(
    f"INSERT INTO search_document ({', '.join(_COLUMNS)}) VALUES ("
    + ", ".join("CAST(:lexemes AS tsvector)" if c == "lexemes" else f":{c}" for c in _COLUMNS)
    + ") ON CONFLICT (hero_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "hero_id")
)
_INSERT_TERM = text("INSERT INTO search_term (field, term) VALUES (:field, :term) "
                    "ON CONFLICT DO NOTHING")


# -- queries ------------------------------------------------------------------------------
def _any(lexemes: Iterable[str]) -> str:
    """A tsquery matching any of ``lexemes``."""
    unique = list(dict.fromkeys(lexemes))
    return "(" + " | ".join(_quote(x) for x in unique) + ")"


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
                raise RuntimeError("MEMORIAL_SEARCH_BACKEND=postgres needs a PostgreSQL "
                                   "MEMORIAL_DATABASE_URL")
            self._engine = engine
        return self._engine

    def open(self) -> None:
        """Nothing to open: the index is a table of the database."""

    @contextmanager
    def write_lock(self, blocking: bool = True, timeout: float = 60.0) -> Iterator[None]:
        """Hold the one writer lock of the index: an advisory lock shared by every server."""
        conn = self.engine.connect()
        try:
            deadline = time.monotonic() + timeout
            while True:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                   {"k": WRITE_LOCK_KEY}).scalar()
                conn.commit()
                if got:
                    break
                if not blocking or time.monotonic() > deadline:
                    raise IndexBusy("the search index is being written by another process")
                time.sleep(0.05)
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
            if removed:
                conn.execute(text("DELETE FROM search_document WHERE hero_id = ANY(:ids)"),
                             {"ids": list(removed)})
            self._write(conn, docs)

    def rebuild(self, docs: Iterable[HeroDocument], progress: Callable[[int], None] | None = None,
                size_hint: int = 0) -> None:
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

    # -- reading ------------------------------------------------------------------------
    def digests(self) -> dict[int, str]:
        """Every indexed hero id with its content fingerprint."""
        with self.engine.connect() as conn:
            return dict(conn.execute(text("SELECT hero_id, digest FROM search_document")).all())

    def doc_count(self) -> int:
        """How many heroes the index holds."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM search_document")).scalar_one()

    def _near_terms(self, conn: Connection, field: str, word: str) -> dict[str, int]:
        """Name words in the index within the typo budget of ``word``, with their distance."""
        budget = typo_budget(word)
        if not budget or word.isdigit():
            return {}
        rows = conn.execute(
            text("SELECT term FROM search_term WHERE field = :f AND term % :w "
                 "AND left(term, 1) = left(:w, 1)"),
            {"f": field, "w": word},
        ).scalars()
        out = {}
        for term in rows:
            if term != word:
                distance = damerau(word, term)
                if distance <= budget:
                    out[term] = distance
        return out

    def _word_query(self, conn: Connection, word: str, bonuses: dict[str, float]) -> str:
        """Everything one typed word may match; exact and near names earn ranking bonuses."""
        folded = language.fold(word)
        lemmas = language.lemmas(folded)
        latin = _latin(folded)
        lexemes = [f"x:{folded}", f"n:{folded}", *(f"n:{x}" for x in lemmas),
                   *(f"p:{x}" for x in lemmas), *(f"u:{x}" for x in lemmas),
                   *(f"t:{x}" for x in lemmas), f"l:{latin}"]
        bonuses[_any([f"x:{folded}"])] = bonuses.get(_any([f"x:{folded}"]), 0) + 1.0
        near: dict[int, list[str]] = defaultdict(list)
        for field, typed in (("x", folded), ("l", latin)):
            for term, distance in self._near_terms(conn, field, typed).items():
                lexemes.append(f"{field}:{term}")
                near[distance].append(f"{field}:{term}")
        for distance, terms in near.items():
            query = _any(terms)
            bonuses[query] = bonuses.get(query, 0) + (0.8 if distance == 1 else 0.4)
        return _any(lexemes)

    @staticmethod
    def _phrase_query(phrase: list[str]) -> str:
        """Words in this order in the running text (any inflection of each)."""
        return "(" + " <-> ".join(
            _any(f"t:{x}" for x in language.lemmas(language.fold(word))) for word in phrase
        ) + ")"

    @staticmethod
    def _filter(req: SearchRequest) -> tuple[list[str], dict]:
        clauses: list[str] = []
        params: dict = {}
        if req.death_year:
            clauses.append("death_year = :death_year")
            params["death_year"] = req.death_year
        if req.birth_year:
            clauses.append("birth_year = :birth_year")
            params["birth_year"] = req.birth_year
        if req.letter:
            clauses.append("letter = :letter")
            params["letter"] = language.fold(req.letter)
        for key, value in sorted(req.filters.items()):
            if key in FACET_FIELDS and value:
                clauses.append(f"f_{key} = :f_{key}")
                params[f"f_{key}"] = language.normalize(value).strip()
        return clauses, params

    def search(self, req: SearchRequest) -> SearchPage:
        """Run a request: all words must match; if none do, the best partial matches."""
        parsed = parse_query(req.q)
        clauses, params = self._filter(req)
        with self.engine.connect() as conn:
            conn.execute(text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
                         {"t": str(TRIGRAM_THRESHOLD)})
            bonuses: dict[str, float] = {}
            parts = [self._word_query(conn, w, bonuses) for w in parsed.words]
            parts += [self._phrase_query(p) for p in parsed.phrases]
            if not parts and not clauses:
                return SearchPage(total=0, hits=[])
            query = " & ".join(parts) if parts else None
            page = self._run(conn, query, bonuses, clauses, params, req)
            partial = False
            if page.total == 0 and len(parts) > 1:
                page = self._run(conn, " | ".join(parts), bonuses, clauses, params, req)
                partial = page.total > 0
        page.partial = partial
        page.terms = [*parsed.words, *(w for p in parsed.phrases for w in p)]
        return page

    def _run(self, conn: Connection, query: str | None, bonuses: dict[str, float],
             clauses: list[str], params: dict, req: SearchRequest) -> SearchPage:
        params = dict(params)
        where = list(clauses)
        score = "0.0"
        if query is not None:
            params["q"] = query
            where.insert(0, "lexemes @@ CAST(:q AS tsquery)")
            terms = [f"ts_rank('{RANK_WEIGHTS}', lexemes, CAST(:q AS tsquery))"]
            for i, (bonus_query, weight) in enumerate(bonuses.items()):
                params[f"b{i}"] = bonus_query
                terms.append(f"{float(weight)} * (lexemes @@ CAST(:b{i} AS tsquery))::int")
            score = " + ".join(terms)
        condition = " AND ".join(where) or "TRUE"
        if req.sort == "name" or query is None:
            order = "sort_name, hero_id"
        elif req.sort == "death":
            order = "death_sort DESC, sort_name, hero_id"
        else:
            order = "score DESC, sort_name, hero_id"
        page_no = max(1, req.page)
        params["limit"] = req.per_page
        params["offset"] = (page_no - 1) * req.per_page
        total = conn.execute(
            text(f"SELECT count(*) FROM search_document WHERE {condition}"), params
        ).scalar_one()
        rows = conn.execute(
            text(f"SELECT hero_id, {score} AS score FROM search_document WHERE {condition} "
                 f"ORDER BY {order} LIMIT :limit OFFSET :offset"), params
        ).all() if total else []
        facets: dict[str, dict[str, int]] = {}
        if req.facets:
            for name in (*(f"f_{f}" for f in FACET_FIELDS), "death_year", "birth_year"):
                counts = [] if not total else conn.execute(
                    text(f"SELECT {name}, count(*) FROM search_document WHERE {condition} "
                         f"AND {name} IS NOT NULL AND CAST({name} AS text) <> '' "
                         f"GROUP BY {name}"), params
                ).all()
                key = name.removeprefix("f_")
                facets[key] = {str(value): count for value, count in counts}
        hits = [Hit(int(r.hero_id), float(r.score)) for r in rows]
        return SearchPage(total=total, hits=hits, facets=facets)
