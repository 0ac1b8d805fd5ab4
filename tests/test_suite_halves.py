"""CI's two halves (.ci/run, tests/conftest.py): together they run every test, and only a
test that is the same whatever the backends runs in one half only (marked so, a browser
test, or one that takes no backend fixture)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import once_in


def item(fixtures=(), marker=None, args=()):
    found = SimpleNamespace(args=args)
    return SimpleNamespace(fixturenames=list(fixtures),
                           get_closest_marker=lambda name: found if name == marker else None)


def test_a_browser_test_runs_in_the_embedded_half_only():
    assert once_in(item(["browser", "live"])) == "embedded"


def test_a_test_marked_once_runs_in_the_services_half_only():
    assert once_in(item(["tmp_path"], marker="once")) == "services"


def test_a_test_marked_once_for_a_half_runs_in_that_half_only():
    assert once_in(item(["tmp_path"], marker="once", args=("embedded",))) == "embedded"


def test_a_test_without_any_backend_runs_in_the_services_half_only():
    assert once_in(item([])) == "services"
    assert once_in(item(["tmp_path", "monkeypatch"])) == "services"


@pytest.mark.parametrize("fixtures", [["app", "redis_url"], ["live", "redis_url", "live_db"]])
def test_every_test_with_a_backend_runs_in_both(fixtures):
    assert once_in(item(fixtures)) is None
