"""`flask rotate-secret-key`: a new SECRET_KEY, generated into the var directory like the first one.

What it ends: every staff session, at once (their records end, so even the processes still running with the old key
refuse them), and every cookie and CSRF token signed with the old key once the gateway and its worker restart and
read the new one. Staff log in again. What it keeps: the Zalo OA's tokens, sealed under their own key (ZALO_TOKEN_KEY
or the generated `zalo_token_key`); tokens still sealed under the old SECRET_KEY are sealed under that key first.
A SECRET_KEY set in the environment is changed there instead (the command refuses, and says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from gateway import keys
from gateway.config import ConfigError
from gateway.services import audit, login_sessions
from gateway.services.container import Services


@dataclass(frozen=True)
class Rotated:
    """Where the new key is, and how many staff sessions ended."""

    path: Path
    sessions: int


def _reseal_zalo_tokens(svc: Services) -> None:
    from gateway.zalo_models import ZaloToken
    from gateway.token_sealing import TokenSeal, Unreadable

    settings = svc.settings
    if not settings.zalo_token_key:
        raise ConfigError(
            "the Zalo tokens have no key of their own (ZALO_TOKEN_KEY): rotating SECRET_KEY would make them unreadable"
        )
    seal = TokenSeal(settings.secret_key, settings.zalo_token_key)
    with svc.db.session() as session:
        for row in session.scalars(select(ZaloToken)):
            for column in ("access_token", "refresh_token"):
                value = getattr(row, column)
                if seal.needs_sealing(value):
                    try:
                        setattr(row, column, seal.seal(seal.open(value)))
                    except Unreadable:
                        pass  # already unreadable: `flask zalo-check` says what to do


def rotate_secret_key(svc: Services) -> Rotated:
    """Replace the generated SECRET_KEY and end every staff session (ConfigError when the key is not generated)."""
    if svc.settings.key_sources.get("secret_key") != "file":
        raise ConfigError(
            "SECRET_KEY is set in the environment: put a new value there and restart the gateway "
            "(every staff session ends then)"
        )
    _reseal_zalo_tokens(svc)
    path = keys.rotate(svc.settings)
    with svc.db.session() as session:
        ended = login_sessions.end_everyone(session, "rotated")
        audit.record(session, None, "secret_key_rotated", None, {"sessions": ended})
    return Rotated(path, ended)
