"""Names, places and institutions found word by word, in any of the three languages.

Dutch, French and English write ordinary nouns in lower case, so a capitalised word
inside a sentence is a name of something, unless it is one of the few capitalised
ordinary words (a country, a weekday in English, the helpline's own services: keep.py).
At the start of a sentence, in lower case and in capitals, case says nothing, and the
word lists decide: a word that is a known first name, last name or place and not an
ordinary word of the note's language, or one that a cue announces ("uit", "heet",
"nichtje", "werkt bij"). Neighbouring finds and the particles between them ("Van den
Broeck", "Heist-op-den-Berg", "Athénée Royal de Waterloo") make one identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .keep import ACRONYMS, INSTITUTION_WORDS, KEEP, REGION_CUES, is_kept, word_set
from .lookup import Lookup
from .spans import Span

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W_])?|\d+", re.U)
_SENTENCE_END = re.compile(r"[.!?:;…\n•\"“«(\[]\s*$|\s[-–*]\s*$")
_WINDOW = 40  # how far back a word looks for its sentence's start and its cues
_ABBREVIATION = re.compile(
    r"\b(?:dr|dhr|mr|mevr|mvr|mw|mme|mlle|m|ms|mrs|st|sr|jr|prof|bv|vb|ca|ong|tel|tél|gsm"
    r"|nr|no|ivm|o\.a|m\.b\.t|i\.v\.m|evt|etc|cf|e\.g|i\.e|resp|vs|p|pag|blz|ref)\.\s*$",
    re.I,
)
_ELISION = re.compile(r"^(?:[dlDLoO]['’])")  # d'Hondt, l'Orient, O'Sullivan
PARTICLES = word_set(
    "van de der den ter ten te het 't vande vander von vom zu le la les du des d' di da "
    "dos das del della dello el al ben ibn bin bint abu ou o' mc mac st st. sint saint "
    "sainte sur sous lez lès op aan in over on upon of")
_PLACE_CUES = word_set(
    "uit in te naar van bij rond nabij richting regio omgeving à a au aux de d' près vers "
    "from in near at to around outside")
_CALLED = word_set(
    "heet heette genaamd noemt noemde naam heten appelle appelait appelle nommé nommée "
    "prénom called named name")
_NAME_CUES = word_set(
    "heet heette genaamd noemt noemde naam heten zoon dochter nichtje nicht neefje neef "
    "broer zus zuster broertje zusje vriend vriendin lief partner vrouw man echtgenoot "
    "echtgenote ex mama papa moeder vader oma opa bompa bomma meter peter nonkel tante "
    "kleinzoon kleindochter stiefzoon stiefdochter schoonzoon schoonbroer schoonzus "
    "kind leerling cliënt client patiënt collega buurman buurvrouw buurjongen buurmeisje "
    "s'appelle appelle appelait nommé nommée prénom nom fils fille nièce neveu frère "
    "sœur soeur ami amie copain copine compagne compagnon mari épouse femme maman papa "
    "mère père grand-mère grand-père mamie papy petit-fils petite-fille beau-fils "
    "belle-fille oncle tata tonton élève patient collègue voisin voisine "
    "called named name son daughter niece nephew brother sister friend girlfriend "
    "boyfriend partner wife husband mum mom dad mother father grandmother grandfather "
    "nan grandson granddaughter stepson stepdaughter uncle aunt pupil colleague "
    "neighbour neighbor mr mrs ms miss dr dhr mevr mevrouw meneer mijnheer madame "
    "monsieur mademoiselle mme mlle m sir")
_WORKPLACE_CUES = re.compile(
    r"\b(?:werkt|werkte|werken|job|stage|speelt|speelde|voetbalt|zit|zat|gaat|ging|studeert"
    r"|travaille|travaillait|bosse|joue|jouait|va|allait|étudie|works|worked|plays|played"
    r"|goes|went|studies|attends|employed)\s+(?:\w+\s+){0,2}?(?:bij|op|in|aan|voor|chez|pour"
    r"|à|au|dans|at|for|with)\s+(?:de|het|la|le|l'|the|een|une?)?\s*$",
    re.I,
)


# "Sint-Romboutscollege", "Saint-Ghislain": a name whatever its place in the sentence.
_SAINT_OR_INSTITUTION = re.compile(
    r"^(?:Sint|Saint|Sainte|St)[-.]\w|\w(?:college|school|instituut|atheneum|lyceum"
    r"|ziekenhuis|kliniek|kerk)$", re.I)


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int
    sentence_start: bool
    after: str  # the few characters after the word
    before: str  # and the few dozen before it

    @property
    def cased(self) -> str:
        """The word as written, without a French elision ("d'Etterbeek" -> "Etterbeek")."""
        return _ELISION.sub("", self.text) or self.text

    @property
    def bare(self) -> str:
        """Lower case, without a French elision ("d'Hondt" -> "hondt") or a final dot."""
        return _ELISION.sub("", self.text).rstrip(".").lower()


def find(text: str, lookup: Lookup, languages: tuple[str, ...]) -> Iterator[Span]:
    words = list(_words(text))
    flags = [_candidate(words, i, lookup, languages) for i in range(len(words))]
    i = 0
    while i < len(words):
        if not flags[i]:
            i += 1
            continue
        j = i
        # Join the next word when it is a find too, or a particle before a find.
        while j + 1 < len(words) and _joined(text, words[j], words[j + 1]):
            if flags[j + 1]:
                j += 1
            elif (words[j + 1].bare in PARTICLES and j + 2 < len(words)
                  and _joined(text, words[j + 1], words[j + 2])
                  and (flags[j + 2] or words[j + 2].bare in lookup.last_names)
                  and not _place_after_from(words, j + 1, lookup)):
                j += 2
            else:
                break
        start = i
        # A first name opening the sentence, before a surname: "Marc Collard".
        if (start > 0 and words[start - 1].bare in lookup.first_names
                and not _kept(words[start - 1].bare, lookup)
                and _joined(text, words[start - 1], words[start])
                and words[start - 1].sentence_start and words[start - 1].cased[0].isupper()):
            start -= 1
        # A capitalised particle just before the find belongs to it ("De Regenboog").
        while start > 0 and _joined(text, words[start - 1], words[start]) and (
                words[start - 1].bare in PARTICLES and words[start - 1].text[0].isupper()):
            start -= 1
        start, j = _institution_words(text, words, start, j)
        yield Span(words[start].start, words[j].end,
                   _kind(text, words, start, j, lookup))
        i = j + 1


def _place_after_from(words: list[_Word], i: int, lookup: Lookup) -> bool:
    """'jef verbiest van westerlo': 'van' + a place in lower case is where he is from."""
    nxt = words[i + 1]
    return (words[i].text in ("van", "de", "uit", "of") and nxt.bare in lookup.places
            and nxt.bare not in lookup.last_names)


def _institution_words(text: str, words: list[_Word], start: int, end: int) -> tuple[int, int]:
    """Widen a find over the words that make it an institution: 'école communale du
    Centre', 'KVC Westerlo', 'Harrogate Scouts' (a club's initials are no name alone)."""
    left = start
    for k in range(start - 1, max(start - 5, -1), -1):
        word = words[k]
        if not _joined(text, word, words[k + 1]):
            break
        if word.bare in INSTITUTION_WORDS or _club_initials(word):
            left = k
        elif word.bare not in PARTICLES and word.bare not in _QUALIFIERS:
            break
    right = end
    if end + 1 < len(words) and _joined(text, words[end], words[end + 1]) and (
            words[end + 1].bare in INSTITUTION_WORDS):
        right = end + 1
    return left, right


def _club_initials(word: _Word) -> bool:
    """'KVC', 'KSA', 'RFC': capitals before a place, not one of the services we keep."""
    return word.text.isupper() and 2 <= len(word.text) <= 5 and word.bare not in ACRONYMS


_QUALIFIERS = word_set(
    "communale fondamentale primaire secondaire maternelle libre royal royale royaal "
    "provinciale provincial gemeentelijke gemeentelijk stedelijke stedelijk vrije vrij "
    "katholieke catholique sint saint sainte st technisch technique")


def trim(text: str, spans: list[Span], lookup: Lookup,
         languages: tuple[str, ...]) -> Iterator[Span]:
    """A trained tool's finds, less the words our rules know to be ordinary: a tool
    trained on newspapers takes 'Vader Kurt' or 'Homme' at a sentence's start for a
    name, and 'SOS Enfants' for one. What is left keeps the tool's kind."""
    if not spans:
        return
    words = list(_words(text))
    for span in spans:
        inside = [i for i, w in enumerate(words) if span.start <= w.start and w.end <= span.end]
        kept = [i for i in inside if _tool_word(words, i, lookup, languages)]
        if kept:
            yield Span(words[kept[0]].start, words[kept[-1]].end, span.kind)


