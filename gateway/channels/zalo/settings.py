"""The Zalo Official Account protocol's constants and a check of the channel's configuration.

The values themselves are fields of `gateway.config.Settings` (read from the environment):
ZALO_APP_ID, ZALO_OA_SECRET_KEY, ZALO_APP_SECRET, ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN, ZALO_OPENAPI_BASE,
ZALO_OAUTH_BASE; the channel is off while ZALO_OA_SECRET_KEY is unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List
from urllib.parse import urlparse

from gateway.config import Settings

WEBHOOK_PATH = "/webhooks/zalo/webhook"
SEND_PATH = "/v3.0/oa/message/cs"  # consultation message (free reply inside the interaction window)
TOKEN_PATH = "/v4/oa/access_token"
SIGNATURE_HEADER = "X-ZEvent-Signature"

MAX_TEXT = 2000  # characters per text message
MAX_BUTTONS = 5
MAX_TITLE = 20  # characters per button title
BUTTON_TYPE = "oa.query.hide"  # the payload comes back as the citizen's text without showing "/step_done" in the chat

TOKEN_ERRORS = (-216, -220)  # access token invalid / expired: refresh once, retry once
REPLY_WINDOW_ERRORS = (-230, -305)  # the citizen has not written recently (-305: the older 48-hour rule)
RATE_LIMITED = (-32,)

HTTP_TIMEOUT = (3.05, 10.0)  # connect, read (seconds)


@dataclass
class Check:
    """One line of `flask zalo-check`."""

    name: str
    ok: bool
    detail: str
    required: bool = True


def webhook_url(settings: Settings) -> str:
    """The URL to register in the Zalo developer console."""
    return settings.public_base_url.rstrip("/") + WEBHOOK_PATH


def checks(settings: Settings) -> List[Check]:
    """The channel's configuration, one check per setting (no secret is ever printed)."""

    def present(value: str) -> str:
        return "set" if value else "missing"

    out = [
        Check(
            "ZALO_OA_SECRET_KEY",
            bool(settings.zalo_oa_secret_key),
            present(settings.zalo_oa_secret_key)
            + ("" if settings.zalo_oa_secret_key else ": the channel is OFF (webhook not served)"),
        ),
        Check("ZALO_APP_ID", bool(settings.zalo_app_id), settings.zalo_app_id or "missing (signs the webhook)"),
        Check(
            "ZALO_APP_SECRET",
            bool(settings.zalo_app_secret),
            present(settings.zalo_app_secret)
            + ("" if settings.zalo_app_secret else ": tokens cannot be refreshed (they expire in ~25 h)"),
        ),
        Check(
            "ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN",
            bool(settings.zalo_refresh_token or settings.zalo_access_token),
            "refresh token set"
            if settings.zalo_refresh_token
            else (
                "access token only: works until it expires"
                if settings.zalo_access_token
                else "missing (needed once; the rotated pair is then kept in the database)"
            ),
            required=False,
        ),
    ]
    for name, url in (("ZALO_OPENAPI_BASE", settings.zalo_openapi_base), ("ZALO_OAUTH_BASE", settings.zalo_oauth_base)):
        parsed = urlparse(url)
        out.append(Check(name, parsed.scheme in ("http", "https") and bool(parsed.netloc), url))
    public = urlparse(settings.public_base_url)
    loopback = public.hostname in ("127.0.0.1", "localhost", "::1", None)
    out.append(
        Check(
            "PUBLIC_BASE_URL",
            public.scheme == "https" and not loopback,
            settings.public_base_url
            + (
                ""
                if public.scheme == "https" and not loopback
                else ": Zalo needs a public https address (webhook and illustrations)"
            ),
        )
    )
    return out
