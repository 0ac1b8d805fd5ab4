"""Anonymity by construction: no address, agent or message text outside the live chat."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import redis as redis_lib
import sqlalchemy as sa
from sqlalchemy import text

from helpline.extensions import db
from tests.peers import Peer, staff_cookie

CANARY = "CANARY-TEXT-8f2b"
AGENT = "CanaryAgent/9.9"
VALUES = {
    "target_group": "self", "subcategory": "csam_downloader", "help_given": ["advice"],
    "referral_target": None, "referral_region": None, "follow_up": "none",
    "risk": "no_indication", "age_band": "unknown", "gender": "unknown", "note": "",
}


def test_a_whole_chat_leaves_no_address_agent_or_text(live, live_staff):
    live_staff("anna")
    url = live.urls[0]
    therapist = Peer(url, "/staff", cookie=staff_cookie(url, "anna"))
    therapist.call("duty", {"on": True})
    chatter = Peer(live.urls[1], "/chat", headers={"User-Agent": AGENT})
    started = chatter.call("start", {})
    chat_id = started["chat_id"]
    chatter.call("message", {"text": CANARY})
    therapist.wait_for("message", lambda d: d["text"] == CANARY)

    r = redis_lib.Redis.from_url(live.env["REDIS_URL"], decode_responses=True)
    holders = [k for k in r.scan_iter("hl:*") if _holds(r, k, CANARY)]
    assert holders == [f"hl:chat:{chat_id}:msgs"]
    # The helpline's own keys and the job payloads; RQ's worker records describe the worker.
    for name in r.scan_iter("hl:*"):
        for needle in ("127.0.0.1", AGENT, started["token"]):
            assert not _holds(r, name, needle), (name, needle)
    raw = redis_lib.Redis.from_url(live.env["REDIS_URL"])
    for name in raw.scan_iter("rq:job:*"):
        job = zlib.decompress(raw.hget(name, "data") or zlib.compress(b""))
        for needle in (CANARY, AGENT, started["token"]):
            assert needle.encode() not in job

    today = datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()
    code = therapist.call("follow_up_code", {"chat_id": chat_id, "date": today})["code"]
    therapist.call("end", {"chat_id": chat_id})
    assert chatter.call("feedback", {"helped": "yes"})["ok"]
    chatter.close()
    assert therapist.call("summary", {"chat_id": chat_id, "values": VALUES})["ok"]
    therapist.close()
    assert not [k for k in r.scan_iter("hl:*") if _holds(r, k, CANARY)]
    assert not [k for k in r.scan_iter("hl:*") if _holds(r, k, code.replace("-", ""))]

    with live.app.app_context():
        dump = str(db.session.execute(text("SELECT * FROM summaries")).all())
        dump += str(db.session.execute(text("SELECT * FROM staff")).all())
        for table in NEW_TABLES:
            dump += str(db.session.execute(text(f"SELECT * FROM {table}")).all())
    for needle in (CANARY, "127.0.0.1", AGENT, chat_id, code, code.replace("-", "")):
        assert needle not in dump
    log = live.log.read_text(errors="replace")
    for needle in (CANARY, "127.0.0.1", AGENT, chat_id, started["token"], code,
                   code.replace("-", "")):
        assert needle not in log


# The tables of registrations and reports (issue 9): every column, by name and type.
# Nothing free-form but the registration's scrubbed note; no address, agent, token or
# plain follow-up code anywhere; times no finer than the hour (codes: the day).
NEW_TABLES = ("follow_up_codes", "registration_month_counts", "referral_arrivals",
              "chatter_feedback_counts")
ALLOWED_COLUMNS = {
    "summaries": {
        "id", "channel", "status", "contact_hour", "staff_id", "target_group", "subcategory",
        "help_given", "referral_target", "referral_region", "referral_accepted", "follow_up",
        "follow_up_kept", "risk", "contacted_before", "said_helpful", "age_band", "gender",
        "wait_seconds", "duration_seconds", "series_id", "answered_in_time", "note",
        "created_at"},
    "follow_up_codes": {"id", "code_hash", "series_id", "staff_id", "valid_from",
                        "valid_until", "created_at", "used_at"},
    "registration_month_counts": {"id", "month", "channel", "dimension", "key", "count"},
    "referral_arrivals": {"id", "centre", "first_day", "last_day", "arrived", "entered_by",
                          "entered_at"},
    "chatter_feedback_counts": {"id", "month", "question", "answer", "count"},
}


def test_no_column_of_the_new_tables_can_hold_an_identity():
    for name, allowed in ALLOWED_COLUMNS.items():
        table = db.metadata.tables[name]
        assert {c.name for c in table.columns} == allowed, name
        for column in table.columns:
            assert not any(word in column.name for word in
                           ("ip", "addr", "agent", "token", "sid", "cookie", "name", "email",
                            "phone")) or column.name in ("series_id",), column.name
    texts = [c.name for c in db.metadata.tables["summaries"].columns
             if isinstance(c.type, sa.Text)]
    assert texts == ["note"]  # the scrubbed note is the only free text


def test_follow_up_codes_are_kept_only_as_keyed_hashes(ctx, make_staff):
    from helpline.records import followup

    anna = make_staff("anna")
    with ctx():
        issued = followup.issue(db.session, "k" * 32, anna.id, date.today(), date.today())
        stored = db.session.execute(text("SELECT * FROM follow_up_codes")).all()
    plain = issued.code.replace("-", "")
    assert plain not in str(stored) and issued.code not in str(stored)
    assert stored[0].code_hash == hmac.new(b"k" * 32, plain.encode(), hashlib.sha256).hexdigest()


def _holds(r, name: str, needle: str) -> bool:
    return needle in held_text(r, name)


def held_text(r, name) -> str:
    """A Redis key's name and value as one text (any type; unknown types: the name only)."""
    kind = r.type(name)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    if kind == "string":
        value = r.get(name)
    elif kind == "hash":
        value = r.hgetall(name)
    elif kind == "stream":
        value = r.xrange(name)
    elif kind in ("list",):
        value = r.lrange(name, 0, -1)
    elif kind == "set":
        value = r.smembers(name)
    elif kind == "zset":
        value = r.zrange(name, 0, -1)
    else:
        value = ""
    return f"{name} {value}"
