"""An anonymous message from beginning to end in a real browser (issue 20), in Dutch and
in French: a supervisor keeps a ready text; a writer writes from the chat page's offer and
gets the code; a therapist (console in the same language) sees it counted in the staff
navigation, takes it in the Messages inbox and answers with the ready text; the writer
reads with the code typed in lower case with spaces, sees the answer dated in their
language, and writes again; the therapist sees the new message and answers by hand; the
writer reads that and ends the conversation; the therapist files the registration from
the inbox's "to register" list; the supervisor's report counts it on the message channel
with its answer times. One live server, one browser, three pages kept open throughout.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpline.extensions import db
from helpline.messages.models import Conversation, Message
from helpline.records.models import Registration
from tests import totp
from tests.browser.test_browser_flow import DESKTOP, PHONE, Requests
from tests.browser.test_browser_messages import WORDS as WRITER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.timeout(300)

TZ = ZoneInfo("Europe/Brussels")
STAFF = {
    "nl": {"locale": "nl-BE", "username": "Gebruikersnaam", "password": "Wachtwoord",
           "sign_in": "Aanmelden", "second": "Code uit je app, of een herstelcode",
           "connected": "Verbonden.", "messages": "Berichten", "conversation": "Gesprek",
           "waiting": "Wacht op antwoord", "answered": "Beantwoord",
           "take": "Dit gesprek nemen", "taken": "Je hebt dit gesprek genomen.",
           "answer": "Jouw antwoord (in het Nederlands)", "save": "Het antwoord bewaren",
           "saved": "Je antwoord is bewaard: de schrijver leest het met de code.",
           "ready": "Standaardteksten", "search": "Standaardteksten zoeken",
           "read": "De schrijver heeft het laatste antwoord gelezen.",
           "ended": "Beëindigd door de schrijver", "to_register": "Beëindigd: te registreren",
           "nothing": "Niets te registreren.", "register": "Registreren",
           "registered": re.compile(r"Registratie \d+ bewaard\."),
           "target": "Doelgroep", "sub": "Subcategorie", "listening": "Luisteren",
           "no_follow_up": "Geen opvolging",
           "no_risk": "Geen aanwijzing voor een risicosituatie",
           "language": "Taal", "language_name": "Nederlands", "title": "Titel",
           "text": "Tekst", "tags": "Trefwoorden", "add": "Toevoegen",
           "channel": "Anoniem bericht", "registered_n": "Geregistreerde gesprekken",
           "answered_n": "Beantwoord",
           "median": re.escape("Mediane tijd tot het eerste antwoord (uren)"),
           "in_time": re.escape("Eerste antwoord uiterlijk op de beloofde dag (%)"),
           "late": "Te laat of onbeantwoord na de beloofde dag",
           "ready_title": "Bedankt", "ready_text": "Bedankt om ons te schrijven, zebra-2291.",
           "typed": "Je kunt ook bellen op dinsdag, okapi-7730."},
    "fr": {"locale": "fr-BE", "username": "Nom d'utilisateur", "password": "Mot de passe",
           "sign_in": "Se connecter",
           "second": "Code de votre application, ou un code de récupération",
           "connected": "Connecté.", "messages": "Messages", "conversation": "Conversation",
           "waiting": "En attente de réponse", "answered": "Répondu",
           "take": "Prendre cette conversation", "taken": "Vous avez pris cette conversation.",
           "answer": "Votre réponse (en Français)", "save": "Enregistrer la réponse",
           "saved": "Votre réponse est enregistrée\u202f: la personne la lit avec son code.",
           "ready": "Réponses types", "search": "Chercher une réponse type",
           "read": "La personne a lu la dernière réponse.",
           "ended": "Terminée par la personne qui écrit",
           "to_register": "Terminées\u202f: à enregistrer", "nothing": "Rien à enregistrer.",
           "register": "Enregistrer",
           "registered": re.compile(r"Enregistrement \d+ sauvegardé\."),
           "target": "Groupe cible", "sub": "Sous-catégorie", "listening": "Écoute",
           "no_follow_up": "Pas de suivi",
           "no_risk": "Aucune indication de situation à risque",
           "language": "Langue", "language_name": "Français", "title": "Titre",
           "text": "Texte", "tags": "Mots-clés", "add": "Ajouter",
           "channel": "Message anonyme", "registered_n": "Conversations enregistrées",
           "answered_n": "Répondu",
           "median": re.escape("Délai médian de la première réponse (heures)"),
           "in_time": re.escape("Première réponse au plus tard le jour promis (%)"),
           "late": "En retard ou sans réponse après le jour promis",
           "ready_title": "Merci", "ready_text": "Merci de nous écrire, zèbre-2291.",
           "typed": "Vous pouvez aussi appeler le mardi, okapi-7730."},
}


def sign_in(page: Page, base: str, username: str, s: dict) -> None:
    """Sign in as a person whose browser speaks their language (Accept-Language)."""
    page.goto(base + "/staff/login")
    page.get_by_label(s["username"]).fill(username)
    page.get_by_label(s["password"]).fill(PASSWORD)
    page.get_by_role("button", name=s["sign_in"]).click()
    page.wait_for_url(re.compile(re.escape(base) + r"/staff/(login/code.*)?$"))
    if "/staff/login/code" in page.url:  # a supervisor: the code from the app
        page.get_by_label(s["second"]).fill(totp.next_code(username))
        page.get_by_role("button", name=s["sign_in"]).click()
    expect(page).to_have_url(base + "/staff/")
    expect(page.locator("#conn-state")).to_have_text(s["connected"])


def open_with_code(page: Page, base: str, code: str, lang: str) -> None:
    """The writer comes back: the chat page's "I have a code", the code as typed on a
    phone (lower case, spaces for the dashes)."""
    w = WRITER[lang]
    page.goto(f"{base}/?lang={lang}")
    page.get_by_role("link", name=w["have"]).first.click()
    page.get_by_label(w["code"]).fill(code.lower().replace("-", " "))
    page.get_by_role("button", name=w["open"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w["conversation"])


def dated(moments: tuple[float, float], lang: str) -> re.Pattern:
    """The day the writer's page gives a message written between two moments."""
    days = {format_date(datetime.fromtimestamp(m, TZ).date(), "EEEE d MMMM", locale=lang)
            for m in moments}
    return re.compile("|".join(re.escape(d) for d in days))


