"""The webhook signature: `X-ZEvent-Signature: mac=<hex>`, hex = SHA-256 (plain, not HMAC) of
app_id + raw body + timestamp (the body's field) + OA secret key, over the exact bytes received."""

from __future__ import annotations

import hashlib
import hmac
from typing import Optional

_HEX = set("0123456789abcdef")


def mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The expected hex digest."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret_key.encode("utf-8"))
    return digest.hexdigest()


def header(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The header value Zalo sends (used by the fake server and the tests)."""
    return "mac=" + mac(app_id, raw_body, timestamp, oa_secret_key)


def parse(value: Optional[str]) -> Optional[str]:
    """The 64-hex digest of a header value (`mac=<hex>`), or None when absent or malformed."""
    if not value:
        return None
    value = value.strip()
    if value[:4].lower() == "mac=":
        value = value[4:].strip()
    value = value.lower()
    if len(value) != 64 or not set(value) <= _HEX:
        return None
    return value


def verify(value: Optional[str], app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Whether the header value signs these exact bytes (constant-time comparison)."""
    given = parse(value)
    if given is None or not oa_secret_key or not app_id:
        return False
    return hmac.compare_digest(given, mac(app_id, raw_body, timestamp, oa_secret_key))
