"""Rules for the registration of a contact (a chat summary, a phone call, an e-mail),
checked before anything is stored.

The payload comes from the browser, so every field is checked for type as well as value:
a bad payload yields error messages keyed by field, never an exception.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..realtime.protocol import strip_unsafe
from .taxonomy import Taxonomy

FIELDS = (
    "target_group", "subcategory", "help_given", "referral_target", "referral_region",
    "follow_up", "risk", "age_band", "gender", "note",
    "contacted_before", "said_helpful", "referral_accepted",
)
CONTACTED_BEFORE = ("yes", "no")  # or UNKNOWN, the default
NOTE_MAX_CHARS = 500
UNKNOWN = "unknown"  # age band or gender not clearly known
REFERRAL = "referral"  # the help_given key that makes the referral fields required
FORM = "form"  # error key for a payload that is not an object at all
REQUIRED = _l("This field is required.")
NOT_TEXT = _l("Must be a text value.")
NOT_KNOWN = _l("Not a known option.")
_MAX_ERRORS_PER_KIND = 10  # a hostile payload must not produce a huge error report


Errors = dict[str, str]


def validate_summary(data: dict, taxonomy: Taxonomy) -> tuple[dict, Errors]:
    """Check a summary payload against the taxonomy; returns (clean values, errors by field).

    The clean values hold every field that passed; store them only when errors is empty.
    """
    if not isinstance(data, dict):
        return {}, {FORM: str(_l("Expected an object with the summary fields."))}
    errors = _unknown_fields(data)
    clean: dict[str, Any] = {}
    _choose_group(data, taxonomy, clean, errors)
    _choose_help(data, taxonomy, clean, errors)
    for field, section in (("follow_up", "follow_up"), ("risk", "risk")):
        _store(clean, errors, field, _choice(data.get(field), taxonomy.keys(section)))
    for field, section in (("age_band", "age_bands"), ("gender", "genders")):
        _store(clean, errors, field, _optional_choice(data.get(field), taxonomy.keys(section)))
    _store(clean, errors, "note", _note(data.get("note")))
    _store(clean, errors, "contacted_before",
           _optional_choice(data.get("contacted_before"), set(CONTACTED_BEFORE)))
    _store(clean, errors, "said_helpful", _flag(data.get("said_helpful"), default=False))
    # Messages are lazy: translated here, in the reader's language, and JSON-ready.
    return clean, {field: str(message) for field, message in errors.items()}


def _unknown_fields(data: dict) -> Errors:
    """Refuse fields we do not know, so a client bug or a smuggled identity is not ignored."""
    extra = [key for key in data if key not in FIELDS][:_MAX_ERRORS_PER_KIND]
    return {str(key)[:64]: _l("Unknown field.") for key in extra}


def _store(clean: dict, errors: Errors, field: str, outcome: tuple[Any, str | None]) -> None:
    """File one field's outcome as a clean value or an error message."""
    value, error = outcome
    if error:
        errors[field] = error
    else:
        clean[field] = value


def _choice(value: Any, allowed: set[str]) -> tuple[str | None, str | None]:
    """A required single choice among the taxonomy keys."""
    if value is None or value == "":
        return None, REQUIRED
    if not isinstance(value, str):
        return None, NOT_TEXT
    if value not in allowed:
        return None, NOT_KNOWN
    return value, None


def _optional_choice(value: Any, allowed: set[str]) -> tuple[str | None, str | None]:
    """Age band or gender: a key when clearly known, otherwise 'unknown' (the default)."""
    if value is None or value == "":
        return UNKNOWN, None
    return _choice(value, allowed | {UNKNOWN})


def _choose_group(data: dict, taxonomy: Taxonomy, clean: dict, errors: Errors) -> None:
    """Target group and its subcategory, which must belong to that group."""
    group_key, error = _choice(data.get("target_group"), taxonomy.keys("target_groups"))
    _store(clean, errors, "target_group", (group_key, error))
    group = taxonomy.group(group_key) if group_key else None
    subs = {sub.key for sub in group.subcategories} if group else set()
    sub_key, error = _choice(data.get("subcategory"), subs)
    if error == NOT_KNOWN:
        if group is None:
            return  # an unknown group's subcategories cannot be judged; its own error says so
        error = _l("Not in the chosen target group.")
    _store(clean, errors, "subcategory", (sub_key, error))


def _choose_help(data: dict, taxonomy: Taxonomy, clean: dict, errors: Errors) -> None:
    """What help was given and, only when it includes a referral, where to and in which region."""
    help_keys, error = _help_list(data.get("help_given"), taxonomy)
    _store(clean, errors, "help_given", (help_keys, error))
    referred = help_keys is not None and REFERRAL in help_keys
    for field, section in (("referral_target", "referral_targets"), ("referral_region", "regions")):
        value = data.get(field)
        if referred:
            _store(clean, errors, field, _choice(value, taxonomy.keys(section)))
        elif value is None or value == "":
            clean[field] = None
        else:
            errors[field] = _l("Only allowed when the help given includes a referral.")
    accepted = data.get("referral_accepted")
    if referred:
        _store(clean, errors, "referral_accepted", _flag(accepted, default=None))
    elif accepted in (None, "", False):
        clean["referral_accepted"] = None
    else:
        errors["referral_accepted"] = _l("Only allowed when the help given includes a referral.")


_TRUE = (True, "yes", "1", "true", "on")
_FALSE = (False, "no", "0", "false", "off")


def _flag(value: Any, default: bool | None) -> tuple[bool | None, str | None]:
    """A yes/no answer: JSON true/false or a form's yes/no; missing means `default`."""
    if value is None or value == "":
        return default, None
    if isinstance(value, bool | str):
        if value in _TRUE:
            return True, None
        if value in _FALSE:
            return False, None
    return None, _l("Must be yes or no.")


def _help_list(value: Any, taxonomy: Taxonomy) -> tuple[list[str] | None, str | None]:
    """At least one help_given key, returned once each in taxonomy order."""
    allowed = [option.key for option in taxonomy.help_given]
    if value is None or value == [] or value == "":
        return None, _l("Choose at least one.")
    if not isinstance(value, list):
        return None, _l("Must be a list.")
    if len(value) > len(allowed):
        return None, _l("Too many items.")
    if not all(isinstance(item, str) for item in value):
        return None, _l("Every item must be a text value.")
    if not set(value) <= set(allowed):
        return None, _l("Contains an unknown option.")
    return [key for key in allowed if key in value], None


def _note(value: Any) -> tuple[str | None, str | None]:
    """The short free-text note, without control characters; may be empty."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return None, NOT_TEXT
    if len(value) > NOTE_MAX_CHARS * 4:  # refuse a huge string before running a regex over it
        return None, _l("Must be at most %(n)s characters.", n=NOTE_MAX_CHARS)
    note = strip_unsafe(value).replace("\t", "").strip()
    if len(note) > NOTE_MAX_CHARS:
        return None, _l("Must be at most %(n)s characters.", n=NOTE_MAX_CHARS)
    return note, None
