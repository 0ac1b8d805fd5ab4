"""Retention: how long row-level data is kept (settings), and the daily purge.

Rows past their period are folded into monthly counts (reports.models.MonthCount)
before they are deleted, so reports "since the start" keep every contact.
"""

from __future__ import annotations

DEFAULTS = {
    "REGISTRATION_RETENTION_DAYS": 730,
    "MISSED_RETENTION_DAYS": 365,
    "AUDIT_RETENTION_DAYS": 730,
}


def settings(config) -> dict[str, int]:
    """The retention periods in days, from the app's config (DEFAULTS when unset)."""
    return {name: int(config.get(name, default)) for name, default in DEFAULTS.items()}
