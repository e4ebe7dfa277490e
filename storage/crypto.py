"""National id numbers at rest: encrypted with a key, found again by a keyed hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from core.checks import mask_id

__all__ = ["IdVault", "KeyError_", "load_or_create_key_file", "mask_id"]

log = logging.getLogger(__name__)


class KeyError_(Exception):
    """The key is missing or cannot read the stored ids."""


class IdVault:
    """Encrypts, decrypts, hashes and masks national id numbers."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise KeyError_("MF_DATA_KEY en az 16 karakter olmalı")
        root = hashlib.sha256(secret.encode("utf-8")).digest()
        enc_key = hmac.new(root, b"meslek-id-encryption", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(enc_key))
        self._hash_key = hmac.new(root, b"meslek-id-hash", hashlib.sha256).digest()
        file_key = hmac.new(root, b"meslek-upload-encryption", hashlib.sha256).digest()
        self._files = Fernet(base64.urlsafe_b64encode(file_key))

    def encrypt(self, national_id: str) -> str:
        return self._fernet.encrypt(national_id.encode("ascii")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise KeyError_("kimlik numarası bu anahtarla çözülemedi") from exc

    def encrypt_bytes(self, data: bytes) -> str:
        """An uploaded file kept until it is confirmed (its own key, not the ids' key)."""
        return self._files.encrypt(data).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        try:
            return self._files.decrypt(token.encode("ascii"))
        except InvalidToken as exc:
            raise KeyError_("yüklenen dosya bu anahtarla çözülemedi") from exc

    def seal_text(self, text: str) -> str:
        """Any text encrypted the same way (a stored inbound message, which may hold an id)."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open_text(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise KeyError_("saklanan mesaj bu anahtarla çözülemedi") from exc

    def hash(self, national_id: str) -> str:
        """A keyed hash for duplicate checks; useless without the key."""
        return hmac.new(self._hash_key, national_id.encode("ascii"), hashlib.sha256).hexdigest()


def load_or_create_key_file(path: Path) -> str:
    """Reads the key file, creating it with mode 0600 when it does not exist yet."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    log.warning(
        "MF_DATA_KEY is not set: created the national-id key file %s (mode 0600). Keep it "
        "with every backup; without it stored ids cannot be read.",
        path,
    )
    return key
