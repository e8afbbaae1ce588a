"""Limits per client address on what fills the staff's queue (issue 17, finding 9): new conversations and handoff
requests. Without them one client could open conversation after conversation, each asking for a person.

- RATE_LIMIT_NEW_CONVERSATION (30 per 10 minutes; 300 per day): conversations a client address may open (REST
  webhook, widget). The first message of a conversation over the limit is refused 429 with Retry-After and
  nothing is kept; messages of conversations already open are not affected.
- RATE_LIMIT_HANDOFF (10 per 10 minutes; 60 per day): handoff requests from one address that open a queue entry.
  Over the limit the citizen gets the bot's answer, the hotline and a word that no person was asked, and no queue
  entry is made. A conversation never has more than one open entry: asking again while one waits or is being
  handled adds nothing (gateway.services.handoff.request).

Both are generous enough for a commune's kiosk (one address, a citizen every few minutes, each ending and
deleting their conversation) and for citizens behind a carrier's NAT. Zalo's conversations are not counted here:
Zalo's servers send every citizen's events (per-conversation limits apply to them). The counting is
gateway.rate_limits' (the `limits` library; shared by every worker through Redis when REDIS_URL is set); with
RATE_LIMITS=off, or an empty setting, the limit is off.
"""

from __future__ import annotations

import logging
from typing import Optional, Tuple

from limits import RateLimitItem

from gateway.config import Settings

log = logging.getLogger(__name__)

NEW_CONVERSATION, HANDOFF = "new-conversation", "handoff"


class Admission:
    """The two limits of one app, counted by its RateLimits (gateway.rate_limits)."""

    def __init__(self, limits, settings: Settings) -> None:
        """`limits`: the app's RateLimits; the items come from the settings (ConfigError if one is not a limit)."""
        from gateway.config import parse_rate_limit as parse_setting

        self.limits = limits
        self.items = {
            NEW_CONVERSATION: parse_setting(settings, "new_conversation"),
            HANDOFF: parse_setting(settings, "handoff"),
        }

    def admit(self, scope: str, address: str) -> int:
        """0 when `address` may do one more `scope` (and it is counted), else the seconds until it may."""
        items: Tuple[RateLimitItem, ...] = self.items[scope]
        if not items:
            return 0
        wait = self.limits.admit(scope, items, address)
        if wait:
            log.warning("limit on %s per address reached", scope)
        return wait


def new_conversation(svc, address: Optional[str]) -> int:
    """Seconds before `address` may open another conversation (0: it may, and this one is counted)."""
    admission = getattr(svc, "admission", None)
    return admission.admit(NEW_CONVERSATION, address) if admission is not None and address else 0


def handoff(svc, address: Optional[str]) -> int:
    """Seconds before `address` may ask for a person again (0: it may, and this request is counted)."""
    admission = getattr(svc, "admission", None)
    return admission.admit(HANDOFF, address) if admission is not None and address else 0
