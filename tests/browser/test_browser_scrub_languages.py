"""In a real browser, in each staff language: a phone registration whose note names a
person, a town, a phone number and an address. The identity scrubber re-shows the form
with what it removed (labels from the catalogue) and the cleaned note, its markers in the
staff member's language; saving the confirmed note files the registration."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from helpline.extensions import db
from helpline.records.models import Registration
from tests.browser.test_browser_flow import DESKTOP, Requests
from tests.conftest import PASSWORD

pytestmark = pytest.mark.timeout(240)

NOTE = "Jan Peeters uit Gent belde; gsm 0475 12 34 56, woont Kerkstraat 12, 9000 Gent."

# Per language: the browser's locale (a new account follows it, as in
# test_browser_languages.py), the words of the sign-in and registration pages, the markers
# the scrubber writes (scrubber/markers.py) and the labels staff read beside each removal
# (scrubber/labels.py through translations/<lang>/LC_MESSAGES/messages.po), in list order.
LANGS = {
    "nl": {"locale": "nl-BE", "username": "Gebruikersnaam", "password": "Wachtwoord",
           "sign_in": "Aanmelden", "connected": "Verbonden.", "register": "Registreren",
           "saved": r"Registratie \d+ bewaard\.",
           "markers": ["[naam]", "[plaats]", "[telefoon]", "[adres]", "[postcode]"],
           "labels": ["Naam van een persoon: Jan Peeters", "Plaatsnaam: Gent",
                      "Telefoonnummer: 0475 12 34 56"]},
    "fr": {"locale": "fr-BE", "username": "Nom d'utilisateur", "password": "Mot de passe",
           "sign_in": "Se connecter", "connected": "Connecté.", "register": "Enregistrer",
           "saved": r"Enregistrement \d+ sauvegardé\.",
           "markers": ["[nom]", "[lieu]", "[téléphone]", "[adresse]", "[code postal]"],
           "labels": ["Nom d'une personne: Jan Peeters", "Nom de lieu: Gent",
                      "Numéro de téléphone: 0475 12 34 56"]},
    "en": {"locale": "en-GB", "username": "Username", "password": "Password",
           "sign_in": "Sign in", "connected": "Connected.", "register": "Register",
           "saved": r"Registration \d+ saved\.",
           "markers": ["[name]", "[place]", "[phone]", "[address]", "[postcode]"],
           "labels": ["Name of a person: Jan Peeters", "Place name: Gent",
                      "Phone number: 0475 12 34 56"]},
}


@pytest.mark.parametrize("lang", list(LANGS))
def test_scrubbed_note_in_the_staff_language(browser, live, live_staff, lang):
    words = LANGS[lang]
    url = live.urls[0]
    live_staff("anna", name="Anna")
    ctx = browser.new_context(viewport=DESKTOP, locale=words["locale"])
    page = ctx.new_page()
    requests = Requests(page)

    # Signed in with the browser in this language: the staff pages follow it.
    page.goto(url + "/staff/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_label(words["username"]).fill("anna")
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page).to_have_url(url + "/staff/")
    expect(page.locator("#conn-state")).to_have_text(words["connected"])

    # A phone call with the required fields and a note full of identity.
    page.goto(url + "/staff/registrations/new")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("#f-target_group").select_option("close_one")
    page.locator("#f-subcategory").select_option("adult_concerned_offender")
    page.locator("input[name=help_given][value=advice]").check()
    page.locator("input[name=follow_up][value=none]").check()
    page.locator("input[name=risk][value=no_indication]").check()
    page.locator("#f-note").fill(NOTE)
    # Scoped to the form: in French the header's language form "Save" is "Enregistrer" too.
    register = page.locator("form.registration-form").get_by_role(
        "button", name=words["register"], exact=True)
    register.click()

    # The confirm step: what was removed, labelled in this language, and the cleaned note.
    confirm = page.locator("div.scrub-confirm[role=alert]")
    expect(confirm).to_be_visible()
    expect(confirm.locator("li")).to_contain_text(words["labels"])
    note = page.locator("#f-note")
    for marker in words["markers"]:
        expect(note).to_have_value(re.compile(re.escape(marker)))
    for identity in ("Peeters", "0475", "Kerkstraat", "9000"):
        expect(note).not_to_have_value(re.compile(identity))
    cleaned = note.input_value()
    # The confirm step is served with status 400 (views._save), which the browser logs.
    assert requests.errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    requests.errors.clear()
    with live.app.app_context():
        assert db.session.scalars(select(Registration)).all() == []  # nothing filed yet

    # Saving the confirmed note files it: back on the list, the flash in this language.
    register.click()
    expect(page).to_have_url(url + "/staff/registrations/")
    expect(page.locator(".ok-line")).to_have_text(re.compile(words["saved"]))
    expect(page.locator("#registrations-table tbody tr")).to_have_count(1)
    with live.app.app_context():
        notes = db.session.scalars(select(Registration.note)).all()
    assert notes == [cleaned]
    assert requests.errors == [], requests.errors
    ctx.close()
