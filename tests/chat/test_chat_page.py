"""The chatter's page as the server renders it: open or closed before any question, and
an intake form that cannot put the answers in a URL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpline.availability import defaults
from helpline.extensions import db
from helpline.realtime import live
from helpline.settings import ROOT

TZ = ZoneInfo("Europe/Brussels")
THURSDAY_20 = datetime(2026, 11, 19, 20, 0, tzinfo=TZ)  # inside Thu 19:00-21:30
FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.fixture
def gated(app):
    """The default hours (chat Thursday 19:00-21:30), the gate on."""
    app.config.update(CHAT_ALWAYS_OPEN=False, CHAT_STOP_NEW_MINUTES_BEFORE_CLOSE=15)
    with app.app_context():
        defaults.seed_if_empty(db.session, ROOT / "config" / "hours.toml")
    return app


def page_at(app, monkeypatch, moment: datetime, lang: str = "en") -> str:
    monkeypatch.setattr(live, "now", moment.timestamp)
    return app.test_client().get(f"/?lang={lang}").get_data(as_text=True)


def intro(html: str) -> str:
    return html.split('id="intro-open"')[1].split("</p>")[0]


def test_the_intro_says_open_now(gated, monkeypatch):
    html = page_at(gated, monkeypatch, THURSDAY_20)
    assert "The chat is open now." in intro(html) and "opens" not in intro(html)


def test_the_intro_says_closed_and_when_it_opens(gated, monkeypatch):
    html = page_at(gated, monkeypatch, FRIDAY_10)
    assert "The chat is closed; it opens Thursday at 19:00." in intro(html)
    assert "open now" not in intro(html)


def test_the_intro_is_worded_in_the_page_language(gated, monkeypatch):
    html = page_at(gated, monkeypatch, FRIDAY_10, "nl")
    assert "De chat is gesloten; hij gaat donderdag om 19 uur open." in intro(html)
    html = page_at(gated, monkeypatch, FRIDAY_10, "fr")
    assert "Le chat est fermé\u202f; il ouvre jeudi à 19\u202fh." in intro(html)


def test_the_intro_counts_the_cut_off_before_closing_as_closed(gated, monkeypatch):
    html = page_at(gated, monkeypatch, datetime(2026, 11, 19, 21, 20, tzinfo=TZ))
    assert "it opens Thursday at 19:00" in intro(html)  # next week's: a weekday says it
    before = page_at(gated, monkeypatch, datetime(2026, 11, 19, 21, 14, tzinfo=TZ))
    assert "The chat is open now." in intro(before)


def test_always_open_says_open(app, monkeypatch):
    app.config["CHAT_ALWAYS_OPEN"] = True
    assert "The chat is open now." in intro(page_at(app, monkeypatch, FRIDAY_10))


def test_the_intake_form_posts_and_never_uses_get(app):
    html = app.test_client().get("/").get_data(as_text=True)
    form = html.split('id="start-form"')[1].split(">")[0]
    assert 'method="post"' in form and 'action="/no-script"' in form
    assert "<noscript>" in html


def test_the_no_script_page_reads_nothing_and_keeps_nothing(app):
    client = app.test_client()
    response = client.post("/no-script", data={"age_band": "26_35", "gender": "man"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "This chat needs JavaScript" in body
    assert "26_35" not in body and "Set-Cookie" not in response.headers
    assert client.get("/no-script").status_code == 405  # answers never travel in a URL
