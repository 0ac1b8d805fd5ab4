"""Summary rules: every field's rule, and hostile payloads that must give errors, not crashes."""

from __future__ import annotations

import pytest

from helpline.records.summary_rules import FIELDS, NOTE_MAX_CHARS, validate_summary
from helpline.records.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(DEFAULT_TAXONOMY_PATH)


def payload(**changes: object) -> dict:
    """A valid summary of a chat with someone concerned about themselves, then changes."""
    data: dict = {
        "target_group": "self",
        "subcategory": "sexual_feelings_minors",
        "help_given": ["listening", "information"],
        "referral_target": None,
        "referral_region": None,
        "follow_up": "may_contact_again",
        "risk": "no_indication",
        "age_band": "26_35",
        "gender": "man",
        "note": "Eerste contact, wil nadenken over hulp.",
        "contacted_before": "no",
        "said_helpful": True,
        "referral_accepted": None,
    }
    data.update(changes)
    return data


def without(*fields: str) -> dict:
    return {k: v for k, v in payload().items() if k not in fields}


def errors_of(taxonomy, data: object) -> dict[str, str]:
    return validate_summary(data, taxonomy)[1]  # type: ignore[arg-type]


def test_valid_summary_is_returned_clean(taxonomy) -> None:
    clean, errors = validate_summary(payload(), taxonomy)
    assert errors == {}
    assert clean == {**payload(), "note": "Eerste contact, wil nadenken over hulp."}
    assert set(clean) == set(FIELDS)


def test_referral_needs_target_and_region(taxonomy) -> None:
    data = payload(
        help_given=["referral", "advice"], referral_target="cgg", referral_region="east_flanders"
    )
    clean, errors = validate_summary(data, taxonomy)
    assert errors == {}
    assert clean["help_given"] == ["advice", "referral"]  # taxonomy order
    assert (clean["referral_target"], clean["referral_region"]) == ("cgg", "east_flanders")


@pytest.mark.parametrize("field", ["referral_target", "referral_region"])
@pytest.mark.parametrize("value", [None, "", "nowhere", 3])
def test_referral_fields_missing_or_bad(taxonomy, field: str, value: object) -> None:
    data = payload(help_given=["referral"], referral_target="ufc", referral_region="limburg")
    data[field] = value
    assert list(errors_of(taxonomy, data)) == [field]


def test_referral_fields_may_be_absent_without_referral(taxonomy) -> None:
    clean, errors = validate_summary(without("referral_target", "referral_region"), taxonomy)
    assert errors == {}
    assert clean["referral_target"] is None and clean["referral_region"] is None


@pytest.mark.parametrize("field", ["referral_target", "referral_region"])
def test_referral_fields_refused_without_referral(taxonomy, field: str) -> None:
    value = "caw" if field == "referral_target" else "namur"
    errors = errors_of(taxonomy, payload(**{field: value}))
    assert errors == {field: "Only allowed when the help given includes a referral."}


@pytest.mark.parametrize("field", ["target_group", "subcategory", "follow_up", "risk"])
@pytest.mark.parametrize("value", ["missing", None, ""])
def test_required_choices(taxonomy, field: str, value: object) -> None:
    data = without(field) if value == "missing" else payload(**{field: value})
    errors = errors_of(taxonomy, data)
    assert errors[field] == "This field is required."


@pytest.mark.parametrize("field", ["target_group", "follow_up", "risk", "age_band", "gender"])
def test_unknown_choice(taxonomy, field: str) -> None:
    assert errors_of(taxonomy, payload(**{field: "bogus"})) == {field: "Not a known option."}


def test_subcategory_must_belong_to_the_group(taxonomy) -> None:
    errors = errors_of(taxonomy, payload(subcategory="teacher"))
    assert errors == {"subcategory": "Not in the chosen target group."}
    assert validate_summary(payload(target_group="professional", subcategory="teacher"),
                            taxonomy)[1] == {}


