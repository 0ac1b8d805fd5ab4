"""The staff account forms: the supervisor's account pages, and one's own account page
(auth/self_views.py) for the name chatters see and the confirm-only POSTs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..records.models import ROLES

ROLE_NAMES = {"therapist": _l("Therapist"), "supervisor": _l("Supervisor")}


class CreateForm(FlaskForm):
    """A new therapist or supervisor; the password is generated and shown once."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64),
                    Regexp(r"^\s*[A-Za-z0-9._-]+\s*$",
                           message=_l("Use letters, digits, dots, dashes or underscores."))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off",
                   "autocorrect": "off"})
    display_name = StringField(
        _l("Name chatters see"), validators=[Optional(), Length(max=64)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = SelectField(_l("Role"), choices=[(r, ROLE_NAMES[r]) for r in ROLES],
                       default="therapist")


class NameForm(FlaskForm):
    """The name chatters see (first name or pseudonym); accounts.set_display_name checks it."""

    display_name = StringField(_l("Name chatters see"), validators=[DataRequired(), Length(max=64)],
                               render_kw={"autocomplete": "off", "spellcheck": "false",
                                          "maxlength": 64})


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r, ROLE_NAMES[r]) for r in ROLES])


class ActionForm(FlaskForm):
    """A POST with a CSRF token and nothing else (resets, (re)activation, confirmations)."""
