"""The citizen's path through the gateway: validate → redact → store (idempotent) → in order per conversation
→ Rasa or staff → store the replies → return them.

The original text of a secret is never stored, logged or sent to Rasa: only `Redaction.text` leaves this module,
except a phone number given with consent for a call back, which goes to its own table.

Exactly once (issue #8): the message is stored (`received`) before Rasa sees it, with its id in the REST
metadata (`gateway_message_id`, kept on Rasa's user event), and marked `answered` in the same transaction that
stores the replies. A retry (same Idempotency-Key) of an answered message returns the stored replies; of a
message that was not answered (the gateway died, Rasa or the database failed) it first looks in Rasa's tracker
store: if Rasa already processed it, the replies are rebuilt from the bot events that follow it instead of
sending it to Rasa a second time. A turn Rasa did not really store (its silent in-memory fallback when the
tracker store fails) or an empty answer (the action server is down: Rasa logs the error and says nothing) is a
failure the citizen is told about (503, retryable, with the hotline), never a silent empty list. Rasa keeps such
an unanswered attempt in its tracker: on the retry it is undone with Rasa's `rewind` before the message is sent
again, so that the dialogue history the policies see holds the message once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

from sqlalchemy import and_, bindparam, case, insert, or_, select, update
from sqlalchemy.orm import joinedload
from vntext import normalize, secrets

from gateway.models import CallbackRequest, Conversation, Message, rest_message, utcnow
from gateway.rasa_client import RasaUnavailable
from gateway.services import erase_command, privacy_notice  # the citizen's rights: hooks in _handle_in_turn
from gateway.services import admission, handoff, retro_mask, runtime_settings, satisfaction, tenant
from gateway.services import states
from gateway.services.communes import CommuneInfo
from gateway.services.states import ConversationState
from gateway.services.container import Services
from gateway.services.inbound_errors import BotUnavailable, Rejected
from gateway.services.messages import add_outbound, get_or_create_conversation, outbound_values, replies_to
from gateway.services.ordering import Busy, OutOfOrder
from gateway.services.tracker_store import METADATA_KEY, TrackerStoreError

log = logging.getLogger(__name__)

CHANNELS = ("rest", "widget", "zalo")
SENDER = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")
MAX_SEQ = 2**53 - 1  # a message number stays exact in JSON numbers (and in Redis's Lua)
YES, NO = "affirm", "deny"
SATISFACTION = {"/satisfied": YES, "/not_satisfied": NO}  # the buttons of the question after a resolved handoff


@dataclass
class Inbound:
    """A message from a channel, before redaction."""

    channel: str
    sender: str
    text: str
    key: Optional[str] = None
    # the client's number for the message in its conversation (services/ordering.py), as `sequence_number` read it
    seq: Optional[int] = None
    # the client's address, for the limits per address on new conversations and handoffs (services/admission.py)
    client: Optional[str] = None
    # the commune the message is for (services/communes.py; REST `metadata.commune`, the widget's data-commune,
    # the Zalo OA); None: the conversation's own, or the installation's default for a new one
    commune: Optional[CommuneInfo] = None


def clean_text(text: str) -> str:
    """NFC, no control or zero-width characters (newlines kept), trimmed."""
    return normalize.clean(text)


def sequence_number(svc: Services, raw: Any) -> Optional[int]:
    """A client's message number (a positive integer, or its decimal digits) or None; Rejected if malformed."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 16:
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= MAX_SEQ:
        return raw
    raise Rejected(400, "bad_sequence", svc.texts.rejected("bad_sequence"))


def validate(svc: Services, inbound: Inbound) -> str:
    """The cleaned text, or Rejected with a clear reason (wording in content/messages.yml, `rejected:`)."""

    def reject(status: int, code: str, **fields) -> Rejected:
        return Rejected(status, code, svc.texts.rejected(code, **fields))

    if inbound.channel not in CHANNELS:
        raise reject(400, "bad_channel")
    if not isinstance(inbound.sender, str) or not SENDER.match(inbound.sender):
        raise reject(400, "bad_sender")
    if not isinstance(inbound.text, str):
        raise reject(400, "bad_message")
    if inbound.key is not None and (
        not isinstance(inbound.key, str) or not 0 < len(inbound.key) <= 128 or not inbound.key.isprintable()
    ):
        raise reject(400, "bad_key")
    text = clean_text(inbound.text)
    if not text:
        raise reject(400, "empty")
    if len(text) > svc.settings.max_message_chars:
        raise reject(413, "too_long", max=svc.settings.max_message_chars)
    return text


