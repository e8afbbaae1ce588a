"""Who is looking at a console page: the logged-in staff member, their commune, a province account's choice of one
(shared with the admin pages)."""

from __future__ import annotations

from typing import Any, Dict

from flask import abort, request
from flask_login import current_user

from gateway.models import Staff
from gateway.services import scope
from gateway.web.current import services


def svc_commune(staff):
    """The commune of a staff account (None: a province account, or nobody logged in)."""
    commune_id = getattr(staff, "commune_id", None)
    return services().communes.by_id(commune_id) if commune_id is not None else None


def commune_choice(viewer: Staff, args=None) -> Dict[str, Any]:
    """For the list pages: a province account's commune filter (its choice, `?commune=<id>`, and the communes to
    pick from); a commune account has none (it sees its own)."""
    if viewer is None or not viewer.is_province:
        return {"chosen": None, "choices": []}
    chosen = scope.chosen(viewer, (args if args is not None else request.args).get("commune"))
    return {"chosen": chosen, "choices": [(c.id, c.name) for c in services().communes.all()]}


def me(session) -> Staff:
    """The logged-in staff member, attached to this session."""
    staff = session.get(Staff, current_user.id)
    if staff is None:
        abort(403)
    return staff
