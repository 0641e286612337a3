"""The embedded search backend: a Whoosh index in the data folder."""

from __future__ import annotations

import ctypes
import fcntl
import itertools
import logging
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from .. import language
from . import algorithm
from .analysis import (
    ExactAnalyzer,
    LatinNameAnalyzer,
    NameAnalyzer,
    UkrainianTextAnalyzer,
    WordPairAnalyzer,
    frequent_words,
)
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

log = logging.getLogger(__name__)

#: The Whoosh field of each field the algorithm looks terms up in.
_FIELDS: dict[TermField, str] = {"exact": "name_exact", "latin": "name_latin", "text": "text"}


def make_schema(common: frozenset[str] = frozenset()) -> Schema:
    """Fields of the hero index; ``common`` are the archive's frequent words (see analysis)."""
    fields = {
        "id": ID(stored=True, unique=True),
        "digest": STORED(),
        "name": TEXT(analyzer=NameAnalyzer(), field_boost=3.0),
        "name_exact": TEXT(analyzer=ExactAnalyzer(), field_boost=4.0),
        "name_latin": TEXT(analyzer=LatinNameAnalyzer(), field_boost=2.5),
        "places": TEXT(analyzer=UkrainianTextAnalyzer(), field_boost=1.5),
        "unit": TEXT(analyzer=UkrainianTextAnalyzer(), field_boost=1.5),
        "text": TEXT(analyzer=UkrainianTextAnalyzer()),
        "text_pairs": TEXT(analyzer=WordPairAnalyzer(common), phrase=False),
        "dates": KEYWORD(lowercase=False, scorable=False),
        "letter": ID(),
        "sort_name": ID(sortable=True),
        "birth_year": NUMERIC(int, bits=32, sortable=True),
        "death_year": NUMERIC(int, bits=32, sortable=True),
        "death_sort": NUMERIC(int, bits=32, sortable=True),
    }
    for facet in FACET_FIELDS:
        fields[f"f_{facet}"] = ID(sortable=True)
    return Schema(**fields)


def _fields(doc: HeroDocument) -> dict:
    """Whoosh field values of a document; empty values are left out, never indexed as 'None'."""
    values = {
        "id": str(doc.id),
        "digest": doc.digest,
        "name": f"{doc.name} {doc.call_sign}",
        "name_exact": f"{doc.name} {doc.call_sign}",
        "name_latin": doc.name_latin,
        "places": doc.places,
        "unit": doc.unit,
        "text": doc.text,
        "text_pairs": doc.text,
        "dates": doc.dates,
        "letter": doc.letter.casefold() if doc.letter else None,
        "sort_name": doc.sort_name,
        "birth_year": doc.birth_year,
        "death_year": doc.death_year,
        "death_sort": doc.death_sort,
    }
    for key, value in doc.facets.items():
        values[f"f_{key}"] = value or None
    return {k: v for k, v in values.items() if v not in (None, "")}


#: The file in an index folder naming the analysis version it was built by (none: 1).
VERSION_FILE = "ANALYSIS"


def _mark_version(target: Path) -> None:
    """Record in a fresh index folder that the current analysis built it."""
    (target / VERSION_FILE).write_text(f"{ANALYSIS_VERSION}\n")


#: How many heroes a rebuild reads to learn the archive's frequent words.
COMMON_SAMPLE = 2000
#: Memory (MiB) each indexing process fills before spilling sorted runs to disk; fewer runs
#: make the final merge of a full rebuild shorter.
BUILD_LIMIT_MB = 512
#: From this many heroes on, a full rebuild uses every core.
PARALLEL_FROM = 2000


# -- locks that do not outlive their holder ------------------------------------------------
#
# The writer lock is an ``flock`` on a file. It belongs to the open file, and a ``fork``
# (Whoosh's parallel writer forks its indexing processes while the lock is held) gives the
# child a copy of it, which ``O_CLOEXEC`` does not drop. A rebuild killed with ``kill -9``
# then left its children holding the lock for ever, and no change reached the index again.
# Three defences: a forked child lets go of the lock files at once; the indexing processes
# die with their parent; and a lock whose recorded holder is gone is taken over.

#: Descriptors of the lock files this process holds, let go of in every forked child.
_HELD: set[int] = set()


