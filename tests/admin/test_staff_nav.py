"""One navigation between the staff pages: a supervisor's console reaches every supervisor
page; a therapist's console only what a therapist may open."""

from __future__ import annotations

import re

from tests.conftest import sign_in

SUPERVISOR_PAGES = ["/staff/overview", "/staff/hours", "/staff/missed", "/staff/reports/",
                    "/staff/canned", "/staff/accounts"]


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="staff-nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


def test_a_supervisors_console_links_to_every_supervisor_page(app, make_staff):
    make_staff("sara", role="supervisor")
    http = app.test_client()
    assert sign_in(http, "sara").status_code == 302
    links = nav_links(http.get("/staff/").get_data(as_text=True))
    for page in SUPERVISOR_PAGES:
        assert page in links
        assert nav_links(http.get(page).get_data(as_text=True)) == links  # the same everywhere


def test_a_therapists_console_shows_only_what_a_therapist_may_open(app, make_staff):
    make_staff("anna")
    http = app.test_client()
    assert sign_in(http, "anna").status_code == 302
    links = nav_links(http.get("/staff/").get_data(as_text=True))
    assert not set(links) & set(SUPERVISOR_PAGES)
    assert "/staff/registrations/" in links and "/staff/account" in links
    for link in links:
        assert http.get(link).status_code == 200
