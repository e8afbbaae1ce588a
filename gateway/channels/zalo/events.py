"""The durable inbound queue: a verified webhook event is stored (deduplicated on its key) before Zalo gets its
200, then processed by the worker, in arrival order per citizen.

- `user_send_text` (and button presses, which arrive as text) → the same path as the widget (`inbound.handle`:
  redaction, ordering, Rasa or staff); the replies are stored `pending` and sent by `delivery`.
- `follow` → the welcome message; `unfollow`, `user_seen_message`, … → ignored.
- `user_send_image`, stickers, files, … → a polite answer (describe it in words, or ask for a person); the media
  link is kept only when a person handles (or is about to handle) the conversation, for staff to open.
- `oa_send_*` echoes: ours are recognised (msg id or text hash in `zalo_sent`); any other means a person answered
  from Zalo's own OA admin page: the bot is paused for that citizen (see `takeover`).

Which commune: every event is for one Official Account (`oa_of`: a user event's recipient, an echo's sender, a
follow's `oa_id`). A commune's own OA (`communes.zalo_oa_id`) → the conversation is that commune's; the
installation's primary OA → the default commune, or, when it is the province's (ZALO_PROVINCIAL=1), no commune
until the citizen says it (`provincial.py`). A conversation keeps the commune and the OA it started with
(`conversations.channel_account`: its replies go out with that OA's token), and every event is processed in the
words of its commune.

The raw body is cleared once the event is processed (it may hold a secret the citizen typed, unredacted).
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional, Tuple

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.channels.zalo import erasure as zalo_erasure
from gateway.channels.zalo import provincial
from gateway.channels.zalo import texts as ztexts
from gateway.channels.zalo.models import ZaloEvent, ZaloSent, text_hash
from gateway.models import Conversation, Message, utcnow
from gateway.rasa_client import RasaUnavailable
from gateway.services import audit, handoff, inbound, ordering, tenant
from gateway.services.communes import CommuneInfo
from gateway.services.container import Services
from gateway.services.messages import add_outbound, get_or_create_conversation
from gateway.services.states import WITH_A_PERSON, ConversationState
from gateway.services import erase_command, privacy_notice  # the citizen's rights: notice, "xóa cuộc trò chuyện"

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # with the back-off below (5, 10, 20, 40, 80 s): 2.5 minutes of retries when Rasa is down
LEASE = timedelta(minutes=2)  # an event `processing` longer than this (a crashed worker) is taken up again
KEEP_DONE = timedelta(days=7)  # processed rows are kept this long to recognise Zalo's retries (up to 12 h)
MAX_AGE = timedelta(days=2)  # older events are not accepted (a replay after KEEP_DONE would not be recognised)
MAX_AHEAD = timedelta(hours=1)  # clock skew allowed for events "from the future"
ECHO_TAKEOVER_REASON = "zalo_admin"


class Retry(Exception):
    """Processing could not finish now (Rasa unreachable): try again later."""


_BUSY = getattr(ordering, "Busy", ())  # the conversation's turn did not come in time (cross-worker ordering)


# ---- the webhook side -----------------------------------------------------------------------------------
def _id(value: Any) -> Optional[str]:
    """An id as a string (ids are strings; a number is kept exactly as written, never through float)."""
    if isinstance(value, str) and value:
        return value[:64]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def citizen_of(body: Dict[str, Any]) -> Optional[str]:
    """The citizen an event concerns: sender of a user event, recipient of an OA echo, the follower."""
    name = str(body.get("event_name") or "")
    party = "follower" if name in ("follow", "unfollow") else "recipient" if name.startswith("oa_send_") else "sender"
    value = body.get(party)
    return _id(value.get("id")) if isinstance(value, dict) else None  # a signed event can still be malformed


def oa_of(body: Dict[str, Any]) -> Optional[str]:
    """The Official Account an event is for: the recipient of a user event, the sender of an OA echo, `oa_id` of a
    follow (or of any event that carries it)."""
    name = str(body.get("event_name") or "")
    if name not in ("follow", "unfollow"):
        party = body.get("sender" if name.startswith("oa_send_") else "recipient")
        found = _id(party.get("id")) if isinstance(party, dict) else None
        if found:
            return found
    return _id(body.get("oa_id"))


def route(svc: Services, oa_id: Optional[str]) -> Tuple[Optional[CommuneInfo], bool]:
    """(the commune, provincial) of a new conversation on this OA: a commune's own OA → that commune; else the
    installation's primary OA → (None, True) when it is the province's (ZALO_PROVINCIAL=1), else the default
    commune."""
    own = svc.communes.by_oa(oa_id) if oa_id else None
    if own is not None:
        return own, False
    if svc.settings.zalo_provincial:
        return None, True
    return svc.communes.default(), False


def conversation(svc: Services, session, user: str, oa_id: Optional[str]) -> Conversation:
    """The citizen's Zalo conversation, created on first contact in the commune its OA routes to, remembering the
    OA (its replies go out with that OA's token). An existing one keeps its commune and OA."""
    conv = session.scalar(select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user))
    if conv is not None:
        if conv.commune_id is None and not svc.settings.zalo_provincial:  # ZALO_PROVINCIAL was turned off
            default = svc.communes.default()
            conv.commune_id = default.id if default is not None else None
        return conv
    info, _ = route(svc, oa_id)
    conv = get_or_create_conversation(session, "zalo", user, info.id if info is not None else None)
    conv.channel_account = oa_id
    session.flush()
    return conv


