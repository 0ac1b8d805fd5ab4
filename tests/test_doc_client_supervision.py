"""A supervisor's client written from docs/protocol.md only: the sections "Namespace
`/staff`", "Supervision", "Staff sign-in (for a client that is not a browser)",
"Conventions" and "Error codes". A supervisor signs in with a code, opens the live
overview, watches a line fill and a therapist take a chat, monitors it, whispers, joins
openly and works the line (`triage`, `remove_waiting`, `clear_places`); every payload is
checked field by field against the doc, and every refusal the doc names for these events
that a client can provoke. If this needs anything the doc does not say, the doc is
incomplete.

Like tests/test_doc_client.py it uses plain `socketio.Client` and `requests`; the client
side (the doc's payload shapes, the sign-in) is tests/doc_staff_client.py. Not covered:
a place that `clear_places` removes (only chats started 30 s ago or more qualify, a fixed
`SPARE_SECONDS`, and this test does not wait for the clock).
"""

from __future__ import annotations

import time

import pytest
import socketio

from tests import doc_staff_client as doc
from tests.doc_staff_client import Sock, chatter, fields, pushed, refused, staff_id
from tests.test_doc_client import staff_session


def test_a_supervisor_written_from_the_doc(live, live_staff):
    url, other = live.urls
    live_staff("sue", role="supervisor", name="Sue")
    live_staff("anna", name="Anna")

    # -- no session cookie: the /staff handshake is refused (`not_signed_in`)
    nobody, refusals = socketio.Client(reconnection=False), []
    nobody.on("connect_error", lambda data=None: refusals.append(data), namespace="/staff")
    with pytest.raises(socketio.exceptions.ConnectionError):
        nobody.connect(url, namespaces=["/staff"], transports=["websocket"], wait_timeout=10)
    assert refusals == [{"message": "not_signed_in"}]  # the code is the `message`
    nobody.disconnect()

    # -- sign-in (two-factor) and the overview of an empty helpline
    cookie = doc.two_factor_session(url, "sue")
    sue = Sock(url, "/staff", cookie)
    state = fields(sue.wait("state"), doc.STATE)
    assert (state["role"], state["name"], state["on_duty"]) == ("supervisor", "Sue", False)
    fields(sue.wait("session"), doc.SESSION)
    view = doc.check_overview(sue.send("overview", {}))
    assert (view["waiting"], view["waiting_total"], view["staff"], view["chats"]) == \
        ([], 0, [], [])
    assert view["today"]["answered"] == 0 and view["today"]["missed_total"] == 0
    guard = view["guard"]
    assert (guard["price"], guard["normal_price"], guard["highest_price"]) == (1000, 1000, 2000)

    # -- a therapist is refused every supervisor event (`forbidden`), ack and `error` event
    anna = Sock(other, "/staff", staff_session(other, "anna"))
    assert fields(anna.wait("state"), doc.STATE)["role"] == "therapist"
    for event in doc.SUPERVISOR_ONLY:
        refused(anna.send(event, {"chat_id": "x", "text": "x"}), "forbidden", event)
    fields(anna.wait("error", lambda e: e["code"] == "forbidden"), doc.ERROR)

    # -- a chatter leaves the line unanswered: a missed contact, in today's counters.
    # (The live servers run with CHAT_ALWAYS_OPEN: nobody on duty still lets chatters wait.)
    mark = sue.mark()
    c0, answer = chatter(other)
    assert answer["state"] == "waiting" and answer["staff_on_duty"] is False, answer
    line = fields(sue.wait("line", lambda d: d["total"] == 1, mark), {"waiting", "total"})
    assert [fields(w, doc.WAITING)["chat_id"] for w in line["waiting"]] == [answer["chat_id"]]
    assert c0.send("end", {}) == {"ok": True}
    sue.wait("line", lambda d: d["total"] == 0, mark)
    view = pushed(sue, mark, lambda v: v["today"]["missed_total"] == 1)
    assert view["today"]["missed"]["left_unanswered"] == 1, view["today"]

    # -- Anna goes on duty, paused: chatters wait. The supervisor sees duty and line.
    mark = sue.mark()
    assert fields(anna.send("duty", {"on": True, "capacity": 1}), doc.PRESENCE)["on_duty"] is True
    assert anna.send("pause", {"paused": True})["paused"] is True
    view = pushed(sue, mark, lambda v: [(s["name"], s["paused"]) for s in v["staff"]]
                  == [("Anna", True)])
    anna_row = view["staff"][0]
    assert (anna_row["capacity"], anna_row["load"], anna_row["cooldown"]) == (1, 0, 0)
    anna_id = anna_row["staff_id"]

    c1, s1 = chatter(url, age_band="18_25", gender="woman", lang="en")
    assert s1["ok"] and s1["state"] == "waiting" and s1["position"] == 1, s1
    early = c1.send("message", {"text": "Hello, is anyone there?"})
    assert early["ok"]
    socks, starts = {"c1": c1}, {"c1": s1}
    for name in ("c2", "c3", "c4"):
        mark = sue.mark()
        socks[name], starts[name] = chatter(other if name != "c3" else url)
        assert starts[name]["state"] == "waiting", starts[name]
        line = fields(sue.wait("line", lambda d, n=name: d["total"] == int(n[1]), mark),
                      {"waiting", "total"})
        assert [w["chat_id"] for w in line["waiting"]] == \
            [starts[n]["chat_id"] for n in starts][:3]  # LINE_VIEW_LIMIT is 3 here
        for place, row in enumerate(line["waiting"], 1):
            assert fields(row, doc.WAITING)["position"] == place and row["handed_back"] is False
    ids = {name: starts[name]["chat_id"] for name in starts}
    view = doc.check_overview(sue.send("overview", {}))
    assert view["waiting_total"] == 4 and len(view["waiting"]) == 3
    first = view["waiting"][0]
    assert (first["chat_id"], first["age_band"], first["gender"], first["lang"]) == \
        (ids["c1"], "18_25", "woman", "en")
    assert view["guard"]["price"] == 2000  # 1000 × 1.5^(4 − 2), at most the raised price
    assert view["guard"]["without_sign"] == 0  # every place is younger than 30 s

    # -- monitor a waiting chat: every message so far
    watched = sue.send("monitor", {"chat_id": ids["c1"]})
    assert watched["ok"]
    chat = fields(watched["chat"], doc.WATCH_VIEW)
    assert (chat["chat_id"], chat["state"], chat["therapist"], chat["staff_id"]) == \
        (ids["c1"], "waiting", None, None)
    assert [fields(m, doc.MESSAGE)["id"] for m in chat["messages"]] == [early["id"]]
    assert chat["messages"][0]["name"] == ""  # the chatter's
    mark = sue.mark()
    still = c1.send("message", {"text": "Still waiting."})  # the watcher gets it at once
    assert sue.wait("message", lambda m: m["id"] == still["id"], mark)["sender"] == "chatter"

    # -- Anna resumes: the front chat is hers; line, overview and the watcher see it
    mark = sue.mark()
    assert anna.send("pause", {"paused": False})["paused"] is False
    assigned = fields(anna.wait("chat_assigned"), doc.CHAT_VIEW)
    assert (assigned["chat_id"], assigned["risk"], assigned["colleagues"]) == (ids["c1"], False, [])
    assert c1.wait("assigned")["therapist"] == "Anna"
    sue.wait("line", lambda d: d["total"] == 3, mark)
    view = pushed(sue, mark, lambda v: len(v["chats"]) == 1 and v["waiting_total"] == 3)
    row = view["chats"][0]
    assert (row["chat_id"], row["state"], row["staff_id"], row["therapist"], row["risk"],
            row["colleagues"], row["chatter_connected"], row["age_band"]) == \
        (ids["c1"], "active", anna_id, "Anna", False, [], True, "18_25")
    assert view["staff"][0]["load"] == 1
    fields(socks["c2"].wait("position", lambda p: p["position"] == 1), doc.POSITION)

    # -- the watcher gets the chat's messages and typing; the chatter is not told
    mark = sue.mark()
    sent = c1.send("message", {"text": "I need to talk."})
    got = fields(sue.wait("message", lambda m: m["id"] == sent["id"], mark), doc.STAFF_MESSAGE)
    assert (got["chat_id"], got["sender"], got["text"], got["name"]) == \
        (ids["c1"], "chatter", "I need to talk.", "")
    reply = anna.send("message", {"chat_id": ids["c1"], "text": "I am listening."})
    got = sue.wait("message", lambda m: m["id"] == reply["id"], mark)
    assert (got["sender"], got["name"]) == ("therapist", "Anna")
    assert c1.send("typing", {"typing": True}) == {"ok": True}
    assert sue.wait("typing", lambda t: t["chat_id"] == ids["c1"], mark) == \
        {"chat_id": ids["c1"], "typing": True}
    pushed(sue, mark, lambda v: v["chats"][0]["last_message_at"] == got["ts"])  # a message

    # -- whisper: to the therapist and the watchers, never to the chatter
    mark, amark = sue.mark(), anna.mark()
    said = sue.send("whisper", {"chat_id": ids["c1"], "text": "Ask about support."})
    fields(said, {"ok", "id", "ts"})
    heard = fields(anna.wait("whisper", lambda w: w["id"] == said["id"], amark), doc.WHISPER)
    assert (heard["chat_id"], heard["from"], heard["text"], heard["ts"]) == \
        (ids["c1"], "Sue", "Ask about support.", said["ts"])
    sue_id = staff_id(heard["from_id"])
    assert sue_id != anna_id
    assert sue.wait("whisper", lambda w: w["id"] == said["id"], mark) == heard
    refused(sue.send("whisper", {"chat_id": ids["c2"], "text": "x"}), "not_active", "whisper")
    refused(sue.send("whisper", {"chat_id": ids["c1"], "text": " \u202e "}), "empty", "whisper")
    refused(sue.send("whisper", {"chat_id": ids["c1"], "text": "x" * 1001}), "too_long",
            "whisper")

    # -- the risk flag: an alert to supervisors, `risk` to the holder, the overview row
    mark, amark = sue.mark(), anna.mark()
    raised = anna.send("risk_flag", {"chat_id": ids["c1"], "on": True})
    assert raised == {"ok": True, "chat_id": ids["c1"], "risk": True}
    alert = fields(sue.wait("risk_alert", since=mark), doc.RISK_ALERT)
    assert (alert["chat_id"], alert["therapist"], alert["staff_id"]) == (ids["c1"], "Anna", anna_id)
    assert anna.wait("risk", since=amark) == {"chat_id": ids["c1"], "risk": True}
    view = pushed(sue, mark, lambda v: v["chats"][0]["risk"] is True)
    assert isinstance(view["chats"][0]["risk_at"], float)
    refused(sue.send("risk_flag", {"chat_id": ids["c1"], "on": False}), "not_your_chat",
            "risk_flag")
    refused(anna.send("risk_flag", {"chat_id": ids["c1"], "on": "no"}), "bad_payload",
            "risk_flag")
    assert anna.send("risk_flag", {"chat_id": ids["c1"], "on": True})["risk"] is True  # again
    mark = sue.mark()
    assert anna.send("risk_flag", {"chat_id": ids["c1"], "on": False})["risk"] is False
    assert anna.wait("risk", lambda d: d["risk"] is False, amark) == \
        {"chat_id": ids["c1"], "risk": False}
    view = pushed(sue, mark, lambda v: v["chats"][0]["risk"] is False)
    assert view["chats"][0]["risk_at"] is None
    assert len(sue.got("risk_alert")) == 1  # raising a raised flag alerts nobody

    # -- join openly, and write into the chat
    refused(sue.send("colleague_message", {"chat_id": ids["c1"], "text": "Hi"}), "not_joined",
            "colleague_message")
    refused(sue.send("join", {"chat_id": ids["c2"]}), "not_active", "join")
    mark, amark, cmark = sue.mark(), anna.mark(), c1.mark()
    joined = sue.send("join", {"chat_id": ids["c1"]})
    assert joined["ok"] and joined["chat"]["colleagues"] == [{"staff_id": sue_id, "name": "Sue"}]
    fields(joined["chat"], doc.WATCH_VIEW)
    assert c1.wait("colleague_joined", since=cmark) == {"name": "Sue"}
    told = {"chat_id": ids["c1"], "name": "Sue", "staff_id": sue_id}
    assert anna.wait("colleague_joined", since=amark) == told
    assert sue.wait("colleague_joined", since=mark) == told  # the joining socket watches
    assert sue.send("join", {"chat_id": ids["c1"]})["ok"]  # again: nobody is told twice
    wrote = sue.send("colleague_message", {"chat_id": ids["c1"], "text": "Hello, I am Sue."})
    assert set(wrote) == {"ok", "id"}
    seen = fields(c1.wait("message", lambda m: m["id"] == wrote["id"], cmark), doc.MESSAGE)
    assert (seen["sender"], seen["name"], seen["text"]) == ("colleague", "Sue", "Hello, I am Sue.")
    assert anna.wait("message", lambda m: m["id"] == wrote["id"], amark)["sender"] == "colleague"
    sue.wait("message", lambda m: m["id"] == wrote["id"], mark)
    assert len(c1.got("colleague_joined", cmark)) == len(anna.got("colleague_joined", amark)) == 1
    pushed(sue, mark, lambda v: v["chats"][0]["colleagues"] == ["Sue"])
    assert "whisper" not in c1.names()

    # -- unmonitor: a second console of Sue watches, then stops (the first is a barrier)
    sue2 = Sock(url, "/staff", cookie)
    assert sue2.send("monitor", {"chat_id": ids["c1"]})["ok"]
    assert sue2.send("unmonitor", {"chat_id": ids["c1"]}) == {"ok": True}
    mark, mark2 = sue.mark(), sue2.mark()
    after = c1.send("message", {"text": "Thanks."})
    sue.wait("message", lambda m: m["id"] == after["id"], mark)
    assert sue2.send("keepalive", {})["ok"]
    assert sue2.got("message", mark2) == []

    # -- the line: triage, remove_waiting, clear_places
    refused(sue.send("triage", {"chat_id": ids["c1"]}), "not_waiting", "triage")
    refused(sue.send("triage", {"chat_id": "no-such-chat"}), "unknown_chat", "triage")
    marks = {n: socks[n].mark() for n in ("c2", "c3", "c4")}
    mark = sue.mark()
    assert sue.send("triage", {"chat_id": ids["c4"]}) == {"ok": True}
    line = sue.wait("line", lambda d: d["waiting"][0]["chat_id"] == ids["c4"], mark)
    assert [w["chat_id"] for w in line["waiting"]] == [ids["c4"], ids["c2"], ids["c3"]]
    for name, place in (("c4", 1), ("c2", 2), ("c3", 3)):
        socks[name].wait("position", lambda p, place=place: p["position"] == place, marks[name])

    c2_ended = socks["c2"].mark()
    assert sue.send("monitor", {"chat_id": ids["c2"]})["ok"]
    assert sue.send("remove_waiting", {"chat_id": ids["c2"]}) == {"ok": True}
    assert sue.wait("chat_ended", lambda d: d["chat_id"] == ids["c2"], mark) == \
        {"chat_id": ids["c2"], "by": "supervisor", "reason": "removed"}
    assert socks["c2"].wait("ended", since=c2_ended) == {"by": "supervisor", "reason": "removed"}
    socks["c3"].wait("position", lambda p: p["position"] == 2, marks["c3"])
    line = sue.wait("line", lambda d: d["total"] == 2, mark)
    assert [w["chat_id"] for w in line["waiting"]] == [ids["c4"], ids["c3"]]
    deadline = time.monotonic() + doc.DEADLINE
    while not socks["c2"].closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert socks["c2"].closed, "the removed chatter's socket is closed"
    again = Sock(other, "/chat")
    refused(again.send("resume", {"token": starts["c2"]["token"]}), "unknown_token", "resume")
    refused(sue.send("remove_waiting", {"chat_id": ids["c1"]}), "not_waiting", "remove_waiting")

    assert socks["c3"].send("typing", {"typing": True}) == {"ok": True}
    assert sue.send("clear_places", {}) == {"ok": True, "removed": 0}  # all younger than 30 s
    view = pushed(sue, mark, lambda v: v["waiting_total"] == 2)
    assert view["today"]["missed_total"] == 1  # a removed place is not a missed contact
    assert view["guard"]["cleared"] == 0

    # -- bad requests, on a fresh console of Sue (a full event bucket)
    probe = Sock(url, "/staff", cookie)
    for payload in ([1, 2], "x", 5):
        refused(probe.send("monitor", payload), "bad_payload", "monitor")
    for payload in (None, {}, {"chat_id": 5}, {"chat_id": "no-such-chat"}):
        refused(probe.send("monitor", payload), "unknown_chat", "monitor")
    refused(probe.send("whisper", {"chat_id": ids["c4"], "text": 5}), "bad_payload", "whisper")
    assert probe.send("unmonitor", {"chat_id": ids["c3"]}) == {"ok": True}  # not watched
    assert doc.check_overview(probe.send("overview", {"extra": 1}))["ok"]  # ignored
    refused(probe.send("supervise", {}), "unknown_event", "supervise")
    refused(probe.send("disconnect", {}), "reserved_event", "disconnect")
    fields(probe.wait("error", lambda e: e["code"] == "reserved_event"), doc.ERROR)

    # -- the therapist ends the chat; the watcher is told; the summary is filed
    mark, cmark = sue.mark(), c1.mark()
    assert anna.send("end", {"chat_id": ids["c1"]}) == {"ok": True}
    ended = sue.wait("chat_ended", lambda d: d["chat_id"] == ids["c1"], mark)
    assert ended == {"chat_id": ids["c1"], "by": "therapist", "reason": "therapist_ended"}
    assert c1.wait("ended", since=cmark) == {"by": "therapist", "reason": "therapist_ended"}
    pushed(sue, mark, lambda v: [c["state"] for c in v["chats"]] == ["ended"])
    refused(sue.send("whisper", {"chat_id": ids["c1"], "text": "x"}), "chat_ended", "whisper")
    refused(sue.send("monitor", {"chat_id": ids["c1"]}), "chat_ended", "monitor")
    refused(sue.send("join", {"chat_id": ids["c1"]}), "chat_ended", "join")
    refused(sue.send("colleague_message", {"chat_id": ids["c1"], "text": "x"}), "chat_ended",
            "colleague_message")
    refused(anna.send("risk_flag", {"chat_id": ids["c1"], "on": True}), "chat_ended",
            "risk_flag")
    mark = sue.mark()
    assert anna.send("summary", {"chat_id": ids["c1"], "values": doc.SUMMARY})["ok"]
    # Her freed place takes the next chat (c4, first since the triage); answered today:
    # the filed summary and the chat she holds now
    view = pushed(sue, mark, lambda v: [c["chat_id"] for c in v["chats"]] == [ids["c4"]])
    assert view["today"]["answered"] == 2 and view["waiting_total"] == 1
    assert all(isinstance(view["today"][k], float) for k in ("average_wait_seconds",
                                                             "average_duration_seconds"))

    # -- whispers: 20 per chat in a 10 s window (a fresh socket of Sue: a full event bucket)
    chorus = Sock(url, "/staff", cookie)
    answers = [chorus.send("whisper", {"chat_id": ids["c4"], "text": "x"}) for _ in range(21)]
    assert [a["ok"] for a in answers] == [True] * 20 + [False]
    refused(answers[-1], "rate_limited", "whisper")

    # -- a supervisor on duty may not join a chat of their own (`bad_payload`)
    assert sue.send("duty", {"on": True, "capacity": 1})["on_duty"] is True
    own = sue.wait("chat_assigned")
    assert own["chat_id"] == ids["c3"]
    refused(sue.send("join", {"chat_id": own["chat_id"]}), "bad_payload", "join")

    # -- nothing the doc does not name came to anyone
    for sock in (sue, sue2, probe, chorus, anna):
        assert sock.names() <= doc.STAFF_EVENTS, sock.names() - doc.STAFF_EVENTS
    for sock in [c0, again, *socks.values()]:
        assert sock.names() <= doc.CHAT_EVENTS, sock.names() - doc.CHAT_EVENTS
    for sock in [sue, sue2, probe, chorus, anna, c0, again, *socks.values()]:
        if not sock.closed:
            sock.sio.disconnect()
