"""Every server-rendered page in Dutch and French carries no English text of ours."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.availability.test_supervisor_pages import PERIOD, seed_missed
from tests.conftest import sign_in
from tests.i18n.english import english_strings

PAGES = ["/staff/", "/staff/overview", "/staff/hours", f"/staff/missed?{PERIOD}",
         "/staff/accounts", "/staff/login", "/", "/no-such-page", "/messages/new",
         "/messages/code"]


class Text(HTMLParser):
    """Visible text and attribute texts (labels, titles), not the JSON of scripts."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> list[str]:
    parser = Text()
    parser.feed(html)
    return [re.sub(r"\s+", " ", p) for p in parser.parts]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_no_english_on_any_page(app, make_staff, lang):
    seed_missed(app)
    make_staff("sup", role="supervisor")
    http = app.test_client()
    english = english_strings(lang)
    for path in PAGES:
        if path == "/staff/":
            sign_in(http, "sup")
        html = http.get(path, headers={"Accept-Language": f"{lang}-BE"}).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path
        parts = visible(html)
        single = {p for p in parts if p in english}
        sentences = {e for e in english if " " in e and len(e) > 12
                     and any(e in p for p in parts)}
        assert not single and not sentences, (path, single, sentences)


def test_labels_before_a_value_follow_the_languages_punctuation(app, make_staff):
    """A label written before its value ("Age: 25-34") is one translated string, so French
    gets its space before the colon like every other French string (tests/i18n/test_wording)."""
    make_staff("sup", role="supervisor")
    http = app.test_client()
    sign_in(http, "sup")
    pages = {lang: http.get("/staff/", headers={"Accept-Language": f"{lang}-BE"})
             .get_data(as_text=True) for lang in ("fr", "nl")}
    assert "Âge\u202f:" in pages["fr"] and "Âge:" not in pages["fr"]
    assert "Leeftijd:" in pages["nl"]
