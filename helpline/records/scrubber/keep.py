"""Capitalised words that name no one: countries, languages, weekdays and months (from
Babel's locale data), regions, the platforms people mention, and the helpline's own
services and programmes. No library lists the last three; they are short and ours.
"""

from __future__ import annotations

import re

from babel import Locale

_LANGUAGES = ("nl", "fr", "en")


def word_set(text: str) -> frozenset[str]:
    """The blank-separated words of a list written as text (long lists read better so)."""
    return frozenset(text.split())


def _locale_words() -> set[str]:
    words: set[str] = set()
    for code in _LANGUAGES:
        locale = Locale.parse(code)
        for names in (locale.territories, locale.languages):
            for name in names.values():
                if " " not in name:  # "Saint Lucia" must not keep the name Lucia
                    words.add(name.lower())
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                words.update(n.lower().rstrip(".") for n in locale.days[context][width].values())
                words.update(n.lower().rstrip(".") for n in locale.months[context][width].values())
    return words


_NATIONALITIES = """
belg belgisch belgische vlaming vlaams vlaamse waal waals waalse brusselaar nederlander
nederlands nederlandse hollands hollandse marokkaan marokkaans marokkaanse turk turks turkse
pool pools poolse roemeen roemeens roemeense congolees congolese italiaan italiaans
italiaanse portugees portugese spaans spaanse frans franse fransman duits duitse brit
britse engels engelse iers ierse syriër syrisch syrische afghaan afghaans afghaanse
algerijn algerijns algerijnse tunesiër tunesisch tunesische albanees albanese
belge belges flamand flamande wallon wallonne bruxellois marocain marocaine turc turque
polonais polonaise roumain roumaine congolais congolaise italien italienne portugais
portugaise espagnol espagnole français française allemand allemande britannique
irlandais irlandaise syrien syrienne afghan afghane algérien algérienne tunisien
tunisienne albanais albanaise néerlandais néerlandaise
belgian flemish walloon dutch moroccan turkish polish romanian congolese italian
portuguese spanish french german british english irish scottish welsh syrian afghan
algerian tunisian albanian european african asian muslim christian catholic jewish
"""
_REGIONS = """
vlaanderen flandre flandres flanders wallonië wallonie wallonia limburg kempen kempen
oost-vlaanderen west-vlaanderen vlaams-brabant waals-brabant brabant henegouwen hainaut
noord-brabant zeeland gelderland friesland drenthe overijssel holland
noord-holland zuid-holland randstad benelux europa europe ardennen ardennes eifel
kent essex yorkshire lancashire midlands cornwall devon ulster munster leinster connacht
noord zuid oost west nord sud est ouest north south east west
"""
# The services a helpline note refers people to (Belgium, the Netherlands, France,
# Luxembourg, the UK and Ireland), the platforms people mention, school and sports
# words: capitalised, never identifying. No package lists these; extend it here.
_SERVICES = """
caw cgg ufc uppl upc pz paaz ggz ggd sas ssm cpas ocmw clb pms pse saj spj amo csam gsm
sms pc vk dm pv jac awel sensoa alba moderator iter i.t.e.r. justitiehuis parket
slachtofferhulp zelfmoordlijn helpwanted vlaggensysteem opgroeien jongerenwelzijn
pleegzorg kinderrechtencommissariaat jeugdrechtbank familierechtbank jeugdhulp
vertrouwenscentrum kindermishandeling kindertelefoon kinderbescherming jeugdzorg
reclassering fier halt om vog bso kdv poh eokm csg zedenpolitie zedenrecherche
teleonthaal télé-accueil tele-onthaal sos enfants one yapaka écoute-enfants infor-jeunes
aviq criavs cmp cmpp ase crip pharos snated pjj spip cpe po pmi acff awbb urbsfa
nspcc childline ceop iwf nca camhs mash lado ofsted cafcass nhs gp hse tusla garda gardaí
psni barnardos cari mappa dbs papyrus kooth brook samaritans mind shore horizon inform
safer lives parents protect report remove circles
stop it now stoppen is mogelijk start het gesprek get help child focus veilig thuis
lucy faithfull probation service police politie justitie gendarmerie
internet google whatsapp snapchat instagram tiktok discord facebook telegram twitter
youtube reddit kik skype roblox fortnite minecraft netflix messenger teams zoom signal
darknet dark web tor vpn pornhub onlyfans omegle grindr tinder wickr steam xbox
playstation wifi iphone ipad ebay paypal linkedin youtube whatsapp tiktok
onedrive icloud gmail hotmail outlook macbook powerpoint
god allah christus jezus bijbel bible coran koran ramadan kerstmis noël christmas
pasen pâques easter allerheiligen
module modules fase stap chat mail e-mail courriel tel gsm sms year reception form
u6 u7 u8 u9 u10 u11 u12 u13 u14 u15 u16 u17 u18 u19 u21
ado ados préado préados kot tbs ocd adhd asperger lo
"""
# Relations and roles that open a sentence ("Vader belt", "Homme (42) de ...").
_ROLES = """
man vrouw vader moeder mama papa mams paps oma opa bompa bomma tante nonkel oom broer zus
zoon dochter neef nicht nichtje kleinzoon kleindochter juf meester leerkracht buurman
buurvrouw vriend vriendin partner echtgenote echtgenoot stiefvader stiefmoeder bonusvader
bonusmoeder pleegvader pleegmoeder pleegouder grootvader grootmoeder
homme femme père mère papa maman papy mamie grand-père grand-mère oncle tante frère sœur
soeur fils fille neveu nièce cousin cousine voisin voisine ami amie compagne compagnon
mari épouse monsieur madame mademoiselle jeune ado adolescent adolescente enseignant
enseignante instituteur institutrice éducateur éducatrice
father mother dad mum mom nan nana gran grandad grandma grandpa granny uncle aunt auntie
brother sister son daughter nephew niece cousin neighbour neighbor friend partner wife
husband teacher caller man woman boy girl lad
"""
_ENGLISH = "i i'm i've i'd i'll mr mrs ms miss dr sir madam ok okay tv"
ACRONYMS = word_set(_SERVICES) | word_set(
    "ok tv dvd usb ai pdf hiv soa ivf tbc adhd ass add ocd ptsd lgbt lgbtq")