def save_answer(page: Page, s: dict) -> tuple[float, float]:
    before = time.time()
    page.get_by_role("button", name=s["save"]).click()
    expect(page.locator(".ok-line")).to_have_text(s["saved"])
    return before, time.time()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_a_message_written_answered_read_ended_registered_and_counted(browser, live, live_staff,
                                                                     lang):
    w, s = WRITER[lang], STAFF[lang]
    base = live.urls[0]
    live_staff("sara", role="supervisor", name="Sara")
    live_staff("anna", name="Anna")
    # One context each (a context holds one staff session); the staff's browsers speak
    # the language, the writer's comes from the chat page's own choice.
    contexts = [browser.new_context(viewport=DESKTOP, locale=s["locale"]) for _ in range(2)]
    contexts.append(browser.new_context(viewport=PHONE))
    supervisor, therapist, writer = (context.new_page() for context in contexts)
    try:
        # The supervisor keeps a ready text in the writer's language.
        sign_in(supervisor, base, "sara", s)
        supervisor.goto(base + "/staff/canned")
        form = supervisor.locator("#canned-form")
        form.get_by_label(s["language"]).select_option(label=s["language_name"])
        form.get_by_label(s["title"]).fill(s["ready_title"])
        form.get_by_label(s["text"], exact=True).fill(s["ready_text"])
        form.get_by_label(s["tags"]).fill("dank")
        form.get_by_role("button", name=s["add"]).click()
        expect(supervisor.locator(".ok-line")).to_contain_text(s["ready_title"])

        # The writer: nobody on duty, so the chat page offers the message first.
        writer_requests = Requests(writer)
        writer.goto(f"{base}/?lang={lang}")
        writer.get_by_role("link", name=w["offer"]).click()
        writer.get_by_label(w["age"]).check()
        writer.get_by_label(w["message"]).fill(w["text"])
        writer.get_by_role("button", name=w["send"]).click()
        expect(writer.get_by_role("heading", level=1)).to_have_text(w["sent"])
        code = writer.locator("#message-code").inner_text().strip()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
        expect(writer.locator(".answer-due")).to_contain_text(w["due"])

        # The therapist: the navigation counts one waiting; the inbox lists it, no text.
        therapist_requests = Requests(therapist)
        sign_in(therapist, base, "anna", s)
        nav = therapist.get_by_role("link", name=re.compile("^" + s["messages"]))
        expect(nav).to_have_text(re.compile(re.escape(s["messages"]) + r"\s*\(1\)"))
        nav.click()
        row = therapist.locator("#messages-table tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(s["waiting"])
        expect(row).to_contain_text("26–35")
        expect(row).not_to_contain_text(w["text"])
        row.get_by_role("link", name=re.compile(s["conversation"])).click()
        expect(therapist.locator("#message-list .text")).to_have_text([w["text"]])
        therapist.get_by_role("button", name=s["take"]).click()
        expect(therapist.locator(".ok-line")).to_have_text(s["taken"])
        expect(therapist.locator("[data-fact=holder]")).to_have_text("Anna")

        # The answer: the ready text of the writer's language, inserted with the picker.
        box = therapist.get_by_label(s["answer"])
        therapist.get_by_role("button", name=s["ready"]).click()
        search = therapist.get_by_role("combobox", name=s["search"])
        search.fill("dank")
        # a person presses Enter once the match is shown (the texts load after opening)
        expect(search).to_have_attribute("aria-activedescendant", re.compile(r"-opt-0$"))
        search.press("Enter")
        expect(box).to_have_value(s["ready_text"])
        first_answer = save_answer(therapist, s)
        expect(therapist.locator("#message-list .text")).to_have_text(
            [w["text"], s["ready_text"]])
        expect(therapist.locator("[data-fact=state]")).to_have_text(s["answered"])

        # The writer comes back with the code: the answer, dated in their language.
        open_with_code(writer, base, code, lang)
        expect(writer.locator(".msg-text")).to_have_text([w["text"], s["ready_text"]])
        meta = writer.locator(".msg-meta").nth(1)
        expect(meta).to_contain_text(w["therapist"])
        expect(meta).to_contain_text(dated(first_answer, lang))
        writer.get_by_label(w["again"]).fill(w["more"])
        writer.get_by_role("button", name=w["reply"], exact=True).click()
        expect(writer.locator("#sent-notice")).to_be_visible()

        # The therapist sees the new message waiting (counted on every staff page), and
        # answers by hand.
        nav = therapist.get_by_role("link", name=re.compile("^" + s["messages"]))
        nav.click()
        expect(nav).to_have_text(re.compile(re.escape(s["messages"]) + r"\s*\(1\)"))
        expect(row).to_contain_text(s["waiting"])
        row.get_by_role("link", name=re.compile(s["conversation"])).click()
        expect(therapist.locator("#message-list .text")).to_have_text(
            [w["text"], s["ready_text"], w["more"]])
        therapist.get_by_label(s["answer"]).fill(s["typed"])
        second_answer = save_answer(therapist, s)

        # The writer reads it, then ends the conversation: deleted at once.
        open_with_code(writer, base, code, lang)
        expect(writer.locator(".msg-text")).to_have_text(
            [w["text"], s["ready_text"], w["more"], s["typed"]])
        expect(writer.locator(".msg-meta").nth(3)).to_contain_text(dated(second_answer, lang))
        writer.get_by_role("button", name=w["end"]).click()
        writer.get_by_role("button", name=w["yes"]).click()
        expect(writer.get_by_role("heading", level=1)).to_have_text(w["ended"])

        # The therapist files the registration from the inbox's list to register.
        therapist.get_by_role("link", name=re.compile("^" + s["messages"])).click()
        expect(therapist.locator("#messages-table")).to_have_count(0)  # nothing open
        expect(nav).to_have_text(s["messages"])  # nothing waits
        waiting = therapist.locator("#to-register li")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text(s["ended"])
        expect(waiting).to_contain_text("Anna")
        waiting.get_by_role("link").click()
        expect(therapist.locator("#message-list")).to_have_count(0)  # the text is gone
        form = therapist.locator("form.registration-form")
        form.get_by_label(s["target"]).select_option("self")
        form.get_by_label(s["sub"]).select_option("sexual_feelings_minors")
        form.get_by_label(s["listening"], exact=True).check()
        form.get_by_label(s["no_follow_up"]).check()
        form.get_by_label(s["no_risk"]).check()
        form.get_by_role("button", name=s["register"]).click()
        expect(therapist.locator(".ok-line")).to_have_text(s["registered"])
        expect(therapist.get_by_text(s["nothing"])).to_be_visible()

        # The supervisor's report counts it on its own channel, with its answer times.
        supervisor.goto(base + "/staff/reports/")
        channels = supervisor.locator("table[data-table=channels] tbody tr")
        expect(channels.filter(has_text=s["channel"])).to_have_text(
            re.compile(re.escape(s["channel"]) + r"\s*1\s*100[.,]0"))
        answers = supervisor.locator("table[data-table=message_answers]")
        for figure, value in ((re.escape(s["registered_n"]), "1"),
                              ("^" + re.escape(s["answered_n"]), "1"),
                              (s["median"], "0[.,]0"), (s["in_time"], "100[.,]0"),
                              (re.escape(s["late"]), "0")):
            expect(answers.locator("tbody tr").filter(has_text=re.compile(figure))).to_have_text(
                re.compile(figure + r"\s*" + value + "$"))

        # What no page shows: the registration's channel and profile, and nothing left.
        with live.app.app_context():
            [registration] = db.session.scalars(select(Registration)).all()
            assert (registration.channel, registration.status, registration.age_band) == (
                "message", "filed", "26_35")
            assert registration.answered_in_time is True
            assert db.session.scalars(select(Conversation)).first() is None
            assert db.session.scalars(select(Message)).first() is None
        host = base.split("//")[1]
        assert writer_requests.hosts() == therapist_requests.hosts() == {host}
        assert not writer_requests.errors and not therapist_requests.errors
        plain = code.replace("-", "").lower()
        assert not [u for u in writer_requests.urls if plain in u.replace("-", "").lower()]
    finally:
        for context in contexts:
            context.close()
