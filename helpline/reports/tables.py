"""What every report table is made of: the Table itself, a percentage cell, and the
taxonomy's labels in the reader's language (the page, CSV and XLSX share them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..records.taxonomy import Taxonomy

UNKNOWN = _l("Unknown")
@dataclass
class Table:
    """One section of the report: the page shows it, CSV and XLSX export it."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str | None = None  # 'bars' (first two columns), 'months' or 'years' (stacked)
    footer: list | None = None  # a totals row, kept out of the chart
    note: str | None = None  # how to read the table, shown beneath it and exported

    def all_rows(self) -> list[list]:
        return self.rows + ([self.footer] if self.footer else [])


class Pct(float):
    """A share in percent (10.8 means 10.8 %): exports write it as a percentage cell."""


def pct(part: float, whole: float) -> Pct | None:
    """A share in percent with one decimal, or None when there is nothing to share."""
    return Pct(round(100 * part / whole, 1)) if whole else None


class Labels:
    """Taxonomy labels in the reader's language."""

    def __init__(self, taxonomy: Taxonomy):
        lang = str(get_locale() or "en")
        self.names: dict[str, dict[str, str]] = {}
        for section in ("age_bands", "genders", "help_given", "referral_targets", "regions",
                        "follow_up", "target_groups", "risk"):
            self.names[section] = {o.key: o.label_for(lang) for o in getattr(taxonomy, section)}
        self.names["subcategories"] = {s.key: s.label_for(lang)
                                       for g in taxonomy.target_groups for s in g.subcategories}

    def __call__(self, section: str, key: str) -> str:
        if key in ("", "unknown"):
            return str(UNKNOWN)
        return self.names.get(section, {}).get(key, key)
