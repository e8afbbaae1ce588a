"""Echoes of the messages the Official Account sent (`oa_send_*`): ours are recognised (msg id, or the same text
within a day, in `zalo_sent`; an erasure confirmation); any other means a person answered from Zalo's own OA admin
page, and the bot is paused for that citizen (`takeover`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Dict, Optional

from sqlalchemy import exists, select

from gateway.channels.zalo import erasure as zalo_erasure
from gateway.channels.zalo.event_fields import id_of, inbound_key
from gateway.channels.zalo.event_rows import Retry, finish
from gateway.zalo_models import ZaloSent, text_hash
from gateway.channels.zalo.routing import conversation
from gateway.models import Conversation, Message, utcnow
from gateway.rasa_client import RasaUnavailable
from gateway.services import audit, handoff
from gateway.services.container import Services
from gateway.services.states import ConversationState

log = logging.getLogger(__name__)

ECHO_TAKEOVER_REASON = "zalo_admin"


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


def on_echo(
    svc: Services, event_id: int, user: str, key: str, message: Dict[str, Any], oa_id: Optional[str] = None
) -> str:
    """An OA echo: ours → done; else a person answered from the OA admin page → takeover."""
    text = message.get("text") if isinstance(message.get("text"), str) else None
    with svc.db.session() as session:
        if is_ours(session, user, id_of(message.get("msg_id")), text) or _erasure_echo(svc, text):
            finish(session, event_id, "done", "own echo")
            return "done"
    takeover(svc, user, text, inbound_key(key), oa_id)
    with svc.db.session() as session:
        finish(session, event_id, "done", "takeover")
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
