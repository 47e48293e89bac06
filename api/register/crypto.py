"""Field-by-field encryption of the register's personal data and the keyed hashes (blind
indexes) that let the store find an ID number or a phone without ever holding it in plain.

One master key (32 random bytes) comes from ``WANGGE_DATA_KEY`` (base64) or from a key file
created on first start (mode 600, ``WANGGE_DATA_KEY_FILE``). Two keys are derived from it with
HKDF-SHA256 under different labels: one for AES-256-GCM (a fresh 96-bit nonce per value, the
field's name as associated data so a value cannot be moved to another field), one for
HMAC-SHA256 blind indexes and the content hashes of client resends. A ciphertext starts with a
format byte and a 4-byte key id, so a wrong key is an error that says so, never garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, inspect, text

from api.settings import Settings, SettingsError

FORMAT = b"\x01"
NONCE = 12
KEY_BYTES = 32


class DataKeyError(RuntimeError):
    """The data key is missing, malformed, or not the key the stored values were encrypted with."""


def _derive(master: bytes, label: bytes) -> bytes:
    """A 32-byte subkey of ``master`` for one purpose (HKDF-SHA256, ``label`` as info)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label).derive(master)


@dataclass(frozen=True)
class DataCipher:
    """Encrypts, decrypts and blind-indexes personal fields under one master key."""

    master: bytes = field(repr=False)

    def __post_init__(self) -> None:
        """Refuse a key of the wrong length."""
        if len(self.master) != KEY_BYTES:
            raise DataKeyError(f"the data key must be {KEY_BYTES} bytes, got {len(self.master)}")

    @cached_property
    def key_id(self) -> bytes:
        """Four bytes naming this key in every ciphertext (not secret: a hash of a subkey)."""
        return hashlib.sha256(_derive(self.master, b"wangge key id")).digest()[:4]

    @cached_property
    def _aead(self) -> AESGCM:
        """The AES-256-GCM cipher under the encryption subkey."""
        return AESGCM(_derive(self.master, b"wangge field encryption"))

    @cached_property
    def _mac_key(self) -> bytes:
        """The HMAC subkey of blind indexes and content hashes."""
        return _derive(self.master, b"wangge blind index")

    def encrypt(self, name: str, value: str | None) -> bytes | None:
        """``value`` of field ``name`` encrypted (None stays None)."""
        if value is None:
            return None
        nonce = os.urandom(NONCE)
        sealed = self._aead.encrypt(nonce, value.encode(), name.encode())
        return FORMAT + self.key_id + nonce + sealed

    def decrypt(self, name: str, blob: bytes | None) -> str | None:
        """The plain value of field ``name`` from its ciphertext (None stays None)."""
        if blob is None:
            return None
        blob = bytes(blob)
        if blob[:1] != FORMAT or blob[1:5] != self.key_id:
            raise DataKeyError(
                "a stored personal field was encrypted under another data key "
                "(check WANGGE_DATA_KEY / WANGGE_DATA_KEY_FILE)"
            )
        nonce, sealed = blob[5 : 5 + NONCE], blob[5 + NONCE :]
        try:
            return self._aead.decrypt(nonce, sealed, name.encode()).decode()
        except InvalidTag as e:
            raise DataKeyError(f"a stored {name} failed its integrity check") from e

    def index(self, value: str | None) -> str | None:
        """The blind index of a normalised value: HMAC-SHA256 hex, the only form lookups use."""
        if value is None or value == "":
            return None
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def digest(self, text: str) -> str:
        """A keyed hash of a client payload (its content hash), so the hash reveals nothing."""
        return hmac.new(self._mac_key, b"content:" + text.encode(), hashlib.sha256).hexdigest()


def new_key() -> bytes:
    """32 fresh random bytes."""
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    """A key as URL-safe base64 text (what the key file and ``WANGGE_DATA_KEY`` hold)."""
    return base64.urlsafe_b64encode(key).decode()


def decode_key(text: str, source: str) -> bytes:
    """A key from its base64 text; ``source`` names where it came from in the error."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except ValueError as e:
        raise SettingsError(f"{source}: not base64 of {KEY_BYTES} bytes") from e
    if len(key) != KEY_BYTES:
        raise SettingsError(f"{source}: not base64 of {KEY_BYTES} bytes (got {len(key)} bytes)")
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path`` with mode 600, atomically (a crash leaves old or new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(encode_key(key) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_key(settings: Settings) -> bytes:
    """The master key: ``WANGGE_DATA_KEY``, else the key file, created (mode 600) if absent."""
    if settings.data_key:
        return decode_key(settings.data_key, "WANGGE_DATA_KEY")
    path = settings.data_key_file
    if path.exists():
        return decode_key(path.read_text(), str(path))
    key = new_key()
    write_key_file(path, key)
    return key


_CIPHERS: dict[tuple[str | None, str], DataCipher] = {}


def cipher_for(settings: Settings) -> DataCipher:
    """The process's cipher for ``settings`` (the key is read once per key source)."""
    source = (settings.data_key, str(settings.data_key_file.resolve()))
    if source not in _CIPHERS:
        _CIPHERS[source] = DataCipher(load_key(settings))
    return _CIPHERS[source]


def forget_ciphers() -> None:
    """Drop the cached ciphers (after ``wangge keys rotate`` in the same process, and in tests)."""
    _CIPHERS.clear()


#: Tables whose rows hold fields encrypted under the data key (a row in any means a key exists).
ENCRYPTED_TABLES = ("persons", "organisations")


def check_key_present(conn: Connection, settings: Settings) -> None:
    """Refuse to start when the database holds encrypted personal data but neither
    ``WANGGE_DATA_KEY`` nor the key file is there: a new key would be made silently and every
    stored name, ID number and phone would be unreadable from then on."""
    if settings.data_key or settings.data_key_file.exists():
        return
    tables = set(inspect(conn).get_table_names())
    for table in ENCRYPTED_TABLES:
        if table in tables and conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first():
            raise SettingsError(
                f"WANGGE_DATA_KEY is not set and the key file {settings.data_key_file} is missing, "
                f"but the database holds encrypted {table}: restore the key (file or variable) "
                "before starting; a new key could not read them")
