"""Rate limits (issue #8): per conversation, per client address, on the widget's poll and on failed staff logins.

429 with Retry-After and a Vietnamese message; limits in the `limits` notation ("10 per 10 seconds;60 per minute"),
configurable by environment:
- RATE_LIMIT_CONVERSATION (10 per 10 s; 60 per min), per conversation (sender): POST /webhooks/rest/webhook, and
  the Zalo webhook (valid events only);
- RATE_LIMIT_IP (300 per min), per client address: the citizens' endpoints (views marked CITIZEN: the webhooks,
  /api/parse, /api/widget/*) and any request that matched no route (the Zalo webhook counts only refused
  requests: Zalo's servers send every citizen's events);
- RATE_LIMIT_POLL (120 per min), per conversation: GET /api/widget/messages (the widget's polling);
- RATE_LIMIT_LOGIN_IP (30 per 10 min), per address: failed attempts at POST /auth/login, and attempts refused
  for waiting. Per account, the waits grow with each failure, per address (gateway/services/login_guard.py): a
  limit per user name alone let anyone lock a staff member out by failing on purpose.
Which limits a request meets follows from the endpoint it reached (gateway/web/endpoints.py), never its path.
Moving window: exact ("3 per 10 seconds" means any 10 seconds). Counters live in Redis when REDIS_URL is set
(shared by every worker), in the worker's memory otherwise; if Redis fails, the worker counts in memory for a
while and never turns a request into an error. RATE_LIMITS=off disables all.

The `limits` library does the counting; this module only says which limits a request meets. (Flask-Limiter, used
before, resolved and filtered every configured limit on every request: 0.35 ms of the gateway's CPU per message
under load, a tenth of it; this costs a few hundredths.)
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from flask import Flask, Response, g, request
from limits import RateLimitItem
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from gateway.config import Settings, parse_rate_limit
from gateway.services.inbound import SENDER
from gateway.web.answers import error_answer, safe_text
from gateway.web.bodies import json_body
from gateway.web.endpoints import CITIZEN, has_mark

log = logging.getLogger(__name__)

# the endpoints with limits of their own
MESSAGE_ENDPOINTS = ("rest.webhook",)
ZALO_ENDPOINT = "zalo.webhook"
POLL_ENDPOINT = "widget.messages"
LOGIN_ENDPOINT = "auth.login"
PREFIX = "vneid"
FALLBACK_S = 5.0  # after a Redis failure, count in memory this long before trying Redis again


def client_ip() -> str:
    """The client's address (the citizen's, when PROXY_COUNT trusted proxies are in front)."""
    return request.remote_addr or "unknown"


def conversation_key() -> Optional[str]:
    """The conversation a message belongs to, or None when the request names none (the view refuses it)."""
    if "_limits_conversation" in g:
        return g._limits_conversation
    key = None
    try:
        body = json_body()  # parsed once, shared with the view
    except Exception:  # noqa: BLE001 - BadBody, RequestEntityTooLarge, …: the view's business (400/413)
        body = None
    if body is not None:
        if request.endpoint == ZALO_ENDPOINT:
            try:
                from gateway.channels.zalo.events import citizen_of

                user = citizen_of(body)
            except Exception:  # noqa: BLE001 - no Zalo module or an odd event: no per-citizen key
                user = None
            key = f"zalo:{user}" if isinstance(user, str) and SENDER.match(user) else None
        else:
            sender = body.get("sender")
            key = f"conv:{sender}" if isinstance(sender, str) and SENDER.match(sender) else None
    g._limits_conversation = key
    return key


def poll_key() -> Optional[str]:
    sender = request.args.get("sender", "")
    return f"poll:{sender}" if SENDER.match(sender) else None


def _per_address() -> bool:
    """A citizen's endpoint other than Zalo's, or no route at all (a scanner's guesses count against its address)."""
    if request.endpoint is None:
        return True
    return has_mark(CITIZEN) and request.endpoint != ZALO_ENDPOINT


@dataclass(frozen=True)
class Rule:
    """One limit: where it applies, what it counts per (the key; None: not this request), and whether every
    request counts (checked and counted before the view) or only some answers (checked before, counted after)."""

    scope: str
    items: Tuple[RateLimitItem, ...]
    applies: Callable[[], bool]
    key: Callable[[], Optional[str]]
    counts: Optional[Callable[[Response], bool]] = None


def rules(settings: Settings) -> List[Rule]:
    """The gateway's limits, from the settings (an empty setting turns that limit off; a setting that is not a rate
    limit is refused at start with ConfigError, not silently ignored)."""

    def items(name: str) -> Tuple[RateLimitItem, ...]:
        return parse_rate_limit(settings, name)

    conversation, ip = items("conversation"), items("ip")
    post = lambda: request.method == "POST"  # noqa: E731
    # wrong passwords, and attempts the login view refused for waiting (gateway/services/login_guard.py)
    failed_login = lambda response: response.status_code in (401, 429)  # noqa: E731
    candidates = [
        Rule("ip", ip, _per_address, client_ip),
        # Zalo's servers send every citizen's events: only refused (unsigned, malformed) requests count per IP
        Rule(
            "zalo-refused",
            ip,
            lambda: request.endpoint == ZALO_ENDPOINT,
            client_ip,
            counts=lambda response: response.status_code >= 400,
        ),
        Rule("conversation", conversation, lambda: post() and request.endpoint in MESSAGE_ENDPOINTS, conversation_key),
        Rule(
            "conversation",
            conversation,
            lambda: post() and request.endpoint == ZALO_ENDPOINT,
            conversation_key,
            counts=lambda response: response.status_code < 400,
        ),
        Rule("poll", items("poll"), lambda: request.method == "GET" and request.endpoint == POLL_ENDPOINT, poll_key),
        Rule(
            "login-ip",
            items("login_ip"),
            lambda: post() and request.endpoint == LOGIN_ENDPOINT,
            client_ip,
            counts=failed_login,
        ),
    ]
    return [rule for rule in candidates if rule.items]


class QuietMemoryStorage(MemoryStorage):
    """`limits`' memory storage (one worker's counters when there is no Redis), sweeping expired counters once a
    second instead of every 10 ms: the library starts a new timer thread 100 times a second under load and each
    one walks every counter, which was 4 % of the gateway's CPU (py-spy, issue #8). Expired counters are
    already ignored on read (`get` checks the expiry), so a slower sweep only keeps them in memory a little
    longer."""

    SWEEP_S = 1.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private 10 ms scheduler
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_S, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


class RateLimits:
    """The limits of one app: checked before each request, some counted after the answer."""

    def __init__(self, settings: Settings) -> None:
        self.rules = rules(settings)
        self.memory = MovingWindowRateLimiter(QuietMemoryStorage())
        self.shared: Optional[MovingWindowRateLimiter] = None
        if settings.redis_url:
            self.shared = MovingWindowRateLimiter(
                storage_from_string(settings.redis_url, socket_timeout=1, socket_connect_timeout=1, key_prefix=PREFIX)
            )
        self._redis_failed_at = -math.inf

    @property
    def storage(self):
        """Where counters live now (Redis or this worker's memory)."""
        return self._counter().storage

    def _counter(self) -> MovingWindowRateLimiter:
        if self.shared is not None and time.monotonic() - self._redis_failed_at > FALLBACK_S:
            return self.shared
        return self.memory

    def _run(self, call: Callable[[MovingWindowRateLimiter], object]):
        counter = self._counter()
        try:
            return call(counter)
        except Exception as exc:  # noqa: BLE001 - Redis down or slow: count in memory, never refuse for it
            if counter is self.memory:
                raise
            log.warning(
                "rate-limit storage failed (%s): counting in this worker's memory for %.0f s",
                type(exc).__name__,
                FALLBACK_S,
            )
            self._redis_failed_at = time.monotonic()
            return call(self.memory)

    def _applicable(self) -> List[Tuple[Rule, str]]:
        out = []
        for rule in self.rules:
            if rule.applies():
                key = rule.key()
                if key:
                    out.append((rule, key))
        return out

    def before_request(self) -> Optional[Response]:
        """The 429 answer if a limit is reached; counts the requests that always count."""
        applicable = g._limits_applicable = self._applicable()  # after_request counts with the same keys
        for rule, key in applicable:
            for item in rule.items:
                if rule.counts is None:
                    allowed = self._run(lambda c: c.hit(item, rule.scope, key))
                else:
                    allowed = self._run(lambda c: c.test(item, rule.scope, key))
                if not allowed:
                    return self._refuse(rule, key, item)
        return None

    def after_request(self, response: Response) -> Response:
        """Count the answers that count only when they happen (a failed login, a refused Zalo request)."""
        if g.get("_rate_limited"):
            return response
        applicable = g.get("_limits_applicable")
        for rule, key in self._applicable() if applicable is None else applicable:
            if rule.counts is not None and rule.counts(response):
                for item in rule.items:
                    self._run(lambda c: c.hit(item, rule.scope, key))
        return response

    def _refuse(self, rule: Rule, key: str, item: RateLimitItem) -> Response:
        """The 429 answer: Vietnamese, with Retry-After (seconds, never longer than the window itself)."""
        try:
            reset_at = self._run(lambda c: c.get_window_stats(item, rule.scope, key)).reset_time
        except Exception:  # noqa: BLE001 - the window's end is unknown: say the whole window
            reset_at = time.time() + item.get_expiry()
        wait = max(1, min(math.ceil(reset_at - time.time()), item.get_expiry()))
        if request.endpoint == LOGIN_ENDPOINT:
            message = safe_text(lambda t: t.rejected("login_rate_limited", minutes=max(1, math.ceil(wait / 60))))
        else:
            message = safe_text(lambda t: t.rejected("rate_limited", wait=wait))
        log.warning("rate limit %s (%s) reached on %s", item, rule.scope, request.path)
        g._rate_limited = True  # this refusal is not itself an answer that counts
        return error_answer(429, "rate_limited", message, retry_after=wait)

    def admit(self, scope: str, items: Tuple[RateLimitItem, ...], key: str) -> int:
        """A limit on events rather than requests (gateway.services.admission: new conversations, handoff requests
        per address): 0 when one more fits in every item (and it is counted), else the seconds until it does."""
        for item in items:
            if not self._run(lambda c: c.test(item, scope, key)):
                try:
                    reset_at = self._run(lambda c: c.get_window_stats(item, scope, key)).reset_time
                except Exception:  # noqa: BLE001 - the window's end is unknown: say the whole window
                    reset_at = time.time() + item.get_expiry()
                return max(1, min(math.ceil(reset_at - time.time()), item.get_expiry()))
        for item in items:
            self._run(lambda c: c.hit(item, scope, key))
        return 0


def init_rate_limits(app: Flask, settings: Settings) -> Optional[RateLimits]:
    """Check every request against the limits (nothing when RATE_LIMITS=off)."""
    if not settings.rate_limits_enabled:
        return None
    limits = RateLimits(settings)
    app.before_request(limits.before_request)
    app.after_request(limits.after_request)
    app.extensions["vneid_limiter"] = limits
    return limits
