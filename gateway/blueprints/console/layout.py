"""What every console page is given around its content: the template filters for dates, the label groups (also
for the console scripts), the header's links to the other blueprints' pages, and the 403 page (shared with the
admin pages)."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict

from flask import current_app, render_template
from flask_login import current_user

from gateway.blueprints.console.blueprint import bp
from gateway.blueprints.console.viewer import svc_commune
from gateway.services import hours
from gateway.services.texts import Labels
from gateway.web.current import services

# The console's label groups by the name templates and the console scripts use (`label.state[...]`), each read
# from a group of content/staff.yml; `sensitive` names the kinds of secret as content/messages.yml does for citizens.
LABEL_GROUPS = {
    "channel": "channels",
    "status": "handoff_statuses",
    "state": "conversation_states",
    "reason": "handoff_reasons",
    "outcome": "outcomes",
    "author": "authors",
    "login_outcome": "login_outcomes",
    "callback": "callback_statuses",
    "delivery": "delivery",
    "callback_words": "callback_words",
    "access_log": "access_log",
    "access_via": "access_via",
    "card_words": "card_words",
}
JS_LABELS = ("channel", "status", "state", "reason", "author", "sensitive", "delivery", "callback_words", "card_words")


@bp.app_template_filter("vn_time")
def _vn_time(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return hours.local_time(value, fmt)


@bp.app_template_filter("vn_date")
def _vn_date(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y") if value else ""


def label_groups(texts) -> Dict[str, Dict[str, str]]:
    """Every label group of the console pages, read from the content now (a missing label reads as its code)."""
    out: Dict[str, Dict[str, str]] = {name: texts.staff(group) for name, group in LABEL_GROUPS.items()}
    out["sensitive"] = Labels(texts.guide.messages.get("secret_kinds") or {})
    return out


def js_labels() -> Dict[str, Any]:
    """Everything the console scripts need to label what it renders (passed in a data-* attribute)."""
    texts = services().texts
    every, guide = label_groups(texts), texts.guide
    return {**{name: every[name] for name in JS_LABELS}, "steps": {code: len(guide.steps(code)) for code in ("A", "B")}}


# Console pages of other blueprints, linked from the header (staff) or the admin menu (admins) when registered;
# their titles are in content/staff.yml `console_pages`.
STAFF_PAGES = ("script_aid.page",)
ADMIN_PAGES = ("content_admin.index", "analytics.page", "admin_sessions.page")


@bp.app_context_processor
def _console_context() -> Dict[str, Any]:
    present = current_app.view_functions
    texts = services().texts
    titles = texts.staff("console_pages")
    viewer = current_user if current_user and current_user.is_authenticated else None
    commune = svc_commune(viewer)
    return {
        "label": label_groups(texts),
        # the header names the commune of commune staff; a province account reads the province's word
        "scope_words": texts.staff("communes_scope"),
        "my_commune": commune.name
        if commune is not None
        else (texts.staff_label("communes_scope", "province") if viewer is not None else None),
        "staff_pages": [(e, titles[e]) for e in STAFF_PAGES if e in present],
        "admin_pages": [(e, titles[e]) for e in ADMIN_PAGES if e in present],
        "admin_sections": {"admin"} | {e.split(".")[0] for e in ADMIN_PAGES},
    }


def access_refused(key: str):
    """The console's 403 page: content/staff.yml `access` gives the title and the sentence `key`."""
    texts = services().texts
    return render_template(
        "console/error.html", title=texts.staff_label("access", "title"), message=texts.staff_label("access", key)
    ), 403
