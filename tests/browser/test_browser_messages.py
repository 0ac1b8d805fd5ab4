"""Anonymous messages, the writer's side, in a real browser (issue 20): in Dutch and in
French, from the chat page, write a message, see the code once and copy it, come back
with the code typed in lower case with spaces, read the answer, write again and end the
conversation. The code is never in an address or a title; every page passes axe."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from helpline.extensions import db
from helpline.messages import conversations as msg
from helpline.messages.models import Conversation
from helpline.records.models import Staff
from tests.a11y import assert_accessible

pytestmark = pytest.mark.timeout(180)

PHONE = {"width": 390, "height": 844}
WORDS = {
    "nl": {"offer": "Laat een anoniem bericht achter", "message": "Je bericht",
           "age": "26–35", "send": "Verstuur mijn bericht", "sent": "Je bericht is verstuurd",
           "copied": "De code is gekopieerd", "due": "Het antwoord komt uiterlijk",
           "have": "Ik heb een code", "code": "Je code", "open": "Open mijn gesprek",
           "conversation": "Je gesprek", "therapist": "Hulpverlener", "you": "Jij",
           "again": "Schrijf opnieuw", "reply": "Versturen", "end": "Beëindig het gesprek nu",
           "yes": "Ja, wis het nu", "ended": "Je gesprek is gewist",
           "text": "Ik schrijf omdat de chat gesloten is.", "answer": "Dank je om te schrijven.",
           "more": "Nog een vraag: hoe gaat het verder?"},
    "fr": {"offer": "Laisser un message anonyme", "message": "Votre message",
           "age": "26–35", "send": "Envoyer mon message", "sent": "Votre message est envoyé",
           "copied": "Le code est copié", "due": "La réponse arrive au plus tard le",
           "have": "J'ai un code", "code": "Votre code", "open": "Ouvrir ma conversation",
           "conversation": "Votre conversation", "therapist": "Intervenant", "you": "Vous",
           "again": "Écrire à nouveau", "reply": "Envoyer", "end":
           "Mettre fin à la conversation maintenant", "yes": "Oui, l'effacer maintenant",
           "ended": "Votre conversation est effacée",
           "text": "J'écris parce que le chat est fermé.", "answer": "Merci de nous écrire.",
           "more": "Encore une question : et ensuite ?"},
}


def answer_as_staff(live, staff_id: int, text: str) -> None:
    """The therapist's answer, through the domain core (the staff inbox is another page)."""
    with live.app.app_context():
        conversation = db.session.scalars(select(Conversation)).one()
        msg.add_staff_answer(db.session, conversation, staff_id, text, time.time())


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_write_keep_the_code_read_the_answer_write_again_and_end(browser, live, live_staff,
                                                                 lang):
    w = WORDS[lang]
    live_staff("anna", name="Anna")
    with live.app.app_context():
        anna = db.session.scalars(select(Staff).where(Staff.username == "anna")).one().id
    base = live.urls[0]
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    addresses: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: addresses.append(request.url))
        page.goto(f"{base}/?lang={lang}")
        # Nobody is on duty: the message is offered before the chat's start.
        page.get_by_role("link", name=w["offer"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(w["offer"])
        expect(page.locator("#quick-exit")).to_be_visible()
        page.get_by_label(w["age"]).check()
        page.get_by_label(w["message"]).fill(w["text"])
        expect(page.locator("#char-count")).to_have_text(f"{len(w['text'])} / 5000")
        assert_accessible(page, "on the writing page")
        page.get_by_role("button", name=w["send"]).click()

        # The code, once, with the promised day; copied to the clipboard.
        expect(page.get_by_role("heading", level=1)).to_have_text(w["sent"])
        code = page.locator("#message-code").inner_text().strip()
        assert len(code) == 19 and code.count("-") == 3
        expect(page.locator(".answer-due")).to_contain_text(w["due"])
        page.get_by_role("button", name="Kopieer de code" if lang == "nl" else "Copier le code"
                         ).click()
        expect(page.locator("#copy-status")).to_contain_text(w["copied"])
        assert page.evaluate("navigator.clipboard.readText()") == code
        assert code not in page.title() and code not in page.url
        assert_accessible(page, "on the code page")

        answer_as_staff(live, anna, w["answer"])

        # Back with the code, typed in lower case with spaces.
        page.get_by_role("link", name=w["have"]).first.click()
        page.get_by_label(w["code"]).fill(code.lower().replace("-", " "))
        page.get_by_role("button", name=w["open"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(w["conversation"])
        expect(page.locator(".msg-text")).to_have_text([w["text"], w["answer"]])
        expect(page.locator(".msg-meta").first).to_contain_text(w["you"])
        expect(page.locator(".msg-meta").nth(1)).to_contain_text(w["therapist"])
        assert_accessible(page, "on the conversation page")

        # Write again.
        page.get_by_label(w["again"]).fill(w["more"])
        page.get_by_role("button", name=w["reply"], exact=True).click()
        expect(page.locator("#sent-notice")).to_be_visible()
        expect(page.locator(".msg-text")).to_have_text([w["text"], w["answer"], w["more"]])

        # End it: asked first, then deleted at once.
        page.get_by_role("button", name=w["end"]).click()
        expect(page.locator("#end-form")).to_be_visible()
        assert_accessible(page, "with the end's confirmation")
        page.get_by_role("button", name=w["yes"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(w["ended"])
        with live.app.app_context():
            assert db.session.scalars(select(Conversation)).one().state == "ended"

        plain = code.replace("-", "")
        assert not [a for a in addresses if plain.lower() in a.replace("-", "").lower()]
    finally:
        context.close()


def test_without_javascript_nothing_is_sent(browser, live):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live.urls[0] + "/messages/new?lang=nl")
        expect(page.locator(".no-script-notice")).to_contain_text("JavaScript")
        expect(page.get_by_role("button", name="Verstuur mijn bericht")).to_be_disabled()
        with live.app.app_context():
            assert db.session.scalars(select(Conversation)).first() is None
    finally:
        context.close()
