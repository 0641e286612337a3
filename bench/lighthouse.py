"""Lighthouse scores of the home page, a profile and a search, as a phone visitor feels them.

Serves the demo archive from a fresh temporary instance on a free local port, runs Lighthouse
(Debian's Chromium, mobile emulation with simulated slow 4G) on each page and writes a table
between the ``lighthouse`` markers of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- lighthouse:begin -->", "<!-- lighthouse:end -->"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def serve_demo(tmp: Path):
    """Import the demo archive into a fresh instance and serve it; returns (server, base URL)."""
    from memorial import create_app
    from memorial.extensions import db
    from memorial.models import Hero
    from memorial.schema import create_schema

    app = create_app(
        {
            "INSTANCE_PATH": str(tmp),
            "DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"sqlite:///{tmp / 'memorial.db'}",
            "SECRET_KEY": os.urandom(16).hex(),
            "SEARCH_SYNC": "inline",
        }
    )
    with app.app_context():
        create_schema()
    result = app.test_cli_runner().invoke(args=["import-archive", str(ROOT / "archive_data")])
    if result.exit_code != 0:
        sys.exit(f"demo import failed: {result.output}")
    with app.app_context():
        slug = db.session.scalar(select(Hero.slug).where(Hero.external_id == "demo-001"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", slug


def run_lighthouse(lighthouse: str, url: str, out: Path) -> dict:
    """One Lighthouse run; returns the category scores (0-100) and the main timings."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        [
            lighthouse,
            url,
            "--output=json",
            f"--output-path={out}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--quiet",
            "--only-categories=" + ",".join(CATEGORIES),
        ],
        check=True,
        env=env,
    )
    report = json.loads(out.read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = report["audits"]
    scores["fcp"] = audits["first-contentful-paint"]["displayValue"]
    scores["lcp"] = audits["largest-contentful-paint"]["displayValue"]
    scores["cls"] = audits["cumulative-layout-shift"]["displayValue"]
    scores["tbt"] = audits["total-blocking-time"]["displayValue"]
    scores["failed"] = sorted(
        key
        for key, audit in audits.items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    )
    return scores


def write_results(rows: list[tuple[str, str, dict]]) -> None:
    """Replace the Lighthouse section of bench/RESULTS.md with a table of the runs."""
    cpu = platform.processor() or platform.machine()
    lines = [
        (
            f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores ({cpu}), Lighthouse "
            "12.2.3 with Debian's Chromium, default mobile emulation (simulated slow 4G, 4x CPU "
            "slowdown), demo archive served by the Werkzeug server. `make bench-lighthouse`."
        ),
        "",
        (
            "| page | URL | performance | accessibility | best practices | SEO | FCP | LCP | TBT "
            "| CLS |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, path, s in rows:
        lines.append(
            f"| {name} | `{path}` | {s['performance']} | {s['accessibility']} | "
            f"{s['best-practices']} | {s['seo']} | {s['fcp']} | {s['lcp']} | "
            f"{s['tbt']} | {s['cls']} |"
        )
    failing = {f"{name}: {', '.join(s['failed'])}" for name, _p, s in rows if s["failed"]}
    if failing:
        lines += ["", "Audits below 0.9: " + "; ".join(sorted(failing)) + "."]
    text = RESULTS.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    RESULTS.write_text(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")


def main() -> None:
    """Serve the demo, measure the three pages, write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default=".tools/node_modules/.bin/lighthouse")
    parser.add_argument("--keep", type=Path, help="a folder to keep the full JSON reports in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        server, base, slug = serve_demo(tmp)
        pages = [
            ("home", "/"),
            ("profile", f"/heroes/{slug}"),
            ("search", "/search?q=" + urllib.parse.quote("Сокіл")),
        ]
        rows = []
        try:
            for number, (name, path) in enumerate(pages, 1):
                print(f"[{number}/{len(pages)}] lighthouse {name} {path}", flush=True)
                scores = run_lighthouse(args.lighthouse, base + path, tmp / f"{name}.json")
                print(f"    {json.dumps(scores, ensure_ascii=False)}", flush=True)
                rows.append((name, urllib.parse.unquote(path), scores))
        finally:
            server.shutdown()
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for name, _path in pages:
                (args.keep / f"{name}.json").write_bytes((tmp / f"{name}.json").read_bytes())
    write_results(rows)
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
