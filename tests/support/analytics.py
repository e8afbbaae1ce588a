"""A small history of chat conversations (with handoffs) and hotline calls in the default commune, for the analytics
tests and for pages that need figures to show. Its table, and the figures computed by hand from it, are in
tests/gateway/test_analytics.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gateway.models import Conversation, Handoff, HotlineCall
from gateway.services import staff_accounts
from tests.support.gateway import PASSWORD, login

RANGE = {"from": "2026-11-02", "to": "2026-11-10"}
COMMUNE = 1  # the seed's commune: quang-yen, the default one (a second one: tests/gateway/test_analytics_communes.py)


def utc(text: str) -> datetime:
    """An ISO time read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


CONVERSATIONS = [
    # name, channel, flow, max_step, login, problems_seen, created, handoff (reply seconds or None, outcome) or None
    ("c1", "widget", "A", 5, "got_in", [], "2026-11-02T03:00:00", None),
    ("c2", "widget", "A", 4, None, ["otp_not_received@4"], "2026-11-02T03:10:00", (120, "got_in")),
    (
        "c3",
        "zalo",
        "A",
        3,
        "not_in",
        ["wrong_password@3", "forgot_password@3"],
        "2026-11-02T03:20:00",
        (600, "needs_police"),
    ),
    ("c4", "zalo", "A", 1, None, ["cannot_find_login@1"], "2026-11-02T03:30:00", None),
    ("c5", "rest", "A", 5, "got_in", [], "2026-11-02T03:40:00", None),
    ("c6", "widget", "B", 6, None, ["qr_scan_failed@6"], "2026-11-04T03:00:00", (300, None)),
    ("c7", "zalo", "B", 8, "got_in", [], "2026-11-04T04:00:00", None),
    ("c8", "widget", "B", 2, None, [], "2026-11-04T18:30:00", (None, "no_answer")),
    ("c9", "widget", None, None, None, ["portal_unavailable@0"], "2026-11-09T03:00:00", None),
    ("c10", "zalo", None, None, None, [], "2026-11-09T04:00:00", (60, "other")),
    ("c11", "widget", "A", 2, None, [], "2026-10-01T03:00:00", None),
]
CALLS = [
    ("A", 4, "otp_not_received", "got_in", "2026-11-02T04:00:00"),
    ("A", 3, "wrong_password", "needs_police", "2026-11-02T04:30:00"),
    ("B", 5, "not_level2", "needs_police", "2026-11-05T02:00:00"),
    (None, None, None, "no_answer", "2026-11-10T03:00:00"),
    ("A", 2, "cannot_find_login", "call_back", "2026-11-10T03:30:00"),
    ("B", 3, None, "other", "2026-10-01T03:00:00"),
]


def add_conversation(session, name, channel, flow, max_step, outcome, created, commune_id=COMMUNE, seen=None):
    """A conversation of the history, started at `created` (an aware datetime), at `max_step` of `flow`."""
    conv = Conversation(
        channel=channel,
        external_id=name,
        rasa_sender_id=f"{channel}:{name}",
        flow=flow,
        commune_id=commune_id,
        step=max_step,
        max_step=max_step,
        problems_seen=seen,
        login_outcome=outcome,
        created_at=created,
        last_message_at=created,
    )
    session.add(conv)
    return conv


def add_handoff(session, conv, reply_after, outcome, status=None):
    """A handoff requested 5 minutes into `conv`, first answered `reply_after` seconds later (None: not yet);
    resolved with `outcome` (None: claimed, still open) unless `status` says otherwise."""
    requested = conv.created_at + timedelta(minutes=5)
    session.add(
        Handoff(
            conversation=conv,
            reason="requested",
            flow=conv.flow,
            step=conv.max_step,
            status=status or ("resolved" if outcome else "claimed"),
            requested_at=requested,
            first_staff_reply_at=requested + timedelta(seconds=reply_after) if reply_after is not None else None,
            outcome=outcome,
        )
    )


def seed(app) -> None:
    """The history above, in the app's database."""
    with app.extensions["vneid"].db.session() as session:
        for name, channel, flow, max_step, outcome, seen, created, handoff in CONVERSATIONS:
            conv = add_conversation(session, name, channel, flow, max_step, outcome, utc(created), seen=seen)
            if handoff:
                add_handoff(session, conv, *handoff)
        for flow, step, problem, outcome, created in CALLS:
            session.add(
                HotlineCall(
                    staff_id=1,
                    commune_id=COMMUNE,
                    flow=flow,
                    last_step=step,
                    problem=problem,
                    outcome=outcome,
                    created_at=utc(created),
                )
            )


def province_admin_client(app, username="tinh.admin"):
    """A logged-in client of a province admin (no commune: every commune's figures)."""
    with app.extensions["vneid"].db.session() as session:
        if staff_accounts.find(session, username) is None:
            staff_accounts.create(session, username, "Quản trị tỉnh", PASSWORD, "admin")
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client
