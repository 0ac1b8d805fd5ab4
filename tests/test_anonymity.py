"""Anonymity by construction: no address, agent or message text outside the live chat."""

from __future__ import annotations

import zlib

import redis as redis_lib
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

    therapist.call("end", {"chat_id": chat_id})
    chatter.close()
    assert therapist.call("summary", {"chat_id": chat_id, "values": VALUES})["ok"]
    therapist.close()
    assert not [k for k in r.scan_iter("hl:*") if _holds(r, k, CANARY)]

    with live.app.app_context():
        dump = str(db.session.execute(text("SELECT * FROM summaries")).all())
        dump += str(db.session.execute(text("SELECT * FROM staff")).all())
    for needle in (CANARY, "127.0.0.1", AGENT, chat_id):
        assert needle not in dump
    log = live.log.read_text(errors="replace")
    for needle in (CANARY, "127.0.0.1", AGENT, chat_id, started["token"]):
        assert needle not in log


def _holds(r, name: str, needle: str) -> bool:
    kind = r.type(name)
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
    return needle in name or needle in str(value)