def test_subcategory_is_not_judged_against_an_unknown_group(taxonomy) -> None:
    assert errors_of(taxonomy, payload(target_group="bogus")) == {
        "target_group": "Not a known option."
    }
    errors = errors_of(taxonomy, payload(target_group="bogus", subcategory=["x"]))
    assert errors["subcategory"] == "Must be a text value."


def test_other_group_with_its_other_subcategory(taxonomy) -> None:
    assert errors_of(taxonomy, payload(target_group="other", subcategory="other")) == {}


@pytest.mark.parametrize("value", [None, "", []])
def test_help_given_needs_at_least_one(taxonomy, value: object) -> None:
    assert errors_of(taxonomy, payload(help_given=value)) == {"help_given": "Choose at least one."}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("listening", "Must be a list."),
        ({"listening": True}, "Must be a list."),
        (["listening", "bogus"], "Contains an unknown option."),
        (["listening", 1], "Every item must be a text value."),
        ([["listening"]], "Every item must be a text value."),
        ([None], "Every item must be a text value."),
        (["listening"] * 100_000, "Too many items."),
    ],
)
def test_help_given_bad(taxonomy, value: object, message: str) -> None:
    assert errors_of(taxonomy, payload(help_given=value)) == {"help_given": message}


def test_help_given_duplicates_collapse(taxonomy) -> None:
    clean, errors = validate_summary(payload(help_given=["support", "support"]), taxonomy)
    assert errors == {} and clean["help_given"] == ["support"]


@pytest.mark.parametrize("field", ["age_band", "gender"])
@pytest.mark.parametrize("value", ["missing", None, "", "unknown"])
def test_age_and_gender_default_to_unknown(taxonomy, field: str, value: object) -> None:
    data = without(field) if value == "missing" else payload(**{field: value})
    clean, errors = validate_summary(data, taxonomy)
    assert errors == {}
    assert clean[field] == "unknown"


def test_age_and_gender_known(taxonomy) -> None:
    clean, _ = validate_summary(payload(age_band="under_18", gender="x"), taxonomy)
    assert (clean["age_band"], clean["gender"]) == ("under_18", "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   \n  ", ""),
        ("  Eerste contact.\n", "Eerste contact."),
        ("Regel een\r\nregel twee", "Regel een\nregel twee"),
        ("bel\x00\x07 terug\x1b[31m", "bel terug[31m"),
        ("tab\there", "tabhere"),
        ("C1\x85 en DEL\x7f", "C1 en DEL"),
        ("rechts \u202enaar links\u202c", "rechts naar links"),
        ("Émile, 34 ans — ça va 👍", "Émile, 34 ans — ça va 👍"),
        ("x" * NOTE_MAX_CHARS, "x" * NOTE_MAX_CHARS),
        ("  " + "x" * NOTE_MAX_CHARS + "  ", "x" * NOTE_MAX_CHARS),
        ("x" * NOTE_MAX_CHARS + "\x00" * 10, "x" * NOTE_MAX_CHARS),
    ],
)
def test_note_is_cleaned(taxonomy, value: object, expected: str) -> None:
    clean, errors = validate_summary(payload(note=value), taxonomy)
    assert errors == {}
    assert clean["note"] == expected


def test_note_may_be_absent(taxonomy) -> None:
    clean, errors = validate_summary(without("note"), taxonomy)
    assert errors == {} and clean["note"] == ""


@pytest.mark.parametrize("value", ["x" * (NOTE_MAX_CHARS + 1), "y" * 10_000_000])
def test_note_too_long(taxonomy, value: str) -> None:
    assert errors_of(taxonomy, payload(note=value)) == {"note": "Must be at most 500 characters."}


@pytest.mark.parametrize("value", [12, 1.5, True, ["a"], {"text": "a"}, b"bytes"])
def test_note_wrong_type(taxonomy, value: object) -> None:
    assert errors_of(taxonomy, payload(note=value)) == {"note": "Must be a text value."}


