"""The per-message writes of the inbound path: the citizen's message stored (redacted, once per Idempotency-Key)
before anyone answers it, and the bot's replies stored with the message marked answered and the conversation's
summary (flow, step, problem, … for the staff cards and analytics) in one transaction.

Plain Core statements built once (SQLAlchemy compiles each once per engine and caches it), run in
`Database.transaction`: no unit of work on the common path (the ORM's flushes were a third of the gateway's CPU
per message). The rarer paths (a handoff, the gateway's own questions, a retry) use the ORM in `inbound`.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from sqlalchemy import String, and_, bindparam, case, func, insert, or_, select, update

from gateway.models import Conversation, Message, as_utc, rest_message, utcnow
from gateway.services import admission, states
from gateway.services.container import Services
from gateway.services.inbound_errors import Rejected
from gateway.services.inbound_redaction import mask_previous, redact
from gateway.services.messages import new_conversation_values, outbound_values
from gateway.services.states import ConversationState

if TYPE_CHECKING:
    from gateway.services.inbound_message import Inbound

_SLOT_FIELDS = ("flow", "step", "max_step", "problem", "problems_seen", "tried", "login_outcome", "awaiting")

CONVERSATION_COLUMNS = (
    "id",
    "channel",
    "state",
    "gateway_prompt",
    "rasa_sender_id",
    "privacy_notice_at",
    "commune_id",
) + _SLOT_FIELDS

# the id of the conversation's latest citizen message before this one (a retry of this one is not "before")
_Earlier = Message.__table__.alias("earlier")
_Previous = Message.__table__.alias("previous")
_NO_KEY = bindparam("key", type_=String)
_PREVIOUS_ID = (
    select(_Earlier.c.id)
    .where(
        _Earlier.c.conversation_id == Conversation.id,
        _Earlier.c.direction == "in",
        _Earlier.c.author == "citizen",
        or_(_NO_KEY.is_(None), _Earlier.c.idempotency_key.is_(None), _Earlier.c.idempotency_key != _NO_KEY),
    )
    .order_by(_Earlier.c.id.desc())
    .limit(1)
    .scalar_subquery()
)

# the conversation, the message already stored under this Idempotency-Key if any, and the previous citizen
# message (for a secret split over two messages), in one query
_FIND_CONVERSATION = (
    select(
        *(getattr(Conversation, c) for c in CONVERSATION_COLUMNS),
        Conversation.last_message_at,
        Message.id.label("found_id"),
        Message.status.label("found_status"),
        _Previous.c.id.label("previous_id"),
        _Previous.c.text.label("previous_text"),
        _Previous.c.sensitive.label("previous_sensitive"),
    )
    .select_from(
        Conversation.__table__.outerjoin(
            Message.__table__,
            and_(Message.conversation_id == Conversation.id, Message.idempotency_key == bindparam("key")),
        ).outerjoin(_Previous, _Previous.c.id == _PREVIOUS_ID)
    )
    .where(Conversation.channel == bindparam("channel"), Conversation.external_id == bindparam("sender"))
)

_INBOUND_COLUMNS = (
    "conversation_id",
    "direction",
    "author",
    "text",
    "sensitive",
    "idempotency_key",
    "status",
    "created_at",
)

_NEW_CONVERSATION = insert(Conversation.__table__).values(
    {c: bindparam(c) for c in new_conversation_values("", "", None, None)}
)

_INSERT_INBOUND = insert(Message.__table__).values({c: bindparam(c) for c in _INBOUND_COLUMNS}).returning(Message.id)

_REPLY_COLUMNS = (
    "conversation_id",
    "direction",
    "author",
    "text",
    "data",
    "reply_to_id",
    "staff_id",
    "delivery",
    "created_at",
)  # the keys of messages.outbound_values

_INSERT_REPLY = insert(Message.__table__).values({c: bindparam(c) for c in _REPLY_COLUMNS})

_TOUCH_CONVERSATION = (
    update(Conversation.__table__).where(Conversation.id == bindparam("conv")).values(last_message_at=bindparam("now"))
)

_ANSWERED = update(Message.__table__).where(Message.id == bindparam("message")).values(status="answered")
_FAILED = update(Message.__table__).where(Message.id == bindparam("message")).values(status="failed")

# after the bot answered (`after_bot_turn` in SQL): state and prompt as they are now (staff may have acted
# meanwhile), the slot summary from the copy read before Rasa (only the conversation's turn changes it)
_SAVE_SUMMARY = (
    update(Conversation.__table__)
    .where(Conversation.id == bindparam("conv"))
    .values(
        last_message_at=bindparam("now"),
        gateway_prompt=None,
        # the privacy notice went out with these replies (`notice_at`; NULL: it did not, the column is kept)
        privacy_notice_at=func.coalesce(
            Conversation.privacy_notice_at, bindparam("notice_at", type_=Conversation.privacy_notice_at.type)
        ),
        state=case(
            (Conversation.state == ConversationState.CLOSED.value, ConversationState.BOT.value),
            else_=Conversation.state,
        ),  # states.bot_answered, in SQL
        **{f: bindparam(f"v_{f}") for f in _SLOT_FIELDS},
    )
)

# a message stored less than this after the conversation's last one does not move `last_message_at` on arrival:
# the answer's transaction sets it anyway; the early write only matters to a conversation idle for a while
# (the widget's idle limit, retention: minutes and days), which then gets it
_TOUCH_AFTER = timedelta(seconds=60)


def receive(svc: Services, inbound: Inbound, text: str, now):
    """Redact the message and store it before anyone answers it: (the conversation's row, the message id, the
    redaction). The row also says whether this Idempotency-Key was seen before (`found_id`, `found_status`): then
    nothing is added. The message is redacted with the conversation's previous one, read with the conversation
    (`redact`). A conversation belongs to the commune it started in: a message naming another is refused (409).
    On first contact the conversation is created in the transaction that stores the message."""
    where = {"channel": inbound.channel, "sender": inbound.sender, "key": inbound.key}
    for first_contact in (False, True):
        with svc.db.transaction(write=True) as db:
            if first_contact:
                _create_conversation(svc, db, inbound, now)
            row = db.execute(_FIND_CONVERSATION, where).first()
            if row is not None:
                return row, *_store_inbound(svc, db, inbound, text, row, now)
        wait = admission.new_conversation(svc, inbound.client)  # first contact: within the address's limit?
        if wait:
            raise Rejected(
                429,
                "too_many_conversations",
                svc.texts.rejected("too_many_conversations", minutes=-(-wait // 60)),
                retry_after=wait,
            )
    raise RuntimeError("conversation created but not found")  # pragma: no cover - the database lost a commit


def _store_inbound(svc: Services, db, inbound: Inbound, text: str, row, now):
    """In `receive`'s transaction: (the message id, the redaction) of the message in this conversation."""
    if inbound.commune is not None and row.commune_id is not None and row.commune_id != inbound.commune.id:
        raise Rejected(409, "other_commune", svc.texts.rejected("other_commune"))
    previous = (
        SimpleNamespace(id=row.previous_id, text=row.previous_text, sensitive=row.previous_sensitive)
        if row.previous_id is not None
        else None
    )
    redaction = redact(svc, inbound.channel, text, previous, row.rasa_sender_id)
    message_id = row.found_id
    if message_id is None and getattr(redaction, "previous_id", None) is not None:
        mask_previous(db, redaction)
    if message_id is None:
        message_id = db.execute(
            _INSERT_INBOUND,
            {
                "conversation_id": row.id,
                "direction": "in",
                "author": "citizen",
                "text": redaction.text,
                "sensitive": redaction.kinds or None,
                "idempotency_key": inbound.key,
                "status": "received",
                "created_at": now,
            },
        ).scalar_one()
    if row.found_status != "answered" and _idle_since(row.last_message_at, now):
        db.execute(_TOUCH_CONVERSATION, {"conv": row.id, "now": now})
    return message_id, redaction


