"""A first set of ready texts per language (from the helpline's own material), for a new
install or demo data. Supervisors change them on /staff/canned; seeding never overwrites."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import CannedResponse

SEED = {
    "nl": [
        ("Doorverwijzing CAW", "Het Centrum Algemeen Welzijnswerk (CAW) helpt gratis en "
         "vertrouwelijk, ook met een vervolg in een gespecialiseerd centrum. Zoek het CAW in "
         "je buurt op www.caw.be.", ["verwijzing", "caw"]),
        ("Doorverwijzing CGG", "Een Centrum voor Geestelijke Gezondheidszorg (CGG) biedt "
         "gespecialiseerde begeleiding. Je kan zelf contact opnemen; wij helpen je graag "
         "met wat je kan zeggen.", ["verwijzing", "cgg"]),
        ("Zelfhulp: Stoppen is Mogelijk", "Op de website Stoppen is Mogelijk vind je 17 "
         "zelfhulpmodules die je anoniem en op je eigen tempo kan doorlopen.",
         ["zelfhulp", "module"]),
        ("Start het gesprek (naasten)", "De gids \u201cStart het gesprek\u201d helpt je om "
         "een zorg bespreekbaar te maken bij iemand die je na staat.", ["naasten", "gids"]),
        ("Start het gesprek (professionals)", "Voor professionals is er een eigen gids "
         "\u201cStart het gesprek\u201d over hoe je een vermoeden aankaart.",
         ["professionals", "gids"]),
        ("Afsluiten", "Bedankt voor je vertrouwen. Je mag altijd opnieuw contact opnemen, "
         "via chat, telefoon of e-mail.", ["afsluiten"]),
    ],
    "fr": [
        ("Orientation CAW", "Les centres d'aide sociale générale aident gratuitement et en "
         "toute confidentialité, avec une orientation vers un centre spécialisé si besoin.",
         ["orientation"]),
        ("Conclure", "Merci pour ta confiance. Tu peux reprendre contact à tout moment, par "
         "chat, téléphone ou e-mail.", ["conclure"]),
    ],
    "en": [
        ("Referral: general welfare centre", "A general welfare centre (CAW) helps free of "
         "charge and in confidence, and can refer you to a specialised centre.",
         ["referral"]),
        ("Self-help modules", "The self-help website offers 17 modules you can follow "
         "anonymously, at your own pace.", ["self-help"]),
        ("Closing", "Thank you for your trust. You may contact us again at any time, by "
         "chat, phone or e-mail.", ["closing"]),
    ],
}


def seed(session: Session) -> int:
    """Add the first set to every language that has no ready texts yet; how many added."""
    added = 0
    for language, rows in SEED.items():
        count = select(func.count()).where(CannedResponse.language == language)
        if session.scalar(count.select_from(CannedResponse)):
            continue
        for title, text, tags in rows:
            session.add(CannedResponse(language=language, title=title, text=text, tags=tags))
            added += 1
    session.commit()
    return added
