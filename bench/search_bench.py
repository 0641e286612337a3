"""Search benchmark: the Whoosh backend against SQLite FTS5 on the same synthetic corpus.

For each size N: build both indexes, time queries of five kinds (top 20 with snippets), then
time how long a committed edit takes to become searchable through the app's own sync.
Results are printed and written between the search markers of ``bench/RESULTS.md``.

    python bench/search_bench.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import Corpus  # noqa: I001

from memorial import language
from memorial.search.documents import build_document
from memorial.search.query import SearchRequest
from memorial.search.snippets import make_snippet
from memorial.search.query import damerau
from memorial.search.whoosh_backend import WhooshBackend

KINDS = ("one word", "two words", "name", "phrase", "typo'd surname", "word + year")
TOP = 20


def log(*parts) -> None:
    """Progress on stderr, with a timestamp."""
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


def hero_of(p: dict) -> SimpleNamespace:
    """A stand-in hero with the attributes ``build_document`` reads."""
    death = SimpleNamespace(year=p["death_year"], month=None, day=None)
    return SimpleNamespace(
        id=p["id"],
        surname=p["surname"],
        given_name=p["given_name"],
        patronymic=p["patronymic"],
        call_sign=p["call_sign"],
        birth_place=p["birth_place"],
        home_community=p["home_community"],
        death_place=None,
        burial_place=p["burial_place"],
        military_unit=p["military_unit"],
        rank=p["rank"],
        position=None,
        biography=p["biography"],
        death_circumstances=None,
        awards=[SimpleNamespace(name=a) for a in p["awards"]],
        stories=[],
        birth_year=p["birth_year"],
        death_year=p["death_year"],
        death_date=death,
        birth_date=None,
        hidden_fields=(),
    )


def text_of(p: dict) -> str:
    """The running text a hero's snippet is cut from."""
    return "\n".join([p["biography"], p["rank"], *p["awards"]])


def dir_mib(path: Path) -> float:
    """Size of the files under ``path`` in MiB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values`` in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Progress:
    """Counts documents and logs every 5 %."""

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what, self.done, self.step = total, what, 0, max(1, total // 20)
        self.start = time.monotonic()

    def __call__(self, n: int = 1) -> None:
        self.done += n
        if self.done % self.step == 0 or self.done == self.total:
            rate = self.done / max(1e-9, time.monotonic() - self.start)
            log(f"  {self.what}: {self.done}/{self.total} ({rate:.0f}/s)")


def make_queries(corpus: Corpus, n: int, count: int, seed: int = 11) -> dict[str, list[dict]]:
    """``count`` queries of each kind, drawn from random profiles, with the intended hero."""
    rng = random.Random(seed)
    # Words of the long-tail vocabulary (each in ~1.5 % of profiles), not the boilerplate
    # sentences every profile repeats: what people look for is rarer than "захисник".
    vocabulary = set(corpus.vocabulary)
    out: dict[str, list[dict]] = {k: [] for k in KINDS}
    while min(len(v) for v in out.values()) < count:
        p = corpus.profile(rng.randint(1, n))
        words = [
            w
            for w in language.words(p["biography"])
            if len(w) >= 5 and language.is_cyrillic(w) and w.lower() in vocabulary
        ]
        if len(words) < 4:
            continue
        a, b = rng.sample(words, 2)
        rng.randrange(len(words) - 1)  # unused draw: keeps the query stream of past runs
        surname = p["surname"]
        j = rng.randrange(1, len(surname) - 1)
        edit = rng.choice(("swap", "sub", "del"))
        if edit == "swap":
            typo = surname[:j] + surname[j + 1] + surname[j] + surname[j + 2 :]
        elif edit == "sub":
            typo = surname[:j] + rng.choice("аеиоуіклмнрст") + surname[j + 1 :]
        else:
            typo = surname[:j] + surname[j + 1 :]
        plain = [w for w in language.words(p["biography"])]
        k = rng.randrange(len(plain) - 1)
        for kind, q, extra in (
            ("one word", a, {}),
            ("two words", f"{a} {b}", {}),
            ("name", f"{surname} {p['given_name']}", {}),
            ("phrase", f'"{plain[k]} {plain[k + 1]}"', {}),
            ("typo'd surname", typo, {}),
            ("word + year", a, {"death_year": p["death_year"]}),
        ):
            if len(out[kind]) < count:
                out[kind].append({"q": q, "id": p["id"], **extra})
    return out


# -- Whoosh ------------------------------------------------------------------------------------
def build_whoosh(corpus: Corpus, n: int, root: Path) -> dict:
    """Full rebuild through the backend (both cores), timed."""
    backend = WhooshBackend(root)
    progress = Progress(n, "whoosh")
    docs = (build_document(hero_of(p)) for p in corpus.profiles(n))
    start = time.monotonic()
    with backend.write_lock():
        backend.rebuild(docs, progress=progress, size_hint=n)
    seconds = time.monotonic() - start
    return {
        "build_s": seconds,
        "size_mib": dir_mib(backend.current_link.resolve()),
        "backend": backend,
    }


def fill_texts(corpus: Corpus, n: int, path: Path) -> sqlite3.Connection:
    """The texts snippets are cut from, in SQLite like the app's database."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS profile (id INTEGER PRIMARY KEY, text TEXT)")
    if conn.execute("SELECT count(*) FROM profile").fetchone()[0] != n:
        conn.execute("DELETE FROM profile")
        conn.executemany(
            "INSERT INTO profile VALUES (?, ?)", ((p["id"], text_of(p)) for p in corpus.profiles(n))
        )
        conn.commit()
    return conn


