"""Console events need no SQL: the account snapshot taken at connect and the account's
stamp in Redis (written after every commit that changes it) replace the per-event load,
and a change made in SQL alone still refuses the console at its next event."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from helpline.admin import accounts
from helpline.auth import sessions
from helpline.extensions import db
from helpline.queue import keys

NS = "/staff"


def send(sock, name, data=None):
    return sock.emit(name, data or {}, namespace=NS, callback=True)


@contextlib.contextmanager
def counting_sql(app):
    """Every SQL statement sent to the database while the block runs."""
    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_console_events_run_no_sql(app, make_staff, staff_socket):
    sock = staff_socket(make_staff("anna"))
    with counting_sql(app) as statements:
        assert send(sock, "keepalive")["ok"]
        assert send(sock, "colleagues")["ok"]
        assert send(sock, "keepalive")["ok"]
    assert statements == []


@pytest.mark.parametrize("change", [
    lambda s, i: accounts.deactivate_account(s, i),
    lambda s, i: accounts.set_role(s, i, "supervisor"),
    lambda s, i: accounts.reset_password(s, i),
    lambda s, i: accounts.reset_second_factor(s, i),
    lambda s, i: accounts.end_sessions(s, i),
])
def test_a_change_in_sql_refuses_the_next_event(app, ctx, clock, make_staff, staff_socket,
                                                change):
    """At the console's first event once its last check is a second old (a check that
    passed counts for that long: auth/sessions.py)."""
    anna = make_staff("anna")
    sock = staff_socket(anna)
    assert send(sock, "keepalive")["ok"]
    with ctx():
        change(db.session, anna.id)  # SQL only: nobody disconnects the console here
    clock.advance(sessions.CHECK_EVERY_SECONDS)
    send(sock, "keepalive")
    assert not sock.is_connected(NS)
    assert ("signed_out", {"reason": "session_ended"}) in [
        (e["name"], e["args"][0]) for e in sock.queue if e["namespace"] == NS]


def test_a_lost_stamp_is_read_again_from_sql_once(app, r, make_staff, staff_socket):
    anna = make_staff("anna")
    sock = staff_socket(anna)
    r.delete(keys.account(anna.id))  # as after a Redis restart
    with counting_sql(app) as statements:
        assert send(sock, "keepalive")["ok"]
    assert statements
    assert r.get(keys.account(anna.id)) == "1|1|therapist"
    with counting_sql(app) as statements:
        assert send(sock, "keepalive")["ok"]
    assert statements == []


def test_a_stamp_never_goes_back_to_an_older_version(app, ctx, r, make_staff):
    anna = make_staff("anna")
    assert r.get(keys.account(anna.id)) == "1|1|therapist"
    r.set(keys.account(anna.id), "9|0|therapist")  # a newer change whose commit finished first
    with ctx():
        accounts.end_sessions(db.session, anna.id)  # version 2
    assert r.get(keys.account(anna.id)) == "9|0|therapist"
    with ctx():
        accounts.reactivate(db.session, anna.id)
        for _ in range(8):
            accounts.end_sessions(db.session, anna.id)  # up to version 10
    assert r.get(keys.account(anna.id)) == "10|1|therapist"
