"""Administration pages of the console (admins only): staff accounts, working hours, the outage notice, audit log.

Every route is wrapped in `admin_required` (login, then the admin role: 403 otherwise); every form carries the
CSRF token and ends in a redirect. The rules and the audit entries live in gateway.services.admin.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from gateway.blueprints.auth import admin_required
from gateway.blueprints.common import services
from gateway.blueprints.console import me
from gateway.services import admin as admin_service
from gateway.services.admin import MAX_OUTAGE_CHARS, MAX_PERIODS, WAIT_MINUTES, WEEKDAYS, AdminError

bp = Blueprint("admin", __name__, url_prefix="/console/admin")

AUDIT_ACTIONS = {
    "login": "Đăng nhập", "login_failed": "Đăng nhập sai", "claim": "Nhận hỗ trợ", "reply": "Trả lời người dân",
    "return_to_bot": "Trả cho trợ lý", "resolve": "Kết thúc hỗ trợ", "staff_create": "Tạo tài khoản",
    "staff_deactivate": "Khóa tài khoản", "staff_activate": "Mở lại tài khoản",
    "staff_password_reset": "Đặt lại mật khẩu", "settings_hours": "Sửa giờ làm việc",
    "settings_outage": "Sửa thông báo sự cố", "content_edit": "Sửa nội dung hướng dẫn",
    "content_review": "Giữ nội dung đã sửa khi bản gốc đổi",
}
ROLES = {"staff": "Cán bộ", "admin": "Quản trị viên"}


@bp.errorhandler(403)
def forbidden(_error):
    """A page in the console's look for staff who are not admins."""
    return render_template("console/error.html", title="Không có quyền truy cập",
                           message="Trang này chỉ dành cho quản trị viên."), 403


@bp.get("/")
@admin_required
def index():
    """/console/admin/ → the staff accounts."""
    return redirect(url_for("admin.staff"))


@bp.get("/staff")
@admin_required
def staff():
    """Staff accounts: list, create, lock/unlock, reset password."""
    with services().db.session() as session:
        accounts = admin_service.list_staff(session)
        me_id = me(session).id
    return render_template("console/admin_staff.html", accounts=accounts, me_id=me_id, roles=ROLES,
                           form=request.args)


@bp.post("/staff")
@admin_required
def create_staff():
    """Create an account."""
    form = request.form
    try:
        with services().db.session() as session:
            created = admin_service.create_staff(session, me(session), form.get("username", ""),
                                                 form.get("display_name", ""), form.get("password", ""),
                                                 form.get("role", "staff"))
            name = created.username
    except AdminError as exc:
        flash(f"Chưa tạo được tài khoản: {exc}", "error")
        with services().db.session() as session:
            accounts = admin_service.list_staff(session)
            me_id = me(session).id
        return render_template("console/admin_staff.html", accounts=accounts, me_id=me_id, roles=ROLES,
                               form={"username": form.get("username", ""),
                                     "display_name": form.get("display_name", ""),
                                     "role": form.get("role", "staff")}), 400
    flash(f"Đã tạo tài khoản {name}.", "success")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/active")
@admin_required
def set_active(staff_id: int):
    """Lock (active=0) or unlock (active=1) an account."""
    active = request.form.get("active") == "1"
    try:
        with services().db.session() as session:
            account = admin_service.set_active(session, me(session), staff_id, active)
            name = account.username
    except AdminError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Đã mở lại tài khoản {name}." if active else f"Đã khóa tài khoản {name}.", "success")
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:staff_id>/password")
@admin_required
def reset_password(staff_id: int):
    """Set a new password for an account."""
    try:
        with services().db.session() as session:
            account = admin_service.reset_password(session, me(session), staff_id, request.form.get("password", ""))
            name = account.username
    except AdminError as exc:
        flash(f"Chưa đổi được mật khẩu: {exc}", "error")
    else:
        flash(f"Đã đặt mật khẩu mới cho {name}. Hãy báo trực tiếp cho người đó.", "success")
    return redirect(url_for("admin.staff"))


def _settings_page(status: int = 200, hours_form=None):
    with services().db.session() as session:
        current = admin_service.settings_view(session)
    return render_template("console/admin_settings.html", settings=current, weekdays=WEEKDAYS,
                           max_periods=MAX_PERIODS, wait_range=WAIT_MINUTES, max_outage=MAX_OUTAGE_CHARS,
                           hours_form=hours_form), status


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
    except AdminError as exc:
        flash(f"Chưa lưu: {exc}", "error")
        return _settings_page(400, hours_form={"days": form.getlist("days"), "periods": periods,
                                               "holidays": form.get("holidays", ""),
                                               "wait_minutes": form.get("wait_minutes", "")})
    flash("Đã lưu giờ làm việc.", "success")
    return redirect(url_for("admin.settings"))


@bp.post("/settings/outage")
@admin_required
def save_outage():
    """Switch the outage notice on or off, with its text."""
    on = request.form.get("on") == "1"
    try:
        with services().db.session() as session:
            admin_service.save_outage(session, me(session), on, request.form.get("text", ""))
    except AdminError as exc:
        flash(f"Chưa lưu: {exc}", "error")
        return redirect(url_for("admin.settings") + "#outage")
    flash("Đã BẬT thông báo sự cố: trợ lý sẽ báo cho người dân." if on else "Đã TẮT thông báo sự cố.", "success")
    return redirect(url_for("admin.settings") + "#outage")


@bp.get("/audit")
@admin_required
def audit_log():
    """The latest audit entries."""
    with services().db.session() as session:
        entries = [{"at": e.at, "who": e.staff.display_name if e.staff else None, "action": e.action,
                    "target": e.target, "detail": e.detail} for e in admin_service.recent_audit(session)]
    return render_template("console/admin_audit.html", entries=entries, actions=AUDIT_ACTIONS)
