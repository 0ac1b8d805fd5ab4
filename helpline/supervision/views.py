"""The supervisors' live overview page (the live data comes over the /staff socket)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from .. import audit
from ..auth.access import roles_required
from ..extensions import db
from ..messages import inbox as message_inbox
from ..realtime.live import now as clock_now
from ..records.taxonomy import current as current_taxonomy

bp = Blueprint("supervision", __name__, url_prefix="/staff")

AUDIT_ROWS = 50
ACTION_NAMES = {
    "monitor": _l("Monitored"), "whisper": _l("Private note"), "join": _l("Joined openly"),
    "triage": _l("Moved to the front"), "risk_flag": _l("Raised the risk flag"),
    "risk_clear": _l("Lowered the risk flag"), "transfer": _l("Transferred"),
    "staff_create": _l("Created an account"), "staff_role": _l("Changed a role"),
    "staff_password_reset": _l("Reset a password"),
    "staff_deactivate": _l("Deactivated an account"),
    "staff_reactivate": _l("Reactivated an account"),
    "staff_password_change": _l("Changed own password"),
    "staff_2fa_enrol": _l("Set up two-factor sign-in"),
    "staff_2fa_off": _l("Turned two-factor sign-in off"),
    "staff_2fa_reset": _l("Reset two-factor sign-in"),
    "staff_recovery_code_used": _l("Signed in with a recovery code"),
    "staff_recovery_codes_renewed": _l("Made new recovery codes"),
    "staff_signin_locked": _l("Sign-in locked after failed attempts"),
    "staff_signin_unlocked": _l("Failed sign-ins cleared"),
    "registration_correct": _l("Corrected a registration"),
    "notes_rescan": _l("Rescanned the stored notes"),
    "remove_waiting": _l("Removed a chat from the line"),
    "clear_places": _l("Cleared places with no sign of a person"),
    "canned_create": _l("Added a ready text"), "canned_edit": _l("Changed a ready text"),
    "canned_delete": _l("Deleted a ready text"),
    "staff_display_name": _l("Changed the name chatters see"),
    "message_open": _l("Opened an anonymous message"),
    "message_take": _l("Took an anonymous message"),
    "message_handover": _l("Handed an anonymous message over"),
    "message_consult": _l("Asked a supervisor about an anonymous message"),
    "message_close": _l("Closed an anonymous message"),
}
REASON_NAMES = {
    "closed": _l("Arrived while closed"), "nobody_on_duty": _l("Nobody on duty"),
    "left_unanswered": _l("Left the line unanswered"),
    "dropped_waiting": _l("Dropped while waiting"), "at_capacity": _l("Turned away at capacity"),
}


@bp.route("/overview")
@roles_required("supervisor")
def overview():
    now = clock_now()
    taxonomy = current_taxonomy().as_dict()
    return render_template(
        "admin/overview.html",
        taxonomy={k: taxonomy[k] for k in ("age_bands", "genders")},
        reasons=[[k, str(v)] for k, v in REASON_NAMES.items()],  # in this order
        max_chars=current_app.config["MAX_MESSAGE_CHARS"],
        audit_rows=audit.latest(db.session, AUDIT_ROWS), action_names=ACTION_NAMES,
        messages=message_inbox.summary(db.session, now),
        messages_now=datetime.fromtimestamp(now, UTC).replace(tzinfo=None),
    )
