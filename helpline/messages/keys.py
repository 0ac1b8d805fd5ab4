"""Encryption at rest with crypto-shredding: a data key per conversation, wrapped by the
key of a monthly epoch that lives outside the database.

Every message text of a conversation is encrypted with the conversation's own random
256-bit data key (AES-GCM, the conversation id and the author side bound in as
associated data, so a ciphertext cannot be moved to another conversation or side). The
data key is stored only wrapped (AES-GCM again) by the key-encryption key (KEK) of an
epoch: one calendar month (UTC), one file `<YYYY-MM>.key` of 32 random bytes, mode 0600,
in MESSAGE_KEYS_DIR, created on first use. The database never holds a KEK.

Ending a conversation deletes its wrapped key (and its messages) from the live database.
A copy of the row in an earlier backup stays wrapped by its epoch's KEK, which the daily
job destroys once the epoch is older than the retention period plus EPOCH_MARGIN_DAYS;
live conversations still under that epoch are wrapped anew under the current one first.
From then on no key that still exists opens the backup's copy.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
EPOCH_MARGIN_DAYS = 2  # beyond retention: a missed daily run or a slow clock loses nothing
_EPOCH_FILE = re.compile(r"^(\d{4}-\d{2})\.key$")


class KeyGone(Exception):
    """The key to this text no longer exists (its epoch was destroyed, or it is not ours)."""


def directory(config) -> Path:
    """MESSAGE_KEYS_DIR, or in development a folder in the instance path."""
    return Path(config.get("MESSAGE_KEYS_DIR") or
                Path(config["INSTANCE_PATH"]) / "message-keys")


def epoch_of(now: float) -> str:
    """The epoch (UTC calendar month, 'YYYY-MM') a key wrapped at `now` belongs to."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m")


def epoch_end(epoch: str) -> float:
    """When an epoch stops being the current one: the first instant of the next month."""
    year, month = (int(part) for part in epoch.split("-"))
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return following.timestamp()


def _path(folder: Path, epoch: str) -> Path:
    if not re.fullmatch(r"\d{4}-\d{2}", epoch):
        raise ValueError("not an epoch")
    return folder / f"{epoch}.key"


def epochs_on_disk(folder: Path) -> list[str]:
    """The epochs whose key file exists, oldest first (other files are left alone)."""
    if not folder.is_dir():
        return []
    found = (_EPOCH_FILE.match(entry.name) for entry in folder.iterdir())
    return sorted(m.group(1) for m in found if m)


def kek(folder: Path, epoch: str, create: bool = False) -> bytes:
    """An epoch's key-encryption key; with `create`, made on first use (race-free between
    processes: written to a private temp file, then linked into place only if absent)."""
    path = _path(folder, epoch)
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            raise KeyGone() from None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = folder / f".{epoch}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise KeyGone()
    return data


def destroy(folder: Path, epoch: str) -> None:
    """Overwrite an epoch's key file, then delete it (the overwrite is best effort: on
    copy-on-write or flash storage only the deletion is certain)."""
    path = _path(folder, epoch)
    try:
        with open(path, "r+b") as out:
            out.write(b"\0" * KEY_BYTES)
            out.flush()
            os.fsync(out.fileno())
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _seal(key: bytes, plain: bytes, context: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, context)


def _open(key: bytes, sealed: bytes, context: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise KeyGone() from None


def _key_context(conversation_id: int) -> bytes:
    return f"helpline message key {conversation_id}".encode()


def _text_context(conversation_id: int, author: str) -> bytes:
    return f"helpline message text {conversation_id} {author}".encode()


def wrap(kek_: bytes, data_key: bytes, conversation_id: int) -> bytes:
    return _seal(kek_, data_key, _key_context(conversation_id))


def unwrap(kek_: bytes, wrapped: bytes, conversation_id: int) -> bytes:
    """The data key, or KeyGone when this KEK did not wrap it."""
    return _open(kek_, wrapped, _key_context(conversation_id))


def encrypt_text(data_key: bytes, text: str, conversation_id: int, author: str) -> bytes:
    return _seal(data_key, text.encode("utf-8"), _text_context(conversation_id, author))


def decrypt_text(data_key: bytes, sealed: bytes, conversation_id: int, author: str) -> str:
    return _open(data_key, sealed, _text_context(conversation_id, author)).decode("utf-8")
