"""Rough edges of the staff pages: no stale sign-in notice, a staff 403 page that leads to
the console, the name chatters see edited (by supervisors and by oneself, audited, bidi
stripped), the header naming a person once, and one navigation on every supervisor page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpline import audit
from helpline.extensions import db
from helpline.records.models import Staff
from tests.conftest import sign_in


def signed_in(app, username):
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    return http


def name_of(ctx, username):
    with ctx():
        return db.session.scalar(select(Staff.display_name).where(Staff.username == username))


def audit_rows(ctx):
    with ctx():
        return [(e.action, e.actor_id, e.target_staff_id)
                for e in db.session.scalars(select(audit.AuditEvent))]


def test_the_sign_in_notice_shows_on_the_sign_in_page_only(app, make_staff):
    make_staff("anna")
    http = app.test_client()
    assert http.get("/staff/overview").status_code == 302
    login = http.get("/staff/login").get_data(as_text=True)
    assert "Sign in to open that page." in login
    assert sign_in(http, "anna").status_code == 302
    console = http.get("/staff/").get_data(as_text=True)
    assert "Sign in to open that page" not in console
    assert "Please log in" not in console


def test_a_therapists_403_page_leads_to_the_console(app, make_staff):
    make_staff("anna")
    http = signed_in(app, "anna")
    response = http.get("/staff/overview")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Not allowed" in page and 'href="/staff/">Go to your console' in page
    chatter = app.test_client().get("/no-such-page").get_data(as_text=True)
    assert 'href="/">Go to the home page' in chatter


def test_supervisor_edits_a_name_chatters_see(app, make_staff, ctx):
    sam = make_staff("sam", role="supervisor", name="Sam")
    anna = make_staff("anna", name="Anna")
    http = signed_in(app, "sam")
    page = http.get("/staff/accounts").get_data(as_text=True)
    assert f'action="/staff/accounts/{anna.id}/name"' in page
    response = http.post(f"/staff/accounts/{anna.id}/name",
                         data={f"n{anna.id}-display_name": " Ann\u202ea "})
    assert response.status_code == 302
    assert name_of(ctx, "anna") == "Anna"  # the bidi override is gone
    assert ("staff_display_name", sam.id, anna.id) in audit_rows(ctx)
    for bad in ("", "\u202e", "x" * 65):
        refused = http.post(f"/staff/accounts/{anna.id}/name",
                            data={f"n{anna.id}-display_name": bad})
        assert refused.status_code == 400
    assert name_of(ctx, "anna") == "Anna"
    assert http.post("/staff/accounts/999999/name",
                     data={"n999999-display_name": "X"}).status_code == 404
    therapist = signed_in(app, "anna")
    assert therapist.post(f"/staff/accounts/{sam.id}/name",
                          data={f"n{sam.id}-display_name": "X"}).status_code == 403


def test_anyone_edits_their_own_name(app, make_staff, ctx):
    anna = make_staff("anna", name="Anna")
    http = signed_in(app, "anna")
    assert 'name="display_name"' in http.get("/staff/account").get_data(as_text=True)
    assert http.post("/staff/account/name", data={"display_name": "Annie"}).status_code == 302
    assert name_of(ctx, "anna") == "Annie"
    assert audit_rows(ctx) == [("staff_display_name", anna.id, anna.id)]
    bad = http.post("/staff/account/name", data={"display_name": "\u2066\u2069"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_header_names_the_first_supervisor_once(app, make_staff):
    make_staff("supervisor", role="supervisor", name="Supervisor")
    page = signed_in(app, "supervisor").get("/staff/overview").get_data(as_text=True)
    assert '<p class="who">Supervisor</p>' in page


@pytest.mark.parametrize("path", ["/staff/overview", "/staff/hours", "/staff/missed",
                                  "/staff/reports/", "/staff/registrations/",
                                  "/staff/canned", "/staff/accounts", "/staff/account"])
def test_every_supervisor_page_links_to_the_others(app, make_staff, path):
    make_staff("sam", role="supervisor", name="Sam")
    page = signed_in(app, "sam").get(path).get_data(as_text=True)
    for link in ('href="/staff/"', 'href="/staff/overview"', 'href="/staff/canned"',
                 'href="/staff/reports/"', 'href="/staff/accounts"', 'href="/staff/account"'):
        assert link in page, (path, link)
    assert 'aria-current="page"' in page
