"""Deployment safety: headers on every response (Socket.IO's too), WebSocket only, the
proxy we trust (never for addresses), foreign POSTs refused, CSRF without a Referer, and
production refusing a weak key, the embedded Redis and readable files."""

from __future__ import annotations

import os
import stat

import pytest
from flask import request

from helpline import create_app
from helpline.server import security

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "helpline.example",
         "X-Forwarded-For": "203.0.113.9"}
STRONG_KEY = "Zq3v-8JmYt0pL2xWc9RkB7nHs4DfGa1EuVoIi6yT"


def assert_security_headers(response):
    h = response.headers
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    assert h["Cross-Origin-Resource-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in h["Permissions-Policy"]
    assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
    assert h["Cache-Control"] == "no-store"


def test_headers_on_a_page_and_on_a_socketio_response(app):
    http = app.test_client()
    assert_security_headers(http.get("/"))
    assert_security_headers(http.get("/socket.io/?EIO=4&transport=polling"))
    assert "Strict-Transport-Security" not in http.get("/").headers  # not in development
    static = http.get("/static/js/lib/common.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_hsts_when_configured(redis_url):
    app = create_app("testing", overrides={"REDIS_URL": redis_url, "HSTS_SECONDS": 86400})
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith(
        "max-age=86400")


def test_a_polling_handshake_is_refused(app):
    response = app.test_client().get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 400


def _probe(app):
    app.add_url_rule("/probe", "probe",
                     lambda: f"{request.scheme} {request.host} {request.remote_addr}")
    return app.test_client()


def test_proxy_hops_trust_proto_and_host_never_the_address(redis_url):
    app = create_app("testing", overrides={"REDIS_URL": redis_url, "PROXY_HOPS": 1})
    text = _probe(app).get("/probe", headers=HTTPS).get_data(as_text=True)
    assert text == "https helpline.example 127.0.0.1"


def test_without_proxy_hops_forwarded_headers_are_ignored(app):
    text = _probe(app).get("/probe", headers=HTTPS).get_data(as_text=True)
    assert text == "http localhost 127.0.0.1"


def test_foreign_posts_are_refused(app):
    http = app.test_client()
    form = {"username": "x", "password": "y"}
    assert http.post("/staff/login", data=form,
                     headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert http.post("/staff/login", data=form,
                     headers={"Origin": "https://evil.example"}).status_code == 403
    # Our own form under no-referrer: the browser sends `Origin: null` and same-origin.
    assert http.post("/staff/login", data=form, headers={
        "Origin": "null", "Sec-Fetch-Site": "same-origin"}).status_code == 401
    assert http.post("/staff/login", data=form,
                     headers={"Origin": "http://localhost"}).status_code == 401
    assert http.post("/staff/login", data=form, headers={
        "Origin": "null", "Sec-Fetch-Site": "cross-site"}).status_code == 403


def test_listed_origins_may_post_from_a_sibling_site(redis_url, make_staff_in):
    app = create_app("testing", overrides={
        "REDIS_URL": redis_url, "ALLOWED_ORIGINS": "https://staff.example"})
    make_staff_in(app, "anna")
    http = app.test_client()
    form = {"username": "x", "password": "y"}
    assert http.post("/staff/login", data=form, headers={
        "Origin": "https://staff.example", "Sec-Fetch-Site": "same-site"}).status_code == 401
    assert http.post("/staff/login", data=form, headers={
        "Origin": "http://localhost"}).status_code == 403


def test_socket_origins_default_to_the_request_and_follow_the_setting():
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "helpline.example"}
    same = security.socket_origin_check([])
    assert same("https://helpline.example", environ)
    assert not same("http://helpline.example", environ)
    assert not same("https://evil.example", environ)
    listed = security.socket_origin_check(security.configured_origins(
        "https://chat.example, https://staff.example"))
    assert listed("https://staff.example", environ)
    assert not listed("https://helpline.example", environ)


def test_a_foreign_socket_origin_is_refused_by_the_app(app):
    response = app.test_client().get("/socket.io/?EIO=4&transport=websocket",
                                     headers={"Origin": "https://evil.example"})
    assert response.status_code == 400


def test_csrf_form_works_over_https_without_a_referer(redis_url, make_staff_in):
    """Behind the proxy the app sees HTTPS; `no-referrer` means no Referer is ever sent."""
    app = create_app("testing", overrides={"REDIS_URL": redis_url, "PROXY_HOPS": 1,
                                           "WTF_CSRF_ENABLED": True})
    make_staff_in(app, "anna")
    http = app.test_client()
    page = http.get("/staff/login", headers=HTTPS).get_data(as_text=True)
    from tests.admin.test_sessions import token

    response = http.post("/staff/login", headers={**HTTPS, "Origin": "null"}, data={
        "username": "anna", "password": "correct horse battery", "csrf_token": token(page)})
    assert response.status_code == 302


@pytest.fixture
def make_staff_in():
    from helpline.admin import accounts
    from helpline.extensions import db
    from tests.conftest import PASSWORD

    made = []

    def make(app, username):
        with app.app_context():
            db.create_all()
            accounts.create_staff(db.session, username, username, "therapist", PASSWORD)
        made.append(app)

    yield make
    for app in made:
        with app.app_context():
            db.drop_all()


def production(redis_url, **overrides):
    return create_app("production", overrides={
        "SECRET_KEY": STRONG_KEY, "REDIS_URL": redis_url,
        "TOTP_ENCRYPTION_KEYS": "r9L3dpy0B1Y1-LXTbmCUYZIy0XSr8ZCk1S8gh1qsqJ8=",
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "SOCKETIO_ASYNC_MODE": "threading",
        "SOCKETIO_MESSAGE_QUEUE": False, "MESSAGE_KEYS_DIR": "/nonexistent/message-keys",
        **overrides})


@pytest.mark.parametrize("key", ["a" * 39, "short-but-random-9f8e", "password" * 5,
                                 "0123456789" * 4, "MyHelplineSecretKeyForProduction2026",
                                 "the quick brown fox jumps over the lazy dog helpline secret",
                                 "correct-horse-battery-staple-5b82e15c"])
def test_production_refuses_a_weak_secret_key(redis_url, key):
    """Length and variety are not enough: a passphrase a person chose is refused too, and
    the message says how to make a random one."""
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        production(redis_url, SECRET_KEY=key)
    assert "secrets.token_urlsafe(48)" in str(refused.value)


def test_production_accepts_a_generated_key(redis_url):
    import secrets

    for _ in range(20):
        assert security.secret_key_problem(secrets.token_urlsafe(32)) is None
        assert security.secret_key_problem(secrets.token_urlsafe(48)) is None
        assert security.secret_key_problem(secrets.token_hex(32)) is None
    assert production(redis_url).config["HSTS_SECONDS"] > 0


def test_production_refuses_the_embedded_redis():
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        production("")


def test_production_refuses_to_start_without_the_scrubber_loaded(redis_url):
    with pytest.raises(RuntimeError, match="SCRUBBER_PRELOAD"):
        production(redis_url, SCRUBBER_PRELOAD=False)


@pytest.fixture
def open_umask():
    """The most careless umask: the files must be private by their own creation mode."""
    old = os.umask(0)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_generated_secret_key_is_private_from_the_start(tmp_path, open_umask):
    path = tmp_path / "secret_key"
    key = security.read_or_create_secret(path, lambda: "k" * 48)
    assert key == "k" * 48 and mode(path) == 0o600
    assert security.read_or_create_secret(path, lambda: "other") == key  # kept, not redone


def test_the_sqlite_file_and_its_folder_are_private(tmp_path, open_umask, redis_url):
    path = tmp_path / "instance" / "helpline.sqlite"
    app = create_app("testing", overrides={"REDIS_URL": redis_url,
                                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    from helpline.extensions import db

    with app.app_context():
        db.create_all()
        db.engine.dispose()
    assert mode(path.parent) == 0o700 and mode(path) == 0o600


def test_an_existing_instance_folder_and_database_are_tightened(tmp_path, open_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = instance / "helpline.sqlite"
    database.write_text("")
    database.chmod(0o644)
    security.prepare_sqlite(f"sqlite:///{database}", instance)
    assert mode(instance) == 0o700 and mode(database) == 0o600
