"""The gateway: the only part of Trợ lý VNeID reachable from outside (Flask app factory)."""

from __future__ import annotations

import logging
from typing import Optional

from flask import Flask
from flask.logging import default_handler, has_level_handler
from flask_wtf.csrf import CSRFError, CSRFProtect

from gateway import keys, web_words
from gateway.config import Settings
from gateway.db import Database
from gateway.rasa_client import RasaClient
from gateway.services.container import Services
from gateway.services.texts import Texts
from gateway.staff_sessions import StaffSessions
from gateway.web.endpoints import NO_STORE, STAFF, WIDGET, has_mark

csrf = CSRFProtect()

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(settings: Optional[Settings] = None) -> Flask:
    """Build the app: settings (environment by default), database, Rasa client, blueprints, security."""
    settings = settings or Settings.from_env()
    keys.resolve(settings)  # SECRET_KEY, RASA_TOKEN, the Zalo seal: from the environment or the var directory
    settings.check()
    app = Flask(__name__)
    from gateway.web.ids import BoundedInt

    app.url_map.converters["int"] = BoundedInt  # before any route: ids past SQL's BIGINT are 404, never a 500
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.session_interface = StaffSessions()
    services = Services(
        settings=settings,
        db=Database(settings.database_url),
        rasa=RasaClient(settings.rasa_url, settings.rasa_token, settings.action_server_url, settings.rasa_timeout_s),
        texts=Texts(settings.content_dir, settings.content_overrides),
    )
    app.extensions["vneid"] = services
    csrf.init_app(app)
    web_words.init_app(app)  # say('group.key') and staff_words(...) in templates

    from gateway.blueprints import admin, admin_sessions, auth, console, public_api, rest, staff_api, widget

    auth.init_app(app)
    app.register_blueprint(rest.bp)
    app.register_blueprint(public_api.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff_api.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_sessions.bp)
    app.register_blueprint(widget.bp)
    # hotline script aid, analytics, content editing
    from gateway.blueprints import analytics, content_admin, script_aid

    app.register_blueprint(script_aid.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(content_admin.bp)
    from gateway.blueprints import communes_admin  # the communes page

    app.register_blueprint(communes_admin.bp)
    csrf.exempt(rest.bp)
    csrf.exempt(public_api.bp)
    csrf.exempt(widget.bp)

    from gateway import cli
    from gateway.channels import zalo

    cli.register(app)
    zalo.init_app(app, csrf)  # `flask zalo-check`; the webhook (CSRF-exempt) only when ZALO_OA_SECRET_KEY is set
    _register_errors(app)
    from gateway import hardening

    hardening.init_app(app, settings)  # rate limits, proxy headers, a retryable 503 when the database is down

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if has_mark(STAFF, NO_STORE):  # staff pages and APIs, the login form, the widget's API
            response.headers["Cache-Control"] = "no-store"
        if has_mark(WIDGET):  # what the widget calls from a commune's own site
            widget.cors(response)
        return response

    _log_to_stderr()
    return app


def _log_to_stderr() -> None:
    """The gateway's INFO lines (a retried message answered from the tracker store, a Rasa turn rewound, Zalo token
    refreshes, …) with time and level on stderr, where gunicorn and systemd collect them. Python alone would print
    only WARNING and above, bare, until something first touched `app.logger`; logging configured by the host (a
    handler on the gateway logger or the root) is left as it is."""
    gateway_log = logging.getLogger("gateway")
    gateway_log.setLevel(logging.INFO)
    if not has_level_handler(gateway_log):
        gateway_log.addHandler(default_handler)


def _register_errors(app: Flask) -> None:
    """Generic HTTP errors as JSON (API, webhooks) or a short page; wording in content/messages.yml `rejected:`."""
    from gateway.web.answers import error_answer, safe_text

    def error(status: int, code: str):
        return error_answer(status, code, safe_text(lambda texts: texts.rejected(code)))

    app.register_error_handler(400, lambda e: error(400, "bad_request"))
    app.register_error_handler(CSRFError, lambda e: error(400, "csrf"))
    app.register_error_handler(404, lambda e: error(404, "not_found"))
    app.register_error_handler(405, lambda e: error(405, "method_not_allowed"))
    app.register_error_handler(413, lambda e: error(413, "too_large"))
    app.register_error_handler(500, lambda e: error(500, "internal"))
