"""Two-factor secrets encrypted at rest, with keys kept outside the database.

A stolen database or backup then holds no usable second factor. TOTP_ENCRYPTION_KEYS is
a comma-separated list of Fernet keys (cryptography's MultiFernet), newest first: the
first encrypts, any decrypts, so a key is rotated by putting a new one first, running
`flask --app app totp rotate-keys`, then removing the old one (docs/operations.md).

Unset outside production, the key is derived from SECRET_KEY (HKDF) so that `make run`
needs nothing: that is for development only, and production refuses it (the database
and the SECRET_KEY often travel together, in one backup of the machine).

A stored value is a Fernet token (it starts with 'gAAAAA') or, on a row written before
migration 0010 or by an older process during a rolling upgrade, the base32 secret in
clear: both are read, only tokens are written.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import click
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

SETTING = "TOTP_ENCRYPTION_KEYS"
TOKEN_PREFIX = "gAAAAA"  # every Fernet token: version byte 0x80, then a 64-bit time
_DEVELOPMENT_INFO = b"helpline: TOTP secrets, development key"

class CannotDecrypt(Exception):
    """The stored secret was encrypted with a key that is not in TOTP_ENCRYPTION_KEYS."""


def development_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY: development and tests only."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_DEVELOPMENT_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def _listed(raw: str) -> list[str]:
    return [k.strip() for k in (raw or "").split(",") if k.strip()]


def production_problem(raw: str, secret_key: str) -> str | None:
    """What is wrong with the setting for production, or None."""
    keys = _listed(raw)
    if not keys:
        return ("must be set in production (a Fernet key, made with: python3 -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            return "holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
    if development_key(secret_key).decode() in keys:
        return "must not be the development key derived from SECRET_KEY"
    return None


def keyring(config: Mapping | None = None) -> MultiFernet:
    """The configured keys (the app's by default), or the development key when none is set."""
    config = current_app.config if config is None else config
    keys = _listed(config.get(SETTING, "")) or [development_key(config["SECRET_KEY"])]
    return MultiFernet([Fernet(k) for k in keys])


def is_encrypted(stored: str) -> bool:
    return stored.startswith(TOKEN_PREFIX)


def encrypt(secret: str, config: Mapping | None = None) -> str:
    return keyring(config).encrypt(secret.encode()).decode()


def decrypt(stored: str, config: Mapping | None = None) -> str:
    """The base32 secret; a clear one (written before 0010) is returned as it is."""
    if not is_encrypted(stored):
        return stored
    try:
        return keyring(config).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt from None


def rotate(session: Session) -> tuple[int, int]:
    """Encrypt every secret with the first key (clear ones too); returns (done, failed).

    A secret no key decrypts is left as it is and counted: never printed, never lost."""
    from ..records.models import Staff  # here: settings.py imports this module, before models

    ring, done, failed = keyring(), 0, 0
    for staff in session.scalars(select(Staff).where(Staff.totp_secret.is_not(None))):
        stored = staff.totp_secret
        try:
            if is_encrypted(stored):
                staff.totp_secret = ring.rotate(stored.encode()).decode()
            else:
                staff.totp_secret = ring.encrypt(stored.encode()).decode()
        except InvalidToken:
            failed += 1
            continue
        done += 1
    session.commit()
    return done, failed


totp = AppGroup("totp", help="Two-factor secrets (encrypted with TOTP_ENCRYPTION_KEYS).")


@totp.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every two-factor secret with the first key, so the others can go."""
    # Here, not at the top: settings imports this module, and extensions imports settings.
    from ..extensions import db

    done, failed = rotate(db.session)
    click.echo(f"{done} two-factor secret(s) encrypted with the first key of {SETTING}")
    if failed:
        raise click.ClickException(
            f"{failed} secret(s) could not be decrypted with any key of {SETTING} and were "
            "left as they were: keep the key they were encrypted with in the list")


def register_cli(app: Flask) -> None:
    app.cli.add_command(totp)
