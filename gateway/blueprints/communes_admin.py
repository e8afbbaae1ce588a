"""The communes page of the console (admins only): what each commune tells its citizens.

GET  /console/communes/              province admin: every commune (search `q`), the form to add one;
                                     commune admin: sent to their own commune's page
POST /console/communes/              province admin: add a commune (slug + name)
GET  /console/communes/<slug>        one commune's settings (hotline, address, working-hours text, portal) and a
                                     preview of what its citizens read; a commune admin's other communes: 404
POST /console/communes/<slug>        save them (audit `commune_settings`), then the registry reads the table again

Staff who are not admins get the console's 403 page. Every form carries the CSRF token and ends in a redirect.
The rules (what a setting may hold, what citizens read when one is missing) live in gateway/services/communes.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from vntext import normalize

from gateway.blueprints.auth import admin_required
from gateway.blueprints.console.layout import access_refused
from gateway.models import Staff
from gateway.services import audit, communes
from gateway.services.communes import CommuneInfo
from gateway.web.current import services
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("communes_admin", __name__, url_prefix="/console/communes"))

EDITABLE = ("hotline", "address", "working_hours", "portal")  # hotline_tel follows the hotline


@bp.errorhandler(403)
def forbidden(_error):
    """A page in the console's look for staff who are not admins."""
    return access_refused("communes_only")


def _words():
    return services().texts.staff("communes_admin")


def _say(key: str, **fields: Any) -> str:
    """A sentence of content/staff.yml `communes_admin`."""
    return services().texts.staff_label("communes_admin", key, **fields)


def _refusal(exc: communes.CommuneError) -> str:
    """Why a commune change was refused (content/staff.yml `communes`)."""
    return services().texts.staff_label("communes", exc.code, **exc.fields)


def _province() -> bool:
    return current_user.commune_id is None


def _visible(slug: str) -> CommuneInfo:
    """The commune of this slug if the admin may manage it (a province admin: any; a commune admin: their own),
    else 404 (never 403: another commune's page is not there for them)."""
    info = next((c for c in services().communes.all() if c.slug == slug), None)
    if info is None or not (_province() or info.id == current_user.commune_id):
        abort(404)
    return info


def matches(info: CommuneInfo, query: str) -> bool:
    """Whether a search (with or without Vietnamese marks, any case) finds this commune by name, slug, former
    names or Zalo OA id."""
    wanted = normalize.strip_diacritics(" ".join(query.split())).casefold()
    haystack = [info.name, info.slug, info.zalo_oa_id or "", *info.old_names]
    return not wanted or any(wanted in normalize.strip_diacritics(h).casefold() for h in haystack)


def preview(info: CommuneInfo) -> Dict[str, Any]:
    """What the commune's citizens read (communes.fields through the commune's guide), and the sentence that
    says it to the admin."""
    shown = services().texts.guide_for(info).commune
    return {
        "fields": shown,
        "line": _say(
            "preview",
            hotline=shown.get("hotline", ""),
            working_hours=shown.get("working_hours", ""),
            portal=shown.get("portal_host", ""),
        ),
        "hotline_confirmed": info.confirmed("hotline"),
        "hours_confirmed": info.confirmed("working_hours"),
    }


def _staff_counts() -> Dict[Optional[int], int]:
    with services().db.session() as session:
        return dict(
            session.execute(
                select(Staff.commune_id, func.count(Staff.id)).where(Staff.active.is_(True)).group_by(Staff.commune_id)
            ).all()
        )


def _index_page(status: int = 200, form: Optional[Dict[str, str]] = None):
    query = request.args.get("q", "")[:100]
    every = services().communes.all()
    shown: List[CommuneInfo] = [c for c in every if matches(c, query)]
    return render_template(
        "communes/index.html",
        communes=shown,
        total=len(every),
        query=query,
        staff_counts=_staff_counts(),
        words=_words(),
        kinds=services().texts.staff("commune_kinds"),
        portals=services().texts.staff("communes_portals"),
        choices=communes.PORTALS,
        form=form or {},
    ), status


@bp.get("/")
@admin_required
def index():
    """Every commune (province admin), or the admin's own commune's page."""
    if not _province():
        info = services().communes.by_id(current_user.commune_id)
        if info is None:
            abort(404)
        return redirect(url_for("communes_admin.edit", slug=info.slug))
    return _index_page()


@bp.post("/")
@admin_required
def add():
    """Add a commune (province admins only)."""
    if not _province():
        abort(403)
    form = {"slug": request.form.get("slug", "").strip(), "name": request.form.get("name", "")}
    svc = services()
    try:
        with svc.db.session() as session:
            row = communes.add(session, form["slug"], form["name"])
            slug, name = row.slug, row.name
            audit.record(
                session, current_user.id, "commune_added", f"commune:{slug}", {"name": name}, commune_id=row.id
            )
    except communes.CommuneError as exc:
        flash(_say("add_failed", reason=_refusal(exc)), "error")
        return _index_page(400, form)
    svc.communes.changed()
    flash(_say("added", name=name), "success")
    return redirect(url_for("communes_admin.edit", slug=slug))


def _edit_page(info: CommuneInfo, status: int = 200, form: Optional[Dict[str, str]] = None):
    with services().db.session() as session:
        staff_count = session.scalar(
            select(func.count(Staff.id)).where(Staff.commune_id == info.id, Staff.active.is_(True))
        )
    values = form if form is not None else {k: str(info.settings.get(k) or "") for k in EDITABLE}
    return render_template(
        "communes/edit.html",
        info=info,
        values=values,
        preview=preview(info),
        staff_count=staff_count,
        province=_province(),
        words=_words(),
        kinds=services().texts.staff("commune_kinds"),
        portals=services().texts.staff("communes_portals"),
        choices=communes.PORTALS,
    ), status


@bp.get("/<slug>")
@admin_required
def edit(slug: str):
    """One commune's settings and what its citizens read."""
    return _edit_page(_visible(slug))


@bp.post("/<slug>")
@admin_required
def save(slug: str):
    """Save a commune's settings (an empty field: back to the province's words; an empty hotline: unconfirmed)."""
    info = _visible(slug)
    changes = {key: " ".join(request.form.get(key, "").split()) for key in EDITABLE}
    before = {key: str(info.settings.get(key) or "") for key in EDITABLE}
    changed = {key: value for key, value in changes.items() if value != before[key]}
    svc = services()
    if changed:
        try:
            with svc.db.session() as session:
                communes.update_settings(session, info.id, changed)
                audit.record(
                    session,
                    current_user.id,
                    "commune_settings",
                    f"commune:{info.slug}",
                    {"changed": sorted(changed)},
                    commune_id=info.id,
                )
        except communes.CommuneError as exc:
            flash(_say("save_failed", reason=_refusal(exc)), "error")
            return _edit_page(info, 400, changes)
        svc.communes.changed()
    flash(_say("saved" if changed else "unchanged", name=info.name), "success")
    return redirect(url_for("communes_admin.edit", slug=info.slug))
