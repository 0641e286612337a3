"""Load measurement: gunicorn (4 workers) on 127.0.0.1 under wrk, on SQLite and PostgreSQL.

For each database: a fresh database and data folder under bench/work/, the synthetic corpus
(bench/load_corpus.py) imported through ``memorial import-archive`` (time and peak memory
measured), then wrk against a trivial endpoint of the same server (a static file: the
ceiling), the home page, profiles, the search page and the search API. The table is written
between the ``load`` markers of bench/RESULTS.md.

Usage: python bench/load.py --heroes 100000 [--duration 15] [--connections 16] [--keep]

``--keep`` leaves the imported databases in place (bench/work/, and a PostgreSQL database named
after the corpus size) with their import figures; a later run with ``--reuse`` loads the server
again without importing, and says in the table when the import was measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
BIN = Path(sys.executable).parent
RESULTS = BENCH / "RESULTS.md"
PG_SERVER = os.environ.get("LOAD_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORKERS = 4
#: The page cache (and rate-limit storage) of the server under load: --cache.
CACHE = "redis://127.0.0.1:6379/5"
#: wrk counts a request unanswered after this many seconds as an error (gunicorn gives up
#: on a worker after 30).
TIMEOUT = 10

sys.path.insert(0, str(BENCH))
from load_corpus import write_corpus


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER)
    with psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command; return seconds, peak resident memory in MiB, and its last output line."""
    stats = WORK / "time.txt"
    start = time.monotonic()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(stats), *cmd],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    peak_kib = int(stats.read_text().split()[-1])
    return seconds, peak_kib // 1024, (result.stdout.strip().splitlines() or [""])[-1]


def sample_paths(env: dict, count: int = 200, cold: int = 20_000) -> dict[str, list[str]]:
    """URLs to request: published profiles and searches a visitor would type.

    The cached rows rotate over ``count`` profiles and searches, which every worker has seen
    after the warm-up; the cold rows over ``cold`` profiles and a quarter as many searches,
    more than one run requests, so every request renders the page afresh.
    """
    code = (
        "import json,random\n"
        "from memorial import create_app\n"
        "from memorial.extensions import db\n"
        "from memorial.models import Hero\n"
        "app=create_app()\n"
        "with app.app_context():\n"
        "  rows=db.session.execute(db.select(Hero.slug,Hero.surname,Hero.birth_place,"
        "Hero.given_name)"
        ".where(Hero.status=='published')).all()\n"
        f"  random.seed(7); rows=random.sample(rows,min({count + cold},len(rows)))\n"
        "  print(json.dumps([list(r) for r in rows],ensure_ascii=False))\n"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = json.loads(out)
    rng = random.Random(11)
    queries = []
    for _slug, surname, place, _given in rows:
        queries.append(
            rng.choice(
                (
                    surname,
                    f"{surname} {place}",
                    place or surname,
                    surname[:-1] + "а" if len(surname) > 5 else surname,
                )
            )
        )
    # Distinct cold searches: the way visitors mostly search, by name (given name and
    # surname in either order, or the surname with one letter dropped).
    cold_queries = []
    for n, (_, surname, _place, given) in enumerate(rows):
        cold_queries.append(
            (f"{given} {surname}", f"{surname} {given}", f"{surname[:-2]}{surname[-1]} {given}")[
                n % 3
            ]
        )
    cold_queries = list(dict.fromkeys(cold_queries))
    quote = urllib.parse.quote
    warm, rest = rows[:count], rows[count:]
    return {
        "static file (ceiling)": ["/static/css/site.css"],
        "home page": ["/"],
        "profile": [f"/heroes/{slug}" for slug, *_ in warm],
        "search page": [f"/search?q={quote(q)}" for q in queries[:count]],
        "search API": [f"/api/v1/search?q={quote(q)}" for q in queries[:count]],
        "profile, uncached": [f"/heroes/{slug}" for slug, *_ in rest],
        "search page, uncached": [
            f"/search?q={quote(q)}" for q in cold_queries[count : count + cold // 4]
        ],
        "search API, uncached": [
            f"/api/v1/search?q={quote(q)}"
            for q in cold_queries[count + cold // 4 : count + cold // 2]
        ],
    }


LUA = """local paths = {%s}
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  -- each of wrk's threads starts at its own part of the list, so none repeats another's
  i = (id or 0) * math.floor(#paths / 2)
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(base: str, paths: list[str], seconds: int, connections: int) -> dict:
    """wrk against ``paths`` in rotation; requests/s, p50/p99 in ms and the error count."""
    script = WORK / "paths.lua"
    script.write_text(LUA % ", ".join('"' + p.replace('"', "%22") + '"' for p in paths))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            f"{TIMEOUT}s",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if match:
        errors += int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if match:
        errors += sum(int(x) for x in match.groups())
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}


def fetch_each(base: str, paths: list[str]) -> None:
    """Request every path once, four at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=60) as answer:
            answer.read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fetch, paths))


