"""The registration taxonomy: operator-editable categories a therapist files a contact under.

The file is validated once at start-up so that a bad edit stops the server with a clear
message instead of producing summaries that cannot be counted.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "config" / "taxonomy.toml"

SECTIONS = (
    "age_bands", "genders", "target_groups", "help_given",
    "referral_targets", "regions", "follow_up", "risk",
)
# "unknown" means "not clearly known" for these sections, so it cannot be an option key.
RESERVED_KEYS = {"age_bands": "unknown", "genders": "unknown"}

_KEY = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
LABEL_FIELDS = ("label", "label_nl", "label_fr")  # English, Dutch, French: all required
_OPTION_FIELDS = {"key", *LABEL_FIELDS}


class TaxonomyError(ValueError):
    """A malformed taxonomy file; the message names the section so an operator can fix it."""


@dataclass(frozen=True)
class Option:
    """One choice: a stable key stored in records, and the labels shown to staff."""

    key: str
    label: str
    label_nl: str
    label_fr: str

    def label_for(self, lang: str | None) -> str:
        """The label in the reader's language (English for any other)."""
        return label_for(self, lang)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON, so the console can render the choice."""
        return {"key": self.key, "label": self.label, "label_nl": self.label_nl,
                "label_fr": self.label_fr}


@dataclass(frozen=True)
class Group:
    """A target group (who contacts the helpline) with the subcategories that refine it."""

    key: str
    label: str
    label_nl: str
    label_fr: str
    subcategories: tuple[Option, ...]

    def label_for(self, lang: str | None) -> str:
        """The label in the reader's language (English for any other)."""
        return label_for(self, lang)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON, with the subcategories nested so the console can filter them."""
        return {
            "key": self.key, "label": self.label, "label_nl": self.label_nl,
            "label_fr": self.label_fr,
            "subcategories": [sub.as_dict() for sub in self.subcategories],
        }


@dataclass(frozen=True)
class Taxonomy:
    """Every registration section, in the order the operator wrote them."""

    age_bands: tuple[Option, ...]
    genders: tuple[Option, ...]
    target_groups: tuple[Group, ...]
    help_given: tuple[Option, ...]
    referral_targets: tuple[Option, ...]
    regions: tuple[Option, ...]
    follow_up: tuple[Option, ...]
    risk: tuple[Option, ...]

    def keys(self, section: str) -> set[str]:
        """The valid keys of one section, for validating what a client sends."""
        if section not in SECTIONS:
            raise KeyError(f"unknown taxonomy section {section!r}")
        return {option.key for option in getattr(self, section)}

    def group(self, key: str) -> Group | None:
        """The target group with this key, so its subcategories can be checked."""
        return next((group for group in self.target_groups if group.key == key), None)

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        """The whole taxonomy as JSON-ready data for the therapist console."""
        return {name: [item.as_dict() for item in getattr(self, name)] for name in SECTIONS}


def label_for(item: Option | Group, lang: str | None) -> str:
    """`label_nl`/`label_fr` for Dutch/French readers, `label` otherwise."""
    code = (lang or "en")[:2]
    return getattr(item, f"label_{code}") if code in ("nl", "fr") else item.label


def current() -> Taxonomy:
    """The running app's taxonomy (loaded once by create_app)."""
    from flask import current_app  # here: the rest of this module needs no Flask

    return current_app.extensions["helpline_taxonomy"]


def load_taxonomy(path: Path | str = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
    """Read and validate the taxonomy file, raising TaxonomyError on any mistake.

    Read once per version of the file: every app a process makes (the test suite makes
    one per test) shares the parsed, immutable result until the file changes."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc}") from exc
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parsed(path: Path, mtime_ns: int, size: int) -> Taxonomy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"taxonomy file {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        expected = ", ".join(SECTIONS)
        raise TaxonomyError(f"[{unknown[0]}]: unknown section (expected one of {expected})")
    return Taxonomy(
        **{section: _parse_section(section, data.get(section)) for section in SECTIONS}
    )


def _parse_section(section: str, raw: Any) -> tuple[Any, ...]:
    """Parse one [[section]] list, so every error can say which section is wrong."""
    items = _entries(section, raw)
    if section == "target_groups":
        parsed: tuple[Any, ...] = tuple(_parse_group(item) for item in items)
        subs = [sub.key for group in parsed for sub in group.subcategories]
        _check_unique("target_groups", subs, what="subcategory key")
    else:
        parsed = tuple(_parse_option(section, item) for item in items)
    _check_unique(section, [item.key for item in parsed])
    reserved = RESERVED_KEYS.get(section)
    if reserved and any(item.key == reserved for item in parsed):
        raise TaxonomyError(f"[{section}]: key {reserved!r} is reserved for 'not clearly known'")
    return parsed


def _entries(section: str, raw: Any) -> list[Any]:
    """The section's entries, refusing a missing or empty section that would leave staff stuck."""
    if raw is None:
        raise TaxonomyError(f"[{section}]: section is missing")
    if not isinstance(raw, list) or not raw:
        raise TaxonomyError(f"[{section}]: must be a non-empty list of [[{section}]] tables")
    return raw


def _parse_option(section: str, item: Any, extra: frozenset[str] = frozenset()) -> Option:
    """One key/label/label_nl/label_fr table; unknown fields are refused (typos like 'lable')."""
    if not isinstance(item, dict):
        raise TaxonomyError(
            f"[{section}]: every entry must be a table with key, {', '.join(LABEL_FIELDS)}")
    key = item.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise TaxonomyError(f"[{section}]: key {key!r} must be lowercase ascii snake_case")
    unknown = sorted(set(item) - _OPTION_FIELDS - extra)
    if unknown:
        raise TaxonomyError(f"[{section}] {key}: unknown field {unknown[0]!r}")
    labels = [item.get(field) for field in LABEL_FIELDS]
    for field, value in zip(LABEL_FIELDS, labels, strict=True):
        if not isinstance(value, str) or not value.strip():
            raise TaxonomyError(f"[{section}] {key}: {field} is missing or empty")
    return Option(key, *(label.strip() for label in labels))


def _parse_group(item: Any) -> Group:
    """A target group and its subcategories; a group without subcategories cannot be filed."""
    option = _parse_option("target_groups", item, extra=frozenset({"subcategories"}))
    where = f"target_groups {option.key} subcategories"
    subs = tuple(_parse_option(where, sub) for sub in _entries(where, item.get("subcategories")))
    _check_unique(where, [sub.key for sub in subs])
    return Group(option.key, option.label, option.label_nl, option.label_fr, subs)


def _check_unique(section: str, keys: list[str], what: str = "key") -> None:
    """Refuse duplicate keys, which would make two choices count as one."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise TaxonomyError(f"[{section}]: duplicate {what} {key!r}")
        seen.add(key)
