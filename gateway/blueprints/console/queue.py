"""The queue of conversations waiting for a person (the console's first page)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from gateway.blueprints.console.blueprint import bp
from gateway.blueprints.console.layout import js_labels
from gateway.blueprints.console.viewer import commune_choice, me, svc_commune
from gateway.services import access_log, content_edit, hours, runtime_settings
from gateway.services import queue as queue_mod
from gateway.web.current import services


@bp.get("")
def root():
    """/console → the queue."""
    return redirect(url_for("console.queue"))


@bp.get("/")
@login_required
def queue():
    """The queue of conversations waiting for a person (updated live by console_queue.js)."""
    svc = services()
    with svc.db.session() as session:
        viewer = me(session)
        choice = commune_choice(viewer)
        cards = queue_mod.open_queue(session, svc.texts, viewer, choice["chosen"])
        access_log.record_openings(session, current_user.id, [c["conversation_id"] for c in cards], "queue")
        # the settings of the viewer's commune (a province account: of the commune it picked, or the province's)
        settings_of = viewer.commune_id if viewer.commune_id is not None else choice["chosen"]
        outage = runtime_settings.get(session, "outage_notice", settings_of) or {}
        is_open = hours.is_open(runtime_settings.get(session, "working_hours", settings_of))
    labels = js_labels()
    commune = svc_commune(viewer)
    review = (
        len(
            content_edit.needing_review(
                svc.settings.content_dir,
                svc.settings.content_overrides,
                svc.texts,
                commune.slug if commune is not None else None,
            )
        )
        if current_user.is_admin
        else 0
    )
    return render_template(
        "console/queue.html",
        cards=cards,
        outage=outage,
        is_open=is_open,
        labels=labels,
        steps=labels["steps"],
        content_review=review,
        communes=choice,
    )
