"""Search benchmark of the PostgreSQL backend on the corpus of ``search_bench.py``.

Builds the ``search_document`` index of N synthetic heroes in the database at ``--url`` (its
schema is created by the migrations; the index table is replaced), then times the same six
query kinds (top 20, search alone, wall time, p50/p95) plus a broad word found in most
profiles. Prints a Markdown table.

    python bench/search_pg_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench --n 10000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import Corpus  # noqa: I001
from search_bench import KINDS, TOP, hero_of, make_queries, pct

from sqlalchemy import text

from memorial import create_app
from memorial.schema import create_schema
from memorial.search import backend_for
from memorial.search.documents import build_document
from memorial.search.query import SearchRequest

#: Words of the templated sentences: each is in about half of all profiles or more.
BROAD = ("захисник", "народився", "служив", "родина", "пам'ять")


def main() -> None:
    """Build the index, time the queries, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "pg")
    parser.add_argument("--reuse", action="store_true", help="keep the index already built")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATA_DIR": str(args.work),
            "DATABASE_URL": args.url,
            "SEARCH_BACKEND": "postgres",
            "SEARCH_SYNC": "inline",
        }
    )
    corpus = Corpus()
    with app.app_context():
        create_schema()
    backend = backend_for(app)
    if not args.reuse:
        start = time.monotonic()
        docs = (build_document(hero_of(p)) for p in corpus.profiles(args.n))
        with backend.write_lock():
            backend.rebuild(docs, size_hint=args.n)
        print(f"built {args.n} in {time.monotonic() - start:.0f} s", file=sys.stderr)
        with backend.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE search_document")
            )
    queries = make_queries(corpus, args.n, args.queries)
    queries["broad word"] = [{"q": w, "id": 0} for w in BROAD] * (args.queries // len(BROAD))
    rows = []
    for kind in (*KINDS, "broad word"):
        times = []
        found = 0
        for item in queries[kind][:5]:
            backend.search(SearchRequest(q=item["q"], per_page=TOP))
        for item in queries[kind]:
            req = SearchRequest(q=item["q"], per_page=TOP, death_year=item.get("death_year"))
            start = time.perf_counter()
            page = backend.search(req)
            times.append(time.perf_counter() - start)
            found += item["id"] in [h.hero_id for h in page.hits]
        rows.append(
            f"| {args.n:,} | {kind} | {pct(times, 0.5):.1f} / {pct(times, 0.95):.1f} "
            f"| {found}/{len(times)} |"
        )
    print("| N | query | PostgreSQL p50 / p95 ms | found in top 20 |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
