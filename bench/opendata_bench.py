"""Open data at scale: how long a CSV and an XLSX of the whole archive take to build, how big
they are, the memory a build needs, what serving a built file costs, and one OAI-PMH page.

Usage: python bench/opendata_bench.py --sizes 10000 100000

The heroes (the load corpus of ``bench/load_corpus.py``) are written straight into a fresh
SQLite database (an import would spend its time on the search index, which a build never
reads). Each build runs in a process of its own, so its peak memory is its own. Writes the
open data section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BASE_URL = "https://memorial.example.org"
sys.path.insert(0, str(ROOT / "bench"))


def make_app(folder: Path):
    from memorial import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": f"sqlite:///{folder / 'memorial.db'}",
            "SEARCH_SYNC": "inline",
            "CACHE_URI": "none",
        }
    )


def fill(folder: Path, count: int) -> None:
    """``count`` published heroes of the load corpus, written straight into the tables."""
    from load_corpus import hero
    from sqlalchemy import insert

    from memorial.dates import PartialDate
    from memorial.extensions import db
    from memorial.language import first_letter, name_sort_key
    from memorial.models import Award, Hero
    from memorial.schema import create_tables

    app = make_app(folder)
    rng = random.Random(55)
    with app.app_context():
        create_tables()
        heroes, awards = [], []
        for n in range(count):
            record = hero(rng, n)
            birth = PartialDate.parse(record["birth_date"])
            death = PartialDate.parse(record["death_date"])
            heroes.append(
                {
                    "id": n + 1,
                    "external_id": record["external_id"],
                    "slug": f"hero-{n + 1}",
                    "status": "published",
                    "surname": record["surname"],
                    "given_name": record["given_name"],
                    "patronymic": record["patronymic"],
                    "call_sign": record["call_sign"] or None,
                    "birth_year": birth.year,
                    "birth_month": birth.month,
                    "birth_day": birth.day,
                    "death_year": death.year,
                    "death_month": death.month,
                    "birth_place": record["birth_place"],
                    "home_community": record["home_community"],
                    "rank": record["rank"],
                    "military_unit": record["military_unit"],
                    "death_place": record["death_place"],
                    "burial_place": record["burial_place"],
                    "biography": record["biography"],
                    "index_letter": first_letter(record["surname"]),
                    "sort_name": name_sort_key(
                        record["surname"], record["given_name"], record["patronymic"]
                    ),
                    "published_at": time_now(),
                }
            )
            awards += [
                {"hero_id": n + 1, "position": i, "name": a["name"], "posthumous": True}
                for i, a in enumerate(record["awards"])
            ]
            if len(heroes) >= 5000:
                db.session.execute(insert(Hero.__table__), heroes)
                heroes = []
        if heroes:
            db.session.execute(insert(Hero.__table__), heroes)
        if awards:
            db.session.execute(insert(Award.__table__), awards)
        db.session.commit()
        db.engine.dispose()


def time_now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def child_build(folder: Path, fmt: str) -> None:
    """Build one file (in this process) and print its figures as JSON."""
    from memorial.extensions import db
    from memorial.web import opendata as web

    app = make_app(folder)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with app.test_request_context(base_url=BASE_URL):
        from flask_babel import force_locale

        from memorial import opendata

        started = time.perf_counter()
        with force_locale("uk"):
            path = opendata.ensure_file(
                db.session, app.config["DATA_DIR"], fmt, web._hero_url, web._photo_url
            )
        seconds = time.perf_counter() - started
        db.session.remove()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        json.dumps(
            {"seconds": seconds, "bytes": path.stat().st_size, "peak_mib": peak, "start": before}
        )
    )


def child_serve(folder: Path) -> None:
    """Time downloads of built files and OAI-PMH pages through the app; print JSON."""
    app = make_app(folder)
    client = app.test_client()
    figures = {}
    for fmt in ("csv", "xlsx"):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(f"/opendata/heroes.{fmt}", base_url=BASE_URL)
            response.get_data()
            response.close()
            times.append((time.perf_counter() - started) * 1000)
        figures[f"serve_{fmt}_ms"] = statistics.median(times)
        etag = response.headers["ETag"]
        times = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(
                f"/opendata/heroes.{fmt}", base_url=BASE_URL, headers={"If-None-Match": etag}
            )
            assert response.status_code == 304
            response.close()
            times.append((time.perf_counter() - started) * 1000)
        figures[f"not_modified_{fmt}_ms"] = statistics.median(times)
    times = []
    from lxml import etree

    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc", base_url=BASE_URL)
    for _ in range(10):
        root = etree.fromstring(response.data)
        token = root.find(".//{http://www.openarchives.org/OAI/2.0/}resumptionToken")
        started = time.perf_counter()
        response = client.get(
            "/oai",
            query_string={"verb": "ListRecords", "resumptionToken": token.text},
            base_url=BASE_URL,
        )
        times.append((time.perf_counter() - started) * 1000)
    figures["oai_page_ms"] = statistics.median(times)
    print(json.dumps(figures))


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine() -> str:
    cores = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip().split()[0:2]
                cpu = " ".join(cpu)
                break
    except OSError:
        pass
    return (
        f"{cpu}, {cores} cores, {memory} GiB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def main() -> None:
    """Command line entry point."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child-build":
        child_build(Path(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-serve":
        child_serve(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    rows = []
    for count in args.sizes:
        with tempfile.TemporaryDirectory(prefix="opendata-bench-") as tmp:
            folder = Path(tmp)
            print(f"{count}: writing heroes", file=sys.stderr)
            fill(folder, count)
            figures = {}
            for fmt in ("csv", "xlsx"):
                print(f"{count}: building {fmt}", file=sys.stderr)
                figures[fmt] = run_child("--child-build", str(folder), fmt)
            print(f"{count}: serving", file=sys.stderr)
            served = run_child("--child-serve", str(folder))
            rows.append((count, figures, served))
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        f"Measured {stamp} on {machine()}; `python bench/opendata_bench.py` (load corpus of "
        "`bench/load_corpus.py`, ~1 KB of biography per hero, 40 % with an award).",
        "",
        "| N | file | build s | size MiB | process MiB before / peak | download (built) ms | "
        "304 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, figures, served in rows:
        for fmt in ("csv", "xlsx"):
            f = figures[fmt]
            lines.append(
                f"| {count:,} | {fmt.upper()} | {f['seconds']:.1f} | {f['bytes'] / 2**20:.1f} | "
                f"{f['start']} / {f['peak_mib']} | {served[f'serve_{fmt}_ms']:.1f} | "
                f"{served[f'not_modified_{fmt}_ms']:.1f} |"
            )
    lines += ["", "| N | OAI-PMH ListRecords page of 100 (resumption token), p50 ms |", "|---|---|"]
    lines += [f"| {count:,} | {served['oai_page_ms']:.1f} |" for count, _f, served in rows]
    section = "\n".join(lines)
    print(section)
    text = RESULTS.read_text(encoding="utf-8")
    begin, end = "<!-- opendata:begin -->", "<!-- opendata:end -->"
    if begin not in text:
        text += f"\n## Open data\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    RESULTS.write_text(f"{head}{begin}\n{section}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