def _create_conversation(svc: Services, db, inbound: Inbound, now) -> None:
    """The conversation of this channel and sender, in the commune the message names (else the default one)."""
    commune = inbound.commune or svc.communes.default()
    values = new_conversation_values(inbound.channel, inbound.sender, commune.id if commune is not None else None, now)
    db.execute(_NEW_CONVERSATION, values)


def _idle_since(last: Optional[Any], now) -> bool:
    """Whether the conversation's last message is older than `_TOUCH_AFTER` (or unknown)."""
    return last is None or now - as_utc(last) >= _TOUCH_AFTER


def store_bot_replies(
    svc: Services,
    conv: SimpleNamespace,
    message_id: int,
    inbound: Inbound,
    replies: List[Dict[str, Any]],
    slots: Dict[str, Any],
    notice: bool = False,
) -> List[Dict[str, Any]]:
    """The common case (the bot answered, no handoff): replies in one INSERT, the message answered, the
    conversation's summary updated (and, with `notice`, the privacy notice recorded as given with these replies),
    in one transaction without the ORM; the same rows and values as the ORM path in `inbound._answer`. `conv` is
    the copy read before Rasa."""
    apply_slots(conv, slots)
    now = utcnow()
    rows = [outbound_values(conv.id, conv.channel, "bot", reply, message_id, None, now) for reply in replies]
    with svc.db.transaction(write=True) as db:
        summary = {f"v_{f}": getattr(conv, f) for f in _SLOT_FIELDS}
        db.execute(_SAVE_SUMMARY, {"conv": conv.id, "now": now, "notice_at": now if notice else None, **summary})
        if rows:
            db.execute(_INSERT_REPLY, rows)
        db.execute(_ANSWERED, {"message": message_id})
    return [rest_message(inbound.sender, row["text"], row["data"]) for row in rows]


