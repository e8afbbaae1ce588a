"""Editing the guide content from the console (admins only): step texts, remedies, illustrations, the hotline,
working hours, "last checked" dates, button titles. Edit → preview → save; every save is validated again, written
to the overrides file (live for the next citizen message, no retraining, no restart) and audited.

GET  /console/content/                 every editable field, what changed, the latest edits
GET  /console/content/edit?key=<key>   the form for one field (key: `guide:flows.A.steps.0.text`, …)
POST /console/content/edit             the form again with a value (from the preview's "Sửa lại")
POST /console/content/preview          validate and show what citizens will read
POST /console/content/save             save what was previewed (signed), then back to the list

A commune's admin edits its commune's own file (var/content-overrides.d/<slug>.yml), over the province's, and sees
its commune's text and its commune's edits; a province admin edits the province's file, which every commune reads
(gateway/services/content_edit.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from gateway.blueprints.auth import admin_required
from gateway.blueprints.console.layout import access_refused
from gateway.models import AuditLog, Staff
from gateway.services import content_edit as ce
from gateway.services import scope
from gateway.web.current import services
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("content_admin", __name__, url_prefix="/console/content"))


@bp.errorhandler(403)
def forbidden(_error):
    return access_refused("content_only")


def _texts():
    return services().texts


def _say(key: str, **fields: Any) -> str:
    """A sentence of content/staff.yml `content_admin`."""
    return _texts().staff_label("content_admin", key, **fields)


def _paths():
    svc = services()
    return svc.settings.content_dir, svc.settings.content_overrides


def _commune():
    """The slug of the commune whose file the admin edits (None: a province admin, the province's file)."""
    commune_id = getattr(current_user, "commune_id", None)
    info = services().communes.by_id(commune_id) if commune_id is not None else None
    return info.slug if info is not None else None


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _illustrations() -> List[str]:
    return ce.illustration_files(services().settings.illustrations_dir)


def _me(session) -> Staff:
    staff = session.get(Staff, current_user.id)
    if staff is None:
        abort(403)
    return staff


def _field(key: str) -> ce.Field:
    content_dir, overrides = _paths()
    try:
        return ce.find_field(content_dir, overrides, key, _texts(), _commune())
    except ce.EditError:
        abort(404)


def _recent_edits(labels: Dict[str, str], limit: int = 15) -> List[Dict[str, Any]]:
    with services().db.session() as session:
        rows = session.scalars(
            scope.audit(select(AuditLog), _me(session))
            .where(AuditLog.action == "content_edit")
            .order_by(AuditLog.id.desc())
            .limit(limit)
        ).all()
        return [
            {
                "at": r.at,
                "who": r.staff.display_name if r.staff else "?",
                "key": r.target,
                "label": labels.get(r.target or "", r.target),
                "old": (r.detail or {}).get("old"),
                "new": (r.detail or {}).get("new"),
                "reverted": (r.detail or {}).get("reverted_to_default"),
            }
            for r in rows
        ]


@bp.get("/")
@admin_required
def index():
    """Every editable field, grouped; the latest edits."""
    content_dir, overrides = _paths()
    try:
        fields = ce.fields(content_dir, overrides, _texts(), _commune())
    except ce.EditError as exc:
        flash(str(exc), "error")
        fields = []
    groups: Dict[str, Dict[str, Any]] = {}
    for f in fields:
        groups.setdefault(f.group, {"id": f.group, "title": f.group_title, "fields": []})["fields"].append(f)
    labels = {f.key: f"{f.group_title} › {f.label}" for f in fields}
    return render_template(
        "content_admin/index.html",
        groups=list(groups.values()),
        note=_say("retrain_note"),
        recent=_recent_edits(labels),
        overridden=sum(1 for f in fields if f.overridden),
        stale=[f for f in fields if f.stale],
    )


def _edit_page(spec: ce.Field, value: Any, base: str, errors: List[str] = (), status: int = 200):
    return render_template(
        "content_admin/edit.html",
        field=spec,
        value=value,
        base=base,
        errors=list(errors),
        illustrations=_illustrations(),
        note=_say("retrain_note"),
    ), status


@bp.get("/edit")
@admin_required
def edit():
    """The form for one field, with the current value."""
    spec = _field(request.args.get("key", ""))
    return _edit_page(spec, spec.current, ce.sign(_secret(), spec.key, spec.current))[0]


@bp.post("/edit")
@admin_required
def edit_again():
    """The form again with the value from the preview page."""
    spec = _field(request.form.get("key", ""))
    return _edit_page(spec, request.form.get("value", ""), request.form.get("base", ""))[0]


def _preview_page(
    spec: ce.Field, value: str, base: str, warnings: List[str], errors: List[str] = (), status: int = 200
):
    guide = _texts().guide  # as the editor's citizens read it now (the request speaks for the admin's commune)
    return render_template(
        "content_admin/preview.html",
        field=spec,
        value=value,
        base=base,
        warnings=warnings,
        errors=list(errors),
        preview=ce.preview(guide, spec, value, _texts()),
        signature=ce.sign(_secret(), "preview", spec.key, value),
        note=_say("retrain_note"),
    ), status


@bp.post("/preview")
@admin_required
def preview():
    """Validate, then show what citizens will read."""
    spec = _field(request.form.get("key", ""))
    base = request.form.get("base", "")
    try:
        value, warnings = ce.validate(spec, request.form.get("value", ""), _illustrations(), texts=_texts())
    except ce.EditError as exc:
        return _edit_page(spec, request.form.get("value", ""), base, [str(exc)], 400)
    return _preview_page(spec, value, base, warnings)


@bp.post("/save")
@admin_required
def save():
    """Save the previewed value: validated again, written atomically, audited."""
    spec = _field(request.form.get("key", ""))
    value, base = request.form.get("value", ""), request.form.get("base", "")
    if not ce.check_signature(_secret(), request.form.get("signature", ""), "preview", spec.key, value):
        try:
            value, warnings = ce.validate(spec, value, _illustrations(), texts=_texts())
        except ce.EditError as exc:
            return _edit_page(spec, value, base, [str(exc)], 400)
        return _preview_page(spec, value, base, warnings, [_say("preview_first")], 400)
    content_dir, overrides = _paths()
    try:
        with services().db.session() as session:
            change = ce.save(
                session,
                _me(session),
                content_dir,
                overrides,
                spec.key,
                value,
                base,
                _secret(),
                _illustrations(),
                texts=_texts(),
                commune=_commune(),
            )
    except ce.Conflict as exc:
        fresh = _field(spec.key)
        return _edit_page(fresh, value, ce.sign(_secret(), fresh.key, fresh.current), [str(exc)], 409)
    except ce.EditError as exc:
        return _edit_page(spec, value, base, [str(exc)], 400)
    if change["changed"]:
        flash(_say("saved", group=spec.group_title, label=spec.label), "success")
    elif change["reviewed"]:
        flash(_say("reviewed", group=spec.group_title, label=spec.label), "success")
    else:
        flash(_say("unchanged"), "info")
    return redirect(url_for("content_admin.index") + f"#{spec.group}")
