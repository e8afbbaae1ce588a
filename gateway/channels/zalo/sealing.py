"""The OA's tokens at rest: sealed in the database, so a copy of the database (a backup, a dump sent for help)
does not let anyone send messages as the commune.

Fernet (AES-128-CBC + HMAC-SHA256, the `cryptography` library) under a key derived from SECRET_KEY with HKDF, or
from ZALO_TOKEN_KEY when it is set (then SECRET_KEY can change without touching the tokens). Values written before
sealing existed are read as they are and sealed on the next write. A value sealed under another key cannot be
opened: `Unreadable` (the OA must be authorised again and its new refresh token put in ZALO_REFRESH_TOKEN).
"""
from __future__ import annotations

import base64
from typing import List, Optional

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"


class Unreadable(Exception):
    """A sealed value that none of the configured keys opens."""


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tro-ly-vneid zalo tokens").derive(
        secret.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


class TokenSeal:
    """Seals and opens token strings with the configured keys (the first one seals)."""

    def __init__(self, secret_key: str, token_key: str = "") -> None:
        """`token_key`: ZALO_TOKEN_KEY (any string; a passphrase is stretched by HKDF), else SECRET_KEY is used."""
        keys: List[Fernet] = []
        if token_key:
            keys.append(Fernet(_derived_key(token_key)))
        keys.append(Fernet(_derived_key(secret_key)))  # also opens what was sealed before ZALO_TOKEN_KEY was set
        self._fernet = MultiFernet(keys)

    def seal(self, value: Optional[str]) -> Optional[str]:
        """The value sealed (None and "" stay as they are)."""
        if not value:
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: Optional[str]) -> Optional[str]:
        """The value in clear; a value stored before sealing is returned as it is."""
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise Unreadable("the stored Zalo tokens were sealed under another key") from exc

    @staticmethod
    def needs_sealing(value: Optional[str]) -> bool:
        """Whether a stored value is still in clear (written before sealing existed)."""
        return bool(value) and not value.startswith(PREFIX)
