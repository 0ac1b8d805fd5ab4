"""The chatter's and the staff's language: selection order, socket errors, the live chat."""

from __future__ import annotations

import re

import pytest

from helpline.extensions import db, socketio
from helpline.queue import keys
from helpline.records.models import Staff
from tests.conftest import PASSWORD, chatter_client, events

NS = "/chat"


def html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def chatter_socket(app, query: str = "", headers: dict | None = None):
    return chatter_client(app, query_string=query, headers=headers)


def ack(client, event, data=None, ns=NS):
    return client.emit(event, data, namespace=ns, callback=True)


def test_page_language_order(app):
    """?lang= wins over Accept-Language, which wins over HELPLINE_DEFAULT_LANGUAGE."""
    http = app.test_client()
    assert html_lang(http.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9"})) == "nl"
    assert html_lang(http.get("/", headers={"Accept-Language": "fr-BE"})) == "fr"
    assert html_lang(http.get("/?lang=fr", headers={"Accept-Language": "nl"})) == "fr"
    assert html_lang(http.get("/?lang=xx", headers={"Accept-Language": "fr"})) == "fr"
    app.config["HELPLINE_DEFAULT_LANGUAGE"] = "nl"
    page = http.get("/", headers={"Accept-Language": "de-DE"})
    assert html_lang(page) == "nl"
    text = page.get_data(as_text=True)
    assert "Snel weg" in text and "Jonger dan 18" in text
    assert "Sortie rapide" in http.get("/?lang=fr").get_data(as_text=True)


def test_the_shipped_default_is_dutch():
    from helpline.settings import Config

    assert Config.HELPLINE_DEFAULT_LANGUAGE == "nl"


def test_no_cookie_for_the_language(app):
    response = app.test_client().get("/?lang=fr")
    assert "Set-Cookie" not in response.headers


def test_socket_errors_in_the_chatters_language(app):
    nl = chatter_socket(app, "lang=nl")
    fr = chatter_socket(app, "lang=fr")
    browser_fr = chatter_socket(app, headers={"Accept-Language": "fr-BE"})
    assert ack(nl, "message", {"text": "hallo"})["message"] == "Begin of hervat eerst een chat."
    assert ack(fr, "message", {"text": "salut"})["message"] == \
        "Commencez ou reprenez d'abord un chat."
    assert ack(browser_fr, "nonsense")["message"] == "Cet événement n'existe pas."
    ack(nl, "start", {})
    too_long = ack(nl, "message", {"text": "x" * 5000})
    assert too_long["code"] == "too_long"
    assert too_long["message"] == "Een bericht mag hoogstens 2000 tekens lang zijn."
    assert events(nl, NS, "error")[-1]["message"] == too_long["message"]
    bad = ack(fr, "start", {"gender": "robot"})
    assert bad["code"] == "bad_payload" and bad["message"] == "Valeur inconnue pour genre."
    english = chatter_socket(app, "lang=en")
    assert ack(english, "message", {"text": "hi"})["message"] == "Start or resume a chat first."


def test_the_chat_keeps_the_chatters_language_and_the_therapist_sees_it(
        app, r, make_staff, staff_socket):
    anna = make_staff("anna", name="Anna")
    client = chatter_socket(app, "lang=fr")
    started = ack(client, "start", {})  # no lang in the payload: the socket's language
    assert r.hget(keys.chat(started["chat_id"]), "lang") == "fr"
    sock = staff_socket(anna)
    assert events(sock, "/staff", "state")[-1]["waiting"][0]["lang"] == "fr"  # the line
    assert ack(sock, "duty", {"on": True, "capacity": 1}, "/staff")["ok"]
    assigned = events(sock, "/staff", "chat_assigned")[-1]
    assert assigned["lang"] == "fr"
    # The chatter switches to Dutch: the page comes back and resumes with the new language.
    client.disconnect(NS)
    again = chatter_socket(app, "lang=nl")
    resumed = ack(again, "resume", {"token": started["token"], "lang": "nl"})
    assert resumed["ok"] and resumed["chat_id"] == started["chat_id"]
    assert r.hget(keys.chat(started["chat_id"]), "lang") == "nl"
    told = events(sock, "/staff", "chatter_connection")
    assert told[-1]["connected"] is True and told[-1]["lang"] == "nl"
    assert ack(again, "resume", {"token": started["token"], "lang": "de"})["code"] == \
        "bad_payload"


def test_staff_language_preference(app, make_staff):
    staff = make_staff("bert")
    http = app.test_client()
    http.post("/staff/login", data={"username": "bert", "password": PASSWORD})
    assert html_lang(http.get("/staff/", headers={"Accept-Language": "fr"})) == "fr"
    saved = http.post("/staff/language", data={"language": "nl", "next": "/staff/"},
                      headers={"Accept-Language": "fr"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/staff/")
    page = http.get("/staff/", headers={"Accept-Language": "fr"})
    assert html_lang(page) == "nl" and "Van dienst" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Staff, staff.id).language == "nl"
    assert http.post("/staff/language", data={"language": "xx"}).status_code == 400
    http.post("/staff/language", data={"language": "", "next": "//evil.example/"})
    assert html_lang(http.get("/staff/", headers={"Accept-Language": "fr"})) == "fr"
    assert http.post("/staff/language", data={"language": "nl"}).status_code == 302


def test_staff_language_needs_sign_in(app):
    response = app.test_client().post("/staff/language", data={"language": "nl"})
    assert response.status_code in (302, 401)


def test_staff_socket_errors_in_the_staff_language(app, make_staff, staff_socket):
    staff = make_staff("carla")
    with app.app_context():
        db.session.get(Staff, staff.id).language = "fr"
        db.session.commit()
    sock = staff_socket(staff)
    answer = ack(sock, "message", {"chat_id": "nosuchchat123", "text": "hi"}, "/staff")
    assert answer["code"] == "unknown_chat" and answer["message"] == "Ce chat n'existe pas."


def test_a_socket_chooses_its_language_once(app):
    """Every event of a socket reuses its connection's language: a flood of refused events
    does not pay for choosing it again each time."""
    from helpline.i18n import LOCALE_KEY

    client = chatter_socket(app, headers={"Accept-Language": "fr-BE"})
    assert ack(client, "nonsense")["message"] == "Cet événement n'existe pas."
    environ = socketio.server.environ[client.eio_sid]
    assert environ[LOCALE_KEY] == "fr"
    environ[LOCALE_KEY] = "nl"  # what the connection chose is what every event uses
    assert ack(client, "nonsense")["message"] == "Dat event bestaat niet."


@pytest.mark.parametrize("lang,count,share,zero", [
    ("nl", "1.913", "10,8", "0,0"), ("fr", "1\u202f913", "10,8", "0,0"),
    ("en", "1,913", "10.8", "0.0")])
def test_report_numbers_in_the_readers_notation(app, lang, count, share, zero):
    from helpline.i18n import number

    with app.test_request_context(f"/?lang={lang}"):
        assert number(1913) == count
        assert number(10.8) == share
        assert number(0.0) == zero and number(0) == "0"
        assert number("Phone") == "Phone" and number(None) is None