def _drop_inherited_locks() -> None:
    """In a freshly forked child: point each held lock descriptor at ``/dev/null``, so the
    child keeps no reference to the parent's locks (the numbers stay valid for its code)."""
    held = tuple(_HELD)
    _HELD.clear()
    if not held:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        for fd in held:
            os.dup2(null, fd, inheritable=False)
    finally:
        os.close(null)


os.register_at_fork(after_in_child=_drop_inherited_locks)


def _pid_namespace() -> str:
    """This process's PID namespace: pids are compared only within the same one."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return "-"


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot); ``None`` when it is gone or a
    zombie; ``"?"`` when this system cannot tell (no ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "?"
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def _holder_line() -> str:
    """What a lock holder writes into the lock file: pid, start time and PID namespace."""
    pid = os.getpid()
    return f"{pid} {_started(pid) or '?'} {_pid_namespace()}\n"


def _holder_gone(line: str) -> bool:
    """Whether the process a lock file names has surely ended (unknown means alive)."""
    parts = line.split()
    if len(parts) != 3 or not parts[0].isdigit() or parts[2] != _pid_namespace():
        return False
    started = _started(int(parts[0]))
    return started is None or (started != "?" and parts[1] != "?" and started != parts[1])


def _die_with_parent(parent: int) -> None:
    """Make this (forked) process end when ``parent`` does, even by ``kill -9``."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    else:  # pragma: no cover - the project runs on Linux

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


class _TiedTask(SubWriterTask):
    """An indexing process of a parallel rebuild that ends with the rebuild's process."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.parent_pid = os.getpid()

    def run(self) -> None:
        _die_with_parent(self.parent_pid)
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's parallel writer with indexing processes tied to their parent; a cancelled
    build ends them (Whoosh's own cancel only flags its copy of each task object)."""

    def _new_task(self):
        task = _TiedTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        try:
            for task in self.tasks:
                task.kill()
                task.join()
        finally:
            super().cancel()