def commune_of(svc: Services, user: str, oa_id: Optional[str]) -> Optional[CommuneInfo]:
    """The commune an event of this citizen speaks for: their conversation's, else the one its OA routes to."""
    with svc.db.session() as session:
        row = session.execute(
            select(Conversation.id, Conversation.commune_id).where(
                Conversation.channel == "zalo", Conversation.external_id == user
            )
        ).first()
    if row is not None:
        return svc.communes.by_id(row.commune_id)
    return route(svc, oa_id)[0]


def event_key(body: Dict[str, Any], raw: bytes) -> str:
    """The deduplication key: the message id, or a synthetic key for events without one."""
    name = str(body.get("event_name") or "unknown")[:48]
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    msg_id = _id(message.get("msg_id"))
    if msg_id:
        key = msg_id
    elif name in ("follow", "unfollow"):
        key = f"{name}:{citizen_of(body)}:{body.get('timestamp')}"
    else:
        key = f"{name}:{citizen_of(body)}:{body.get('timestamp')}:{hashlib.sha256(raw).hexdigest()[:16]}"
    return key if len(key) <= 190 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def stale(timestamp: str, now: Optional[datetime] = None) -> bool:
    """Whether an event's timestamp (epoch milliseconds) is too old or too far ahead to be accepted."""
    try:
        at = datetime.fromtimestamp(int(timestamp) / 1000, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return False  # not the documented format: the signature already vouches for it
    now = now or utcnow()
    return not now - MAX_AGE <= at <= now + MAX_AHEAD


def sent_at_ms(body: Dict[str, Any]) -> Optional[int]:
    """Zalo's timestamp of the event (epoch milliseconds), or None if it is not one."""
    value = str(body.get("timestamp") or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 15 else None


def _queued_text(session, user: Optional[str]) -> Optional[ZaloEvent]:
    """The citizen's latest text event still waiting in the queue (its body not yet cleared), if any."""
    if not user:
        return None
    return session.scalars(
        select(ZaloEvent)
        .where(
            ZaloEvent.user_id == user,
            ZaloEvent.event_name == "user_send_text",
            ZaloEvent.status == "queued",
            ZaloEvent.body.is_not(None),
        )
        .order_by(ZaloEvent.sent_at_ms.desc(), ZaloEvent.id.desc())
        .limit(1)
    ).first()


def _with_text(body: Dict[str, Any], text: str) -> str:
    return json.dumps({**body, "message": {**body["message"], "text": text}}, ensure_ascii=False)


def _masked_body(svc: Services, session, raw: bytes, body: Dict[str, Any]) -> str:
    """The body as it is queued, with what the citizen typed or submitted redacted (no secret waits in the queue):
    the message's text read with the citizen's previous message — the one still queued if there is one (its body
    is masked too when the two are one secret: "306" then "857"), else the last one stored; the fields of a
    submitted form (`info`: phone, name, address) and attachment captions on their own."""
    masked_body = dict(body)
    message = body.get("message")
    user = citizen_of(body)
    if isinstance(message, dict):
        message = masked_body["message"] = dict(message)
        if isinstance(message.get("text"), str) and message["text"]:
            message["text"] = _masked_text(svc, session, user, inbound.clean_text(message["text"]))
        if isinstance(message.get("attachments"), list):
            message["attachments"] = [
                _masked_strings(svc, a, ("description", "caption", "text", "title")) for a in message["attachments"]
            ]
    if "info" in body:
        masked_body["info"] = _masked_strings(svc, body["info"], None)
    if _same(masked_body, body):
        return raw.decode("utf-8")  # nothing to mask: the exact bytes Zalo sent
    return json.dumps(masked_body, ensure_ascii=False)


def _same(masked: Any, original: Any) -> bool:
    if isinstance(masked, dict) and isinstance(original, dict):
        return masked.keys() == original.keys() and all(_same(masked[k], original[k]) for k in masked)
    if isinstance(masked, list) and isinstance(original, list):
        return len(masked) == len(original) and all(_same(a, b) for a, b in zip(masked, original))
    if isinstance(masked, str) and isinstance(original, str):
        return masked == inbound.clean_text(original) or masked == original
    return masked == original


def _masked_strings(svc: Services, value: Any, keys: Optional[tuple], depth: int = 0) -> Any:
    """Every string in `value` (only under `keys`, if given, at any depth) redacted on its own."""
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {
            k: (
                svc.redactor.redact(v).text
                if isinstance(v, str) and (keys is None or k in keys)
                else _masked_strings(svc, v, keys, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked_strings(svc, v, keys, depth + 1) for v in value]
    if isinstance(value, str) and keys is None:
        return svc.redactor.redact(value).text
    return value


def _masked_text(svc: Services, session, user: Optional[str], text: str) -> str:
    if not (user and inbound.SENDER.match(user)):
        return svc.redactor.redact(text).text
    queued = _queued_text(session, user)
    queued_body = json.loads(queued.body) if queued is not None else None
    queued_message = queued_body.get("message") if isinstance(queued_body, dict) else None
    if isinstance(queued_message, dict) and isinstance(queued_message.get("text"), str):
        redaction = svc.redactor.redact(text, inbound.clean_text(queued_message["text"]))
        if redaction.previous_text is not None:
            queued.body = _with_text(queued_body, redaction.previous_text)
        return redaction.text
    return inbound.masked_for_queue(svc, "zalo", user, text)


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
                    body=_masked_body(svc, session, raw, body),
                    status="queued",
                    attempts=0,
                )
            )
        return True
    except IntegrityError:
        return False


# ---- the worker side ------------------------------------------------------------------------------------
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


def _claim(svc: Services, event_id: int) -> bool:
    now = utcnow()
    with svc.db.session() as session:
        return (
            session.execute(
                update(ZaloEvent)
                .where(
                    ZaloEvent.id == event_id,
                    or_(
                        ZaloEvent.status == "queued",
                        and_(ZaloEvent.status == "processing", ZaloEvent.lease_until < now),
                    ),
                )
                .values(status="processing", lease_until=now + LEASE, attempts=ZaloEvent.attempts + 1)
            ).rowcount
            == 1
        )


def _finish(session, event_id: int, status: str, error: Optional[str] = None) -> None:
    session.execute(
        update(ZaloEvent)
        .where(ZaloEvent.id == event_id)
        .values(
            status=status,
            body=None,
            processed_at=utcnow(),
            lease_until=None,
            next_attempt_at=None,
            error=error[:200] if error else None,
        )
    )


def process(svc: Services, event_id: int) -> str:
    """Claim and process one event; returns its new status (or "busy" when someone else has it)."""
    if not _claim(svc, event_id):
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
            _finish(session, event_id, "failed", reason)
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
            _finish(session, event_id, "ignored", "no usable user id")
        return "ignored"
    if name == "user_send_text" or name == "follow" or name.startswith(("user_send_", "oa_send_")):
        with tenant.speaking_for(commune_of(svc, user, oa_id)):  # every word in the conversation's commune's
            if name == "user_send_text":
                return _text(svc, event_id, user, key, message, oa_id)
            if name == "follow":
                return _follow(svc, event_id, user, oa_id)
            if name.startswith("user_send_"):
                return _media(svc, event_id, user, key, name[len("user_send_") :], message, oa_id)
            return _echo(svc, event_id, user, key, message, oa_id)
    with svc.db.session() as session:  # unfollow, user_seen_message, user_received_message, user_submit_info, …
        _finish(session, event_id, "ignored")
    return "ignored"


def _inbound_key(key: str) -> str:
    return key if len(key) <= 128 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _text(
    svc: Services, event_id: int, user: str, key: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        with svc.db.session() as session:
            _finish(session, event_id, "ignored", "empty text")
        return "ignored"
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        picking, commune = provincial.active(svc, conv), svc.communes.by_id(conv.commune_id)
    try:
        if picking:  # the province's OA: the citizen says their commune first
            status = provincial.answer(
                svc, event_id, user, _inbound_key(key), text, lambda session, done: _finish(session, event_id, done)
            )
            if status == "erased":
                _erasure_confirmation(svc, user, oa_id)
                return "done"
            if status is not None:
                return status
            with svc.db.session() as session:  # it got its commune meanwhile: as usual
                commune = svc.communes.by_id(conversation(svc, session, user, oa_id).commune_id)
        with tenant.speaking_for(commune):
            if svc.settings.zalo_provincial:  # messages kept while the commune was unknown go first
                provincial.forward_kept(svc, user, commune)
            replies = inbound.handle(
                svc, inbound.Inbound(channel="zalo", sender=user, text=text, key=_inbound_key(key), commune=commune)
            )
    except inbound.Rejected as exc:  # too long, …: the citizen gets the explanation on Zalo
        with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
            conv = conversation(svc, session, user, oa_id)
            add_outbound(session, conv, "system", {"text": exc.message})
            _finish(session, event_id, "done", f"rejected: {exc.code}")
        return "done"
    except inbound.BotUnavailable as exc:
        raise Retry("bot unavailable") from exc
    with svc.db.session() as session:
        _finish(session, event_id, "done")
    if erase_command.erased(replies):  # the conversation and its outbox are gone: the confirmation goes now
        _erasure_confirmation(svc, user, oa_id, replies)
    return "done"


def _erasure_confirmation(svc: Services, user: str, oa_id: Optional[str], replies=None) -> None:

    zalo_erasure.send_confirmation(svc, user, replies or [{"text": svc.texts.text("erase_done")}], oa_id)


def _follow(svc: Services, event_id: int, user: str, oa_id: Optional[str] = None) -> str:
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        if conv.state != ConversationState.WITH_STAFF and provincial.active(svc, conv):  # which commune?
            add_outbound(session, conv, "system", provincial.ask(svc, welcome=True))
            conv.gateway_prompt = provincial.PROMPT
        elif conv.state != ConversationState.WITH_STAFF:
            add_outbound(
                session, conv, "system", privacy_notice.attach(svc, conv, ztexts.message(svc, "welcome", "offer_guide"))
            )
        _finish(session, event_id, "done")
    return "done"


def _media(
    svc: Services, event_id: int, user: str, key: str, kind: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    caption = message.get("text") if isinstance(message.get("text"), str) else ""
    caption = inbound.clean_text(caption)[: svc.settings.max_message_chars] if caption else ""
    redaction = svc.redactor.redact(caption) if caption else None
    urls = []
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("url"), str):
            urls.append(payload["url"][:500])
    key = _inbound_key(key)
    with svc.locks.hold(f"zalo:{user}"), svc.db.session() as session:
        conv = conversation(svc, session, user, oa_id)
        if (
            session.scalar(select(Message.id).where(Message.conversation_id == conv.id, Message.idempotency_key == key))
            is None
        ):
            person = conv.state in WITH_A_PERSON
            placeholders = svc.texts.staff("zalo_media")  # what staff read in the transcript for a picture, a file…
            text = placeholders.get(kind) or placeholders["other"]
            if redaction is not None:
                text += " " + redaction.text
            data = None
            if person and urls:  # only a person can look at it: keep the link for staff, not otherwise
                text += "\n" + "\n".join(urls)
                data = {"attachment": {"type": kind, "urls": urls}}
            incoming = Message(
                conversation=conv,
                direction="in",
                author="citizen",
                text=text,
                data=data,
                sensitive=(redaction.kinds or None) if redaction else None,
                idempotency_key=key,
                status="answered",
            )
            session.add(incoming)
            conv.last_message_at = utcnow()
            session.flush()
            if conv.state != ConversationState.WITH_STAFF and provincial.active(svc, conv):  # no commune: ask
                add_outbound(session, conv, "system", provincial.ask(svc), incoming)
                conv.gateway_prompt = provincial.PROMPT
            elif conv.state != ConversationState.WITH_STAFF:
                answer = "sticker" if kind in ("sticker", "gif") else ("media_waiting" if person else "media")
                add_outbound(
                    session,
                    conv,
                    "system",
                    privacy_notice.attach(
                        svc, conv, ztexts.message(svc, answer, None if person or answer == "sticker" else "offer_guide")
                    ),
                    incoming,
                )
        _finish(session, event_id, "done")
    return "done"


def is_ours(session, user: str, zalo_msg_id: Optional[str], text: Optional[str]) -> bool:
    """Whether an OA echo is of a message the gateway sent (its msg id, or the same text within a day)."""
    if zalo_msg_id and session.scalar(select(exists().where(ZaloSent.zalo_msg_id == zalo_msg_id))):
        return True
    if isinstance(text, str) and text.strip():
        since = utcnow() - timedelta(days=1)
        return bool(
            session.scalar(
                select(
                    exists().where(
                        ZaloSent.user_id == user, ZaloSent.text_hash == text_hash(text), ZaloSent.sent_at >= since
                    )
                )
            )
        )
    return False


def _echo(
    svc: Services, event_id: int, user: str, key: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    text = message.get("text") if isinstance(message.get("text"), str) else None
    with svc.db.session() as session:
        if is_ours(session, user, _id(message.get("msg_id")), text) or _erasure_echo(svc, text):
            _finish(session, event_id, "done", "own echo")
            return "done"
    takeover(svc, user, text, _inbound_key(key), oa_id)
    with svc.db.session() as session:
        _finish(session, event_id, "done", "takeover")
    return "done"


def _erasure_echo(svc: Services, text: Optional[str]) -> bool:

    return zalo_erasure.is_confirmation(svc, text)


def takeover(svc: Services, user: str, text: Optional[str], key: str, oa_id: Optional[str] = None) -> None:
    """A person answered from Zalo's OA admin page: pause the bot for this citizen.

    The conversation goes to `with_staff` through a handoff claimed by no console user (reason `zalo_admin`),
    Rasa is paused, and the person's message is kept (redacted) as an already delivered staff message.
    """
    with svc.locks.hold(f"zalo:{user}"):
        with svc.db.session() as session:
            conv = conversation(svc, session, user, oa_id)
            sender, state, conv_id = conv.rasa_sender_id, conv.state, conv.id
        if state != ConversationState.WITH_STAFF:
            try:
                svc.rasa.pause(sender)
            except RasaUnavailable as exc:
                raise Retry("rasa unavailable for pause") from exc
        with svc.db.session() as session:
            conv = session.get(Conversation, conv_id)
            if (
                session.scalar(
                    select(Message.id).where(Message.conversation_id == conv.id, Message.idempotency_key == key)
                )
                is not None
            ):
                return
            now = utcnow()
            current = handoff.open_handoff(session, conv)
            if conv.state != ConversationState.WITH_STAFF:
                current = handoff.take_over(session, conv, ECHO_TAKEOVER_REASON, now)
                audit.record(session, None, "zalo_admin_takeover", f"conversation:{conv.id}")
                log.info("zalo: a person answered conversation %d from the OA admin page: bot paused", conv.id)
            redaction = svc.redactor.redact(text) if text else None
            session.add(
                Message(
                    conversation=conv,
                    direction="out",
                    author="staff",
                    staff_id=None,
                    text=redaction.text if redaction else svc.texts.staff_label("zalo_media", "oa_admin"),
                    sensitive=(redaction.kinds or None) if redaction else None,
                    idempotency_key=key,
                    delivery="sent",
                )
            )
            conv.last_message_at = now
            if current is not None:
                if current.first_staff_reply_at is None:
                    current.first_staff_reply_at = now
                handoff._event(session, current, "staff_reply", detail={"via": ECHO_TAKEOVER_REASON})


def cleanup(svc: Services) -> int:
    """Delete processed events older than a week (kept that long to recognise Zalo's retries)."""
    from sqlalchemy import delete

    cutoff = utcnow() - KEEP_DONE
    with svc.db.session() as session:
        return session.execute(
            delete(ZaloEvent).where(ZaloEvent.status.in_(("done", "ignored", "failed")), ZaloEvent.received_at < cutoff)
        ).rowcount
