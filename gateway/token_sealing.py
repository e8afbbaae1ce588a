"""The OA's tokens at rest: sealed in the database, so a copy of the database (a backup, a dump sent for help)
does not let anyone send messages as the commune.

Fernet (AES-128-CBC + HMAC-SHA256, the `cryptography` library) under a key derived from SECRET_KEY with HKDF, or
from ZALO_TOKEN_KEY when it is set (then SECRET_KEY can change without touching the tokens; with nothing configured
gateway/keys.py generates one). Values written before sealing existed, or sealed under SECRET_KEY or under the old
published development key (`LEGACY_SECRETS`: every development install sealed under it), are read and sealed again
under the current key on the next use (`needs_sealing`). A value sealed under another key cannot be opened:
`Unreadable` (the OA must be authorised again and its new refresh token put in ZALO_REFRESH_TOKEN).
"""

from __future__ import annotations

import base64
from typing import List, Optional

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed:v1:"
LEGACY_SECRETS = ("dev-secret-key-change-me",)  # config.DEV_SECRET_KEY: opens old values, never seals


class Unreadable(Exception):
    """A sealed value that none of the configured keys opens."""


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tro-ly-vneid zalo tokens").derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


class TokenSeal:
    """Seals and opens token strings with the configured keys (the first one seals)."""

    def __init__(self, secret_key: str, token_key: str = "") -> None:
        """`token_key`: ZALO_TOKEN_KEY (any string; a passphrase is stretched by HKDF), else SECRET_KEY is used."""
        keys: List[Fernet] = []
        if token_key:
            keys.append(Fernet(_derived_key(token_key)))
        keys.append(Fernet(_derived_key(secret_key)))  # also opens what was sealed before ZALO_TOKEN_KEY was set
        keys += [Fernet(_derived_key(old)) for old in LEGACY_SECRETS if old not in (secret_key, token_key)]
        self._sealing = keys[0]
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
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise Unreadable("the stored Zalo tokens were sealed under another key") from exc

    def needs_sealing(self, value: Optional[str]) -> bool:
        """Whether a stored value should be sealed (again): still in clear (written before sealing existed), or
        sealed under an older key than the one sealing now (a value no key opens: False, nothing to do)."""
        if not value:
            return False
        if not value.startswith(PREFIX):
            return True
        sealed = value[len(PREFIX) :].encode("ascii")
        try:
            self._sealing.decrypt(sealed)
            return False
        except (InvalidToken, ValueError):
            pass
        try:
            self._fernet.decrypt(sealed)
            return True
        except (InvalidToken, ValueError):
            return False
