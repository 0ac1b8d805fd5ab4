"""The writer's pages (docs/protocol.md, "Anonymous messages (HTTP)"). Thin: read the
form, check the proof of work, call helpline/messages/conversations.py, render.

The code travels only in POST bodies and in the bodies of `no-store` pages: never in a
URL, a cookie, a title or a log line. Every POST is CSRF-exempt because the writer has
no cookie to protect; a post from another site is refused before it reaches a view
(`refuse_foreign_posts` in helpline/__init__.py).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from ..chat import proofofwork
from ..extensions import csrf, db
from ..i18n import current_language
from ..messages import codes, conversations
from ..messages.errors import NotLive, Refused
from ..realtime import live
from ..records.taxonomy import current as current_taxonomy
from . import forms, wording

bp = Blueprint("messages", __name__, url_prefix="/messages")

REFUSAL_STATUS = {"helpline_full": 503, "conversation_full": 409}
RETRY = ("pow_invalid", "pow_stale")  # the form again; the other refusals have pages


def _page(template: str, status: int = 200, **context):
    """A writer's page, never cached. The language switch only on GET pages: on a page
    that answers a POST it would leave the page (and what it holds) for a GET."""
    cfg = current_app.config
    body = render_template(template, exit_url=cfg["NEUTRAL_EXIT_URL"],
                           languages=request.method == "GET",
                           max_chars=cfg["MESSAGE_MAX_CHARS"],
                           pow_fresh_seconds=proofofwork.fresh_seconds(),
                           **context)
    return body, status, {"Cache-Control": "no-store"}


def _write_form(status: int = 200, error: str | None = None, code: str | None = None):
    return _page("messages/write.html", status, taxonomy=current_taxonomy().as_dict(),
                 error=error, error_code=code, message=forms.field("message") if error else "",
                 age_band=forms.field("age_band") if error else "",
                 gender=forms.field("gender") if error else "")


def _code_form(status: int = 200, error: str | None = None):
    return _page("messages/code.html", status, error=error,
                 code=forms.field("code") if error else "")


def _conversation(conversation, status: int = 200, notice: str | None = None,
                  error: str | None = None, draft: str = ""):
    """The conversation, with the code (as it is written, from the post) in its forms.
    The writer now sees every answer: a therapist may close it once the last was read."""
    items = wording.entries(conversations.read(db.session, conversation))
    conversations.mark_read_by_writer(db.session, conversation, live.now())
    return _page("messages/conversation.html", status, entries=items,
                 code=codes.display(forms.field("code")),
                 state=conversation.state, due=wording.day(conversation.answer_due),
                 retention=wording.retention(conversation.last_activity_at),
                 notice=notice, error=error, draft=draft)


def _refused_proof(why: str, again):
    """The page for a post whose proof of work was refused; `again` renders the form."""
    if why == "pow_required":
        return _page("messages/no_script.html", 400)
    if why == "already_sent":
        return _page("messages/already_sent.html", 409)
    return again(400, wording.refusal(why))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A body over MAX_CONTENT_LENGTH: nothing was read, nothing was sent."""
    return _page("messages/problem.html", 413, problem="too_large")


@bp.errorhandler(BadRequest)
def bad_request(_exc):
    """A malformed post (a field twice, an end without its confirmation): nothing was sent."""
    return _page("messages/problem.html", 400, problem="bad_request")


@bp.get("/new")
def write():
    return _write_form()


@bp.post("/new")
@csrf.exempt
def send_new():
    why = forms.proof(live.redis())
    if why:
        return _refused_proof(why, lambda status, text: _write_form(status, text, why))
    try:
        conversation, code = conversations.write_new(
            db.session, live.now(), forms.field("message"), current_language(),
            forms.field("age_band") or None, forms.field("gender") or None)
    except Refused as refused:
        return _write_form(REFUSAL_STATUS.get(refused.code, 422),
                           wording.refusal(refused.code), refused.code)
    return _page("messages/sent.html", code=code, due=wording.day(conversation.answer_due),
                 retention=wording.retention(conversation.last_activity_at))


@bp.get("/code")
def code_form():
    return _code_form()


def _opened():
    """The live conversation of the posted code, or None (the same for every wrong code)."""
    return conversations.open_with_code(db.session, forms.field("code"), live.now())


@bp.post("/open")
@csrf.exempt
def open_conversation():
    why = forms.proof(live.redis())
    if why:
        return _refused_proof(why, _code_form)
    conversation = _opened()
    if conversation is None:
        return _wrong_code()
    return _conversation(conversation)


def _retry(action: str, why: str):
    """A reply or an end whose proof of work failed: the same form again, the text and
    the code kept, without opening anything (no code is checked without a proof)."""
    return _page("messages/retry.html", 400, action=action, error=wording.refusal(why),
                 code=forms.field("code"), draft=forms.field("message"))


def _wrong_code():
    """The one answer for every code that opens nothing (malformed, unknown, ended)."""
    return _code_form(404, wording.refusal("wrong_code"))


def _posted_conversation(action: str):
    """(the conversation a reply or an end acts on, None), or (None, the page saying why
    not): a proof of work that failed (the form again, text and code kept) or a wrong code."""
    why = forms.proof(live.redis())
    if why in RETRY:
        return None, _retry(action, why)
    if why:
        return None, _refused_proof(why, _code_form)
    conversation = _opened()
    return (conversation, None) if conversation is not None else (None, _wrong_code())


@bp.post("/reply")
@csrf.exempt
def reply():
    conversation, refusal = _posted_conversation("reply")
    if refusal:
        return refusal
    draft = forms.field("message")
    try:
        conversations.add_writer_message(db.session, conversation, draft, live.now())
    except NotLive:
        return _wrong_code()
    except Refused as refused:
        db.session.rollback()
        return _conversation(conversation, REFUSAL_STATUS.get(refused.code, 422),
                             error=wording.refusal(refused.code), draft=draft)
    return _conversation(conversation, notice="sent")


@bp.post("/end")
@csrf.exempt
def end():
    if forms.field("confirm") != "yes":
        raise BadRequest()
    conversation, refusal = _posted_conversation("end")
    if refusal:
        return refusal
    try:
        conversations.end_by_writer(db.session, conversation, live.now())
    except NotLive:
        return _wrong_code()
    return _page("messages/ended.html")
