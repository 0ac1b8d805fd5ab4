"""The writer's pages of anonymous messages (helpline/writer/, issue 20) through the Flask
test client: every page, every refusal, the code shown once and never again, and the
code in no log line and no Redis key."""

from __future__ import annotations

import html
import json
import logging
import re

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from helpline.chat import proofofwork
from helpline.extensions import db
from helpline.messages import codes, inbox
from helpline.messages import conversations as msg
from helpline.messages.models import Conversation, Message
from helpline.queue import keys

TEXT = "Ik maak me zorgen over mezelf, zebra-4471"
DAY = 86400
CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def solved(http) -> str:
    """A solved proof of work, as the page's script puts it in the `pow` field."""
    return json.dumps(proofofwork.solve(http.get("/challenge").json))


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def shown_code(body: str) -> str:
    return re.search(r'id="message-code"[^>]*>([^<]+)<', body).group(1).strip()


def textarea(body: str) -> str:
    return re.search(r'<textarea[^>]*name="message"[^>]*>(.*?)</textarea>', body, re.S).group(1)


def hidden_code(body: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="code" value="([^"]*)"', body))


def count(app, model=Conversation) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def write(http, text=TEXT, lang="nl", **fields):
    data = {"message": text, "age_band": "", "gender": "", "pow": solved(http), **fields}
    return http.post(f"/messages/new?lang={lang}", data=data)


def new_code(http, text=TEXT, lang="nl", **fields) -> str:
    response = write(http, text, lang, **fields)
    assert response.status_code == 200, page(response)
    return shown_code(page(response))


def open_(http, code, lang="nl"):
    return http.post(f"/messages/open?lang={lang}", data={"code": code, "pow": solved(http)})


# ---------- the writing page and the code page ----------

