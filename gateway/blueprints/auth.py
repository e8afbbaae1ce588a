"""Staff login and logout (Flask-Login, argon2 hashes, CSRF on the form).

Sessions live on the server (gateway/services/login_sessions.py): the cookie carries the session's id (`_sid`) and
every request checks its record, so a copied cookie dies with the session. Every login and logout starts a new
cookie session, with a new CSRF secret. Failed logins slow the address down (gateway/services/login_guard.py).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from gateway.models import Staff
from gateway.services import audit, login_sessions, staff_login, tenant
from gateway.web.answers import error
from gateway.web.current import services
from gateway.web.endpoints import JSON, NO_STORE, STAFF, has_mark, marked

bp = marked(NO_STORE)(Blueprint("auth", __name__, url_prefix="/auth"))
login_manager = LoginManager()
SESSION_ID = "_sid"  # the cookie session's key holding the server-side session's id


def init_app(app) -> None:
    """Attach Flask-Login to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"  # no login_message: `unauthorized` below answers, Flask-Login flashes none
    login_manager.session_protection = "strong"
    app.before_request(_speak_for_staff)
    app.teardown_request(_stop_speaking)


def _speak_for_staff() -> None:
    """Words of a staff request (a blueprint marked STAFF) name the staff member's commune (a province account: the
    province's defaults); what they may see is gateway/services/scope.py's business, not this. Reset at teardown
    (threads are reused)."""
    if not has_mark(STAFF) or not current_user.is_authenticated:
        return
    commune_id = getattr(current_user, "commune_id", None)
    g.tenant_token = tenant.enter(services().communes.by_id(commune_id) if commune_id is not None else None)


def _stop_speaking(_exc=None) -> None:
    tenant.leave(g.pop("tenant_token", None))


@login_manager.user_loader
def load_user(user_id: str):
    """The staff member of the session, while the account is active and the session's record live."""
    svc = services()
    with svc.db.session() as session:
        staff = session.get(Staff, int(user_id)) if user_id.isdigit() else None
        record = login_sessions.check(session, cookie.get(SESSION_ID), staff, svc.settings) if staff else None
        if record is None:
            return None
        g.staff_session_id = record.id
        return staff


def current_session_id():
    """The record id of this request's staff session (None when nobody is logged in)."""
    return g.get("staff_session_id") if current_user.is_authenticated else None


@login_manager.unauthorized_handler
def unauthorized():
    """JSON 401 for the API, a redirect to the login page for pages."""
    if has_mark(JSON):
        return error(401, "login_required", services().texts.staff_label("access", "login_required"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # keeps ?flow=&step=


def admin_required(view):
    """Only admins (403 otherwise)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str) -> str:
    parsed = urlparse(target or "")
    if parsed.scheme or parsed.netloc or not (target or "").startswith("/") or (target or "").startswith("//"):
        return url_for("console.queue")
    return target


def _fresh_cookie_session() -> None:
    """Drop everything the cookie session held (user, session id, CSRF secret): the next token is a new one."""
    cookie.clear()
    g.pop("csrf_token", None)  # Flask-WTF's token cached for this request


def _delayed(wait_s: int) -> str:
    texts = services().texts
    if wait_s < 120:
        return texts.staff_label("access", "login_delayed", seconds=wait_s)
    return texts.staff_label("access", "login_delayed_minutes", minutes=-(-wait_s // 60))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a login starts a new session (new id, new CSRF secret)."""
    error, status, headers = None, 200, {}
    if request.method == "POST":
        svc = services()
        with svc.db.session() as session:
            result = staff_login.attempt(
                svc,
                session,
                request.form.get("username", ""),
                request.form.get("password", ""),
                request.remote_addr or "unknown",
                request.user_agent.string,
            )
        if result.staff is not None:
            _fresh_cookie_session()
            cookie[SESSION_ID] = result.token
            login_user(result.staff)
            return redirect(_safe_next(request.args.get("next", "")))
        if result.wait_s:
            error, status, headers = _delayed(result.wait_s), 429, {"Retry-After": str(result.wait_s)}
        else:
            error, status = svc.texts.staff_label("access", "bad_login"), 401
    return render_template("console/login.html", error=error), status, headers


@bp.post("/logout")
@login_required
def logout():
    """End every session of this account (this browser's and any other's), then start afresh."""
    with services().db.session() as session:
        ended = login_sessions.end_all(session, current_user.id, "logout")
        audit.record(session, current_user.id, "logout", f"staff:{current_user.id}", {"sessions": ended})
    logout_user()
    _fresh_cookie_session()
    flash(services().texts.staff_label("access", "logged_out"))
    return redirect(url_for("auth.login"))
