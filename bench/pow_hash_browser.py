"""The proof-of-work solver's two SHA-256 paths in a Web Worker of headless Chromium.

bench/pow_hash.mjs measures them in node; this runs the page's own solver
(static/js/pow-worker.js) in the browser that chatters use, from http://127.0.0.1 (a
secure context, so crypto.subtle is there, as on https): hashes per second of a full
search (no answer in range) with crypto.subtle.digest and with the plain-JS fallback.

    .venv/bin/python bench/pow_hash_browser.py [--hashes 200000] [--runs 5]

Needs Playwright (requirements-dev.txt) and /usr/bin/chromium (`make chromium`).
Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import statistics
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SALT = "5f1c0e9a2b7d4c3e8a6b1f0d?expires=1767225600&"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    maxnumber = args.hashes - 1
    challenge = {"algorithm": "SHA-256", "salt": SALT, "maxnumber": maxnumber,
                 "signature": "0" * 64,
                 "challenge": hashlib.sha256(f"{SALT}{maxnumber + 1}".encode()).hexdigest()}
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(ROOT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(url + "/bench/")
            rates: dict[str, list[float]] = {"fallback": [], "subtle": []}
            info = {}
            for _ in range(args.runs + 1):  # the first round warms up
                for path in rates:
                    info = page.evaluate(
                        """([path, challenge]) => new Promise((resolve) => {
                             const worker = new Worker('/bench/pow_hash_worker.js');
                             worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
                             worker.postMessage({ path, challenge });
                           })""", [path, challenge])
                    assert info["found"] is None, "a full search found a number"
                    rates[path].append(args.hashes / (info["ms"] / 1000))
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
    print(f"Chromium {version}, worker in a secure context: {info['secure']}, "
          f"crypto.subtle there: {info['subtle']}; "
          f"{args.hashes:,} hashes per run, {args.runs} runs")
    fallback = statistics.median(rates["fallback"][1:])
    for path, name in (("fallback", "plain-JS fallback (solve)"),
                       ("subtle", "crypto.subtle (solveSubtle)")):
        runs = sorted(rates[path][1:])
        print(f"{name:30} median {statistics.median(runs):>11,.0f} hashes/s "
              f"(min {runs[0]:,.0f}, max {runs[-1]:,.0f}); "
              f"{statistics.median(runs) / fallback:.2f}x the fallback")


if __name__ == "__main__":
    main()
