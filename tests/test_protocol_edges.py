"""Protocol edges (issue 6, D11-D14) through Flask-SocketIO's test client and Flask's.

Reserved event names never reach the server's own handlers; lone surrogates, huge ids and
far dates give a clear code or a 400/404, never `internal` or a 500; and the codes are the
ones docs/protocol.md gives.
"""

from __future__ import annotations

import pytest

from helpline.chat import store
from helpline.extensions import db, socketio
from helpline.queue import keys
from tests.conftest import PASSWORD, events, sign_in

CHAT, STAFF = "/chat", "/staff"
LONE = "\ud800"  # JSON "\ud800": a lone UTF-16 surrogate


def ack(client, event, data=None, ns=CHAT):
    return client.emit(event, data, namespace=ns, callback=True)


def console(app, username):
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    sock = socketio.test_client(app, namespace=STAFF, flask_test_client=http)
    assert sock.is_connected(STAFF)
    return http, sock


@pytest.fixture
def active_chat(app, make_staff, chatter):
    """Anna holds one active chat: (chatter client, staff socket, chat id, anna)."""
    anna = make_staff("anna", name="Anna")
    _, sock = console(app, "anna")
    assert ack(sock, "duty", {"on": True, "capacity": 2}, STAFF)["ok"]
    client = chatter()
    started = ack(client, "start")
    assert started["state"] == "active" or events(client, CHAT, "assigned")
    return client, sock, started["chat_id"], anna


# ---------- D11: reserved names ----------

@pytest.mark.parametrize("name", ["disconnect", "connect", "connect_error", "disconnecting"])
def test_a_chatter_sending_a_reserved_name_keeps_the_chat(active_chat, r, name):
    client, sock, cid, _ = active_chat
    result = ack(client, name, {})
    assert result["code"] == "reserved_event" and result["event"] == name
    assert events(client, CHAT, "error")[-1]["code"] == "reserved_event"
    chat = store.get_chat(r, cid)
    assert chat["state"] == "active" and chat["sid"] and not chat.get("disconnected_at")
    assert ack(client, "message", {"text": "still here"})["ok"]
    assert any(m["text"] == "still here" for m in events(sock, STAFF, "message"))


def test_a_console_sending_disconnect_stays_registered_and_is_cut_off(app, active_chat, r):
    _, sock, _, anna = active_chat
    before = r.smembers(keys.staff_sockets(anna.id))
    assert ack(sock, "disconnect", None, STAFF)["code"] == "reserved_event"
    assert ack(sock, "connect", {}, STAFF)["code"] == "reserved_event"
    assert r.smembers(keys.staff_sockets(anna.id)) == before and before
    make_sup = app.test_client()
    with app.app_context():
        from tests.conftest import add_staff

        add_staff("sam", "supervisor", "Sam", None)  # enrolled in two-factor sign-in
    assert sign_in(make_sup, "sam").status_code == 302
    assert make_sup.post(f"/staff/accounts/{anna.id}/deactivate").status_code == 302
    got = [e["name"] for e in sock.queue if e["namespace"] == STAFF]
    assert "signed_out" in got and not sock.is_connected(STAFF)


def test_a_client_cannot_send_the_internal_refusal_name(chatter):
    client = chatter()
    assert ack(client, "\x00refused", {})["code"] == "reserved_event"


# ---------- D12: surrogates, huge ids, far dates ----------

def test_lone_surrogates_are_cleaned_from_messages(active_chat, r):
    client, sock, cid, _ = active_chat
    result = ack(client, "message", {"text": f"hi{LONE} there\udfff"})
    assert result["ok"]
    assert events(sock, STAFF, "message")[-1]["text"] == "hi there"
    assert ack(sock, "message", {"chat_id": cid, "text": LONE + "ok"}, STAFF)["ok"]
    assert ack(client, "message", {"text": LONE})["code"] == "empty"


