"""Scrub load: do notes being scrubbed slow down live chats? (issue 14, point 4)

Scrubbing a note takes milliseconds of CPU (bench/scrubber.py). In a server process it
runs in a one-thread gevent pool (SCRUBBER_THREADS=1, the default), so the event loop
keeps serving sockets; SCRUBBER_THREADS=0 scrubs on the loop, for comparison.

Like bench/login_load.py (whose helpers it uses): P chat pairs exchange a message every
200 ms and the therapist's socket measures each message's latency, while N threads each
post the phone-registration form with a 500-character note full of names and places as
fast as the server answers (each post is scrubbed and comes back for confirmation). It
prints the chat p50/p95/max and the notes scrubbed per second, for no posters, the pool
and inline.

    .venv/bin/python bench/scrub_load.py [--pairs 10] [--posters 20] [--seconds 15]

It asserts nothing; docs/benchmarks.md records the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import login_load  # noqa: E402  (the same servers, pairs and report)

NOTE = ("Jan Peeters uit Gent belde eerder; gsm 0475 12 34 56, woont Kerkstraat 12, 9000 "
        "Gent. Zorgen over gedachten bij zijn nichtje Lotte (8), zit op het "
        "Sint-Romboutscollege in Mechelen. Il travaille chez Delhaize à Waterloo, sa compagne "
        "Camille Dubois habite rue des Tanneurs 14, 1000 Bruxelles. Snapchat tom_devos_88, "
        "nummerplaat 1-ABC-234, geboren 12/03/1984. Verwezen naar het CAW en het CGG, "
        "Stoppen is Mogelijk besproken, vervolg over twee weken.")[:500]
FORM = {"channel": "phone", "date": "2026-11-24", "time": "15:40", "duration": "25",
        "target_group": "close_one", "subcategory": "partner_of_offender",
        "help_given": ["listening"], "follow_up": "none", "risk": "no_indication",
        "age_band": "unknown", "gender": "unknown", "contacted_before": "unknown",
        "note": NOTE}


def note_poster(url: str, stop: threading.Event, counts: list) -> None:
    http = requests.Session()
    token = login_load.csrf(http, url)
    http.post(url + "/staff/login", allow_redirects=False,
              data={"username": "t0", "password": login_load.PASSWORD, "csrf_token": token})
    page = http.get(url + "/staff/registrations/new").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    while not stop.is_set():
        try:
            response = http.post(url + "/staff/registrations/new",
                                 data={**FORM, "csrf_token": token})
        except requests.RequestException:  # the run ended and its server stopped
            return
        if response.status_code == 400 and "confirmed_note" in response.text:
            counts.append(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis

    tmp = Path(tempfile.mkdtemp(prefix="helpline-scrub-bench-"))
    redis_proc, redis_url = start_embedded_redis(str(tmp / "redis"))
    database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        login_load.prepare(redis_url, database_url, args.pairs)
        base = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
                "SECRET_KEY": "bench-secret-" + "x" * 40, "HELPLINE_ENV": "development",
                "CHAT_ALWAYS_OPEN": "1", "MAX_LINE_LENGTH": "0", "POW_MAX_NUMBER": "1000",
                "MESSAGES_PER_10_SECONDS": "100000", "PYTHONUNBUFFERED": "1"}
        print(f"{args.pairs} chat pairs, 5 msg/s each; {args.posters} note posters "
              f"({len(NOTE)} characters); {args.seconds:.0f} s per run", flush=True)
        for label, threads, posters in (("no posters", "1", 0),
                                        ("scrubber pool (1 thread)", "1", args.posters),
                                        ("inline (no pool)", "0", args.posters)):
            env = {**base, "SCRUBBER_THREADS": threads}
            args_run = argparse.Namespace(**{**vars(args), "posters": posters})
            login_load.run(env, args_run, tmp, label, post=note_poster,
                           posted_what="notes scrubbed")
    finally:
        stop_embedded_redis(redis_proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
