"""The registration taxonomy: the real config file and the errors a bad edit gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpline.records.taxonomy import (
    DEFAULT_TAXONOMY_PATH,
    SECTIONS,
    Group,
    Option,
    TaxonomyError,
    load_taxonomy,
)

# The categories of the helpline's registration (domain.md), by target group.
DOMAIN_GROUPS = {
    "self": [
        "sexual_feelings_minors", "csam_downloader", "potential_downloader",
        "hands_on_offender", "other_sexual_problem",
    ],
    "close_one": [
        "partner_of_offender", "adult_concerned_offender", "adult_concerned_potential_offender",
        "adult_concerned_downloader", "child_online_behaviour", "child_sexual_behaviour",
        "child_signs_of_abuse", "other_person_sexual_problem",
    ],
    "professional": [
        "general_practitioner", "teacher", "psychologist", "sexologist", "other_helpline",
        "other_professional",
    ],
    "society": ["information_request", "societal_question", "not_serious", "hung_up"],
    "other": ["other"],
}
DOMAIN_SECTIONS = {
    "age_bands": ["under_18", "18_25", "26_35", "36_45", "46_55", "56_65", "over_65"],
    "genders": ["man", "woman", "x"],
    "help_given": ["listening", "information", "advice", "support", "referral"],
    "referral_targets": ["caw", "cgg", "ufc", "other"],
    "regions": [
        "antwerp", "east_flanders", "west_flanders", "flemish_brabant", "limburg",
        "brussels_capital", "walloon_brabant", "hainaut", "liege", "luxembourg", "namur",
        "netherlands", "abroad_other",
    ],
    "follow_up": ["none", "may_contact_again", "follow_up_appointment"],
    "risk": ["no_indication", "potential_risk"],
}


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(DEFAULT_TAXONOMY_PATH)


def test_default_path_is_the_repo_config_file() -> None:
    assert Path(__file__).resolve().parents[2] / "config" / "taxonomy.toml" == DEFAULT_TAXONOMY_PATH
    assert DEFAULT_TAXONOMY_PATH.is_file()


@pytest.mark.parametrize(("section", "keys"), DOMAIN_SECTIONS.items())
def test_real_file_has_the_domain_options_in_order(taxonomy, section: str, keys: list) -> None:
    assert [option.key for option in getattr(taxonomy, section)] == keys
    assert taxonomy.keys(section) == set(keys)


@pytest.mark.parametrize(("group_key", "subs"), DOMAIN_GROUPS.items())
def test_real_file_has_the_domain_groups_and_subcategories(taxonomy, group_key, subs) -> None:
    group = taxonomy.group(group_key)
    assert isinstance(group, Group)
    assert [sub.key for sub in group.subcategories] == subs


def test_real_file_labels(taxonomy) -> None:
    assert [g.key for g in taxonomy.target_groups] == list(DOMAIN_GROUPS)
    assert taxonomy.age_bands[1] == Option("18_25", "18–25", "18–25", "18–25")
    assert [o.label for o in taxonomy.genders] == ["Man", "Woman", "X"]
    risk = {o.key: o.label for o in taxonomy.risk}
    assert risk["potential_risk"] == "Potential risk situation, protocol consulted"
    ufc = next(o for o in taxonomy.referral_targets if o.key == "ufc")
    assert ufc.label == "University Forensic Centre"
    for section in SECTIONS:
        for item in getattr(taxonomy, section):
            assert item.label.strip() and item.label_nl.strip() and item.label_fr.strip()


def test_lookups(taxonomy) -> None:
    assert taxonomy.group("nope") is None
    assert taxonomy.keys("target_groups") == set(DOMAIN_GROUPS)
    with pytest.raises(KeyError):
        taxonomy.keys("subcategories")


def test_as_dict_is_json_for_the_console(taxonomy) -> None:
    data = json.loads(json.dumps(taxonomy.as_dict()))
    assert set(data) == set(SECTIONS)
    assert data["genders"][2] == {"key": "x", "label": "X", "label_nl": "X", "label_fr": "X"}
    self_group = data["target_groups"][0]
    assert self_group["key"] == "self"
    assert self_group["subcategories"][0]["key"] == "sexual_feelings_minors"


def test_taxonomy_is_immutable(taxonomy) -> None:
    with pytest.raises(AttributeError):
        taxonomy.genders = ()  # type: ignore[misc]


def test_accepts_a_str_path() -> None:
    assert load_taxonomy(str(DEFAULT_TAXONOMY_PATH)).genders[0].key == "man"


# --- broken files ---------------------------------------------------------------

def _option(key: str, label: str = "Label", label_nl: str = "Etiket",
            label_fr: str = "Étiquette") -> dict:
    return {"key": key, "label": label, "label_nl": label_nl, "label_fr": label_fr}


def _minimal() -> dict:
    """A small valid taxonomy as data, to break one thing at a time."""
    sections: dict = {section: [_option("a"), _option("b")] for section in SECTIONS}
    sections["target_groups"] = [
        {**_option("self"), "subcategories": [_option("s1"), _option("s2")]},
        {**_option("other"), "subcategories": [_option("other")]},
    ]
    return sections


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string or number is valid TOML


def _toml(sections: dict) -> str:
    """Write the data as [[section]] tables, the way the operator's file is written."""
    # Plain values must come before the first table header, or they land inside it.
    lines = [f"{name} = {_value(v)}" for name, v in sections.items() if not _is_tables(v)]
    for section, items in sections.items():
        if not _is_tables(items):
            continue
        for item in items:
            lines.append(f"[[{section}]]")
            lines += [f"{k} = {_value(v)}" for k, v in item.items() if k != "subcategories"]
            for sub in item.get("subcategories", []):
                lines.append(f"[[{section}.subcategories]]")
                lines += [f"{k} = {_value(v)}" for k, v in sub.items()]
    return "\n".join(lines) + "\n"