def after_bot_turn(conv, slots: Dict[str, Any]) -> None:
    """The conversation (ORM row) after the bot answered: back with the bot, no gateway question pending, summary
    from the slots. The common path does the same in SQL (`_SAVE_SUMMARY`); keep the two alike."""
    states.bot_answered(conv)
    conv.gateway_prompt = None
    apply_slots(conv, slots)


def mark_failed(svc: Services, message_id: int) -> None:
    """The message was not answered (Rasa or its tracker store failed): a retry with its key processes it."""
    with svc.db.transaction(write=True) as db:
        db.execute(_FAILED, {"message": message_id})


def apply_slots(conv, slots: Dict[str, Any]) -> None:
    """Keep the bot's flow, step, problem and outcome on the conversation for cards and analytics."""
    if not slots:
        return
    flow = slots.get("flow") if slots.get("flow") in ("A", "B") else None
    step = int(slots["step"]) if isinstance(slots.get("step"), (int, float)) else None
    if flow != conv.flow:  # a new (or first) flow: the funnel starts again
        conv.max_step = None
    conv.flow, conv.step = flow, step
    if step is not None:
        conv.max_step = max(conv.max_step or 0, step)
    conv.problem = slots.get("problem") if isinstance(slots.get("problem"), str) else None
    if conv.problem:
        seen = f"{conv.problem}@{step or 0}"
        if seen not in (conv.problems_seen or []):
            conv.problems_seen = [*(conv.problems_seen or []), seen]
    conv.tried = [t for t in (slots.get("tried") or []) if isinstance(t, str)]
    conv.login_outcome = slots.get("login_outcome") if isinstance(slots.get("login_outcome"), str) else None
    conv.awaiting = slots.get("awaiting") if isinstance(slots.get("awaiting"), str) else None
