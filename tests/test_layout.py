"""The package's shape stays readable (issue 15): folders by concern, few loose modules,
none too long to read in one sitting. docs/architecture.md opens with the map."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "helpline"
MAX_LOOSE = 8  # modules at the top of helpline/, __init__.py included
MAX_LINES = 400


def test_few_modules_are_loose_at_the_top() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= MAX_LOOSE, loose


def test_no_module_is_longer_than_one_sitting() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_map_names_every_folder() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    map_ = text[text.index("## The map"):text.index("## Processes")]
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert [f for f in folders if f"  {f}/" not in map_] == []
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert [f for f in loose if f not in map_] == []
