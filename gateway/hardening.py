"""What keeps the gateway standing under load and faults (issue #8): rate limits (Flask-Limiter), the client
address behind a reverse proxy, and an honest retryable answer when the database is down.

Rate limits (429 with Retry-After and a Vietnamese message; `limits` notation, configurable by environment):
- RATE_LIMIT_CONVERSATION (10 per 10 s; 60 per min), per conversation (sender): POST /webhooks/rest/webhook, and
  the Zalo webhook (valid events only);
- RATE_LIMIT_IP (300 per min), per client address: /webhooks/*, /api/parse, /api/widget/* (the Zalo webhook counts
  only refused requests: Zalo's servers send every citizen's events);
- RATE_LIMIT_POLL (120 per min), per conversation: GET /api/widget/messages (the widget's polling);
- RATE_LIMIT_LOGIN_USER (5 per min; 20 per hour), per user name, and RATE_LIMIT_LOGIN_IP (30 per 10 min), per
  address: failed attempts at POST /auth/login.
Counters live in Redis when REDIS_URL is set (shared by every worker), in the worker's memory otherwise; if Redis
fails, the limiter falls back to memory and never turns a request into an error. RATE_LIMITS=off disables all.
The per-IP limit is generous because many citizens share one address behind a mobile carrier's NAT; behind nginx
set PROXY_COUNT=1 so the address is the citizen's (X-Forwarded-For), not the proxy's.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from typing import Optional

from flask import Flask, g, request
from flask_limiter import Limit, Limiter, RequestLimit
from limits.storage import MemoryStorage
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.blueprints.common import error_answer, json_body, safe_text
from gateway.config import Settings
from gateway.services.inbound import SENDER

log = logging.getLogger(__name__)

CITIZEN_PREFIXES = ("/webhooks/", "/api/widget/")
MESSAGE_PATHS = ("/webhooks/rest/webhook",)
ZALO_PATH = "/webhooks/zalo/webhook"
POLL_PATH = "/api/widget/messages"
LOGIN_PATH = "/auth/login"
def client_ip() -> str:
    """The client's address (the citizen's, when PROXY_COUNT trusted proxies are in front)."""
    return request.remote_addr or "unknown"


def _json_body() -> Optional[dict]:
    """The request's JSON object (parsed once, shared with the view), or None; never raises: malformed and too
    large bodies are the view's business (400/413)."""
    try:
        return json_body()
    except Exception:  # noqa: BLE001 - BadBody, RequestEntityTooLarge, …
        return None


def conversation_key() -> Optional[str]:
    """The conversation a message belongs to, or None when the request names none (the view refuses it)."""
    if "_limits_conversation" in g:
        return g._limits_conversation
    key = None
    body = _json_body()
    if body is not None:
        if request.path == ZALO_PATH:
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


def login_user_key() -> Optional[str]:
    try:
        name = (request.form.get("username") or "").strip().lower()[:64]
    except Exception:  # noqa: BLE001 - an unreadable form: the view refuses it
        name = ""
    if not name:
        return None
    import hashlib

    # hashed: the key appears in the limiter's log, and people type passwords into the user name field
    return "login:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _citizen_path() -> bool:
    return request.path.startswith(CITIZEN_PREFIXES) or request.path == "/api/parse"


def _limits(settings: Settings):
    failed_login = lambda response: response.status_code == 401  # noqa: E731 - only wrong passwords count
    refused = lambda response: response.status_code >= 400  # noqa: E731
    accepted = lambda response: response.status_code < 400  # noqa: E731
    candidates = [
        Limit(settings.rate_limit_ip, key_function=client_ip, scope="ip", shared=True,
              exempt_when=lambda: not _citizen_path() or request.path == ZALO_PATH),
        # Zalo's servers send every citizen's events: only refused (unsigned, malformed) requests count per IP
        Limit(settings.rate_limit_ip, key_function=client_ip, scope="zalo-refused", shared=True,
              exempt_when=lambda: request.path != ZALO_PATH, deduct_when=refused),
        Limit(settings.rate_limit_conversation, key_function=lambda: conversation_key() or "", scope="conversation",
              shared=True, methods=["POST"],
              exempt_when=lambda: request.path not in MESSAGE_PATHS or conversation_key() is None),
        Limit(settings.rate_limit_conversation, key_function=lambda: conversation_key() or "",
              scope="conversation", shared=True, methods=["POST"], deduct_when=accepted,
              exempt_when=lambda: request.path != ZALO_PATH or conversation_key() is None),
        Limit(settings.rate_limit_poll, key_function=lambda: poll_key() or "", scope="poll", shared=True,
              methods=["GET"], exempt_when=lambda: request.path != POLL_PATH or poll_key() is None),
        Limit(settings.rate_limit_login_ip, key_function=client_ip, scope="login-ip", shared=True,
              methods=["POST"], exempt_when=lambda: request.path != LOGIN_PATH, deduct_when=failed_login),
        Limit(settings.rate_limit_login_user, key_function=lambda: login_user_key() or "", scope="login-user",
              shared=True, methods=["POST"], deduct_when=failed_login,
              exempt_when=lambda: request.path != LOGIN_PATH or login_user_key() is None),
    ]
    return [limit for limit in candidates if limit.limit_provider]


