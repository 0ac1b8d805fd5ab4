"""Supervisor account pages: who may open them, create / reset / role / deactivate /
reactivate, the self-change guards, CSRF, and the audit rows they leave."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpline import audit
from helpline.admin import accounts
from helpline.extensions import db
from helpline.records.models import Staff
from tests import totp
from tests.conftest import PASSWORD, sign_in

PASSWORD_SHOWN = re.compile(r'<code id="one-time-password">([^<]+)</code>')


def signed_in(app, username):
    http = app.test_client()
    response = sign_in(http, username)
    assert response.status_code == 302
    return http


@pytest.fixture
def sup(app, make_staff):
    make_staff("sam", role="supervisor", name="Sam")
    return signed_in(app, "sam")


def account(ctx, username) -> Staff:
    with ctx():
        staff = db.session.scalar(select(Staff).where(Staff.username == username))
        db.session.expunge(staff)
        return staff


def audit_rows(ctx):
    with ctx():
        return [(e.action, e.chat_ref, e.target_staff_id)
                for e in db.session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id))]


def test_only_supervisors(app, make_staff):
    anna = make_staff("anna")
    therapist = signed_in(app, "anna")
    assert therapist.get("/staff/accounts").status_code == 403
    for path in ("/staff/accounts", f"/staff/accounts/{anna.id}/password",
                 f"/staff/accounts/{anna.id}/role", f"/staff/accounts/{anna.id}/deactivate",
                 f"/staff/accounts/{anna.id}/reactivate"):
        assert therapist.post(path, data={"username": "x", "role": "supervisor"}).status_code == 403
    assert "Staff accounts" not in therapist.get("/staff/").get_data(as_text=True)
    anonymous = app.test_client().get("/staff/accounts")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]


def test_list_and_console_link(sup, make_staff, ctx):
    make_staff("anna", name="Anna P.")
    with ctx():
        accounts.deactivate(db.session, "anna")
    page = sup.get("/staff/accounts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "anna" in html and "Anna P." in html and "Deactivated" in html and "sam" in html
    assert 'href="/staff/accounts"' in sup.get("/staff/").get_data(as_text=True)


def test_create_shows_a_one_time_password_once(sup, app, ctx):
    response = sup.post("/staff/accounts", data={"username": " Ben.K ", "display_name": "Ben",
                                                 "role": "therapist"})
    assert response.status_code == 200
    password = PASSWORD_SHOWN.search(response.get_data(as_text=True)).group(1)
    with ctx():
        staff = accounts.authenticate(db.session, "ben.k", password)
        assert staff.role == "therapist" and staff.display_name == "Ben"
    assert password not in sup.get("/staff/accounts").get_data(as_text=True)  # shown once
    assert password not in str(sup.get_cookie("session").value if sup.get_cookie("session")
                               else "")
    created = account(ctx, "ben.k")
    assert audit_rows(ctx) == [("staff_create", None, created.id)]

    supervisor = sup.post("/staff/accounts", data={"username": "cleo", "role": "supervisor"})
    assert supervisor.status_code == 200 and account(ctx, "cleo").role == "supervisor"
    assert account(ctx, "cleo").display_name == "cleo"


@pytest.mark.parametrize("data", [
    {"username": "sam", "role": "therapist"},  # taken
    {"username": "", "role": "therapist"},
    {"username": "an na", "role": "therapist"},
    {"username": "x" * 65, "role": "therapist"},
    {"username": "eve", "role": "admin"},
])
def test_create_refusals(sup, ctx, data):
    response = sup.post("/staff/accounts", data=data)
    assert response.status_code == 400
    assert not PASSWORD_SHOWN.search(response.get_data(as_text=True))
    with ctx():
        assert len(accounts.list_staff(db.session)) == 1


def test_reset_password(sup, app, make_staff, ctx):
    anna = make_staff("anna")
    anna_http = signed_in(app, "anna")
    response = sup.post(f"/staff/accounts/{anna.id}/password")
    assert response.status_code == 200
    password = PASSWORD_SHOWN.search(response.get_data(as_text=True)).group(1)
    assert anna_http.get("/staff/").status_code == 302  # her session ended
    with ctx():
        assert accounts.authenticate(db.session, "anna", PASSWORD) is None
        assert accounts.authenticate(db.session, "anna", password) is not None
    assert audit_rows(ctx) == [("staff_password_reset", None, anna.id)]
    assert sup.post("/staff/accounts/9999/password").status_code == 404


def test_set_role_and_self_demotion_refused(sup, app, make_staff, ctx):
    anna = make_staff("anna")
    anna_http = signed_in(app, "anna")
    me = account(ctx, "sam")
    moved = sup.post(f"/staff/accounts/{anna.id}/role", data={f"r{anna.id}-role": "supervisor"})
    assert moved.status_code == 302
    assert account(ctx, "anna").role == "supervisor"
    assert anna_http.get("/staff/").status_code == 302  # signed out: sign in again
    assert "anna is now supervisor" in sup.get("/staff/accounts").get_data(as_text=True)

    refused = sup.post(f"/staff/accounts/{me.id}/role", data={f"r{me.id}-role": "therapist"})
    assert refused.status_code == 400
    assert "cannot change your own role" in refused.get_data(as_text=True)
    assert account(ctx, "sam").role == "supervisor"
    assert sup.get("/staff/accounts").status_code == 200  # still signed in
    bad = sup.post(f"/staff/accounts/{anna.id}/role", data={f"r{anna.id}-role": "admin"})
    assert bad.status_code == 400
    assert audit_rows(ctx) == [("staff_role", None, anna.id)]


def test_deactivate_reactivate_and_self_deactivation_refused(sup, app, make_staff, ctx):
    anna = make_staff("anna")
    anna_http = signed_in(app, "anna")
    me = account(ctx, "sam")
    assert sup.post(f"/staff/accounts/{anna.id}/deactivate").status_code == 302
    assert not account(ctx, "anna").active
    assert anna_http.get("/staff/").status_code == 302
    assert app.test_client().post("/staff/login", data={
        "username": "anna", "password": PASSWORD}).status_code == 401

    refused = sup.post(f"/staff/accounts/{me.id}/deactivate")
    assert refused.status_code == 400
    assert "cannot deactivate your own account" in refused.get_data(as_text=True)
    assert account(ctx, "sam").active

    assert sup.post(f"/staff/accounts/{anna.id}/reactivate").status_code == 302
    assert account(ctx, "anna").active
    signed_in(app, "anna")  # her password works again
    assert sup.post("/staff/accounts/9999/deactivate").status_code == 404
    assert audit_rows(ctx) == [("staff_deactivate", None, anna.id),
                               ("staff_reactivate", None, anna.id)]


def test_forms_need_the_csrf_token(app, make_staff, ctx, clock):
    anna = make_staff("anna")
    make_staff("sam", role="supervisor")
    app.config["WTF_CSRF_ENABLED"] = True
    http = app.test_client()
    page = http.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert http.post("/staff/login", data={"username": "sam", "password": PASSWORD,
                                           "csrf_token": token}).status_code == 302
    assert http.post("/staff/login/code", data={"code": totp.next_code("sam", clock),
                                                "csrf_token": token}).status_code == 302

    for path, data in ((f"/staff/accounts/{anna.id}/deactivate", {}),
                       (f"/staff/accounts/{anna.id}/password", {}),
                       (f"/staff/accounts/{anna.id}/role", {f"r{anna.id}-role": "supervisor"}),
                       ("/staff/accounts", {"username": "eve", "role": "therapist"})):
        assert http.post(path, data=data).status_code == 400, path
    assert account(ctx, "anna").active and account(ctx, "anna").role == "therapist"
    with ctx():
        assert len(accounts.list_staff(db.session)) == 2

    page = http.get("/staff/accounts").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    role_token = re.search(rf'name="r{anna.id}-csrf_token" value="([^"]+)"', page).group(1)
    assert http.post(f"/staff/accounts/{anna.id}/role", data={
        f"r{anna.id}-role": "supervisor", f"r{anna.id}-csrf_token": role_token}).status_code == 302
    assert http.post(f"/staff/accounts/{anna.id}/deactivate",
                     data={"csrf_token": token}).status_code == 302
    assert not account(ctx, "anna").active and account(ctx, "anna").role == "supervisor"


def test_audit_rows_hold_no_secret(sup, make_staff, ctx):
    anna = make_staff("anna")
    response = sup.post(f"/staff/accounts/{anna.id}/password")
    password = PASSWORD_SHOWN.search(response.get_data(as_text=True)).group(1)
    with ctx():
        rows = db.session.scalars(select(audit.AuditEvent)).all()
        dump = repr([(r.action, r.chat_ref, r.target_staff_id, r.actor_id) for r in rows])
    assert password not in dump and "anna" not in dump
