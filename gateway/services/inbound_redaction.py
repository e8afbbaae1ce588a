"""The citizen's message redacted before it is stored, logged or sent anywhere: read together with the
conversation's previous citizen message (a secret typed across two messages), and, when the two hold one secret,
the previous message masked in Rasa's tracker store at once and in the gateway's database with the new one.

The original text of a secret never leaves this module: only the redaction's `text`, `previous_text` do.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Optional

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from gateway.models import Conversation, Message
from gateway.services import retro_mask
from gateway.services.container import Services
from gateway.services.inbound_errors import BotUnavailable

log = logging.getLogger(__name__)

# the conversation's latest citizen message, by the conversation's channel and sender
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
        redaction = redact(svc, channel, text, previous, previous.rasa_sender_id if previous is not None else None)
    except BotUnavailable:
        return svc.redactor.redact(text).text  # Rasa's store is down: the queued text alone is masked now
    if getattr(redaction, "previous_id", None) is not None:
        with svc.db.transaction(write=True) as db:
            mask_previous(db, redaction)
    return redaction.text


def redact(svc: Services, channel: str, text: str, previous, rasa_sender_id: Optional[str]):
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


def mask_previous(db: Connection, redaction) -> None:
    """Store the masked text of the previous message a redaction found part of a secret in (`redact`)."""
    db.execute(
        _MASK_PREVIOUS,
        {"message": redaction.previous_id, "masked": redaction.previous_text, "kinds": redaction.previous_kinds},
    )