def handle(svc: Services, inbound: Inbound) -> List[Dict[str, Any]]:
    """Process one citizen message; returns the replies in Rasa's REST format (staff replies come later)."""
    text = validate(svc, inbound)
    with tenant.speaking_for(inbound.commune or svc.communes.default()):
        return _handle(svc, inbound, text)


def _handle(svc: Services, inbound: Inbound, text: str) -> List[Dict[str, Any]]:
    try:
        # the place in the conversation's queue is taken on arrival, before any slower work: messages are
        # processed in the order they arrived (and each is redacted knowing the one before it)
        with svc.locks.hold(f"{inbound.channel}:{inbound.sender}", seq=inbound.seq):
            return _handle_in_turn(svc, inbound, text)
    except OutOfOrder as exc:  # its predecessor has not come: refused at once, nothing stored, the retry goes on
        raise Rejected(409, "sequence_gap", svc.texts.rejected("sequence_gap"), retry_after=1) from exc
    except Busy as exc:  # nothing stored: the client's retry (same key) is processed normally
        log.warning(
            "a %s conversation stayed busy for %.0f s: message refused as retryable",
            inbound.channel,
            svc.settings.order_wait_s,
        )
        raise BotUnavailable(svc.texts.rejected("busy"), code="busy", retry_after=5) from exc