def _tool_word(words: list[_Word], i: int, lookup: Lookup, languages: tuple[str, ...]) -> bool:
    word = words[i]
    bare = word.bare
    if _kept(bare, lookup):
        return False
    if word.cased.isupper():
        return bare not in ACRONYMS and len(bare) >= 3 and _known(bare, lookup)
    if word.cased[0].isupper():
        if not word.sentence_start:
            return True
        # As for our own rules: known to the lists and no ordinary word. A tool's
        # "Jantje" opening a sentence is lost with it, and so is its "Donne", a verb.
        return _known(bare, lookup) and not _ordinary(bare, lookup, languages)
    return _lower_case_candidate(words, i, lookup, languages)


def _words(text: str) -> Iterator[_Word]:
    for match in _TOKEN.finditer(text):
        before = text[max(0, match.start() - _WINDOW):match.start()]
        starts = not before.strip() or (bool(_SENTENCE_END.search(before))
                                        and not _ABBREVIATION.search(before))
        yield _Word(match.group(), match.start(), match.end(), starts,
                    text[match.end():match.end() + 4], before)


def _joined(text: str, left: _Word, right: _Word) -> bool:
    """Only blanks or a hyphen between two words: one name can go on."""
    gap = text[left.end:right.start]
    return len(gap) <= 2 and gap.strip(" -") == ""


