"""Every box a person types free text into has the browser's spell check off: Chrome's
Enhanced Spell Check and Edge's Editor send what is typed to the vendor."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in

FREE_TEXT = re.compile(r"<textarea\b[^>]*>|<input\b(?![^>]*type=\"(?:hidden|checkbox|radio|"
                       r"submit|button|date|number|password)\")[^>]*>", re.S)


def _signed_in(app, make_staff, role):
    staff = make_staff(role[:4], role=role)
    http = app.test_client()
    assert sign_in(http, staff.username).status_code == 302
    return http


@pytest.mark.parametrize("role,path", [
    (None, "/"), (None, "/staff/login"), ("therapist", "/staff/"),
    ("supervisor", "/staff/overview"), ("supervisor", "/staff/hours"),
    ("supervisor", "/staff/accounts"), ("supervisor", "/staff/missed"),
])
def test_every_free_text_box_has_spellcheck_off(app, make_staff, role, path):
    http = _signed_in(app, make_staff, role) if role else app.test_client()
    page = http.get(path)
    assert page.status_code == 200
    boxes = FREE_TEXT.findall(page.get_data(as_text=True))
    if path in ("/", "/staff/", "/staff/overview", "/staff/hours"):
        assert boxes  # the pages with chat text or notes do have boxes
    for box in boxes:
        assert 'spellcheck="false"' in box, box
