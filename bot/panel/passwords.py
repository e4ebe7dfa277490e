"""Staff passwords: Argon2id hashes, one-time passwords, the rules a new password follows."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # Argon2id, the library's (RFC 9106 low-memory) parameters
# Checked when an account does not exist, so the answer takes as long as for a real one.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))
# Letters and digits that cannot be mistaken for each other when read aloud or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always does the same work, known account or not."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A password to be shown once and changed at first sign-in: xxxx-xxxx-xxxx."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def password_problem(password: str, *, email: str, current: str = "") -> str | None:
    """Why a new password is not acceptable (Turkish), or None."""
    if len(password) < MIN_LENGTH:
        return f"Şifre en az {MIN_LENGTH} karakter olmalı."
    if len(password) > 256:
        return "Şifre en fazla 256 karakter olabilir."
    if password.strip().lower() == email.strip().lower():
        return "Şifre e-posta adresinizle aynı olamaz."
    if current and password == current:
        return "Yeni şifre eskisiyle aynı olamaz."
    if len(set(password)) < 4:
        return "Şifre çok tahmin edilebilir; farklı karakterler kullanın."
    return None