def test_unknown_fields_are_errors(taxonomy) -> None:
    errors = errors_of(taxonomy, payload(ip="10.0.0.1", name="Jan"))
    assert errors == {"ip": "Unknown field.", "name": "Unknown field."}


def test_many_unknown_fields_give_a_bounded_report(taxonomy) -> None:
    data = payload(**{f"extra_{i}": i for i in range(10_000)})
    errors = errors_of(taxonomy, data)
    assert 0 < len(errors) <= 10


def test_unknown_non_string_keys(taxonomy) -> None:
    data = payload()
    data[42] = "x"
    data[None] = "y"
    assert errors_of(taxonomy, data) == {"42": "Unknown field.", "None": "Unknown field."}


@pytest.mark.parametrize("data", [None, [], "summary", 42, ["target_group", "self"]])
def test_payload_that_is_not_an_object(taxonomy, data: object) -> None:
    clean, errors = validate_summary(data, taxonomy)  # type: ignore[arg-type]
    assert clean == {}
    assert list(errors) == ["form"]


def test_empty_object_lists_every_required_field(taxonomy) -> None:
    clean, errors = validate_summary({}, taxonomy)
    assert set(errors) == {"target_group", "subcategory", "help_given", "follow_up", "risk"}
    assert clean["age_band"] == "unknown" and clean["note"] == ""


FLAGS = ("said_helpful", "referral_accepted")
HOSTILE_VALUES = [
    0, 1, -1, 3.14, True, False, [], ["self"], {}, {"key": "self"}, {"$ne": None},
    [[[]]], b"self", "self" * 1000, "SELF", " self ", "self\x00", "🙂" * 50,
]


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "note"])
@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_are_errors_not_exceptions(taxonomy, field: str, value: object) -> None:
    if field in FLAGS and isinstance(value, bool):
        return  # a yes/no answer: true and false are its valid values
    data = payload(help_given=["referral"], referral_target="caw", referral_region="namur")
    data[field] = value
    clean, errors = validate_summary(data, taxonomy)
    if field == "help_given" and value == []:
        assert errors[field] == "Choose at least one."
    assert field in errors
    assert isinstance(errors[field], str) and errors[field]
    assert field not in clean


def test_every_message_is_short_english(taxonomy) -> None:
    data = {"target_group": 1, "subcategory": [], "help_given": "x", "referral_target": {},
            "referral_region": 2, "follow_up": "?", "risk": None, "age_band": 5,
            "gender": "?", "note": 7, "extra": 1, "contacted_before": "maybe",
            "said_helpful": "sure", "referral_accepted": 3}
    errors = errors_of(taxonomy, data)
    assert set(errors) == set(FIELDS) | {"extra"}
    assert all(0 < len(message) <= 80 and message.endswith(".") for message in errors.values())


def test_new_registration_fields_default_and_parse(taxonomy) -> None:
    clean, errors = validate_summary(
        without("contacted_before", "said_helpful", "referral_accepted"), taxonomy)
    assert errors == {}
    assert (clean["contacted_before"], clean["said_helpful"], clean["referral_accepted"]) == (
        "unknown", False, None)
    data = payload(help_given=["referral"], referral_target="caw", referral_region="namur",
                   referral_accepted="yes", said_helpful="no", contacted_before="yes")
    clean, errors = validate_summary(data, taxonomy)
    assert errors == {}
    assert (clean["contacted_before"], clean["said_helpful"], clean["referral_accepted"]) == (
        "yes", False, True)


def test_referral_accepted_only_with_a_referral(taxonomy) -> None:
    assert errors_of(taxonomy, payload(referral_accepted=True)) == {
        "referral_accepted": "Only allowed when the help given includes a referral."}
    assert errors_of(taxonomy, payload(referral_accepted=False)) == {}
