"""The key folder's setting: required in production, under the instance path in development."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from helpline import create_app
from helpline.messages import keys
from helpline.settings import Refusal

pytestmark = pytest.mark.once


def production(redis_url, **overrides):
    return create_app("production", overrides={
        "SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": redis_url,
        "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "SOCKETIO_ASYNC_MODE": "threading",
        "SOCKETIO_MESSAGE_QUEUE": False, **overrides})


def test_production_refuses_to_start_without_a_message_key_folder(redis_url):
    with pytest.raises(Refusal) as refused:
        production(redis_url, MESSAGE_KEYS_DIR="")
    assert str(refused.value).startswith("MESSAGE_KEYS_DIR must be set in production")
    app = production(redis_url, MESSAGE_KEYS_DIR="/srv/keys")
    assert keys.directory(app.config) == Path("/srv/keys")


def test_development_keeps_the_keys_in_the_instance_folder():
    assert keys.directory({"MESSAGE_KEYS_DIR": "", "INSTANCE_PATH": "/var/lib/x"}) == Path(
        "/var/lib/x/message-keys")
