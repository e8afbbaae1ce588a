"""Admin page "Phiên đăng nhập": the staff sessions open now (end one, or all of an account's) and the waits failed
logins put on accounts (lift them). Admins only; every form carries the CSRF token and ends in a redirect; the
rules and the audit entries are in gateway.services.admin_sessions, the words in content/staff.yml
`staff_sessions`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.blueprints.auth import admin_required, current_session_id
from gateway.blueprints.console.layout import access_refused
from gateway.blueprints.console.viewer import me
from gateway.services import admin_sessions, scope
from gateway.services.texts import StaffError
from gateway.web.current import services
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("admin_sessions", __name__, url_prefix="/console/admin"))


def _say(key: str, **fields) -> str:
    """A sentence of content/staff.yml `staff_sessions`."""
    return services().texts.staff_label("staff_sessions", key, **fields)


@bp.errorhandler(403)
def forbidden(_error):
    """A page in the console's look for staff who are not admins."""
    return access_refused("admin_only")


@bp.get("/sessions")
@admin_required
def page():
    """The sessions open now and the accounts' login waits."""
    svc = services()
    with svc.db.session() as session:
        view = admin_sessions.overview(session, svc.settings, me(session))
    intro = _say("intro", idle=svc.settings.staff_session_idle_minutes, hours=svc.settings.staff_session_max_hours)
    return render_template(
        "console/admin_sessions.html",
        words=svc.texts.staff("staff_sessions"),
        intro=intro,
        mine=current_session_id(),
        **view,
    )


@bp.post("/sessions/end")
@admin_required
def end_one():
    """End one session (form field `session`: its number)."""
    number = request.form.get("session", "")
    if not (number.isascii() and number.isdigit() and len(number) <= 18):
        flash(_say("not_found"), "error")
        return redirect(url_for("admin_sessions.page"))
    with services().db.session() as session:
        staff = admin_sessions.end_session(session, me(session), int(number))
        name = staff.username if staff is not None else None
    flash(_say("ended_one", name=name) if name else _say("not_found"), "success" if name else "error")
    return redirect(url_for("admin_sessions.page"))


@bp.post("/staff/<int:staff_id>/sessions/end")
@admin_required
def end_account(staff_id: int):
    """End every session of an account."""
    return _on_account(admin_sessions.end_account_sessions, staff_id, "ended_all")


@bp.post("/staff/<int:staff_id>/unlock")
@admin_required
def unlock(staff_id: int):
    """Lift the login waits of an account."""
    return _on_account(admin_sessions.unlock, staff_id, "unlocked")


def _on_account(action, staff_id: int, done: str):
    """Run an admin action on one account; say what was done or why it was refused; back to the page. An account
    the admin does not manage (another commune's) is not found: 404."""
    with services().db.session() as session:
        if scope.visible_staff(session, me(session), staff_id) is None:
            abort(404)
    try:
        with services().db.session() as session:
            name = action(session, me(session), staff_id).username
    except StaffError as exc:
        flash(services().texts.explain(exc), "error")
    else:
        flash(_say(done, name=name), "success")
    return redirect(url_for("admin_sessions.page"))
