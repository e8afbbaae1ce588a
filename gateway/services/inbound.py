"""The citizen's path through the gateway: validate → in order per conversation → redact and store
(idempotent) → the gateway's own answer, Rasa or staff → store the replies → return them.

This module receives and validates the message, keeps its place in the conversation's turn and decides who
answers; the steps have their own modules: `inbound_redaction` (the secret masking, with the previous message),
`inbound_store` (the per-message writes), `inbound_bot` (Rasa, exactly once), `inbound_prompts` (the gateway's
own questions: call back, satisfaction).

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
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from vntext import normalize

from gateway.models import Message, utcnow
from gateway.services import erase_command, privacy_notice  # the citizen's rights: hooks in _answer
from gateway.services import handoff, inbound_bot, inbound_prompts, inbound_store, runtime_settings, satisfaction
from gateway.services import tenant
from gateway.services.container import Services
from gateway.services.inbound_errors import BotUnavailable, Rejected
from gateway.services.inbound_message import Inbound
from gateway.services.inbound_redaction import masked_for_queue
from gateway.services.messages import add_outbound, replies_to
from gateway.services.ordering import Busy, OutOfOrder
from gateway.services.states import ConversationState
from gateway.services.tracker_store import METADATA_KEY

__all__ = [
    "BotUnavailable",
    "CHANNELS",
    "Inbound",
    "MAX_SEQ",
    "Rejected",
    "SENDER",
    "clean_text",
    "handle",
    "masked_for_queue",
    "sequence_number",
    "validate",
]

log = logging.getLogger(__name__)

CHANNELS = ("rest", "widget", "zalo")
SENDER = re.compile(r"^[A-Za-z0-9_.:@\-]{1,128}$")
MAX_SEQ = 2**53 - 1  # a message number stays exact in JSON numbers (and in Redis's Lua)


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


def _handle_in_turn(svc: Services, inbound: Inbound, text: str) -> List[Dict[str, Any]]:
    now = utcnow()
    row, message_id, redaction = inbound_store.receive(svc, inbound, text, now)
    if row.found_status == "answered":  # a retry of an answered message: the same replies again
        with svc.db.session() as session:
            return [m.as_rest(inbound.sender) for m in replies_to(session, session.get(Message, message_id))]
    conv = SimpleNamespace(**{c: getattr(row, c) for c in inbound_store.CONVERSATION_COLUMNS})
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

    if not prompt and redaction.text.strip() in inbound_prompts.SATISFACTION:  # pressed after another message
        prompt = satisfaction.PROMPT
    answer = inbound_prompts.answer_of(svc, prompt, redaction) if prompt else None
    rasa_replies: Optional[List[Dict[str, Any]]] = None
    slots: Dict[str, Any] = {}
    notice = False  # whether this answer carries the privacy notice (a conversation's first answer)
    if state != ConversationState.WITH_STAFF and answer is None:
        metadata = {
            "channel": inbound.channel,
            "sensitive": redaction.kinds,
            METADATA_KEY: message_id,
            **inbound_bot.commune_metadata(svc, conv.commune_id),
        }
        if outage and outage.get("on"):
            metadata["outage_notice"] = outage.get("text") or svc.texts.text("outage_default")
        rasa_replies, slots = inbound_bot.ask(
            svc, sender, inbound.sender, redaction.text, metadata, message_id, conv_id, retry
        )
        notice = privacy_notice.add(svc, conv, inbound.channel, rasa_replies)

    if answer is None and rasa_replies is not None and not any(inbound_bot.handoff_of(r) for r in rasa_replies):
        return inbound_store.store_bot_replies(svc, conv, message_id, inbound, rasa_replies, slots, notice)
    with svc.db.session() as session:
        message = session.scalar(
            select(Message).options(joinedload(Message.conversation)).where(Message.id == message_id)
        )  # one query for both
        conv = message.conversation
        out: List[Message] = []
        if answer is not None:
            out += inbound_prompts.apply(svc, session, conv, message, prompt, answer, redaction, text)
        elif rasa_replies is not None:
            inbound_store.after_bot_turn(conv, slots)
            for reply in rasa_replies:  # one INSERT for all the replies (flushed below or by a handoff)
                out.append(add_outbound(session, conv, "bot", reply, message, flush=False))
                payload = inbound_bot.handoff_of(reply)
                if payload is not None:
                    out += handoff.request(svc, session, conv, payload, message, client=inbound.client)
        if notice:
            conv.privacy_notice_at = utcnow()
        message.status = "answered"
        session.flush()
        return [m.as_rest(inbound.sender) for m in out]