def query_whoosh(
    backend: WhooshBackend, texts: sqlite3.Connection, item: dict
) -> tuple[float, bool]:
    """One search with snippets of the page's heroes, as the app does it."""
    start = time.perf_counter()
    req = SearchRequest(q=item["q"], per_page=TOP, death_year=item.get("death_year"))
    page = backend.search(req)
    ids = [h.hero_id for h in page.hits]
    marks = ",".join("?" * len(ids))
    rows = (
        dict(texts.execute(f"SELECT id, text FROM profile WHERE id IN ({marks})", ids))
        if ids
        else {}
    )
    for hero_id in ids:
        make_snippet(rows[hero_id], page.terms)
    return time.perf_counter() - start, item["id"] in ids


# -- FTS5 --------------------------------------------------------------------------------------
FTS_APOSTROPHE = str.maketrans({"'": "ʼ"})


def build_fts(corpus: Corpus, n: int, path: Path) -> dict:
    """The same corpus in an FTS5 table (unicode61, no lemmas), timed."""
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(name, places, unit, text, "
        "death_year UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute("CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'col')")
    progress = Progress(n, "fts5")
    start = time.monotonic()
    rows = []
    for p in corpus.profiles(n):
        name = f"{p['surname']} {p['given_name']} {p['patronymic']} {p['call_sign']}"
        places = f"{p['birth_place']} {p['home_community']} {p['burial_place']}"
        rows.append(
            (
                p["id"],
                name.translate(FTS_APOSTROPHE),
                places.translate(FTS_APOSTROPHE),
                p["military_unit"],
                text_of(p).translate(FTS_APOSTROPHE),
                p["death_year"],
            )
        )
        if len(rows) == 1000:
            conn.executemany(
                "INSERT INTO fts(rowid, name, places, unit, text, death_year) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            progress(len(rows))
            rows = []
    if rows:
        conn.executemany(
            "INSERT INTO fts(rowid, name, places, unit, text, death_year) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        progress(len(rows))
    conn.commit()
    seconds = time.monotonic() - start
    return {"build_s": seconds, "size_mib": path.stat().st_size / 2**20, "conn": conn}


def _fts_words(q: str) -> list[str]:
    return [w.translate(FTS_APOSTROPHE) for w in language.words(q)]


def query_fts(conn: sqlite3.Connection, kind: str, item: dict) -> tuple[float, bool]:
    """The FTS5 counterpart of a query: AND of words, phrase, vocabulary-expanded typo."""
    start = time.perf_counter()
    words = _fts_words(item["q"])
    if kind == "phrase":
        match = '"' + " ".join(words) + '"'
    elif kind == "typo'd surname":
        word = words[0].lower()
        budget = 1 if len(word) <= 6 else 2
        hi = word[0] + "\U0010ffff"
        near = [
            t
            for (t,) in conn.execute(
                "SELECT term FROM fts_vocab WHERE col='name' AND term >= ? AND term < ?",
                (word[0], hi),
            )
            if abs(len(t) - len(word)) <= budget and damerau(word, t) <= budget
        ]
        match = "name : (" + " OR ".join(f'"{t}"' for t in near or [word]) + ")"
    else:
        match = " ".join(f'"{w}"' for w in words)
    sql = "SELECT rowid, snippet(fts, 3, '<mark>', '</mark>', '…', 32) FROM fts WHERE fts MATCH ?"
    args: list = [match]
    if "death_year" in item:
        sql += " AND death_year = ?"
        args.append(item["death_year"])
    sql += f" ORDER BY rank LIMIT {TOP}"
    rows = conn.execute(sql, args).fetchall()
    return time.perf_counter() - start, any(r[0] == item["id"] for r in rows)


# -- commit -> searchable ----------------------------------------------------------------------
def edit_latency(data_dir: Path, n: int, edits: int) -> list[float]:
    """Seconds from a committed web edit to the hero being found, through the app's sync."""
    from memorial import create_app
    from memorial.archive import set_status
    from memorial.extensions import db
    from memorial.models import Hero
    from memorial.schema import create_schema
    from memorial.search import backend_for

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'memorial.db'}",
            "SEARCH_SYNC": "thread",
        }
    )
    with app.app_context():
        create_schema()
    backend = backend_for(app)
    letters = "бвгджзклмнпрстфхцчшщ"
    out = []
    for i in range(edits):
        surname = "Затрим" + letters[i % 20] + letters[(i // 20) % 20] + "енко"
        with app.test_request_context("/bench", method="POST"):
            hero = Hero(
                id=n + 1000 + i, external_id=f"bench-{i}", surname=surname, given_name="Тест"
            )
            set_status(hero, "published")
            db.session.add(hero)
            db.session.commit()
            start = time.monotonic()
        while True:
            if any(
                h.hero_id == n + 1000 + i for h in backend.search(SearchRequest(q=surname)).hits
            ):
                out.append(time.monotonic() - start)
                break
            if time.monotonic() - start > 30:
                out.append(float("inf"))
                break
            time.sleep(0.01)
        log(f"  edit {i + 1}/{edits}: {out[-1] * 1000:.0f} ms")
    app.extensions["memorial.index_sync"].wait_idle(30)
    return out


# -- report ------------------------------------------------------------------------------------
def run_size(corpus: Corpus, n: int, work: Path, count: int, edits: int) -> dict:
    """Everything for one corpus size."""
    base = work / f"n{n}"
    shutil.rmtree(base, ignore_errors=True)
    (base / "data").mkdir(parents=True)
    log(f"N={n}: texts for snippets")
    texts = fill_texts(corpus, n, base / "texts.db")
    log(f"N={n}: whoosh build")
    whoosh = build_whoosh(corpus, n, base / "data" / "search")
    log(f"N={n}: whoosh {whoosh['build_s']:.0f} s, {whoosh['size_mib']:.0f} MiB; fts5 build")
    fts = build_fts(corpus, n, base / "fts.db")
    log(f"N={n}: fts5 {fts['build_s']:.0f} s, {fts['size_mib']:.0f} MiB; queries")
    queries = make_queries(corpus, n, count)
    result = {
        "n": n,
        "whoosh_build_s": whoosh["build_s"],
        "whoosh_mib": whoosh["size_mib"],
        "fts_build_s": fts["build_s"],
        "fts_mib": fts["size_mib"],
        "kinds": {},
    }
    backend = whoosh["backend"]
    for item in queries["one word"][:5]:  # warm the caches and the OS page cache
        query_whoosh(backend, texts, item)
    for kind in KINDS:
        w_times, w_found, f_times, f_found = [], 0, [], 0
        for item in queries[kind]:
            t, ok = query_whoosh(backend, texts, item)
            w_times.append(t)
            w_found += ok
            t, ok = query_fts(fts["conn"], kind, item)
            f_times.append(t)
            f_found += ok
        result["kinds"][kind] = {
            "whoosh_p50": pct(w_times, 0.5),
            "whoosh_p95": pct(w_times, 0.95),
            "fts_p50": pct(f_times, 0.5),
            "fts_p95": pct(f_times, 0.95),
            "whoosh_found": w_found,
            "fts_found": f_found,
            "count": len(queries[kind]),
        }
        r = result["kinds"][kind]
        log(
            f"  {kind}: whoosh {r['whoosh_p50']:.1f}/{r['whoosh_p95']:.1f} ms "
            f"({w_found}/{r['count']}), fts5 {r['fts_p50']:.1f}/{r['fts_p95']:.1f} ms "
            f"({f_found}/{r['count']})"
        )
    log(f"N={n}: commit -> searchable")
    latencies = edit_latency(base / "data", n, edits)
    result["edit_p50"] = pct(latencies, 0.5)
    result["edit_p95"] = pct(latencies, 0.95)
    fts["conn"].close()
    texts.close()
    return result


def machine() -> str:
    """CPU model, cores and memory of this machine."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        mem = 0
    return (
        f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def table(results: list[dict]) -> str:
    """The Markdown tables of a run."""
    lines = ["| N | engine | build s | index MiB |", "|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['n']:,} | Whoosh (lemmas, all cores) | {r['whoosh_build_s']:.0f} | "
            f"{r['whoosh_mib']:.0f} |"
        )
        lines.append(
            f"| {r['n']:,} | FTS5 (no lemmas) | {r['fts_build_s']:.0f} | {r['fts_mib']:.0f} |"
        )
    lines += [
        "",
        (
            "Query latency, top 20 with snippets, p50 / p95 ms (intended hero found in "
            "top 20); ratio = Whoosh p50 ÷ FTS5 p50"
        ),
        "",
        "| N | query | Whoosh | FTS5 | ratio |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        for kind, k in r["kinds"].items():
            ratio = k["whoosh_p50"] / k["fts_p50"] if k["fts_p50"] else float("nan")
            lines.append(
                f"| {r['n']:,} | {kind} | {k['whoosh_p50']:.1f} / {k['whoosh_p95']:.1f} "
                f"({k['whoosh_found']}/{k['count']}) | {k['fts_p50']:.1f} / {k['fts_p95']:.1f} "
                f"({k['fts_found']}/{k['count']}) | {ratio:.1f}× |"
            )
    lines += ["", "| N | committed edit searchable, p50 / p95 ms |", "|---|---|"]
    for r in results:
        lines.append(f"| {r['n']:,} | {r['edit_p50']:.0f} / {r['edit_p95']:.0f} |")
    return "\n".join(lines)


def write_results(text: str, path: Path) -> None:
    """Replace the search section of RESULTS.md, leaving the others alone."""
    content = path.read_text()
    begin, end = "<!-- search:begin -->", "<!-- search:end -->"
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main() -> None:
    """Run the benchmark for each size and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--notes",
        type=Path,
        default=ROOT / "bench" / "search_notes.md",
        help="analysis appended under the tables, if the file exists",
    )
    args = parser.parse_args()
    corpus = Corpus()
    results = []
    for n in args.sizes:
        results.append(run_size(corpus, n, args.work, args.queries, args.edits))
        (args.work / "search_results.json").write_text(json.dumps(results, indent=1))
        text = (
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}; "
            f"`make bench` (bench/search_bench.py), {args.queries} queries of each kind, "
            f"{args.edits} edits.\n\n" + table(results)
        )
        if args.notes.is_file():
            text += "\n\n" + args.notes.read_text().strip()
        write_results(text, args.results)
        print(table(results), flush=True)


if __name__ == "__main__":
    main()
