"""Issue 18: two-factor secrets are encrypted at rest with keys kept outside the database
(helpline/auth/totp_keys.py), read back for sign-in, rotated, and required in production."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from helpline import create_app
from helpline.auth import totp_keys, twofactor
from helpline.extensions import db
from helpline.records.models import Staff
from helpline.settings import Refusal
from tests import totp
from tests.conftest import PASSWORD, ROOT, sign_in


def stored_secret(ctx, username: str) -> str:
    """The column as it is in the database (what a backup holds), read without the ORM."""
    with ctx():
        return db.session.execute(sa.text("SELECT totp_secret FROM staff WHERE username = :u"),
                                  {"u": username}).scalar_one()


def login(http, username):
    return http.post("/staff/login", data={"username": username, "password": PASSWORD})


def test_an_enrolled_secret_is_stored_encrypted_and_its_codes_sign_in(app, make_staff, ctx,
                                                                       clock):
    make_staff("sam", role="supervisor", two_factor=False)
    http = app.test_client()
    login(http, "sam")
    page = http.get("/staff/two-factor").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    http.post("/staff/two-factor", data={"code": pyotp.TOTP(secret).at(clock())})
    stored = stored_secret(ctx, "sam")
    assert stored.startswith("gAAAAA") and secret not in stored and secret.lower() not in stored
    clock.advance(30)  # the enrolment spent this step's code
    again = app.test_client()
    assert "/staff/login/code" in login(again, "sam").headers["Location"]
    code = pyotp.TOTP(secret).at(clock())
    assert again.post("/staff/login/code", data={"code": code}).headers["Location"].endswith(
        "/staff/")


def test_a_clear_secret_from_before_0010_still_signs_in(app, make_staff, ctx):
    """A row not yet migrated, or written by an old process during a rolling upgrade."""
    make_staff("sam", role="supervisor")
    with ctx():
        db.session.scalar(sa.select(Staff)).totp_secret = totp.SECRET
        db.session.commit()
    assert sign_in(app.test_client(), "sam").headers["Location"].endswith("/staff/")


def test_a_secret_no_key_decrypts_refuses_codes_with_a_fixed_log_line(app, make_staff, ctx,
                                                                      caplog):
    """A key dropped too early: no 500, the code is refused, the log says why without the
    secret; recovery codes (digests, not encrypted) still let the person in."""
    make_staff("sam", role="supervisor")
    stored = stored_secret(ctx, "sam")
    with ctx():
        codes = twofactor.renew_recovery_codes(db.session, db.session.scalar(sa.select(Staff)))
    app.config["TOTP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    http = app.test_client()
    login(http, "sam")
    with caplog.at_level(logging.ERROR, logger="helpline.auth"):
        refused = http.post("/staff/login/code",
                            data={"code": totp.next_code("sam", app.config["CLOCK"])})
    assert refused.status_code == 401
    [line] = [r.getMessage() for r in caplog.records if r.name == "helpline.auth"]
    assert line.startswith("a two-factor secret cannot be decrypted with TOTP_ENCRYPTION_KEYS")
    assert stored not in caplog.text and totp.SECRET not in caplog.text
    assert http.post("/staff/login/code", data={"code": codes[0]}).headers[
        "Location"].endswith("/staff/")


def test_rotate_keys_reencrypts_every_secret_so_the_old_key_can_go(app, make_staff, ctx):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["TOTP_ENCRYPTION_KEYS"] = old
    make_staff("sam", role="supervisor")
    make_staff("ben", role="supervisor")
    with ctx():  # left in clear by an old process during a rolling upgrade
        db.session.scalar(sa.select(Staff).where(Staff.username == "ben")).totp_secret = \
            totp.SECRET
        db.session.commit()
    app.config["TOTP_ENCRYPTION_KEYS"] = f"{new},{old}"
    result = app.test_cli_runner().invoke(args=["totp", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 two-factor secret(s) encrypted with the first key")
    assert totp.SECRET not in result.output and "gAAAAA" not in result.output
    app.config["TOTP_ENCRYPTION_KEYS"] = new
    for name in ("sam", "ben"):
        assert totp_keys.decrypt(stored_secret(ctx, name), app.config) == totp.SECRET
        assert sign_in(app.test_client(), name).headers["Location"].endswith("/staff/")


def test_rotate_keys_without_the_old_key_fails_and_changes_nothing(app, make_staff, ctx):
    make_staff("sam", role="supervisor")
    before = stored_secret(ctx, "sam")
    app.config["TOTP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    result = app.test_cli_runner().invoke(args=["totp", "rotate-keys"])
    assert result.exit_code == 1
    assert "1 secret(s) could not be decrypted with any key of TOTP_ENCRYPTION_KEYS" in \
        result.output
    assert stored_secret(ctx, "sam") == before


def production(redis_url, keys: str | None):
    key = secrets.token_urlsafe(48)
    overrides = {"SECRET_KEY": key, "REDIS_URL": redis_url, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                 "SOCKETIO_ASYNC_MODE": "threading", "SOCKETIO_MESSAGE_QUEUE": False,
                 "TOTP_ENCRYPTION_KEYS": keys(key) if callable(keys) else keys,
                 "MESSAGE_KEYS_DIR": "/nonexistent/message-keys"}
    return create_app("production", overrides=overrides)


@pytest.mark.once
@pytest.mark.parametrize("keys,problem", [
    ("", "must be set in production"),
    ("not-a-key", "not a Fernet key"),
    (lambda key: totp_keys.development_key(key).decode(), "derived from SECRET_KEY"),
    (lambda key: f"{Fernet.generate_key().decode()}, {totp_keys.development_key(key).decode()}",
     "derived from SECRET_KEY"),
])
def test_production_refuses_missing_or_derived_keys(redis_url, keys, problem):
    with pytest.raises(Refusal) as refused:
        production(redis_url, keys)
    assert str(refused.value).startswith("TOTP_ENCRYPTION_KEYS ")
    assert problem in str(refused.value)


@pytest.mark.once
def test_production_starts_with_two_keys_and_encrypts_with_the_first(redis_url):
    first, second = Fernet.generate_key(), Fernet.generate_key()
    app = production(redis_url, f"{first.decode()}, {second.decode()}")
    with app.app_context():
        token = totp_keys.encrypt(totp.SECRET)
    assert Fernet(first).decrypt(token.encode()).decode() == totp.SECRET


@pytest.mark.once
def test_a_production_server_without_keys_says_so_in_one_line():
    """`app.py serve` refuses at once, with the setting's name and no traceback."""
    env = {**os.environ, "HELPLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "REDIS_URL": "redis://127.0.0.1:9/0", "TOTP_ENCRYPTION_KEYS": "",
           "DATABASE_URL": "postgresql://helpline@127.0.0.1:9/helpline"}
    done = subprocess.run([sys.executable, "app.py", "serve", "--port", "9"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "helpline: TOTP_ENCRYPTION_KEYS must be set in production")