def worker_peaks(master: int) -> int:
    """The largest peak resident memory (MiB) among the gunicorn workers of ``master``."""
    peak = 0
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peak = max(peak, int(match.group(1)) // 1024)
    return peak


def measure(
    kind: str,
    corpus: Path,
    heroes: int,
    seconds: int,
    connections: int,
    keep: bool = False,
    reuse: bool = False,
) -> dict:
    """Import the corpus into a fresh ``kind`` database (or reuse a kept one) and load the
    server; return figures."""
    data = WORK / f"data-{kind}-{heroes}"
    saved = WORK / f"import-{kind}-{heroes}.json"
    reuse = reuse and saved.is_file()
    if not reuse:
        shutil.rmtree(data, ignore_errors=True)
        saved.unlink(missing_ok=True)
        data.mkdir(parents=True)
    env = dict(
        os.environ,
        MEMORIAL_DATA_DIR=str(data),
        MEMORIAL_SECRET_KEY="load-bench",
        MEMORIAL_SEARCH_SYNC="thread",
    )
    pg_name = f"memorial_load_{heroes}" if keep or reuse else f"memorial_load_{os.getpid()}"
    if kind == "sqlite":
        env.update(
            MEMORIAL_DATABASE_URL=f"sqlite:///{data / 'memorial.db'}",
            MEMORIAL_SEARCH_BACKEND="whoosh",
        )
    else:
        from sqlalchemy.engine import make_url

        if not reuse:
            pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{pg_name}"')
        url = make_url(PG_SERVER).set(database=pg_name).render_as_string(hide_password=False)
        env.update(MEMORIAL_DATABASE_URL=url, MEMORIAL_SEARCH_BACKEND="postgres")
    server = None
    try:
        if reuse:
            figures = json.loads(saved.read_text())
            seconds_import, peak_import = figures["seconds"], figures["peak"]
            print(f"[{kind}] reusing the import of {figures['when']}", file=sys.stderr, flush=True)
        else:
            timed([str(BIN / "memorial"), "init-db"], env)
            print(f"[{kind}] importing {heroes} heroes ...", file=sys.stderr, flush=True)
            seconds_import, peak_import, line = timed(
                [str(BIN / "memorial"), "import-archive", str(corpus)], env
            )
            print(f"[{kind}] {line} in {seconds_import:.0f} s", file=sys.stderr, flush=True)
            figures = {
                "seconds": seconds_import,
                "peak": peak_import,
                "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            }
            if keep:
                saved.write_text(json.dumps(figures))
        check = subprocess.run(
            [str(BIN / "memorial"), "check"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if not seconds:
            return {
                "import_s": seconds_import,
                "import_peak": peak_import,
                "check": check.returncode,
            }
        paths = sample_paths(env)
        if CACHE.startswith("redis://"):
            import redis

            redis.Redis.from_url(CACHE).flushdb()  # the bench's own database: no page kept
            env.update(MEMORIAL_CACHE_URI=CACHE, MEMORIAL_RATELIMIT_STORAGE_URI=CACHE)
        else:
            env.update(MEMORIAL_CACHE_URI=CACHE)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                "memorial:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        rows = {}
        for label, urls in paths.items():
            if "uncached" in label:  # warm up on pages the measured run never asks for
                warm, urls = urls[-1000:], urls[:-1000]
            else:  # every page once, so that the measured run finds each in the cache
                warm = urls
                fetch_each(base, urls)
            run_wrk(base, warm, 2, connections)  # warm every worker first
            rows[label] = run_wrk(base, urls, seconds, connections)
            rows[label]["paths"] = len(urls)
            r = rows[label]
            print(
                f"[{kind}] {label}: {r['rps']:.0f} req/s p50 {r['p50']:.1f} ms "
                f"p99 {r['p99']:.1f} ms errors {r['errors']}",
                file=sys.stderr,
                flush=True,
            )
        return {
            "import_s": seconds_import,
            "import_peak": peak_import,
            "rows": rows,
            "worker_peak": worker_peaks(server.pid),
            "check": check.returncode,
            "import_when": figures["when"],
        }
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if kind == "postgres" and not (keep or reuse):
            pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def table(results: dict, heroes: int, seconds: int, connections: int) -> str:
    """The Markdown section written into RESULTS.md."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cache = {"none": "off"}.get(CACHE, f"`{CACHE}`")
    first = next(iter(results.values()))["rows"]
    cold_profiles = first["profile, uncached"]["paths"]
    cold_searches = min(
        first["search page, uncached"]["paths"], first["search API, uncached"]["paths"]
    )
    intro = (
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} × {cpu}, "
        f"{platform.python_implementation()} {platform.python_version()}, with `make bench-load` "
        f"(`bench/load.py`): {heroes:,} synthetic published heroes (`bench/load_corpus.py`), "
        f"gunicorn `-w {WORKERS}` (sync workers) on 127.0.0.1, page cache {cache}, "
        f"`wrk -t2 -c{connections} -d{seconds}s --timeout {TIMEOUT}s` after a 2 s warm-up. "
        "The cached rows rotate "
        "over 200 profiles and 200 searches (every page is in the cache after the warm-up); "
        f"the uncached rows over {cold_profiles:,} profiles and {cold_searches:,} searches by "
        "name (given name and surname, either order, some with a letter missing) that no run "
        "has asked for before, so each request renders its page. wrk shares the machine's "
        "cores with the server, so compare rows, not machines."
    )
    lines = [
        intro,
        "",
        "| database / search | endpoint | req/s | % of ceiling | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, result in results.items():
        name = "SQLite / Whoosh" if kind == "sqlite" else "PostgreSQL / PostgreSQL"
        ceiling = result["rows"]["static file (ceiling)"]["rps"]
        for label, r in result["rows"].items():
            lines.append(
                f"| {name} | {label} | {r['rps']:.0f} | {100 * r['rps'] / ceiling:.0f} % "
                f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |"
            )
    lines += [
        "",
        (
            "| database / search | import (incl. indexing) | profiles/s | import peak RSS "
            "| worker peak RSS | `memorial check` after |"
        ),
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind, result in results.items():
        name = "SQLite / Whoosh" if kind == "sqlite" else "PostgreSQL / PostgreSQL"
        name += f" (import {result['import_when']})"
        lines.append(
            f"| {name} | {result['import_s']:.0f} s | {heroes / result['import_s']:.0f} "
            f"| {result['import_peak']} MiB | {result['worker_peak']} MiB | "
            f"{'exit 0' if result['check'] == 0 else 'FAILED'} |"
        )
    return "\n".join(lines)


def write_results(section: str) -> None:
    """Replace the text between the load markers of RESULTS.md."""
    text = RESULTS.read_text(encoding="utf-8")
    begin, end = "<!-- load:begin -->", "<!-- load:end -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    RESULTS.write_text(f"{head}{begin}\n{section}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    """Command line entry point."""
    global CACHE
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--heroes", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--cache",
        default=CACHE,
        help="MEMORIAL_CACHE_URI of the server: a redis:// database of its own "
        "(emptied first; rate limits kept there too), memory:// or none",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the imported databases for a later --reuse"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="load the databases a --keep run left instead of importing",
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="import (with --keep) and stop before loading the server",
    )
    args = parser.parse_args()
    CACHE = args.cache
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = WORK / f"corpus-{args.heroes}"
    if not (corpus / "heroes.json").is_file():
        print(f"writing the corpus of {args.heroes} heroes ...", file=sys.stderr, flush=True)
        write_corpus(corpus, args.heroes)
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    if args.import_only:
        for kind in kinds:
            measure(kind, corpus, args.heroes, 0, args.connections, keep=True)
        return
    results = {
        kind: measure(
            kind,
            corpus,
            args.heroes,
            args.duration,
            args.connections,
            keep=args.keep,
            reuse=args.reuse,
        )
        for kind in kinds
    }
    section = table(results, args.heroes, args.duration, args.connections)
    write_results(section)
    print(section)


if __name__ == "__main__":
    main()
