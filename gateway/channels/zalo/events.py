"""The durable inbound queue: a verified webhook event is stored (deduplicated on its key) before Zalo gets its
200, then processed by the worker, in arrival order per citizen.

- `user_send_text` (and button presses, which arrive as text) → the same path as the widget (`inbound.handle`:
  redaction, ordering, Rasa or staff); the replies are stored `pending` and sent by `delivery`.
- `follow` → the welcome message; `unfollow`, `user_seen_message`, … → ignored.
- `user_send_image`, stickers, files, … → a polite answer (describe it in words, or ask for a person); the media
  link is kept only when a person handles (or is about to handle) the conversation, for staff to open.
- `oa_send_*` echoes: ours are recognised (msg id or text hash in `zalo_sent`); any other means a person answered
  from Zalo's own OA admin page: the bot is paused for that citizen (see `echoes.takeover`).

Which commune: every event is for one Official Account (`oa_of`: a user event's recipient, an echo's sender, a
follow's `oa_id`). A commune's own OA (`communes.zalo_oa_id`) → the conversation is that commune's; the
installation's primary OA → the default commune, or, when it is the province's (ZALO_PROVINCIAL=1), no commune
until the citizen says it (`provincial.py`). A conversation keeps the commune and the OA it started with
(`conversations.channel_account`: its replies go out with that OA's token), and every event is processed in the
words of its commune.

The raw body is cleared once the event is processed (it may hold a secret the citizen typed, unredacted).

This module is the queue (store, due, process with its retries, cleanup) and its public face; the parts:
`event_fields` (what an event says), `queued_body` (the body redacted before it is queued), `event_rows` (claim
and finish a row), `routing` (commune and conversation), `citizen_events` (text, follow, media), `echoes`.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.channels.zalo.citizen_events import on_follow, on_media, on_text
from gateway.channels.zalo.echoes import ECHO_TAKEOVER_REASON, on_echo
from gateway.channels.zalo.event_fields import citizen_of, event_key, oa_of, sent_at_ms
from gateway.channels.zalo.event_rows import Retry, claim, finish
from gateway.zalo_models import ZaloEvent
from gateway.channels.zalo.queued_body import masked_body
from gateway.channels.zalo.routing import commune_of, conversation
from gateway.models import utcnow
from gateway.services import inbound, ordering, tenant
from gateway.services.container import Services
from gateway.services.messages import add_outbound

__all__ = [
    "ECHO_TAKEOVER_REASON",
    "KEEP_DONE",
    "MAX_AGE",
    "MAX_AHEAD",
    "MAX_ATTEMPTS",
    "Retry",
    "citizen_of",
    "cleanup",
    "due",
    "process",
    "stale",
    "store",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # with the back-off below (5, 10, 20, 40, 80 s): 2.5 minutes of retries when Rasa is down
KEEP_DONE = timedelta(days=7)  # processed rows are kept this long to recognise Zalo's retries (up to 12 h)
MAX_AGE = timedelta(days=2)  # older events are not accepted (a replay after KEEP_DONE would not be recognised)
MAX_AHEAD = timedelta(hours=1)  # clock skew allowed for events "from the future"


_BUSY = getattr(ordering, "Busy", ())  # the conversation's turn did not come in time (cross-worker ordering)


def store(svc: Services, raw: bytes, body: Dict[str, Any]) -> bool:
    """Store a verified event durably (committed on return); False when it was already stored (a retry). The
    key is read from the body as Zalo sent it; the stored body has the citizen's text redacted (and the
    citizen's previous queued text, when the two hold one secret), in one transaction."""
    key = event_key(body, raw)
    try:
        with svc.db.session() as session:
            session.add(
                ZaloEvent(
                    msg_id=key,
                    event_name=str(body.get("event_name") or "unknown")[:48],
                    user_id=citizen_of(body),
                    oa_id=oa_of(body),
                    sent_at_ms=sent_at_ms(body),
                    body=masked_body(svc, session, raw, body),
                    status="queued",
                    attempts=0,
                )
            )
        return True
    except IntegrityError:
        return False


