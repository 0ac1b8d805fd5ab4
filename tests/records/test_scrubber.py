"""The identity scrubber on realistic Dutch, French and English therapist notes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.records.scrubber import ScrubResult, scrub

pytestmark = pytest.mark.once  # the same whatever the backends: tests/conftest.py

# (note, expected text, expected removed (kind, text) pairs)
FOUND = [
    # e-mail
    (
        "Cliënt mailde eerder vanaf jan.peeters82@telenet.be, wil nu liever chatten.",
        "Cliënt mailde eerder vanaf [email], wil nu liever chatten.",
        [("email", "jan.peeters82@telenet.be")],
    ),
    (
        "Il a donné son adresse Marc.Dubois+aide@gmail.com par erreur.",
        "Il a donné son adresse [email] par erreur.",
        [("email", "Marc.Dubois+aide@gmail.com")],
    ),
    # web addresses
    (
        "Vertelt over zijn profiel op https://www.forum-example.be/u/jan?id=123.",
        "Vertelt over zijn profiel op [website].",
        [("url", "https://www.forum-example.be/u/jan?id=123")],
    ),
    (
        "Noemde zijn blog (www.mijnverhaal.org) waar hij anoniem schrijft.",
        "Noemde zijn blog ([website]) waar hij anoniem schrijft.",
        [("url", "www.mijnverhaal.org")],
    ),
    (
        "He shared his page example.com/users/jdoe, asked whether it is traceable.",
        "He shared his page [website], asked whether it is traceable.",
        [("url", "example.com/users/jdoe")],
    ),
    (
        "Elle tient un site, marie-et-moi.fr, depuis deux ans.",
        "Elle tient un site, [website], depuis deux ans.",
        [("url", "marie-et-moi.fr")],
    ),
    # phones: Belgian, Dutch, French, UK, international
    ("Bel mij op +32 470 12 34 56 als het kan.", "Bel mij op [phone] als het kan.",
     [("phone", "+32 470 12 34 56")]),
    ("Gaf zijn gsm 0470/12.34.56 door.", "Gaf zijn gsm [phone] door.",
     [("phone", "0470/12.34.56")]),
    ("Nummer: 0470 123 456, na 18 uur.", "Nummer: [phone], na 18 uur.",
     [("phone", "0470 123 456")]),
    ("Vaste lijn 03 123 45 67 (Antwerpen).", "Vaste lijn [phone] (Antwerpen).",
     [("phone", "03 123 45 67")]),
    ("Nederlands nummer +31 6 12345678 genoemd.", "Nederlands nummer [phone] genoemd.",
     [("phone", "+31 6 12345678")]),
    ("Belt vanaf 06-12345678.", "Belt vanaf [phone].", [("phone", "06-12345678")]),
    ("Son portable est le +33 6 12 34 56 78.", "Son portable est le [phone].",
     [("phone", "+33 6 12 34 56 78")]),
    ("His landline is 020 7946 0958, evenings only.", "His landline is [phone], evenings only.",
     [("phone", "020 7946 0958")]),
    ("Nummer 0032470123456 doorgegeven.", "Nummer [phone] doorgegeven.",
     [("phone", "0032470123456")]),
    ("Call him on +44 (0)20 7946 0958.", "Call him on [phone].",
     [("phone", "+44 (0)20 7946 0958")]),
    ("Tel. (0470) 12 34 56", "Tel. [phone]", [("phone", "(0470) 12 34 56")]),
    # bank accounts
    ("Wilde BE68 5390 0754 7034 opgeven voor een gift.",
     "Wilde [account number] opgeven voor een gift.",
     [("account", "BE68 5390 0754 7034")]),
    ("Rekening BE68539007547034.", "Rekening [account number].", [("account", "BE68539007547034")]),
    ("IBAN NL91ABNA0417164300 genoemd.", "IBAN [account number] genoemd.",
     [("account", "NL91ABNA0417164300")]),
    ("Compte FR14 2004 1010 0505 0001 3M02 606 cité.", "Compte [account number] cité.",
     [("account", "FR14 2004 1010 0505 0001 3M02 606")]),
    ("Oud rekeningnummer 539-0075470-34 vermeld.", "Oud rekeningnummer [account number] vermeld.",
     [("account", "539-0075470-34")]),
    ("Betaalde via BE68 5390 0754 7034 12 keer.", "Betaalde via [account number] 12 keer.",
     [("account", "BE68 5390 0754 7034")]),
    # Belgian national number
    ("Rijksregisternummer 85.07.30-033.61 per ongeluk getypt.",
     "Rijksregisternummer [national_number] per ongeluk getypt.",
     [("national_number", "85.07.30-033.61")]),
    ("RRN 85073003361.", "RRN [national_number].", [("national_number", "85073003361")]),
    ("Numéro national 85 07 30 033 61 donné.", "Numéro national [national_number] donné.",
     [("national_number", "85 07 30 033 61")]),
    # addresses, Dutch/Flemish
    ("Woont in de Kerkstraat 12 te Gent.", "Woont in de [address] te Gent.",
     [("address", "Kerkstraat 12")]),
    ("Afspraak op de Grote Markt 3 bus 2, eerste verdiep.",
     "Afspraak op de [address], eerste verdiep.", [("address", "Grote Markt 3 bus 2")]),
    ("Stationsstraat 12A, naast de bakker.", "[address], naast de bakker.",
     [("address", "Stationsstraat 12A")]),
    ("Hij woont Koning Albertlaan 45.", "Hij woont [address].",
     [("address", "Koning Albertlaan 45")]),
    ("Werkt aan de Groenplaats 7 in Antwerpen.", "Werkt aan de [address] in Antwerpen.",
     [("address", "Groenplaats 7")]),
    ("Adres: Sint-Pietersnieuwstraat 33 bus 4", "Adres: [address]",
     [("address", "Sint-Pietersnieuwstraat 33 bus 4")]),
    # addresses, French
    ("Il habite 12 rue de la Paix à Mons.", "Il habite [address] à Mons.",
     [("address", "12 rue de la Paix")]),
    ("Rendez-vous rue Neuve 5, près du métro.", "Rendez-vous [address], près du métro.",
     [("address", "rue Neuve 5")]),
    ("Son cabinet est avenue Louise 54.", "Son cabinet est [address].",
     [("address", "avenue Louise 54")]),
    ("Travaille boulevard Anspach 1 depuis mai.", "Travaille [address] depuis mai.",
     [("address", "boulevard Anspach 1")]),
    ("Domicile chaussée de Wavre 210 à Ixelles.", "Domicile [address] à Ixelles.",
     [("address", "chaussée de Wavre 210")]),
    ("Vit place Flagey 18.", "Vit [address].", [("address", "place Flagey 18")]),
    # addresses, English
    ("Lives at 221B Baker Street with his mother.", "Lives at [address] with his mother.",
     [("address", "221B Baker Street")]),
    ("Wrote from 10 Downing Street, jokingly.", "Wrote from [address], jokingly.",
     [("address", "10 Downing Street")]),
    ("Works at 5 Main Road in Leeds.", "Works at [address] in Leeds.",
     [("address", "5 Main Road")]),
]


@pytest.mark.parametrize(("note", "expected", "removed"), FOUND)
def test_identity_is_replaced_by_its_marker(note: str, expected: str, removed: list) -> None:
    """Each contact detail is removed whole, as its kind; places and names around it
    (which today's scrubber also removes) are not this test's subject."""
    result = scrub(note, "en")
    for kind, text in removed:
        assert any(r.kind == kind and text in r.text for r in result.removed), result.removed
        assert text not in result.text
    assert result.changed


def test_several_identities_in_one_dutch_note() -> None:
    note = (
        "Man (40-45) belt voor de 2de keer. Wil teruggebeld worden op 0497 12 34 56 of "
        "gemaild op piet.v@skynet.be; woont Kerkstraat 12, 9000 Gent. Risico besproken."
    )
    result = scrub(note, "nl")
    assert result.text == (
        "Man (40-45) belt voor de 2de keer. Wil teruggebeld worden op [telefoon] of "
        "gemaild op [e-mail]; woont [adres], [postcode] [plaats]. Risico besproken."
    )
    assert [r.kind for r in result.removed] == ["phone", "email", "address", "postcode",
                                                "place"]


def test_the_issues_dutch_note_keeps_no_name_place_or_number() -> None:
    note = ("Jan Peeters uit Gent belde eerder; gsm 0475 12 34 56, mail "
            "jan.peeters@telenet.be, woont Kerkstraat 12, 9000 Gent. Zorgen over gedachten "
            "bij zijn nichtje Lotte.")
    assert scrub(note, "nl").text == (
        "[naam] uit [plaats] belde eerder; gsm [telefoon], mail [e-mail], woont [adres], "
        "[postcode] [plaats]. Zorgen over gedachten bij zijn nichtje [naam].")


def test_several_identities_in_one_french_note() -> None:
    note = "Appel de 20 min. Donne le 0470 12 34 56 et BE68 5390 0754 7034; habite rue Neuve 5."
    result = scrub(note, "fr")
    assert result.text == ("Appel de 20 min. Donne le [téléphone] et [compte bancaire]; "
                           "habite [adresse].")


def test_several_identities_in_one_english_note() -> None:
    note = "Gave www.example.co.uk and 10 Downing Street.\nCall back on +44 20 7946 0958."
    result = scrub(note, "en")
    assert result.text == "Gave [website] and [address].\nCall back on [phone]."


def test_neighbouring_identities_of_one_kind_are_all_removed() -> None:
    result = scrub("BE68 5390 0754 7034 BE68 5390 0754 7034 en 0470 12 34 56 0470 12 34 56",
                   "en")
    assert "5390" not in result.text and "0470" not in result.text
    assert {r.kind for r in result.removed} == {"account", "phone"}


@pytest.mark.parametrize(
    "note",
    [
        "Man van 34, belt voor de derde keer sinds 2019.",
        "Hij is 34 jaar en zijn zoon is 12.",
        "He is 34 and has been worried since 2019.",
        "Il a 34 ans, appelle depuis 2019, 3 fois par semaine.",
        "Gesprek duurde 45 minuten, om 14:30 afgerond.",
        "The chat lasted 45 minutes and ended at 14:30.",
        "Al 3 weken geen contact meer met zijn zoon (12).",
        "Contact op 12/03, vervolgafspraak op 19/03 om 15:00.",
        "Bereikbaar tussen 09.30 en 12.30, of 09.30-12.30.",
        "Opening hours Tue 15:00-19:00, Wed 09:30-12:30, Fri 12:00-15:00.",
        "In 2017-2021 waren er 1.913 contacten, waarvan 206 chats.",
        "Score 7/10 op de schaal, 2 kinderen (8 en 11 jaar).",
        "Hij was onderweg 20 minuten, staat op plaats 3 van de wachtlijst.",
        "Op de kerstmarkt van 2019 voor het eerst gedachten gehad.",
        "Bekeek 2 à 3 keer per week beelden, 1,5 uur per keer, 0 tot 2 keer per maand.",
        "He saw 2 family court hearings and 3 psychologists.",
        "Verwezen naar module 5 van Stoppen is Mogelijk, zie o.a. de huisarts.",
        "e.g. the supervisor was consulted; i.e. shared professional secrecy.",
        "Consulted colleague about risk; no indication, protocol not needed.",
        "Weegt 80 kg, is 1m80, slaapt 5 uur per nacht.",
        "Random code AB12 CDEF GHIJ KLMN, case BE12 3456 7890 1234.",
        "Il a téléphoné 3 fois, à 9h30 et 14h, pendant 20 minutes.",
        "Twee dochters van 8 en 10, gescheiden sinds 2020.",
        "",
    ],
)
def test_ordinary_numbers_stay(note: str) -> None:
    result = scrub(note, "en")
    assert result == ScrubResult(note, ())
    assert not result.changed


# Tokens that might meet in a note, joined by ordinary separators.
_TOKENS = st.sampled_from([
    "BE68 5390 0754 7034", "539-0075470-34", "85.07.30-033.61", "0470 12 34 56",
    "+32 470 12 34 56", "x@y.be", "www.a.be", "https://a.be/x", "Kerkstraat 12",
    "rue Neuve 5", "10 Downing Street", "12", "2019", "34 jaar", "14:30", "12/03", "Grote",
]) | st.from_regex(r"[0-9A-Za-z.@/+-]{1,12}", fullmatch=True)
_SEPARATORS = st.sampled_from([" ", ", ", ". ", "\n", " - ", ": "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TOKENS, _SEPARATORS), max_size=12))
def test_scrubbing_is_complete_in_one_pass(parts: list[tuple[str, str]]) -> None:
    note = "".join(token + sep for token, sep in parts)
    result = scrub(note, "en")
    assert not scrub(result.text, "en").changed
    assert all(removal.text in note for removal in result.removed)
