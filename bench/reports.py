"""Reports benchmark: the reports page and the XLSX export over ~100,000 registrations.

Fills a fresh database with the demo history scaled up (`--scale 53`: 101,389
registrations 2017-2021, every proportion of the annual report kept), signs in a
supervisor and times, in this process through Flask's test client (no network):

- the reports page "since the start" and for one year (2021),
- the whole report as XLSX, and the row-level registrations CSV (no notes).

    .venv/bin/python bench/reports.py [--scale 53] [--runs 5] [--database-url URL]

By default the database is a scratch SQLite file; `--database-url` points it at another
(PostgreSQL: give a scratch database, its tables are dropped and recreated). An embedded
Redis is started (the app needs one) and stopped at the end. It prints figures and
asserts nothing; docs/benchmarks.md records them. The target is under 1 s for the page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpline import create_app  # noqa: E402
from helpline.admin import accounts  # noqa: E402
from helpline.extensions import db  # noqa: E402
from helpline.records import demo  # noqa: E402
from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis  # noqa: E402

PASSWORD = "bench password 123"
TARGETS = [
    ("page, since the start", "/staff/reports/?all=1"),
    ("page, year 2021", "/staff/reports/?year=2021"),
    ("XLSX, since the start", "/staff/reports/report.xlsx?all=1"),
    ("rows CSV, since the start", "/staff/reports/registrations.csv?all=1"),
]


def timed(client, url: str, runs: int) -> tuple[list[float], int]:
    """Wall-clock seconds of each GET (the body read in full) and the body size."""
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=53)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, redis_url = start_embedded_redis(tmp)
        try:
            run(args, tmp, redis_url)
        finally:
            stop_embedded_redis(proc)
    return 0


def run(args, tmp: str, redis_url: str) -> None:
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url,
                                           "REDIS_URL": redis_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        count = demo.fill(db.session, scale=args.scale)
        filled = time.perf_counter() - started
        accounts.create_staff(db.session, "bench", "Bench", "supervisor", PASSWORD)
    print(f"database: {url.split(':')[0]}; {count} registrations inserted in {filled:.1f} s")
    client = app.test_client()
    client.post("/staff/login", data={"username": "bench", "password": PASSWORD})
    client.get("/staff/reports/?year=2021")  # warm up: templates, first connections
    print(f"{'request':28} {'median':>8} {'min':>8} {'max':>8} {'size':>10}  ({args.runs} runs)")
    for name, path in TARGETS:
        times, size = timed(client, path, args.runs)
        print(f"{name:28} {statistics.median(times):7.3f}s {min(times):7.3f}s "
              f"{max(times):7.3f}s {size:>10,}")
    with app.app_context():
        if args.database_url:
            db.drop_all()
        db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
