"""Administration pages of the console (admins only): staff accounts, working hours, the outage notice, audit log.

Every route is wrapped in `admin_required` (login, then the admin role: 403 otherwise); every form carries the
CSRF token and ends in a redirect. The rules and the audit entries live in gateway.services.admin.

A commune's admin sees and changes only its commune's accounts, settings, audit entries and transcript openings;
another commune's account ids answer 404 (gateway/services/scope.py). A province admin sees all of them, picks the
commune of a new account, and may narrow the audit and access pages to one commune (`?commune=<id>`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.blueprints.auth import admin_required, current_session_id
from gateway.blueprints.console.layout import access_refused
from gateway.blueprints.console.viewer import commune_choice, me
from gateway.services import access_log, scope
from gateway.services import admin as admin_service
from gateway.services.admin import MAX_OUTAGE_CHARS, MAX_PERIODS, WAIT_MINUTES
from gateway.services.texts import StaffError
from gateway.web.current import services
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("admin", __name__, url_prefix="/console/admin"))


def _words(group: str):
    return services().texts.staff(group)


def _say(key: str, **fields) -> str:
    """A sentence of content/staff.yml `admin_done`."""
    return services().texts.staff_label("admin_done", key, **fields)


def _reason(exc: StaffError) -> str:
    return services().texts.explain(exc)


@bp.errorhandler(403)
def forbidden(_error):
    """A page in the console's look for staff who are not admins."""
    return access_refused("admin_only")


def _visible_or_404(staff_id: int) -> None:
    """404 for an account the admin does not manage (another commune's), as for one that does not exist."""
    with services().db.session() as session:
        if scope.visible_staff(session, me(session), staff_id) is None:
            abort(404)


def _staff_page(form, status: int = 200):
    with services().db.session() as session:
        viewer = me(session)
        accounts = admin_service.list_staff(session, viewer)
        me_id, province = viewer.id, viewer.is_province
    communes = services().communes.all() if province else []
    names = {c.id: c.name for c in communes}
    return render_template(
        "console/admin_staff.html",
        accounts=accounts,
        me_id=me_id,
        roles=_words("roles"),
        form=form,
        communes=communes,
        commune_names=names,
        province=province,
    ), status


@bp.get("/")
@admin_required
def index():
    """/console/admin/ → the staff accounts."""
    return redirect(url_for("admin.staff"))


@bp.get("/staff")
@admin_required
def staff():
    """Staff accounts (of the admin's commune; a province admin: every one): list, create, lock/unlock, reset
    password."""
    return _staff_page(request.args)


@bp.post("/staff")
@admin_required
def create_staff():
    """Create an account."""
    form = request.form
    try:
        commune_id = _chosen_commune(form.get("commune", ""))
        with services().db.session() as session:
            created = admin_service.create_staff(
                session,
                me(session),
                form.get("username", ""),
                form.get("display_name", ""),
                form.get("password", ""),
                form.get("role", "staff"),
                commune_id,
            )
            name = created.username
    except StaffError as exc:
        flash(_say("create_failed", reason=_reason(exc)), "error")
        return _staff_page(
            {
                "username": form.get("username", ""),
                "display_name": form.get("display_name", ""),
                "role": form.get("role", "staff"),
                "commune": form.get("commune", ""),
            },
            400,
        )
    flash(_say("created", name=name), "success")
    return redirect(url_for("admin.staff"))


def _chosen_commune(value: str):
    """The commune a province admin picked for a new account ("": none, the province); AdminError for one that
    does not exist. A commune admin's choice is ignored (gateway.services.admin.create_staff)."""
    value = (value or "").strip()
    if not value:
        return None
    info = services().communes.by_id(int(value)) if value.isascii() and value.isdigit() and len(value) <= 9 else None
    if info is None:
        raise admin_service.AdminError("bad_commune")
    return info.id


@bp.post("/staff/<int:staff_id>/active")
@admin_required
def set_active(staff_id: int):
    """Lock (active=0) or unlock (active=1) an account."""
    _visible_or_404(staff_id)
    active = request.form.get("active") == "1"
    try:
        with services().db.session() as session:
            account = admin_service.set_active(session, me(session), staff_id, active)
            name = account.username
    except StaffError as exc:
        flash(_reason(exc), "error")
    else:
        flash(_say("activated" if active else "deactivated", name=name), "success")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/password")
@admin_required
def reset_password(staff_id: int):
    """Set a new password for an account."""
    _visible_or_404(staff_id)
    try:
        with services().db.session() as session:
            account = admin_service.reset_password(
                session, me(session), staff_id, request.form.get("password", ""), actor_session=current_session_id()
            )
            name = account.username
    except StaffError as exc:
        flash(_say("password_failed", reason=_reason(exc)), "error")
    else:
        flash(_say("password_set", name=name), "success")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/role")
