"""The audit trail after a full supervised chat: every action recorded, and no message
text, whisper, token or chatter data in any column (scanned with raw SQL, so a column
added later is scanned too)."""

from __future__ import annotations

import sqlalchemy as sa

from helpline.chat import store
from helpline.extensions import db
from helpline.queue import keys

NS = "/staff"
CHAT = "/chat"


def send(sock, event, data=None, ns=NS):
    return sock.emit(event, data, namespace=ns, callback=True)


def test_no_text_token_or_chatter_data_lands_in_the_audit_table(ctx, r, make_staff,
                                                                staff_socket, chatter):
    anna = make_staff("anna", name="Anna")
    sara = make_staff("sara", role="supervisor", name="Sara")
    therapist, supervisor = staff_socket(anna), staff_socket(sara)
    send(therapist, "duty", {"on": True, "capacity": 1})

    client = chatter()
    started = send(client, "start", {"age_band": "36_45", "gender": "woman", "lang": "fr"},
                   CHAT)
    cid, token = started["chat_id"], started["token"]
    waiting = chatter()
    waiting_id = send(waiting, "start", {"age_band": "18_25", "gender": "x"}, CHAT)["chat_id"]
    send(chatter(), "start", {}, CHAT)

    secrets_said = ["CHATTERWORDS-7f3a lives at Kerkstraat 12", "THERAPISTWORDS-19be",
                    "WHISPERWORDS-c0de", "COLLEAGUEWORDS-aa11"]
    send(client, "message", {"text": secrets_said[0]}, CHAT)
    send(therapist, "message", {"chat_id": cid, "text": secrets_said[1]})
    assert send(supervisor, "monitor", {"chat_id": cid})["ok"]
    assert send(supervisor, "whisper", {"chat_id": cid, "text": secrets_said[2]})["ok"]
    assert send(supervisor, "join", {"chat_id": cid})["ok"]
    assert send(supervisor, "colleague_message", {"chat_id": cid, "text": secrets_said[3]})["ok"]
    assert send(therapist, "risk_flag", {"chat_id": cid, "on": True})["ok"]
    assert send(supervisor, "triage", {"chat_id": waiting_id})["ok"]
    assert send(supervisor, "monitor", {"chat_id": waiting_id})["ok"]

    chat = store.get_chat(r, cid)
    forbidden = [*secrets_said, token, chat["token_hash"], chat["sid"], "Kerkstraat",
                 "36_45", "18_25", "woman"]
    with ctx():
        result = db.session.execute(sa.text("SELECT * FROM audit_events ORDER BY id"))
        columns = list(result.keys())
        table = [dict(zip(columns, row, strict=True)) for row in result]
    assert set(columns) == {"id", "at", "actor_id", "action", "chat_ref", "target_staff_id",
                            "registration_id", "count"}  # count: an integer, never text
    assert [(row["action"], row["actor_id"]) for row in table] == [
        ("monitor", sara.id), ("whisper", sara.id), ("join", sara.id),
        ("risk_flag", anna.id), ("triage", sara.id), ("monitor", sara.id)]
    assert {row["chat_ref"] for row in table} == {cid, waiting_id}
    for row in table:
        for name, value in row.items():
            for secret in forbidden:
                assert secret not in str(value), (name, secret)
    # The live chat itself still holds the text (until the summary is filed), not the trail.
    assert r.xlen(keys.messages(cid)) == 3