# The per-message statements: Core statements built once (SQLAlchemy compiles each once per engine and caches it),
# run in `Database.transaction`.
_SLOT_FIELDS = ("flow", "step", "max_step", "problem", "problems_seen", "tried", "login_outcome", "awaiting")
_CONVERSATION_COLUMNS = (
    "id",
    "channel",
    "state",
    "gateway_prompt",
    "rasa_sender_id",
    "privacy_notice_at",
    "commune_id",
) + _SLOT_FIELDS
# the conversation, and the message already stored under this Idempotency-Key if any, in one query
_FIND_CONVERSATION = (
    select(
        *(getattr(Conversation, c) for c in _CONVERSATION_COLUMNS),
        Message.id.label("found_id"),
        Message.status.label("found_status"),
    )
    .select_from(
        Conversation.__table__.outerjoin(
            Message.__table__,
            and_(Message.conversation_id == Conversation.id, Message.idempotency_key == bindparam("key")),
        )
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
# after the bot answered (`_after_bot_turn` in SQL): state and prompt as they are now (staff may have acted
# meanwhile), the slot summary from the copy read before Rasa (only the conversation's turn changes it)
_SAVE_SUMMARY = (
    update(Conversation.__table__)
    .where(Conversation.id == bindparam("conv"))
    .values(
        last_message_at=bindparam("now"),
        gateway_prompt=None,
        state=case(
            (Conversation.state == ConversationState.CLOSED.value, ConversationState.BOT.value),
            else_=Conversation.state,
        ),  # states.bot_answered, in SQL
        **{f: bindparam(f"v_{f}") for f in _SLOT_FIELDS},
    )
)


# the conversation's latest citizen message before this one (a retry of this one is not "before"), by its id
_LATEST_IN = (
    select(Message.id, Message.text, Message.sensitive)
    .where(Message.conversation_id == bindparam("conv"), Message.direction == "in", Message.author == "citizen")
    .order_by(Message.id.desc())
    .limit(1)
)
_PREVIOUS_IN = _LATEST_IN.where(or_(Message.idempotency_key.is_(None), Message.idempotency_key != bindparam("key")))
# the same by the conversation's channel and sender (a queued message, before its conversation is read)
_LATEST = (
    select(Message.id, Message.text, Message.sensitive, Conversation.rasa_sender_id)
    .select_from(Conversation.__table__.join(Message.__table__, Message.conversation_id == Conversation.id))
    .where(
        Conversation.channel == bindparam("channel"),
        Conversation.external_id == bindparam("sender"),
        Message.direction == "in",
        Message.author == "citizen",
    )
    .order_by(Message.id.desc())
    .limit(1)
)
_MASK_PREVIOUS = (
    update(Message.__table__)
    .where(Message.id == bindparam("message"))
    .values(text=bindparam("masked"), sensitive=bindparam("kinds"))
)


def _previous(svc: Services, channel: str, sender: str):
    """The conversation's latest citizen message as stored (id, text, sensitive, rasa_sender_id), or None."""
    with svc.db.transaction() as db:
        return db.execute(_LATEST, {"channel": channel, "sender": sender}).first()


def masked_for_queue(svc: Services, channel: str, sender: str, text: str) -> str:
    """A message as a channel may keep it until it is processed (Zalo's queued webhook bodies): redacted with
    the conversation's previous message, so no secret waits in clear in a queue either. When the two hold one
    secret, the previous message is masked at once in both stores (if Rasa's copy cannot be masked now, the
    worker masks it when it processes this message: it reads the same previous message)."""
    try:
        previous = _previous(svc, channel, sender)
        redaction = _redact(svc, channel, text, previous, previous.rasa_sender_id if previous is not None else None)
    except BotUnavailable:
        return svc.redactor.redact(text).text  # Rasa's store is down: the queued text alone is masked now
    if getattr(redaction, "previous_id", None) is not None:
        with svc.db.transaction(write=True) as db:
            db.execute(
                _MASK_PREVIOUS,
                {
                    "message": redaction.previous_id,
                    "masked": redaction.previous_text,
                    "kinds": redaction.previous_kinds,
                },
            )
    return redaction.text


def _redact(svc: Services, channel: str, text: str, previous, rasa_sender_id: Optional[str]):
    """The message redacted, read together with the conversation's previous citizen message as stored (id, text,
    sensitive; fragments of one secret across two messages). When that shows the previous message held part of a
    secret, Rasa's copy of it is masked now and the gateway's by the caller, in the transaction that stores this
    one (`Redaction.previous_text`, `.previous_id`); if Rasa's copy cannot be masked, BotUnavailable: nothing is
    stored and the client may retry."""
    redaction = svc.redactor.redact(text, previous.text if previous is not None else None)
    if redaction.previous_text is None:
        return redaction
    kinds = sorted(set(previous.sensitive or []) | {kind for kind, _, _ in redaction.previous_spans})
    store = svc.tracker_store
    try:
        retro_mask.mask_tracker_event(
            store.engine if store is not None and store.available() else None,
            rasa_sender_id,
            previous.id,
            redaction.previous_text,
            kinds,
        )
    except retro_mask.RetroMaskError as exc:
        log.error("an earlier message of a %s conversation could not be masked in Rasa's store: %s", channel, exc)
        raise BotUnavailable(svc.texts.text("bot_unavailable")) from exc
    return SimpleNamespace(
        text=redaction.text,
        kinds=redaction.kinds,
        spans=redaction.spans,
        previous_text=redaction.previous_text,
        previous_id=previous.id,
        previous_kinds=kinds,
    )


def _handle_in_turn(svc: Services, inbound: Inbound, text: str) -> List[Dict[str, Any]]:
    # The hot path of every message writes with plain INSERT/UPDATE statements (no unit of work): the ORM's
    # flushes were a third of the gateway's CPU per message (tools/bench_stack.py --profile, README).
    now = utcnow()
    row, message_id, redaction = _receive(svc, inbound, text, now)
    if row.found_status == "answered":  # a retry of an answered message: the same replies again
        with svc.db.session() as session:
            return [m.as_rest(inbound.sender) for m in replies_to(session, session.get(Message, message_id))]
    conv = SimpleNamespace(**{c: getattr(row, c) for c in _CONVERSATION_COLUMNS})
    with tenant.speaking_for(svc.communes.by_id(conv.commune_id)):  # the conversation's own commune
        return _answer(svc, inbound, text, redaction, row, conv, message_id)


def _answer(
    svc: Services, inbound: Inbound, text: str, redaction, row, conv: SimpleNamespace, message_id: int
) -> List[Dict[str, Any]]:
    """The stored message answered: by the gateway itself (erasure, its own questions), the bot, or staff."""
    # "xóa cuộc trò chuyện" and the answer to its question are the gateway's own, never sent to Rasa
    own = erase_command.intercept(svc, inbound.sender, conv, message_id, redaction.text)
    if own is not None:
        return own
    conv_id, state, prompt, sender = conv.id, conv.state, conv.gateway_prompt, conv.rasa_sender_id
    retry = row.found_id is not None  # received or failed: Rasa may have processed it before the failure
    outage = runtime_settings.get_recent(svc.db.engine, "outage_notice", conv.commune_id)

    if not prompt and redaction.text.strip() in SATISFACTION:  # its button pressed after another message
        prompt = satisfaction.PROMPT
    answer = _prompt_answer(svc, prompt, redaction) if prompt else None
    rasa_replies: Optional[List[Dict[str, Any]]] = None
    slots: Dict[str, Any] = {}
    notice = False  # whether this answer carries the privacy notice (a conversation's first answer)
    if state != ConversationState.WITH_STAFF and answer is None:
        metadata = {
            "channel": inbound.channel,
            "sensitive": redaction.kinds,
            METADATA_KEY: message_id,
            **_commune_metadata(svc, conv.commune_id),
        }
        if outage and outage.get("on"):
            metadata["outage_notice"] = outage.get("text") or svc.texts.text("outage_default")
        rasa_replies, slots = _ask_rasa(
            svc, sender, inbound.sender, redaction.text, metadata, message_id, conv_id, retry
        )
        notice = privacy_notice.add(svc, conv, inbound.channel, rasa_replies)

    if answer is None and rasa_replies is not None and not any(_handoff_of(r) for r in rasa_replies):
        return privacy_notice.given(
            svc, conv_id, notice, _store_bot_replies(svc, conv, message_id, inbound, rasa_replies, slots)
        )
    with svc.db.session() as session:
        message = session.scalar(
            select(Message).options(joinedload(Message.conversation)).where(Message.id == message_id)
        )  # one query for both
        conv = message.conversation
        out: List[Message] = []
        if answer is not None:
            out += _apply_prompt(svc, session, conv, message, prompt, answer, redaction, text)
        elif rasa_replies is not None:
            _after_bot_turn(conv, slots)
            for reply in rasa_replies:  # one INSERT for all the replies (flushed below or by a handoff)
                out.append(add_outbound(session, conv, "bot", reply, message, flush=False))
                payload = _handoff_of(reply)
                if payload is not None:
                    out += handoff.request(svc, session, conv, payload, message, client=inbound.client)
        if notice:
            conv.privacy_notice_at = utcnow()
        message.status = "answered"
        session.flush()
        return [m.as_rest(inbound.sender) for m in out]


def _commune_metadata(svc: Services, commune_id: Optional[int]) -> Dict[str, Any]:
    """What the bot needs to speak for the conversation's commune (one model serves every commune: its words
    come from here, never from training data): its slug and `{commune.*}` fields."""
    info = svc.communes.by_id(commune_id)
    if info is None:
        return {}
    return {"commune": info.slug, "commune_fields": svc.texts.guide_for(info).commune_fields}


def _receive(svc: Services, inbound: Inbound, text: str, now):
    """Redact the message and store it before anyone answers it: (the conversation's row, the message id, the
    redaction). The row also says whether this Idempotency-Key was seen before (`found_id`, `found_status`): then
    nothing is added. The message is redacted with the conversation's previous one, read in the same transaction
    (`_redact`). A conversation belongs to the commune it started in: a message naming another is refused (409)."""
    where = {"channel": inbound.channel, "sender": inbound.sender, "key": inbound.key}
    for _ in range(2):
        with svc.db.transaction(write=True) as db:
            row = db.execute(_FIND_CONVERSATION, where).first()
            if (
                row is not None
                and inbound.commune is not None
                and row.commune_id is not None
                and row.commune_id != inbound.commune.id
            ):
                raise Rejected(409, "other_commune", svc.texts.rejected("other_commune"))
            if row is not None:
                where_previous = {"conv": row.id, "key": inbound.key}
                previous = db.execute(_LATEST_IN if inbound.key is None else _PREVIOUS_IN, where_previous).first()
                redaction = _redact(svc, inbound.channel, text, previous, row.rasa_sender_id)
                message_id = row.found_id
                if message_id is None and getattr(redaction, "previous_id", None) is not None:
                    db.execute(
                        _MASK_PREVIOUS,
                        {
                            "message": redaction.previous_id,
                            "masked": redaction.previous_text,
                            "kinds": redaction.previous_kinds,
                        },
                    )
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
                if row.found_status != "answered":
                    db.execute(_TOUCH_CONVERSATION, {"conv": row.id, "now": now})
                return row, message_id, redaction
        wait = admission.new_conversation(svc, inbound.client)  # first contact: within the address's limit?
        if wait:
            raise Rejected(
                429,
                "too_many_conversations",
                svc.texts.rejected("too_many_conversations", minutes=-(-wait // 60)),
                retry_after=wait,
            )
        commune = inbound.commune or svc.communes.default()
        with svc.db.session() as session:  # first contact: the conversation is created, then read as above
            get_or_create_conversation(
                session, inbound.channel, inbound.sender, commune.id if commune is not None else None
            )
    raise RuntimeError("conversation created but not found")  # pragma: no cover - the database lost a commit


def _handoff_of(reply: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The bot's handoff payload in a reply, if any."""
    custom = reply.get("custom")
    payload = custom.get("handoff") if isinstance(custom, dict) else None
    return payload if isinstance(payload, dict) else None


def _store_bot_replies(
    svc: Services,
    conv: SimpleNamespace,
    message_id: int,
    inbound: Inbound,
    replies: List[Dict[str, Any]],
    slots: Dict[str, Any],
) -> List[Dict[str, Any]]:
    """The common case (the bot answered, no handoff): replies in one INSERT, the message answered, the
    conversation's summary updated, in one transaction without the ORM; the same rows and values as the ORM path
    above. `conv` is the copy read before Rasa."""
    _apply_slots(conv, slots)
    now = utcnow()
    rows = [outbound_values(conv.id, conv.channel, "bot", reply, message_id, None, now) for reply in replies]
    with svc.db.transaction(write=True) as db:
        db.execute(_SAVE_SUMMARY, {"conv": conv.id, "now": now, **{f"v_{f}": getattr(conv, f) for f in _SLOT_FIELDS}})
        if rows:
            db.execute(_INSERT_REPLY, rows)
        db.execute(_ANSWERED, {"message": message_id})
    return [rest_message(inbound.sender, row["text"], row["data"]) for row in rows]


def _after_bot_turn(conv, slots: Dict[str, Any]) -> None:
    """The conversation (ORM row) after the bot answered: back with the bot, no gateway question pending, summary
    from the slots. The common path does the same in SQL (`_SAVE_SUMMARY`); keep the two alike."""
    states.bot_answered(conv)
    conv.gateway_prompt = None
    _apply_slots(conv, slots)


def _fail(svc: Services, message_id: int, conv_id: int, why: str) -> BotUnavailable:
    """Mark the message failed (a retry processes it) and build the citizen's honest answer."""
    log.error("bot unavailable for conversation %s: %s", conv_id, why)
    with svc.db.session() as session:
        session.get(Message, message_id).status = "failed"
    return BotUnavailable(svc.texts.text("bot_unavailable"))


def _undo_unanswered(svc: Services, sender: str, message_id: int, conv_id: int, rewindable: bool) -> None:
    """Rasa holds an attempt of this message it did not answer (a custom action failed): undo it with Rasa's
    `rewind` before the message is sent again, so that Rasa's dialogue history holds the message once. Only when
    `rewind` undoes exactly that attempt (`Turn.rewindable`: the latest turn of the session, after a listen), else
    it would undo another turn too: then the message is sent again as it is. BotUnavailable if Rasa cannot be
    asked (nothing is sent)."""
    if not rewindable:
        log.warning(
            "message %s: Rasa holds an unanswered attempt that is not its latest turn after a listen; "
            "sent again without undoing it",
            message_id,
        )
        return
    try:
        svc.rasa.rewind(sender)
    except RasaUnavailable as exc:
        raise _fail(svc, message_id, conv_id, f"unanswered attempt not undone: {exc}") from exc
    log.info("message %s: Rasa's unanswered attempt undone (rewind) before it is sent again", message_id)


def _ask_rasa(
    svc: Services,
    sender: str,
    recipient: str,
    text: str,
    metadata: Dict[str, Any],
    message_id: int,
    conv_id: int,
    retry: bool,
):
    """The bot's replies and slots for this message, exactly once: (replies, slots) or BotUnavailable."""
    store = svc.tracker_store
    use_store = store is not None and store.available()
    if retry and use_store:
        try:
            turn = store.turn(sender, message_id, recipient, whole=True)
        except TrackerStoreError as exc:
            raise _fail(svc, message_id, conv_id, str(exc)) from exc
        if turn.found and turn.replies:
            log.info("message %s was already processed by Rasa: replies rebuilt from the tracker store", message_id)
            return turn.replies, turn.slots
        if turn.found:
            _undo_unanswered(svc, sender, message_id, conv_id, turn.rewindable)
    try:
        replies = svc.rasa.send(sender, text, metadata)
    except RasaUnavailable as exc:
        raise _fail(svc, message_id, conv_id, str(exc)) from exc
    if not replies:  # Rasa answers [] when a custom action failed (action server down): not an answer
        raise _fail(svc, message_id, conv_id, "Rasa answered nothing (action server down?)")
    if not use_store:
        try:
            return replies, svc.rasa.tracker(sender).get("slots") or {}
        except RasaUnavailable as exc:  # the answer matters more than the summary: carry on
            log.warning("tracker not read for message %s: %s", message_id, exc)
            return replies, {}
    try:
        turn = store.turn(sender, message_id, recipient)
    except TrackerStoreError as exc:
        svc.health_cache.pop("tracker_store_ok_at", None)  # /healthz probes again at once
        raise _fail(svc, message_id, conv_id, f"{exc}: Rasa may be answering from an in-memory tracker") from exc
    if not turn.found:
        svc.health_cache.pop("tracker_store_ok_at", None)
        raise _fail(svc, message_id, conv_id, "Rasa did not store the turn in its tracker store (in-memory fallback?)")
    return replies, turn.slots


def _apply_slots(conv, slots: Dict[str, Any]) -> None:
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


def _prompt_answer(svc: Services, prompt: str, redaction) -> Optional[str]:
    """Interpret an answer to the gateway's own question: yes, no, phone, or None (not an answer)."""
    if prompt == "callback_phone" and any(kind == "phone" for kind, _, _ in redaction.spans):
        return "phone"
    text = redaction.text.strip()
    if text in ("/affirm", "/deny"):
        return YES if text == "/affirm" else NO
    if prompt == "satisfaction" and text in SATISFACTION:
        return SATISFACTION[text]
    if prompt == "callback_phone":
        return "bad_phone" if len(text) <= 40 else None
    try:
        intent = (svc.rasa.parse(text).get("intent") or {}).get("name")
    except RasaUnavailable:
        return None
    return intent if intent in (YES, NO) else None


def _apply_prompt(
    svc: Services, session, conv: Conversation, message: Message, prompt: str, answer: str, redaction, original: str
) -> List[Message]:
    """The call-back dialogue: offer → explicit consent → phone number (stored apart) → confirmation."""
    texts = svc.texts
    if prompt == "satisfaction":  # asked once: any answer ends the question
        conv.gateway_prompt = None
        satisfaction.record(session, conv, answer == YES)
        return [
            add_outbound(
                session,
                conv,
                "system",
                texts.message("satisfaction_yes" if answer == YES else "satisfaction_no"),
                message,
            )
        ]
    if answer == NO:
        conv.gateway_prompt = None
        return [add_outbound(session, conv, "system", texts.message("callback_declined"), message)]
    if prompt == "callback_offer" and answer == YES:
        conv.gateway_prompt = "callback_consent"
        return [
            add_outbound(
                session,
                conv,
                "system",
                texts.message("callback_consent", "consent", days=svc.settings.retention_days),
                message,
            )
        ]
    if prompt == "callback_consent" and answer == YES:
        conv.gateway_prompt = "callback_phone"
        return [add_outbound(session, conv, "system", texts.message("callback_ask_phone"), message)]
    if prompt == "callback_phone" and answer == "phone":
        kind, start, end = next(span for span in redaction.spans if span[0] == "phone")
        phone = secrets.digits_of(original[start:end])  # "không chín…", full-width digits: as ASCII digits
        session.add(
            CallbackRequest(
                conversation_id=conv.id,
                phone=phone,
                consent_text=texts.text("callback_consent", days=svc.settings.retention_days),
            )
        )
        open_handoff = handoff.open_handoff(session, conv)
        if open_handoff is not None:
            handoff._event(session, open_handoff, "callback_requested")
        conv.gateway_prompt = None
        digits = "".join(ch for ch in phone if ch.isdigit())
        return [add_outbound(session, conv, "system", texts.message("callback_saved", last3=digits[-3:]), message)]
    if prompt == "callback_phone":
        return [add_outbound(session, conv, "system", texts.message("callback_bad_phone"), message)]
    conv.gateway_prompt = None
    return []
