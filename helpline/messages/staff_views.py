"""Staff pages of anonymous messages: the inbox and one conversation (server-rendered).

Thin: every rule is in inbox.py and conversations.py; a refusal's `code` becomes words
here (REFUSALS). The writer's pages are elsewhere; nothing here is open to chatters.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import roles_required
from ..availability import gate
from ..canned.views import picker_config
from ..extensions import db
from ..i18n import NATIVE_NAMES, current_language
from ..realtime.live import now as clock_now
from ..realtime.protocol import sql_id
from ..records.models import CHANNEL_NAMES, Staff
from ..records.registrations import InvalidRegistration, NeedsConfirmation
from ..records.scrubber.labels import label as scrub_label
from ..records.taxonomy import current as current_taxonomy
from ..records.views import form_values
from . import inbox
from .errors import Refused
from .models import ENDED_STATES, LIVE_STATES, Conversation

bp = Blueprint("message_inbox", __name__, url_prefix="/staff/messages")

REFUSALS = {
    "taken_by_other": _l("A colleague has taken this conversation."),
    "not_live": _l("This conversation has ended: nothing can be added to it."),
    "not_read": _l("The writer has not yet read the last answer: the conversation stays open."),
    "not_yours": _l("Only the therapist who took this conversation, or a supervisor, may do "
                    "this."),
    "not_ended": _l("The registration is filed once the conversation has ended."),
    "empty": _l("Write something first."),
    "too_long": _l("The text is too long."),
    "control_characters": _l("The text holds characters that cannot be sent."),
    "bidi_controls": _l("The text holds characters that change the reading direction."),
    "conversation_full": _l("This conversation holds the most answers it can."),
}
STATE_NAMES = {
    "open": _l("Waiting for an answer"), "answered": _l("Answered"),
    "ended": _l("Ended by the writer"), "closed": _l("Closed after the last answer was read"),
    "expired": _l("Expired"),
}


@bp.app_context_processor
def waiting_messages():
    """Templates: `waiting_messages()`, the count beside the nav's Messages link."""
    return {"waiting_messages": lambda: inbox.waiting_count(db.session)}


def _refused(refusal: Refused) -> str:
    return str(REFUSALS.get(refusal.code, _l("That could not be done.")))


def _conversation(conversation_id: int) -> Conversation:
    row = db.session.get(Conversation, conversation_id)
    if row is None:
        abort(404)
    return row


def _local(moment: datetime | None):
    return None if moment is None else moment.replace(tzinfo=UTC).astimezone(gate.timezone())


