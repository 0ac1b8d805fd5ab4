"""WCAG 2.2 AA checks in the browser tests: axe-core (from the npm registry, never a CDN).

The page's strict CSP forbids injected script tags, so axe's source is evaluated through
the browser's debugging protocol, which the page cannot see or block.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@cache
def _source() -> str:
    return AXE.read_text()


def violations(page, exclude: list[str] | None = None) -> list[dict]:
    """axe's WCAG 2.2 AA violations on what the page shows now (hidden parts are skipped)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    context = {"exclude": [[s] for s in exclude]} if exclude else None
    result = page.evaluate(
        "([context, tags]) => axe.run(context || document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [context, TAGS])
    return [{"id": v["id"], "impact": v["impact"],
             "targets": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def assert_accessible(page, what: str = "", exclude: list[str] | None = None) -> None:
    """Fail with axe's rule ids and the elements concerned when any violation is found."""
    found = violations(page, exclude)
    assert not found, f"accessibility violations {what}: {found}"