KEEP = (word_set(_NATIONALITIES) | word_set(_REGIONS) | word_set(_ROLES)
        | word_set(_SERVICES) | word_set(_ENGLISH) | frozenset(_locale_words()))
REGION_CUES = word_set(
    "provincie province prov regio région region county graafschap arrondissement "
    "kanton canton departement département deelstaat gewest land pays country")
INSTITUTION_WORDS = word_set("""
school scholen basisschool kleuterschool middelbare college collège athénée atheneum
lyceum lycée instituut institut institute academie académie academy hogeschool
universiteit université university ecole école kot kfc fc vc ksv sk rsc rfc kv ksk
kvc svd ssd club chiro scouts scouting ksa kaj kla patro guides jeugdbeweging jeugdhuis
speelplein fanfare harmonie parochie paroisse parish kerk église church moskee mosquée
mosque ziekenhuis hôpital hospital kliniek clinique clinic chu chr az uz sint-jan
bibliotheek bibliothèque library sporthal gemeentehuis stadhuis mairie piscine zwembad
académie jeugdclub voetbalclub football rugby gaa
""")

_KEEP_PHRASES = re.compile(
    r"\b(?:stop\s+it\s+now|stoppen\s+is\s+mogelijk|start\s+het\s+gesprek|get\s+help"
    r"|child\s+focus|veilig\s+thuis|one\s+in\s+four|lucy\s+faithfull(?:\s+foundation)?"
    r"|sos\s+enfants|stop\s+it\s+now\s+(?:scotland|wales|nederland|ireland)|parents\s+protect"
    r"|safer\s+lives|report\s+remove|inform\s+plus|centrum\s+veilige\s+sport"
    r"|raad\s+voor\s+de\s+kinderbescherming|maison\s+des\s+adolescents"
    r"|aide\s+à\s+la\s+jeunesse|kind\s+en\s+gezin|year\s+\d{1,2}|les\s+scouts"
    r"|probation\s+service|dark\s+web|planning\s+familial|centre\s+pms|chiro\s+nationaal"
    r"|scouts\s+en\s+gidsen\s+vlaanderen|universitair\s+forensisch\s+centrum"
    r"|the\s+samaritans)\b",
    re.I,
)


def is_kept(bare: str) -> bool:
    """A word that is never an identifier on its own, whatever its case."""
    return bare in KEEP


def protected_ranges(text: str) -> list[tuple[int, int]]:
    """Where the helpline's own multi-word names stand ('Stoppen is Mogelijk')."""
    return [(m.start(), m.end()) for m in _KEEP_PHRASES.finditer(text)]