@bp.route("/")
@roles_required("therapist", "supervisor")
def index():
    number = sql_id(request.args.get("page", "1")) or 1  # (a huge page: no SQL overflow)
    overdue_only = request.args.get("overdue") == "1"
    now = clock_now()
    rows, total = inbox.page(db.session, now, number, overdue_only=overdue_only)
    pages = max(1, -(-total // inbox.PAGE_SIZE))
    return render_template(
        "admin/messages.html", rows=rows, total=total, number=number, pages=pages,
        overdue_only=overdue_only, summary=inbox.summary(db.session, now),
        to_register=inbox.to_register(db.session, current_user), local=_local,
        now=datetime.fromtimestamp(now, UTC).replace(tzinfo=None),
        language_names=NATIVE_NAMES, state_names=STATE_NAMES,
        labels=_profile_labels())


def _profile_labels() -> dict[str, dict[str, str]]:
    lang = _("en")
    tax = current_taxonomy()
    return {section: {o.key: o.label_for(lang) for o in getattr(tax, section)}
            for section in ("age_bands", "genders")}


def _page(conversation: Conversation, status: int = 200, form_data=None, errors=None,
          scrubbed=None):
    entries, notes, readable = [], [], inbox.may_read(current_user, conversation)
    if conversation.state in LIVE_STATES and readable:
        entries = inbox.open_for_staff(db.session, current_user, conversation)
        notes = inbox.notes(db.session, conversation)
    holder = conversation.staff_id and db.session.get(Staff, conversation.staff_id)
    return render_template(
        "admin/message.html", conversation=conversation, entries=entries, notes=notes,
        readable=readable, holder=holder, local=_local, labels=_profile_labels(),
        live=conversation.state in LIVE_STATES, ended=conversation.state in ENDED_STATES,
        mine=conversation.staff_id == current_user.id,
        may_close=(conversation.state == "answered"
                   and inbox.last_answer_read(db.session, conversation)),
        colleagues=inbox.colleagues(db.session, current_user),
        picker=picker_config(conversation.language), language_names=NATIVE_NAMES,
        state_names=STATE_NAMES, data=form_data or _registration_defaults(conversation),
        errors=errors or {}, scrubbed=scrubbed, scrub_label=scrub_label,
        taxonomy=current_taxonomy(), channel_names=CHANNEL_NAMES, row=None, message=True,
    ), status


def _registration_defaults(conversation: Conversation) -> dict:
    return {"help_given": [], "age_band": conversation.age_band or "unknown",
            "gender": conversation.gender or "unknown", "contacted_before": "unknown"}


@bp.route("/<int:conversation_id>")
@roles_required("therapist", "supervisor")
def show(conversation_id: int):
    return _page(_conversation(conversation_id))


def _act(conversation_id: int, action, done: str):
    """Run one act on the conversation; flash its outcome and go back to the page."""
    conversation = _conversation(conversation_id)
    try:
        action(conversation)
    except Refused as refusal:
        db.session.rollback()
        flash(_refused(refusal), "error")
    else:
        flash(done)
    return redirect(url_for("message_inbox.show", conversation_id=conversation_id))


@bp.route("/<int:conversation_id>/take", methods=["POST"])
@roles_required("therapist", "supervisor")
def take(conversation_id: int):
    return _act(conversation_id, lambda c: inbox.take(db.session, current_user, c, clock_now()),
                _("You have taken this conversation."))


@bp.route("/<int:conversation_id>/answer", methods=["POST"])
@roles_required("therapist", "supervisor")
def answer(conversation_id: int):
    return _act(conversation_id, lambda c: inbox.answer(
        db.session, current_user, c, request.form.get("text"), clock_now()),
        _("Your answer is saved: the writer reads it with their code."))


@bp.route("/<int:conversation_id>/hand-over", methods=["POST"])
@roles_required("therapist", "supervisor")
def hand_over(conversation_id: int):
    colleague = sql_id(request.form.get("colleague", "")) or 0  # 0, or huge: nobody
    return _act(conversation_id, lambda c: inbox.hand_over(
        db.session, current_user, c, colleague, request.form.get("note"), clock_now()),
        _("The conversation is handed over."))


@bp.route("/<int:conversation_id>/ask-supervisor", methods=["POST"])
@roles_required("therapist", "supervisor")
def ask_supervisor(conversation_id: int):
    return _act(conversation_id, lambda c: inbox.ask_supervisor(
        db.session, current_user, c, clock_now()),
        _("A supervisor is asked to look at this conversation."))


@bp.route("/<int:conversation_id>/close", methods=["POST"])
@roles_required("therapist", "supervisor")
def close(conversation_id: int):
    return _act(conversation_id, lambda c: inbox.close(db.session, current_user, c, clock_now()),
                _("The conversation is closed and its text deleted. File its registration "
                  "below."))


@bp.route("/<int:conversation_id>/register", methods=["POST"])
@roles_required("therapist", "supervisor")
def register(conversation_id: int):
    conversation = _conversation(conversation_id)
    posted = {key: request.form.get(key) for key in request.form}
    posted["help_given"] = request.form.getlist("help_given")
    try:
        row = inbox.register(db.session, current_taxonomy(), current_user, conversation,
                             form_values(request.form), request.form.get("confirmed_note"),
                             language=current_language())
    except InvalidRegistration as bad:
        db.session.rollback()
        return _page(conversation, 400, posted, errors=bad.errors)
    except NeedsConfirmation as need:
        return _page(conversation, 400, {**posted, "note": need.note}, scrubbed=need)
    except Refused as refusal:
        db.session.rollback()
        flash(_refused(refusal), "error")
        return redirect(url_for("message_inbox.show", conversation_id=conversation_id))
    flash(_("Registration %(n)s saved.", n=row.id))
    return redirect(url_for("message_inbox.index"))