def test_lone_surrogates_elsewhere_never_give_internal(active_chat, chatter):
    client, sock, cid, _ = active_chat
    assert ack(client, "resume", {"token": LONE * 30})["code"] == "unknown_token"
    assert ack(chatter(), "start", {"age_band": LONE, "lang": LONE})["code"] == "bad_payload"
    assert ack(sock, "transfer", {"chat_id": cid, "to": "line", "note": LONE + "n"},
               STAFF)["ok"]
    assert ack(sock, "typing", {"chat_id": LONE, "typing": True}, STAFF)["code"] == "unknown_chat"


def test_a_summary_note_with_surrogates_and_bidi_is_cleaned(active_chat, ctx):
    from helpline.records.models import Summary
    from tests.admin.test_staff_events import VALUES

    client, sock, cid, _ = active_chat
    assert ack(sock, "end", {"chat_id": cid}, STAFF)["ok"]
    values = {**VALUES, "note": f"fine{LONE}\u202e ok"}
    result = ack(sock, "summary", {"chat_id": cid, "values": values}, STAFF)
    assert result["ok"], result
    with ctx():
        assert db.session.get(Summary, result["summary_id"]).note == "fine ok"


@pytest.mark.parametrize(("last_id", "ok"), [
    ("99999999999999999999-0", False), ("0-99999999999999999999", False),
    ("18446744073709551615-18446744073709551615", False), ("18446744073709551616-0", False),
    ("18446744073709551614-18446744073709551615", True), ("0-0", True)])
def test_a_last_id_beyond_a_stream_id_is_a_bad_payload(chatter, last_id, ok):
    client = chatter()
    token = ack(client, "start")["token"]
    result = ack(chatter(), "resume", {"token": token, "last_id": last_id})
    assert result["ok"] is ok and (ok or result["code"] == "bad_payload"), result


@pytest.mark.parametrize("to", [10**20, "99999999999999999999", 2**31, -1, 0, 1.5, True, "²", "١"])
def test_a_transfer_to_a_huge_or_odd_id_is_refused(active_chat, to):
    _, sock, cid, _ = active_chat
    assert ack(sock, "transfer", {"chat_id": cid, "to": to}, STAFF)["code"] in (
        "bad_payload", "unknown_staff")


@pytest.fixture
def supervisor(app, make_staff):
    make_staff("sam", role="supervisor")
    http = app.test_client()
    assert sign_in(http, "sam").status_code == 302
    return http


@pytest.mark.parametrize("action", ["password", "role", "deactivate", "reactivate"])
@pytest.mark.parametrize("staff_id", ["99999999999999999999", str(2**31), "2147483647"])
def test_huge_account_ids_are_not_found(supervisor, action, staff_id):
    data = {f"r{staff_id}-role": "therapist"} if action == "role" else {}
    assert supervisor.post(f"/staff/accounts/{staff_id}/{action}", data=data).status_code == 404


@pytest.mark.parametrize("item", ["99999999999999999999", str(2**31), "-5", "x"])
@pytest.mark.parametrize("action", ["delete_slot", "delete_exception"])
def test_the_hours_form_refuses_huge_items(supervisor, action, item):
    response = supervisor.post("/staff/hours", data={"action": action, "del-item": item})
    assert response.status_code == 400


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01"])
def test_the_hours_form_refuses_far_days(supervisor, day):
    response = supervisor.post("/staff/hours", data={
        "action": "add_exception", "exc-channel": "chat", "exc-day": day, "exc-kind": "closed"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", [
    "to=9999-12-31", "from=0001-01-01", "from=0001-01-01&to=0001-01-02",
    "from=9999-12-30&to=9999-12-31", "to=99999-01-01", "from=2026-02-30"])
@pytest.mark.parametrize("path", ["/staff/missed", "/staff/missed.csv"])
def test_far_or_bad_dates_in_the_missed_report_are_400(supervisor, path, query):
    assert supervisor.get(f"{path}?{query}").status_code == 400


@pytest.mark.parametrize("target", [
    "/staff/%0d%0aSet-Cookie:x=1", "/staff/%00", "/staff/%E2%80%AE"])