class WhooshBackend:
    """Search in a Whoosh index under ``root``; ``root/current`` points at the live index."""

    name = "whoosh"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self._ix = None
        self._ix_target: str | None = None
        self._local = threading.local()

    # -- storage ------------------------------------------------------------------------
    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def _ensure(self) -> Path:
        """Create an empty live index on first use; return its folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.current_link.exists():
            with self._lock_file("create.lock", blocking=True, timeout=60.0):
                if not self.current_link.exists():
                    target = self._new_dir()
                    whoosh_index.create_in(target, make_schema())
                    _mark_version(target)
                    self._point_to(target)
        return self.current_link.resolve()

    def _new_dir(self) -> Path:
        target = self.root / f"index-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(4)}"
        target.mkdir()
        return target

    def _point_to(self, target: Path) -> None:
        """Atomically switch the live index to ``target``."""
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target.name, tmp)
        os.replace(tmp, self.current_link)

    def open(self):
        """The live index, reopened when a rebuild has swapped it."""
        target = str(self._ensure())
        if self._ix is None or self._ix_target != target:
            self._ix = whoosh_index.open_dir(target)
            self._ix_target = target
        return self._ix

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher on the latest committed index, kept open per thread between searches.

        Opening one costs several milliseconds; an open one is replaced only when a commit
        or a rebuild has changed the index since. ``Searcher.refresh()`` is not used: it
        reuses segment readers whose deletions are stale, so a replaced hero showed twice.
        """
        self.open()
        cached = getattr(self._local, "searcher", None)
        searcher = None
        if cached is not None and cached[0] == self._ix_target:
            try:
                if cached[1].up_to_date():
                    searcher = cached[1]
            except OSError:
                pass
        if searcher is None:
            if cached is not None:
                cached[1].close()
            searcher = self._new_searcher()
        self._local.searcher = (self._ix_target, searcher)
        yield searcher

    def _new_searcher(self) -> Searcher:
        """A searcher on the live index. A rebuild in another process may swap the index and
        remove the old folder between reading the link and opening the folder: then the
        link is read again (a rebuild takes far longer than these few tries)."""
        for attempt in range(3):
            ix = self.open()
            try:
                return ix.searcher()
            except (whoosh_index.EmptyIndexError, FileNotFoundError):
                if attempt == 2:
                    raise
                self._ix = None
        raise AssertionError("unreachable")

    def write_lock(self, blocking: bool = True, timeout: float = 60.0):
        """Hold the one writer lock of this index (across processes)."""
        return self._lock_file("writer.lock", blocking, timeout)

    @contextmanager
    def _lock_file(self, name: str, blocking: bool, timeout: float) -> Iterator[None]:
        """An exclusive ``flock`` on ``root/name``; ``IndexBusy`` when it cannot be had.

        The holder writes its pid into the file. When the lock is busy but that process has
        ended (only processes forked from it can still hold the file), the file is replaced
        by a fresh one and the lock taken on that. Tries, take-overs and the recording of
        the holder happen under a short guard lock, so two processes never both take it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / name
        held: list = []

        def try_lock() -> bool:
            with self._guard(name), ExitStack() as stack:
                handle = stack.enter_context(open(path, "a+"))
                if not _flock(handle):
                    handle.seek(0)
                    line = handle.read(200)
                    if not _holder_gone(line):
                        return False
                    log.warning("taking over %s: its holder (%s) has ended", path, line.strip())
                    stack.close()
                    fresh = path.with_name(f".{name}.{os.getpid()}")
                    fresh.write_text("")
                    os.replace(fresh, path)
                    handle = stack.enter_context(open(path, "a+"))
                    if not _flock(handle):
                        return False
                handle.seek(0)
                handle.truncate()
                handle.write(_holder_line())
                handle.flush()
                _HELD.add(handle.fileno())
                held.append(handle)
                stack.pop_all()  # keep the file open while the lock is held
            return True

        acquire(try_lock, blocking, timeout)
        handle = held[0]
        try:
            yield
        finally:
            _HELD.discard(handle.fileno())
            try:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()

    @contextmanager
    def _guard(self, name: str) -> Iterator[None]:
        """A lock held only while the lock ``name`` is tried, taken over or recorded."""
        with open(self.root / f".{name}.guard", "a+") as handle:
            _HELD.add(handle.fileno())
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
                yield
            finally:
                _HELD.discard(handle.fileno())
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- writing ------------------------------------------------------------------------
    def apply(self, docs: list[HeroDocument], removed: list[int]) -> None:
        """Add or replace ``docs`` and drop ``removed`` ids in one index commit (lock held)."""
        if not docs and not removed:
            return
        ix = self.open()
        known = set(ix.schema.names())  # an index built by an older schema lacks new fields
        writer = ix.writer(timeout=30)
        try:
            for hero_id in removed:
                writer.delete_by_term("id", str(hero_id))
            for doc in docs:
                writer.update_document(**{k: v for k, v in _fields(doc).items() if k in known})
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(
        self,
        docs: Iterable[HeroDocument],
        progress: Callable[[int], None] | None = None,
        size_hint: int = 0,
    ) -> None:
        """Build a fresh index beside the live one and swap it in (lock held by the caller).

        Large archives are analysed on every core (one segment per process, no final merge:
        measured 1.7x faster on two cores at 100,000 heroes); a few heroes in one process.
        """
        self._ensure()
        old = self.current_link.resolve()
        target = self._new_dir()
        docs = iter(docs)
        sample = list(itertools.islice(docs, COMMON_SAMPLE))
        ix = whoosh_index.create_in(target, make_schema(frequent_words(d.text for d in sample)))
        docs = itertools.chain(sample, docs)
        procs = min(os.cpu_count() or 1, 4) if size_hint >= PARALLEL_FROM else 1
        writer: SegmentWriter
        if procs > 1:
            writer = _ParallelWriter(ix, procs=procs, multisegment=True, limitmb=BUILD_LIMIT_MB)
        else:
            writer = ix.writer(limitmb=BUILD_LIMIT_MB)
        try:
            for doc in docs:
                writer.add_document(**_fields(doc))
                if progress:
                    progress(1)
        except BaseException:
            writer.cancel()
            shutil.rmtree(target, ignore_errors=True)
            raise
        writer.commit()
        _mark_version(target)
        self._point_to(target)
        self._ix = None
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
        for stale in self.root.glob("index-*"):
            if stale != target and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)

    # -- reading ------------------------------------------------------------------------
    def digests(self) -> dict[int, str]:
        """Every indexed hero id with its content fingerprint."""
        out: dict[int, str] = {}
        with self.open().searcher() as searcher:
            for fields in searcher.all_stored_fields():
                out[int(fields["id"])] = fields.get("digest", "")
        return out

    def doc_count(self) -> int:
        """How many heroes the index holds."""
        return self.open().doc_count()

    def analysis_version(self) -> int:
        """The analysis version the live index was built by (1: before versions were kept)."""
        try:
            return int((self._ensure() / VERSION_FILE).read_text().strip() or 1)
        except (FileNotFoundError, ValueError):
            return 1

    # -- search primitives (the algorithm is in .algorithm) ---------------------------------
    def search(self, req: SearchRequest) -> SearchPage:
        """Run a request with the shared search algorithm."""
        return algorithm.search(self, req)

    def reading(self) -> AbstractContextManager[Searcher]:
        """A searcher on the latest committed index for one search."""
        return self.searcher()

    def near_terms(
        self, searcher: Searcher, field: TermField, term: str, budget: int
    ) -> Iterable[str]:
        """Indexed terms near ``term`` (first letter kept).

        Whoosh's automaton counts a swap of neighbours as two edits, so it is asked for one
        edit more and the algorithm measures the true (Damerau) distance.
        """
        return searcher.reader().terms_within(_FIELDS[field], term, min(budget + 1, 2), prefix=1)

    def heroes_with(self, searcher: Searcher, field: TermField, term: str) -> int:
        """How many indexed heroes have ``term`` in ``field``.

        ``doc_frequency`` also counts deleted documents until their segment is merged, so
        an unpublished hero would still count; with deletions, the live postings are counted.
        """
        reader = searcher.reader()
        if not reader.has_deletions():
            return reader.doc_frequency(_FIELDS[field], term)
        try:
            return sum(1 for _ in reader.postings(_FIELDS[field], term).all_ids())
        except TermNotFound:
            return 0

    def word_part(self, searcher: Searcher, word: Word) -> Q.Query:
        """Everything one typed word may match.

        Weights carry the ranking rules: the exact name form above an inflected one above a
        near spelling; a name above places and unit above running text. ``Or`` adds up the
        scores of every alternative that matches.
        """
        parts: list[Q.Query] = []
        if word.exact:
            parts.append(
                Q.ConstantScoreQuery(Q.Term("name_exact", word.exact), score=NAME_SCORE["exact"])
            )
        if word.name_terms:
            parts.append(
                Q.ConstantScoreQuery(_any("name", word.name_terms), score=NAME_SCORE["inflected"])
            )
        if word.text_terms:
            parts += [_any(f, word.text_terms) for f in ("places", "unit", "text")]
        if word.prefix:
            field, start = "name_exact", word.exact
            if word.latin_terms:
                field, start = "name_latin", word.latin_terms[0]
            parts.append(Q.ConstantScoreQuery(Q.Prefix(field, start), score=PREFIX_SCORE))
        parts += [
            Q.ConstantScoreQuery(Q.Term("dates", key), score=score) for key, score in word.dates
        ]
        if word.year is not None:
            parts.append(
                Q.ConstantScoreQuery(
                    Q.Or(
                        [
                            Q.NumericRange("death_year", word.year, word.year),
                            Q.NumericRange("birth_year", word.year, word.year),
                        ]
                    ),
                    score=YEAR_SCORE,
                )
            )
        if word.latin_terms is not None:
            parts.append(
                Q.ConstantScoreQuery(
                    _any("name_latin", word.latin_terms), score=NAME_SCORE["inflected"]
                )
            )
        near_field = _FIELDS[word.near_field]
        parts.extend(
            Q.ConstantScoreQuery(Q.Term(near_field, term), score=FUZZY_SCORE[distance])
            for term, distance in word.near
        )
        return Q.Or(parts)

    def run(
        self,
        searcher: Searcher,
        parts: Sequence[Q.Query],
        filters: Filters,
        req: SearchRequest,
        partial: bool,
    ) -> SearchPage:
        """One page of the heroes matching every part (``partial``: any part)."""
        flt = self._filter(filters)
        if not parts:
            return self._run(searcher, Q.Every(), req, flt)
        if partial:
            return self._run(searcher, Q.Or(list(parts)), req, flt, rank_parts=list(parts))
        query = parts[0] if len(parts) == 1 else Q.And(list(parts))
        return self._run(searcher, query, req, flt)

    def phrase_part(self, searcher: Searcher, phrase: list[str], inflected: bool) -> Q.Query:
        """Words in this order in a name or in the running text.

        First as typed (every two neighbours one pair term: fast); ``inflected`` asks for
        any inflection of each word by positions instead (slow on frequent words).
        """
        in_name = Q.Sequence([_any("name", language.name_terms(w)) for w in phrase], boost=3.0)
        pairs = self._pairs_analyzer()
        if inflected or pairs is None:
            in_text: Q.Query = Q.Sequence([_any("text", language.text_terms(w)) for w in phrase])
        else:
            in_text = _phrase_by_pairs(phrase, pairs.is_common)
        return Q.Or([in_name, in_text])

    def _pairs_analyzer(self) -> WordPairAnalyzer | None:
        """The pair analyzer the live index was built with (an older index may have none)."""
        schema = self.open().schema
        if "text_pairs" not in schema.names():
            return None
        return schema["text_pairs"].analyzer

    @staticmethod
    def _filter(filters: Filters) -> Q.Query | None:
        """The filters as one Whoosh query (``None`` when nothing is filtered)."""
        parts: list[Q.Query] = []
        if filters.death_year:
            parts.append(Q.NumericRange("death_year", filters.death_year, filters.death_year))
        if filters.birth_year:
            parts.append(Q.NumericRange("birth_year", filters.birth_year, filters.birth_year))
        if filters.letter:
            parts.append(Q.Term("letter", filters.letter))
        for key, value in filters.facets:
            parts.append(Q.Term(f"f_{key}", value))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Q.And(parts)

    def _run(
        self,
        searcher,
        query: Q.Query,
        req: SearchRequest,
        flt: Q.Query | None,
        rank_parts: list[Q.Query] | None = None,
    ) -> SearchPage:
        kwargs: dict = {}
        if flt is not None:
            kwargs["filter"] = flt
        if req.sort == "name":
            kwargs["sortedby"] = "sort_name"
        elif req.sort == "death":
            kwargs["sortedby"] = sorting.FieldFacet("death_sort", reverse=True)
        elif isinstance(query, Q.Every):
            kwargs["sortedby"] = "sort_name"
        elif rank_parts:
            # Partial matches: more matching words first, then relevance.
            counts: dict[int, int] = {}
            for part in rank_parts:
                for docnum in part.docs(searcher):
                    counts[docnum] = counts.get(docnum, 0) + 1
            kwargs["sortedby"] = [
                sorting.FunctionFacet(lambda s, d: -counts.get(d, 0)),
                sorting.ScoreFacet(),
            ]
        if req.facets:
            facets = sorting.Facets()
            for facet in FACET_FIELDS:
                facets.add_field(f"f_{facet}", maptype=sorting.Count)
            facets.add_field("death_year", maptype=sorting.Count)
            facets.add_field("birth_year", maptype=sorting.Count)
            kwargs["groupedby"] = facets
        page_no = max(1, req.page)
        limit = page_no * req.per_page
        results = searcher.search(query, limit=limit, **kwargs)
        hits = [
            Hit(int(hit["id"]), hit.score if isinstance(hit.score, float) else 0.0)
            for hit in results[(page_no - 1) * req.per_page : limit]
        ]
        facet_counts: dict[str, dict[str, int]] = {}
        if req.facets:
            for name in results.facet_names():
                key = name.removeprefix("f_")
                groups = results.groups(name)
                facet_counts[key] = {str(k): v for k, v in groups.items() if k not in (None, "")}
        return SearchPage(total=len(results), hits=hits, facets=facet_counts)


def _flock(handle) -> bool:
    """Take an exclusive ``flock`` on ``handle`` without waiting; ``False`` when busy."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _phrase_by_pairs(phrase: list[str], is_common: Callable[[str], bool]) -> Q.Query:
    """A phrase as typed: pair terms where a common word is involved, positions elsewhere."""
    exact = [language.exact_term(w) for w in phrase]
    parts: list[Q.Query] = []
    run: list[str] = [phrase[0]]
    for i in range(1, len(phrase)):
        a, b = exact[i - 1], exact[i]
        if is_common(a) or is_common(b):
            parts.append(Q.Term("text_pairs", f"{a} {b}"))
            if len(run) > 1:
                parts.append(Q.Sequence([_any("text", language.text_terms(w)) for w in run]))
            run = [phrase[i]]
        else:
            run.append(phrase[i])
    if len(run) > 1:
        parts.append(Q.Sequence([_any("text", language.text_terms(w)) for w in run]))
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _any(fieldname: str, terms, boost: float = 1.0) -> Q.Query:
    """Any of ``terms`` in one field."""
    terms = list(dict.fromkeys(terms))
    if len(terms) == 1:
        return Q.Term(fieldname, terms[0], boost=boost)
    return Q.Or([Q.Term(fieldname, t) for t in terms], boost=boost)
