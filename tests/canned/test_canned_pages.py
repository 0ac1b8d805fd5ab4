"""Ready texts (canned responses): supervisor pages, the JSON the console picker reads,
checks, the audit trail, CSRF and the seed command."""

from __future__ import annotations

from sqlalchemy import select

from helpline import audit
from helpline.canned import library
from helpline.canned.models import TEXT_MAX, CannedResponse
from helpline.canned.seed import seed
from helpline.extensions import db
from tests.conftest import sign_in
from tests.test_spellcheck import FREE_TEXT


def signed_in(app, username):
    http = app.test_client()
    assert sign_in(http, username).status_code == 302
    return http


def rows(ctx):
    with ctx():
        return [(r.language, r.title, r.text, r.tags)
                for r in db.session.scalars(select(CannedResponse).order_by(CannedResponse.id))]


def actions(ctx):
    with ctx():
        return [e.action for e in db.session.scalars(select(audit.AuditEvent))]


NEW = {"language": "nl", "title": "Doorverwijzing CAW",
       "text": "Bel het CAW: 078 15 05 55\r\nwww.caw.be", "tags": "Verwijzing, CAW caw"}


def test_supervisor_creates_edits_deletes_and_each_is_audited(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    http = signed_in(app, "sam")
    assert http.get("/staff/canned").status_code == 200
    response = http.post("/staff/canned", data=NEW)
    assert response.status_code == 302 and "language=nl" in response.headers["Location"]
    # a referral's phone number and web site are kept: these are the helpline's own texts
    assert rows(ctx) == [("nl", "Doorverwijzing CAW", "Bel het CAW: 078 15 05 55\nwww.caw.be",
                          ["verwijzing", "caw"])]
    page = http.get("/staff/canned?language=nl").get_data(as_text=True)
    assert "Doorverwijzing CAW" in page and "saved" in page
    with ctx():
        canned_id = db.session.scalar(select(CannedResponse.id))
    edit = http.get(f"/staff/canned/{canned_id}").get_data(as_text=True)
    assert 'value="verwijzing caw"' in edit
    changed = {**NEW, "language": "fr", "title": "Orientation", "tags": ""}
    assert http.post(f"/staff/canned/{canned_id}", data=changed).status_code == 302
    assert rows(ctx)[0][:2] == ("fr", "Orientation") and rows(ctx)[0][3] == []
    assert http.post(f"/staff/canned/{canned_id}/delete").status_code == 302
    assert rows(ctx) == []
    assert actions(ctx) == ["canned_create", "canned_edit", "canned_delete"]
    assert http.get(f"/staff/canned/{canned_id}").status_code == 404


def test_every_box_has_spell_check_off(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    http = signed_in(app, "sam")
    with ctx():
        seed(db.session)
    for path in ("/staff/canned", "/staff/canned/1", "/staff/account", "/staff/accounts"):
        page = http.get(path).get_data(as_text=True)
        boxes = FREE_TEXT.findall(page)
        assert boxes, path
        for box in boxes:
            assert 'spellcheck="false"' in box, (path, box)


def test_bad_input_is_shown_at_the_fields_and_nothing_saved(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    http = signed_in(app, "sam")
    bad = {"language": "xx", "title": "\u202e ", "text": "x" * (TEXT_MAX + 1),
           "tags": "ok <b>"}
    response = http.post("/staff/canned", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('class="field-error"') == 4 and 'aria-invalid="true"' in page
    assert rows(ctx) == []
    assert http.post("/staff/canned", data={**NEW, "text": " \n "}).status_code == 400


def test_only_supervisors_manage_staff_read_json(app, make_staff, ctx):
    make_staff("anna", name="Anna")
    make_staff("sam", role="supervisor")
    with ctx():
        seed(db.session)
    therapist = signed_in(app, "anna")
    for path in ("/staff/canned", "/staff/canned/1"):
        assert therapist.get(path).status_code == 403
        assert therapist.post(path, data=NEW).status_code == 403
    assert therapist.post("/staff/canned/1/delete").status_code == 403
    body = therapist.get("/staff/canned.json?lang=fr").get_json()
    assert {r["title"] for r in body["responses"]} == {"Orientation CAW", "Conclure"}
    first = body["responses"][0]
    assert set(first) == {"id", "title", "text", "tags"} and isinstance(first["tags"], list)
    anonymous = app.test_client().get("/staff/canned.json")
    assert anonymous.status_code == 302


def test_json_defaults_to_the_staff_members_language(app, make_staff, ctx):
    make_staff("anna")
    with ctx():
        seed(db.session)
        from helpline.records.models import Staff
        db.session.scalar(select(Staff).where(Staff.username == "anna")).language = "en"
        db.session.commit()
    body = signed_in(app, "anna").get("/staff/canned.json").get_json()
    assert "Closing" in {r["title"] for r in body["responses"]}
    nl = signed_in(app, "anna").get("/staff/canned.json?lang=nl-BE").get_json()
    assert "Afsluiten" in {r["title"] for r in nl["responses"]}


def test_forms_need_the_csrf_token(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    http = signed_in(app, "sam")
    app.config["WTF_CSRF_ENABLED"] = True
    assert http.post("/staff/canned", data=NEW).status_code == 400
    with ctx():
        seed(db.session)
        canned_id = db.session.scalar(select(CannedResponse.id))
    assert http.post(f"/staff/canned/{canned_id}/delete").status_code == 400
    assert len(rows(ctx)) > 0 and "canned_create" not in actions(ctx)


def test_seed_fills_only_empty_languages(app, ctx):
    with ctx():
        assert seed(db.session) > 0
        assert seed(db.session) == 0
    runner = app.test_cli_runner()
    assert "0 added" in runner.invoke(args=["canned", "seed"]).output


def test_tags_are_words_lowercase_once():
    assert library.parse_tags(" CAW, caw  zelfhulp\u202e ") == ["caw", "zelfhulp"]


def test_demo_data_brings_the_first_ready_texts(app, ctx):
    out = app.test_cli_runner().invoke(args=["demo-data"])
    assert out.exit_code == 0, out.output
    assert "ready texts: 11 added" in out.output
    assert {r[0] for r in rows(ctx)} == {"nl", "fr", "en"}


def test_templates_get_the_picker_config(app):
    with app.test_request_context("/staff/"):
        from flask import render_template_string
        out = render_template_string("{{ canned_picker()|tojson }}")
    assert '"url": "/staff/canned.json"' in out and '"search": "Search ready texts"' in out
