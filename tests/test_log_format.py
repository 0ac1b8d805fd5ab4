"""Logs an operator can read (issue 16): ISO 8601 times with their zone, other libraries'
lines filled with their numbers (never a bare `%s`, never a name or packet), one line per
retention run, a clear refusal of an unknown HELPLINE_ENV."""

from __future__ import annotations

import logging
import re

import pytest

from helpline import create_app
from helpline.server.logs import WITHHELD_ARG, AnonymousFormatter, fill


def _record(name: str, msg: str, args) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_a_library_line_keeps_its_numbers_and_withholds_the_rest():
    line = fill("Worker %s: could not connect to Redis instance: %s retrying in %d seconds...",
                ("rq:worker:abc", ConnectionError("203.0.113.7"), 4))
    assert line == (f"Worker {WITHHELD_ARG}: could not connect to Redis instance: "
                    f"{WITHHELD_ARG} retrying in 4 seconds...")
    assert fill("%d%% of %5.1f s %(peer)s", (50, 2.25)) == f"50% of   2.2 s {WITHHELD_ARG}"
    assert fill("%d jobs", ("1; DROP",)) == f"{WITHHELD_ARG} jobs"  # not a number: withheld


def test_the_formatter_writes_iso_times_with_a_zone_and_no_bare_placeholder():
    formatter = AnonymousFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    line = formatter.format(_record("rq.worker", "Worker %s: idle for %d seconds",
                                    ("w-secret", 30)))
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ERROR rq.worker: "
                    r"Worker \[-\]: idle for 30 seconds$", line), line
    assert "%" not in line and "w-secret" not in line


def test_an_unknown_environment_is_refused_by_name():
    with pytest.raises(SystemExit) as refused:
        create_app("prodution")
    assert "HELPLINE_ENV must be one of development, testing, production" in str(refused.value)


def test_a_retention_run_writes_one_line_with_counts(app, ctx, caplog):
    from helpline.records import retention

    with ctx(), caplog.at_level(logging.INFO, logger="helpline.retention"):
        retention.daily_purge("2026-12-01")
    [line] = [r.getMessage() for r in caplog.records if r.name == "helpline.retention"]
    assert line.startswith("retention run for 2026-12-01: 0 registrations")