@admin_required
def set_role(staff_id: int):
    """Change an account's role (its sessions end)."""
    _visible_or_404(staff_id)
    try:
        with services().db.session() as session:
            account = admin_service.set_role(session, me(session), staff_id, request.form.get("role", ""))
            name, role = account.username, account.role
    except StaffError as exc:
        flash(_say("role_failed", reason=_reason(exc)), "error")
    else:
        flash(_say("role_set", name=name, role=_words("roles").get(role, role)), "success")
    return redirect(url_for("admin.staff"))


def _settings_page(status: int = 200, hours_form=None):
    with services().db.session() as session:
        current = admin_service.settings_view(session, me(session).commune_id)
    return render_template(
        "console/admin_settings.html",
        settings=current,
        weekdays=list(_words("weekdays").values()),
        max_periods=MAX_PERIODS,
        wait_range=WAIT_MINUTES,
        max_outage=MAX_OUTAGE_CHARS,
        hours_form=hours_form,
    ), status


@bp.get("/settings")
@admin_required
def settings():
    """Working hours, holidays, announced wait, outage notice."""
    return _settings_page()


@bp.post("/settings/hours")
@admin_required
def save_hours():
    """Save working days, periods, holidays and the announced wait."""
    form = request.form
    periods = [(form.get(f"start{i}", ""), form.get(f"end{i}", "")) for i in range(1, MAX_PERIODS + 1)]
    try:
        schedule = admin_service.schedule_from_form(form.getlist("days"), periods, form.get("holidays", ""))
        minutes = admin_service.parse_wait_minutes(form.get("wait_minutes", ""))
        with services().db.session() as session:
            admin_service.save_hours(session, me(session), schedule, minutes)
    except StaffError as exc:
        flash(_say("not_saved", reason=_reason(exc)), "error")
        return _settings_page(
            400,
            hours_form={
                "days": form.getlist("days"),
                "periods": periods,
                "holidays": form.get("holidays", ""),
                "wait_minutes": form.get("wait_minutes", ""),
            },
        )
    flash(_say("hours_saved"), "success")
    return redirect(url_for("admin.settings"))


@bp.post("/settings/outage")
@admin_required
def save_outage():
    """Switch the outage notice on or off, with its text."""
    on = request.form.get("on") == "1"
    try:
        with services().db.session() as session:
            admin_service.save_outage(session, me(session), on, request.form.get("text", ""))
    except StaffError as exc:
        flash(_say("not_saved", reason=_reason(exc)), "error")
        return redirect(url_for("admin.settings") + "#outage")
    flash(_say("outage_on" if on else "outage_off"), "success")
    return redirect(url_for("admin.settings") + "#outage")


@bp.get("/access")
@admin_required
def access():
    """Who opened which citizen's conversation, and when (gateway.services.access_log): filter by staff member
    (`staff`, an account id) and conversation (`conversation`, its number)."""
    chosen = {name: request.args.get(name, "").strip() for name in ("staff", "conversation")}
    errors = [
        _words("access_log")[f"bad_{name}"]
        for name, value in chosen.items()
        if value and not (value.isascii() and value.isdigit() and len(value) <= 9)
    ]
    with services().db.session() as session:
        viewer = me(session)
        choice = commune_choice(viewer)
        accounts = admin_service.list_staff(session, viewer, choice["chosen"])
        openings = (
            []
            if errors
            else access_log.recent(
                session,
                viewer,
                staff_id=int(chosen["staff"]) if chosen["staff"] else None,
                conversation_id=int(chosen["conversation"]) if chosen["conversation"] else None,
                only=choice["chosen"],
            )
        )
    intro = services().texts.staff_label("access_log", "intro", window=int(access_log.WINDOW.total_seconds() // 60))
    return render_template(
        "console/admin_access.html",
        openings=openings,
        accounts=accounts,
        chosen=chosen,
        errors=errors,
        intro=intro,
        communes=choice,
    ), 400 if errors else 200


@bp.get("/audit")
@admin_required
def audit_log():
    """The latest audit entries (of the admin's commune; a province admin: every one, or one commune's)."""
    with services().db.session() as session:
        viewer = me(session)
        choice = commune_choice(viewer)
        entries = [
            {
                "at": e.at,
                "who": e.staff.display_name if e.staff else None,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
            }
            for e in admin_service.recent_audit(session, viewer, only=choice["chosen"])
        ]
    return render_template(
        "console/admin_audit.html", entries=entries, actions=_words("audit_actions"), communes=choice
    )
