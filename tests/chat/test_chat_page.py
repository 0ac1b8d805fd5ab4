"""The chatter's page as the server renders it: open or closed before any question, and
an intake form that cannot put the answers in a URL."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from helpline.availability import defaults
from helpline.extensions import db
from helpline.queue import assignment
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


def on_duty(app) -> None:
    """Anna is on duty (the intro says "open now" only then)."""
    assignment.go_on_duty(app.extensions["helpline_redis"], "1", "Anna", 1, live.now())


def start_button(html: str) -> str:
    return html.split('id="start-button"')[1].split("</button>")[0].split(">", 1)[1].strip()


def intro_channels_shown(html: str) -> bool:
    return "hidden" not in html.split('id="intro-channels"')[1].split(">")[0]


def test_the_intro_says_open_now(gated, monkeypatch):
    on_duty(gated)
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
    on_duty(gated)
    before = page_at(gated, monkeypatch, datetime(2026, 11, 19, 21, 14, tzinfo=TZ))
    assert "The chat is open now." in intro(before)


def test_always_open_says_open(app, monkeypatch):
    app.config["CHAT_ALWAYS_OPEN"] = True
    on_duty(app)
    html = page_at(app, monkeypatch, FRIDAY_10)
    assert "The chat is open now." in intro(html)
    assert start_button(html) == "Start chat" and not intro_channels_shown(html)


def test_always_open_with_nobody_on_duty_says_the_chatter_would_wait(app, monkeypatch):
    """Issue 19: "open" with nobody on duty sent chatters to wait for no one, unwarned."""
    app.config["CHAT_ALWAYS_OPEN"] = True
    html = page_at(app, monkeypatch, FRIDAY_10)
    assert "open now" not in intro(html) and "is-closed" in intro(html)
    assert "No therapist is on duty right now." in intro(html)
    assert start_button(html) == "Start chat and wait"
    assert intro_channels_shown(html)  # the other ways, before the click
    dutch = page_at(app, monkeypatch, FRIDAY_10, "nl")
    assert "Er is nu geen hulpverlener van dienst." in intro(dutch)
    assert start_button(dutch) == "Chat beginnen en wachten"


def test_open_hours_with_nobody_on_duty_say_so(gated, monkeypatch):
    """With the gate on, a start with nobody on duty is turned away with the other ways."""
    html = page_at(gated, monkeypatch, THURSDAY_20)
    assert "No therapist is on duty right now." in intro(html)
    assert intro_channels_shown(html) and start_button(html) == "Start chat"


def test_closed_start_says_what_a_click_shows_and_when_to_ask_again(gated, monkeypatch):
    """Closed: the button says it shows the hours and the other channels (the click is
    still counted as a missed contact); the page knows how far off the opening is."""
    html = page_at(gated, monkeypatch, FRIDAY_10)
    assert start_button(html) == "See the opening hours and other ways to reach us"
    config = json.loads(html.split('id="page-config">')[1].split("</script>")[0])
    assert config["opens_in"] == 6 * 86400 + 9 * 3600  # Friday 10:00 to Thursday 19:00
    on_duty(gated)
    assert json.loads(page_at(gated, monkeypatch, THURSDAY_20).split(
        'id="page-config">')[1].split("</script>")[0])["opens_in"] is None
    dutch = page_at(gated, monkeypatch, FRIDAY_10, "nl")
    assert start_button(dutch) == "Bekijk de openingsuren en andere manieren om ons te bereiken"


def test_the_intro_without_redis_says_nothing_of_duty(app, monkeypatch):
    """Redis unreachable: the page still renders, without a claim about who is on duty."""
    app.config["CHAT_ALWAYS_OPEN"] = True
    dead = redis_lib.Redis(unix_socket_path="/nonexistent/redis.sock")
    monkeypatch.setitem(app.extensions, "helpline_redis", dead)
    html = page_at(app, monkeypatch, FRIDAY_10)
    assert "The chat is open now." in intro(html) and not intro_channels_shown(html)


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