def _is_tables(items: object) -> bool:
    return isinstance(items, list) and bool(items) and all(isinstance(i, dict) for i in items)


def _write(tmp_path: Path, sections: dict) -> Path:
    path = tmp_path / "taxonomy.toml"
    path.write_text(_toml(sections), encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(_write(tmp_path, _minimal()))
    assert taxonomy.keys("regions") == {"a", "b"}
    assert taxonomy.group("self").subcategories[1].key == "s2"


def _breaks(tmp_path: Path, sections: dict, *needles: str) -> None:
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(_write(tmp_path, sections))
    for needle in needles:
        assert needle in str(caught.value)


def test_duplicate_key(tmp_path: Path) -> None:
    sections = _minimal()
    sections["regions"].append(_option("a"))
    _breaks(tmp_path, sections, "regions", "duplicate", "'a'")


def test_duplicate_subcategory_across_groups(tmp_path: Path) -> None:
    sections = _minimal()
    sections["target_groups"][1]["subcategories"].append(_option("s1"))
    _breaks(tmp_path, sections, "target_groups", "duplicate", "'s1'")


def test_empty_section(tmp_path: Path) -> None:
    sections = _minimal()
    sections["follow_up"] = []
    _breaks(tmp_path, sections, "follow_up", "non-empty")


def test_missing_section(tmp_path: Path) -> None:
    sections = _minimal()
    del sections["risk"]
    _breaks(tmp_path, sections, "risk", "missing")


def test_group_without_subcategories(tmp_path: Path) -> None:
    sections = _minimal()
    del sections["target_groups"][0]["subcategories"]
    _breaks(tmp_path, sections, "target_groups self")


@pytest.mark.parametrize("field", ["label", "label_nl", "label_fr"])
def test_missing_label(tmp_path: Path, field: str) -> None:
    sections = _minimal()
    del sections["help_given"][1][field]
    _breaks(tmp_path, sections, "help_given", field)


def test_blank_label(tmp_path: Path) -> None:
    sections = _minimal()
    sections["genders"][0]["label"] = "   "
    _breaks(tmp_path, sections, "genders", "label")


def test_missing_label_in_a_subcategory(tmp_path: Path) -> None:
    sections = _minimal()
    del sections["target_groups"][0]["subcategories"][0]["label_nl"]
    _breaks(tmp_path, sections, "target_groups", "label_nl")


@pytest.mark.parametrize("key", ["Bad Key", "with-dash", "", "naïve", "trailing_", 12])
def test_bad_key(tmp_path: Path, key: object) -> None:
    sections = _minimal()
    sections["referral_targets"][0]["key"] = key
    _breaks(tmp_path, sections, "referral_targets", "snake_case")


def test_misspelt_field(tmp_path: Path) -> None:
    sections = _minimal()
    sections["age_bands"][0]["lable"] = "typo"
    _breaks(tmp_path, sections, "age_bands", "lable")


def test_unknown_section(tmp_path: Path) -> None:
    sections = _minimal()
    sections["age_band"] = [_option("a")]
    _breaks(tmp_path, sections, "age_band", "unknown section")


@pytest.mark.parametrize("section", ["age_bands", "genders"])
def test_unknown_is_reserved(tmp_path: Path, section: str) -> None:
    sections = _minimal()
    sections[section].append(_option("unknown"))
    _breaks(tmp_path, sections, section, "reserved")


@pytest.mark.parametrize("value", [["a", "b"], "a", 3, [["a"]]])
def test_section_that_is_not_a_list_of_tables(tmp_path: Path, value: object) -> None:
    sections = _minimal()
    sections["risk"] = value
    _breaks(tmp_path, sections, "risk")


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text("[[genders]\nkey = ", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid TOML"):
        load_taxonomy(path)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.toml")


def test_a_file_is_parsed_once_until_it_changes(tmp_path: Path) -> None:
    """Every app of a process shares one parse; an edited file is read again."""
    path = _write(tmp_path, _minimal())
    first = load_taxonomy(path)
    assert load_taxonomy(path) is first
    sections = _minimal()
    sections["regions"] = [_option("elsewhere")]
    _write(tmp_path, sections)
    again = load_taxonomy(path)
    assert [o.key for o in again.regions] == ["elsewhere"] != [o.key for o in first.regions]
