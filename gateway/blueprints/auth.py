"""Staff login and logout (Flask-Login, argon2 hashes, CSRF on the form)."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from gateway.blueprints.common import services
from gateway.models import Staff
from gateway.services import audit, staff_accounts

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()


def init_app(app) -> None:
    """Attach Flask-Login to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"  # no login_message: `unauthorized` below answers, Flask-Login flashes none
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    """The staff member of the session, if still active."""
    with services().db.session() as session:
        staff = session.get(Staff, int(user_id)) if user_id.isdigit() else None
        return staff if staff is not None and staff.active else None


@login_manager.unauthorized_handler
def unauthorized():
    """JSON 401 for the API, a redirect to the login page for pages."""
    if request.path.startswith("/api/"):
        from gateway.blueprints.common import error

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


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form."""
    error = None
    if request.method == "POST":
        with services().db.session() as session:
            staff = staff_accounts.authenticate(session, request.form.get("username", ""),
                                                request.form.get("password", ""))
            audit.record(session, staff.id if staff else None, "login" if staff else "login_failed",
                         detail={"username": request.form.get("username", "")[:64]})
        if staff is not None:
            login_user(staff)
            return redirect(_safe_next(request.args.get("next", "")))
        error = services().texts.staff_label("access", "bad_login")
    return render_template("console/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    logout_user()
    flash(services().texts.staff_label("access", "logged_out"))
    return redirect(url_for("auth.login"))