def test_a_next_with_control_characters_goes_to_the_console(app, make_staff, target):
    make_staff("anna")
    response = app.test_client().post(f"/staff/login?next={target}",
                                      data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


# ---------- D14: the codes docs/protocol.md gives ----------

def test_resume_without_a_token_is_a_bad_payload(chatter):
    client = chatter()
    assert ack(client, "resume", {})["code"] == "bad_payload"
    assert ack(client, "resume", {"token": ""})["code"] == "bad_payload"
    assert ack(client, "resume", {"token": ["x"]})["code"] == "bad_payload"


def test_after_ones_own_end_chat_events_get_chat_ended(chatter):
    client = chatter()
    assert ack(client, "start")["ok"]
    assert ack(client, "end")["ok"]
    assert ack(client, "end")["code"] == "chat_ended"
    assert ack(client, "message", {"text": "hello?"})["code"] == "chat_ended"
    assert ack(client, "typing", {"typing": True})["code"] == "chat_ended"
    assert ack(client, "start")["ok"]  # the socket is unbound: a new chat may start


def test_typing_after_the_therapist_ended_is_chat_ended(active_chat):
    client, sock, cid, _ = active_chat
    assert ack(sock, "end", {"chat_id": cid}, STAFF)["ok"]
    assert ack(client, "typing", {"typing": True})["code"] == "chat_ended"
    assert ack(client, "message", {"text": "x"})["code"] == "chat_ended"
    assert ack(client, "end")["code"] == "chat_ended"


@pytest.mark.parametrize("payload", [[1, 2], "x", 5, None, {"any": "thing"}])
def test_quick_exit_is_always_ok(chatter, payload):
    client = chatter()
    assert ack(client, "quick_exit", payload)["ok"]
    assert ack(client, "start")["ok"]
    assert ack(client, "quick_exit", payload)["ok"]
    assert client.emit("quick_exit", 1, 2, namespace=CHAT, callback=True)["ok"]


# ---------- D16: display names without bidi controls ----------

BIDI_NAME = "\u202eevil\u202c \u2066Anna\u2069\u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068"


def test_bidi_controls_are_stripped_from_names_on_the_accounts_page(supervisor, ctx):
    from helpline.records.models import Staff

    response = supervisor.post("/staff/accounts", data={
        "username": "eve", "display_name": BIDI_NAME, "role": "therapist"})
    assert response.status_code == 200
    with ctx():
        assert db.session.query(Staff).filter_by(username="eve").one().display_name == \
            "evil Anna"


def test_bidi_controls_and_surrogates_from_the_cli(app, ctx):
    from helpline.records.models import Staff

    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "eve", "--name", BIDI_NAME + "\udcff"])
    assert result.exit_code == 0, result.output
    with ctx():
        assert db.session.query(Staff).filter_by(username="eve").one().display_name == \
            "evil Anna"
    result = runner.invoke(args=["users", "create", "ev\udcffe"])  # undecodable argv byte
    assert result.exit_code == 1 and "control or bidi" in result.output


def test_a_name_of_only_controls_falls_back_to_the_username(app, ctx):
    from helpline.admin import accounts

    with ctx():
        assert accounts.create_staff(db.session, "zed", "\u202e\u200f", "therapist",
                                     PASSWORD).display_name == "zed"


# ---------- error events: one per code a second, the ack every time ----------

def test_a_socket_gets_the_same_error_event_once_a_second_and_every_ack(chatter):
    """A flood of refused events does not make the server write a frame for each: every
    ack answers, the same `error` event comes once a second (docs/protocol.md, Conventions);
    another code, or the same code with another message, is told at once."""
    client = chatter()
    answers = [ack(client, "nonsense") for _ in range(5)]
    assert [a["code"] for a in answers] == ["unknown_event"] * 5
    assert ack(client, "message", {"text": "hi"})["code"] == "not_joined"
    assert ack(client, "start", {"gender": "robot"})["code"] == "bad_payload"
    assert ack(client, "start", {"age_band": "robot"})["code"] == "bad_payload"
    told = [e["code"] for e in events(client, CHAT, "error")]
    assert told == ["unknown_event", "not_joined", "bad_payload", "bad_payload"]
