"""The catalogues are complete: nothing wrapped is missing, nothing is left untranslated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from helpline.records.taxonomy import LABEL_FIELDS, load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Run Babel's extraction as `make translations` does, into a temporary .pot."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True)
    return {m.id for m in _read(pot) if m.id}


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_catalogue_is_not_stale(extracted, lang):
    """Every wrapped string of the code is in the catalogue (run `make translations`)."""
    catalogue = {m.id for m in _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")}
    missing = sorted(extracted - catalogue)
    assert not missing, f"{lang}: not in the catalogue, run `make translations`: {missing[:10]}"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_msgid_is_translated(lang):
    """A missing or fuzzy translation would show English: both count as missing."""
    catalogue = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"{lang}: untranslated or fuzzy: {untranslated[:10]}"


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_placeholders_survive_translation(lang):
    """A translation that drops '{name}' or '%(n)s' would break the page that fills it."""
    catalogue = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po")
    wrong = [m.id for m in catalogue if m.id and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert not wrong, f"{lang}: placeholders differ in {wrong[:5]}"


def test_every_taxonomy_entry_has_every_language():
    """The shipped taxonomy loads (the start-up check) and no label is blank."""
    taxonomy = load_taxonomy()
    for section, items in taxonomy.as_dict().items():
        for item in items:
            for sub in [item, *item.get("subcategories", [])]:
                for field in LABEL_FIELDS:
                    assert sub[field].strip(), f"{section} {sub['key']}: {field} is empty"
