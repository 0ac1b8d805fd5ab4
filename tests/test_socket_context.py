"""A socket's events reuse the URL adapter, and the match, their connection's first context
made (helpline/realtime/context.py): Flask-SocketIO pushes a request context per event."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map

from helpline.extensions import socketio
from helpline.realtime.context import ADAPTER_KEY
from tests.conftest import chatter_client


def test_socket_events_bind_the_url_map_once_per_connection(app, monkeypatch):
    bound = []
    bind = Map.bind_to_environ
    monkeypatch.setattr(Map, "bind_to_environ", lambda *a, **k: bound.append(1) or bind(*a, **k))
    client = chatter_client(app)
    before = len(bound)
    for _ in range(3):
        assert client.emit("nonsense", {}, namespace="/chat", callback=True)["code"] == \
            "unknown_event"
    assert len(bound) == before
    adapter = socketio.server.environ[client.eio_sid][ADAPTER_KEY]
    assert isinstance(adapter.matched, NotFound)  # /socket.io/ is no page
    # kept for the connection's life, so it must hold no event's frames (and their request)
    assert adapter.matched.__traceback__ is None and adapter.matched.__context__ is None


def test_pages_still_match_and_build_their_urls(app):
    http = app.test_client()
    page = http.get("/?lang=fr")
    assert page.status_code == 200 and b"/static/" in page.data  # url_for in the template
    assert http.get("/no-such-page").status_code == 404
    with app.test_request_context("/"):
        from flask import url_for

        assert url_for("static", filename="x.js") == "/static/x.js"
