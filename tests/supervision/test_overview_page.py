"""GET /staff/overview: supervisors only, no inline script or style, the audit list."""

from __future__ import annotations

import json
import re

from helpline import audit
from helpline.extensions import db
from tests.conftest import sign_in


def signed_in(app, staff):
    http = app.test_client()
    assert sign_in(http, staff.username).status_code == 302
    return http


def test_only_supervisors_open_the_overview(app, make_staff):
    assert app.test_client().get("/staff/overview").status_code == 302  # to the sign-in
    therapist = signed_in(app, make_staff("anna"))
    assert therapist.get("/staff/overview").status_code == 403
    supervisor = signed_in(app, make_staff("sara", role="supervisor", name="Sara"))
    page = supervisor.get("/staff/overview")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_page_has_no_inline_script_or_style_and_passes_its_config_as_json(app, make_staff):
    supervisor = signed_in(app, make_staff("sara", role="supervisor", name="Sara"))
    html = supervisor.get("/staff/overview").get_data(as_text=True)
    assert " style=" not in html and "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        assert 'type="application/json"' in attrs or ("src=" in attrs and not body.strip())
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', html, re.S).group(1))
    assert config["my_name"] == "Sara"
    assert [k for k, _ in config["reasons"]][:2] == ["closed", "nobody_on_duty"]
    assert "/static/js/supervisor/overview.js" in html


def test_the_audit_trail_is_listed_without_text(app, ctx, make_staff):
    anna = make_staff("anna", name="Anna")
    sara = make_staff("sara", role="supervisor", name="Sara")
    with ctx():
        audit.record(db.session, sara.id, "monitor", "abcdefgh12345678", anna.id)
        audit.record(db.session, sara.id, "triage", "zyxwvuts87654321")
    html = signed_in(app, sara).get("/staff/overview").get_data(as_text=True)
    table = html[html.index('id="audit-table"'):]
    assert table.index("Moved to the front") < table.index("Monitored")  # newest first
    assert "abcdefgh" in table and "Anna" in table


def test_a_supervisor_console_links_the_overview(app, make_staff):
    html = signed_in(app, make_staff("sara", role="supervisor")).get("/staff/").get_data(
        as_text=True)
    assert 'href="/staff/overview"' in html and 'id="risk-alert"' in html
    html = signed_in(app, make_staff("anna")).get("/staff/").get_data(as_text=True)
    assert 'href="/staff/overview"' not in html and 'id="risk-alert"' not in html