def stale(timestamp: str, now: Optional[datetime] = None) -> bool:
    """Whether an event's timestamp (epoch milliseconds) is too old or too far ahead to be accepted."""
    try:
        at = datetime.fromtimestamp(int(timestamp) / 1000, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return False  # not the documented format: the signature already vouches for it
    now = now or utcnow()
    return not now - MAX_AGE <= at <= now + MAX_AHEAD


def due(svc: Services, limit: int = 50) -> list:
    """(id, citizen) of events to process now, oldest first, at most one unfinished event per citizen: an
    event waits while an earlier one of the same citizen is queued (e.g. for a retry) or being processed.
    "Earlier" is Zalo's timestamp (the order the citizen sent them; webhooks can overtake each other on the way),
    then the order received; an event being processed stays first until it is finished."""
    now = utcnow()
    earlier = ZaloEvent.__table__.alias("earlier")
    oldest_unfinished = (
        select(earlier.c.id)
        .where(earlier.c.user_id == ZaloEvent.user_id, earlier.c.status.in_(("queued", "processing")))
        .order_by(
            case((earlier.c.status == "processing", 0), else_=1), func.coalesce(earlier.c.sent_at_ms, 0), earlier.c.id
        )
        .limit(1)
        .scalar_subquery()
    )
    with svc.db.session() as session:
        rows = session.execute(
            select(ZaloEvent.id, ZaloEvent.user_id)
            .where(
                or_(
                    and_(
                        ZaloEvent.status == "queued",
                        or_(ZaloEvent.next_attempt_at.is_(None), ZaloEvent.next_attempt_at <= now),
                    ),
                    and_(ZaloEvent.status == "processing", ZaloEvent.lease_until < now),
                ),
                or_(ZaloEvent.user_id.is_(None), ZaloEvent.id == oldest_unfinished),
            )
            .order_by(ZaloEvent.id)
            .limit(limit)
        ).all()
        return [(event_id, user) for event_id, user in rows]


def process(svc: Services, event_id: int) -> str:
    """Claim and process one event; returns its new status (or "busy" when someone else has it)."""
    if not claim(svc, event_id):
        return "busy"
    with svc.db.session() as session:
        event = session.get(ZaloEvent, event_id)
        raw, name, key, attempts, oa_id = event.body, event.event_name, event.msg_id, event.attempts, event.oa_id
    body = None
    try:
        body = json.loads(raw or "{}")
        status = _dispatch(svc, event_id, name, key, body, oa_id or oa_of(body))
    except Retry as exc:
        return _retry(svc, event_id, attempts, str(exc), body)
    except _BUSY:
        return _retry(svc, event_id, attempts, "conversation busy", body)
    except Exception as exc:  # noqa: BLE001 - one bad event must not stop the queue
        # The exception's message may quote SQL parameters (the citizen's text): log its type and frames only.
        log.error(
            "zalo event %d (%s) failed: %s\n%s",
            event_id,
            name,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _retry(svc, event_id, attempts, type(exc).__name__, None)
    return status


def _retry(svc: Services, event_id: int, attempts: int, reason: str, body: Optional[Dict[str, Any]]) -> str:
    if attempts >= MAX_ATTEMPTS:
        log.error("zalo event %d given up after %d attempts (%s)", event_id, attempts, reason)
        with svc.db.session() as session:
            user = citizen_of(body) if body else None
            if body and body.get("event_name") == "user_send_text" and user:
                conv = conversation(svc, session, user, oa_of(body))
                with tenant.speaking_for(svc.communes.by_id(conv.commune_id)):
                    add_outbound(session, conv, "system", {"text": svc.texts.text("bot_unavailable")})
            finish(session, event_id, "failed", reason)
        return "failed"
    delay = timedelta(seconds=min(300, 5 * 2 ** (attempts - 1)))
    log.warning("zalo event %d will be retried in %d s (%s)", event_id, delay.total_seconds(), reason)
    with svc.db.session() as session:
        session.execute(
            update(ZaloEvent)
            .where(ZaloEvent.id == event_id)
            .values(status="queued", lease_until=None, next_attempt_at=utcnow() + delay, error=reason[:200])
        )
    return "queued"


def _dispatch(
    svc: Services, event_id: int, name: str, key: str, body: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    user = citizen_of(body)
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    if user is None or not inbound.SENDER.match(user):
        with svc.db.session() as session:
            finish(session, event_id, "ignored", "no usable user id")
        return "ignored"
    if name == "user_send_text" or name == "follow" or name.startswith(("user_send_", "oa_send_")):
        with tenant.speaking_for(commune_of(svc, user, oa_id)):  # every word in the conversation's commune's
            if name == "user_send_text":
                return on_text(svc, event_id, user, key, message, oa_id)
            if name == "follow":
                return on_follow(svc, event_id, user, oa_id)
            if name.startswith("user_send_"):
                return on_media(svc, event_id, user, key, name[len("user_send_") :], message, oa_id)
            return on_echo(svc, event_id, user, key, message, oa_id)
    with svc.db.session() as session:  # unfollow, user_seen_message, user_received_message, user_submit_info, …
        finish(session, event_id, "ignored")
    return "ignored"


def cleanup(svc: Services) -> int:
    """Delete processed events older than a week (kept that long to recognise Zalo's retries)."""
    from sqlalchemy import delete

    cutoff = utcnow() - KEEP_DONE
    with svc.db.session() as session:
        return session.execute(
            delete(ZaloEvent).where(ZaloEvent.status.in_(("done", "ignored", "failed")), ZaloEvent.received_at < cutoff)
        ).rowcount
