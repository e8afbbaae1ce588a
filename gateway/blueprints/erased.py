"""What staff see of a conversation that was deleted (gateway/services/erasure.py): its old console link, the staff
API and the live transcript answer 410 with who asked for the deletion and when (content/staff.yml `erased`),
instead of a bare "not found". Nothing else of it is left to show.

`guard(as_json)` is a before-request hook for the console and the staff API blueprints: it acts only on routes with
a `conv_id`, for a logged-in user (anonymous requests get the views' own login answer), and only when that
conversation is missing: one primary-key read per request. Only staff who would have seen the conversation (its
commune's, or a province account: gateway/services/scope.py) are told; to anyone else it is simply not found.
"""

from __future__ import annotations

from typing import Callable, Optional

from flask import render_template, request
from flask_login import current_user

from gateway.models import Conversation
from gateway.services import erasure, hours, scope
from gateway.web.answers import error
from gateway.web.current import services


def explanation(conv_id: int, viewer=None) -> Optional[str]:
    """Why a missing conversation is missing, for staff ("Người dân đã xóa … lúc …"); None when it exists or was
    never deleted (then it is simply not found)."""

    svc = services()
    with svc.db.session() as session:
        if session.get(Conversation, conv_id) is not None:
            return None
        entry = erasure.erased_entry(session, conv_id)
        if entry is None or (viewer is not None and not scope.sees(viewer, entry.commune_id)):
            return None
        by = (entry.detail or {}).get("by")
        return svc.texts.staff_label(
            "erased", "citizen" if by == "citizen" else "operator", at=hours.local_time(entry.at)
        )


def guard(as_json: bool) -> Callable[[], object]:
    """A before-request hook answering 410 for a deleted conversation (JSON for the API, a page for the console)."""

    def check():
        conv_id = (request.view_args or {}).get("conv_id")
        if not isinstance(conv_id, int) or not current_user.is_authenticated:
            return None
        message = explanation(conv_id, current_user)
        if message is None:
            return None
        if as_json:
            return error(410, "conversation_erased", message)
        words = services().texts.staff("erased")
        return render_template("console/error.html", title=words["title"], message=message), 410

    return check
