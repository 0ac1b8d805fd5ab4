"""The chatter and the therapist in Dutch, a French chatter switching language mid-chat.

"No English on screen" is checked against the catalogue itself: every English msgid (and
taxonomy label) whose Dutch differs must not appear in the visible text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser_flow import DESKTOP, PHONE, Requests, shot
from tests.conftest import PASSWORD
from tests.i18n.english import english_strings

pytestmark = pytest.mark.timeout(240)


ENGLISH_VS_DUTCH = english_strings("nl")


def assert_no_english(page: Page, english: set[str] = ENGLISH_VS_DUTCH) -> None:
    """No visible line is English text, and no English sentence is inside a visible line."""
    lines = [line.strip() for line in page.locator("body").inner_text().splitlines()]
    lines = [line for line in lines if line]
    single = {line for line in lines if line in english}
    sentences = {e for e in english if " " in e and len(e) > 12
                 and any(e in line for line in lines)}
    assert not single and not sentences, (single, sentences)


def sign_in_nl(page: Page, base: str, username: str) -> None:
    page.goto(base + "/staff/login")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_no_english(page)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page).to_have_url(base + "/staff/")
    expect(page.locator("#conn-state")).to_have_text("Verbonden.")


def test_the_whole_chat_in_dutch(browser, live, live_staff):
    """Intake, line, chat, reload, closing and the console: Dutch only, 24-hour times."""
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")
    # The console's browser is in another zone: times must still be the helpline's.
    staff_ctx = browser.new_context(viewport=DESKTOP, locale="nl-BE",
                                    timezone_id="Pacific/Auckland")
    staff = staff_ctx.new_page()
    staff_requests = Requests(staff)
    sign_in_nl(staff, staff_url, "anna")
    assert_no_english(staff)

    chat_ctx = browser.new_context(viewport=PHONE, locale="nl-BE")
    chatter = chat_ctx.new_page()
    chatter_requests = Requests(chatter)
    chatter.goto(chat_url + "/")
    expect(chatter.locator("html")).to_have_attribute("lang", "nl")
    expect(chatter.get_by_role("heading", level=1)).to_have_text(
        "Chat anoniem met een hulpverlener")
    expect(chatter.locator("#quick-exit")).to_have_text("Snel weg")
    assert_no_english(chatter)
    shot(chatter, "nl-01-intake")

    # Intake and the line: nobody on duty yet, so the chatter waits first in line.
    chatter.get_by_role("group", name="Je leeftijd").get_by_label("Jonger dan 18").check()
    chatter.get_by_role("group", name="Je geslacht").get_by_label("Vrouw").check()
    chatter.get_by_role("button", name="Chat beginnen").click()
    expect(chatter.get_by_role("heading", level=1)).to_have_text("Wachten op een hulpverlener")
    expect(chatter.locator("#status-main")).to_have_text("Jij bent de volgende in de wachtrij.")
    assert_no_english(chatter)
    shot(chatter, "nl-02-line")
    expect(staff.locator("#line-list")).to_contain_text("Jonger dan 18 · Vrouw · Nederlands")
    assert_no_english(staff)

    # The chat: both ways, with the chatter's language shown to the therapist.
    staff.get_by_role("switch", name="Van dienst").check()
    expect(staff.locator("#duty-state")).to_contain_text("Je bent van dienst")
    expect(chatter.locator("#status-main")).to_have_text("Je praat met Anna.")
    panel = staff.locator(".chat-panel:visible")
    expect(panel.locator("[data-ref=lang]")).to_have_text("Nederlands")
    expect(panel.locator("[data-ref=age]")).to_have_text("Jonger dan 18")
    chatter.get_by_label("Je bericht").fill("Ik maak me zorgen.")
    chatter.get_by_label("Je bericht").press("Enter")
    expect(panel.locator(".msg-chatter .msg-text")).to_have_text(["Ik maak me zorgen."])
    panel.get_by_label("Je bericht").fill("Fijn dat je schrijft.")
    panel.get_by_label("Je bericht").press("Enter")
    expect(chatter.locator(".msg-therapist .msg-text")).to_have_text(["Fijn dat je schrijft."])
    # Times are 24-hour, in the helpline's zone: "Jij · 14:05", never "02:05 PM".
    now = datetime.now(ZoneInfo("Europe/Brussels"))
    brussels = {(now + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}
    for meta in [*chatter.locator(".msg-meta").all_text_contents(),
                 *panel.locator(".msg-meta").all_text_contents()]:
        assert re.search(r"· \d\d:\d\d$", meta) and meta[-5:] in brussels, (meta, brussels)
    assert_no_english(chatter)
    assert_no_english(staff)
    shot(chatter, "nl-03-chat")
    shot(staff, "nl-04-console")

    # A reload keeps the chat and the language.
    chatter.reload()
    expect(chatter.locator("#status-main")).to_have_text("Je praat met Anna.")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(
        ["Ik maak me zorgen.", "Fijn dat je schrijft."])
    assert_no_english(chatter)

    # Closing: the therapist ends; the closing screen and the summary form are Dutch.
    panel.get_by_role("button", name="Chat beëindigen").click()
    panel.get_by_role("button", name="Ja, de chat beëindigen").click()
    expect(chatter.locator("#closed-reason")).to_have_text(
        "De hulpverlener heeft de chat beëindigd.")
    assert_no_english(chatter)
    shot(chatter, "nl-05-closed")
    form = panel.locator("form.summary-form")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Samenvatting registreren").click()
    expect(form.locator(".field-errors")).to_contain_text("Kies de doelgroep.")
    expect(form.get_by_label("Doelgroep")).to_contain_text("Bezorgd over zichzelf")
    assert_no_english(staff)
    shot(staff, "nl-06-summary")
    assert chatter_requests.errors == [] and staff_requests.errors == []
    staff_ctx.close()
    chat_ctx.close()


def test_french_chatter_switches_language_mid_chat(browser, live, live_staff):
    """The switch keeps the transcript, the place in line and the typed draft."""
    chat_url, staff_url = live.urls[0], live.urls[1]
    live_staff("anna", name="Anna")

    # Someone is already waiting: the French chatter is second in line.
    first_ctx = browser.new_context(viewport=PHONE, locale="nl-BE")
    first = first_ctx.new_page()
    first.goto(chat_url + "/")
    first.get_by_role("button", name="Chat beginnen").click()
    expect(first.locator("#status-main")).to_have_text("Jij bent de volgende in de wachtrij.")

    chat_ctx = browser.new_context(viewport=PHONE, locale="fr-BE")
    chatter = chat_ctx.new_page()
    requests = Requests(chatter)
    chatter.goto(chat_url + "/")
    expect(chatter.locator("html")).to_have_attribute("lang", "fr")
    expect(chatter.get_by_role("heading", level=1)).to_have_text(
        "Chattez anonymement avec un intervenant")
    expect(chatter.locator("#quick-exit")).to_have_text("Sortie rapide")
    assert_no_english(chatter, english_strings("fr"))
    shot(chatter, "fr-01-intake")
    chatter.get_by_role("button", name="Commencer le chat").click()
    expect(chatter.locator("#status-main")).to_have_text("Vous êtes numéro 2 dans la file.")
    box = chatter.get_by_label("Votre message")
    box.fill("Bonjour, je voudrais parler.")
    box.press("Enter")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(
        ["Bonjour, je voudrais parler."])

    # Switch to Dutch while waiting, with a draft in the box: place and draft stay, and
    # the page is not reloaded (a marker on `window` survives).
    box.fill("Mijn concept")
    chatter.evaluate("window.sameDocument = true")
    chatter.get_by_role("link", name="Nederlands").click()
    expect(chatter.locator("html")).to_have_attribute("lang", "nl")
    expect(chatter.locator("#status-main")).to_have_text("Je bent nummer 2 in de wachtrij.")
    expect(chatter.get_by_label("Je bericht")).to_have_value("Mijn concept")
    expect(chatter.locator("#char-count")).to_have_text("12 / 2000")
    assert chatter.evaluate("sessionStorage.getItem('helpline.draft')") == "Mijn concept"
    assert chatter.evaluate("window.sameDocument") is True
    expect(chatter.get_by_role("heading", level=1)).to_have_text("Wachten op een hulpverlener")
    expect(chatter.get_by_role("button", name="De wachtrij verlaten")).to_be_visible()
    assert chatter.title().startswith("Anoniem chatten")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(
        ["Bonjour, je voudrais parler."])
    assert_no_english(chatter)

    # The therapist takes both; the console shows the language the chatter uses now.
    staff_ctx = browser.new_context(viewport=DESKTOP, locale="en-GB")
    staff = staff_ctx.new_page()
    staff.goto(staff_url + "/staff/login")
    staff.get_by_label("Username").fill("anna")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.locator("#conn-state")).to_have_text("Connected.")
    staff.locator("#capacity").select_option("2")
    staff.get_by_role("switch", name="On duty").check()
    expect(chatter.locator("#status-main")).to_have_text("Je praat met Anna.")
    expect(staff.locator(".chat-panel [data-ref=lang]")).to_have_text(["Dutch", "Dutch"])

    # Mid-chat to French: the whole transcript, the draft, the therapist; the console follows.
    panel = staff.locator(".chat-panel").nth(1)
    panel_lang = panel.locator("[data-ref=lang]")
    chatter.get_by_label("Je bericht").fill("Mijn concept, langer")
    chatter.get_by_role("link", name="Français").click()
    expect(chatter.locator("html")).to_have_attribute("lang", "fr")
    expect(chatter.locator("#status-main")).to_have_text("Vous parlez avec Anna.")
    expect(chatter.get_by_label("Votre message")).to_have_value("Mijn concept, langer")
    expect(chatter.locator(".transcript .msg-text")).to_have_text(
        ["Bonjour, je voudrais parler."])
    expect(panel_lang).to_have_text("French")
    assert chatter.evaluate("window.sameDocument") is True
    expect(chatter.locator(".msg-meta")).to_have_text([re.compile(r"^Vous · \d\d:\d\d$")])
    assert_no_english(chatter, english_strings("fr"))
    shot(chatter, "fr-02-after-switch")

    # Messages go on in the new language's page; the closing screen switches in place too.
    chatter.get_by_label("Votre message").press("Enter")
    expect(panel.locator(".msg-chatter .msg-text")).to_have_text(
        ["Bonjour, je voudrais parler.", "Mijn concept, langer"])
    staff.get_by_role("tab", name=re.compile("Chat 2")).click()
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("button", name="Yes, end the chat").click()
    expect(chatter.locator("#closed-reason")).to_have_text("L'intervenant a terminé le chat.")
    chatter.get_by_role("link", name="Nederlands").click()
    expect(chatter.locator("#closed-reason")).to_have_text(
        "De hulpverlener heeft de chat beëindigd.")
    expect(chatter.get_by_role("heading", level=1)).to_have_text("Bedankt dat je contact opnam")
    assert_no_english(chatter)
    chatter.get_by_role("link", name="Français").click()
    expect(chatter.locator("html")).to_have_attribute("lang", "fr")

    # The tab remembers the choice (sessionStorage, no cookie): "/" comes back in French.
    chatter.goto(chat_url + "/")
    expect(chatter.locator("html")).to_have_attribute("lang", "fr")
    expect(chatter.get_by_role("button", name="Commencer le chat")).to_be_visible()
    assert chat_ctx.cookies() == []
    assert requests.errors == []
    for ctx in (first_ctx, chat_ctx, staff_ctx):
        ctx.close()