def _kept(word: str, lookup: Lookup) -> bool:
    """Never an identifier alone, unless it is also a common first name ('Jan', 'Jordan')."""
    return is_kept(word) and word not in lookup.common_first_names


def _ordinary(word: str, lookup: Lookup, languages: tuple[str, ...]) -> bool:
    return any(word in lookup.ordinary.get(lang, ()) for lang in languages)


def _known(word: str, lookup: Lookup) -> bool:
    return word in lookup.first_names or word in lookup.last_names or word in lookup.places


def _candidate(words: list[_Word], i: int, lookup: Lookup, languages: tuple[str, ...]) -> bool:
    """Does this word name a person, a place or an institution?"""
    word = words[i]
    text, bare = word.cased, word.bare
    if text.isdigit() or len(bare) < 2:
        return False
    if _kept(bare, lookup):
        return False
    before = words[i - 1].bare if i else ""
    if before in REGION_CUES:  # "provincie Antwerpen", "région de Liège"
        return False
    if text.isupper() and len(text) > 1:
        if bare in ACRONYMS:
            return False
        # An employer's initials ("werkt bij de STIB") or a known name in capitals.
        return bool(_WORKPLACE_CUES.search(word.before)) or (len(bare) >= 3
                                                              and _known(bare, lookup))
    if text[0].isupper():
        if not word.sentence_start or _SAINT_OR_INSTITUTION.search(text):
            return bare not in KEEP or bare in lookup.common_first_names
        # At the start of a sentence: a name if the lists know it and it is no word,
        # or a first name followed by an age in brackets ("Benoît (45)").
        if bare in lookup.common_first_names and not _ordinary(bare, lookup, languages):
            return True
        if bare in lookup.first_names and _AGE_AFTER.match(word.after):
            return True
        return _known(bare, lookup) and not _ordinary(bare, lookup, languages)
    return _lower_case_candidate(words, i, lookup, languages)


_AGE_AFTER = re.compile(r"\s*\(\s*\d")
_POSTCODE_BEFORE = re.compile(r"(?<![\w-])(?:[A-Z]-)?\d{4,5}\s+$")


def _ordinary_everywhere(word: str, lookup: Lookup) -> bool:
    """An ordinary word in all three languages' stop lists or dictionaries ('man')."""
    return sum(word in words for words in lookup.ordinary.values()) >= 2


def _lower_case_candidate(words: list[_Word], i: int, lookup: Lookup,
                          languages: tuple[str, ...]) -> bool:
    bare = words[i].bare
    if not _known(bare, lookup) or len(bare) < 3:
        return False
    before = words[i - 1] if i else None
    if before is not None and before.text.isdigit():
        return False  # a unit: "19 ans", "32 jaar"
    cue = before.bare if before else ""
    ordinary = _ordinary(bare, lookup, languages)
    is_name = bare in lookup.first_names or bare in lookup.last_names
    if bare in lookup.places and cue in _PLACE_CUES:
        return not ordinary or bare in lookup.large_places
    if is_name and (cue in _CALLED or (i >= 2 and words[i - 2].bare in _CALLED)):
        return True
    if not ordinary:
        return True
    return (is_name and bare in lookup.common_first_names
            and not _ordinary_everywhere(bare, lookup)
            and (cue in _NAME_CUES or _followed_by_name_or_place(words, i, lookup)))


def _followed_by_name_or_place(words: list[_Word], i: int, lookup: Lookup) -> bool:
    """'jan peeters', 'jan uit gent': a name followed by a surname or 'uit <place>'."""
    nxt = words[i + 1].bare if i + 1 < len(words) else ""
    after = words[i + 2].bare if i + 2 < len(words) else ""
    return nxt in lookup.last_names or (nxt in _PLACE_CUES and after in lookup.places)


def _kind(text: str, words: list[_Word], start: int, end: int, lookup: Lookup) -> str:
    """Institution, place or name, from the words themselves and what comes before."""
    found = [w.bare for w in words[start:end + 1]]
    before = text[:words[start].start]
    if any(w in INSTITUTION_WORDS or w.endswith(("college", "school", "instituut",
                                                 "ziekenhuis", "kliniek", "atheneum"))
           for w in found) or _WORKPLACE_CUES.search(before):
        return "institution"
    previous = words[start - 1].bare if start else ""
    last = found[-1]
    if _POSTCODE_BEFORE.search(before):
        return "place"  # "9000 Gent"
    if previous in _PLACE_CUES and (last in lookup.places or (
            last not in lookup.first_names and previous not in ("van", "de", "d'", "of"))):
        return "place"
    joined = " ".join(found)
    if joined in lookup.large_places and found[0] not in lookup.common_first_names:
        return "place"
    if (joined in lookup.places or last in lookup.places) and not (
            found[0] in lookup.first_names or last in lookup.last_names):
        return "place"
    return "name"