def _breach(limit: RequestLimit):
    """The 429 answer: Vietnamese, with Retry-After (seconds)."""
    # reset_at is whole seconds, rounded up: never more than the window itself
    wait = max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
    if request.path == LOGIN_PATH:
        message = safe_text(lambda t: t.rejected("login_rate_limited", minutes=max(1, math.ceil(wait / 60))))
    else:
        message = safe_text(lambda t: t.rejected("rate_limited", wait=wait))
    log.warning("rate limit %s reached on %s", limit.limit, request.path)
    return error_answer(429, "rate_limited", message, retry_after=wait)


class QuietMemoryStorage(MemoryStorage):
    """`limits`' memory storage (one worker's counters when there is no Redis), sweeping expired counters once a
    second instead of every 10 ms: the library starts a new timer thread 100 times a second under load and each
    one walks every counter, which was 4 % of the gateway's CPU (py-spy, issue #8). Expired counters are
    already ignored on read (`get` checks the expiry), so a slower sweep only keeps them in memory a little
    longer."""

    STORAGE_SCHEME = ["vneid-memory"]
    SWEEP_S = 1.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private 10 ms scheduler
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_S, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


def init_limiter(app: Flask, settings: Settings) -> Optional[Limiter]:
    """Flask-Limiter on the citizen endpoints and the staff login.

    Moving window: exact ("3 per 10 seconds" means any 10 seconds). The sliding-window counter approximates with
    clock-aligned windows and let a 4th message through when the 3 before it straddled a window boundary."""
    if not settings.rate_limits_enabled:
        return None
    from limits import parse_many

    from gateway.config import ConfigError

    for name in ("conversation", "ip", "poll", "login_ip", "login_user"):
        value = getattr(settings, f"rate_limit_{name}")
        try:
            if value:
                parse_many(value)
        except ValueError as exc:
            raise ConfigError(f"RATE_LIMIT_{name.upper()}={value!r} is not a rate limit "
                              "(e.g. \"10 per 10 seconds;60 per minute\")") from exc
    storage = settings.redis_url or "vneid-memory://"
    options = {"socket_timeout": 1, "socket_connect_timeout": 1} if settings.redis_url else {}
    limiter = Limiter(client_ip, default_limits=_limits(settings), strategy="moving-window",
                      storage_uri=storage, storage_options=options, key_prefix="vneid", swallow_errors=True,
                      in_memory_fallback_enabled=True, headers_enabled=False, on_breach=_breach)
    limiter.init_app(app)
    app.extensions["vneid_limiter"] = limiter
    return limiter


def _warm_up(app: Flask) -> None:
    """Under a production server, build the privacy filter (spaCy, about 2 s) in the background as the worker
    starts, not in the first citizen's request. Tests and commands keep the lazy start."""
    import sys
    import threading

    if "gunicorn" not in sys.modules:
        return
    services = app.extensions["vneid"]
    threading.Thread(target=lambda: services.redactor, name="warm-up", daemon=True).start()


def init_app(app: Flask, settings: Settings) -> None:
    """Proxy headers, rate limits, the database-down answer, the worker's warm-up."""
    _warm_up(app)
    if settings.proxy_count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count)
    init_limiter(app, settings)

    def database_down(exc):
        log.error("database unavailable: %s", type(exc).__name__)
        return error_answer(503, "unavailable", safe_text(lambda t: t.text("bot_unavailable")), retry_after=30)

    for exc_class in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.register_error_handler(exc_class, database_down)
