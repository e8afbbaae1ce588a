"""What keeps the gateway standing under load and faults (issue #8): rate limits (`gateway.rate_limits`), limits per
address on new conversations and handoff requests (`gateway.services.admission`, issue 17), the client address
behind a reverse proxy, and an honest retryable answer when the database is down.

The per-IP limit is generous because many citizens share one address behind a mobile carrier's NAT; behind nginx
set PROXY_COUNT=1 so the address is the citizen's (X-Forwarded-For), not the proxy's.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.config import Settings
from gateway.rate_limits import init_rate_limits
from gateway.services.admission import Admission
from gateway.web.answers import error_answer, safe_text

log = logging.getLogger(__name__)


def init_app(app: Flask, settings: Settings) -> None:
    """Proxy headers, rate limits, the database-down answer."""
    if settings.proxy_count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count)
    limits = init_rate_limits(app, settings)
    app.extensions["vneid"].admission = Admission(limits, settings) if limits is not None else None

    def database_down(exc):
        log.error("database unavailable: %s", type(exc).__name__)
        return error_answer(503, "unavailable", safe_text(lambda t: t.text("bot_unavailable")), retry_after=30)

    for exc_class in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.register_error_handler(exc_class, database_down)