@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_the_writing_page_asks_the_chats_questions_and_needs_a_script(app, lang):
    response = app.test_client().get(f"/messages/new?lang={lang}")
    body = page(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert f'<html lang="{lang}">' in body
    assert 'name="age_band" value="18_25"' in body and 'name="gender" value="x"' in body
    assert '<textarea id="message" name="message"' in body
    assert re.search(r'<button id="send-button"[^>]*disabled', body)  # until the script runs
    assert "<noscript>" in body and 'id="quick-exit"' in body and 'class="lang-switch"' in body
    assert 'action="/messages/new?lang=' + lang + '"' in body
    # CSP: every script is a file of ours or a JSON data block, never inline code
    for tag in re.findall(r"<script[^>]*>", body):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', body, re.S).group(1))
    assert config["max_chars"] == app.config["MESSAGE_MAX_CHARS"]
    assert config["challenge_url"] == "/challenge"


def test_sending_shows_the_code_once_with_the_promised_day(app, ctx):
    http = app.test_client()
    response = write(http, age_band="26_35", gender="woman")
    body = page(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = shown_code(body)
    assert CODE_SHAPE.match(code)
    assert code not in re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert body.count(code) == 1  # on the page once; not in a field, a link or the config
    assert 'id="copy-code"' in body
    assert 'class="lang-switch"' not in body  # a switch would leave the page for a GET
    with ctx():
        conversation = db.session.scalars(select(Conversation)).one()
        assert (conversation.language, conversation.age_band, conversation.gender) == (
            "nl", "26_35", "woman")
        due = format_date(conversation.answer_due, "EEEE d MMMM", locale="nl")
    assert f"Het antwoord komt uiterlijk {due}." in body
    assert f"{app.config['MESSAGE_RETENTION_DAYS']} dagen na het laatste bericht" in body
    assert "zelfs de hulplijn niet" in body


def test_the_answer_day_is_in_the_writers_language(app, ctx):
    http = app.test_client()
    body = page(write(http, lang="fr"))
    with ctx():
        due = db.session.scalars(select(Conversation)).one().answer_due
    assert format_date(due, "EEEE d MMMM", locale="fr") in body
    assert '<html lang="fr">' in body


def test_a_reload_sends_nothing_twice_and_never_shows_the_code_again(app):
    http = app.test_client()
    data = {"message": TEXT, "age_band": "", "gender": "", "pow": solved(http)}
    first = http.post("/messages/new?lang=nl", data=data)
    code = shown_code(page(first))
    again = http.post("/messages/new?lang=nl", data=data)  # what a reload posts
    body = page(again)
    assert again.status_code == 409
    assert code not in body and codes.normalise(code) not in body
    assert "niet opnieuw getoond" in body
    assert count(app) == 1


# ---------- refusals on the writing page: words in the language, text kept ----------

@pytest.mark.parametrize(("text", "fields", "status", "words"), [
    ("   \n ", {}, 422, "Je bericht is leeg"),
    ("x" * 5001, {}, 422, "Je bericht is te lang: er passen hoogstens 5000 tekens in"),
    ("bel\x07me", {}, 422, "onzichtbare controletekens"),
    ("abc\u202edef", {}, 422, "de richting van de tekst veranderen"),
    (TEXT, {"age_band": "99_120"}, 422, "Kies opnieuw"),
    (TEXT, {"gender": "<b>"}, 422, "Kies opnieuw"),
])
def test_each_refusal_is_worded_and_keeps_the_text(app, text, fields, status, words):
    http = app.test_client()
    response = write(http, text, **fields)
    body = page(response)
    assert response.status_code == status
    assert words in body
    assert textarea(body) == text.replace("\r\n", "\n")
    assert 'role="alert">' in body
    assert count(app) == 0


def test_the_answers_are_kept_after_a_refusal(app):
    body = page(write(app.test_client(), "", age_band="36_45", gender="man"))
    assert 'value="36_45" checked' in body and 'value="man" checked' in body


def test_a_full_helpline_says_so_honestly_and_lists_the_other_channels(app, clock, ctx):
    app.config["MESSAGE_MAX_OPEN"] = 1
    http = app.test_client()
    new_code(http, "de eerste")
    response = write(http, "de tweede", lang="fr")
    body = page(response)
    assert response.status_code == 503
    assert "trop de conversations attendent une réponse" in body
    assert app.config["HELPLINE_PHONE"] in body and app.config["HELPLINE_EMAIL"] in body
    assert textarea(body) == "de tweede"
    assert count(app) == 1


def test_without_a_proof_nothing_is_sent_and_the_page_says_why(app):
    http = app.test_client()
    response = http.post("/messages/new?lang=nl", data={"message": TEXT})  # no JavaScript
    body = page(response)
    assert response.status_code == 400
    assert "JavaScript" in body and TEXT not in body
    assert count(app) == 0


@pytest.mark.parametrize("proof", ["not json", "[1, 2]", '{"challenge": "x"}', "null", "x" * 3000])
def test_a_malformed_proof_keeps_the_text_and_sends_nothing(app, proof):
    http = app.test_client()
    response = http.post("/messages/new?lang=nl", data={"message": TEXT, "pow": proof})
    assert response.status_code == 400
    assert TEXT in page(response)
    assert count(app) == 0


def test_a_stale_proof_asks_to_press_again(app, r):
    http = app.test_client()
    proof = solved(http)
    r.set(keys.pow_redeemed(proofofwork._window()), 10**6)  # a flood: the price went up
    response = http.post("/messages/new?lang=nl", data={"message": TEXT, "pow": proof})
    assert response.status_code == 400
    assert textarea(page(response)) == TEXT
    assert count(app) == 0


def test_an_oversized_body_gets_a_clear_page_not_a_500(app):
    http = app.test_client()
    response = http.post("/messages/new?lang=nl",
                         data={"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413
    assert "Te veel tekst in één keer" in page(response)
    assert count(app) == 0


def test_a_field_sent_twice_gets_a_clear_page_not_a_500(app):
    http = app.test_client()
    response = http.post("/messages/new?lang=nl",
                         data={"message": [TEXT, "twee"], "pow": solved(http)})
    assert response.status_code == 400
    assert "Niet verstuurd" in page(response)
    assert count(app) == 0


def test_a_post_from_another_site_is_refused(app):
    http = app.test_client()
    response = http.post("/messages/new", data={"message": TEXT, "pow": solved(http)},
                         headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert count(app) == 0


# ---------- reading with a code ----------

def test_a_code_typed_in_lower_case_with_spaces_opens_the_conversation(app, clock, ctx,
                                                                       make_staff):
    anna = make_staff("anna")
    http = app.test_client()
    code = new_code(http)
    with ctx():
        conversation = msg.open_with_code(db.session, code, clock())
        clock.advance(3600)
        msg.add_staff_answer(db.session, conversation, anna.id, "Dank je, we helpen je.", clock())
    response = open_(http, code.lower().replace("-", " "), lang="fr")
    body = page(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [m for m in re.findall(r'class="msg-text">([^<]*)<', body)] == [
        TEXT, "Dank je, we helpen je."]
    metas = re.findall(r'class="msg-meta">([^<]*)<', body)
    assert metas[0].startswith("Vous · ") and metas[1].startswith("Intervenant · ")
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ ", metas[0])
    assert hidden_code(body) == {code}  # the code in the forms' hidden fields, as given
    assert code not in re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert "# issue 20" not in body


def test_the_code_form_page(app):
    response = app.test_client().get("/messages/code?lang=fr")
    body = page(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'name="code"' in body and 'autocomplete="off"' in body
    assert 'action="/messages/open?lang=fr"' in body and 'method="post"' in body


def wrong_answer(http, code):
    response = open_(http, code)
    return response.status_code, re.sub(r'value="[^"]*"', "", page(response))


def test_every_wrong_code_gets_the_same_answer(app, clock, ctx):
    http = app.test_client()
    ended, expired = new_code(http, "een"), new_code(http, "twee")
    with ctx():
        msg.end_by_writer(db.session, msg.open_with_code(db.session, ended, clock()), clock())
    clock.advance((app.config["MESSAGE_RETENTION_DAYS"] + 1) * DAY)  # not yet deleted by the job
    answers = {wrong_answer(http, code) for code in (
        "ABCD", "not a code at all!", codes.new_code(), ended, expired, "x" * 5000)}
    assert len(answers) == 1
    status, body = answers.pop()
    assert status == 404
    assert "Deze code opent geen gesprek" in body


def test_a_wrong_code_is_kept_in_the_box_to_correct(app):
    http = app.test_client()
    assert 'value="ABCD-EFGH"' in page(open_(http, "ABCD-EFGH"))


def test_opening_needs_a_proof_each_time(app):
    http = app.test_client()
    code = new_code(http)
    response = http.post("/messages/open?lang=nl", data={"code": code})
    assert response.status_code == 400 and TEXT not in page(response)
    proof = solved(http)
    assert http.post("/messages/open", data={"code": code, "pow": proof}).status_code == 200
    replay = http.post("/messages/open", data={"code": code, "pow": proof})
    assert replay.status_code == 409 and TEXT not in page(replay)


# ---------- writing again and ending ----------

def reply(http, code, text, lang="nl"):
    return http.post(f"/messages/reply?lang={lang}",
                     data={"code": code, "message": text, "pow": solved(http)})


def test_writing_again_adds_to_the_conversation(app, clock, ctx, make_staff):
    anna = make_staff("anna")
    http = app.test_client()
    code = new_code(http)
    with ctx():
        conversation = msg.open_with_code(db.session, code, clock())
        msg.add_staff_answer(db.session, conversation, anna.id, "Het antwoord", clock())
    clock.advance(60)
    response = reply(http, code, "Nog een vraag")
    body = page(response)
    assert response.status_code == 200
    assert re.findall(r'class="msg-text">([^<]*)<', body) == [TEXT, "Het antwoord", "Nog een vraag"]
    assert "Je bericht is verstuurd" in body
    assert textarea(body) == ""
    with ctx():
        assert db.session.scalars(select(Conversation)).one().state == "open"


def test_reading_the_answer_lets_the_therapist_close_it(app, clock, ctx, make_staff):
    anna = make_staff("anna")
    http = app.test_client()
    code = new_code(http)
    with ctx():
        conversation = msg.open_with_code(db.session, code, clock())
        msg.add_staff_answer(db.session, conversation, anna.id, "Het antwoord", clock())
        assert not inbox.last_answer_read(db.session, conversation)
    clock.advance(60)
    assert open_(http, code).status_code == 200
    with ctx():
        conversation = db.session.scalars(select(Conversation)).one()
        assert inbox.last_answer_read(db.session, conversation)
        msg.close_by_staff(db.session, conversation, clock())
        assert conversation.state == "closed"


def test_a_refused_reply_keeps_the_text(app):
    http = app.test_client()
    code = new_code(http)
    response = reply(http, code, "abc\u202edef")
    body = page(response)
    assert response.status_code == 422
    assert textarea(body) == "abc\u202edef" and hidden_code(body) == {code}
    assert count(app, Message) == 1


def test_a_full_conversation_says_so_and_keeps_the_text(app):
    app.config["MESSAGE_MAX_PER_CONVERSATION"] = 2
    http = app.test_client()
    code = new_code(http)
    assert reply(http, code, "twee").status_code == 200
    response = reply(http, code, "drie")
    body = page(response)
    assert response.status_code == 409
    assert "zoveel berichten geschreven als erin passen (2)" in body
    assert textarea(body) == "drie"


def test_a_reply_whose_proof_failed_opens_nothing_and_keeps_text_and_code(app):
    http = app.test_client()
    code = new_code(http)
    response = http.post("/messages/reply?lang=nl",
                         data={"code": code, "message": "mijn antwoord", "pow": "{}"})
    body = page(response)
    assert response.status_code == 400
    assert textarea(body) == "mijn antwoord" and hidden_code(body) == {code}
    assert TEXT not in body  # no code is checked without a proof
    assert count(app, Message) == 1


def test_a_reply_with_a_wrong_code_gets_the_wrong_code_answer(app):
    http = app.test_client()
    response = reply(http, codes.new_code(), "hallo")
    assert response.status_code == 404
    assert "Deze code opent geen gesprek" in page(response)


def test_ending_deletes_the_conversation_at_once(app, ctx):
    http = app.test_client()
    code = new_code(http)
    assert http.post("/messages/end", data={"code": code, "pow": solved(http)}).status_code == 400
    response = http.post("/messages/end?lang=nl",
                         data={"code": code, "confirm": "yes", "pow": solved(http)})
    body = page(response)
    assert response.status_code == 200
    assert "Je gesprek is gewist" in body and code not in body
    assert count(app, Message) == 0
    with ctx():
        assert db.session.scalars(select(Conversation)).one().state == "ended"
    assert open_(http, code).status_code == 404


def test_the_conversation_page_asks_before_ending(app):
    http = app.test_client()
    body = page(open_(http, new_code(http)))
    assert re.search(r'<form id="end-form"[^>]*hidden', body)
    assert 'name="confirm" value="yes"' in body
    assert re.search(r'<button id="end-button"(?![^>]*hidden)', body)


# ---------- the code leaves no trace ----------

def redis_value(r, name):
    kind = r.type(name)
    kind = kind.decode() if isinstance(kind, bytes) else kind
    read = {"string": r.get, "hash": r.hgetall, "set": r.smembers, "stream": r.xrange,
            "list": lambda n: r.lrange(n, 0, -1), "zset": lambda n: r.zrange(n, 0, -1)}
    assert kind in read, kind
    return read[kind](name)


def test_the_code_is_in_no_log_line_and_no_redis_key(app, r, caplog, clock, make_staff):
    caplog.set_level(logging.DEBUG)
    http = app.test_client()
    code = new_code(http)
    open_(http, code.lower())
    reply(http, code, "tweede bericht")
    reply(http, code, "")  # a refusal
    open_(http, code[:-1])  # a wrong code
    http.post("/messages/end", data={"code": code, "confirm": "yes", "pow": solved(http)})
    forms = {code, codes.normalise(code), code.lower(), codes.verifier("test-secret", code)}
    for record in caplog.records:
        line = record.getMessage()
        assert not any(form in line for form in forms), line
        assert TEXT not in line
    names = list(r.scan_iter("*"))
    assert names  # the proofs of work and their counters at least
    for name in names:
        seen = f"{name} {redis_value(r, name)}"
        assert not any(form in seen for form in forms), name
        assert TEXT not in seen and "tweede bericht" not in seen


# ---------- the offers on the chat page ----------

def positions(body: str) -> tuple[int, int]:
    return body.index('id="message-offer"'), body.index('id="start-form"')


def test_the_chat_page_offers_a_message_first_when_nobody_is_on_duty(app):
    body = page(app.test_client().get("/?lang=nl"))  # always open, nobody on duty
    offer, start = positions(body)
    assert offer < start
    assert 'href="/messages/new?lang=nl"' in body and 'href="/messages/code?lang=nl"' in body
    assert "Laat een anoniem bericht achter" in body


def test_the_chat_page_offers_a_message_first_when_closed(app):
    app.config["CHAT_ALWAYS_OPEN"] = False  # and no opening hours: closed
    body = page(app.test_client().get("/?lang=fr"))
    offer, start = positions(body)
    assert offer < start
    assert 'href="/messages/new?lang=fr"' in body


def test_the_chat_page_offers_a_message_after_the_start_when_a_therapist_is_there(app, r):
    r.sadd(keys.DUTY, "1")
    body = page(app.test_client().get("/?lang=en"))
    offer, start = positions(body)
    assert offer > start
    assert "I have a code" in body


def test_the_no_chat_now_screen_offers_a_message_first(app):
    body = page(app.test_client().get("/"))
    screen = body.index('id="screen-unavailable"')
    assert screen < body.index('id="unavailable-message-offer"') < body.index(
        'id="unavailable-channels"')
